//! Finding what the official document has and our spec lacks: component
//! schemas walked side by side (enum values, properties, down through
//! `items`, `additionalProperties` and `allOf`-style members), then the
//! operations of the tags we use and the parameters and responses of the
//! operations we include. Each lack carries the edit that would add it
//! (for enum values and properties) and a note when `--write` must not
//! make it; properties are written in `import`'s conventions, so a synced
//! field looks like an imported one.

use std::collections::BTreeSet;

use serde_json::Value;

use super::classify::{Addition, classify, classify_edits};
use super::{Edit, Kind, Lack, NO_BASE, edit_pointer};
use crate::import::tags;
use cloud_spec as spec;

/// Everything the official document has and `ours` lacks, in the order:
/// enum values and properties by schema, then operations, parameters and
/// responses by path. `base` is the official document the spec was curated
/// from (see the module docs); `descriptions` the official texts
/// (`schemas.<Schema>.<property>`), used where the document itself has
/// no description (else a new property gets the description `cargo xtask
/// import` derives from its name, so every field stays documented).
pub fn lacks(
    ours: &Value,
    official: &Value,
    base: Option<&Value>,
    descriptions: Option<&Value>,
) -> Vec<Lack> {
    let mut finder = Finder {
        ours,
        official,
        base,
        texts: crate::import::Texts {
            descriptions: descriptions.cloned().unwrap_or(Value::Null),
            request_examples: Value::Null,
        },
        out: Vec::new(),
    };
    finder.schemas();
    classify_edits(ours, &mut finder.out);
    finder.operations();
    finder.out
}

struct Finder<'a> {
    ours: &'a Value,
    official: &'a Value,
    base: Option<&'a Value>,
    /// For descriptions, the same as `import` writes.
    texts: crate::import::Texts,
    out: Vec<Lack>,
}

impl Finder<'_> {
    fn push(
        &mut self,
        kind: Kind,
        location: String,
        addition: Addition<'_>,
        edit: Option<Edit>,
        note: Option<String>,
    ) {
        // Edits are classified together afterwards (`classify_edits`).
        let changes = match addition {
            Addition::Edit(_) => Vec::new(),
            other => classify(self.ours, &other),
        };
        let breaking = changes.iter().any(|c| c.breaking);
        self.out.push(Lack {
            kind,
            location,
            changes,
            breaking,
            edit,
            note,
            written: false,
        });
    }

    fn schemas(&mut self) {
        let Some(ours) = spec::component_schemas(self.ours) else {
            return;
        };
        for (name, schema) in ours {
            let Some(theirs) = spec::component_schemas(self.official).and_then(|s| s.get(name))
            else {
                // `upstream` reports it; nothing to compare with.
                continue;
            };
            let theirs = spec::resolve(self.official, theirs);
            let base = self.base.and_then(|b| {
                spec::component_schemas(b)?
                    .get(name)
                    .map(|s| spec::resolve(b, s))
            });
            self.node(name, &mut Vec::new(), schema, theirs, base);
        }
    }

    /// Compares one node of component `schema` (at `at` inside it) with
    /// upstream's and the base's at the same place.
    fn node(
        &mut self,
        schema: &str,
        at: &mut Vec<String>,
        ours: &Value,
        theirs: &Value,
        base: Option<&Value>,
    ) {
        if spec::wrapped_ref_name(ours).is_some() || spec::wrapped_ref_name(theirs).is_some() {
            // A reference: the component it names is compared on its own.
            return;
        }
        let pointer = format!("#{}", edit_pointer(schema, at));
        if let (Some(our_values), Some(their_values)) = (
            ours.get("enum").and_then(Value::as_array),
            theirs.get("enum").and_then(Value::as_array),
        ) {
            for value in their_values.iter().filter(|v| !our_values.contains(v)) {
                let edit = Edit::EnumValue {
                    schema: schema.to_string(),
                    at: at.clone(),
                    value: value.clone(),
                };
                self.push(
                    Kind::EnumValue,
                    format!("{pointer}/enum"),
                    Addition::Edit(&edit),
                    Some(edit.clone()),
                    None,
                );
            }
        }
        if let (Some(our_props), Some(their_props)) =
            (spec::properties(ours), spec::properties(theirs))
        {
            let base_props = base.and_then(spec::properties);
            let their_required = spec::required(theirs);
            for (name, prop) in their_props {
                if let Some(ours) = our_props.get(name) {
                    at.extend(["properties".to_string(), name.clone()]);
                    let base = base_props.and_then(|p| p.get(name));
                    self.node(schema, at, ours, prop, base);
                    at.truncate(at.len() - 2);
                    continue;
                }
                if base_props.is_some_and(|p| p.contains_key(name)) {
                    // In the document the spec was curated from: left out.
                    continue;
                }
                let location = format!("{pointer}/properties/{}", spec::escape(name));
                let node = self.property_node(schema, at.is_empty(), name, prop);
                let edit = Edit::Property {
                    schema: schema.to_string(),
                    at: at.clone(),
                    name: name.clone(),
                    node,
                    required: their_required.contains(&name.as_str()),
                };
                let missing: Vec<String> = direct_refs(prop)
                    .into_iter()
                    .filter(|r| {
                        spec::component_schemas(self.ours).is_none_or(|s| !s.contains_key(r))
                    })
                    .collect();
                let note = if !missing.is_empty() {
                    Some(format!(
                        "not written: it needs {}, not in the spec yet; add {} first",
                        list(&missing, "schema"),
                        if missing.len() == 1 { "it" } else { "them" }
                    ))
                } else if self.base.is_none() {
                    Some(NO_BASE.to_string())
                } else {
                    None
                };
                self.push(
                    Kind::Property,
                    location,
                    Addition::Edit(&edit),
                    Some(edit.clone()),
                    note,
                );
            }
        }
        if let (Some(x), Some(y)) = (ours.get("items"), theirs.get("items")) {
            at.push("items".to_string());
            self.node(schema, at, x, y, base.and_then(|b| b.get("items")));
            at.pop();
        }
        if let (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) = (
            ours.get("additionalProperties"),
            theirs.get("additionalProperties"),
        ) {
            at.push("additionalProperties".to_string());
            self.node(
                schema,
                at,
                x,
                y,
                base.and_then(|b| b.get("additionalProperties")),
            );
            at.pop();
        }
        for key in ["allOf", "oneOf", "anyOf"] {
            if let (Some(x), Some(y)) = (
                ours.get(key).and_then(Value::as_array),
                theirs.get(key).and_then(Value::as_array),
            ) && x.len() == y.len()
            {
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    at.extend([key.to_string(), i.to_string()]);
                    let base = base.and_then(|b| b.get(key)?.get(i));
                    self.node(schema, at, x, y, base);
                    at.truncate(at.len() - 2);
                }
            }
        }
    }

    /// Upstream's property as we write it, with `import`'s conventions:
    /// the house `Secret` schema when its name says it holds a credential
    /// (what `lint` asks for), and at the top level of a schema a
    /// description: the document's, else the official text, else one
    /// derived from the name, so a synced field is as documented as an
    /// imported one.
    fn property_node(&self, schema: &str, top_level: bool, name: &str, prop: &Value) -> Value {
        let mut node = prop.clone();
        crate::import::secretise(name, &mut node);
        if let (Some(text), Some(map)) = (prop.get("description"), node.as_object_mut()) {
            // Kept through `secretise`, which replaces the node.
            map.entry("description").or_insert_with(|| text.clone());
        }
        let documented = node
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| !d.trim().is_empty());
        if top_level && !documented {
            let text = crate::import::field_description(schema, name, prop, &self.texts);
            crate::import::document(&mut node, text);
        }
        node
    }

    fn operations(&mut self) {
        let ours = spec::operations(self.ours);
        let used: BTreeSet<&str> = ours.iter().flat_map(|op| tags(op.op)).collect();
        // Copied out of `self`, so that `push` may borrow it mutably.
        let base = self.base;
        let in_base = |path: &str, method: &str| {
            base.and_then(|b| b.get("paths")?.get(path))
                .is_some_and(|item| item.get(method).is_some())
        };
        let theirs = spec::operations(self.official);
        for up in &theirs {
            let mine = ours
                .iter()
                .find(|o| o.path == up.path && o.method == up.method);
            let Some(mine) = mine else {
                if tags(up.op).any(|t| used.contains(t)) && !in_base(up.path, up.method) {
                    self.push(
                        Kind::Operation,
                        up.pointer(),
                        Addition::Operation {
                            path: up.path,
                            method: up.method,
                            op: up.op,
                        },
                        None,
                        Some(format!(
                            "add with `cargo xtask import cloudtower [<official-spec>] {}`",
                            up.path
                        )),
                    );
                }
                continue;
            };
            let our_params = mine.parameters(self.ours);
            for param in up.parameters(self.official) {
                let key = spec::param_key(param);
                if our_params.iter().any(|p| spec::param_key(p) == key) {
                    continue;
                }
                self.push(
                    Kind::Parameter,
                    format!("{}/parameters/{}", mine.pointer(), spec::escape(&key.1)),
                    Addition::Parameter {
                        path: up.path,
                        method: up.method,
                        param,
                    },
                    None,
                    Some("add by hand (--write does not add parameters)".to_string()),
                );
            }
            let our_codes: Vec<&str> = mine
                .responses(self.ours)
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let base_op = self
                .base
                .and_then(|b| b.get("paths")?.get(up.path)?.get(up.method));
            for (code, response) in up.responses(self.official) {
                let in_base = base_op
                    .and_then(|op| op.get("responses")?.get(code))
                    .is_some();
                if our_codes.contains(&code) || in_base {
                    continue;
                }
                self.push(
                    Kind::Response,
                    format!("{}/responses/{}", mine.pointer(), spec::escape(code)),
                    Addition::Response {
                        path: up.path,
                        method: up.method,
                        code,
                        response,
                    },
                    None,
                    Some("add by hand (--write does not add responses)".to_string()),
                );
            }
        }
    }
}

fn list(names: &[String], noun: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let plural = if names.len() == 1 { "" } else { "s" };
    format!("{noun}{plural} {}", quoted.join(", "))
}

/// The component schemas a node names directly (not through them), each
/// once and sorted (for the note that names them): the `$ref`s `import`
/// follows for its closure, the same walk.
fn direct_refs(node: &Value) -> BTreeSet<String> {
    crate::import::refs_in(node).into_iter().collect()
}

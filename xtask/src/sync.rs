//! `cargo xtask upstream cloudtower [<official-spec>] --sync [--base <older-official-spec>]
//! [--descriptions <texts.json>] [--write]`: what the official document has
//! and our curated spec lacks, for everything the spec includes. The
//! document defaults to the vendored one ([`crate::official::document`]),
//! the texts to the English ones of its version beside it.
//!
//! `upstream` without `--sync` ([`crate::upstream`]) finds where we say
//! something else; this finds what we do not say yet:
//!
//! - enum values of the enums we define (upstream's and ours must be the
//!   same set, so a missing value is always new);
//! - properties of the schemas we define (also inside their `items`,
//!   `allOf` members and so on);
//! - operations in the tags our operations use;
//! - parameters and responses of the operations we include.
//!
//! The spec is a subset on purpose: it leaves out properties, operations
//! and responses. Which of those upstream added since the spec was curated,
//! and which the spec left out, only the document it was curated from can
//! tell: `--base <that document>` limits properties, operations and
//! responses to those the base does not have (enum values and parameters
//! are never left out, so they are reported either way). Without
//! `--base`, an official document whose `info.version` is the spec's is
//! its own base; any other is compared without one, and the properties the
//! spec leaves out are listed too (one line per schema) and never written.
//!
//! Every addition is classified by [`crate::diff`], the same code as `cargo
//! xtask diff`: the addition is made to a copy of the spec and the two are
//! diffed, so a new value of a named enum (generated open) is not breaking
//! and a new value of an inline response enum is, a new required request
//! field is and an optional one is not.
//!
//! `--write` applies the non-breaking enum values and properties (the
//! latter only with a base, and only when the schemas they refer to are in
//! the spec) to the spec file as small textual edits, so
//! comments, order and layout stay as written: a value goes at the end of
//! the enum's list, a property at its sorted place in `properties` (at the
//! end where they are not sorted), with the official description (or the
//! one `cargo xtask import` derives from the name when there is none). The result is parsed again and must equal the spec with the
//! additions made, and compare with the official document with no
//! disagreement the spec did not already have; otherwise nothing is
//! written. Operations, parameters and responses are reported only: an
//! operation needs its schemas and our conventions (`cargo xtask import`).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::diff::{self, Change};
use crate::upstream::{self, Disagreement};
use crate::yaml;
use cloud_spec as spec;

/// The note on a property that only a base can tell new from left out.
const NO_BASE: &str = "not written without --base: the spec may leave it out on purpose";

/// What an addition adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A value of an enum we define.
    EnumValue,
    /// A property of a schema we define.
    Property,
    /// An operation in a tag we use.
    Operation,
    /// A parameter of an operation we include.
    Parameter,
    /// A response of an operation we include.
    Response,
}

/// An edit `--write` can make to the spec file.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Appends `value` to the `enum` of the node at `at` inside component
    /// schema `schema`.
    EnumValue {
        /// The component schema.
        schema: String,
        /// Keys from the component to the node holding `enum` (empty for
        /// the component itself).
        at: Vec<String>,
        /// The new value.
        value: Value,
    },
    /// Adds property `name` to the node at `at` inside component schema
    /// `schema`.
    Property {
        /// The component schema.
        schema: String,
        /// Keys from the component to the node holding `properties`.
        at: Vec<String>,
        /// The property name.
        name: String,
        /// Its schema, as it will be written (description included).
        node: Value,
        /// Whether upstream requires it (it joins our `required` then).
        required: bool,
    },
}

/// One thing the official document has and our spec lacks.
#[derive(Debug, Clone)]
pub struct Lack {
    /// What it is.
    pub kind: Kind,
    /// A JSON pointer into our spec: where it would go.
    pub location: String,
    /// What `cargo xtask diff` says adding it does (empty when the diff
    /// sees no change to the Rust API, e.g. a new error status code with
    /// the same body).
    pub changes: Vec<Change>,
    /// Whether any of those changes is breaking.
    pub breaking: bool,
    /// The edit that adds it to the spec (enum values and properties).
    pub edit: Option<Edit>,
    /// Why `--write` does not make the edit, or what to do instead; `None`
    /// for an edit `--write` makes when it is not breaking.
    pub note: Option<String>,
    /// Whether `--write` made it.
    pub written: bool,
}

impl Lack {
    /// Whether `--write` would apply it.
    pub fn writable(&self) -> bool {
        !self.breaking && self.edit.is_some() && self.note.is_none()
    }

    fn what(&self) -> String {
        if self.changes.is_empty() {
            let thing = match self.kind {
                Kind::EnumValue => "enum value",
                Kind::Property => "property",
                Kind::Operation => "operation",
                Kind::Parameter => "parameter",
                Kind::Response => "response",
            };
            format!(
                "{}: {thing} added (no change to the Rust API)",
                self.location
            )
        } else {
            self.changes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
}

impl fmt::Display for Lack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tag = if self.breaking { "BREAKING" } else { "ok" };
        let action = if self.written {
            "written".to_string()
        } else if self.breaking && self.edit.is_some() {
            "not written: breaking; decide, then edit by hand".to_string()
        } else if let Some(note) = &self.note {
            note.clone()
        } else {
            "--write adds it".to_string()
        };
        write!(f, "{tag:<8}  {}  [{action}]", self.what())
    }
}

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

/// Classifies the enum value and property lacks: one diff per component
/// schema with all of its additions made, each change given to the lack it
/// is about. A diff per addition says the same and is what is done when
/// that matching is not one to one; per schema is what keeps a run
/// without a base, with thousands of left-out properties, fast.
fn classify_edits(ours: &Value, lacks: &mut [Lack]) {
    let mut groups: Vec<(&str, Vec<usize>)> = Vec::new();
    for (i, lack) in lacks.iter().enumerate() {
        let schema = match &lack.edit {
            Some(Edit::EnumValue { schema, .. } | Edit::Property { schema, .. }) => schema.as_str(),
            None => continue,
        };
        match groups.iter_mut().find(|(s, _)| *s == schema) {
            Some((_, members)) => members.push(i),
            None => groups.push((schema, vec![i])),
        }
    }
    let groups: Vec<Vec<usize>> = groups.into_iter().map(|(_, m)| m).collect();
    for members in groups {
        let edits: Vec<&Edit> = members
            .iter()
            .filter_map(|&i| lacks[i].edit.as_ref())
            .collect();
        let assigned = classify_together(ours, &edits);
        for (k, &i) in members.iter().enumerate() {
            let changes = match &assigned {
                Some(all) => all[k].clone(),
                None => match &lacks[i].edit {
                    Some(edit) => classify(ours, &Addition::Edit(edit)),
                    None => Vec::new(),
                },
            };
            lacks[i].breaking = changes.iter().any(|c| c.breaking);
            lacks[i].changes = changes;
        }
    }
}

/// The diff's changes for each of `edits` (of one schema) made together,
/// or `None` when they do not map one to one onto the edits.
fn classify_together(ours: &Value, edits: &[&Edit]) -> Option<Vec<Vec<Change>>> {
    let mut new = ours.clone();
    for edit in edits {
        apply_json(&mut new, edit).ok()?;
    }
    let mut changes: Vec<Option<Change>> = diff::diff(ours, &new).into_iter().map(Some).collect();
    let mut out = Vec::new();
    for edit in edits {
        let (location, needle) = match edit {
            Edit::EnumValue { schema, at, value } => {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                (
                    diff_location(schema, at, None),
                    format!("enum value `{text}` "),
                )
            }
            Edit::Property {
                schema, at, name, ..
            } => (diff_location(schema, at, Some(name)), "added".to_string()),
        };
        let found = changes.iter_mut().find(|c| {
            c.as_ref()
                .is_some_and(|c| c.location == location && c.message.starts_with(&needle))
        })?;
        out.push(vec![found.take()?]);
    }
    // Every change accounted for: nothing else moved.
    changes.iter().all(Option::is_none).then_some(out)
}

/// Where `cargo xtask diff` reports a change at `at` (and property `name`)
/// inside component `schema`: its `schema `S`: property `a.b[].c``.
fn diff_location(schema: &str, at: &[String], name: Option<&str>) -> String {
    fn join(field: &mut String, name: &str) {
        if !field.is_empty() {
            field.push('.');
        }
        field.push_str(name);
    }
    let mut field = String::new();
    let mut keys = at.iter();
    while let Some(key) = keys.next() {
        match key.as_str() {
            "properties" => {
                if let Some(name) = keys.next() {
                    join(&mut field, name);
                }
            }
            "items" => field.push_str("[]"),
            "additionalProperties" => join(&mut field, "*"),
            // `allOf`/`oneOf`/`anyOf` and the member's index: same field.
            _ => {
                keys.next();
            }
        }
    }
    if let Some(name) = name {
        join(&mut field, name);
    }
    if field.is_empty() {
        format!("schema `{schema}`")
    } else {
        format!("schema `{schema}`: property `{field}`")
    }
}

struct Finder<'a> {
    ours: &'a Value,
    official: &'a Value,
    base: Option<&'a Value>,
    /// For descriptions, the same as `import` writes.
    texts: crate::import::Texts,
    out: Vec<Lack>,
}

/// The change a lack makes to the spec, for classifying it.
enum Addition<'a> {
    Edit(&'a Edit),
    Operation {
        path: &'a str,
        method: &'a str,
        op: &'a Value,
    },
    Parameter {
        path: &'a str,
        method: &'a str,
        param: &'a Value,
    },
    Response {
        path: &'a str,
        method: &'a str,
        code: &'a str,
        response: &'a Value,
    },
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

fn tags(op: &Value) -> impl Iterator<Item = &str> {
    op.get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

fn list(names: &[String], noun: &str) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let plural = if names.len() == 1 { "" } else { "s" };
    format!("{noun}{plural} {}", quoted.join(", "))
}

/// The component schemas a node names directly (not through them).
fn direct_refs(node: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut stack = vec![node];
    while let Some(current) = stack.pop() {
        match current {
            Value::Object(map) => {
                if let Some(name) = spec::schema_ref_name(current) {
                    out.insert(name.to_string());
                }
                stack.extend(
                    map.iter()
                        .filter(|(k, _)| *k != "example" && *k != "examples")
                        .map(|(_, v)| v),
                );
            }
            Value::Array(items) => stack.extend(items),
            _ => {}
        }
    }
    out
}

/// What `cargo xtask diff` says about making `addition` to `ours`.
fn classify(ours: &Value, addition: &Addition<'_>) -> Vec<Change> {
    let mut new = ours.clone();
    let made = match addition {
        Addition::Edit(edit) => apply_json(&mut new, edit).is_ok(),
        Addition::Operation { path, method, op } => {
            if new.is_object() {
                if !new["paths"].is_object() {
                    new["paths"] = Value::Object(Map::new());
                }
                if !new["paths"][*path].is_object() {
                    new["paths"][*path] = Value::Object(Map::new());
                }
                new["paths"][*path][*method] = (*op).clone();
            }
            new.is_object()
        }
        Addition::Parameter {
            path,
            method,
            param,
        } => operation_mut(&mut new, path, method).is_some_and(|op| {
            let list = op
                .entry("parameters")
                .or_insert_with(|| Value::Array(Vec::new()));
            match list.as_array_mut() {
                Some(list) => {
                    list.push((*param).clone());
                    true
                }
                None => false,
            }
        }),
        Addition::Response {
            path,
            method,
            code,
            response,
        } => operation_mut(&mut new, path, method).is_some_and(|op| {
            let responses = op
                .entry("responses")
                .or_insert_with(|| Value::Object(Map::new()));
            match responses.as_object_mut() {
                Some(map) => {
                    map.insert((*code).to_string(), (*response).clone());
                    true
                }
                None => false,
            }
        }),
    };
    if made {
        diff::diff(ours, &new)
    } else {
        Vec::new()
    }
}

fn operation_mut<'v>(
    doc: &'v mut Value,
    path: &str,
    method: &str,
) -> Option<&'v mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(path)?
        .get_mut(method)?
        .as_object_mut()
}

fn edit_pointer(schema: &str, at: &[String]) -> String {
    let mut p = format!("/components/schemas/{}", spec::escape(schema));
    for key in at {
        p.push('/');
        p.push_str(&spec::escape(key));
    }
    p
}

/// Makes `edit` to the spec as a JSON value.
pub fn apply_json(doc: &mut Value, edit: &Edit) -> Result<(), String> {
    match edit {
        Edit::EnumValue { schema, at, value } => {
            let pointer = edit_pointer(schema, at);
            let values = doc
                .pointer_mut(&pointer)
                .and_then(|n| n.get_mut("enum"))
                .and_then(Value::as_array_mut)
                .ok_or_else(|| format!("#{pointer} has no enum"))?;
            values.push(value.clone());
            Ok(())
        }
        Edit::Property {
            schema,
            at,
            name,
            node,
            required,
        } => {
            let pointer = edit_pointer(schema, at);
            let target = doc
                .pointer_mut(&pointer)
                .and_then(Value::as_object_mut)
                .ok_or_else(|| format!("#{pointer} is not an object schema"))?;
            target
                .entry("properties")
                .or_insert_with(|| Value::Object(Map::new()))
                .as_object_mut()
                .ok_or_else(|| format!("#{pointer}/properties is not a mapping"))?
                .insert(name.clone(), node.clone());
            if *required {
                target
                    .entry("required")
                    .or_insert_with(|| Value::Array(Vec::new()))
                    .as_array_mut()
                    .ok_or_else(|| format!("#{pointer}/required is not a list"))?
                    .push(Value::String(name.clone()));
            }
            Ok(())
        }
    }
}

// ---------------------------------------------------------------------------
// Textual edits: the spec is hand-written YAML, so `--write` changes only the
// lines an addition needs and re-serialises nothing.

/// Lines of a YAML file, edited in place.
struct Text {
    lines: Vec<String>,
    /// The file's line ending, kept so that only edited lines change.
    newline: &'static str,
    /// Whether the file ends with one.
    final_newline: bool,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// A line that holds YAML content (not blank, not only a comment).
fn is_content(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && !t.starts_with('#')
}

/// Where the value of mapping key `key` starts in `line` (after the colon),
/// if the line (trimmed) is that key, plain or quoted.
fn key_value_start(line: &str, key: &str) -> Option<usize> {
    let start = indent_of(line);
    let rest = &line[start..];
    for form in [
        format!("{key}:"),
        format!("'{}':", key.replace('\'', "''")),
        format!("\"{key}\":"),
    ] {
        if let Some(after) = rest.strip_prefix(form.as_str())
            && (after.is_empty() || after.starts_with(' '))
        {
            return Some(start + form.len());
        }
    }
    None
}

impl Text {
    fn new(text: &str) -> Text {
        Text {
            lines: text.lines().map(str::to_string).collect(),
            newline: if text.contains("\r\n") { "\r\n" } else { "\n" },
            final_newline: text.ends_with('\n'),
        }
    }

    fn render(&self) -> String {
        let mut out = self.lines.join(self.newline);
        if self.final_newline {
            out.push_str(self.newline);
        }
        out
    }

    /// The first line after `line` that is not part of its block.
    fn block_end(&self, line: usize) -> usize {
        let indent = indent_of(&self.lines[line]);
        (line + 1..self.lines.len())
            .find(|&i| is_content(&self.lines[i]) && indent_of(&self.lines[i]) <= indent)
            .unwrap_or(self.lines.len())
    }

    /// The last content line of the block of `line` (itself if it has
    /// none).
    fn last_content(&self, line: usize) -> usize {
        let end = self.block_end(line);
        (line + 1..end)
            .rev()
            .find(|&i| is_content(&self.lines[i]))
            .unwrap_or(line)
    }

    /// The indentation of the block under `line`, if it has one.
    fn child_indent(&self, line: usize) -> Option<usize> {
        let end = self.block_end(line);
        (line + 1..end)
            .find(|&i| is_content(&self.lines[i]))
            .map(|i| indent_of(&self.lines[i]))
    }

    /// The line of the block mapping key reached by `path` from the top.
    fn find(&self, path: &[&str]) -> Result<usize, String> {
        let (mut start, mut end) = (0, self.lines.len());
        let mut indent = (start..end)
            .find(|&i| is_content(&self.lines[i]))
            .map(|i| indent_of(&self.lines[i]));
        let mut found = None;
        for (depth, key) in path.iter().enumerate() {
            let here = indent.ok_or_else(|| {
                format!(
                    "`{}` has no block mapping under it (written in flow style?)",
                    path[..depth].join("/")
                )
            })?;
            let line = (start..end)
                .find(|&i| {
                    let l = &self.lines[i];
                    is_content(l) && indent_of(l) == here && key_value_start(l, key).is_some()
                })
                .ok_or_else(|| {
                    format!(
                        "no line for `{}` (written in flow style?)",
                        path[..=depth].join("/")
                    )
                })?;
            found = Some(line);
            start = line + 1;
            end = self.block_end(line);
            indent = self.child_indent(line);
        }
        found.ok_or_else(|| "empty path".to_string())
    }

    /// What follows `key:` on `line`, trimmed, without a trailing comment.
    fn value_after(&self, line: usize, key: &str) -> (usize, String) {
        let l = &self.lines[line];
        let start = key_value_start(l, key).unwrap_or(l.len());
        let offset = start + (l[start..].len() - l[start..].trim_start().len());
        let rest = l[offset..].trim_end();
        let rest = if rest.starts_with('#') { "" } else { rest };
        (offset, rest.to_string())
    }

    /// The line and byte offset of the bracket closing the flow collection
    /// that opens at `line`, `col`.
    fn flow_close(&self, line: usize, col: usize) -> Result<(usize, usize), String> {
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let end = self.block_end(line);
        for i in line..end {
            let l = &self.lines[i];
            let from = if i == line { col } else { 0 };
            let mut chars = l[from..].char_indices().peekable();
            while let Some((j, c)) = chars.next() {
                match (quote, c) {
                    (Some('\''), '\'') => {
                        // `''` is an escaped quote inside single quotes.
                        if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                            chars.next();
                        } else {
                            quote = None;
                        }
                    }
                    (Some('"'), '\\') => {
                        chars.next();
                    }
                    (Some('"'), '"') => quote = None,
                    (Some(_), _) => {}
                    (None, '\'' | '"') => quote = Some(c),
                    (None, '#') if j > 0 && l.as_bytes()[from + j - 1] == b' ' => break,
                    (None, '[' | '{') => depth += 1,
                    (None, ']' | '}') => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Ok((i, from + j));
                        }
                    }
                    _ => {}
                }
            }
        }
        Err(format!(
            "line {}: the flow collection does not close",
            line + 1
        ))
    }

    /// Appends `item` to the flow collection (`[..]` or `{..}`) that opens
    /// at `line`, `col`, wrapping the line as the file does when it would
    /// grow past 110 columns.
    fn flow_append(&mut self, line: usize, col: usize, item: &str) -> Result<(), String> {
        let (close_line, close_col) = self.flow_close(line, col)?;
        let before = self.lines[close_line][..close_col].trim_end().to_string();
        let after = self.lines[close_line][close_col..].to_string();
        let empty = close_line == line && before.len() == col + 1;
        if empty {
            self.lines[close_line] = format!("{before}{item}{after}");
            return Ok(());
        }
        if before.len() + 2 + item.len() + after.len() <= 110 {
            self.lines[close_line] = format!("{before}, {item}{after}");
        } else {
            let continuation = " ".repeat(indent_of(&self.lines[line]) + 2);
            self.lines[close_line] = format!("{before},");
            self.lines
                .insert(close_line + 1, format!("{continuation}{item}{after}"));
        }
        Ok(())
    }

    /// Appends `item` to the list under `key` at `line`: a flow list or a
    /// block sequence.
    fn list_append(&mut self, line: usize, key: &str, item: &str) -> Result<(), String> {
        let (col, rest) = self.value_after(line, key);
        if rest.starts_with('[') {
            return self.flow_append(line, col, item);
        }
        if !rest.is_empty() {
            return Err(format!("line {}: `{key}` is not a list", line + 1));
        }
        let indent = self
            .child_indent(line)
            .ok_or_else(|| format!("line {}: `{key}` is empty", line + 1))?;
        let last = self.last_content(line);
        self.lines
            .insert(last + 1, format!("{}- {item}", " ".repeat(indent)));
        Ok(())
    }

    /// Makes `edit`; on `Err` the text is unchanged.
    fn apply(&mut self, edit: &Edit) -> Result<(), String> {
        let saved = self.lines.clone();
        let result = self.try_apply(edit);
        if result.is_err() {
            self.lines = saved;
        }
        result
    }

    fn try_apply(&mut self, edit: &Edit) -> Result<(), String> {
        match edit {
            Edit::EnumValue { schema, at, value } => {
                let mut path = vec!["components", "schemas", schema.as_str()];
                path.extend(at.iter().map(String::as_str));
                path.push("enum");
                let line = self.find(&path)?;
                self.list_append(line, "enum", &flow(value))
            }
            Edit::Property {
                schema,
                at,
                name,
                node,
                required,
            } => {
                let mut path = vec!["components", "schemas", schema.as_str()];
                path.extend(at.iter().map(String::as_str));
                path.push("properties");
                let line = self.find(&path)?;
                if *required {
                    // First, while `line` still points at `properties`.
                    path.pop();
                    path.push("required");
                    match self.find(&path) {
                        Ok(req) => self.list_append(req, "required", &yaml::scalar(name))?,
                        Err(_) => {
                            let indent = indent_of(&self.lines[line]);
                            self.lines.insert(
                                line,
                                format!("{}required: [{}]", " ".repeat(indent), yaml::scalar(name)),
                            );
                        }
                    }
                }
                // Found again: a `required` line may have been inserted.
                path.pop();
                path.push("properties");
                let line = self.find(&path)?;
                let (col, rest) = self.value_after(line, "properties");
                if rest.starts_with('{') {
                    return self.flow_append(
                        line,
                        col,
                        &format!("{}: {}", yaml::scalar(name), flow(node)),
                    );
                }
                if !rest.is_empty() {
                    return Err(format!("line {}: `properties` is not a mapping", line + 1));
                }
                let indent = self
                    .child_indent(line)
                    .unwrap_or(indent_of(&self.lines[line]) + 2);
                let block = property_block(name, node, indent);
                let at = self.property_position(line, indent, name);
                for (i, l) in block.into_iter().enumerate() {
                    self.lines.insert(at + i, l);
                }
                Ok(())
            }
        }
    }

    /// Where a new property `name` goes in the block mapping under `line`
    /// (children at `indent`): before the first key after it when the keys
    /// are sorted, else after the last one.
    fn property_position(&self, line: usize, indent: usize, name: &str) -> usize {
        let end = self.block_end(line);
        let keys: Vec<(usize, String)> = (line + 1..end)
            .filter(|&i| is_content(&self.lines[i]) && indent_of(&self.lines[i]) == indent)
            .filter_map(|i| {
                let t = self.lines[i].trim_start();
                let key = t.split(':').next()?.trim_matches(|c| c == '\'' || c == '"');
                Some((i, key.to_string()))
            })
            .collect();
        let sorted = keys.windows(2).all(|w| w[0].1 <= w[1].1);
        if sorted && let Some((i, _)) = keys.iter().find(|(_, k)| k.as_str() > name) {
            // Above the comments that belong to the next key.
            let mut at = *i;
            while at > line + 1 && self.lines[at - 1].trim_start().starts_with('#') {
                at -= 1;
            }
            return at;
        }
        self.last_content(line) + 1
    }
}

/// The YAML lines of a new property at `indent`: one flow line, or a block
/// when it has a description (the file's style for documented fields).
fn property_block(name: &str, node: &Value, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let described = node.get("description").and_then(Value::as_str);
    let (Some(description), Some(map)) = (described, node.as_object()) else {
        return vec![format!("{pad}{}: {}", yaml::scalar(name), flow(node))];
    };
    let mut out = vec![
        format!("{pad}{}:", yaml::scalar(name)),
        format!("{pad}  description: {}", yaml::prose(description)),
    ];
    for key in ordered_keys(map) {
        if key != "description" {
            out.push(format!("{pad}  {}: {}", yaml::scalar(key), flow(&map[key])));
        }
    }
    out
}

/// The file's key order in flow mappings: the reference or type first,
/// then its refinements.
fn ordered_keys(map: &Map<String, Value>) -> Vec<&str> {
    const FIRST: &[&str] = &[
        "description",
        "$ref",
        "allOf",
        "oneOf",
        "anyOf",
        "type",
        "format",
        "enum",
        "nullable",
        "items",
    ];
    let mut keys: Vec<&str> = FIRST
        .iter()
        .copied()
        .filter(|k| map.contains_key(*k))
        .collect();
    keys.extend(
        map.keys()
            .map(String::as_str)
            .filter(|k| !FIRST.contains(k)),
    );
    keys
}

/// A JSON value as a YAML flow node.
fn flow(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let items: Vec<String> = ordered_keys(map)
                .into_iter()
                .map(|k| format!("{}: {}", yaml::scalar(k), flow(&map[k])))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", items.join(", "))
        }
        Value::String(s) => yaml::scalar(s),
        other => other.to_string(),
    }
}

/// The spec text with every writable lack of `lacks` applied, each marked
/// `written`; a lack whose edit cannot be made textually gets a note
/// saying why. Verified before it is returned: the text parses, equals
/// `ours` with the same additions made, and compares with `official` with
/// no disagreement `ours` does not already have.
pub fn write(
    text: &str,
    ours: &Value,
    official: &Value,
    lacks: &mut [Lack],
) -> Result<String, String> {
    let mut edited = Text::new(text);
    let mut expected = ours.clone();
    for lack in lacks.iter_mut().filter(|l| l.writable()) {
        let Some(edit) = &lack.edit else { continue };
        match edited.apply(edit) {
            Ok(()) => {
                apply_json(&mut expected, edit)?;
                lack.written = true;
            }
            Err(e) => lack.note = Some(format!("not written: {e}; add it by hand")),
        }
    }
    let result = edited.render();
    let parsed = spec::parse(&result)
        .map_err(|e| format!("the edited spec does not parse ({e}); nothing written"))?;
    if parsed != expected {
        return Err(
            "the edited spec does not read back as the spec plus the additions; nothing written"
                .to_string(),
        );
    }
    let before: BTreeSet<String> = upstream::compare(ours, official)
        .iter()
        .map(ToString::to_string)
        .collect();
    let new: Vec<String> = upstream::compare(&parsed, official)
        .iter()
        .map(ToString::to_string)
        .filter(|d| !before.contains(d))
        .collect();
    if !new.is_empty() {
        return Err(format!(
            "the edited spec would disagree with the official document; nothing written:\n  {}",
            new.join("\n  ")
        ));
    }
    Ok(result)
}

/// The command-line options after `upstream cloudtower`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The official document to sync with.
    pub official: PathBuf,
    /// The official document the spec was curated from.
    pub base: Option<PathBuf>,
    /// The official texts (`schemas.<Schema>.<property>`); when `None`,
    /// the English texts of the document's version beside it, if there.
    pub descriptions: Option<PathBuf>,
    /// Apply the non-breaking additions to the spec file.
    pub write: bool,
}

impl Options {
    /// Parses `[<official-spec>] --sync [--base <file>] [--descriptions
    /// <file>] [--write]`, in any order; without a document, `default`.
    pub fn parse(args: &[String], default: &Path) -> Result<Options, String> {
        let mut official = None;
        let mut base = None;
        let mut descriptions = None;
        let mut write = false;
        let mut sync = false;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = |flag: &str| {
                iter.next()
                    .map(PathBuf::from)
                    .ok_or_else(|| format!("{flag} needs a file"))
            };
            match arg.as_str() {
                "--sync" => sync = true,
                "--write" => write = true,
                "--base" => base = Some(value("--base")?),
                "--descriptions" => descriptions = Some(value("--descriptions")?),
                flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
                path if official.is_none() => official = Some(PathBuf::from(path)),
                extra => return Err(format!("unexpected argument `{extra}`")),
            }
        }
        if !sync {
            return Err("--write, --base and --descriptions go with --sync".to_string());
        }
        Ok(Options {
            official: official.unwrap_or_else(|| default.to_path_buf()),
            base,
            descriptions,
            write,
        })
    }
}

/// What `--sync` found, and did.
#[derive(Debug)]
pub struct Report {
    /// The spec, as named in messages.
    pub spec: String,
    /// The official document, as named in messages.
    pub official: String,
    /// Where the spec says something else than the official document.
    pub disagreements: Vec<Disagreement>,
    /// What the official document has and the spec lacks.
    pub lacks: Vec<Lack>,
    /// Which document told new from left out, if any.
    pub base: Option<String>,
    /// Whether the spec file was rewritten.
    pub wrote: bool,
    /// Lint problems the written spec has and the old one did not (the
    /// additions are written; these need a hand, e.g. examples missing a
    /// new required field).
    pub new_lint: Vec<String>,
}

impl Report {
    /// Nothing lacking that was not written, no disagreement, no new lint
    /// problem.
    pub fn clean(&self) -> bool {
        self.disagreements.is_empty()
            && self.new_lint.is_empty()
            && self.lacks.iter().all(|l| l.written)
    }

    /// One line for the exit message.
    pub fn summary(&self) -> String {
        let open = self.lacks.iter().filter(|l| !l.written).count();
        format!(
            "{} disagreement(s), {open} addition(s) not in {}, {} new lint problem(s)",
            self.disagreements.len(),
            self.spec,
            self.new_lint.len()
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.disagreements.is_empty() {
            writeln!(f, "{} agrees with {}", self.spec, self.official)?;
        } else {
            writeln!(
                f,
                "{} disagreement(s) between {} and {} (what we say and it does not):",
                self.disagreements.len(),
                self.spec,
                self.official
            )?;
            for d in &self.disagreements {
                writeln!(f, "  {d}")?;
            }
        }
        let breaking = self.lacks.iter().filter(|l| l.breaking).count();
        let writable = self.lacks.iter().filter(|l| l.writable()).count();
        if self.lacks.is_empty() {
            writeln!(f, "{} has nothing {} lacks", self.official, self.spec)?;
        } else {
            writeln!(
                f,
                "{} addition(s) in {} that {} lacks, {breaking} breaking, {writable} for --write:",
                self.lacks.len(),
                self.official,
                self.spec
            )?;
            // Without a base, every property the spec leaves out is listed:
            // one line per schema keeps that readable.
            let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
            for lack in &self.lacks {
                let group = self.base.is_none() && lack.kind == Kind::Property && !lack.breaking;
                if let (true, Some(Edit::Property { schema, name, .. })) = (group, &lack.edit) {
                    match grouped.iter_mut().find(|(s, _)| s == schema) {
                        Some((_, names)) => names.push(name),
                        None => grouped.push((schema, vec![name])),
                    }
                } else {
                    writeln!(f, "  {lack}")?;
                }
            }
            for (schema, names) in &grouped {
                let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
                let more = if names.len() > 5 { ", ..." } else { "" };
                writeln!(
                    f,
                    "  {:<8}  schema `{schema}`: {} propert{} not in the spec ({}{more}), none breaking  [{NO_BASE}]",
                    "ok",
                    names.len(),
                    if names.len() == 1 { "y" } else { "ies" },
                    shown.join(", ")
                )?;
            }
        }
        match &self.base {
            Some(base) => writeln!(
                f,
                "base: {base}; what it has too, the spec leaves out on purpose"
            )?,
            None => writeln!(
                f,
                "no base: properties, operations and responses the spec leaves out are listed too; \
                 --base <the official document it was curated from> lists only new ones"
            )?,
        }
        if self.wrote {
            let written = self.lacks.iter().filter(|l| l.written).count();
            writeln!(f, "wrote {} ({written} addition(s))", self.spec)?;
        }
        for problem in &self.new_lint {
            writeln!(f, "  new lint problem: {problem}")?;
        }
        Ok(())
    }
}

/// Runs `--sync` on the spec file `spec` (named `label` in messages),
/// writing it when `options.write` and something is writable.
pub fn run(spec_path: &Path, label: &str, options: &Options) -> Result<Report, String> {
    let text = std::fs::read_to_string(spec_path)
        .map_err(|e| format!("{}: cannot read the file: {e}", spec_path.display()))?;
    let ours = spec::parse(&text).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let official = spec::load(&options.official)?;
    let base = options.base.as_deref().map(spec::load).transpose()?;
    let version = |doc: &Value| {
        doc.pointer("/info/version")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let beside = version(&official)
        .map(|v| crate::official::descriptions_beside(&options.official, &v, "en"))
        .filter(|path| path.exists());
    let descriptions = options
        .descriptions
        .as_deref()
        .or(beside.as_deref())
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("{}: cannot read the file: {e}", path.display()))?;
            serde_json::from_str::<Value>(&text)
                .map_err(|e| format!("{}: not JSON: {e}", path.display()))
        })
        .transpose()?;
    // The spec says which version it was curated from: that document is
    // its own base.
    let same_version = version(&ours).is_some() && version(&ours) == version(&official);
    let base_label = match (&options.base, same_version) {
        (Some(path), _) => Some(path.display().to_string()),
        (None, true) => Some(format!(
            "{} itself (version {}, the spec's)",
            options.official.display(),
            version(&official).unwrap_or_default()
        )),
        (None, false) => None,
    };
    let base = base.as_ref().or(same_version.then_some(&official));
    let disagreements = upstream::compare(&ours, &official);
    let mut lacks = lacks(&ours, &official, base, descriptions.as_ref());
    let mut report = Report {
        spec: label.to_string(),
        official: options.official.display().to_string(),
        disagreements,
        lacks: Vec::new(),
        base: base_label,
        wrote: false,
        new_lint: Vec::new(),
    };
    if options.write && lacks.iter().any(Lack::writable) {
        let lint_before: BTreeSet<String> = crate::lint::lint_file(spec_path)?
            .iter()
            .map(ToString::to_string)
            .collect();
        let new_text = write(&text, &ours, &official, &mut lacks)?;
        if new_text != text {
            std::fs::write(spec_path, &new_text)
                .map_err(|e| format!("{}: cannot write the file: {e}", spec_path.display()))?;
            report.wrote = true;
            report.new_lint = crate::lint::lint_file(spec_path)?
                .iter()
                .map(ToString::to_string)
                .filter(|p| !lint_before.contains(p))
                .collect();
        }
    }
    report.lacks = lacks;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_plain_only_where_yaml_reads_them_back() {
        assert_eq!(yaml::scalar("RUNNING"), "RUNNING");
        assert_eq!(yaml::scalar("$ref"), "$ref");
        assert_eq!(yaml::scalar("zh-CN"), "zh-CN");
        assert_eq!(yaml::scalar("*"), "'*'");
        assert_eq!(yaml::scalar("true"), "'true'");
        assert_eq!(yaml::scalar("1"), "'1'");
        assert_eq!(
            yaml::scalar("#/components/schemas/X"),
            "'#/components/schemas/X'"
        );
        assert_eq!(yaml::scalar("it's"), "'it''s'");
        assert_eq!(yaml::quoted("a\nb"), "\"a\\nb\"");
        assert_eq!(
            yaml::prose("Storage usage (bytes)"),
            "Storage usage (bytes)"
        );
        assert_eq!(yaml::prose("Memory: in bytes"), "'Memory: in bytes'");
        assert_eq!(yaml::prose("`id` of the VM"), "'`id` of the VM'");
        assert_eq!(yaml::prose("100 ms"), "'100 ms'");
        assert_eq!(yaml::prose("No"), "'No'");
    }

    #[test]
    fn flow_nodes_read_back_as_the_same_value() {
        let node = serde_json::json!({
            "nullable": true,
            "allOf": [{"$ref": "#/components/schemas/VmStatus"}],
            "description": "Seconds since 1970: 'UTC'.",
            "x": [1, "a b", null, false]
        });
        let text = flow(&node);
        assert_eq!(
            text,
            "{description: 'Seconds since 1970: ''UTC''.', allOf: [{$ref: '#/components/schemas/VmStatus'}], nullable: true, x: [1, 'a b', null, false]}"
        );
        assert_eq!(spec::parse(&text).unwrap(), node);
    }

    #[test]
    fn flow_lists_grow_in_place_and_wrap_long_lines() {
        let mut t = Text::new("a:\n  enum: [X, Y]\n  other: 1\n");
        let line = t.find(&["a", "enum"]).unwrap();
        t.list_append(line, "enum", "Z").unwrap();
        assert_eq!(t.render(), "a:\n  enum: [X, Y, Z]\n  other: 1\n");

        let long = format!("a:\n  enum: [{}]\n", ["VALUE_NUMBER"; 8].join(", "));
        let mut t = Text::new(&long);
        t.list_append(1, "enum", "NEW").unwrap();
        assert_eq!(t.lines.len(), 3, "{}", t.render());
        assert_eq!(t.lines[2], "    NEW]");
        let v = spec::parse(&t.render()).unwrap();
        assert_eq!(v["a"]["enum"].as_array().unwrap().len(), 9);
    }

    #[test]
    fn line_endings_are_kept() {
        for text in ["a:\r\n  enum: [X]\r\n", "a:\n  enum: [X]"] {
            let mut t = Text::new(text);
            t.list_append(1, "enum", "Y").unwrap();
            assert_eq!(t.render(), text.replace("[X]", "[X, Y]"));
        }
    }

    #[test]
    fn block_sequences_and_quoted_brackets_are_handled() {
        let mut t = Text::new("e:\n  enum:\n    - A\n    - B\n\nnext: 1\n");
        t.list_append(1, "enum", "C").unwrap();
        assert_eq!(
            t.render(),
            "e:\n  enum:\n    - A\n    - B\n    - C\n\nnext: 1\n"
        );

        let mut t = Text::new("e:\n  enum: ['[', ']', 'a''b'] # comment\n");
        t.list_append(1, "enum", "c").unwrap();
        assert_eq!(t.render(), "e:\n  enum: ['[', ']', 'a''b', c] # comment\n");
    }

    #[test]
    fn diff_locations_name_fields_as_diff_does() {
        let at = |keys: &[&str]| keys.iter().map(ToString::to_string).collect::<Vec<_>>();
        assert_eq!(diff_location("Vm", &[], None), "schema `Vm`");
        assert_eq!(
            diff_location("Vm", &at(&["properties", "data", "items"]), Some("id")),
            "schema `Vm`: property `data[].id`"
        );
        assert_eq!(
            diff_location(
                "Vm",
                &at(&["allOf", "0", "additionalProperties"]),
                Some("x")
            ),
            "schema `Vm`: property `*.x`"
        );
    }

    #[test]
    fn classifying_per_schema_says_what_a_diff_per_addition_says() {
        let ours = spec::parse(
            "paths:\n  /a:\n    post:\n      operationId: A\n      requestBody:\n        content:\n          application/json:\n            schema: {$ref: '#/components/schemas/In'}\n      responses:\n        '200':\n          description: ok\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/Out'}\ncomponents:\n  schemas:\n    In: {type: object, properties: {a: {type: string, enum: [X]}}}\n    Out: {type: object, properties: {b: {type: object, properties: {c: {type: string, enum: [Y]}}}}}\n",
        )
        .unwrap();
        let property = |schema: &str, at: &[&str], name: &str, required: bool| Edit::Property {
            schema: schema.into(),
            at: at.iter().map(ToString::to_string).collect(),
            name: name.into(),
            node: serde_json::json!({"type": "string"}),
            required,
        };
        let value = |schema: &str, at: &[&str], v: &str| Edit::EnumValue {
            schema: schema.into(),
            at: at.iter().map(ToString::to_string).collect(),
            value: Value::String(v.into()),
        };
        for group in [
            vec![
                property("In", &[], "n", true),
                property("In", &[], "o", false),
                value("In", &["properties", "a"], "Z"),
            ],
            vec![
                property("Out", &["properties", "b"], "d", true),
                value("Out", &["properties", "b", "properties", "c"], "Z"),
            ],
        ] {
            let edits: Vec<&Edit> = group.iter().collect();
            let together = classify_together(&ours, &edits).expect("one to one");
            let alone: Vec<Vec<Change>> = group
                .iter()
                .map(|e| classify(&ours, &Addition::Edit(e)))
                .collect();
            assert_eq!(together, alone);
            // Both groups hold a breaking addition (a required request
            // field; a value of an inline response enum).
            assert!(
                together.iter().flatten().any(|c| c.breaking),
                "{together:?}"
            );
        }
    }

    #[test]
    fn a_key_inside_flow_style_is_an_error_not_a_guess() {
        let t = Text::new("a: {enum: [X]}\n");
        let err = t.find(&["a", "enum"]).unwrap_err();
        assert!(err.contains("flow style"), "{err}");
    }
}

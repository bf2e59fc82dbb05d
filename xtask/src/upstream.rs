//! `cargo xtask upstream cloudtower <official-spec>`: where our hand-written
//! CloudTower spec disagrees with the official document.
//!
//! Our spec is a curated subset: it may leave out operations, parameters'
//! neighbours, schemas, properties and responses, but what it keeps must
//! say what upstream says. For each of our operations: the path and method
//! exist upstream, with the same `operationId`, the same parameters
//! (`content-language` included), the same request body and the same
//! schemas for the responses we declare. For each component schema we
//! define: upstream defines it too, and every property we keep has the
//! same type, format, nullability, `$ref` target, items and enum values;
//! our `required` is upstream's restricted to the properties we keep.
//!
//! Deviations the spec documents in its header, and which are therefore
//! not disagreements: the house `Secret` schema stands for a plain string
//! (it is generated as a redacting `cloud_common::Secret`); boolean
//! `additionalProperties` are not compared (response models drop upstream's
//! `false` so the generated types accept the fields we leave out); response
//! headers and descriptions are not compared.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde_json::Value;

use cloud_spec as spec;

/// One place where our spec says something upstream does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// A JSON pointer into our spec (parameters are named, not numbered),
    /// e.g. `#/components/schemas/Vm/properties/status`.
    pub location: String,
    /// What differs, ours first.
    pub message: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Compares the spec at `ours` with the official document at `upstream`.
pub fn compare_files(ours: &Path, upstream: &Path) -> Result<Vec<Disagreement>, String> {
    let ours = spec::load(ours)?;
    let upstream = spec::load(upstream)?;
    Ok(compare(&ours, &upstream))
}

/// Every disagreement between `ours` and `upstream`: operations by path,
/// then component schemas by name.
pub fn compare(ours: &Value, upstream: &Value) -> Vec<Disagreement> {
    let mut c = Comparer {
        ours,
        upstream,
        out: Vec::new(),
    };
    for op in spec::operations(ours) {
        c.operation(&op);
    }
    c.schemas();
    c.out
}

struct Comparer<'a> {
    ours: &'a Value,
    upstream: &'a Value,
    out: Vec<Disagreement>,
}

/// What we compare of a schema node, normalised so that `$ref` and the
/// `allOf: [{$ref}]` wrapper mean the same, and `Secret` means a string.
#[derive(Debug, PartialEq, Eq)]
struct Shape {
    reference: Option<String>,
    ty: Option<String>,
    format: Option<String>,
    nullable: bool,
    enumeration: Option<BTreeSet<String>>,
}

impl Shape {
    fn of(node: &Value, ours: bool) -> Shape {
        let nullable = spec::nullable(node);
        if let Some(name) = spec::wrapped_ref_name(node) {
            // The house `Secret` schema is a string on the wire.
            if ours && name == cloud_codegen::SECRET_SCHEMA {
                return Shape {
                    reference: None,
                    ty: Some("string".into()),
                    format: None,
                    nullable,
                    enumeration: None,
                };
            }
            return Shape {
                reference: Some(name.to_string()),
                ty: None,
                format: None,
                nullable,
                enumeration: None,
            };
        }
        let text = |key: &str| node.get(key).and_then(Value::as_str).map(str::to_string);
        Shape {
            reference: None,
            ty: text("type").or_else(|| node.get("properties").map(|_| "object".to_string())),
            format: text("format"),
            nullable,
            enumeration: node.get("enum").and_then(Value::as_array).map(|values| {
                values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect()
            }),
        }
    }

    fn describe(&self) -> String {
        match (&self.reference, &self.ty) {
            (Some(name), _) => format!("a reference to `{name}`"),
            (None, Some(ty)) => format!("`{ty}`"),
            (None, None) => "untyped".to_string(),
        }
    }
}

fn show(value: &Option<String>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_string(), |v| format!("`{v}`"))
}

impl Comparer<'_> {
    fn report(&mut self, location: &str, message: impl Into<String>) {
        self.out.push(Disagreement {
            location: location.to_string(),
            message: message.into(),
        });
    }

    fn operation(&mut self, op: &spec::Operation<'_>) {
        let loc = op.pointer();
        let theirs = self
            .upstream
            .get("paths")
            .and_then(|p| p.get(op.path))
            .map(|item| spec::resolve(self.upstream, item));
        let Some(item) = theirs else {
            self.report(&loc, format!("path `{}` does not exist upstream", op.path));
            return;
        };
        let Some(their_op) = item.get(op.method) else {
            self.report(
                &loc,
                format!(
                    "upstream has no {} operation on `{}`",
                    op.method.to_uppercase(),
                    op.path
                ),
            );
            return;
        };
        let up = spec::Operation {
            path: op.path,
            method: op.method,
            op: their_op,
            item,
        };
        if op.id() != up.id() {
            self.report(
                &format!("{loc}/operationId"),
                format!(
                    "operationId {}, upstream {}",
                    show(&op.id().map(str::to_string)),
                    show(&up.id().map(str::to_string))
                ),
            );
        }
        self.parameters(op, &up, &loc);
        self.request_body(op, &up, &loc);
        self.responses(op, &up, &loc);
    }

    fn parameters(&mut self, ours: &spec::Operation<'_>, up: &spec::Operation<'_>, loc: &str) {
        let our_params = ours.parameters(self.ours);
        let their_params = up.parameters(self.upstream);
        let required = |p: &Value| p.get("required").and_then(Value::as_bool) == Some(true);
        for p in &our_params {
            let (location, name) = spec::param_key(p);
            let here = format!("{loc}/parameters/{}", spec::escape(&name));
            let Some(theirs) = their_params
                .iter()
                .find(|q| spec::param_key(q) == (location.clone(), name.clone()))
            else {
                self.report(
                    &here,
                    format!("parameter `{name}` ({location}) is not defined upstream"),
                );
                continue;
            };
            if required(p) != required(theirs) {
                self.report(
                    &here,
                    format!("required: {}, upstream {}", required(p), required(theirs)),
                );
            }
            if let (Some(a), Some(b)) = (p.get("schema"), theirs.get("schema")) {
                self.schema(a, b, &format!("{here}/schema"));
            }
        }
        for theirs in &their_params {
            let key = spec::param_key(theirs);
            if !our_params.iter().any(|p| spec::param_key(p) == key) {
                self.report(
                    &format!("{loc}/parameters"),
                    format!(
                        "upstream declares parameter `{}` ({}), missing here",
                        key.1, key.0
                    ),
                );
            }
        }
    }

    fn request_body(&mut self, ours: &spec::Operation<'_>, up: &spec::Operation<'_>, loc: &str) {
        let here = format!("{loc}/requestBody");
        let required = |b: &Value| b.get("required").and_then(Value::as_bool) == Some(true);
        match (ours.request_body(self.ours), up.request_body(self.upstream)) {
            (None, None) => {}
            (Some(_), None) => self.report(&here, "a request body; upstream has none"),
            (None, Some(b)) => {
                if required(b) {
                    self.report(&here, "upstream requires a request body, missing here");
                }
            }
            (Some(a), Some(b)) => {
                if required(a) != required(b) {
                    self.report(
                        &format!("{here}/required"),
                        format!("{}, upstream {}", required(a), required(b)),
                    );
                }
                self.content(a, b, &here);
            }
        }
    }

    fn responses(&mut self, ours: &spec::Operation<'_>, up: &spec::Operation<'_>, loc: &str) {
        let theirs = up.responses(self.upstream);
        for (code, response) in ours.responses(self.ours) {
            let here = format!("{loc}/responses/{}", spec::escape(code));
            match theirs.iter().find(|(c, _)| *c == code) {
                None => self.report(&here, format!("upstream has no `{code}` response")),
                Some((_, their_response)) => self.content(response, their_response, &here),
            }
        }
    }

    /// The media types we declare on a body or response, against upstream's.
    fn content(&mut self, ours: &Value, theirs: &Value, loc: &str) {
        let Some(content) = ours.get("content").and_then(Value::as_object) else {
            return;
        };
        for (media, m) in content {
            let here = format!("{loc}/content/{}", spec::escape(media));
            let their_media = theirs.get("content").and_then(|c| c.get(media));
            match (m.get("schema"), their_media) {
                (_, None) => self.report(&here, format!("upstream has no `{media}` content")),
                (Some(a), Some(t)) => match t.get("schema") {
                    Some(b) => self.schema(a, b, &format!("{here}/schema")),
                    None => self.report(&here, "a schema; upstream has none"),
                },
                (None, Some(_)) => {}
            }
        }
    }

    fn schemas(&mut self) {
        let Some(ours) = spec::component_schemas(self.ours) else {
            return;
        };
        let theirs = spec::component_schemas(self.upstream);
        for (name, schema) in ours {
            let here = format!("#/components/schemas/{}", spec::escape(name));
            match theirs.and_then(|t| t.get(name)) {
                Some(their_schema) => self.schema(schema, their_schema, &here),
                // The house schema, documented as a deviation.
                None if name == cloud_codegen::SECRET_SCHEMA => {}
                None => self.report(&here, format!("schema `{name}` is not defined upstream")),
            }
        }
    }

    /// Compares a schema node of ours with upstream's at the same place.
    fn schema(&mut self, ours: &Value, theirs: &Value, loc: &str) {
        let (a, b) = (Shape::of(ours, true), Shape::of(theirs, false));
        if a.reference != b.reference {
            self.report(loc, format!("{}, upstream {}", a.describe(), b.describe()));
            return;
        }
        if a.nullable != b.nullable {
            self.report(
                loc,
                format!("nullable: {}, upstream {}", a.nullable, b.nullable),
            );
        }
        if a.reference.is_some() {
            // Same target: that schema is compared on its own.
            return;
        }
        if a.ty != b.ty {
            self.report(
                loc,
                format!("type {}, upstream {}", show(&a.ty), show(&b.ty)),
            );
            return;
        }
        if a.format != b.format {
            self.report(
                loc,
                format!("format {}, upstream {}", show(&a.format), show(&b.format)),
            );
        }
        if a.enumeration != b.enumeration {
            let empty = BTreeSet::new();
            let ours_set = a.enumeration.as_ref().unwrap_or(&empty);
            let theirs_set = b.enumeration.as_ref().unwrap_or(&empty);
            let list = |s: BTreeSet<&String>| {
                s.into_iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut parts = Vec::new();
            let missing: BTreeSet<_> = theirs_set.difference(ours_set).collect();
            let extra: BTreeSet<_> = ours_set.difference(theirs_set).collect();
            match (&a.enumeration, &b.enumeration) {
                (Some(_), None) => {
                    parts.push("an enum here; upstream allows any value".to_string())
                }
                (None, Some(_)) => parts.push(format!(
                    "upstream is an enum of {}; any value here",
                    list(missing.clone())
                )),
                _ => {
                    if !missing.is_empty() {
                        parts.push(format!("enum values missing here: {}", list(missing)));
                    }
                    if !extra.is_empty() {
                        parts.push(format!("enum values not upstream: {}", list(extra)));
                    }
                }
            }
            self.report(loc, parts.join("; "));
        }
        if let (Some(x), Some(y)) = (ours.get("items"), theirs.get("items")) {
            self.schema(x, y, &format!("{loc}/items"));
        }
        if let Some(extra @ Value::Object(_)) = ours.get("additionalProperties") {
            match theirs.get("additionalProperties") {
                Some(their_extra @ Value::Object(_)) => {
                    self.schema(extra, their_extra, &format!("{loc}/additionalProperties"))
                }
                _ => self.report(
                    &format!("{loc}/additionalProperties"),
                    "describes additional properties; upstream does not",
                ),
            }
        }
        // `allOf: [Secret]` (a nullable secret) is a string, already compared.
        let secret = spec::wrapped_ref_name(ours) == Some(cloud_codegen::SECRET_SCHEMA);
        for key in ["oneOf", "anyOf", "allOf"] {
            if secret {
                break;
            }
            match (
                ours.get(key).and_then(Value::as_array),
                theirs.get(key).and_then(Value::as_array),
            ) {
                (Some(x), Some(y)) if x.len() == y.len() => {
                    for (i, (x, y)) in x.iter().zip(y).enumerate() {
                        self.schema(x, y, &format!("{loc}/{key}/{i}"));
                    }
                }
                (None, None) => {}
                (x, y) => self.report(
                    loc,
                    format!(
                        "{key} of {} schemas, upstream {}",
                        x.map_or(0, Vec::len),
                        y.map_or(0, Vec::len)
                    ),
                ),
            }
        }
        self.properties(ours, theirs, loc);
    }

    fn properties(&mut self, ours: &Value, theirs: &Value, loc: &str) {
        let Some(our_props) = spec::properties(ours) else {
            return;
        };
        let their_props = spec::properties(theirs);
        for (name, prop) in our_props {
            let here = format!("{loc}/properties/{}", spec::escape(name));
            match their_props.and_then(|p| p.get(name)) {
                Some(their_prop) => self.schema(prop, their_prop, &here),
                None => self.report(&here, format!("property `{name}` is not defined upstream")),
            }
        }
        // Leaving out a property upstream requires is "including less";
        // changing whether a kept one is required is not.
        let ours_required: BTreeSet<&str> = spec::required(ours).into_iter().collect();
        let theirs_required: BTreeSet<&str> = spec::required(theirs)
            .into_iter()
            .filter(|name| our_props.contains_key(*name) || ours_required.contains(name))
            .collect();
        let here = format!("{loc}/required");
        for name in theirs_required.difference(&ours_required) {
            self.report(
                &here,
                format!("`{name}` is optional here, required upstream"),
            );
        }
        for name in ours_required.difference(&theirs_required) {
            // A property upstream lacks is reported above already.
            if their_props.is_some_and(|p| p.contains_key(*name)) {
                self.report(
                    &here,
                    format!("`{name}` is required here, optional upstream"),
                );
            }
        }
    }
}

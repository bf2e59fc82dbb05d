#![doc = include_str!("../README.md")]
//! The document is a `serde_json::Value` rather than `openapiv3`'s typed
//! model: the checks, fakes and tables look at keywords (`nullable`, an
//! `allOf` wrapper, `additionalProperties`, examples) the same way
//! whatever schema shape holds them, and the fakes must not pay for a typed
//! model at run time. Only `cloud-codegen` uses a typed model, because
//! progenitor does: it reads it through [`load_typed`], so the text is
//! still read here, once, the same way.
//!
//! Free functions take the document (`doc`) and a node of it, so they work
//! on any JSON value, including documents being edited; [`Spec`] adds the
//! index (and document order) on top.

use std::fmt;
use std::path::Path;

use serde_json::Value;

pub mod classify;
pub mod example;
pub mod naming;
mod operation;
mod refs;
mod schema;
pub mod secret;
mod spec;
pub mod text;
pub mod validate;

pub use operation::{
    HAND_WRITTEN_EXTENSION, METHODS, Operation, SINCE_EXTENSION, hand_written, is_error,
    is_success, operations, param_key, since,
};
pub use refs::{
    SCHEMA_REF, escape, reachable_schemas, ref_target, resolve, resolve_schema, schema_ref_name,
    wrapped_ref_name,
};
pub use schema::{
    body_schema, component_schemas, media_example, nullable, properties, required, schema_type,
};
pub use spec::Spec;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// So that tools whose errors are strings can use `?`.
impl From<Error> for String {
    fn from(e: Error) -> Self {
        e.message
    }
}

/// What a `build.rs` calls to embed a spec: reads the document at `spec`
/// (relative to the package) and writes it, as [`Spec::embed`] gives it,
/// to `OUT_DIR/<name>`, for `include_str!(concat!(env!("OUT_DIR"),
/// "/<name>"))` and [`Spec::parse`]. Reruns when the document changes; a
/// document that does not parse fails the build with its error (no panic).
pub fn embed_for_build(spec: &str, name: &str) {
    println!("cargo:rerun-if-changed={spec}");
    let written = Spec::load(Path::new(spec)).and_then(|parsed| {
        let out = std::env::var_os("OUT_DIR")
            .map(std::path::PathBuf::from)
            .ok_or_else(|| Error::new("OUT_DIR is not set: call this from a build script"))?;
        let into = out.join(name);
        std::fs::write(&into, parsed.embed())
            .map_err(|e| Error::new(format!("{}: {e}", into.display())))
    });
    if let Err(e) = written {
        eprintln!("error: cannot embed {spec}: {e}");
        std::process::exit(1);
    }
}

/// Reads a document (YAML or JSON) as a JSON value. Errors name the file.
pub fn load(path: &Path) -> Result<Value, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("{}: cannot read the file: {e}", path.display())))?;
    parse(&text).map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

/// Reads a document (YAML or JSON) into a typed model such as
/// `openapiv3::OpenAPI`, keeping the document's order wherever the model
/// keeps order (a JSON value sorts paths; progenitor's output follows the
/// document). Errors name the file.
pub fn load_typed<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::new(format!("{}: cannot read the file: {e}", path.display())))?;
    parse_typed(&text).map_err(|e| Error::new(format!("{}: {e}", path.display())))
}

/// Parses a document (YAML or JSON) into a typed model; see [`load_typed`].
pub fn parse_typed<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_yaml::from_str(text)
        .map_err(|e| Error::new(format!("not a valid OpenAPI 3.0 document: {e}")))
}

/// Parses a document (YAML or JSON; JSON is YAML) into a JSON value.
pub fn parse(text: &str) -> Result<Value, Error> {
    parse_yaml(text).map(to_json)
}

fn parse_yaml(text: &str) -> Result<serde_yaml::Value, Error> {
    serde_yaml::from_str(text).map_err(|e| Error::new(format!("not valid YAML or JSON: {e}")))
}

/// YAML to JSON. Non-string mapping keys (an unquoted `200:`) become their
/// text, as OpenAPI means them; tags are dropped.
fn to_json(yaml: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match yaml {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64()
                    .and_then(serde_json::Number::from_f64)
                    .map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (key_text(&k), to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => to_json(tagged.value),
    }
}

/// A YAML mapping key as the string OpenAPI means.
fn key_text(key: &serde_yaml::Value) -> String {
    use serde_yaml::Value as Y;
    match key {
        Y::String(s) => s.clone(),
        Y::Number(n) => n.to_string(),
        Y::Bool(b) => b.to_string(),
        Y::Null => "null".to_string(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_keys_become_their_text() {
        let doc = parse("responses:\n  200: {description: ok}\n  true: 1\n").unwrap();
        assert_eq!(doc["responses"]["200"]["description"], "ok");
        assert_eq!(doc["responses"]["true"], 1);
    }

    #[test]
    fn errors_name_the_file_and_convert_to_strings() {
        let err = load(Path::new("/nonexistent/spec.yaml")).unwrap_err();
        let text: String = err.into();
        assert!(
            text.starts_with("/nonexistent/spec.yaml: cannot read the file"),
            "{text}"
        );
        assert!(
            parse("a: [")
                .unwrap_err()
                .to_string()
                .starts_with("not valid YAML")
        );
    }
}

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
//!
//! The parts, one job each:
//!
//! - `lacks`: walking our spec beside the official document (and the
//!   base) to list what it lacks, each with the edit that would add it;
//! - `classify`: what `cargo xtask diff` says each addition does, so that
//!   breaking ones are never written;
//! - `write`: the textual edits `--write` makes to the YAML file, and the
//!   checks the result must pass before it is written;
//! - `options` and `report`: the command line and what is printed.
//!
//! The types every part shares ([`Lack`], [`Edit`], [`Kind`]) and the JSON
//! form of an edit ([`apply_json`]) are here, with [`run`], which ties the
//! parts together.

mod classify;
mod lacks;
mod options;
mod report;
mod write;

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde_json::{Map, Value};

use crate::diff::Change;
use crate::upstream;
use cloud_spec as spec;

pub use lacks::lacks;
pub use options::Options;
pub use report::Report;
pub use write::write;

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

//! Which CloudTower release first has each operation: the table
//! `upstream/cloudtower/operations-since.json`, recomputed from the
//! official per-release documents, and the `x-cloudtower-since` extension
//! ([`cloud_spec::SINCE_EXTENSION`]) it stamps on every operation of
//! `specs/cloudtower.yaml`.
//!
//! - [`compute`]: the table from the operations of each release (an
//!   official document, or a list of paths where only an SDK generated from
//!   the document survives; see the folder's README);
//! - [`record_release`]: a newer official document (`upstream --sync`)
//!   adds its release and the operations first in it;
//! - [`stamp`]: the extension written on every operation of the spec that
//!   lacks it or disagrees, as small text edits (comments and layout
//!   stay), so operations imported later are stamped the same way;
//! - [`check`]: every operation of the spec carries the table's release
//!   (`cargo xtask upstream` and `cargo xtask since` fail otherwise).
//!
//! The table is keyed by path: every CloudTower path has one method.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use cloud_common::Version;
use serde_json::{Map, Value, json};

use cloud_spec as spec;

/// The table, relative to the workspace root.
pub const TABLE: &str = "upstream/cloudtower/operations-since.json";

/// The first release of every official operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// Every release the table was computed from, oldest first. An
    /// operation of the oldest may be older still: nothing before it is
    /// recorded.
    pub versions: Vec<String>,
    /// Path (`/get-vms`) to the first release that has it.
    pub operations: BTreeMap<String, String>,
}

impl Table {
    /// Reads the table at `path`.
    pub fn load(path: &Path) -> Result<Table, String> {
        let value = spec::load(path).map_err(|e| e.to_string())?;
        Self::from_json(&value).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// The table from its JSON form (see [`Table::to_json`]).
    pub fn from_json(value: &Value) -> Result<Table, String> {
        let versions = value
            .get("versions")
            .and_then(Value::as_array)
            .ok_or("no `versions` list")?
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or("a version is not a string")
            })
            .collect::<Result<Vec<_>, _>>()?;
        let operations = value
            .get("operations")
            .and_then(Value::as_object)
            .ok_or("no `operations` object")?
            .iter()
            .map(|(path, v)| match v.as_str() {
                Some(v) if versions.iter().any(|known| known == v) => {
                    Ok((path.clone(), v.to_string()))
                }
                _ => Err(format!("{path}: `{v}` is not one of `versions`")),
            })
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        let mut sorted = versions.clone();
        sorted.sort_by_key(|v| parse(v).ok());
        if sorted != versions || versions.iter().any(|v| parse(v).is_err()) {
            return Err("`versions` must be release numbers, oldest first".into());
        }
        Ok(Table {
            versions,
            operations,
        })
    }

    /// The JSON form: `versions` and `operations` (sorted by path), with
    /// a note saying what it is, one operation a line.
    pub fn to_json(&self) -> String {
        let doc = json!({
            "about": "The first official CloudTower release that has each operation (by path), \
                      computed by `cargo xtask since --from` from the per-release documents; \
                      `versions` are the releases it was computed from, oldest first (an \
                      operation of the oldest may be older). See README.md.",
            "versions": self.versions,
            "operations": self.operations.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<_, _>>(),
        });
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The first release of `path`, if the table has it.
    pub fn since(&self, path: &str) -> Option<&str> {
        self.operations.get(path).map(String::as_str)
    }

    /// The newest release recorded.
    pub fn newest(&self) -> Option<&str> {
        self.versions.last().map(String::as_str)
    }
}

fn parse(version: &str) -> Result<Version, String> {
    version.parse::<Version>().map_err(|e| e.to_string())
}

/// The paths of an OpenAPI document that hold an operation.
pub fn document_operations(doc: &Value) -> BTreeSet<String> {
    spec::operations(doc)
        .into_iter()
        .map(|op| op.path.to_string())
        .collect()
}

/// The paths of a list: one operation a line, `/get-vms` or `POST
/// /get-vms`; blank lines and `#` comments are skipped.
pub fn listed_operations(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect()
}

/// The table from the operations of each release, in any order: each
/// operation's release is the oldest one that has it.
pub fn compute(releases: &[(String, BTreeSet<String>)]) -> Result<Table, String> {
    let mut ordered = Vec::new();
    for (version, paths) in releases {
        ordered.push((parse(version)?, version.clone(), paths));
    }
    ordered.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = ordered.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("release {} is given twice", pair[1].1));
    }
    let mut table = Table::default();
    for (_, version, paths) in ordered {
        table.versions.push(version.clone());
        for path in paths {
            table
                .operations
                .entry(path.clone())
                .or_insert_with(|| version.clone());
        }
    }
    Ok(table)
}

/// What [`record_release`] made of an official document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// A release the table has: nothing new (`problems` lists operations of
    /// the document the table gives a later release or lacks, which means
    /// the table is wrong).
    Known {
        /// What disagrees.
        problems: Vec<String>,
    },
    /// A release newer than the table's newest: it is added, with the
    /// operations first in it.
    Newer {
        /// The operations first in the release.
        added: Vec<String>,
    },
    /// A release older than the table's newest that it was not computed
    /// from: nothing can be said (recompute with `cargo xtask since
    /// --from`).
    Older,
}

/// Adds the release `version` of an official document with `paths` to the
/// table when it is newer than every release recorded.
pub fn record_release(
    table: &mut Table,
    version: &str,
    paths: &BTreeSet<String>,
) -> Result<Recorded, String> {
    let release = parse(version)?;
    if let Some(known) = table
        .versions
        .iter()
        .find(|v| parse(v).is_ok_and(|v| v == release))
    {
        let problems = paths
            .iter()
            .filter_map(|path| match table.since(path) {
                None => Some(format!("{path}: in {known}, not in {TABLE}")),
                Some(since) if parse(since).is_ok_and(|s| s > release) => Some(format!(
                    "{path}: in {known}, but {TABLE} records it since {since}"
                )),
                Some(_) => None,
            })
            .collect();
        return Ok(Recorded::Known { problems });
    }
    let newest = table.newest().map(parse).transpose()?;
    if newest.is_some_and(|n| n > release) {
        return Ok(Recorded::Older);
    }
    table.versions.push(version.to_string());
    let mut added = Vec::new();
    for path in paths {
        if !table.operations.contains_key(path) {
            table.operations.insert(path.clone(), version.to_string());
            added.push(path.clone());
        }
    }
    Ok(Recorded::Newer { added })
}

/// Where the spec's operations and the table differ: one line each.
pub fn check(doc: &Value, table: &Table) -> Vec<String> {
    let mut problems = Vec::new();
    for op in spec::operations(doc) {
        let expected = table.since(op.path);
        match (op.since(), expected) {
            (_, None) => problems.push(format!(
                "{}: not in {TABLE} (not an official operation?)",
                op.name()
            )),
            (None, Some(v)) => problems.push(format!(
                "{}: no `{}` (the table says {v}; `cargo xtask since --write` stamps it)",
                op.name(),
                spec::SINCE_EXTENSION
            )),
            (Some(have), Some(v)) if have != v => problems.push(format!(
                "{}: `{}: {have}`, the table says {v} (`cargo xtask since --write` corrects it)",
                op.name(),
                spec::SINCE_EXTENSION
            )),
            _ => {}
        }
    }
    problems
}

/// What [`stamp`] did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stamped {
    /// The spec's new text.
    pub text: String,
    /// `(path, release)` written or corrected.
    pub stamped: Vec<(String, String)>,
}

/// Writes `x-cloudtower-since` on every operation of the spec text `ours`
/// that the table has and that lacks it or says another release: after the
/// operation's one-line `tags:` (else its `operationId:`), or in place of
/// the wrong value. Nothing else changes; the result is parsed again and
/// must agree with the table (operations the table lacks are left alone,
/// and [`check`] reports them).
pub fn stamp(ours: &str, table: &Table) -> Result<Stamped, String> {
    let doc = spec::parse(ours).map_err(|e| e.to_string())?;
    let mut wanted: BTreeMap<(String, String), String> = BTreeMap::new();
    for op in spec::operations(&doc) {
        if let Some(v) = table.since(op.path)
            && op.since() != Some(v)
        {
            wanted.insert((op.path.to_string(), op.method.to_string()), v.to_string());
        }
    }
    let mut out = Vec::new();
    let mut stamped = Vec::new();
    let lines: Vec<&str> = ours.lines().collect();
    let mut i = 0;
    let mut in_paths = false;
    let mut path: Option<String> = None;
    while i < lines.len() {
        let line = lines[i];
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line.trim_end() == "paths:";
        }
        if in_paths && let Some(p) = key_at(line, 2) {
            path = Some(unquote(p));
        }
        let method = if in_paths { key_at(line, 4) } else { None };
        let Some(key) = method
            .zip(path.clone())
            .map(|(m, p)| (p, m.to_string()))
            .filter(|k| wanted.contains_key(k))
        else {
            out.push(line.to_string());
            i += 1;
            continue;
        };
        // The operation's block: the lines below it indented deeper.
        let end = (i + 1..lines.len())
            .find(|&j| !lines[j].is_empty() && indent(lines[j]) <= 4)
            .unwrap_or(lines.len());
        let block = &lines[i + 1..end];
        let version = &wanted[&key];
        let value = format!("      {}: {}", spec::SINCE_EXTENSION, scalar(version));
        out.push(line.to_string());
        let existing = block
            .iter()
            .position(|l| key_at(l, 6) == Some(spec::SINCE_EXTENSION));
        let after = block
            .iter()
            .position(|l| key_at(l, 6) == Some("tags") && l.contains('['))
            .or_else(|| {
                block
                    .iter()
                    .position(|l| key_at(l, 6) == Some("operationId"))
            });
        match (existing, after) {
            (Some(at), _) => {
                for (j, l) in block.iter().enumerate() {
                    out.push(if j == at {
                        value.clone()
                    } else {
                        l.to_string()
                    });
                }
            }
            (None, Some(at)) => {
                for (j, l) in block.iter().enumerate() {
                    out.push(l.to_string());
                    if j == at {
                        out.push(value.clone());
                    }
                }
            }
            (None, None) => {
                return Err(format!(
                    "{} {}: no one-line `tags:` or `operationId:` to write `{}` after",
                    key.1.to_uppercase(),
                    key.0,
                    spec::SINCE_EXTENSION
                ));
            }
        }
        stamped.push((key.0.clone(), version.clone()));
        i = end;
    }
    let mut text = out.join("\n");
    if ours.ends_with('\n') {
        text.push('\n');
    }
    let result = spec::parse(&text).map_err(|e| format!("the stamped spec does not parse: {e}"))?;
    let left: Vec<String> = spec::operations(&result)
        .into_iter()
        .filter(|op| table.since(op.path).is_some_and(|v| op.since() != Some(v)))
        .map(|op| op.name())
        .collect();
    if !left.is_empty() {
        return Err(format!(
            "the stamped spec still disagrees with the table: {}",
            left.join("; ")
        ));
    }
    let mut expected = doc.clone();
    let mut got = result.clone();
    strip_since(&mut expected);
    strip_since(&mut got);
    if expected != got {
        return Err("stamping changed more than the extension; nothing written".into());
    }
    Ok(Stamped { text, stamped })
}

/// The release as YAML: plain when YAML reads it back as a string
/// (`4.5.0`), quoted otherwise (`'4.5'` would be a number).
fn scalar(version: &str) -> String {
    if version.matches('.').count() >= 2 && version.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        version.to_string()
    } else {
        crate::yaml::quoted(version)
    }
}

fn strip_since(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut().filter_map(Value::as_object_mut) {
            for op in item.values_mut().filter_map(Value::as_object_mut) {
                op.remove(spec::SINCE_EXTENSION);
            }
        }
    }
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The key of a `key:` line at exactly `at` spaces.
fn key_at(line: &str, at: usize) -> Option<&str> {
    if indent(line) != at {
        return None;
    }
    let rest = &line[at..];
    if rest.starts_with('#') || rest.starts_with('-') {
        return None;
    }
    let colon = find_key_colon(rest)?;
    Some(rest[..colon].trim())
}

/// The colon that ends a (possibly quoted) key.
fn find_key_colon(rest: &str) -> Option<usize> {
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"');
    let start = match quote {
        Some(q) => rest[1..].find(q)? + 2,
        None => 0,
    };
    rest[start..]
        .find(':')
        .map(|i| i + start)
        .filter(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with(' '))
}

fn unquote(key: &str) -> String {
    key.trim_matches(|c| c == '\'' || c == '"').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    fn table() -> Table {
        compute(&[
            ("4.3.0".into(), set(&["/get-vms", "/get-ntp"])),
            ("4.0.0".into(), set(&["/get-vms"])),
        ])
        .unwrap()
    }

    const SPEC: &str = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\n# a comment\npaths:\n  /get-vms:\n    post:\n      operationId: GetVms\n      tags: [Vm]\n      x-safe-to-retry: true\n      responses:\n        '200': {description: ok}\n\n  /get-ntp:\n    post:\n      operationId: GetNtp\n      x-cloudtower-since: 4.0.0\n      responses:\n        '200': {description: ok}\n\ncomponents:\n  schemas: {}\n";

    #[test]
    fn computes_the_oldest_release_of_each_operation() {
        let t = table();
        assert_eq!(t.versions, ["4.0.0", "4.3.0"]);
        assert_eq!(t.since("/get-vms"), Some("4.0.0"));
        assert_eq!(t.since("/get-ntp"), Some("4.3.0"));
        assert_eq!(Table::from_json(&spec::parse(&t.to_json()).unwrap()), Ok(t));
        let twice = compute(&[("4.0.0".into(), set(&[])), ("4.0".into(), set(&[]))]);
        assert!(twice.unwrap_err().contains("twice"));
    }

    #[test]
    fn stamps_what_lacks_or_disagrees_and_nothing_else() {
        let t = table();
        let before = check(&spec::parse(SPEC).unwrap(), &t);
        assert_eq!(before.len(), 2, "{before:?}");
        let out = stamp(SPEC, &t).unwrap();
        assert_eq!(
            out.stamped,
            [
                ("/get-vms".to_string(), "4.0.0".to_string()),
                ("/get-ntp".to_string(), "4.3.0".to_string())
            ]
        );
        assert!(
            out.text.contains(
                "      tags: [Vm]\n      x-cloudtower-since: 4.0.0\n      x-safe-to-retry"
            )
        );
        assert!(out.text.contains(
            "      operationId: GetNtp\n      x-cloudtower-since: 4.3.0\n      responses"
        ));
        assert!(out.text.contains("# a comment\n"));
        assert!(check(&spec::parse(&out.text).unwrap(), &t).is_empty());
        // Idempotent.
        let again = stamp(&out.text, &t).unwrap();
        assert_eq!(again.text, out.text);
        assert!(again.stamped.is_empty());
    }

    #[test]
    fn an_operation_the_table_lacks_is_reported() {
        let t = compute(&[("4.0.0".into(), set(&["/get-vms"]))]).unwrap();
        let problems = check(&spec::parse(SPEC).unwrap(), &t);
        assert!(
            problems
                .iter()
                .any(|p| p.contains("GetNtp") && p.contains("not in")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_newer_release_adds_its_new_operations() {
        let mut t = table();
        let got = record_release(&mut t, "4.7.0", &set(&["/get-vms", "/get-gpus"])).unwrap();
        assert_eq!(
            got,
            Recorded::Newer {
                added: vec!["/get-gpus".into()]
            }
        );
        assert_eq!(t.since("/get-gpus"), Some("4.7.0"));
        assert_eq!(t.newest(), Some("4.7.0"));
        // The same release again is known and agrees.
        let again = record_release(&mut t, "4.7.0", &set(&["/get-gpus"])).unwrap();
        assert_eq!(again, Recorded::Known { problems: vec![] });
        // A known release that has an operation the table dates later.
        let wrong = record_release(&mut t, "4.0.0", &set(&["/get-ntp"])).unwrap();
        assert!(matches!(wrong, Recorded::Known { problems } if problems.len() == 1));
        assert_eq!(
            record_release(&mut t, "4.1.0", &set(&[])).unwrap(),
            Recorded::Older
        );
    }

    #[test]
    fn lists_name_paths_with_or_without_a_method() {
        assert_eq!(
            listed_operations("# 4.5.0\nPOST /get-ntp\n/get-vms\n\nGET /get-version  # no body\n"),
            set(&["/get-ntp", "/get-vms", "/get-version"])
        );
    }
}

//! YAML output for `import`: the new operations and schemas as blocks in
//! the file's style (short nodes in flow style on one line, OpenAPI's
//! reading order, long texts folded), and where in the file they go. The
//! file is never re-serialised, so its comments and layout survive.
//!
//! `upstream --sync --write` has a writer of its own (`sync::write`): it
//! edits inside existing nodes, always in flow style and in that file's
//! key order, so the two share only the scalar rules of [`crate::yaml`].

use serde_json::{Map, Value};

use crate::yaml;

/// Puts the new text blocks into the spec: tags after the last tag of the
/// top-level `tags` list, paths before `components:`, schemas at the end
/// (the `schemas` section is the file's last).
pub(super) fn insert_blocks(
    ours: &str,
    tags: &str,
    paths: &str,
    schemas: &str,
) -> Result<String, String> {
    let mut lines: Vec<&str> = ours.lines().collect();
    let components = lines
        .iter()
        .position(|l| *l == "components:")
        .ok_or("the spec has no top-level `components:` line")?;
    let last_section = lines
        .iter()
        .rposition(|l| l.starts_with("  ") && !l.starts_with("   ") && l.trim_end().ends_with(':'))
        .map(|i| lines[i].trim());
    if !schemas.is_empty() && last_section != Some("schemas:") {
        return Err("`components.schemas` must be the spec's last section".into());
    }
    let mut out = String::new();
    let tags_at = lines.iter().position(|l| *l == "tags:");
    let tags_end = tags_at.map(|start| {
        let mut end = start + 1;
        while end < lines.len() && (lines[end].starts_with(' ') || lines[end].is_empty()) {
            end += 1;
        }
        // Back over trailing blank lines.
        while end > start + 1 && lines[end - 1].is_empty() {
            end -= 1;
        }
        end
    });
    if !tags.is_empty() && tags_end.is_none() {
        return Err("the spec has no top-level `tags:` list".into());
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for (i, line) in lines.iter().enumerate() {
        if Some(i) == tags_end {
            out.push_str(tags);
        }
        if i == components {
            // Paths end with a blank line already.
            out.push_str(paths);
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(schemas);
    Ok(out)
}

/// `key:` and `value` as YAML at `indent` spaces, in the file's style:
/// short maps and lists of scalars in flow style on one line, everything
/// else in block style.
pub(super) fn emit_entry(key: &str, value: &Value, indent: usize) -> String {
    emit(key, value, indent, false)
}

/// [`emit_entry`]; `natural` keeps keys in their own order (field names,
/// example data) instead of OpenAPI's reading order.
fn emit(key: &str, value: &Value, indent: usize, natural: bool) -> String {
    let pad = " ".repeat(indent);
    let key = yaml::scalar(key);
    if let Some(flow) = flow(value).filter(|_| !value.is_string())
        && indent + key.len() + flow.len() + 2 <= 110
    {
        return format!("{pad}{key}: {flow}\n");
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut out = format!("{pad}{key}:\n");
            // Field names and examples keep their own (sorted) order.
            let inner = natural || key == "example";
            let entries = if inner || key == "properties" {
                map.iter().collect()
            } else {
                ordered(map)
            };
            for (k, v) in entries {
                out.push_str(&emit(k, v, indent + 2, inner));
            }
            out
        }
        Value::Array(items) if !items.is_empty() => {
            let mut out = format!("{pad}{key}:\n");
            for item in items {
                out.push_str(&emit_item(item, indent + 2, natural || key == "example"));
            }
            out
        }
        Value::String(s) if s.contains('\n') => {
            let inner = " ".repeat(indent + 2);
            let body: Vec<String> = s
                .lines()
                .map(|l| format!("{inner}{l}").trim_end().to_string())
                .collect();
            format!("{pad}{key}: |-\n{}\n", body.join("\n"))
        }
        Value::String(s) if s.len() + indent + key.len() > 106 => {
            // Long texts fold, as the hand-written parts of the file do.
            format!("{pad}{key}: >-\n{}\n", fold(s, indent + 2))
        }
        Value::String(s) => format!("{pad}{key}: {}\n", yaml::prose(s)),
        scalar => format!("{pad}{key}: {}\n", flow(scalar).unwrap_or_default()),
    }
}

/// A list element at `indent`.
fn emit_item(value: &Value, indent: usize, natural: bool) -> String {
    let pad = " ".repeat(indent);
    if let Some(flow) = flow(value)
        && indent + flow.len() + 2 <= 110
    {
        return format!("{pad}- {flow}\n");
    }
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut out = String::new();
            let entries = if natural {
                map.iter().collect()
            } else {
                ordered(map)
            };
            for (i, (k, v)) in entries.into_iter().enumerate() {
                let entry = emit(k, v, indent + 2, natural);
                if i == 0 {
                    out.push_str(&pad);
                    out.push_str("- ");
                    out.push_str(&entry[indent + 2..]);
                } else {
                    out.push_str(&entry);
                }
            }
            out
        }
        Value::Array(_) => format!(
            "{pad}- {}\n",
            serde_json::to_string(value).unwrap_or_default()
        ),
        scalar => format!("{pad}- {}\n", flow(scalar).unwrap_or_default()),
    }
}

/// The order keys are written in: the usual OpenAPI reading order first,
/// the rest as they come (sorted).
fn ordered(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    const FIRST: &[&str] = &[
        "name",
        "in",
        "operationId",
        cloud_spec::HAND_WRITTEN_EXTENSION,
        "summary",
        "description",
        "tags",
        "x-safe-to-retry",
        "parameters",
        "requestBody",
        "responses",
        "required",
        "content",
        "schema",
        "example",
        "allOf",
        "type",
        "format",
        "nullable",
        "enum",
        "items",
        "properties",
        "additionalProperties",
    ];
    let mut entries: Vec<(&String, &Value)> = map.iter().collect();
    entries.sort_by_key(|(k, _)| FIRST.iter().position(|f| f == k).unwrap_or(FIRST.len()));
    entries
}

/// `value` in YAML flow style, if it is small enough to read on one line:
/// scalars, lists of scalars, and maps of those without descriptions or
/// examples (which read better in block style).
fn flow(value: &Value) -> Option<String> {
    match value {
        Value::Null => Some("null".into()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(yaml::scalar(s)),
        Value::Array(items) => {
            let parts: Option<Vec<String>> = items
                .iter()
                .map(|i| match i {
                    Value::Array(_) => None,
                    Value::Object(m) if m.len() > 2 => None,
                    other => flow(other),
                })
                .collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        Value::Object(map) => {
            if map.contains_key("description") || map.contains_key("example") || map.len() > 4 {
                return None;
            }
            let parts: Option<Vec<String>> = ordered(map)
                .into_iter()
                .map(|(k, v)| {
                    let nested = match v {
                        Value::Object(m) if m.len() > 2 => None,
                        other => flow(other),
                    };
                    nested.map(|v| format!("{}: {v}", yaml::scalar(k)))
                })
                .collect();
            Some(format!("{{{}}}", parts?.join(", ")))
        }
    }
}

/// A long text as the lines of a folded (`>-`) block at `indent`.
fn fold(text: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.len() + word.len() + 1 + indent > 100 {
            lines.push(format!("{pad}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{pad}{line}"));
    }
    lines.join("\n")
}

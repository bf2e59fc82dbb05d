//! Textual edits: the spec is hand-written YAML, so `--write` changes only
//! the lines an addition needs and re-serialises nothing. Comments, order
//! and layout stay as written; the result is parsed again and checked
//! against the spec with the additions made (and against the official
//! document) before anything is written.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::{Edit, Lack, apply_json};
use crate::upstream;
use crate::yaml;
use cloud_spec as spec;

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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_key_inside_flow_style_is_an_error_not_a_guess() {
        let t = Text::new("a: {enum: [X]}\n");
        let err = t.find(&["a", "enum"]).unwrap_err();
        assert!(err.contains("flow style"), "{err}");
    }
}

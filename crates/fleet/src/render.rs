//! Printing any answer (a spec operation's, `fleet api`'s, or the neutral
//! commands' rows) as `--output table|json|yaml|ndjson`, after `--jq`,
//! with `--columns` for tables; and [`Sink`], which prints pages as they
//! arrive (`--paginate`).
//!
//! A list is an array; or an object that wraps one list of objects beside
//! plain fields (Neolink's `{hasNextPage, nodes, totalCount}`), where the
//! list may be a map of objects keyed by id (TensorDock v0's
//! `{success, virtualmachines: {<id>: {..}}}`, whose items get the key as
//! `id`); or an object whose one field is such a thing (`{"data": ...}`).
//! A table of a list has a column per field, chosen from the items (ids,
//! names, states and related objects' names first, other ids last) unless
//! `--columns a,b.c` names them; NDJSON prints one item a line.

use serde_json::Value as Json;

use crate::exit::CliError;
use crate::out;
use crate::output::{self, Format};
use crate::query::Query;

/// At most this many columns are chosen for a table; `--columns` may name
/// more.
const MAX_COLUMNS: usize = 8;
/// Longer cells are cut, so a nested object does not push the others off
/// the screen.
const MAX_CELL: usize = 60;
/// Fields shown first when the table's columns are chosen, in this order.
const FIRST: [&str; 9] = [
    "provider", "id", "name", "status", "state", "type", "vcpu", "vcpus", "memory",
];

/// The global flags that say how to print.
#[derive(clap::Args)]
pub struct OutputFlags {
    /// Output format: a table for people; JSON or YAML documents, or NDJSON (one item a line), for scripts [default: table for the instance commands, json for spec operations and `fleet api`].
    #[arg(long, short, global = true, value_enum)]
    pub output: Option<Format>,
    /// The table's columns, as field paths (`id,name,host.name`; implies -o table); default: chosen from the answer.
    #[arg(long, global = true, value_name = "A,B.C")]
    pub columns: Option<String>,
    /// A jq filter applied to the answer (after every page is read), e.g. '.[] | select(.status == "RUNNING") | .name'.
    #[arg(long, short = 'q', global = true, value_name = "FILTER")]
    pub jq: Option<String>,
}

/// How to print: `--output`, `--columns`, `--jq`.
pub struct View {
    pub format: Format,
    columns: Option<Vec<String>>,
    query: Option<Query>,
    colour: bool,
}

impl View {
    /// A view with no columns or filter.
    pub fn new(format: Format) -> Self {
        Self {
            format,
            columns: None,
            query: None,
            colour: output::colour(),
        }
    }

    /// The view the flags ask for (`default` without `--output`); a
    /// filter that does not compile is a usage error before anything is
    /// sent.
    pub fn from_flags(flags: &OutputFlags, default: Format) -> Result<Self, CliError> {
        // Columns are for a table: asking for them asks for one.
        let default = match flags.columns {
            Some(_) => Format::Table,
            None => default,
        };
        let mut view = Self::new(flags.output.unwrap_or(default));
        view.columns = flags.columns.as_ref().map(|c| {
            c.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_string)
                .collect()
        });
        view.query = flags.jq.as_deref().map(Query::new).transpose()?;
        Ok(view)
    }

    /// Whether a neutral command's own table applies: `-o table` without
    /// `--columns` or `--jq`.
    pub fn own_table(&self) -> bool {
        self.format == Format::Table && self.columns.is_none() && self.query.is_none()
    }

    /// Prints `data`, a struct of the neutral commands: as it is for a
    /// JSON or YAML document, so its fields keep their order (a JSON value
    /// sorts them), otherwise as [`View::print`] does.
    pub fn print_data<T: serde::Serialize + ?Sized>(&self, data: &T) -> Result<(), CliError> {
        match self.format {
            Format::Json | Format::Yaml if self.query.is_none() => {
                out::write(&output::document(&data, self.format))
            }
            _ => self.print(&serde_json::to_value(data).expect("plain data serialises")),
        }
    }

    /// Prints `value` (through the filter, if any).
    pub fn print(&self, value: &Json) -> Result<(), CliError> {
        let Some(query) = &self.query else {
            return self.print_one(value);
        };
        let mut outputs = query.run(value)?;
        // Strings bare, a line each, as `gh --jq` and `jq -r` print them.
        if self.format != Format::Yaml && !outputs.is_empty() && outputs.iter().all(Json::is_string)
        {
            let lines: String = outputs
                .iter()
                .filter_map(Json::as_str)
                .map(|s| format!("{s}\n"))
                .collect();
            return out::write(&lines);
        }
        if outputs.len() == 1 {
            return self.print_one(&outputs.remove(0));
        }
        // Several outputs, as jq prints them: one document each, or the
        // rows of one table.
        match self.format {
            Format::Table => self.print_one(&Json::Array(outputs)),
            Format::Ndjson => outputs.iter().try_for_each(|o| out::write(&line(o))),
            Format::Yaml => outputs.iter().try_for_each(|o| {
                out::write(&format!("---\n{}", output::document(o, Format::Yaml)))
            }),
            Format::Json => outputs
                .iter()
                .try_for_each(|o| out::write(&output::document(o, Format::Json))),
        }
    }

    fn print_one(&self, value: &Json) -> Result<(), CliError> {
        match self.format {
            Format::Json | Format::Yaml => out::write(&output::document(value, self.format)),
            Format::Ndjson => match items(value) {
                Some(items) => items.iter().try_for_each(|i| out::write(&line(i))),
                None => out::write(&line(value)),
            },
            Format::Table => out::write(&self.table(value)),
        }
    }

    /// `value` as a table: a row per item of a list, a FIELD/VALUE pair
    /// per field of an object, a line per scalar.
    pub fn table(&self, value: &Json) -> String {
        if let Some(list) = items(value) {
            if list.iter().all(Json::is_object) && !list.is_empty() {
                let columns = self.columns.clone().unwrap_or_else(|| choose(&list));
                return self.grid(&columns, &list);
            }
            return list
                .iter()
                .map(|i| format!("{}\n", cell(Some(i))))
                .collect();
        }
        match value {
            Json::Object(map) => match &self.columns {
                Some(columns) => self.grid(columns, std::slice::from_ref(value)),
                None => {
                    let rows: Vec<Vec<String>> = map
                        .iter()
                        .map(|(k, v)| vec![k.clone(), cell(Some(v))])
                        .collect();
                    align(&["FIELD".into(), "VALUE".into()], &rows, |_, c| {
                        c.to_string()
                    })
                }
            },
            other => format!("{}\n", cell(Some(other))),
        }
    }

    fn grid(&self, columns: &[String], list: &[Json]) -> String {
        let header: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|item| columns.iter().map(|c| cell(lookup(item, c))).collect())
            .collect();
        // States are coloured on a terminal, as in `fleet instances`.
        let state = columns
            .iter()
            .position(|c| matches!(c.as_str(), "status" | "state"));
        align(&header, &rows, |i, padded| match state {
            Some(s) if s == i && self.colour => {
                output::paint(&padded.trim().to_lowercase(), padded.to_string())
            }
            _ => padded.to_string(),
        })
    }

    /// A sink for a list read a page at a time.
    pub fn sink(&self) -> Sink<'_> {
        // Filters and tables need every item; documents stream.
        let streams = self.query.is_none() && self.format != Format::Table;
        Sink {
            view: self,
            buffered: (!streams).then(Vec::new),
            printed: 0,
        }
    }
}

/// Items printed as pages arrive: NDJSON a line each, JSON as one array
/// and YAML as one sequence written piece by piece; tables and `--jq`
/// once the last page is in.
pub struct Sink<'a> {
    view: &'a View,
    buffered: Option<Vec<Json>>,
    printed: usize,
}

impl Sink<'_> {
    /// Takes the next page's items.
    pub fn page(&mut self, items: Vec<Json>) -> Result<(), CliError> {
        if let Some(all) = &mut self.buffered {
            all.extend(items);
            return Ok(());
        }
        for item in items {
            let text = match self.view.format {
                Format::Json => {
                    let body = output::document(&item, Format::Json);
                    let indented: Vec<String> = body.lines().map(|l| format!("  {l}")).collect();
                    let open = if self.printed == 0 { "[\n" } else { ",\n" };
                    format!("{open}{}", indented.join("\n"))
                }
                // A one-item sequence per item: together, one sequence.
                Format::Yaml => output::document(&[&item], Format::Yaml),
                _ => line(&item),
            };
            out::write(&text)?;
            self.printed += 1;
        }
        Ok(())
    }

    /// Ends the list (or prints it, when it was kept for a filter or a
    /// table).
    pub fn finish(self) -> Result<(), CliError> {
        if let Some(all) = self.buffered {
            return self.view.print(&Json::Array(all));
        }
        match (self.view.format, self.printed) {
            (Format::Json, 0) => out::write("[]\n"),
            (Format::Json, _) => out::write("\n]\n"),
            (Format::Yaml, 0) => out::write("[]\n"),
            _ => Ok(()),
        }
    }
}

/// One compact JSON line.
fn line(v: &Json) -> String {
    format!("{v}\n")
}

/// The list `value` is, or wraps (see the module's doc).
pub fn items(value: &Json) -> Option<Vec<Json>> {
    items_within(value, 3)
}

fn items_within(value: &Json, depth: u8) -> Option<Vec<Json>> {
    let Json::Object(map) = value else {
        return value.as_array().cloned();
    };
    if depth == 0 {
        return None;
    }
    if map.len() == 1 {
        return map.values().next().and_then(|v| items_within(v, depth - 1));
    }
    // One list of objects (an array, or a map keyed by id); plain fields
    // beside it.
    let objects = |v: &&Json| match v {
        Json::Array(a) => a.iter().all(Json::is_object),
        Json::Object(m) => !m.is_empty() && m.values().all(Json::is_object),
        _ => false,
    };
    let mut lists = map.values().filter(objects);
    let list = lists.next()?;
    if lists.next().is_some()
        || map
            .values()
            .any(|v| !objects(&v) && (v.is_object() || v.is_array()))
    {
        return None;
    }
    match list {
        Json::Object(by_key) => Some(
            by_key
                .iter()
                .map(|(k, v)| {
                    let mut item = serde_json::Map::new();
                    let key = if v.get("id").is_some() { "key" } else { "id" };
                    item.insert(key.to_string(), Json::String(k.clone()));
                    item.extend(v.as_object().cloned().unwrap_or_default());
                    Json::Object(item)
                })
                .collect(),
        ),
        other => other.as_array().cloned(),
    }
}

/// The columns of a list: the fields of its first items that print as a
/// word (the preferred ones first), and `<field>.name` of nested objects
/// that have a name (CloudTower's `host.name`).
fn choose(list: &[Json]) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for item in list.iter().take(20) {
        let Json::Object(map) = item else { continue };
        for (k, v) in map {
            let column = match v {
                Json::Object(inner) if inner.get("name").is_some_and(Json::is_string) => {
                    format!("{k}.name")
                }
                Json::Object(_) => continue,
                Json::Array(a) if !a.iter().all(|v| !v.is_object() && !v.is_array()) => continue,
                _ => k.clone(),
            };
            if !columns.contains(&column) {
                columns.push(column);
            }
        }
    }
    // A relation that is null in some items is shown by its name only.
    let named: Vec<String> = columns
        .iter()
        .filter(|c| c.ends_with(".name"))
        .cloned()
        .collect();
    columns.retain(|c| !named.contains(&format!("{c}.name")));
    // Named fields first, then the names of related objects, then the
    // rest, then other ids (long and rarely what a person looks for).
    let rank = |c: &String| match FIRST.iter().position(|f| f == c) {
        Some(p) => p,
        None if c.ends_with(".name") => FIRST.len(),
        None if c.ends_with("id") || c.contains("uuid") => FIRST.len() + 2,
        None => FIRST.len() + 1,
    };
    columns.sort_by_key(rank);
    columns.truncate(MAX_COLUMNS);
    columns
}

/// The value at `path` (`a.b.0.c`: fields and array indexes).
fn lookup<'a>(item: &'a Json, path: &str) -> Option<&'a Json> {
    path.split('.').try_fold(item, |v, key| match v {
        Json::Object(map) => map.get(key),
        Json::Array(list) => key.parse::<usize>().ok().and_then(|i| list.get(i)),
        _ => None,
    })
}

/// A value as one cell: strings bare, nothing as `-`, lists of words
/// joined with commas, anything else as compact JSON, cut to fit.
fn cell(v: Option<&Json>) -> String {
    let text = match v {
        None | Some(Json::Null) => "-".to_string(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Array(a)) if a.iter().all(|v| !v.is_object() && !v.is_array()) => a
            .iter()
            .map(|v| cell(Some(v)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    };
    let text = text.replace(['\n', '\t'], " ");
    if text.chars().count() > MAX_CELL {
        let cut: String = text.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// Rows under a header in aligned columns; `style` may colour a padded
/// cell (padding first, so escape codes do not skew the columns).
fn align(header: &[String], rows: &[Vec<String>], style: impl Fn(usize, &str) -> String) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut text = String::new();
    for (n, r) in std::iter::once(header)
        .chain(rows.iter().map(Vec::as_slice))
        .enumerate()
    {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(&widths).enumerate() {
            let pad = w - c.chars().count();
            let padded = if i + 1 == r.len() {
                c.clone()
            } else {
                format!("{c}{}  ", " ".repeat(pad))
            };
            if n == 0 {
                line.push_str(&padded);
            } else {
                line.push_str(&style(i, &padded));
            }
        }
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_are_found_in_their_wrappers() {
        let nodes = json!({"hasNextPage": false, "nodes": [{"id": 1}], "totalCount": 1});
        assert_eq!(items(&nodes).unwrap().len(), 1);
        let data = json!({"data": {"instances": [{"id": 1}, {"id": 2}]}});
        assert_eq!(items(&data).unwrap().len(), 2);
        let by_id = json!({"success": true, "virtualmachines": {"vm-1": {"name": "a"}}});
        assert_eq!(items(&by_id).unwrap(), [json!({"id": "vm-1", "name": "a"})]);
        // An object with a nested object is a record, not a wrapper.
        let vm = json!({"id": "a", "host": {"id": "h"}, "nics": [{"mac": "x"}]});
        assert!(items(&vm).is_none());
    }

    #[test]
    fn tables_choose_columns_and_take_dotted_ones() {
        let list = json!([
            {"cpu": 4, "name": "web", "id": "vm-1", "host": {"id": "h", "name": "node-1"}, "tags": ["a", "b"]},
            {"cpu": 8, "name": "db", "id": "vm-2", "host": null, "status": "RUNNING"}
        ]);
        let view = View::new(Format::Table);
        let text = view.table(&list);
        let lines: Vec<&str> = text.lines().collect();
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(header, ["ID", "NAME", "STATUS", "HOST.NAME", "CPU", "TAGS"]);
        assert!(
            lines[1].contains("node-1") && lines[1].contains("a,b"),
            "{text}"
        );
        assert!(lines[2].contains("RUNNING"), "{text}");
        let mut view = View::new(Format::Table);
        view.columns = Some(vec!["host.name".into(), "id".into()]);
        let text = view.table(&list);
        assert_eq!(
            text.lines()
                .next()
                .unwrap()
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["HOST.NAME", "ID"]
        );
        assert!(text.lines().nth(2).unwrap().starts_with("-"), "{text}");
    }
}

//! Descriptions: the official text where there is one, else one derived
//! from the name and shape (a where-input's operator suffix, a field's
//! unit, CloudTower's acronyms), so that every generated field, operation
//! and response is documented. Also the pass that documents the fields a
//! spec already had without a description.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use cloud_spec as spec;

use super::Texts;
use super::emit::emit_entry;

/// Documents every undocumented property of the spec's component schemas
/// (official text first, else derived; see [`field_description`]) and
/// returns the new text and the `Schema.property`s it documented. Only
/// the schemas that change are rewritten, each as a whole block in the
/// file's style (the schemas section holds no comments); the result is
/// checked to parse to exactly the documented schemas.
pub fn document_schemas(text: &str, texts: &Texts) -> Result<(String, Vec<String>), String> {
    let doc = spec::parse(text)?;
    let Some(schemas) = spec::component_schemas(&doc) else {
        return Ok((text.to_string(), Vec::new()));
    };
    let mut changed: BTreeMap<String, Value> = BTreeMap::new();
    let mut documented = Vec::new();
    for (name, schema) in schemas {
        let mut copy = schema.clone();
        let before = documented.len();
        document_object(name, name, &mut copy, texts, &mut documented);
        if documented.len() > before {
            changed.insert(name.clone(), copy);
        }
    }
    if changed.is_empty() {
        return Ok((text.to_string(), documented));
    }
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "  schemas:")
        .ok_or("the spec has no `  schemas:` section")?;
    let mut out: Vec<String> = lines[..=start].iter().map(|l| l.to_string()).collect();
    let mut i = start + 1;
    while i < lines.len() {
        let line = lines[i];
        let key = line
            .strip_prefix("    ")
            .filter(|rest| !rest.starts_with(' '))
            .and_then(|rest| rest.split(':').next())
            .map(|k| k.trim_matches('\''));
        let mut end = i + 1;
        while end < lines.len() && (lines[end].is_empty() || lines[end].starts_with("     ")) {
            end += 1;
        }
        // Keep the blank lines that separate schemas.
        while end > i + 1 && lines[end - 1].is_empty() {
            end -= 1;
        }
        match key.and_then(|k| changed.get(k).map(|v| (k, v))) {
            Some((k, value)) => {
                out.extend(emit_entry(k, value, 4).lines().map(str::to_string));
            }
            None => out.extend(lines[i..end].iter().map(|l| l.to_string())),
        }
        i = end;
    }
    let mut result = out.join("\n");
    result.push('\n');
    let reparsed = spec::parse(&result)?;
    for (name, value) in &changed {
        if reparsed.pointer(&format!("/components/schemas/{}", spec::escape(name))) != Some(value) {
            return Err(format!(
                "documenting {name} would change it; nothing written"
            ));
        }
    }
    Ok((result, documented))
}

/// Adds a description to every property of `node` and of the inline
/// objects under it that lacks one.
fn document_object(
    name: &str,
    label: &str,
    node: &mut Value,
    texts: &Texts,
    documented: &mut Vec<String>,
) {
    if let Some(items) = node.get_mut("items") {
        document_object(name, label, items, texts, documented);
    }
    // The inline members of an `allOf` (a `$ref` member has no properties).
    for member in node
        .get_mut("allOf")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
    {
        document_object(name, label, member, texts, documented);
    }
    let Some(properties) = node.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (field, property) in properties.iter_mut() {
        let inner = format!("{label}.{field}");
        document_object(name, &inner, property, texts, documented);
        if property.get("description").is_none() {
            let none = Texts::default();
            let official = if label == name { texts } else { &none };
            document(property, field_description(name, field, property, official));
            documented.push(inner);
        }
    }
}

/// Documents every undocumented property of an inline request-body schema
/// (a `multipart/form-data` upload's fields) of operation `id`, with
/// descriptions derived from the names: the official texts have none for
/// inline schemas.
pub(crate) fn document_inline(id: &str, schema: &mut Value) {
    document_object(id, id, schema, &Texts::default(), &mut Vec::new());
}

/// Adds `text` as the description of a property schema. A bare `$ref`
/// cannot carry one in OpenAPI 3.0 (its siblings are ignored), so it is
/// wrapped in `allOf`, the form the spec already uses for `nullable`.
pub(crate) fn document(property: &mut Value, text: String) {
    if property.get("description").is_some() {
        return;
    }
    if property.get("$ref").is_some() {
        *property = json!({"allOf": [property.clone()]});
    }
    if let Some(obj) = property.as_object_mut() {
        let mut out = Map::new();
        out.insert("description".into(), Value::String(text));
        out.extend(std::mem::take(obj));
        *obj = out;
    }
}

/// Operator suffixes of where-input fields, longest first, and what each
/// means.
const FILTERS: &[(&str, &str)] = &[
    ("_not_starts_with", "does not start with the value"),
    ("_not_ends_with", "does not end with the value"),
    ("_not_contains", "does not contain the value"),
    ("_starts_with", "starts with the value"),
    ("_ends_with", "ends with the value"),
    ("_contains", "contains the value"),
    ("_not_in", "is none of the listed values"),
    ("_every", "matches the filter for every related item"),
    ("_some", "matches the filter for at least one related item"),
    ("_none", "matches the filter for no related item"),
    ("_not", "is not the value"),
    ("_gte", "is greater than or equal to the value"),
    ("_lte", "is less than or equal to the value"),
    ("_in", "is one of the listed values"),
    ("_gt", "is greater than the value"),
    ("_lt", "is less than the value"),
];

/// The description of `schema.field`: the official text, else one derived
/// from the field's name and shape.
pub fn field_description(schema: &str, field: &str, property: &Value, texts: &Texts) -> String {
    let text = field_description_raw(schema, field, property, texts);
    let official = texts
        .descriptions
        .pointer(&format!(
            "/schemas/{}/{}",
            spec::escape(schema),
            spec::escape(field)
        ))
        .is_some_and(|t| t.as_str().is_some_and(|t| !t.trim().is_empty()));
    if official { text } else { acronyms(&text) }
}

fn field_description_raw(schema: &str, field: &str, property: &Value, texts: &Texts) -> String {
    if let Some(text) = texts
        .descriptions
        .pointer(&format!(
            "/schemas/{}/{}",
            spec::escape(schema),
            spec::escape(field)
        ))
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
    {
        return sentence(text);
    }
    let entity = words(
        schema
            .trim_end_matches("WhereInput")
            .trim_start_matches("Nested"),
    )
    .to_lowercase();
    if let Some(filtered) = schema.strip_suffix("WhereInput") {
        let what = words(filtered).to_lowercase();
        match field {
            "AND" => return format!("Matches the {what}s that match every one of these filters."),
            "OR" => {
                return format!("Matches the {what}s that match at least one of these filters.");
            }
            "NOT" => return format!("Matches the {what}s that match none of these filters."),
            _ => {}
        }
        for (suffix, meaning) in FILTERS {
            if let Some(base) = field.strip_suffix(suffix)
                && !base.is_empty()
            {
                return format!("Matches when `{base}` {meaning}{}.", unit(base));
            }
        }
        return format!("Matches when `{field}` equals the value{}.", unit(field));
    }
    let base = match field {
        "id" => format!("Unique id of the {entity}"),
        "local_id" => format!("Local id of the {entity} (the id the cluster itself uses)"),
        "name" => format!("Name of the {entity}"),
        "description" => format!("Free-text description of the {entity}"),
        "where" => "Which resources the operation applies to".to_string(),
        "data" => "What to set".to_string(),
        "first" => "Return at most this many items".to_string(),
        "skip" => "Skip this many items first".to_string(),
        "after" => "Return the items after the one with this id (a cursor)".to_string(),
        "before" => "Return the items before the one with this id (a cursor)".to_string(),
        "last" => "Return at most this many items, counted from the end".to_string(),
        "orderBy" => "The column and direction to sort on".to_string(),
        "task_id" => "Id of the task to wait for; null when there is none".to_string(),
        "entityAsyncStatus" => {
            format!("Set while an operation on the {entity} is in progress; null otherwise")
        }
        "labels" => format!("Labels attached to the {entity}"),
        _ => {
            let mut text = words(field);
            let is_string = property.get("type").and_then(Value::as_str) == Some("string");
            if field == "vlan_id" {
                text = "VLAN ID (the 802.1Q tag)".to_string();
            } else if let Some(target) = field.strip_suffix("_id").filter(|_| is_string) {
                text = format!("Id of the {}", words(target).to_lowercase());
            } else if let Some(target) = field.strip_suffix("_ids").filter(|_| !is_string) {
                text = format!("Ids of the {}s", words(target).to_lowercase());
            } else if let Some(target) = spec::wrapped_ref_name(property)
                .or_else(|| property.get("items").and_then(spec::wrapped_ref_name))
                .filter(|r| r.starts_with("Nested"))
            {
                text = format!("{text} (see `{target}`)");
            }
            text
        }
    };
    format!("{base}{}.", unit(field))
}

/// Writes the acronyms of CloudTower's vocabulary as such in a derived
/// text (`vm` -> `VM`), leaving `code spans` alone.
pub(super) fn acronyms(text: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        ("vm", "VM"),
        ("vms", "VMs"),
        ("cpu", "CPU"),
        ("cpus", "CPUs"),
        ("gpu", "GPU"),
        ("gpus", "GPUs"),
        ("vlan", "VLAN"),
        ("vlans", "VLANs"),
        ("vds", "VDS"),
        ("vdses", "VDSes"),
        ("nic", "NIC"),
        ("nics", "NICs"),
        ("ip", "IP"),
        ("ips", "IPs"),
        ("id", "ID"),
        ("ids", "IDs"),
        ("os", "OS"),
        ("iscsi", "iSCSI"),
        ("lun", "LUN"),
        ("luns", "LUNs"),
        ("ha", "HA"),
        ("uuid", "UUID"),
        ("bios", "BIOS"),
        ("elf", "ELF"),
        ("svt", "SVT"),
        ("qos", "QoS"),
        ("io", "IO"),
        ("iops", "IOPS"),
        ("usb", "USB"),
        ("pci", "PCI"),
        ("mac", "MAC"),
        ("dns", "DNS"),
        ("ntp", "NTP"),
        ("iso", "ISO"),
        ("ssh", "SSH"),
        ("mtu", "MTU"),
        ("nvmf", "NVMe-oF"),
        ("nfs", "NFS"),
        ("vgpu", "vGPU"),
    ];
    let mut out = String::new();
    let mut in_code = false;
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String, in_code: bool| {
        let lower = word.to_lowercase();
        let replaced = (!in_code)
            .then(|| WORDS.iter().find(|(w, _)| *w == lower))
            .flatten();
        match replaced {
            // A sentence's first word keeps its capital: `Vm` -> `VM` too.
            Some((_, a)) => out.push_str(a),
            None => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
            continue;
        }
        flush(&mut word, &mut out, in_code);
        if c == '`' {
            in_code = !in_code;
        }
        out.push(c);
    }
    flush(&mut word, &mut out, in_code);
    out
}

/// The unit CloudTower uses for a field named `field`, as ` (unit)`.
fn unit(field: &str) -> &'static str {
    if field.ends_with("_usage") {
        " (percent)"
    } else if field == "memory"
        || field == "size"
        || field.ends_with("_size")
        || field.ends_with("_memory")
        || field.ends_with("_bytes")
        || field == "capacity"
        || field.ends_with("_capacity")
    {
        " (bytes)"
    } else if field.ends_with("_at") || field.ends_with("_time") {
        " (an ISO 8601 date-time)"
    } else {
        ""
    }
}

/// `GetVmTemplates`, `vm_nics` or `entityAsyncStatus` as words: `Get vm
/// templates`, `Vm nics`, `Entity async status`.
pub(super) fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c == '_' || c == '-' {
            out.push(' ');
        } else if c.is_uppercase() && i > 0 && !out.ends_with(' ') {
            out.push(' ');
            out.extend(c.to_lowercase());
        } else if i == 0 {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A text as one sentence: capitalised, ending with a full stop.
pub(super) fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut out: String = text.chars().take(1).flat_map(char::to_uppercase).collect();
    out.push_str(&text.chars().skip(1).collect::<String>());
    if !out.ends_with('.') && !out.ends_with('?') && !out.ends_with(')') {
        out.push('.');
    }
    out
}

/// A description of an operation the official texts leave undescribed,
/// from its request and response shapes.
pub(super) fn derived_description(
    doc: &Value,
    request: Option<&str>,
    item: Option<&str>,
    is_list: bool,
    read: bool,
) -> String {
    let has = |field: &str| {
        request
            .and_then(|r| doc.pointer(&format!("/components/schemas/{r}/properties/{field}")))
            .is_some()
    };
    let item = item.unwrap_or("result");
    if read && is_list {
        let mut text = format!(
            "Returns the `{item}`s that match `where`, as a bare array. The body is required: send at least `{{}}`."
        );
        if has("first") {
            text.push_str(" Page with `first`/`skip` or the `after`/`before` id cursors");
            if has("orderBy") {
                text.push_str(" and sort on one column with `orderBy`");
            }
            text.push('.');
        }
        return text;
    }
    if read {
        return format!("Returns a `{item}`. The body is required: send at least `{{}}`.");
    }
    if let Some(inner) = item.strip_prefix("WithTask_") {
        let inner = inner.trim_end_matches('_');
        let scope = if has("where") {
            "every resource matched by `where`; the response holds one element per affected resource"
        } else {
            "the resources described by `data`; the response holds one element per resource"
        };
        return format!(
            "Applies to {scope}: the `{inner}` and the `task_id` of the task that carries the change out (null when there is nothing to wait for). Wait for it with `GetTasks`; read the resource again when it has finished."
        );
    }
    format!("Returns `{item}`.")
}

/// The description of a 200 response the official document leaves empty.
pub(super) fn response_description(item: Option<&str>, is_list: bool) -> String {
    match (item, is_list) {
        (Some(i), true) if i.starts_with("WithTask_") => {
            format!("One `{i}` per affected resource.")
        }
        (Some(i), true) => format!("The matching `{i}`s."),
        (Some(i), false) => format!("The `{i}`."),
        (None, _) => "The result.".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_descriptions_carry_units_and_filters() {
        let t = Texts::default();
        assert_eq!(
            field_description("Vm", "memory", &json!({}), &t),
            "Memory (bytes)."
        );
        assert_eq!(
            field_description("VmWhereInput", "memory_gt", &json!({}), &t),
            "Matches when `memory` is greater than the value (bytes)."
        );
        assert_eq!(
            field_description("Vm", "host_id", &json!({"type": "string"}), &t),
            "ID of the host."
        );
    }
}

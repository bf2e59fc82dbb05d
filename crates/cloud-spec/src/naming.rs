//! The names things in a spec get: the Rust identifiers progenitor and
//! typify generate (which the hand-written layers and tests must name the
//! same way) and the command-line names of `fleet`.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// The text progenitor and typify case-convert into an identifier: quotes
/// dropped, anything that cannot be in an identifier turned into a word
/// break.
pub fn identifier_words(name: &str) -> String {
    name.replace('\'', "")
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The method name progenitor generates for an `operationId` (its
/// `sanitize(.., Case::Snake)`), which is also what it reports to hooks:
/// `GetVms` → `get_vms`.
pub fn method_name(operation_id: &str) -> String {
    identifier_words(operation_id).to_snake_case()
}

/// The Rust type name typify gives a schema (its `sanitize(.., Pascal)`):
/// `WithTask_Vm` → `WithTaskVm`.
pub fn type_name(schema: &str) -> String {
    identifier_words(schema).to_upper_camel_case()
}

/// A constant named after an `operationId`: `GetVms` → `GET_VMS`.
pub fn constant_name(operation_id: &str) -> String {
    identifier_words(operation_id).to_shouty_snake_case()
}

/// Rust's keywords, strict and reserved (2024 edition).
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
    "where", "while", "abstract", "become", "box", "do", "final", "macro", "override", "priv",
    "try", "typeof", "unsized", "virtual", "yield", "gen",
];

/// The Rust field name typify gives a property: snake case, keywords
/// suffixed with `_` (`where` → `where_`, `vmNics` → `vm_nics`).
pub fn field_name(property: &str) -> String {
    let name = identifier_words(property).to_snake_case();
    if KEYWORDS.contains(&name.as_str()) {
        format!("{name}_")
    } else {
        name
    }
}

/// A command-line name: `listComputingSkus` → `list-computing-skus`,
/// `GetVMs` → `get-v-ms`, `HTMLParser` → `html-parser`, `region_id` →
/// `region-id`. A word starts at an upper-case letter after a lower-case
/// one or a digit, and at the last capital of an acronym.
pub fn kebab(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c == '_' || c == ' ' {
            out.push('-');
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('-');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.replace("--", "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_names_follow_progenitor_and_typify() {
        assert_eq!(method_name("GetVms"), "get_vms");
        assert_eq!(method_name("listComputingSkus"), "list_computing_skus");
        assert_eq!(method_name("get-vm's"), "get_vms");
        assert_eq!(type_name("WithTask_Vm"), "WithTaskVm");
        assert_eq!(type_name("vm-status"), "VmStatus");
        assert_eq!(constant_name("GetVmsConnection"), "GET_VMS_CONNECTION");
        assert_eq!(field_name("where"), "where_");
        assert_eq!(field_name("vmNics"), "vm_nics");
        assert_eq!(field_name("type"), "type_");
    }

    #[test]
    fn kebab_names() {
        assert_eq!(kebab("listComputingSkus"), "list-computing-skus");
        assert_eq!(kebab("GetVms"), "get-vms");
        assert_eq!(kebab("HTMLParser"), "html-parser");
        assert_eq!(kebab("region_id"), "region-id");
        assert_eq!(kebab("clusterName"), "cluster-name");
        assert_eq!(kebab("Gpu2Model"), "gpu2-model");
    }
}

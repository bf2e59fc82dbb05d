//! YAML scalars for the text edits `import` and `upstream --sync --write`
//! make to the hand-written specs: written plain where YAML reads them
//! back as the same string, in the file's style, and quoted otherwise.

/// A key or a short value (a name, an enum value, a `$ref` key): plain
/// when it is a word (`RUNNING`, `vm_nics`, `$ref`, `/get-vms`), quoted
/// when YAML would read it as something else (`'200'`, `'true'`,
/// `'#/components/schemas/Vm'`).
pub fn scalar(s: &str) -> String {
    let mut chars = s.chars();
    let plain = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '$' | '/'))
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'))
        && !is_keyword(s)
        && s.parse::<f64>().is_err();
    if plain { s.to_string() } else { quoted(s) }
}

/// Prose (a description) for block context: plain, as the file writes
/// descriptions, unless YAML would read it as something else.
pub fn prose(s: &str) -> String {
    let plain = s.trim() == s
        && s.chars()
            .next()
            .is_some_and(|c| !c.is_ascii_digit() && !"-?:,[]{}#&*!|>'\"%@`".contains(c))
        && !s.contains(": ")
        && !s.contains(" #")
        && !s.ends_with(':')
        && !s.chars().any(char::is_control)
        && !is_keyword(s);
    if plain { s.to_string() } else { quoted(s) }
}

/// A string in single quotes, or in JSON's double quotes when it holds a
/// line break or another control character (single quotes cannot).
pub fn quoted(s: &str) -> String {
    if s.chars().any(char::is_control) {
        serde_json::to_string(s).unwrap_or_else(|_| format!("'{}'", s.replace('\'', "''")))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// The words YAML 1.1 reads as booleans or null.
fn is_keyword(s: &str) -> bool {
    matches!(
        s.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off" | "y" | "n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_plain_only_where_they_read_back_the_same() {
        assert_eq!(scalar("RUNNING"), "RUNNING");
        assert_eq!(scalar("$ref"), "$ref");
        assert_eq!(scalar("/get-vms"), "/get-vms");
        assert_eq!(scalar("#/components/schemas/X"), "'#/components/schemas/X'");
        assert_eq!(scalar("true"), "'true'");
        assert_eq!(scalar("200"), "'200'");
        assert_eq!(scalar("it's: x"), "'it''s: x'");
        assert_eq!(prose("Name of the VM."), "Name of the VM.");
        assert_eq!(prose("Code: ResourceLocked"), "'Code: ResourceLocked'");
        assert_eq!(quoted("a\nb"), "\"a\\nb\"");
        // Moved from sync's tests, which checked the same functions.
        assert_eq!(scalar("zh-CN"), "zh-CN");
        assert_eq!(scalar("*"), "'*'");
        assert_eq!(scalar("1"), "'1'");
        assert_eq!(scalar("it's"), "'it''s'");
        assert_eq!(prose("Storage usage (bytes)"), "Storage usage (bytes)");
        assert_eq!(prose("Memory: in bytes"), "'Memory: in bytes'");
        assert_eq!(prose("`id` of the VM"), "'`id` of the VM'");
        assert_eq!(prose("100 ms"), "'100 ms'");
        assert_eq!(prose("No"), "'No'");
    }
}

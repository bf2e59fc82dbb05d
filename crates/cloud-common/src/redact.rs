//! What an error may keep of a response body: never a secret.
//!
//! An error keeps the raw body of a response it could not understand, for
//! diagnosis. Such a body can hold exactly what the spec marks secret (a
//! Neolink `sshPassword`, a CloudTower login `token`) and URLs with
//! credentials in their query (`…/lab?token=…`). Before it is kept, every
//! property the operation's spec marks secret is replaced by `[REDACTED]`
//! wherever it appears, whether or not the body matches the schema, and so
//! is the value of every credential-named query parameter in any string.
//! A body that is not JSON cannot be searched by property, so for an
//! operation that can carry secrets only its length is kept.

/// The placeholder for a removed secret, wherever one is hidden (errors,
/// `Debug` output, the fakes' records of requests).
pub const REDACTED: &str = "[REDACTED]";

/// Query parameters whose values are credentials.
const QUERY_CREDENTIALS: &[&str] = &[
    "token",
    "access_token",
    "api_token",
    "api_key",
    "apikey",
    "key",
    "password",
    "secret",
    "signature",
    "sig",
];

/// `raw` as an error may keep it; `secret_fields` are the JSON property
/// names the operation's spec marks secret, and `secret_response` says
/// whether its responses can carry one (then text that is not JSON is not
/// kept).
pub(crate) fn body(
    raw: &str,
    secret_fields: &[&str],
    secret_response: bool,
    content_type: Option<&str>,
) -> String {
    match serde_json::from_str::<serde_json::Value>(raw) {
        Ok(mut value) => {
            // Untouched bodies are kept verbatim (as the server formatted
            // them); only a body that held a secret is re-serialized.
            if scrub(&mut value, secret_fields) {
                value.to_string()
            } else {
                raw.to_string()
            }
        }
        Err(_) if secret_response => format!(
            "[{} bytes of {} that are not JSON; not kept, since this operation's bodies can carry secrets]",
            raw.len(),
            content_type.unwrap_or("unknown type")
        ),
        Err(_) => query_credentials(raw),
    }
}

/// Redacts `value` in place; whether anything was redacted.
fn scrub(value: &mut serde_json::Value, secret_fields: &[&str]) -> bool {
    redact_where(value, &|name, _| secret_fields.contains(&name))
}

/// Redacts `value` in place for printing: the value of every property
/// `secret` names (a `null` shows nothing, and is left alone), and
/// credentials in URL queries.
pub(crate) fn printable(value: &mut serde_json::Value, secret: &dyn Fn(&str) -> bool) {
    redact_where(value, &|name, v| !v.is_null() && secret(name));
}

/// Replaces the value of every property for which `secret(name, value)`
/// holds, at any depth, and every credential in a URL query of a string;
/// whether anything was replaced.
fn redact_where(
    value: &mut serde_json::Value,
    secret: &dyn Fn(&str, &serde_json::Value) -> bool,
) -> bool {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut changed = false;
            for (key, v) in map.iter_mut() {
                if secret(key, v) {
                    *v = Value::String(REDACTED.to_string());
                    changed = true;
                } else {
                    changed |= redact_where(v, secret);
                }
            }
            changed
        }
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, v| redact_where(v, secret) | changed),
        Value::String(s) => {
            let redacted = query_credentials(s);
            let changed = redacted != *s;
            *s = redacted;
            changed
        }
        _ => false,
    }
}

/// `text` with the value of every `name=value` query parameter named like
/// a credential replaced (`…?token=abc&x=1` becomes `…?token=[REDACTED]&x=1`).
///
/// ```
/// let shown = cloud_common::redact_query_credentials("https://lab/?token=abc&x=1");
/// assert_eq!(shown, "https://lab/?token=[REDACTED]&x=1");
/// ```
pub fn query_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('=') {
        let (before, after) = rest.split_at(at);
        let name_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |i| i + 1);
        let name = &before[name_start..];
        let in_query = before[..name_start].ends_with(['?', '&', ';']);
        out.push_str(before);
        out.push('=');
        let after = &after[1..];
        if in_query
            && QUERY_CREDENTIALS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
        {
            let end = after
                .find(['&', '#', '"', '\'', ' ', '\n', '<', '>'])
                .unwrap_or(after.len());
            out.push_str(REDACTED);
            rest = &after[end..];
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Whether a property name reads like a credential. Public keys, ids of
/// secrets and flags about them are not secrets: only the name's words
/// decide (`password`, `default_user_password`, `api_token`, `apiKey`,
/// `private_key`, `secret`), not words such as `token_id` or `has_password`.
/// The one rule for `cargo xtask lint`'s `[secret]` check and for what the
/// `fleet` CLI hides in the answers it prints.
///
/// ```
/// assert!(cloud_common::names_a_secret("default_user_password"));
/// assert!(!cloud_common::names_a_secret("token_id"));
/// ```
pub fn names_a_secret(name: &str) -> bool {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in name.chars() {
        if (c == '_' || c == '-' || c.is_uppercase()) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if c != '_' && c != '-' {
            current.extend(c.to_lowercase());
        }
    }
    if !current.is_empty() {
        words.push(current);
    }
    let Some(last) = words.last().map(String::as_str) else {
        return false;
    };
    let first = words.first().map(String::as_str).unwrap_or_default();
    let flag = matches!(first, "has" | "is" | "need" | "needs" | "use" | "with");
    let secret_word = matches!(
        last,
        "password" | "passwd" | "passphrase" | "secret" | "token"
    ) || (last == "key"
        && words.len() >= 2
        && matches!(
            words[words.len() - 2].as_str(),
            "api" | "private" | "secret" | "access"
        ))
        || matches!(last, "apikey" | "privatekey");
    secret_word && !flag
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_properties_are_redacted_at_any_depth() {
        let raw =
            r#"{"data":{"sshPassword":"hunter2","nested":[{"sshPassword":{"x":1}}]},"name":"ok"}"#;
        let kept = body(raw, &["sshPassword"], true, None);
        assert!(
            !kept.contains("hunter2") && !kept.contains("\"x\""),
            "{kept}"
        );
        assert!(kept.contains("\"name\":\"ok\""), "{kept}");
    }

    #[test]
    fn query_credentials_in_urls_are_redacted() {
        let raw = r#"{"Jupyterlab":"x","url":"https://lab.example/?token=abc123&tab=1"}"#;
        let kept = body(raw, &[], false, None);
        assert!(!kept.contains("abc123"), "{kept}");
        assert!(kept.contains("token=[REDACTED]&tab=1"), "{kept}");
        assert_eq!(
            query_credentials("see http://h/x?api_key=k1&password=p2#f and a=b"),
            "see http://h/x?api_key=[REDACTED]&password=[REDACTED]#f and a=b"
        );
    }

    #[test]
    fn printing_redacts_secret_and_credential_named_fields_only() {
        let mut v = serde_json::json!({"data": {"token": "t", "token_id": "id", "items": [
            {"password": "p", "has_password": true, "value": "v", "key": null},
            {"url": "https://h/x?api_token=abc&page=2"}
        ]}});
        printable(&mut v, &|name| {
            name == "value" || name == "key" || names_a_secret(name)
        });
        assert_eq!(v["data"]["token"], REDACTED);
        assert_eq!(v["data"]["token_id"], "id");
        assert_eq!(v["data"]["items"][0]["password"], REDACTED);
        assert_eq!(v["data"]["items"][0]["has_password"], true);
        assert_eq!(v["data"]["items"][0]["value"], REDACTED);
        // A null secret shows nothing, and stays null.
        assert_eq!(v["data"]["items"][0]["key"], serde_json::Value::Null);
        assert_eq!(
            v["data"]["items"][1]["url"],
            "https://h/x?api_token=[REDACTED]&page=2"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_dropped_where_secrets_can_be() {
        let kept = body(
            "<html>sshPassword: hunter2</html>",
            &["sshPassword"],
            true,
            Some("text/html"),
        );
        assert!(!kept.contains("hunter2"), "{kept}");
        assert!(kept.contains("33 bytes of text/html"), "{kept}");
        assert_eq!(
            body("<html>bad gateway</html>", &["api_key"], false, None),
            "<html>bad gateway</html>"
        );
    }
}

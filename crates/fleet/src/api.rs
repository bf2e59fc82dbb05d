//! Every operation of every spec as a subcommand (`fleet cloudtower
//! get-vms --body '{}'`), built at run time from the spec text embedded in
//! the binary: adding an operation to a spec adds its command, with its
//! summary and description as help.
//!
//! Requests go out with the provider's credentials, carried the way its
//! crate carries them; responses print as JSON (or YAML), with every
//! field that names a credential redacted.

use clap::{Arg, ArgAction, ArgMatches, Command};
use cloud_common::{ClientConfig, names_a_secret};
use fleet::mock::{FAKE_KEY, FAKE_TOKEN};
use serde_json::Value as Json;
use serde_yaml::Value;

use crate::config::Profile;
use crate::exit::{self, CliError};
use crate::output::{self, Format};

/// The specs, by command line provider name.
pub const SPECS: [(&str, &str); 4] = [
    (
        "tensordock-v2",
        include_str!("../../../specs/tensordock-v2.yaml"),
    ),
    (
        "tensordock-v0",
        include_str!("../../../specs/tensordock.yaml"),
    ),
    ("neolink", include_str!("../../../specs/neolink.yaml")),
    ("cloudtower", include_str!("../../../specs/cloudtower.yaml")),
];

/// Parameters `fleet` fills from the credentials, so they are not asked for.
const FILLED: [&str; 2] = ["api_key", "api_token"];

/// Global flags: a parameter of the same name gets a `param-` prefix.
const TAKEN: [&str; 6] = ["output", "fake", "profile", "verbose", "body", "help"];

struct Param {
    name: String,
    long: &'static str,
    location: String,
}

struct Operation {
    name: &'static str,
    operation_id: String,
    method: String,
    path: String,
    summary: Option<String>,
    description: Option<String>,
    params: Vec<Param>,
    required: Vec<bool>,
    param_help: Vec<Option<String>>,
    /// `Some(form)` when there is a request body.
    body: Option<bool>,
    body_required: bool,
}

/// clap without its `string` feature takes `&'static str`; a command line
/// builds its commands once, so leaking them is the simple way.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// `listComputingSkus` → `list-computing-skus`, `GetVMs` → `get-vms`,
/// `region_id` → `region-id`.
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

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_string())
}

/// A `$ref` to `#/components/...`, resolved; anything else as it is.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .try_fold(doc, |node, key| node.get(key))
            .unwrap_or(v),
        None => v,
    }
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut ops = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_mapping) else {
        return ops;
    };
    for (path, item) in paths {
        let Some(path) = path.as_str() else { continue };
        let shared: Vec<&Value> = item
            .get("parameters")
            .and_then(Value::as_sequence)
            .map(|s| s.iter().collect())
            .unwrap_or_default();
        for method in ["get", "put", "post", "delete", "patch"] {
            let Some(op) = item.get(method) else { continue };
            let Some(id) = text(op, "operationId") else {
                continue;
            };
            let own = op
                .get("parameters")
                .and_then(Value::as_sequence)
                .map(|s| s.iter().collect::<Vec<_>>())
                .unwrap_or_default();
            let (mut params, mut required, mut param_help) = (Vec::new(), Vec::new(), Vec::new());
            for p in shared.iter().chain(&own).map(|p| resolve(doc, p)) {
                let (Some(name), Some(location)) = (text(p, "name"), text(p, "in")) else {
                    continue;
                };
                if FILLED.contains(&name.as_str()) {
                    continue;
                }
                let mut long = kebab(&name);
                if TAKEN.contains(&long.as_str()) {
                    long = format!("param-{long}");
                }
                required.push(p.get("required").and_then(Value::as_bool) == Some(true));
                param_help.push(text(p, "description"));
                params.push(Param {
                    name,
                    long: leak(long),
                    location,
                });
            }
            let body = op.get("requestBody").map(|b| resolve(doc, b));
            ops.push(Operation {
                name: leak(kebab(&id)),
                operation_id: id,
                method: method.to_uppercase(),
                path: path.to_string(),
                summary: text(op, "summary"),
                description: text(op, "description"),
                params,
                required,
                param_help,
                body: body.map(|b| {
                    b.get("content")
                        .and_then(|c| c.get("application/x-www-form-urlencoded"))
                        .is_some()
                }),
                body_required: body
                    .and_then(|b| b.get("required"))
                    .and_then(Value::as_bool)
                    == Some(true),
            });
        }
    }
    ops
}

fn parse(key: &str) -> (Value, Vec<Operation>) {
    let spec = SPECS
        .iter()
        .find(|(k, _)| *k == key)
        .expect("a known provider")
        .1;
    let doc: Value = serde_yaml::from_str(spec).expect("the embedded spec parses (CI checks it)");
    let ops = operations(&doc);
    (doc, ops)
}

/// A provider's command without its operations: what `fleet --help`
/// needs, without parsing every spec on every run.
pub fn placeholder(key: &'static str) -> Command {
    Command::new(key)
        .about(format!(
            "Every operation of the {key} spec as a subcommand (`fleet {key} --help` lists them)"
        ))
        .allow_external_subcommands(true)
}

/// A provider's command with one subcommand per operation of its spec.
pub fn command(key: &'static str) -> Command {
    let (doc, ops) = parse(key);
    let title = doc
        .get("info")
        .and_then(|i| text(i, "title"))
        .unwrap_or_else(|| key.to_string());
    let mut cmd = Command::new(key)
        .about(format!(
            "Every operation of the {key} spec as a subcommand ({} operations)",
            ops.len()
        ))
        .long_about(leak(format!(
            "Every operation of \"{title}\" as a subcommand, generated from the spec embedded \
             in fleet. Responses print as JSON (or --output yaml); fields that name a credential \
             are redacted."
        )))
        .subcommand_required(true)
        .arg_required_else_help(true);
    for op in ops {
        let mut sub = Command::new(op.name).about(leak(
            op.summary
                .clone()
                .unwrap_or_else(|| format!("{} {}", op.method, op.path)),
        ));
        sub = sub.long_about(leak(format!(
            "{}\n\n{} {} (operationId {})",
            op.description
                .as_deref()
                .or(op.summary.as_deref())
                .unwrap_or(""),
            op.method,
            op.path,
            op.operation_id
        )));
        for (i, p) in op.params.iter().enumerate() {
            // The whole description on one line: clap wraps it.
            let help = op.param_help[i]
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            sub = sub.arg(
                Arg::new(p.long)
                    .long(p.long)
                    .value_name(leak(p.name.to_uppercase()))
                    .required(op.required[i])
                    .help(leak(format!("[{}] {help}", p.location))),
            );
        }
        if let Some(form) = op.body {
            sub = sub.arg(
                Arg::new("body")
                    .long("body")
                    .value_name("JSON")
                    .action(ArgAction::Set)
                    // v0's credentials are filled in, so its body may be empty.
                    .required(op.body_required && !form)
                    .help(if form {
                        "The form fields as a JSON object (api_key/api_token are added)"
                    } else {
                        "The request body as JSON"
                    }),
            );
        }
        cmd = cmd.subcommand(sub);
    }
    cmd
}

/// Percent-encodes one path segment.
fn segment(v: &str) -> String {
    v.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The property names a spec declares as credentials: `$ref` to its
/// `Secret` schema, or `format: password` (what the codegen makes a
/// `Secret`).
fn secret_properties(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Mapping(map) => {
            if let Some(Value::Mapping(props)) = map.get("properties") {
                for (name, schema) in props {
                    let by_ref = schema
                        .get("$ref")
                        .and_then(Value::as_str)
                        .is_some_and(|r| r.ends_with("/Secret"));
                    let by_format =
                        schema.get("format").and_then(Value::as_str) == Some("password");
                    if let (true, Some(name)) = (by_ref || by_format, name.as_str()) {
                        out.push(name.to_string());
                    }
                }
            }
            map.values().for_each(|v| secret_properties(v, out));
        }
        Value::Sequence(items) => items.iter().for_each(|v| secret_properties(v, out)),
        _ => {}
    }
}

/// Replaces every value under a key in `secret` or named like a credential
/// with `[REDACTED]`.
pub fn redact(v: &mut Json, secret: &[String]) {
    match v {
        Json::Object(map) => {
            for (k, v) in map.iter_mut() {
                if (names_a_secret(k) || secret.contains(k)) && !v.is_null() {
                    *v = Json::String("[REDACTED]".into());
                } else {
                    redact(v, secret);
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|v| redact(v, secret)),
        _ => {}
    }
}

/// How the request is authorised.
enum Auth {
    /// `Authorization: Bearer` (TensorDock v2), `bearer` (Neolink, plus
    /// its optional namespace header), or the raw token (CloudTower).
    Header(&'static str, String, Option<String>),
    /// TensorDock v0: fields in the form body, or the query of a GET.
    Fields(String, String),
}

/// Runs `fleet <provider> <operation> ...`.
pub async fn run(
    key: &'static str,
    matches: &ArgMatches,
    format: Format,
    fake: bool,
    profile: impl FnOnce() -> Result<Profile, CliError>,
) -> Result<(), CliError> {
    let (doc, ops) = parse(key);
    let mut secret = Vec::new();
    secret_properties(&doc, &mut secret);
    let (name, m) = matches
        .subcommand()
        .ok_or_else(|| CliError::usage(format!("name an operation: fleet {key} --help")))?;
    let op = ops
        .iter()
        .find(|o| o.name == name)
        .ok_or_else(|| CliError::usage(format!("{key} has no operation {name:?}")))?;

    // Kept alive until the answer is in.
    let mut _fake_server = None;
    let (base, auth) = if fake {
        let t = crate::targets::fake(key)?;
        let base = t.base_url.clone().expect("a fake has a base URL");
        _fake_server = Some(t);
        let auth = match key {
            "tensordock-v0" => Auth::Fields(FAKE_KEY.into(), FAKE_TOKEN.into()),
            "tensordock-v2" => Auth::Header("Bearer ", FAKE_TOKEN.into(), None),
            "neolink" => Auth::Header("bearer ", FAKE_TOKEN.into(), None),
            _ => Auth::Header("", "fake-token".into(), None),
        };
        (base, auth)
    } else {
        let p = profile()?;
        let server = |doc_key: &str| {
            let (doc, _) = parse(doc_key);
            doc.get("servers")
                .and_then(|s| s.get(0))
                .and_then(|s| text(s, "url"))
                .unwrap_or_default()
        };
        let missing = || {
            CliError::config(format!(
                "{key} is not configured: set its credentials (see `fleet --help`) or use --fake"
            ))
        };
        match key {
            "tensordock-v2" => {
                let c = p.tensordock_v2.ok_or_else(missing)?;
                (
                    server(key),
                    Auth::Header("Bearer ", c.token.expose().to_string(), None),
                )
            }
            "tensordock-v0" => {
                let c = p.tensordock_v0.ok_or_else(missing)?;
                (
                    server(key),
                    Auth::Fields(
                        c.api_key.expose().to_string(),
                        c.api_token.expose().to_string(),
                    ),
                )
            }
            "neolink" => {
                let c = p.neolink.ok_or_else(missing)?;
                (
                    server(key),
                    Auth::Header("bearer ", c.token.expose().to_string(), c.namespace),
                )
            }
            _ => {
                let c = p.cloudtower.ok_or_else(missing)?;
                (c.url, Auth::Header("", c.token.expose().to_string(), None))
            }
        }
    };

    let mut path = op.path.clone();
    let mut query: Vec<(String, String)> = Vec::new();
    let mut headers: Vec<(String, String)> = Vec::new();
    for p in &op.params {
        let Some(v) = m.get_one::<String>(p.long) else {
            continue;
        };
        match p.location.as_str() {
            "path" => path = path.replace(&format!("{{{}}}", p.name), &segment(v)),
            "query" => query.push((p.name.clone(), v.clone())),
            "header" => headers.push((p.name.clone(), v.clone())),
            _ => {}
        }
    }
    let body: Option<Json> = match m.try_get_one::<String>("body").ok().flatten() {
        Some(b) => Some(
            serde_json::from_str(b)
                .map_err(|e| CliError::usage(format!("--body is not JSON: {e}")))?,
        ),
        None => None,
    };

    let config = ClientConfig::new(base.clone());
    let client = config
        .http_client(
            key_provider(key),
            concat!("fleet/", env!("CARGO_PKG_VERSION")),
        )
        .map_err(CliError::from)?;
    let url = format!("{}{}", base.trim_end_matches('/'), path);
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("an HTTP method");
    let mut request = client.request(method, &url);
    match &auth {
        Auth::Header(prefix, token, namespace) => {
            request = request.header("authorization", format!("{prefix}{token}"));
            if let Some(ns) = namespace
                && !headers.iter().any(|(k, _)| k == "namespace")
            {
                request = request.header("namespace", ns);
            }
        }
        Auth::Fields(k, t) if op.body.is_none() => {
            query.push(("api_key".into(), k.clone()));
            query.push(("api_token".into(), t.clone()));
        }
        Auth::Fields(..) => {}
    }
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    if !query.is_empty() {
        request = request.query(&query);
    }
    match op.body {
        Some(true) => {
            let mut fields: Vec<(String, String)> = match body {
                Some(Json::Object(map)) => map
                    .into_iter()
                    .map(|(k, v)| match v {
                        Json::String(s) => (k, s),
                        other => (k, other.to_string()),
                    })
                    .collect(),
                None => Vec::new(),
                Some(_) => return Err(CliError::usage("--body of a form must be a JSON object")),
            };
            if let Auth::Fields(k, t) = &auth {
                fields.retain(|(name, _)| !FILLED.contains(&name.as_str()));
                fields.push(("api_key".into(), k.clone()));
                fields.push(("api_token".into(), t.clone()));
            }
            let encoded = serde_urlencoded::to_string(&fields)
                .map_err(|e| CliError::usage(format!("cannot encode the form: {e}")))?;
            request = request
                .header("content-type", "application/x-www-form-urlencoded")
                .body(encoded);
        }
        Some(false) => {
            let body = body.unwrap_or(Json::Object(Default::default()));
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&body).expect("JSON serialises"));
        }
        None => {}
    }

    tracing::info!(provider = key, operation = %op.operation_id, "sending");
    let response = request.send().await.map_err(|e| CliError {
        code: exit::API,
        // Without the URL: v0 puts credentials in the query.
        message: format!("{key} {}: {}", op.operation_id, e.without_url()),
    })?;
    let status = response.status();
    let text = response.text().await.map_err(|e| CliError {
        code: exit::API,
        message: format!("{key} {}: {}", op.operation_id, e.without_url()),
    })?;
    let mut value: Json = serde_json::from_str(&text).unwrap_or(Json::String(text));
    redact(&mut value, &secret);
    if !status.is_success() {
        return Err(CliError {
            code: if status.as_u16() == 404 {
                exit::NOT_FOUND
            } else {
                exit::API
            },
            message: format!(
                "{key} {} answered {status}: {}",
                op.operation_id,
                serde_json::to_string(&value).unwrap_or_default()
            ),
        });
    }
    let format = if format == Format::Table {
        Format::Json
    } else {
        format
    };
    print!("{}", output::document(&value, format));
    Ok(())
}

/// The name the provider's crate uses in errors and traces.
fn key_provider(key: &'static str) -> &'static str {
    match key {
        "tensordock-v2" | "tensordock-v0" => "tensordock",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_names() {
        assert_eq!(kebab("listComputingSkus"), "list-computing-skus");
        assert_eq!(kebab("GetVms"), "get-vms");
        assert_eq!(kebab("HTMLParser"), "html-parser");
        assert_eq!(kebab("region_id"), "region-id");
        assert_eq!(kebab("clusterName"), "cluster-name");
    }

    #[test]
    fn every_spec_has_operations_with_unique_names() {
        for (key, _) in SPECS {
            let (_, ops) = parse(key);
            assert!(ops.len() > 3, "{key}");
            let mut names: Vec<&str> = ops.iter().map(|o| o.name).collect();
            names.sort();
            let n = names.len();
            names.dedup();
            assert_eq!(names.len(), n, "{key}: duplicate command names");
            // Building the command runs clap's own checks in debug builds.
            command(key).debug_assert();
        }
    }

    #[test]
    fn redacts_credential_fields_only() {
        let mut v = serde_json::json!({"data": {"token": "t", "token_id": "id", "items": [{"password": "p", "has_password": true, "value": "v"}]}});
        redact(&mut v, &["value".to_string()]);
        assert_eq!(v["data"]["token"], "[REDACTED]");
        assert_eq!(v["data"]["token_id"], "id");
        assert_eq!(v["data"]["items"][0]["password"], "[REDACTED]");
        assert_eq!(v["data"]["items"][0]["has_password"], true);
        assert_eq!(v["data"]["items"][0]["value"], "[REDACTED]");
    }

    #[test]
    fn spec_secrets_are_found() {
        let (doc, _) = parse("tensordock-v2");
        let mut found = Vec::new();
        secret_properties(&doc, &mut found);
        assert!(found.contains(&"value".to_string()), "{found:?}");
    }
}

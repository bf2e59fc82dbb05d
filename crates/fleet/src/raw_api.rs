//! `fleet api <provider> <METHOD> <path>`: any request, for what the
//! spec commands do not cover (yet), sent the way every other is: through
//! the provider client's runtime ([`RawRequest`]), so it carries the
//! client's credentials, retries, rate limit and redaction.
//!
//! The path is relative to the provider's API base URL. When it matches an
//! operation of the provider's spec, the request names that operation (its
//! retry policy, its secret fields, its form body and credential query
//! fields); otherwise each segment is sent as a path parameter. Either way
//! every variable segment obeys the runtime's one rule: an empty segment,
//! `.` or `..` is refused before anything is sent. A paged read of the
//! spec takes `--paginate` and `--limit`, paged as its operation's command
//! pages it ([`crate::paginate`]).

use std::io::Read;

use cloud_common::RawRequest;
use serde_json::{Map, Value as Json};

use crate::exit::CliError;
use crate::paginate::{self, PageArgs, Paging};
use crate::render::View;
use crate::targets::Target;

/// `fleet api`'s arguments.
#[derive(clap::Args)]
pub struct ApiArgs {
    /// The provider: tensordock-v2, tensordock-v0, neolink or cloudtower.
    #[arg(value_parser = crate::provider)]
    pub provider: &'static str,
    /// The HTTP method: GET, POST, PUT, PATCH or DELETE.
    #[arg(value_parser = ["GET", "POST", "PUT", "PATCH", "DELETE", "get", "post", "put", "patch", "delete"])]
    method: String,
    /// The path under the API's base URL (`/get-vms`, `/instances/i-1`), optionally with `?name=value&...`.
    path: String,
    /// A string field KEY=VALUE (repeatable): in the query of a GET or DELETE (or with --body), else in a JSON body.
    #[arg(short = 'f', long = "raw-field", value_name = "KEY=VALUE")]
    raw_fields: Vec<String>,
    /// A typed field KEY=VALUE: numbers, true, false and null as JSON values, @FILE as the file's text (@- reads stdin).
    #[arg(short = 'F', long = "field", value_name = "KEY=VALUE")]
    fields: Vec<String>,
    /// The request body: JSON text, @FILE, or - (or @-) for stdin.
    #[arg(long, value_name = "JSON|@FILE|-")]
    body: Option<String>,
    /// A paged read of the spec (CloudTower's `first`/`after`) takes
    /// --paginate and --limit, as its operation's command does.
    #[command(flatten)]
    pages: PageArgs,
}

/// What the spec says of a request, when its path matches an operation.
pub struct Known {
    /// The path template (`/instances/{id}`).
    pub template: String,
    /// The values of its `{name}`s, from the path asked for.
    pub params: Vec<(String, String)>,
    pub operation_id: String,
    /// The body is a form (TensorDock v0).
    pub form: bool,
    /// The JSON body carries the client's credential fields.
    pub body_credentials: bool,
    /// Query parameters the client fills from its credentials.
    pub credential_query: Vec<String>,
    /// How the operation pages, if it does.
    pub paging: Option<Paging>,
}

/// Sends the request and prints the answer through `view`; with
/// `--paginate` or `--limit`, every page of a paged read
/// ([`crate::paginate`]).
pub async fn run(view: &View, target: &Target, args: ApiArgs) -> Result<(), CliError> {
    let method = args.method.to_uppercase();
    let (path, query) = match args.path.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (args.path.clone(), String::new()),
    };
    if !path.starts_with('/') {
        return Err(CliError::usage(format!(
            "the path {path:?} does not start with `/` (it is relative to the API's base URL)"
        )));
    }
    let known = crate::api::known(target.key, &method, &path);
    let mut query: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_string(), value.to_string())
        })
        .collect();

    let mut fields = Map::new();
    for f in &args.raw_fields {
        let (k, v) = split(f, "-f")?;
        fields.insert(k.to_string(), Json::String(v.to_string()));
    }
    for f in &args.fields {
        let (k, v) = split(f, "-F")?;
        fields.insert(k.to_string(), typed(v)?);
    }
    let body = args.body.as_deref().map(read_body).transpose()?;
    let in_query = body.is_some() || matches!(method.as_str(), "GET" | "DELETE");
    let body = if in_query {
        for (k, v) in fields {
            let text = match v {
                Json::String(s) => s,
                other => other.to_string(),
            };
            query.push((k, text));
        }
        body
    } else {
        Some(Json::Object(fields))
    };
    let pages = args.pages.asked();
    if pages.is_some() && known.as_ref().and_then(|k| k.paging).is_none() {
        return Err(CliError::usage(format!(
            "--paginate and --limit need a paged read: {method} {path} is not one \
             (only CloudTower's reads page, with first/after)"
        )));
    }
    // A request a page: the runtime's requests are built once each.
    let request = |body: Option<Json>| {
        let mut request = match &known {
            Some(k) => {
                let mut r = RawRequest::new(http_method(&method), k.template.clone())
                    .operation(k.operation_id.clone());
                for (name, value) in &k.params {
                    r = r.path_param(name.clone(), value.clone());
                }
                for name in &k.credential_query {
                    r = r.query_credential(name.clone());
                }
                r
            }
            None => segments(&method, &path),
        };
        for (name, value) in &query {
            request = request.query(name.clone(), value.clone());
        }
        match body {
            Some(body) if known.as_ref().is_some_and(|k| k.form) => request.form(body),
            Some(body) if known.as_ref().is_some_and(|k| k.body_credentials) => {
                request.json_with_credentials(body)
            }
            Some(body) => request.json(body),
            None => request,
        }
    };
    if let Some(flags) = pages {
        let mut sink = view.sink();
        let body = body.unwrap_or_else(|| Json::Object(Map::new()));
        paginate::run(
            target.raw.as_ref(),
            |b| request(Some(b)),
            body,
            &flags,
            &mut sink,
        )
        .await?;
        return sink.finish();
    }
    let answer = crate::api::send(target.raw.as_ref(), request(body)).await?;
    view.print(&answer)
}

fn http_method(method: &str) -> reqwest::Method {
    reqwest::Method::from_bytes(method.as_bytes()).expect("clap allows HTTP methods only")
}

/// A request for a path no operation of the spec matches: each segment a
/// path parameter, so the runtime checks (and encodes) every one.
fn segments(method: &str, path: &str) -> RawRequest {
    let parts: Vec<&str> = path[1..].split('/').collect();
    let template: String = (1..=parts.len())
        .map(|i| format!("/{{segment {i}}}"))
        .collect();
    let mut request = RawRequest::new(http_method(method), template);
    for (i, part) in parts.iter().enumerate() {
        request = request.path_param(format!("segment {}", i + 1), *part);
    }
    request
}

fn split<'a>(field: &'a str, flag: &str) -> Result<(&'a str, &'a str), CliError> {
    field
        .split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| CliError::usage(format!("{flag} {field:?} is not KEY=VALUE")))
}

/// `-F`'s value: JSON numbers, booleans and null as such, `@file` as the
/// file's text, anything else a string.
fn typed(value: &str) -> Result<Json, CliError> {
    if let Some(file) = value.strip_prefix('@') {
        return read_text(file).map(Json::String);
    }
    match value {
        "true" => Ok(Json::Bool(true)),
        "false" => Ok(Json::Bool(false)),
        "null" => Ok(Json::Null),
        _ => Ok(value
            .parse::<i64>()
            .map(Json::from)
            .or_else(|_| value.parse::<f64>().map(Json::from))
            .unwrap_or_else(|_| Json::String(value.to_string()))),
    }
}

/// `--body`: JSON text, `@file`, or `-`/`@-` for stdin.
fn read_body(body: &str) -> Result<Json, CliError> {
    let text = match body {
        "-" => read_text("-")?,
        b if b.starts_with('@') => read_text(&b[1..])?,
        b => b.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| CliError::usage(format!("--body is not JSON: {e}")))
}

/// The text of `file`, or of stdin for `-`.
fn read_text(file: &str) -> Result<String, CliError> {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::File::open(file).and_then(|mut f| f.read_to_string(&mut text).map(drop))
    };
    read.map_err(|e| CliError::config(format!("cannot read {file:?}: {e}")))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_fields_are_json_values_or_strings() {
        assert_eq!(typed("3").unwrap(), Json::from(3));
        assert_eq!(typed("true").unwrap(), Json::Bool(true));
        assert_eq!(typed("web-01").unwrap(), Json::from("web-01"));
        assert!(split("=x", "-f").is_err());
        assert_eq!(split("a=b=c", "-f").unwrap(), ("a", "b=c"));
    }
}

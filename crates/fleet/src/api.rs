//! Every operation of every spec as a subcommand (`fleet cloudtower
//! get-vms --body '{}'`), built at run time from the spec text embedded in
//! the binary: adding an operation to a spec adds its command, with its
//! summary and description as help.
//!
//! Requests go out through the provider's own client
//! ([`cloud_common::RawRequest`]), so they carry its credentials, retries,
//! rate limit and path checks; answers print through [`View`] (any
//! `--output`, `--jq`, `--columns`), with every secret field redacted.
//! Paged reads take `--paginate`/`--limit` ([`crate::paginate`]);
//! operations that start CloudTower tasks take `--wait`.

use std::sync::OnceLock;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches, Command};
use cloud_common::{RawClient, RawRequest};
use cloud_spec::naming::kebab;
use cloud_spec::{Spec, media_example, properties, resolve_schema};
use serde_json::Value as Json;

use crate::config::Profile;
use crate::exit::CliError;
use crate::paginate::{self, Paging};
use crate::render::View;
use crate::waiting;

/// The specs build.rs embeds, by provider (JSON that `Spec::parse` reads
/// many times faster than the YAML). CloudTower's is not here: its fake
/// embeds it already ([`cloudtower_fake::spec`]), and one parse of its 554
/// operations serves both the commands and the fake.
const EMBEDDED: [(&str, &str); 3] = [
    (
        "tensordock-v2",
        include_str!(concat!(env!("OUT_DIR"), "/tensordock-v2.json")),
    ),
    (
        "tensordock-v0",
        include_str!(concat!(env!("OUT_DIR"), "/tensordock.json")),
    ),
    (
        "neolink",
        include_str!(concat!(env!("OUT_DIR"), "/neolink.json")),
    ),
];

/// Parameters the client fills from its credentials, so they are not
/// asked for.
const FILLED: [&str; 2] = ["api_key", "api_token"];

/// Global and added flags: a parameter of the same name gets a `param-`
/// prefix.
const TAKEN: [&str; 13] = [
    "output",
    "fake",
    "profile",
    "verbose",
    "body",
    "help",
    "columns",
    "jq",
    "paginate",
    "limit",
    "page-size",
    "wait",
    "timeout",
];

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
    /// The query parameters the client fills from its credentials.
    credential_query: Vec<String>,
    required: Vec<bool>,
    param_help: Vec<Option<String>>,
    /// `Some(form)` when there is a request body.
    body: Option<bool>,
    /// Its JSON body carries the client's credential fields
    /// (TensorDock v0's container operations).
    body_credentials: bool,
    body_required: bool,
    /// How it pages, if it does.
    paging: Option<Paging>,
    /// Whether its answer carries CloudTower `task_id`s.
    tasks: bool,
    /// The flags of its `--help` example: each required parameter and
    /// the body, with the spec's example values.
    example: Vec<String>,
}

/// Whether `op` answers items with a `task_id` (CloudTower's mutations:
/// `[{"data": .., "task_id": ..}]`).
fn returns_tasks(doc: &Json, op: &cloud_spec::Operation<'_>) -> bool {
    let Some(schema) = op
        .response_media(doc, "200", "application/json")
        .and_then(|m| m.get("schema"))
    else {
        return false;
    };
    let schema = resolve_schema(doc, schema);
    let item = match schema.get("items") {
        Some(items) => resolve_schema(doc, items),
        None => schema,
    };
    properties(item).is_some_and(|p| p.contains_key("task_id"))
}

/// clap without its `string` feature takes `&'static str`; a command line
/// builds its commands once, so leaking them is the simple way.
fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn text(v: &Json, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Json::as_str)
        .map(|s| s.trim().to_string())
}

/// The methods that get a command (the specs use no others).
const COMMAND_METHODS: [&str; 5] = ["get", "put", "post", "delete", "patch"];

/// The operations with an `operationId`, in the spec's order, as commands.
fn operations(spec: &Spec) -> Vec<Operation> {
    let doc = spec.document();
    let mut ops = Vec::new();
    for op in spec.operations() {
        let Some(id) = op.id().map(str::trim) else {
            continue;
        };
        if !COMMAND_METHODS.contains(&op.method) {
            continue;
        }
        // A `multipart/form-data` upload (CloudTower's, marked
        // `cloud_spec::HAND_WRITTEN_EXTENSION` in the spec): fleet sends
        // JSON and form bodies only, so it offers no command it could not
        // send.
        if op.hand_written().is_some() {
            continue;
        }
        let (mut params, mut required, mut param_help) = (Vec::new(), Vec::new(), Vec::new());
        let mut credential_query = Vec::new();
        let mut example = Vec::new();
        for p in op.parameters(doc) {
            let (Some(name), Some(location)) = (text(p, "name"), text(p, "in")) else {
                continue;
            };
            if FILLED.contains(&name.as_str()) {
                if location == "query" {
                    credential_query.push(name);
                }
                continue;
            }
            let mut long = kebab(&name);
            if TAKEN.contains(&long.as_str()) {
                long = format!("param-{long}");
            }
            let needed = p.get("required").and_then(Json::as_bool) == Some(true);
            if needed {
                let value = match media_example(doc, p) {
                    Some(Json::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => format!("<{}>", name.to_uppercase()),
                };
                example.push(format!("--{long} {}", crate::examples::quote(&value)));
            }
            required.push(needed);
            param_help.push(text(p, "description"));
            params.push(Param {
                name,
                long: leak(long),
                location,
            });
        }
        let body = op.request_body(doc);
        let body_example = cloud_spec::body_schema(body.unwrap_or(&Json::Null))
            .and_then(|(media, _)| op.request_media(doc, media))
            .and_then(|m| media_example(doc, m));
        if let Some(mut b) = body_example.cloned() {
            // The client adds its credential fields itself.
            if let Some(fields) = b.as_object_mut() {
                fields.retain(|k, _| !FILLED.contains(&k.as_str()));
            }
            if b.as_object().is_none_or(|o| !o.is_empty()) {
                example.push(format!("--body {}", crate::examples::quote(&b.to_string())));
            }
        }
        let body_credentials = cloud_spec::body_schema(body.unwrap_or(&Json::Null))
            .filter(|(media, _)| *media == "application/json")
            .and_then(|(_, schema)| properties(resolve_schema(doc, schema)))
            .is_some_and(|p| FILLED.iter().any(|f| p.contains_key(*f)));
        ops.push(Operation {
            name: leak(kebab(id)),
            operation_id: id.to_string(),
            method: op.method.to_uppercase(),
            path: op.path.to_string(),
            summary: op.text("summary").map(str::to_string),
            description: op.text("description").map(str::to_string),
            params,
            credential_query,
            required,
            param_help,
            body: body.map(|b| {
                b.get("content")
                    .and_then(|c| c.get("application/x-www-form-urlencoded"))
                    .is_some()
            }),
            body_credentials,
            body_required: body.and_then(|b| b.get("required")).and_then(Json::as_bool)
                == Some(true),
            paging: paginate::paging(doc, &op),
            tasks: returns_tasks(doc, &op),
            example,
        });
    }
    ops
}

/// The spec of `key` and its operations, parsed once per run (building
/// the command and running it both need them).
fn parse(key: &str) -> &'static (&'static Spec, Vec<Operation>) {
    static PARSED: [OnceLock<(&'static Spec, Vec<Operation>)>; 4] = [
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
        OnceLock::new(),
    ];
    let i = crate::targets::PROVIDERS
        .iter()
        .position(|k| *k == key)
        .expect("a known provider");
    PARSED[i].get_or_init(|| {
        let spec: &'static Spec = match EMBEDDED.iter().find(|(k, _)| *k == key) {
            Some((_, text)) => {
                let spec = Spec::parse(text).expect("the embedded spec parses (CI checks it)");
                // Parsed once per run and kept to its end.
                Box::leak(Box::new(spec))
            }
            None => cloudtower_fake::spec().expect("the embedded spec parses (CI checks it)"),
        };
        let ops = operations(spec);
        (spec, ops)
    })
}

/// The operation of `key`'s spec that `method` on `path` (a concrete
/// path, like `/instances/i-1`) is, for `fleet api`.
pub fn known(key: &str, method: &str, path: &str) -> Option<crate::raw_api::Known> {
    let (_, ops) = parse(key);
    let segments: Vec<&str> = path.split('/').collect();
    ops.iter().find_map(|op| {
        let template: Vec<&str> = op.path.split('/').collect();
        if op.method != method || template.len() != segments.len() {
            return None;
        }
        let mut params = Vec::new();
        for (t, s) in template.iter().zip(&segments) {
            match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
                Some(name) => params.push((name.to_string(), s.to_string())),
                None if t == s => {}
                None => return None,
            }
        }
        Some(crate::raw_api::Known {
            template: op.path.clone(),
            params,
            operation_id: op.operation_id.clone(),
            form: op.body == Some(true),
            body_credentials: op.body_credentials,
            credential_query: op.credential_query.clone(),
            paging: op.paging,
        })
    })
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
    let (spec, ops) = parse(key);
    let title = spec.title().unwrap_or(key).to_string();
    let mut cmd = Command::new(key)
        .about(format!(
            "Every operation of the {key} spec as a subcommand ({} operations)",
            ops.len()
        ))
        .long_about(leak(format!(
            "Every operation of \"{title}\" as a subcommand, generated from the spec embedded \
             in fleet. Answers print as --output json (the default here), yaml, ndjson or table, \
             through --jq; fields that name a credential are redacted. Paged reads take \
             --paginate and --limit; operations that start CloudTower tasks take --wait."
        )))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .after_help(crate::examples::provider(key));
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
        let mut example = op.example.clone();
        if let Some(form) = op.body {
            // v0's credentials are filled in, so its body may be empty;
            // `{}` asks a paged read for everything.
            let required = op.body_required && !form && op.paging.is_none();
            // A required body the spec's example leaves empty is still
            // given (`--body '{}'`), or the example would not run.
            if required && !example.iter().any(|a| a.starts_with("--body ")) {
                example.push("--body '{}'".to_string());
            }
            sub = sub.arg(
                Arg::new("body")
                    .long("body")
                    .value_name("JSON")
                    .action(ArgAction::Set)
                    .required(required)
                    .help(if form {
                        "The form fields as a JSON object (api_key/api_token are added)"
                    } else if op.paging.is_some() {
                        "The request body as JSON (default {}: every item)"
                    } else {
                        "The request body as JSON"
                    }),
            );
        }
        sub = sub.after_help(crate::examples::operation(
            key,
            op.name,
            &example,
            op.paging.is_some(),
        ));
        if op.paging.is_some() {
            sub = paginate::args(sub);
        }
        if op.tasks {
            sub = sub
                .arg(
                    Arg::new("wait")
                        .long("wait")
                        .action(ArgAction::SetTrue)
                        .help("Wait until the CloudTower tasks the operation starts have finished"),
                )
                .arg(
                    Arg::new("timeout")
                        .long("timeout")
                        .value_name("DURATION")
                        .value_parser(crate::duration)
                        .default_value("10m")
                        .requires("wait")
                        .help("Give up waiting after this long (e.g. 90s, 10m)"),
                );
        }
        cmd = cmd.subcommand(sub);
    }
    cmd
}

/// The request for `op` with the parameters of `m` and `body`.
fn request(op: &Operation, m: &ArgMatches, body: Option<Json>) -> RawRequest {
    let method = reqwest::Method::from_bytes(op.method.as_bytes()).expect("an HTTP method");
    let mut request = RawRequest::new(method, op.path.clone()).operation(op.operation_id.clone());
    for p in &op.params {
        let Some(v) = m.get_one::<String>(p.long) else {
            continue;
        };
        request = match p.location.as_str() {
            "path" => request.path_param(p.name.clone(), v.clone()),
            "query" => request.query(p.name.clone(), v.clone()),
            "header" => request.header(p.name.clone(), v.clone()),
            _ => request,
        };
    }
    for name in &op.credential_query {
        request = request.query_credential(name.clone());
    }
    let empty = || Json::Object(Default::default());
    match op.body {
        Some(true) => request.form(body.unwrap_or_else(empty)),
        Some(false) if op.body_credentials => {
            request.json_with_credentials(body.unwrap_or_else(empty))
        }
        Some(false) => request.json(body.unwrap_or_else(empty)),
        None => request,
    }
}

/// Sends `request` through `raw`'s runtime; the answer redacted.
pub async fn send(raw: &dyn RawClient, request: RawRequest) -> Result<Json, CliError> {
    let response = raw.send_raw(request).await.map_err(|e| {
        // The body (redacted by the runtime) says more than a bare status.
        let body = e.body().filter(|b| !b.is_empty()).map(str::to_string);
        let mut error = CliError::from(e);
        if let Some(body) = body {
            error.message = format!("{}\n{body}", error.message);
        }
        error
    })?;
    Ok(response.redacted())
}

/// Runs `fleet <provider> <operation> ...`: the operation as an untyped
/// request through the provider's client (see [`RawRequest`]).
pub async fn run(
    key: &'static str,
    matches: &ArgMatches,
    view: &View,
    fake: bool,
    profile: impl FnOnce() -> Result<Profile, CliError>,
) -> Result<(), CliError> {
    let (_, ops) = parse(key);
    let (name, m) = matches
        .subcommand()
        .ok_or_else(|| CliError::usage(format!("name an operation: fleet {key} --help")))?;
    let op = ops
        .iter()
        .find(|o| o.name == name)
        .ok_or_else(|| CliError::usage(format!("{key} has no operation {name:?}")))?;
    let body: Option<Json> = match m.try_get_one::<String>("body").ok().flatten() {
        Some(b) => Some(
            serde_json::from_str(b)
                .map_err(|e| CliError::usage(format!("--body is not JSON: {e}")))?,
        ),
        None => None,
    };

    // The fake, if any, lives as long as the target.
    let target = if fake {
        crate::targets::fake(key)?
    } else {
        crate::targets::real(key, &profile()?)?.ok_or_else(|| {
            CliError::config(format!(
                "{key} is not configured: set its credentials (see `fleet --help`) or use --fake"
            ))
        })?
    };
    let pages = op.paging.and_then(|_| paginate::PageArgs::of(m));
    if let Some(flags) = pages {
        let mut sink = view.sink();
        let body = body.unwrap_or_else(|| Json::Object(Default::default()));
        let build = |body| request(op, m, Some(body));
        paginate::run(target.raw.as_ref(), build, body, &flags, &mut sink).await?;
        return sink.finish();
    }
    let answer = send(target.raw.as_ref(), request(op, m, body)).await?;
    if op.tasks && m.get_flag("wait") {
        let ids = waiting::task_ids(&answer);
        let ct = target
            .cloudtower
            .as_ref()
            .ok_or_else(|| CliError::config("only CloudTower operations start tasks"))?;
        let timeout = *m.get_one::<Duration>("timeout").expect("has a default");
        let every = waiting::interval(&target, None);
        waiting::tasks(ct, &ids, timeout, every).await?;
    }
    view.print(&answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_has_operations_with_unique_names() {
        for key in crate::targets::PROVIDERS {
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
}

#![doc = include_str!("../README.md")]
//! One code-generation path from an OpenAPI document to a compiled client.
//!
//! Every provider crate's `build.rs` calls [`build_script`], and the xtask
//! calls [`generate`]; both go through [`settings`], so what the build
//! compiles and what `cargo xtask regen` writes can never drift apart.
//!
//! ```no_run
//! // build.rs of a provider crate
//! cloud_codegen::build_script("spec/tensordock.yaml", "tensordock_v0", "crate::v0");
//! ```

use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use openapiv3::{OpenAPI, ReferenceOr};
use progenitor_impl::{
    GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl,
};
use quote::quote;

mod builders;
mod conventions;
pub mod features;
mod inline;
mod json_bodies;
pub mod lint;
mod mock_sequencing;
pub mod non_exhaustive;
mod objects;
mod one_of;
pub mod open_enum;
pub mod parts;
mod setters;
mod since;
mod tables;

/// The OpenAPI extension that marks an operation as safe to repeat after a
/// transient failure. Decided per operation because some APIs (CloudTower)
/// read with POST and others (TensorDock v0) deploy with POST.
pub const SAFE_TO_RETRY_EXTENSION: &str = "x-safe-to-retry";

/// The extension that keeps an operation away from progenitor (see
/// [`cloud_spec::HAND_WRITTEN_EXTENSION`]).
pub use cloud_spec::HAND_WRITTEN_EXTENSION;

/// The schema name that every spec uses for credentials and secrets in
/// responses; it is generated as `::cloud_common::Secret`, which redacts.
pub use cloud_spec::secret::SECRET_SCHEMA;

/// The generated source of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The client: `types`, `Client`, and the operation constants, as one
    /// text (what [`Self::client_files`] amount to; for reading and
    /// diffing).
    pub client: String,
    /// The client as the files that are compiled: `client.rs` first, then
    /// its parts, `client/<module>-<tag>.rs` (see [`parts`]; none for a
    /// spec without tag features). Paths are relative to the folder of
    /// `client.rs`.
    pub client_files: Vec<(String, String)>,
    /// progenitor's typed httpmock helpers for the same spec.
    pub httpmock: String,
}

/// One thing wrong with a spec, tied to an operation where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// `operationId (METHOD /path)`, or `None` for document-level problems.
    pub operation: Option<String>,
    /// What is wrong, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.operation {
            Some(op) => write!(f, "operation {op}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Why a spec could not be turned into a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodegenError {
    /// The spec file.
    pub spec: PathBuf,
    /// Everything found wrong; never empty.
    pub problems: Vec<Problem>,
}

impl fmt::Display for CodegenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "cannot generate a client from {}:", self.spec.display())?;
        for p in &self.problems {
            writeln!(f, "  - {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CodegenError {}

impl CodegenError {
    fn one(spec: &Path, operation: Option<String>, message: impl Into<String>) -> Self {
        Self {
            spec: spec.to_path_buf(),
            problems: vec![Problem {
                operation,
                message: message.into(),
            }],
        }
    }
}

/// The generation settings every provider shares.
///
/// - builder-style operations (`client.get_vm().body_map(..).send()`), which
///   stay source compatible when a spec gains optional parameters;
/// - the generated `Client` carries a `::cloud_common::Runtime` and *must*
///   implement `ClientHooks` for it, so retries, timeouts and tracing run for
///   every request;
/// - the `Secret` schema becomes `::cloud_common::Secret`;
/// - every named string enum becomes an open enum (see [`open_enum`]),
///   which is why the generated file must be included as
///   `<crate_path>::generated`.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::new();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_inner_type(quote!(::cloud_common::Runtime))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq")
        .with_replacement(
            SECRET_SCHEMA,
            "::cloud_common::Secret",
            [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
        );
    settings
}

/// Reads and parses a spec (YAML or JSON).
pub fn load(spec: &Path) -> Result<OpenAPI, CodegenError> {
    let text = std::fs::read_to_string(spec)
        .map_err(|e| CodegenError::one(spec, None, format!("cannot read the file: {e}")))?;
    cloud_spec::parse_typed(&text).map_err(|e| CodegenError::one(spec, None, e.to_string()))
}

/// Generates the client and httpmock helpers for the spec at `spec`.
///
/// `crate_path` is the Rust path under which the generated client is
/// reachable from the httpmock helpers (e.g. `tensordock_api::v0`).
///
/// Problems that progenitor would panic on are reported first, by
/// [`lint::progenitor_blockers`]; anything progenitor still rejects is
/// pinned to the operation that causes it.
pub fn generate(spec: &Path, crate_path: &str) -> Result<Generated, CodegenError> {
    let mut api = load(spec)?;
    // "Available since CloudTower X." in the docs of every method whose
    // operation records its first release.
    since::annotate(&mut api);
    skip_hand_written(&mut api);
    let blockers = lint::progenitor_blockers(&api);
    if !blockers.is_empty() {
        return Err(CodegenError {
            spec: spec.to_path_buf(),
            problems: blockers,
        });
    }
    match generate_api(&api, crate_path) {
        Ok(generated) => Ok(generated),
        Err(message) => Err(CodegenError {
            spec: spec.to_path_buf(),
            problems: blame_operations(&api, crate_path, message),
        }),
    }
}

/// Removes the operations marked [`HAND_WRITTEN_EXTENSION`] before
/// generation.
fn skip_hand_written(api: &mut OpenAPI) {
    let hand_written = |op: &Option<openapiv3::Operation>| {
        op.as_ref()
            .is_some_and(|op| op.extensions.contains_key(HAND_WRITTEN_EXTENSION))
    };
    for item in api.paths.paths.values_mut() {
        if let ReferenceOr::Item(item) = item {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ] {
                if hand_written(op) {
                    *op = None;
                }
            }
        }
    }
    api.paths.paths.retain(|_, item| match item {
        ReferenceOr::Item(item) => item.iter().next().is_some(),
        ReferenceOr::Reference { .. } => true,
    });
}

fn generate_api(api: &OpenAPI, crate_path: &str) -> Result<Generated, String> {
    quietly(|| {
        let enums = open_enum::find(api);
        let mut settings = settings();
        for e in &enums {
            // Absolute path: the replacement is named from `types`, `builder`
            // and the client alike. By convention the generated file is
            // included as `<crate_path>::generated`.
            let path = format!("{crate_path}::generated::open_enums::{}", e.name);
            settings.with_replacement(
                &e.name,
                path,
                [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
            );
        }
        let mut generator = Generator::new(&settings);
        let client = generator.generate_tokens(api).map_err(|e| e.to_string())?;
        let httpmock = generator
            .httpmock(api, crate_path)
            .map_err(|e| e.to_string())?;
        let constants = operation_constants(api);
        let open_enums = open_enum::tokens(&enums);
        let mut client = parse(guard_path_segments(client))?;
        builders::prune(&mut client);
        builders::skip_boxed_none(&mut client);
        let enum_names: Vec<String> = enums.iter().map(|e| e.name.clone()).collect();
        let gates = features::Gates::compute(api, &client, &enum_names)?;
        let tables = tables::tokens(api, &client, &gates);
        let since = since::tokens(api);
        let setters = setters::rewrite(&mut client);
        // The added items are parsed on their own and appended: parsing
        // the client again with them (it is most of the text) cost as much
        // as its first parse.
        for extra in [constants, open_enums, tables, since, setters] {
            client.items.extend(parse(extra)?.items);
        }
        let mut client = non_exhaustive::mark(with_open_enums_in_types(client));
        json_bodies::gate(&mut client);
        objects::only_from_objects(&mut client);
        one_of::explain_failures(&mut client);
        inline::mark(&mut client.items);
        gates.apply(&mut client);
        let tags = features::TagFeatures::of(api)?
            .map(|t| t.features())
            .unwrap_or_default();
        let split = parts::split(&mut client, &tags);
        let mut mocks = parse(httpmock)?;
        mock_sequencing::add(&mut mocks);
        inline::mark(&mut mocks.items);
        gates.apply_mocks(&mut mocks);
        let mut client_files = vec![("client.rs".to_string(), format_file(client))];
        for part in split {
            let mut file: syn::File = syn::parse_quote!();
            file.items = part.items;
            let text = format_file(file);
            client_files.push((part.path, text));
        }
        let client = parts::inline(&client_files[0].1, |path| {
            client_files
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, t)| t.clone())
        });
        Ok(Generated {
            client,
            client_files,
            httpmock: format_file(mocks),
        })
    })
}

/// Runs `f`, turning a panic into an error and keeping the panic message off
/// stderr: a build that fails should print one readable message, not a
/// backtrace from inside the generator.
///
/// The process-wide panic hook is never swapped back and forth (that races
/// when generations run on several threads, e.g. in tests): it is replaced
/// once, by a hook that stays silent on threads inside `quietly` and calls
/// the previous hook everywhere else.
fn quietly<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    thread_local! {
        static QUIET: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if QUIET.with(|q| q.get()) == 0 {
                previous(info);
            }
        }));
    });
    /// Leaves quiet mode on drop, also when `f` unwinds.
    struct Quiet;
    impl Drop for Quiet {
        fn drop(&mut self) {
            QUIET.with(|q| q.set(q.get() - 1));
        }
    }
    QUIET.with(|q| q.set(q.get() + 1));
    let guard = Quiet;
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    drop(guard);
    match result {
        Ok(r) => r,
        Err(payload) => Err(payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "the generator panicked".to_string())),
    }
}

/// Finds which operations make progenitor fail by generating each one alone.
/// Only runs on the failure path, so its cost does not matter.
fn blame_operations(api: &OpenAPI, crate_path: &str, overall: String) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (path, method, op) in lint::operations(api) {
        let mut single = api.clone();
        single.paths.paths.retain(|p, _| p == path);
        if let Some(ReferenceOr::Item(item)) = single.paths.paths.get_mut(path) {
            for m in lint::METHODS {
                if *m != method {
                    lint::set_operation(item, m, None);
                }
            }
        }
        if let Err(message) = generate_api(&single, crate_path) {
            problems.push(Problem {
                operation: Some(lint::describe(op, method, path)),
                message: format!("progenitor cannot generate it: {message}"),
            });
        }
    }
    if problems.is_empty() {
        problems.push(Problem {
            operation: None,
            message: format!("progenitor cannot generate the client: {overall}"),
        });
    }
    problems
}

/// `OPERATIONS`: every operation's generated method name (what progenitor
/// reports to the hooks), its `operationId`, and whether the spec marks it
/// `x-safe-to-retry`, so the retry policy is decided where the API is
/// described.
fn operation_constants(api: &OpenAPI) -> proc_macro2::TokenStream {
    let doc = serde_json::to_value(api).unwrap_or_default();
    let entries = lint::operations(api)
        .into_iter()
        .filter_map(|(path, method, op)| {
            let id = op.operation_id.clone()?;
            let rust = method_name(&id);
            let safe =
                op.extensions.get(SAFE_TO_RETRY_EXTENSION) == Some(&serde_json::Value::Bool(true));
            let operation = &doc["paths"][path][method];
            let secrets = cloud_spec::secret::secret_fields(&doc, operation);
            let secret_response =
                !cloud_spec::secret::secret_fields(&doc, &operation["responses"]).is_empty();
            let object_response = success_is_object(&doc, operation);
            Some(quote! {
                ::cloud_common::OperationSpec {
                    method: #rust, operation_id: #id, safe_to_retry: #safe,
                    secret_fields: &[#(#secrets),*], secret_response: #secret_response,
                object_response: #object_response,
                }
            })
        });
    quote! {
        /// Every operation in the spec, in document order: the generated
        /// method name, the `operationId`, whether it is safe to retry, and
        /// the names of the secret properties its requests and responses can
        /// carry (redacted from any body an error keeps).
        pub const OPERATIONS: &[::cloud_common::OperationSpec] = &[#(#entries),*];
    }
}

/// Whether the operation's 2xx JSON answer is an object (a `$ref` or
/// inline `type: object`, or a `oneOf`/`anyOf`/`allOf` whose members all
/// are).
fn success_is_object(doc: &serde_json::Value, operation: &serde_json::Value) -> bool {
    use serde_json::Value;
    fn is_object(doc: &Value, schema: &Value, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        if schema.get("$ref").is_some() {
            let target = cloud_spec::ref_target(doc, schema).unwrap_or(&Value::Null);
            return is_object(doc, target, depth + 1);
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(list) = schema.get(key).and_then(Value::as_array) {
                return !list.is_empty() && list.iter().all(|s| is_object(doc, s, depth + 1));
            }
        }
        schema.get("type").and_then(Value::as_str) == Some("object")
            || (schema.get("type").is_none() && schema.get("properties").is_some())
    }
    let Some(responses) = operation["responses"].as_object() else {
        return false;
    };
    responses
        .iter()
        .find(|(code, _)| code.starts_with('2'))
        .and_then(|(_, r)| r["content"]["application/json"].get("schema"))
        .is_some_and(|s| is_object(doc, s, 0))
}

/// The method name progenitor generates for an `operationId`, which is
/// also what it reports to hooks (see [`cloud_spec::naming`]).
pub use cloud_spec::naming::method_name;

/// Replaces progenitor's `encode_path(&x.to_string())` in every request
/// with `::cloud_common::path_segment("x", &x.to_string())?`, which also
/// refuses `.`, `..` and empty values and encodes backslashes (see
/// `cloud_common::path_segment`), so no path parameter can leave its
/// segment.
fn guard_path_segments(tokens: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let mut out = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Ident(ref id) if id == "encode_path" => match iter.peek() {
                Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
                    let args = g.stream();
                    let name = args
                        .clone()
                        .into_iter()
                        .find_map(|t| match t {
                            TokenTree::Ident(i) => Some(i.to_string()),
                            _ => None,
                        })
                        .unwrap_or_default();
                    iter.next();
                    out.extend(quote!(::cloud_common::path_segment(#name, #args)?));
                }
                _ => out.push(tt),
            },
            TokenTree::Group(g) => {
                let mut inner = Group::new(g.delimiter(), guard_path_segments(g.stream()));
                inner.set_span(g.span());
                out.push(TokenTree::Group(inner));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn parse(tokens: proc_macro2::TokenStream) -> Result<syn::File, String> {
    syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))
}

/// Makes the open enums reachable as `types::Name` too, where users look
/// for every other schema type.
fn with_open_enums_in_types(mut file: syn::File) -> syn::File {
    for item in &mut file.items {
        if let syn::Item::Mod(m) = item
            && m.ident == "types"
            && let Some((_, items)) = &mut m.content
        {
            items.push(syn::parse_quote! {
                #[allow(unused_imports)]
                pub use super::open_enums::*;
            });
        }
    }
    file
}

fn format_file(file: syn::File) -> String {
    let mut out =
        String::from("// @generated by cloud-codegen from an OpenAPI spec. Do not edit.\n\n");
    out.push_str(&prettyplease::unparse(&file));
    out
}

/// What a provider's `build.rs` calls: generates `{name}.rs` and
/// `{name}_httpmock.rs` into `OUT_DIR` from `spec` (relative to the crate).
///
/// Emits `rerun-if-changed` for the spec only, so an unchanged spec never
/// regenerates. On failure it prints the problems and exits the build
/// script with status 1 instead of panicking.
pub fn build_script(spec: &str, name: &str, crate_path: &str) {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let spec_path = Path::new(&manifest_dir).join(spec);
    println!("cargo:rerun-if-changed={}", spec_path.display());
    match generate(&spec_path, crate_path) {
        Ok(generated) => {
            for (path, text) in &generated.client_files {
                let to = if path == "client.rs" {
                    out_dir.join(format!("{name}.rs"))
                } else {
                    out_dir.join(path)
                };
                write(&to, text);
            }
            write(
                &out_dir.join(format!("{name}_httpmock.rs")),
                &generated.httpmock,
            );
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}

fn write(path: &Path, contents: &str) {
    if let Some(folder) = path.parent()
        && let Err(e) = std::fs::create_dir_all(folder)
    {
        eprintln!("error: cannot create {}: {e}", folder.display());
        std::process::exit(1);
    }
    if let Err(e) = std::fs::write(path, contents) {
        eprintln!("error: cannot write {}: {e}", path.display());
        std::process::exit(1);
    }
}

//! What the hand-written layer of a provider derives from the generated
//! code, so that adding an operation to a spec needs nothing else:
//!
//! - `operation_ids::NAME`: the `operationId` of every operation, so no
//!   operation name is typed by hand;
//! - `impl ::cloud_common::Operation` for every request builder: its
//!   `operationId`, success type and error body, so a wrapper runs
//!   `self.call(request)` and the error names the right operation;
//! - `TryFrom<serde_json::Value>` for every JSON request body type, so a
//!   body written with `json!` is checked against the typed body before it
//!   is sent (with the including crate's feature `json-bodies`, see
//!   [`crate::json_bodies`]);
//! - `for_each_operation!`, `for_each_where_input!` and
//!   `for_each_list_operation!`: tables (macro callbacks) of operations
//!   and of structural conventions (where-inputs with `id`/`id_in`, lists
//!   paged with `first`/`after`), which a provider crate expands into its
//!   typed methods instead of keeping lists of names.
//!
//! Everything here is read from the spec or from progenitor's output; the
//! tables carry Rust type paths relative to the module that includes the
//! generated file (where `types` is in scope).

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::features::Gates;
use crate::lint;

/// One row of a table, with the `cfg` predicate it is compiled under.
type Row = (Option<TokenStream>, TokenStream);

/// The body of a table macro: `$callback! { rows }`, once per distinct
/// `cfg` (in order of first appearance), under that `#[cfg]`; a table
/// with nothing gated is one invocation.
fn invocations(rows: Vec<Row>) -> TokenStream {
    let mut groups: Vec<(Option<String>, Option<TokenStream>, Vec<TokenStream>)> = Vec::new();
    for (cfg, row) in rows {
        let key = cfg.as_ref().map(|c| c.to_string());
        match groups.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, _, rows)) => rows.push(row),
            None => groups.push((key, cfg, vec![row])),
        }
    }
    if groups.is_empty() {
        return quote! { $callback! {} };
    }
    groups
        .into_iter()
        .map(|(_, cfg, rows)| {
            let cfg = cfg.map(|c| quote!(#[cfg(#c)]));
            quote! { #cfg $callback! { #(#rows)* } }
        })
        .collect()
}

/// One operation as progenitor generated it.
pub(crate) struct GeneratedOperation {
    /// The builder struct in `builder` (e.g. `GetVms`).
    pub(crate) builder: syn::Ident,
    /// The success type of `send()`.
    ok: syn::Type,
    /// The error body type of `send()` (`()` when the spec has none).
    error: syn::Type,
    /// The JSON body type, if the operation takes one.
    body: Option<syn::Type>,
}

/// A builder's `send` types (success, error body) and `body` type.
type Signatures = (Option<(syn::Type, syn::Type)>, Option<syn::Type>);

/// Reads progenitor's `impl Client` (method name to builder) and
/// `mod builder` (each builder's `send` and `body` signatures).
pub(crate) fn generated_operations(file: &syn::File) -> BTreeMap<String, GeneratedOperation> {
    let mut builders_by_method = BTreeMap::new();
    let mut signatures: BTreeMap<String, Signatures> = BTreeMap::new();
    for item in &file.items {
        match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() && is_path(&imp.self_ty, "Client") => {
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it
                        && let syn::ReturnType::Type(_, ty) = &f.sig.output
                        && let Some(builder) = builder_of(ty)
                    {
                        builders_by_method.insert(f.sig.ident.to_string(), builder);
                    }
                }
            }
            syn::Item::Mod(m) if m.ident == "builder" => {
                for it in m.content.iter().flat_map(|(_, items)| items) {
                    let syn::Item::Impl(imp) = it else { continue };
                    if imp.trait_.is_some() {
                        continue;
                    }
                    let Some(name) = last_ident(&imp.self_ty) else {
                        continue;
                    };
                    let entry = signatures.entry(name).or_default();
                    for f in imp.items.iter().filter_map(|i| match i {
                        syn::ImplItem::Fn(f) => Some(f),
                        _ => None,
                    }) {
                        if f.sig.ident == "send" {
                            entry.0 = send_types(&f.sig.output);
                        } else if f.sig.ident == "body" {
                            entry.1 = body_type(&f.sig);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    builders_by_method
        .into_iter()
        .filter_map(|(method, builder)| {
            let (send, body) = signatures.remove(&builder.to_string())?;
            let (ok, error) = send?;
            Some((
                method,
                GeneratedOperation {
                    builder,
                    ok,
                    error,
                    body,
                },
            ))
        })
        .collect()
}

fn is_path(ty: &syn::Type, name: &str) -> bool {
    last_ident(ty).as_deref() == Some(name)
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// `builder::GetVms<'_>` to `GetVms`.
fn builder_of(ty: &syn::Type) -> Option<syn::Ident> {
    let syn::Type::Path(p) = ty else { return None };
    let segs: Vec<_> = p.path.segments.iter().collect();
    match segs.as_slice() {
        [module, name] if module.ident == "builder" => Some(name.ident.clone()),
        _ => None,
    }
}

/// The `T` and `E` of `Result<ResponseValue<T>, Error<E>>`.
fn send_types(output: &syn::ReturnType) -> Option<(syn::Type, syn::Type)> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let [ok, err] = generic_args(ty)?.try_into().ok()?;
    let [ok] = generic_args(&ok)?.try_into().ok()?;
    let [err] = generic_args(&err)?.try_into().ok()?;
    Some((ok, err))
}

fn generic_args(ty: &syn::Type) -> Option<Vec<syn::Type>> {
    let syn::Type::Path(p) = ty else { return None };
    let syn::PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
        return None;
    };
    Some(
        args.args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
    )
}

/// The `X` of `fn body<V>(..) where V: std::convert::TryInto<X>`.
fn body_type(sig: &syn::Signature) -> Option<syn::Type> {
    crate::setters::try_into_bound(sig, "V")
}

/// The operation's documentation for a wrapper: its summary and
/// description, as the spec words them.
fn operation_doc(op: &openapiv3::Operation, method: &str, path: &str) -> String {
    let mut doc = format!("`{} {path}`", method.to_uppercase());
    if let Some(summary) = op
        .summary
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        doc.push_str(": ");
        doc.push_str(summary);
    }
    if let Some(text) = op
        .description
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        doc.push_str("\n\n");
        doc.push_str(text);
    }
    doc
}

/// The tokens appended to the generated client (see the module docs).
pub(crate) fn tokens(api: &OpenAPI, file: &syn::File, gates: &Gates) -> TokenStream {
    let generated = generated_operations(file);
    let mut constants = Vec::new();
    let mut impls = Vec::new();
    let mut rows = Vec::new();
    let mut bodies = BTreeSet::new();
    let mut body_impls = Vec::new();
    for (path, method, op) in lint::operations(api) {
        let Some(id) = op.operation_id.as_deref() else {
            continue;
        };
        let method_name = cloud_spec::naming::method_name(id);
        let constant = format_ident!("{}", cloud_spec::naming::constant_name(id));
        let doc = format!("`{id}` ({} {path})", method.to_uppercase());
        constants.push(quote! { #[doc = #doc] pub const #constant: &str = #id; });
        let Some(g) = generated.get(&method_name) else {
            continue;
        };
        let (builder, ok, error) = (&g.builder, &g.ok, &g.error);
        impls.push(quote! {
            impl<'a> ::cloud_common::Operation for builder::#builder<'a> {
                type Ok = #ok;
                type ErrorBody = #error;
                const OPERATION_ID: &'static str = #id;
                fn send(self) -> impl ::std::future::Future<
                    Output = ::std::result::Result<
                        ::cloud_common::__private::ResponseValue<#ok>,
                        ::cloud_common::__private::ProgenitorError<#error>,
                    >,
                > + Send {
                    builder::#builder::send(self)
                }
            }
        });
        let method_ident = format_ident!("{}", method_name);
        let wrapper_doc = operation_doc(op, method, path);
        let body = g.body.iter();
        rows.push((
            gates.operation(&method_name),
            quote! { { method: #method_ident, id: #id, doc: #wrapper_doc, body: [#(#body)*], ok: #ok, } },
        ));
        // An array body (CloudTower's creates) is read item by item.
        let body_item = g
            .body
            .as_ref()
            .map(|b| vec_item(b).unwrap_or_else(|| b.clone()));
        if let Some(body) = &body_item
            && let Some(name) = single_type_name(body)
            && bodies.insert(name)
        {
            let feature = crate::json_bodies::FEATURE;
            body_impls.push(quote! {
                #[cfg(feature = #feature)]
                impl ::std::convert::TryFrom<::serde_json::Value> for #body {
                    type Error = ::serde_json::Error;
                    /// Reads the body from JSON, as the spec describes it
                    /// (unknown keys of closed objects included).
                    fn try_from(value: ::serde_json::Value) -> ::std::result::Result<Self, Self::Error> {
                        ::serde_json::from_value(value)
                    }
                }
            });
        }
    }
    let error_splits = error_in_200_splits(file);
    let rows = invocations(rows);
    let where_rows = invocations(where_inputs(api, gates));
    let list_rows = invocations(list_operations(api, gates));
    let where_ops = invocations(where_operations(api, gates));
    let task_rows = invocations(
        schemas(api)
            .filter_map(|(name, schema)| {
                let o = object(schema)?;
                let ty = type_ident(name);
                (is_string_property(o, "task_id") && o.properties.contains_key("data"))
                    .then(|| (gates.type_(&ty.to_string()), quote! { { ty: #ty, } }))
            })
            .collect(),
    );
    quote! {
        /// The `operationId` of every operation, named after it.
        pub mod operation_ids {
            #(#constants)*
        }

        #(#impls)*

        #(#body_impls)*

        #(#error_splits)*

        /// Calls `$callback!` with one `{ method, id, doc, body: [type?],
        /// ok }` row per operation of the spec, in document order.
        #[allow(unused_macros)]
        macro_rules! __for_each_operation {
            ($callback:ident) => { #rows };
        }
        #[allow(unused_imports)]
        pub(crate) use __for_each_operation as for_each_operation;

        /// Calls `$callback!` with one `{ ty, id: [..], name: [..] }` row
        /// per object schema with optional `id` + `id_in` (and `name` +
        /// `name_in`) string filters: a where-input.
        #[allow(unused_macros)]
        macro_rules! __for_each_where_input {
            ($callback:ident) => { #where_rows };
        }
        #[allow(unused_imports)]
        pub(crate) use __for_each_where_input as for_each_where_input;

        /// Calls `$callback!` with one `{ method, id, body, where_input, item }`
        /// row per read whose body has an optional `where`, `first` and
        /// `after` and whose answer is an array of objects with an `id`.
        #[allow(unused_macros)]
        macro_rules! __for_each_list_operation {
            ($callback:ident) => { #list_rows };
        }
        #[allow(unused_imports)]
        pub(crate) use __for_each_list_operation as for_each_list_operation;

        /// Calls `$callback!` with one `{ body, where_input, rest: [fields] }`
        /// row per request body whose only required property is `where`:
        /// the body can be built from its where-input alone.
        #[allow(unused_macros)]
        macro_rules! __for_each_where_body {
            ($callback:ident) => { #where_ops };
        }
        #[allow(unused_imports)]
        pub(crate) use __for_each_where_body as for_each_where_body;

        /// Calls `$callback!` with one `{ ty }` row per object schema with
        /// a string `task_id` and a `data`: what an asynchronous mutation
        /// answers (CloudTower's `WithTask_*`).
        #[allow(unused_macros)]
        macro_rules! __for_each_with_task {
            ($callback:ident) => { #task_rows };
        }
        #[allow(unused_imports)]
        pub(crate) use __for_each_with_task as for_each_with_task;
    }
}

/// `impl ::cloud_common::ErrorIn200` for every `oneOf [T, ErrorBody]`
/// (an untagged enum of two newtype variants, one of them `ErrorBody`):
/// the shape of an API that answers errors with HTTP 200.
fn error_in_200_splits(file: &syn::File) -> Vec<TokenStream> {
    let types = file.items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    types
        .into_iter()
        .flatten()
        .filter_map(|item| {
            let syn::Item::Enum(e) = item else {
                return None;
            };
            let newtypes: Vec<(&syn::Ident, &syn::Type)> = e
                .variants
                .iter()
                .filter_map(|v| match &v.fields {
                    syn::Fields::Unnamed(f) if f.unnamed.len() == 1 => {
                        Some((&v.ident, &f.unnamed[0].ty))
                    }
                    _ => None,
                })
                .collect();
            if newtypes.len() != 2 || e.variants.len() != 2 {
                return None;
            }
            let error = newtypes.iter().position(|(v, _)| *v == "ErrorBody")?;
            let (ok_variant, ok_ty) = newtypes[1 - error];
            let name = &e.ident;
            Some(quote! {
                impl ::cloud_common::ErrorIn200 for types::#name {
                    type Ok = types::#ok_ty;
                    type ErrorBody = types::ErrorBody;
                    fn split(self) -> ::std::result::Result<types::#ok_ty, types::ErrorBody> {
                        match self {
                            types::#name::#ok_variant(ok) => Ok(ok),
                            types::#name::ErrorBody(error) => Err(error),
                        }
                    }
                }
            })
        })
        .collect()
}

/// The `T` of `::std::vec::Vec<T>`.
fn vec_item(ty: &syn::Type) -> Option<syn::Type> {
    if last_ident(ty).as_deref() != Some("Vec") {
        return None;
    }
    let [item] = generic_args(ty)?.try_into().ok()?;
    Some(item)
}

/// `types::X` (a named generated type), as `X`.
fn single_type_name(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(p) = ty else { return None };
    let segs: Vec<_> = p.path.segments.iter().collect();
    match segs.as_slice() {
        [module, name] if module.ident == "types" && name.arguments.is_empty() => {
            Some(name.ident.to_string())
        }
        _ => None,
    }
}

fn schemas(api: &OpenAPI) -> impl Iterator<Item = (&String, &Schema)> {
    api.components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, s)| match s {
            ReferenceOr::Item(s) => Some((name, s)),
            ReferenceOr::Reference { .. } => None,
        })
}

fn object(schema: &Schema) -> Option<&openapiv3::ObjectType> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => Some(o),
        _ => None,
    }
}

fn schema_named<'a>(api: &'a OpenAPI, name: &str) -> Option<&'a Schema> {
    schemas(api).find(|(n, _)| *n == name).map(|(_, s)| s)
}

/// The component name a `$ref` points to.
fn ref_name<T>(r: &ReferenceOr<T>) -> Option<&str> {
    match r {
        ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/"),
        ReferenceOr::Item(_) => None,
    }
}

/// The component a property refers to, directly or as the one member of
/// an `allOf` (how OpenAPI 3.0 makes a `$ref` nullable).
fn property_ref<'a>(o: &'a openapiv3::ObjectType, name: &str) -> Option<&'a str> {
    match o.properties.get(name)? {
        ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/"),
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => ref_name(&all_of[0]),
            _ => None,
        },
    }
}

fn is_string_property(o: &openapiv3::ObjectType, name: &str) -> bool {
    matches!(o.properties.get(name), Some(ReferenceOr::Item(s))
        if matches!(s.schema_kind, SchemaKind::Type(Type::String(_))))
}

fn is_string_list_property(o: &openapiv3::ObjectType, name: &str) -> bool {
    let Some(ReferenceOr::Item(s)) = o.properties.get(name) else {
        return false;
    };
    let SchemaKind::Type(Type::Array(a)) = &s.schema_kind else {
        return false;
    };
    matches!(&a.items, Some(ReferenceOr::Item(i))
        if matches!(i.schema_kind, SchemaKind::Type(Type::String(_))))
}

fn type_ident(schema: &str) -> syn::Ident {
    format_ident!("{}", crate::open_enum::type_name(schema))
}

fn where_inputs(api: &OpenAPI, gates: &Gates) -> Vec<Row> {
    schemas(api)
        .filter_map(|(name, schema)| {
            let o = object(schema)?;
            if !o.required.is_empty() {
                return None;
            }
            let filter = |one: &str, many: &str| {
                is_string_property(o, one) && is_string_list_property(o, many)
            };
            let by_id = filter("id", "id_in");
            let by_name = filter("name", "name_in");
            if !by_id && !by_name {
                return None;
            }
            let ty = type_ident(name);
            let id = by_id.then(|| quote!(id)).into_iter();
            let named = by_name.then(|| quote!(name)).into_iter();
            Some((
                gates.type_(&ty.to_string()),
                quote! { { ty: #ty, id: [#(#id)*], name: [#(#named)*], } },
            ))
        })
        .collect()
}

/// The schema of an operation's JSON body and of its 200 answer's array
/// items, by component name.
fn body_and_items(op: &openapiv3::Operation) -> (Option<&str>, Option<&str>) {
    let body = op.request_body.as_ref().and_then(|b| match b {
        ReferenceOr::Item(b) => b
            .content
            .get("application/json")?
            .schema
            .as_ref()
            .and_then(ref_name),
        ReferenceOr::Reference { .. } => None,
    });
    let items = op
        .responses
        .responses
        .get(&openapiv3::StatusCode::Code(200))
        .and_then(|r| {
            let ReferenceOr::Item(r) = r else { return None };
            let schema = r.content.get("application/json")?.schema.as_ref()?;
            let ReferenceOr::Item(schema) = schema else {
                return None;
            };
            let SchemaKind::Type(Type::Array(a)) = &schema.schema_kind else {
                return None;
            };
            ref_name(a.items.as_ref()?)
        });
    (body, items)
}

fn list_operations(api: &OpenAPI, gates: &Gates) -> Vec<Row> {
    lint::operations(api)
        .into_iter()
        .filter_map(|(_, _, op)| {
            let id = op.operation_id.as_deref()?;
            let (Some(body), Some(item)) = body_and_items(op) else {
                return None;
            };
            let b = object(schema_named(api, body)?)?;
            let where_input = property_ref(b, "where")?;
            let paged = ["first", "after", "skip", "last", "before"]
                .iter()
                .all(|f| b.properties.contains_key(*f));
            if !paged || !b.required.is_empty() {
                return None;
            }
            let i = object(schema_named(api, item)?)?;
            if !(i.required.iter().any(|r| r == "id") && is_string_property(i, "id")) {
                return None;
            }
            let method_name = cloud_spec::naming::method_name(id);
            let method = format_ident!("{}", method_name);
            let (body, where_input, item) = (type_ident(body), type_ident(where_input), type_ident(item));
            Some((
                gates.operation(&method_name),
                quote! { { method: #method, id: #id, body: #body, where_input: #where_input, item: #item, } },
            ))
        })
        .collect()
}

/// Request bodies (named objects) whose one required property is a
/// `where` where-input: every other property is optional, so the body is
/// `{ where_, ..None }`.
fn where_operations(api: &OpenAPI, gates: &Gates) -> Vec<Row> {
    let mut seen = BTreeSet::new();
    lint::operations(api)
        .into_iter()
        .filter_map(|(_, _, op)| {
            let (Some(body), _) = body_and_items(op) else {
                return None;
            };
            if !seen.insert(body) {
                return None;
            }
            let b = object(schema_named(api, body)?)?;
            let where_input = property_ref(b, "where")?;
            let required_where = b.required.iter().any(|r| r == "where");
            let rest: Vec<_> = b
                .properties
                .keys()
                .filter(|k| k.as_str() != "where")
                .map(|k| field_ident(k))
                .collect();
            let (body, where_input) = (type_ident(body), type_ident(where_input));
            let required = if required_where { quote!(required) } else { quote!(optional) };
            (b.required.len() == usize::from(required_where)).then(|| {
                let row = quote! { { body: #body, where_input: #where_input, where_: #required, rest: [#(#rest),*], } };
                (gates.type_(&body.to_string()), row)
            })
        })
        .collect()
}

/// The Rust field name typify gives a property.
fn field_ident(property: &str) -> syn::Ident {
    format_ident!("{}", cloud_spec::naming::field_name(property))
}

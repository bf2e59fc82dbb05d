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
//! - `impl ::cloud_common::ErrorIn200` for every `oneOf [T, ErrorBody]`;
//! - `for_each_operation!`: the one table (a macro callback) left, with a
//!   `{ method, id, doc, body: [type?], ok }` row per operation.
//!
//! Everything a trait can say is a trait impl: the paging, lookups and
//! task answers of [`crate::conventions`], and `Operation` here. The
//! operation table stays a table because what it produces is *named* after
//! each operation: one inherent method per operation on the provider's
//! client (`CloudTower::get_vms`, with the operation's docs and a
//! signature chosen by the shape of its body), and one entry per operation
//! in the fake's drift guard (`operationId` to its response parser). A
//! trait gives generic code one name over many types; it cannot add a
//! method named `get_vms` to a type the generated code does not know (the
//! wrapper client is the provider crate's), nor enumerate its impls. Only
//! a table, expanded by the provider crate where the client type is, does
//! both with nothing written per operation.
//!
//! Everything here is read from the spec or from progenitor's output; the
//! table carries Rust type paths relative to the module that includes the
//! generated file (where `types` is in scope).

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::OpenAPI;
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
    let conventions = crate::conventions::tokens(api, &generated, gates);
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

        #conventions
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

//! Generated structs are read from JSON objects only.
//!
//! serde's derived `Deserialize` of a struct also reads a sequence, field
//! by field in declaration order. A JSON array where the spec says object
//! then parses: `[]` is a struct whose fields all have defaults (an empty
//! list, an empty statement), at the top of a response, inside a list, or
//! in a branch of a `oneOf`. So a body that is not the documented shape
//! would be an empty success, not a decode error.
//!
//! serde has no attribute that turns the sequence form off, so this pass
//! takes `Deserialize` out of each struct's `derive` and writes the impl
//! by hand: it derives the same `Deserialize`, with the same `serde`
//! attributes, on a private copy of the struct that names the real one as
//! its `remote` (so the derived code builds the real struct), and runs it
//! through `cloud_common::__private::ObjectOnly`, which hands the struct's
//! visitor to `deserialize_map`. The copy lives inside the impl's function,
//! so the struct gains no public method.
//!
//! Structs whose `Deserialize` is behind a feature (see
//! [`crate::json_bodies`]) get the impl behind the same feature. Tuple
//! structs and structs read through another type (`transparent`, `from`,
//! `try_from`) are left alone: none of them has a sequence form of its own.

use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Fields, Item};

/// Rewrites `Deserialize` of every struct with named fields in `file`'s
/// `types` module as described in the module docs.
pub(crate) fn only_from_objects(file: &mut syn::File) {
    let Some(types) = crate::non_exhaustive::module_items(&mut file.items, "types") else {
        return;
    };
    let mut out = Vec::with_capacity(types.len());
    for mut item in std::mem::take(types) {
        let extra = match &mut item {
            Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => rewrite(s),
            _ => None,
        };
        out.push(item);
        out.extend(extra);
    }
    *types = out;
}

/// How a type derived `Deserialize`.
pub(crate) enum Derived {
    /// Always.
    Always,
    /// Only with this cargo feature.
    WithFeature(syn::LitStr),
}

impl Derived {
    /// The `#[cfg]` the impl that replaces the derive needs, if any.
    pub(crate) fn cfg(&self) -> Option<proc_macro2::TokenStream> {
        match self {
            Derived::Always => None,
            Derived::WithFeature(feature) => Some(quote!(#[cfg(feature = #feature)])),
        }
    }
}

/// Takes `Deserialize` off `s` and returns the impl that replaces it, or
/// leaves `s` alone (`None`).
fn rewrite(s: &mut syn::ItemStruct) -> Option<Item> {
    let Fields::Named(named) = &s.fields else {
        return None;
    };
    let serde_attrs: Vec<syn::Attribute> = s
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .cloned()
        .collect();
    if has_serde_key(&serde_attrs, &["transparent", "from", "try_from", "remote"]) {
        return None;
    }
    let name = &s.ident;
    let name_str = name.to_string();
    // The copy is named apart from the real struct (the real one must stay
    // nameable as the `remote`); its errors still say "struct <Name>".
    let rename = (!has_serde_key(&serde_attrs, &["rename"])).then(|| quote!(rename = #name_str,));
    let fields = named.named.iter().map(|f| {
        let attrs = f.attrs.iter().filter_map(for_deserialize);
        let ident = &f.ident;
        let ty = &f.ty;
        quote!(#(#attrs)* #ident: #ty)
    });
    let remote = name_str.as_str();
    let derived = take_deserialize(&mut s.attrs)?;
    let cfg = derived.cfg();
    Some(syn::parse_quote! {
        #cfg
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                #[derive(::serde::Deserialize)]
                #[serde(#rename remote = #remote)]
                #(#serde_attrs)*
                #[allow(dead_code)]
                struct Object {
                    #(#fields),*
                }
                Object::deserialize(::cloud_common::__private::ObjectOnly(deserializer))
            }
        }
    })
}

/// Whether one of the `#[serde(...)]` attributes in `attrs` has one of
/// `keys` (`#[serde(untagged)]`, `#[serde(rename = "…")]`, …).
pub(crate) fn has_serde_key(attrs: &[syn::Attribute], keys: &[&str]) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
                .is_ok_and(|metas| {
                    metas
                        .iter()
                        .any(|m| keys.iter().any(|k| m.path().is_ident(k)))
                })
        })
}

/// A field's `serde` attribute without what only `Serialize` reads (the
/// copy is never serialized, and the generated file stays shorter), or
/// `None` for anything else and for nothing left.
fn for_deserialize(attr: &syn::Attribute) -> Option<syn::Attribute> {
    const SERIALIZE_ONLY: &[&str] = &["skip_serializing_if", "serialize_with", "skip_serializing"];
    if !attr.path().is_ident("serde") {
        return None;
    }
    let Ok(metas) = attr.parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
    else {
        return Some(attr.clone());
    };
    let kept: Vec<&syn::Meta> = metas
        .iter()
        .filter(|m| !SERIALIZE_ONLY.iter().any(|k| m.path().is_ident(k)))
        .collect();
    (!kept.is_empty()).then(|| syn::parse_quote!(#[serde(#(#kept),*)]))
}

/// Removes `Deserialize` from the `derive` (or the feature-gated
/// `cfg_attr(feature = "…", derive(Deserialize))`) in `attrs`.
pub(crate) fn take_deserialize(attrs: &mut Vec<syn::Attribute>) -> Option<Derived> {
    let is_deserialize =
        |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == "Deserialize");
    for i in 0..attrs.len() {
        if attrs[i].path().is_ident("derive") {
            let Ok(paths) =
                attrs[i].parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            else {
                continue;
            };
            if !paths.iter().any(is_deserialize) {
                continue;
            }
            let rest: Vec<&syn::Path> = paths.iter().filter(|p| !is_deserialize(p)).collect();
            if rest.is_empty() {
                attrs.remove(i);
            } else {
                attrs[i] = syn::parse_quote!(#[derive(#(#rest),*)]);
            }
            return Some(Derived::Always);
        }
        if attrs[i].path().is_ident("cfg_attr") {
            let Some(feature) = gated_deserialize(&attrs[i]) else {
                continue;
            };
            attrs.remove(i);
            return Some(Derived::WithFeature(feature));
        }
    }
    None
}

/// The feature of `#[cfg_attr(feature = "…", derive(Deserialize))]`, the
/// form [`crate::json_bodies`] writes.
fn gated_deserialize(attr: &syn::Attribute) -> Option<syn::LitStr> {
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let args = list
        .parse_args_with(Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut args = args.iter();
    let syn::Meta::NameValue(cfg) = args.next()? else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(feature),
        ..
    }) = &cfg.value
    else {
        return None;
    };
    let syn::Meta::List(derive) = args.next()? else {
        return None;
    };
    let derives_only_deserialize = cfg.path.is_ident("feature")
        && derive.path.is_ident("derive")
        && args.next().is_none()
        && derive
            .parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
            .is_ok_and(|paths| {
                paths.len() == 1
                    && paths[0]
                        .segments
                        .last()
                        .is_some_and(|s| s.ident == "Deserialize")
            });
    derives_only_deserialize.then(|| feature.clone())
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    fn rewritten(file: syn::File) -> String {
        let mut file = file;
        super::only_from_objects(&mut file);
        file.to_token_stream().to_string()
    }

    #[test]
    fn structs_read_through_a_private_copy_that_takes_objects_only() {
        let out = rewritten(syn::parse_quote! {
            pub mod types {
                /// Docs stay on the real struct.
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(deny_unknown_fields)]
                pub struct Listing {
                    /// A field.
                    #[serde(default, skip_serializing_if = "::std::vec::Vec::is_empty")]
                    pub items: ::std::vec::Vec<Item>,
                    pub id: ::std::string::String,
                }
            }
        });
        assert!(
            out.contains("# [derive (:: serde :: Serialize , Clone , Debug)] # [serde (deny_unknown_fields)] pub struct Listing"),
            "{out}"
        );
        assert!(
            out.contains("impl < 'de > :: serde :: Deserialize < 'de > for Listing"),
            "{out}"
        );
        assert!(
            out.contains("# [derive (:: serde :: Deserialize)] # [serde (rename = \"Listing\" , remote = \"Listing\")] # [serde (deny_unknown_fields)] # [allow (dead_code)] struct Object { # [serde (default)] items : :: std :: vec :: Vec < Item > , id : :: std :: string :: String }"),
            "{out}"
        );
        assert!(
            out.contains(
                "Object :: deserialize (:: cloud_common :: __private :: ObjectOnly (deserializer))"
            ),
            "{out}"
        );
        assert_eq!(
            out.matches("Docs stay").count(),
            1,
            "docs are not copied: {out}"
        );
    }

    #[test]
    fn a_gated_derive_gives_a_gated_impl() {
        let out = rewritten(syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Serialize, Clone)]
                #[cfg_attr(feature = "json-bodies", derive(::serde::Deserialize))]
                pub struct Body { pub name: ::std::string::String }
            }
        });
        assert!(!out.contains("cfg_attr"), "{out}");
        assert!(
            out.contains("# [cfg (feature = \"json-bodies\")] impl < 'de > :: serde :: Deserialize < 'de > for Body"),
            "{out}"
        );
    }

    #[test]
    fn tuple_structs_transparent_ones_and_enums_are_left_alone() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub struct Id(pub ::std::string::String);
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                #[serde(transparent)]
                pub struct Wrapped { pub inner: ::std::string::String }
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                #[serde(untagged)]
                pub enum Either { A(Id), B(Wrapped) }
                #[derive(::serde::Serialize)]
                pub struct WriteOnly { pub x: i64 }
            }
        };
        let before = file.to_token_stream().to_string();
        assert_eq!(rewritten(file), before);
    }
}

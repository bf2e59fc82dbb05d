//! A `oneOf` that matches no branch says why.
//!
//! typify writes a `oneOf` as a `#[serde(untagged)]` enum, whose derived
//! `Deserialize` answers a value that no branch reads with "data did not
//! match any variant of untagged enum X", throwing away each branch's
//! error. For a list response that is a `oneOf` of shapes (TensorDock v2's
//! `InstanceList`), one malformed entry then fails the whole answer with a
//! message that names neither the entry nor the problem.
//!
//! This pass takes `Deserialize` out of the `derive` of every untagged
//! enum whose variants all wrap one type (what typify writes for a
//! `oneOf`) and writes the impl through `cloud_common::__private::OneOf`:
//! the same branches in the same order, first match wins, and when none
//! matches the error lists each branch's failure with its path, e.g.
//! `InstancesArray: data[0]: invalid type: sequence, expected struct
//! InstanceListItem`. `Serialize` keeps serde's untagged derive.

use quote::quote;
use syn::{Fields, Item};

/// Rewrites `Deserialize` of the untagged enums in `file`'s `types` module
/// as described in the module docs.
pub(crate) fn explain_failures(file: &mut syn::File) {
    let Some(types) = crate::non_exhaustive::module_items(&mut file.items, "types") else {
        return;
    };
    let mut out = Vec::with_capacity(types.len());
    for mut item in std::mem::take(types) {
        let extra = match &mut item {
            Item::Enum(e) => rewrite(e),
            _ => None,
        };
        out.push(item);
        out.extend(extra);
    }
    *types = out;
}

/// Takes `Deserialize` off `e` and returns the impl that replaces it, or
/// leaves `e` alone (`None`) if it is not an untagged enum of one-type
/// variants.
fn rewrite(e: &mut syn::ItemEnum) -> Option<Item> {
    let untagged = crate::objects::has_serde_key(&e.attrs, &["untagged"]);
    let wraps_one_type = |v: &syn::Variant| {
        matches!(&v.fields, Fields::Unnamed(f) if f.unnamed.len() == 1)
            && !v.attrs.iter().any(|a| a.path().is_ident("serde"))
    };
    if !untagged || e.variants.is_empty() || !e.variants.iter().all(wraps_one_type) {
        return None;
    }
    let derived = crate::objects::take_deserialize(&mut e.attrs)?;
    let name = &e.ident;
    let one_of = name.to_string();
    let branches = e.variants.iter().map(|v| {
        let variant = &v.ident;
        let Fields::Unnamed(f) = &v.fields else {
            unreachable!("checked above");
        };
        let label = branch_label(variant, &f.unnamed[0].ty);
        quote! {
            if let ::std::option::Option::Some(v) = one_of.branch(#label, Self::#variant) {
                return ::std::result::Result::Ok(v);
            }
        }
    });
    let cfg = derived.cfg();
    Some(syn::parse_quote! {
        #cfg
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D>(deserializer: D) -> ::std::result::Result<Self, D::Error>
            where
                D: ::serde::Deserializer<'de>,
            {
                let mut one_of = ::cloud_common::__private::OneOf::read(deserializer)?;
                #(#branches)*
                ::std::result::Result::Err(one_of.no_branch(#one_of))
            }
        }
    })
}

/// How a branch is named in errors: the spec's schema name where the
/// branch is a schema (a generated type: one capitalised name), else the
/// variant's name (`Integer` for `i64`, `String` for `::std::string::String`).
fn branch_label(variant: &syn::Ident, ty: &syn::Type) -> String {
    match ty {
        syn::Type::Path(p)
            if p.qself.is_none()
                && p.path.leading_colon.is_none()
                && p.path.segments.len() == 1
                && p.path.segments[0].arguments.is_none()
                && p.path.segments[0]
                    .ident
                    .to_string()
                    .starts_with(|c: char| c.is_ascii_uppercase()) =>
        {
            p.path.segments[0].ident.to_string()
        }
        _ => variant.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    fn rewritten(file: syn::File) -> String {
        let mut file = file;
        super::explain_failures(&mut file);
        file.to_token_stream().to_string()
    }

    #[test]
    fn untagged_enums_read_through_one_of_in_branch_order() {
        let out = rewritten(syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(untagged)]
                pub enum Answer {
                    Keyed(InstancesKeyed),
                    Integer(i64),
                    Text(::std::string::String),
                }
            }
        });
        assert!(
            out.contains("# [derive (:: serde :: Serialize , Clone , Debug)] # [serde (untagged)] pub enum Answer"),
            "{out}"
        );
        let keyed = out
            .find("one_of . branch (\"InstancesKeyed\" , Self :: Keyed)")
            .expect(&out);
        let integer = out
            .find("one_of . branch (\"Integer\" , Self :: Integer)")
            .expect(&out);
        let text = out
            .find("one_of . branch (\"Text\" , Self :: Text)")
            .expect(&out);
        assert!(keyed < integer && integer < text, "{out}");
        assert!(
            out.contains("Err (one_of . no_branch (\"Answer\"))"),
            "{out}"
        );
    }

    #[test]
    fn other_enums_are_left_alone() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                pub enum Tagged { A(Thing), B(Other) }
                #[derive(::serde::Deserialize, ::serde::Serialize)]
                #[serde(untagged)]
                pub enum Mixed { A(Thing), B { x: i64 } }
                #[derive(::serde::Serialize)]
                #[serde(untagged)]
                pub enum WriteOnly { A(Thing) }
            }
        };
        let before = file.to_token_stream().to_string();
        assert_eq!(rewritten(file), before);
    }
}

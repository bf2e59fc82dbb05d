//! Struct builders only where a request is built.
//!
//! typify writes a builder (`types::builder::X`, with a `Result` per field,
//! a setter per field, `Default`, and conversions both ways) for every
//! struct. For a response model nobody builds, that is most of the
//! generated code: 60% of CloudTower's 3.4 MB at 76 operations. This pass
//! keeps the builders of the types a request body reaches (the bodies
//! themselves, their nested params, their where-inputs) and removes the
//! others with their `X::builder()` constructors. Response types are still
//! built in tests from JSON or with the `fake` feature's fixtures.

use quote::ToTokens;

use crate::non_exhaustive;

/// Removes the builders of the types no request body reaches (the
/// reachability `non_exhaustive` also uses: from the fields of the
/// operation builders, through the fields of `types`).
pub(crate) fn prune(file: &mut syn::File) {
    let Some((keep, _)) = non_exhaustive::reach(&file.items) else {
        return;
    };
    let Some(types) = non_exhaustive::module_items(&mut file.items, "types") else {
        return;
    };
    // `impl X { pub fn builder() -> builder::X }` of the pruned types.
    for item in types.iter_mut() {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
            && let Some(name) = last_ident(&imp.self_ty)
            && !keep.contains(&name)
        {
            imp.items
                .retain(|it| !matches!(it, syn::ImplItem::Fn(f) if f.sig.ident == "builder"));
        }
    }
    types.retain(|item| !matches!(item, syn::Item::Impl(imp) if imp.trait_.is_none() && imp.items.is_empty()));
    let Some(builder) = non_exhaustive::module_items(types, "builder") else {
        return;
    };
    builder.retain(|item| match item {
        syn::Item::Struct(s) => keep.contains(&s.ident.to_string()),
        syn::Item::Impl(imp) => builder_of_impl(imp).is_none_or(|name| keep.contains(&name)),
        _ => true,
    });
}

/// The builder an impl inside `types::builder` belongs to: its self type,
/// or, for `impl TryFrom<X> for super::X`, the trait's argument.
fn builder_of_impl(imp: &syn::ItemImpl) -> Option<String> {
    let syn::Type::Path(p) = &*imp.self_ty else {
        return None;
    };
    let starts_with_super = p.path.segments.first().is_some_and(|s| s.ident == "super");
    if !starts_with_super {
        return p.path.segments.last().map(|s| s.ident.to_string());
    }
    let (trait_path, _) = imp.trait_.as_ref()?;
    let last = trait_path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => last_ident(t),
        _ => None,
    })
}

fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// typify types an optional field on a cycle of types as
/// `Box<Option<T>>` with `#[serde(default)]` only, so `None` goes out as
/// `null`. In a CloudTower filter `"vm": null` is not "no filter" but "has
/// no VM"; every other optional field is left out when `None`. This pass
/// gives those fields the same `skip_serializing_if`.
pub(crate) fn skip_boxed_none(file: &mut syn::File) {
    let Some(types) = non_exhaustive::module_items(&mut file.items, "types") else {
        return;
    };
    for item in types.iter_mut() {
        let syn::Item::Struct(s) = item else {
            continue;
        };
        for field in s.fields.iter_mut() {
            let ty = field.ty.to_token_stream().to_string().replace(' ', "");
            if !ty.starts_with("::std::boxed::Box<::std::option::Option<") {
                continue;
            }
            let skips = field.attrs.iter().any(|a| {
                a.to_token_stream()
                    .to_string()
                    .contains("skip_serializing_if")
            });
            if !skips {
                field.attrs.push(syn::parse_quote!(
                    #[serde(skip_serializing_if = "::cloud_common::none_in_box")]
                ));
            }
        }
    }
}

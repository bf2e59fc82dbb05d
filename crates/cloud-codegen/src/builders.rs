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

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;

/// Removes the builders of the types no request body reaches.
pub(crate) fn prune(file: &mut syn::File) {
    let Some(types) = module_mut(&mut file.items, "types") else {
        return;
    };
    // What each type of `types` refers to, by name.
    let mut uses: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in types.iter() {
        match item {
            syn::Item::Struct(s) => {
                uses.insert(s.ident.to_string(), idents(&s.fields.to_token_stream()));
            }
            syn::Item::Enum(e) => {
                let mut all = BTreeSet::new();
                for v in &e.variants {
                    all.extend(idents(&v.fields.to_token_stream()));
                }
                uses.insert(e.ident.to_string(), all);
            }
            _ => {}
        }
    }
    // The roots: builders named outside `types`, and every type in the
    // fields of the operation builders (bodies, also arrays of them;
    // responses only appear in `send`'s signature).
    let mut roots = BTreeSet::new();
    for item in &file.items {
        match item {
            syn::Item::Mod(m) if m.ident == "types" => {}
            syn::Item::Mod(m) if m.ident == "builder" => {
                for inner in m.content.iter().flat_map(|(_, items)| items) {
                    if let syn::Item::Struct(s) = inner {
                        roots.extend(idents(&s.fields.to_token_stream()));
                    }
                }
                collect_builder_paths(&item.to_token_stream(), &mut roots);
            }
            _ => collect_builder_paths(&item.to_token_stream(), &mut roots),
        }
    }
    roots.retain(|r| uses.contains_key(r));
    let mut keep = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(name) = stack.pop() {
        if keep.insert(name.clone())
            && let Some(used) = uses.get(&name)
        {
            stack.extend(used.iter().filter(|u| uses.contains_key(*u)).cloned());
        }
    }
    let Some(types) = module_mut(&mut file.items, "types") else {
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
    let Some(builder) = module_mut(types, "builder") else {
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

/// Every identifier in `tokens`.
fn idents(tokens: &proc_macro2::TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for tt in tokens.clone() {
        match tt {
            proc_macro2::TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            proc_macro2::TokenTree::Group(g) => out.extend(idents(&g.stream())),
            _ => {}
        }
    }
    out
}

/// The `X` of every `builder :: X` path in `tokens`.
fn collect_builder_paths(tokens: &proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
    let flat: Vec<proc_macro2::TokenTree> = tokens.clone().into_iter().collect();
    for (i, tt) in flat.iter().enumerate() {
        match tt {
            proc_macro2::TokenTree::Group(g) => collect_builder_paths(&g.stream(), out),
            proc_macro2::TokenTree::Ident(id) if id == "builder" => {
                // `builder` `:` `:` `X`
                if let (
                    Some(proc_macro2::TokenTree::Punct(a)),
                    Some(proc_macro2::TokenTree::Punct(b)),
                    Some(proc_macro2::TokenTree::Ident(name)),
                ) = (flat.get(i + 1), flat.get(i + 2), flat.get(i + 3))
                    && a.as_char() == ':'
                    && b.as_char() == ':'
                {
                    out.insert(name.to_string());
                }
            }
            _ => {}
        }
    }
}

fn module_mut<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// typify types an optional field on a cycle of types as
/// `Box<Option<T>>` with `#[serde(default)]` only, so `None` goes out as
/// `null`. In a CloudTower filter `"vm": null` is not "no filter" but "has
/// no VM"; every other optional field is left out when `None`. This pass
/// gives those fields the same `skip_serializing_if`.
pub(crate) fn skip_boxed_none(file: &mut syn::File) {
    let Some(types) = module_mut(&mut file.items, "types") else {
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

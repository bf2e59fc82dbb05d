//! Builders that take what users have.
//!
//! typify's struct builders type an optional field's setter as
//! `T: TryInto<Option<X>>`, which rejects `&str` for an `Option<String>`
//! and a nested builder for an `Option<Nested>`. This pass rewrites those
//! setters to take `impl ::cloud_common::IntoOptional<X>` (the value, an
//! `Option` of it, `&str` for strings) and implements `IntoOptional<X>`
//! for every nested builder, so `.cluster_id("cl-1")` and
//! `.cpu(Cpu::builder().cores(2))` both work. A setter that took a value
//! before still takes it.
//!
//! A list field also gets `add_<field>(item)`, which appends one element
//! given as a value or its builder: `vec![Nic::builder()…]` cannot be
//! accepted by the list setter itself without making `vec![]` ambiguous.

use proc_macro2::TokenStream;
use quote::quote;

/// Rewrites the setters in `types::builder` and returns the extra impls
/// to add at the top level.
pub(crate) fn rewrite(file: &mut syn::File) -> TokenStream {
    let mut extra = Vec::new();
    let Some(types) = module_mut(&mut file.items, "types") else {
        return TokenStream::new();
    };
    let Some(builder) = module_mut(types, "builder") else {
        return TokenStream::new();
    };
    let methods = inherent_methods(builder);
    let mut adders = Vec::new();
    for item in builder.iter() {
        if let syn::Item::Struct(st) = item {
            let existing = methods
                .get(&st.ident)
                .map(Vec::as_slice)
                .unwrap_or_default();
            adders.extend(list_adders(st, existing));
        }
    }
    builder.extend(adders);
    for item in builder.iter_mut() {
        match item {
            syn::Item::Impl(imp) if imp.trait_.is_none() => {
                for it in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        rewrite_setter(f);
                    }
                }
            }
            syn::Item::Struct(s) => {
                let name = &s.ident;
                extra.push(quote! {
                    impl ::cloud_common::IntoOptional<types::#name> for types::builder::#name {
                        type Error = types::error::ConversionError;
                        fn into_optional(self) -> ::std::result::Result<::std::option::Option<types::#name>, Self::Error> {
                            ::std::convert::TryFrom::try_from(self).map(::std::option::Option::Some)
                        }
                    }
                });
            }
            _ => {}
        }
    }
    quote! { #(#extra)* }
}

/// The names of the inherent methods of every type of `module`, by the
/// type's name (one pass: looking them up per struct was quadratic in the
/// number of builders).
fn inherent_methods(module: &[syn::Item]) -> std::collections::HashMap<&syn::Ident, Vec<String>> {
    let mut out: std::collections::HashMap<&syn::Ident, Vec<String>> = Default::default();
    for item in module {
        if let syn::Item::Impl(imp) = item
            && imp.trait_.is_none()
            && let syn::Type::Path(p) = &*imp.self_ty
            && let Some(ident) = p.path.get_ident()
        {
            out.entry(ident)
                .or_default()
                .extend(imp.items.iter().filter_map(|f| match f {
                    syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                    _ => None,
                }));
        }
    }
    out
}

/// `impl Builder { pub fn add_<field>(..) }` for every field of `st`
/// (a typify builder) that holds a `Vec<X>` or `Option<Vec<X>>`, unless a
/// method of that name is among `existing` (its inherent methods).
fn list_adders(st: &syn::ItemStruct, existing: &[String]) -> Option<syn::Item> {
    let syn::Fields::Named(fields) = &st.fields else {
        return None;
    };
    let mut methods = Vec::new();
    for field in &fields.named {
        let Some(name) = &field.ident else { continue };
        // `Result<T, String>`: T is the field's type.
        let Some(inner) = last_generic(&field.ty, "Result") else {
            continue;
        };
        let (item, optional) = match last_generic(&inner, "Vec") {
            Some(item) => (item, false),
            None => match last_generic(&inner, "Option").and_then(|v| last_generic(&v, "Vec")) {
                Some(item) => (item, true),
                None => continue,
            },
        };
        // Only lists of generated structs: their elements are what a
        // builder gives (`add_vm_nics(VmNicParams::builder()..)`). A list
        // of strings, numbers or enums (`id_in`, `status_in`) takes a `Vec`
        // or an array in its setter as it is; an adder per such field was
        // a sixth of CloudTower's generated code.
        if !is_generated_struct(&item) {
            continue;
        }
        let adder = quote::format_ident!("add_{}", name.to_string().trim_end_matches('_'));
        if existing.iter().any(|m| adder == m) {
            continue;
        }
        let doc = format!("Appends one element to `{name}`: a value or its builder.");
        let message = format!("error converting supplied value for {name}: {{e}}");
        let push = if optional {
            quote! { Ok(mut list) => Ok(Some({ let mut l = list.take().unwrap_or_default(); l.push(value); l })), }
        } else {
            quote! { Ok(mut list) => { list.push(value); Ok(list) } }
        };
        methods.push(quote! {
            #[doc = #doc]
            pub fn #adder<T>(mut self, value: T) -> Self
            where
                T: ::std::convert::TryInto<#item>,
                T::Error: ::std::fmt::Display,
            {
                self.#name = match value.try_into() {
                    Ok(value) => match self.#name {
                        #push
                        Err(e) => Err(e),
                    },
                    Err(e) => Err(format!(#message)),
                };
                self
            }
        });
    }
    if methods.is_empty() {
        return None;
    }
    let ty = &st.ident;
    Some(syn::parse_quote! {
        impl #ty {
            #(#methods)*
        }
    })
}

/// The one type argument of `ty` when its last segment is `name`.
fn last_generic(ty: &syn::Type, name: &str) -> Option<syn::Type> {
    let syn::Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    if seg.ident != name {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &seg.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    })
}

fn module_mut<'a>(items: &'a mut [syn::Item], name: &str) -> Option<&'a mut Vec<syn::Item>> {
    items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// `fn f<T>(mut self, value: T) -> Self where T: TryInto<Option<X>>, ..`
/// becomes the same setter bounded by `IntoOptional<X>`. Every setter's
/// body becomes one call of a shared generic function
/// (`cloud_common::optional_field` / `required_field`) instead of a
/// closure with its own `format!`, with the same error message: rustc
/// checks each setter body separately, and CloudTower has about 1,500.
fn rewrite_setter(f: &mut syn::ImplItemFn) {
    let field = f.sig.ident.clone();
    let name = field.to_string();
    if let Some(inner) = optional_target(&f.sig) {
        f.sig.generics.where_clause = Some(syn::parse_quote! {
            where T: ::cloud_common::IntoOptional<#inner>
        });
        f.block = syn::parse_quote! {{
            self.#field = ::cloud_common::optional_field(value, #name);
            self
        }};
    } else if try_into_target(&f.sig).is_some() && is_plain_setter(f, &field) {
        f.block = syn::parse_quote! {{
            self.#field = ::cloud_common::required_field(value, #name);
            self
        }};
    }
}

/// Whether `f`'s body is typify's `self.f = value.try_into().map_err(..);
/// self`, the only shape [`rewrite_setter`] replaces for a required field.
fn is_plain_setter(f: &syn::ImplItemFn, field: &syn::Ident) -> bool {
    let [
        syn::Stmt::Expr(syn::Expr::Assign(assign), Some(_)),
        syn::Stmt::Expr(last, None),
    ] = f.block.stmts.as_slice()
    else {
        return false;
    };
    let target = quote::ToTokens::to_token_stream(&assign.left).to_string();
    let value = quote::ToTokens::to_token_stream(&assign.right).to_string();
    target == format!("self . {field}")
        && value.starts_with("value . try_into () . map_err")
        && quote::ToTokens::to_token_stream(last).to_string() == "self"
}

/// The `X` of a `T: ::std::convert::TryInto<X>` bound on a one-argument
/// setter.
fn try_into_target(sig: &syn::Signature) -> Option<syn::Type> {
    if sig.inputs.len() != 2 {
        return None;
    }
    try_into_bound(sig, "T")
}

/// The `X` of a `T: ::std::convert::TryInto<::std::option::Option<X>>`
/// bound on a one-argument setter.
fn optional_target(sig: &syn::Signature) -> Option<syn::Type> {
    last_generic(&try_into_target(sig)?, "Option")
}

/// The `X` of a `<param>: TryInto<X>` bound in `sig`'s where clause (a
/// setter's `T`, an operation builder's `body<V>`).
pub(crate) fn try_into_bound(sig: &syn::Signature, param: &str) -> Option<syn::Type> {
    let clause = sig.generics.where_clause.as_ref()?;
    clause.predicates.iter().find_map(|p| {
        let syn::WherePredicate::Type(t) = p else {
            return None;
        };
        let syn::Type::Path(bounded) = &t.bounded_ty else {
            return None;
        };
        if !bounded.path.is_ident(param) {
            return None;
        }
        t.bounds.iter().find_map(|b| {
            let syn::TypeParamBound::Trait(tb) = b else {
                return None;
            };
            let seg = tb.path.segments.last()?;
            (seg.ident == "TryInto").then(|| single_arg(&seg.arguments).cloned())?
        })
    })
}

fn single_arg(args: &syn::PathArguments) -> Option<&syn::Type> {
    let syn::PathArguments::AngleBracketed(args) = args else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(t) if args.args.len() == 1 => Some(t),
        _ => None,
    }
}

/// Whether `ty` is a plain path to a type of the `types` module (`Nic`,
/// `super::Nic`, `Box<Nic>`), not a std type or an open enum.
fn is_generated_struct(ty: &syn::Type) -> bool {
    let syn::Type::Path(p) = ty else {
        return false;
    };
    let first = p.path.segments.first().map(|s| s.ident.to_string());
    if matches!(
        first.as_deref(),
        Some("std" | "crate" | "chrono" | "uuid" | "serde_json")
    ) {
        return false;
    }
    if p.path.leading_colon.is_some() {
        return false;
    }
    let Some(last) = p.path.segments.last() else {
        return false;
    };
    let name = last.ident.to_string();
    if name == "Box" {
        return last_generic(ty, "Box").is_some_and(|inner| is_generated_struct(&inner));
    }
    !matches!(
        name.as_str(),
        "String"
            | "bool"
            | "i8"
            | "i16"
            | "i32"
            | "i64"
            | "u8"
            | "u16"
            | "u32"
            | "u64"
            | "f32"
            | "f64"
            | "Value"
            | "Secret"
    )
}

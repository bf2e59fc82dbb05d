//! The static check of a generated client's `#[cfg]`s for one feature set:
//! what `rustc` would reject as a missing type, builder or method, found
//! without compiling (so every tag can be checked alone in a test).

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{ImplItem, Item, Meta, Token};

/// A generated client's items, each with its `#[cfg]`s and what it names,
/// read once and checked for any number of feature sets.
pub struct Closure {
    /// Defined names, by kind (`type`, `builder`, `method`), with cfgs.
    defined: BTreeMap<(&'static str, String), Vec<Meta>>,
    /// Users: a description, cfgs, and what they name.
    users: Vec<(String, Vec<Meta>, Refs)>,
}

/// Every reference from a compiled item of `client` (a generated client's
/// source) to a type, operation builder or `Client` method that is not
/// compiled with the cargo features `enabled`; empty when the features
/// compile. The macro tables' rows count as items.
pub fn closure_problems(client: &str, enabled: &BTreeSet<String>) -> Result<Vec<String>, String> {
    Ok(Closure::parse(client)?.problems(enabled))
}

impl Closure {
    /// Reads a generated client's source.
    pub fn parse(client: &str) -> Result<Self, String> {
        let file: syn::File = syn::parse_str(client).map_err(|e| format!("not Rust: {e}"))?;
        let mut defined = BTreeMap::new();
        for item in &file.items {
            match item {
                Item::Mod(m) if m.ident == "types" || m.ident == "open_enums" => {
                    for item in m.content.iter().flat_map(|(_, items)| items) {
                        if let Some((name, attrs)) = named(item) {
                            defined.insert(("type", name), cfgs(attrs));
                        }
                    }
                }
                Item::Mod(m) if m.ident == "builder" => {
                    for item in m.content.iter().flat_map(|(_, items)| items) {
                        if let Item::Struct(s) = item {
                            defined.insert(("builder", s.ident.to_string()), cfgs(&s.attrs));
                        }
                    }
                }
                Item::Impl(imp) if imp.trait_.is_none() && is_client(&imp.self_ty) => {
                    for it in &imp.items {
                        if let ImplItem::Fn(f) = it {
                            defined.insert(("method", f.sig.ident.to_string()), cfgs(&f.attrs));
                        }
                    }
                }
                _ => {}
            }
        }
        let mut users = Vec::new();
        for item in &file.items {
            match item {
                Item::Mod(m)
                    if ["types", "open_enums", "builder"].contains(&&*m.ident.to_string()) =>
                {
                    let in_types = m.ident != "builder";
                    let mut items: Vec<&Item> = m.content.iter().flat_map(|(_, i)| i).collect();
                    while let Some(item) = items.pop() {
                        if let Item::Mod(inner) = item {
                            if inner.ident == "builder" && in_types {
                                items.extend(inner.content.iter().flat_map(|(_, i)| i));
                            }
                            continue;
                        }
                        let Some(attrs) = attrs(item) else { continue };
                        let user = format!("{}::{}", m.ident, describe(item));
                        let tokens = match item {
                            // A variant's name is no reference; its fields are.
                            Item::Enum(e) => e
                                .variants
                                .iter()
                                .map(|v| v.fields.to_token_stream())
                                .collect(),
                            other => other.to_token_stream(),
                        };
                        users.push((user, cfgs(attrs), refs(tokens, in_types)));
                    }
                }
                Item::Impl(imp) if imp.trait_.is_none() && is_client(&imp.self_ty) => {
                    for it in &imp.items {
                        if let ImplItem::Fn(f) = it {
                            let user = format!("Client::{}", f.sig.ident);
                            users.push((user, cfgs(&f.attrs), refs(f.to_token_stream(), false)));
                        }
                    }
                }
                Item::Impl(imp) => {
                    let tokens = imp.to_token_stream();
                    users.push((describe(item), cfgs(&imp.attrs), refs(tokens, false)));
                }
                Item::Macro(m) => {
                    let name = m.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                    for (attrs, rows) in invocations(m.mac.tokens.clone()) {
                        let user = format!("a row of {name}");
                        users.push((user, cfgs(&attrs), refs(rows, false)));
                    }
                }
                _ => {}
            }
        }
        Ok(Self { defined, users })
    }

    /// What does not compile with the features `enabled` (see
    /// [`closure_problems`]).
    pub fn problems(&self, enabled: &BTreeSet<String>) -> Vec<String> {
        let mut problems = Vec::new();
        for (user, cfgs, refs) in &self.users {
            if !compiled(cfgs, enabled) {
                continue;
            }
            for (kind, names) in [
                ("type", &refs.types),
                ("builder", &refs.builders),
                ("method", &refs.methods),
            ] {
                for name in names {
                    if let Some(def) = self.defined.get(&(kind, name.clone()))
                        && !compiled(def, enabled)
                    {
                        problems.push(format!(
                            "{user} needs {kind} `{name}`, which is not compiled"
                        ));
                    }
                }
            }
        }
        problems.sort();
        problems.dedup();
        problems
    }
}

/// What an item names.
#[derive(Default)]
struct Refs {
    types: BTreeSet<String>,
    builders: BTreeSet<String>,
    methods: BTreeSet<String>,
}

/// The names in `tokens`: `builder::X` is an operation builder (outside
/// `types`, where `builder` is typify's), every other identifier may be a
/// type or method (only defined names are looked up).
fn refs(tokens: TokenStream, in_types: bool) -> Refs {
    let mut flat = Vec::new();
    flatten(tokens, &mut flat);
    let mut out = Refs::default();
    for (i, t) in flat.iter().enumerate() {
        let TokenTree::Ident(id) = t else { continue };
        let word = id.to_string();
        let after_builder = !in_types
            && i >= 3
            && matches!(&flat[i - 3], TokenTree::Ident(b) if b == "builder")
            && matches!(&flat[i - 1], TokenTree::Punct(p) if p.as_char() == ':')
            && !(i >= 6 && matches!(&flat[i - 6], TokenTree::Ident(t) if t == "types"));
        let associated = i >= 3
            && matches!(&flat[i - 1], TokenTree::Punct(p) if p.as_char() == ':')
            && matches!(&flat[i - 3], TokenTree::Ident(t)
                if t.to_string().starts_with(|c: char| c.is_uppercase()));
        if associated {
            continue;
        }
        if after_builder {
            out.builders.insert(word);
        } else {
            out.types.insert(word.clone());
            out.methods.insert(word);
        }
    }
    out
}

fn flatten(tokens: TokenStream, out: &mut Vec<TokenTree>) {
    for tt in tokens {
        match tt {
            TokenTree::Group(g) => flatten(g.stream(), out),
            other => out.push(other),
        }
    }
}

/// The `#[cfg(..)] $callback! { rows }` invocations in a table macro's
/// body, with their attributes.
fn invocations(tokens: TokenStream) -> Vec<(Vec<syn::Attribute>, TokenStream)> {
    let mut out = Vec::new();
    let mut pending: Vec<syn::Attribute> = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(g)) = iter.next()
                    && let Ok(attr) =
                        syn::parse::Parser::parse2(syn::Attribute::parse_outer, quote::quote!(# #g))
                {
                    pending.extend(attr);
                }
            }
            TokenTree::Ident(i) if i == "callback" => {
                // `$callback ! { rows }`
                let _bang = iter.next();
                if let Some(TokenTree::Group(g)) = iter.next() {
                    out.push((std::mem::take(&mut pending), g.stream()));
                }
            }
            TokenTree::Group(g) => out.extend(invocations(g.stream())),
            _ => {}
        }
    }
    out
}

fn is_client(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.path.is_ident("Client"))
}

fn named(item: &Item) -> Option<(String, &[syn::Attribute])> {
    match item {
        Item::Struct(s) => Some((s.ident.to_string(), &s.attrs)),
        Item::Enum(e) => Some((e.ident.to_string(), &e.attrs)),
        Item::Type(t) => Some((t.ident.to_string(), &t.attrs)),
        _ => None,
    }
}

fn attrs(item: &Item) -> Option<&[syn::Attribute]> {
    match item {
        Item::Struct(s) => Some(&s.attrs),
        Item::Enum(e) => Some(&e.attrs),
        Item::Type(t) => Some(&t.attrs),
        Item::Impl(i) => Some(&i.attrs),
        Item::Fn(f) => Some(&f.attrs),
        _ => None,
    }
}

fn describe(item: &Item) -> String {
    match item {
        Item::Impl(i) => {
            let ty = i.self_ty.to_token_stream().to_string().replace(' ', "");
            match &i.trait_ {
                Some((path, _)) => {
                    let tr = path.segments.last().map(|s| s.ident.to_string());
                    format!("impl {} for {ty}", tr.unwrap_or_default())
                }
                None => format!("impl {ty}"),
            }
        }
        other => named(other).map(|(n, _)| n).unwrap_or_default(),
    }
}

/// The predicates of the `#[cfg]`s among `attrs`.
fn cfgs(attrs: &[syn::Attribute]) -> Vec<Meta> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("cfg"))
        .filter_map(|a| match &a.meta {
            Meta::List(list) => syn::parse2::<Meta>(list.tokens.clone()).ok(),
            _ => None,
        })
        .collect()
}

/// Whether every predicate holds with the features `enabled`.
fn compiled(cfgs: &[Meta], enabled: &BTreeSet<String>) -> bool {
    cfgs.iter().all(|m| holds(m, enabled))
}

fn holds(meta: &Meta, enabled: &BTreeSet<String>) -> bool {
    match meta {
        Meta::NameValue(nv) if nv.path.is_ident("feature") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => enabled.contains(&s.value()),
            _ => true,
        },
        Meta::List(list) => {
            let inner = list
                .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
                .unwrap_or_default();
            if list.path.is_ident("any") {
                inner.iter().any(|m| holds(m, enabled))
            } else if list.path.is_ident("all") {
                inner.iter().all(|m| holds(m, enabled))
            } else if list.path.is_ident("not") {
                !inner.iter().all(|m| holds(m, enabled))
            } else {
                true
            }
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_compiled_item_that_names_one_that_is_not() {
        let src = r#"
            pub mod types {
                #[cfg(any(feature = "a"))]
                pub struct Shared { pub x: i64 }
                #[cfg(any(feature = "b"))]
                pub struct OnlyB { pub shared: Shared }
            }
            pub mod builder {
                #[cfg(any(feature = "b"))]
                pub struct GetB<'a> { body: types::OnlyB, c: &'a () }
            }
            pub struct Client;
            impl Client {
                #[cfg(any(feature = "b"))]
                pub fn get_b(&self) -> builder::GetB<'_> { builder::GetB::new(self) }
            }
        "#;
        let set = |fs: &[&str]| fs.iter().map(|s| s.to_string()).collect();
        assert_eq!(
            closure_problems(src, &set(&["b"])).unwrap(),
            ["types::OnlyB needs type `Shared`, which is not compiled"]
        );
        assert!(closure_problems(src, &set(&["a", "b"])).unwrap().is_empty());
        assert!(closure_problems(src, &set(&["a"])).unwrap().is_empty());
    }
}

//! `#[non_exhaustive]` on the generated types, so that what `cargo xtask
//! diff` calls non-breaking is non-breaking for Rust code in other crates.
//!
//! - Every struct with named fields in `types`: a new optional field in a
//!   spec adds a Rust field, which breaks every struct literal and every
//!   pattern without `..` outside the crate. Marked, a struct cannot be
//!   built with a literal from another crate at all: users build it with
//!   progenitor's `types::Name::builder()` (or take `Default::default()`
//!   and assign fields), which a new optional field leaves compiling. This
//!   holds for response structs too, which users build in their tests.
//! - Every closed (progenitor) enum in `types` that requests use and
//!   responses do not: a new value users may send is then no break for a
//!   `match` either. A closed enum a response uses stays exhaustive: a new
//!   value already breaks it (an older client rejects the response), and
//!   `cargo xtask diff` says so.
//!
//! Tuple structs (newtypes) are left alone: they cannot gain a field, only
//! change type, which breaks anyway. Open enums are marked where they are
//! made ([`crate::open_enum`]).

use std::collections::{BTreeMap, BTreeSet};

use quote::ToTokens;
use syn::{Fields, ImplItem, Item};

/// Adds `#[non_exhaustive]` to the generated types of `file` (the whole
/// generated client) as described in the module docs.
pub fn mark(mut file: syn::File) -> syn::File {
    let Some((from_requests, from_responses)) = reach(&file.items) else {
        return file;
    };
    let Some(types) = module_items(&mut file.items, "types") else {
        return file;
    };
    for item in types.iter_mut() {
        match item {
            Item::Struct(s) if matches!(s.fields, Fields::Named(_)) => add(&mut s.attrs),
            Item::Enum(e) => {
                let name = e.ident.to_string();
                if from_requests.contains(&name) && !from_responses.contains(&name) {
                    add(&mut e.attrs);
                }
            }
            _ => {}
        }
    }
    file
}

fn add(attrs: &mut Vec<syn::Attribute>) {
    let already = attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
    if !already {
        attrs.push(syn::parse_quote!(#[non_exhaustive]));
    }
}

/// The names of the types in the `types` module of `items` that the
/// operations' requests reach, and those their responses reach (see
/// [`operation_roots`]); `None` without a `types` module.
pub(crate) fn reach(items: &[Item]) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    let (requests, responses) = operation_roots(items);
    let types = items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })?;
    let graph = type_graph(types);
    Some((reachable(&graph, requests), reachable(&graph, responses)))
}

/// The items of the inline module `name` among `items`.
pub(crate) fn module_items<'a>(items: &'a mut [Item], name: &str) -> Option<&'a mut Vec<Item>> {
    items.iter_mut().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_mut().map(|(_, items)| items),
        _ => None,
    })
}

/// The identifiers in a piece of Rust: every type a field or signature
/// names, among other words. Only words that are also type names in
/// `types` are ever looked up, so the others do no harm. Identifier
/// tokens only: a doc comment that mentions a type is not an edge to it.
fn words(tokens: &impl ToTokens) -> BTreeSet<String> {
    fn walk(stream: proc_macro2::TokenStream, out: &mut BTreeSet<String>) {
        for tt in stream {
            match tt {
                proc_macro2::TokenTree::Ident(i) => {
                    out.insert(i.to_string());
                }
                proc_macro2::TokenTree::Group(g) => walk(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(tokens.to_token_stream(), &mut out);
    out
}

/// What the operations take and return: the types named by the fields of
/// the operation builders (parameters and body) and by their `send`
/// results (success and error bodies).
pub(crate) fn operation_roots(items: &[Item]) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut requests, mut responses) = (BTreeSet::new(), BTreeSet::new());
    let Some(builders) = items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "builder" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    }) else {
        return (requests, responses);
    };
    for item in builders {
        match item {
            Item::Struct(s) => requests.extend(words(&s.fields)),
            Item::Impl(i) => {
                for f in &i.items {
                    if let ImplItem::Fn(f) = f
                        && f.sig.ident == "send"
                    {
                        responses.extend(words(&f.sig.output));
                    }
                }
            }
            _ => {}
        }
    }
    (requests, responses)
}

/// For each type in `types`, the words of its fields (or alias target).
pub(crate) fn type_graph(types: &[Item]) -> BTreeMap<String, BTreeSet<String>> {
    types
        .iter()
        .filter_map(|item| match item {
            Item::Struct(s) => Some((s.ident.to_string(), words(&s.fields))),
            Item::Enum(e) => {
                let fields = e.variants.iter().flat_map(|v| words(&v.fields));
                Some((e.ident.to_string(), fields.collect()))
            }
            Item::Type(t) => Some((t.ident.to_string(), words(&t.ty))),
            _ => None,
        })
        .collect()
}

/// The types of `graph` reachable from `roots`.
pub(crate) fn reachable(
    graph: &BTreeMap<String, BTreeSet<String>>,
    roots: BTreeSet<String>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.into_iter().collect();
    while let Some(name) = todo.pop() {
        if let Some(edges) = graph.get(&name)
            && seen.insert(name)
        {
            todo.extend(edges.iter().cloned());
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(file: &syn::File) -> BTreeSet<String> {
        let Some(Item::Mod(types)) = file
            .items
            .iter()
            .find(|i| matches!(i, Item::Mod(m) if m.ident == "types"))
        else {
            panic!("no types module");
        };
        let items = &types.content.as_ref().expect("inline").1;
        items
            .iter()
            .filter_map(|item| {
                let (ident, attrs) = match item {
                    Item::Struct(s) => (&s.ident, &s.attrs),
                    Item::Enum(e) => (&e.ident, &e.attrs),
                    _ => return None,
                };
                let marked = attrs.iter().any(|a| a.path().is_ident("non_exhaustive"));
                marked.then(|| ident.to_string())
            })
            .collect()
    }

    #[test]
    fn marks_structs_and_request_only_enums() {
        let file: syn::File = syn::parse_quote! {
            pub mod types {
                pub struct Body { pub kind: Kind, pub inner: ::std::option::Option<Inner> }
                pub struct Inner { pub sort: Sort }
                pub enum Kind { A, B }
                pub enum Sort { Asc, Desc }
                pub enum Phase { New, Done }
                pub enum Both { X, Y }
                pub struct Thing { pub phase: Phase, pub both: Both }
                pub struct Id(pub ::std::string::String);
                pub enum Unused { P, Q }
                pub mod builder {
                    pub struct Body { kind: Result<super::Kind, String> }
                }
            }
            pub mod builder {
                pub struct CreateThing<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::Body, String>,
                    both: Result<Option<types::Both>, String>,
                }
                impl<'a> CreateThing<'a> {
                    pub async fn send(self) -> Result<ResponseValue<::std::vec::Vec<types::Thing>>, Error<()>> {
                        Err(Error::InvalidRequest(String::new()))
                    }
                }
            }
        };
        let file = mark(file);
        // Structs always; enums only when requests alone reach them
        // (`Sort` through `Body.inner`, a nested struct).
        assert_eq!(
            marked(&file),
            ["Body", "Inner", "Kind", "Sort", "Thing"]
                .map(String::from)
                .into()
        );
        // Idempotent: no second attribute.
        let once = file.to_token_stream().to_string();
        assert_eq!(mark(file).to_token_stream().to_string(), once);
    }
}

//! The gated items of a generated client, in files the compiler reads only
//! when their features are on.
//!
//! `rustc` parses every item of a file before `#[cfg]` removes it, and at
//! hundreds of operations most of a tag-gated client (CloudTower: 550
//! operations, 17 MB) is items a default build leaves out: parsing them
//! alone cost a default build about a second. An `include!` under a
//! `#[cfg]` that is off is removed before it is expanded, so its file is
//! never read. [`split`] moves every item gated by tag features only
//! (`#[cfg(any(feature = "vm", ...))]`, see [`crate::features`]) into a
//! part file per module and first tag, `client/<module>-<tag>.rs`, and puts
//! in its place `#[cfg(any(<every feature of the part>))]
//! include!("client/<module>-<tag>.rs");`. Each item keeps its own `#[cfg]`,
//! so a part read for one of its features compiles exactly what it did
//! before the split. The path is relative to the file including it, so the
//! parts sit in `client/` beside `client.rs` in a snapshot, and beside
//! `<name>.rs` in `OUT_DIR`.
//!
//! [`inline`] puts the parts back in place of their `include!`s (without
//! their `#[cfg]`), for whatever reads the client as one text.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, quote};
use syn::Item;

/// The folder of the parts, relative to the including file.
pub const FOLDER: &str = "client";

/// One part file: its path relative to the including file, and its items.
pub(crate) struct Part {
    /// `client/<module>-<tag>.rs`.
    pub path: String,
    /// The items, each with its own `#[cfg]`.
    pub items: Vec<Item>,
}

/// Moves the items of `file` gated by tag features only (of `tags`) into
/// parts (see the module docs); `file` keeps an `include!` per part.
pub(crate) fn split(file: &mut syn::File, tags: &BTreeSet<String>) -> Vec<Part> {
    let mut parts = Vec::new();
    split_items(&mut file.items, "root", tags, &mut parts);
    parts
}

fn split_items(items: &mut Vec<Item>, module: &str, tags: &BTreeSet<String>, out: &mut Vec<Part>) {
    for item in items.iter_mut() {
        if let Item::Mod(m) = item
            && let Some((_, inner)) = &mut m.content
        {
            let name = if module == "root" {
                m.ident.to_string()
            } else {
                format!("{module}-{}", m.ident)
            };
            split_items(inner, &name, tags, out);
        }
    }
    // By first tag: the part's items and the union of their features.
    let mut groups: BTreeMap<String, (Vec<Item>, BTreeSet<String>)> = BTreeMap::new();
    let mut kept = Vec::with_capacity(items.len());
    for item in items.drain(..) {
        match tag_gate(&item, tags) {
            Some(features) => {
                let first = features.iter().next().cloned().unwrap_or_default();
                let group = groups.entry(first).or_default();
                group.0.push(item);
                group.1.extend(features);
            }
            None => kept.push(item),
        }
    }
    *items = kept;
    for (first, (part_items, features)) in groups {
        let path = format!("{FOLDER}/{module}-{first}.rs");
        let literal = Literal::string(&path);
        let features = features.iter().map(|f| quote!(feature = #f));
        let include: TokenStream = quote! {
            #[cfg(any(#(#features),*))]
            include!(#literal);
        };
        match syn::parse2::<Item>(include) {
            Ok(item) => items.push(item),
            // Cannot happen (the tokens are ours); keep the items in place.
            Err(_) => {
                items.extend(part_items);
                continue;
            }
        }
        out.push(Part {
            path,
            items: part_items,
        });
    }
}

/// The features of an item's `#[cfg]` when it is gated by tag features
/// only: `feature = "x"` or `any(feature = "x", ...)` with every `x` in
/// `tags`. `None` for anything else (ungated, `json-bodies`,
/// `default-operations`, `all`/`not`), which stays in the including file.
fn tag_gate(item: &Item, tags: &BTreeSet<String>) -> Option<BTreeSet<String>> {
    let attrs = match item {
        Item::Struct(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Const(i) => &i.attrs,
        Item::Mod(i) if i.content.is_some() => &i.attrs,
        _ => return None,
    };
    attrs.iter().find_map(|attr| {
        if !attr.path().is_ident("cfg") {
            return None;
        }
        let syn::Meta::List(list) = &attr.meta else {
            return None;
        };
        let text = list.tokens.to_token_stream().to_string();
        let body = text
            .strip_prefix("any (")
            .and_then(|t| t.strip_suffix(')'))
            .unwrap_or(&text);
        let mut features = BTreeSet::new();
        for one in body.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let name = one.strip_prefix("feature = \"")?.strip_suffix('"')?;
            if !tags.contains(name) {
                return None;
            }
            features.insert(name.to_string());
        }
        (!features.is_empty()).then_some(features)
    })
}

/// `main` with every `include!("client/...")` replaced by the part it
/// names (`read` gives a part's text by its path), and the `#[cfg]` in
/// front of it removed: the whole client as one text, each item with its
/// own `#[cfg]`. A part `read` cannot give is left as its `include!`.
pub fn inline(main: &str, mut read: impl FnMut(&str) -> Option<String>) -> String {
    let mut out: Vec<String> = Vec::new();
    let prefix = format!("include!(\"{FOLDER}/");
    for line in main.lines() {
        let trimmed = line.trim_start();
        let part = trimmed
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix("\");"))
            .map(|rest| format!("{FOLDER}/{rest}"));
        let Some(text) = part.as_deref().and_then(&mut read) else {
            out.push(line.to_string());
            continue;
        };
        // Drop the include's `#[cfg(...)]`, one or several lines above it.
        if let Some(start) = out
            .iter()
            .rposition(|l| l.trim_start().starts_with("#[cfg("))
        {
            out.truncate(start);
        }
        out.extend(text.lines().map(str::to_string));
    }
    let mut text = out.join("\n");
    if main.ends_with('\n') {
        text.push('\n');
    }
    text
}

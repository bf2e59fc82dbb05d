//! Cargo features per spec tag: a user compiles only the operations of
//! the tags they enable, and exactly the types those operations reach.
//!
//! A spec opts in with `info.x-cargo-features` (CloudTower does):
//!
//! ```yaml
//! info:
//!   x-cargo-features:
//!     always: [Login, GetTasks]   # operationIds compiled whatever the features
//!     default: [GetVms, ...]      # the operationIds of `default-operations`
//! ```
//!
//! Every tag of the spec is a feature named [`feature_name`] (`Vm` → `vm`,
//! `VmPlacementGroup` → `vm-placement-group`); `full` turns on all of
//! them. `default-operations` (a default feature) turns on the operations
//! listed, not whole tags: a tag gains operations as the spec grows, and a
//! default build should not grow with it. The generated code is the same whatever is enabled (the snapshot
//! and `build.rs` produce one file); each item carries the `#[cfg]` of the
//! features that need it:
//!
//! - an operation (its `Client` method, its builder, its `Operation` impl,
//!   its httpmock helpers, its row in the operation table, the paging
//!   impls of a list) is gated by its tags;
//! - a type (with its builder, impls and open enum) by the union of the
//!   gates of the operations that reach it through fields, so an enabled
//!   operation always finds its types. A type every tag reaches, or no
//!   operation reaches, or an `always` operation reaches, is not gated.
//!
//! [`closure_problems`] checks a generated file for one feature set: every
//! enabled item names only enabled items (what `rustc` would reject).
//! Without `x-cargo-features` nothing is gated and this pass is a no-op.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::OpenAPI;
use proc_macro2::{TokenStream, TokenTree};
use quote::{ToTokens, quote};
use syn::{ImplItem, Item, TraitItem};

use crate::lint;

/// The `info` extension that turns on tag features.
pub const EXTENSION: &str = "x-cargo-features";

/// The feature that turns on every tag.
pub const FULL: &str = "full";

/// The feature that turns on the `default` operations.
pub const DEFAULT_OPERATIONS: &str = "default-operations";

/// The cargo feature of a spec tag: `VmPlacementGroup` →
/// `vm-placement-group`.
pub fn feature_name(tag: &str) -> String {
    cloud_spec::naming::kebab(tag)
}

/// What a spec's `info.x-cargo-features` says, with the spec's tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TagFeatures {
    /// `operationId`s compiled whatever the features (the hand-written
    /// layer needs them: CloudTower's login and task waiting).
    pub always: BTreeSet<String>,
    /// The `operationId`s `default-operations` turns on.
    pub default: BTreeSet<String>,
    /// Every tag an operation carries, in document order of first use.
    pub tags: Vec<String>,
    /// The features (tags, `default-operations`) whose operations reach a
    /// `format: date-time` string, which progenitor types with `chrono`:
    /// they turn on the crate's optional `chrono` dependency.
    pub chrono: BTreeSet<String>,
}

impl TagFeatures {
    /// The spec's tag features, or `None` when it does not opt in.
    pub fn of(api: &OpenAPI) -> Result<Option<Self>, String> {
        let Some(config) = api.info.extensions.get(EXTENSION) else {
            return Ok(None);
        };
        let list = |key: &str| -> Result<Vec<String>, String> {
            match config.get(key) {
                None => Ok(Vec::new()),
                Some(v) => serde_json::from_value(v.clone())
                    .map_err(|e| format!("info.{EXTENSION}.{key}: a list of names: {e}")),
            }
        };
        let mut tags = Vec::new();
        let mut ids = BTreeSet::new();
        for (_, _, op) in lint::operations(api) {
            ids.extend(op.operation_id.clone());
            for t in &op.tags {
                if !tags.contains(t) {
                    tags.push(t.clone());
                }
            }
        }
        let mut out = Self {
            always: list("always")?.into_iter().collect(),
            default: list("default")?.into_iter().collect(),
            tags,
            chrono: BTreeSet::new(),
        };
        out.chrono = out.chrono_features(api);
        if let Some(id) = out.always.iter().find(|id| !ids.contains(*id)) {
            return Err(format!(
                "info.{EXTENSION}.always: no operation `{id}` in the spec"
            ));
        }
        if let Some(id) = out.default.iter().find(|id| !ids.contains(*id)) {
            return Err(format!(
                "info.{EXTENSION}.default: no operation `{id}` in the spec"
            ));
        }
        Ok(Some(out))
    }

    /// See [`Self::chrono`].
    fn chrono_features(&self, api: &OpenAPI) -> BTreeSet<String> {
        const DATE_TIME: &str = "\"format\":\"date-time\"";
        let Ok(doc) = serde_json::to_value(api) else {
            return BTreeSet::new();
        };
        let dated: BTreeSet<&String> = api
            .components
            .iter()
            .flat_map(|c| &c.schemas)
            .filter(|(_, s)| serde_json::to_string(s).is_ok_and(|t| t.contains(DATE_TIME)))
            .map(|(name, _)| name)
            .collect();
        let mut out = BTreeSet::new();
        for (path, method, op) in lint::operations(api) {
            let Some(node) = doc.pointer(&format!("/paths/{}/{method}", cloud_spec::escape(path)))
            else {
                continue;
            };
            let inline = node.to_string().contains(DATE_TIME);
            let dated_here = inline
                || (!dated.is_empty()
                    && cloud_spec::reachable_schemas(&doc, node)
                        .iter()
                        .any(|n| dated.contains(n)));
            if dated_here {
                let id = op.operation_id.as_deref().unwrap_or_default();
                out.extend(self.operation_features(id, &op.tags).into_iter().flatten());
            }
        }
        out
    }

    /// Every tag's feature name, sorted.
    pub fn features(&self) -> BTreeSet<String> {
        self.tags.iter().map(|t| feature_name(t)).collect()
    }

    /// The features an operation is compiled with (any of them): its tags,
    /// and `default-operations` if it is one; `None` when it is compiled
    /// whatever the features.
    pub fn operation_features(&self, id: &str, tags: &[String]) -> Option<BTreeSet<String>> {
        if self.always.contains(id) || tags.is_empty() {
            return None;
        }
        let mut set: BTreeSet<String> = tags.iter().map(|t| feature_name(t)).collect();
        if self.default.contains(id) {
            set.insert(DEFAULT_OPERATIONS.into());
        }
        Some(set)
    }

    /// The `[features]` entries of the crate: one per tag,
    /// `default-operations` and `full`, as TOML lines (what `cargo xtask regen` writes between
    /// the markers of the crate's `Cargo.toml`).
    pub fn cargo_toml(&self) -> String {
        let quoted = |names: &mut dyn Iterator<Item = String>| {
            names
                .map(|n| format!("\"{n}\""))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::new();
        out.push_str(&format!(
            "## The {} operations the crate had before the whole API was imported\n\
             ## (a default feature; `info.{EXTENSION}.default` in the spec).\n\
             {DEFAULT_OPERATIONS} = [{}]\n",
            self.default.len(),
            self.extra(DEFAULT_OPERATIONS)
        ));
        out.push_str(&format!(
            "## Every operation of the spec.\n{FULL} = [{}]\n",
            quoted(&mut std::iter::once(DEFAULT_OPERATIONS.to_string()).chain(self.features()))
        ));
        for feature in self.features() {
            out.push_str(&format!("{feature} = [{}]\n", self.extra(&feature)));
        }
        out
    }
}

impl TagFeatures {
    /// What a feature turns on besides its operations: `chrono` where its
    /// types need it.
    fn extra(&self, feature: &str) -> &'static str {
        if self.chrono.contains(feature) {
            "\"dep:chrono\""
        } else {
            ""
        }
    }
}

/// `None`: compiled whatever the features; `Some(features)`: compiled
/// when any of them is on.
type Gate = Option<BTreeSet<String>>;

fn union(a: &mut Gate, b: &Gate) {
    match (a.as_mut(), b) {
        (None, _) => {}
        (Some(_), None) => *a = None,
        (Some(a), Some(b)) => a.extend(b.iter().cloned()),
    }
}

/// The gate of every operation and type of one generated client.
#[derive(Debug, Default)]
pub(crate) struct Gates {
    /// Operations by generated method name.
    ops: BTreeMap<String, Gate>,
    /// Operation builders (`builder::GetVms`) by name.
    builders: BTreeMap<String, Gate>,
    /// Types (and open enums) by name.
    types: BTreeMap<String, Gate>,
}

impl Gates {
    /// Computes the gates from the spec and progenitor's output (after
    /// builder pruning, before the other passes); `open_enums` are the
    /// names of the open enums that replace schema types. Empty (nothing
    /// gated) when the spec has no tag features.
    pub(crate) fn compute(
        api: &OpenAPI,
        file: &syn::File,
        open_enums: &[String],
    ) -> Result<Self, String> {
        let Some(config) = TagFeatures::of(api)? else {
            return Ok(Self::default());
        };
        let tags = config.features();
        let mut ops = BTreeMap::new();
        for (_, _, op) in lint::operations(api) {
            let Some(id) = op.operation_id.as_deref() else {
                continue;
            };
            let gate: Gate = config.operation_features(id, &op.tags);
            ops.insert(cloud_spec::naming::method_name(id), gate);
        }
        let mut builders = BTreeMap::new();
        for (method, g) in crate::tables::generated_operations(file) {
            if let Some(gate) = ops.get(&method) {
                builders.insert(g.builder.to_string(), gate.clone());
            }
        }
        // The type graph: every type's words (fields, impls, builder).
        let mut graph: BTreeMap<String, BTreeSet<String>> = open_enums
            .iter()
            .map(|n| (n.clone(), BTreeSet::new()))
            .collect();
        if let Some(types) = module(&file.items, "types") {
            collect_types(types, &mut graph);
        }
        let mut roots: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for item in module(&file.items, "builder").into_iter().flatten() {
            if let Some(owner) = item_owner(item) {
                roots.entry(owner).or_default().extend(words(item));
            }
        }
        let mut types: BTreeMap<String, Option<Gate>> =
            graph.keys().map(|k| (k.clone(), None)).collect();
        for (builder, gate) in &builders {
            let reached = crate::non_exhaustive::reachable(
                &graph,
                roots.get(builder).cloned().unwrap_or_default(),
            );
            for name in reached {
                match types.get_mut(&name) {
                    Some(Some(g)) => union(g, gate),
                    Some(slot) => *slot = Some(gate.clone()),
                    None => {}
                }
            }
        }
        // Not reached by any operation: compiled always, with what it reaches.
        let orphans: BTreeSet<String> = types
            .iter()
            .filter(|(_, g)| g.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        for name in crate::non_exhaustive::reachable(&graph, orphans) {
            types.insert(name, Some(None));
        }
        // What every tag reaches is compiled whatever the features.
        let normal = |g: Gate| g.filter(|set| !set.is_superset(&tags));
        Ok(Self {
            ops: ops.into_iter().map(|(k, g)| (k, normal(g))).collect(),
            builders: builders.into_iter().map(|(k, g)| (k, normal(g))).collect(),
            types: types
                .into_iter()
                .map(|(k, g)| (k, normal(g.flatten())))
                .collect(),
        })
    }

    /// The `cfg` predicate of an operation, by method name (`None`: none).
    pub(crate) fn operation(&self, method: &str) -> Option<TokenStream> {
        predicate(self.ops.get(method)?)
    }

    /// The `cfg` predicate of a type, by name (`None`: none).
    pub(crate) fn type_(&self, name: &str) -> Option<TokenStream> {
        predicate(self.types.get(name)?)
    }

    fn builder(&self, name: &str) -> Option<TokenStream> {
        predicate(self.builders.get(name)?)
    }

    /// Puts the `#[cfg]`s on the items of the generated client.
    pub(crate) fn apply(&self, file: &mut syn::File) {
        for item in &mut file.items {
            match item {
                Item::Mod(m) if m.ident == "types" || m.ident == "open_enums" => {
                    if let Some((_, items)) = &mut m.content {
                        self.apply_types(items);
                    }
                }
                Item::Mod(m) if m.ident == "builder" => {
                    for item in m.content.iter_mut().flat_map(|(_, items)| items) {
                        let cfg = item_owner(item).and_then(|o| self.builder(&o));
                        add_cfg(item, cfg);
                    }
                }
                Item::Impl(imp)
                    if imp.trait_.is_none()
                        && last_ident(&imp.self_ty).as_deref() == Some("Client") =>
                {
                    for it in &mut imp.items {
                        if let ImplItem::Fn(f) = it {
                            push(&mut f.attrs, self.operation(&f.sig.ident.to_string()));
                        }
                    }
                }
                Item::Impl(imp) => {
                    let cfg = self.top_level_impl(imp);
                    push(&mut imp.attrs, cfg);
                }
                _ => {}
            }
        }
    }

    fn apply_types(&self, items: &mut [Item]) {
        for item in items {
            match item {
                Item::Mod(m) if m.ident == "builder" => {
                    if let Some((_, items)) = &mut m.content {
                        self.apply_types(items);
                    }
                }
                Item::Impl(imp) => {
                    let cfg = self_or_trait_type(imp, |n| self.types.contains_key(n))
                        .and_then(|n| self.type_(&n));
                    push(&mut imp.attrs, cfg);
                }
                _ => {
                    let cfg = item_owner(item).and_then(|o| self.type_(&o));
                    add_cfg(item, cfg);
                }
            }
        }
    }

    /// An impl outside the modules: `Operation for builder::X`, or one for
    /// a type (`TryFrom<Value> for types::X`, `IntoOptional<..> for
    /// types::builder::X`, ...).
    fn top_level_impl(&self, imp: &syn::ItemImpl) -> Option<TokenStream> {
        if let syn::Type::Path(p) = &*imp.self_ty
            && p.path.segments.len() == 2
            && p.path.segments[0].ident == "builder"
        {
            return self.builder(&p.path.segments[1].ident.to_string());
        }
        let name = self_or_trait_type(imp, |n| self.types.contains_key(n))?;
        self.type_(&name)
    }

    /// Puts the `#[cfg]`s on progenitor's httpmock helpers.
    pub(crate) fn apply_mocks(&self, file: &mut syn::File) {
        for item in &mut file.items {
            match item {
                Item::Mod(m) if m.ident == "operations" => {
                    for item in m.content.iter_mut().flat_map(|(_, items)| items) {
                        let cfg = item_owner(item).and_then(|o| {
                            let op = o.strip_suffix("When").or_else(|| o.strip_suffix("Then"))?;
                            self.builder(op)
                        });
                        add_cfg(item, cfg);
                    }
                }
                Item::Trait(t) => {
                    for it in &mut t.items {
                        if let TraitItem::Fn(f) = it {
                            push(&mut f.attrs, self.operation(&f.sig.ident.to_string()));
                        }
                    }
                }
                Item::Impl(imp) => {
                    for it in &mut imp.items {
                        if let ImplItem::Fn(f) = it {
                            push(&mut f.attrs, self.operation(&f.sig.ident.to_string()));
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

/// `any(feature = "a", ..)` for a gate that is one.
fn predicate(gate: &Gate) -> Option<TokenStream> {
    let features = gate.as_ref()?.iter();
    Some(quote!(any(#(feature = #features),*)))
}

fn push(attrs: &mut Vec<syn::Attribute>, cfg: Option<TokenStream>) {
    if let Some(cfg) = cfg {
        attrs.push(syn::parse_quote!(#[cfg(#cfg)]));
    }
}

fn add_cfg(item: &mut Item, cfg: Option<TokenStream>) {
    let attrs = match item {
        Item::Struct(s) => &mut s.attrs,
        Item::Enum(e) => &mut e.attrs,
        Item::Type(t) => &mut t.attrs,
        Item::Impl(i) => &mut i.attrs,
        Item::Fn(f) => &mut f.attrs,
        Item::Const(c) => &mut c.attrs,
        _ => return,
    };
    push(attrs, cfg);
}

fn module<'a>(items: &'a [Item], name: &str) -> Option<&'a Vec<Item>> {
    items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    })
}

/// The words of every item of `types` (and its `builder`), by owner.
fn collect_types(items: &[Item], graph: &mut BTreeMap<String, BTreeSet<String>>) {
    for item in items {
        match item {
            Item::Mod(m) if m.ident == "builder" => {
                if let Some((_, items)) = &m.content {
                    collect_types(items, graph);
                }
            }
            Item::Struct(_) | Item::Enum(_) | Item::Type(_) => {
                if let Some(owner) = item_owner(item) {
                    graph.entry(owner).or_default().extend(words(item));
                }
            }
            _ => {}
        }
    }
    // Impls name what their type needs too (a builder's conversions).
    let known: BTreeSet<String> = graph.keys().cloned().collect();
    for item in items {
        if let Item::Impl(imp) = item
            && let Some(owner) = self_or_trait_type(imp, |n| known.contains(n))
        {
            graph.entry(owner).or_default().extend(words(item));
        }
    }
}

/// The name an item is about: a struct's, enum's or alias's own, an impl's
/// self type.
fn item_owner(item: &Item) -> Option<String> {
    match item {
        Item::Struct(s) => Some(s.ident.to_string()),
        Item::Enum(e) => Some(e.ident.to_string()),
        Item::Type(t) => Some(t.ident.to_string()),
        Item::Impl(i) => last_ident(&i.self_ty),
        _ => None,
    }
}

/// An impl's self type if `known`, else the first known type its trait
/// names (`impl From<X> for String`).
fn self_or_trait_type(imp: &syn::ItemImpl, known: impl Fn(&str) -> bool) -> Option<String> {
    if let Some(name) = last_ident(&imp.self_ty).filter(|n| known(n)) {
        return Some(name);
    }
    let (path, _) = imp.trait_.as_ref()?;
    let mut names = Vec::new();
    walk(path.to_token_stream(), &mut |w| names.push(w));
    names.into_iter().find(|n| known(n))
}

/// The last name of a type's path, through references (`&'a types::X`
/// is about `X`).
fn last_ident(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => last_ident(&r.elem),
        _ => None,
    }
}

fn words(item: &impl ToTokens) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    walk(item.to_token_stream(), &mut |w| {
        out.insert(w);
    });
    out
}

fn walk(stream: TokenStream, out: &mut dyn FnMut(String)) {
    for tt in stream {
        match tt {
            TokenTree::Ident(i) => out(i.to_string()),
            TokenTree::Group(g) => walk(g.stream(), out),
            _ => {}
        }
    }
}

mod check;
pub use check::{Closure, closure_problems};

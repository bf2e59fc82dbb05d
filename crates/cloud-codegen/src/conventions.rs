//! The structural conventions of a spec, as trait impls the hand-written
//! layer uses generically (the traits are `cloud_common`'s, see its
//! `paging` module):
//!
//! - a **where-input** (an object schema whose properties are all optional,
//!   with string `id` + string-list `id_in`, and/or `name` + `name_in`):
//!   `impl ::cloud_common::ById` (and `ByName`), and the same functions as
//!   inherent methods, so `VmWhereInput::by_id("..")` needs no import;
//! - a **where body** (a request body whose only required property, if
//!   any, is a `where` where-input): `From<where-input>`, the body with only
//!   `where` set, so a where-input is passed where the body is expected;
//! - a **list** (an operation whose body has an optional `where`, `first`,
//!   `after`, `skip`, `last` and `before` and nothing required, and which
//!   answers an array of objects with a required string `id`):
//!   `impl ::cloud_common::CursorPaged` for its body and
//!   `impl ::cloud_common::ListRequest` for its where-input;
//! - a **with-task answer** (an object schema with a string `task_id` and a
//!   `data`): `impl ::cloud_common::TaskId`, and `IntoIterator` for a
//!   reference to one (a waiting helper taking many takes `&one` too).
//!
//! Each impl is compiled under the `#[cfg]` of what it names: the tag
//! gates [`Gates::apply`] gives the type it is for, and, for the list
//! impls, the gate of the list operation too. A spec without such shapes
//! (Neolink, TensorDock) gets none.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::features::Gates;
use crate::lint;
use crate::tables::GeneratedOperation;

/// The trait impls for the conventions of `api` (see the module docs);
/// `generated` is progenitor's operations by method name.
pub(crate) fn tokens(
    api: &OpenAPI,
    generated: &BTreeMap<String, GeneratedOperation>,
    gates: &Gates,
) -> TokenStream {
    let lookups = where_inputs(api);
    let bodies = where_bodies(api);
    let lists = lists(api, generated, gates);
    let tasks = with_tasks(api);
    quote! { #(#lookups)* #(#bodies)* #(#lists)* #(#tasks)* }
}

/// `ById`/`ByName` (and their inherent twins) for every where-input.
fn where_inputs(api: &OpenAPI) -> Vec<TokenStream> {
    let mut out = Vec::new();
    for (name, schema) in schemas(api) {
        let Some(o) = object(schema).filter(|o| o.required.is_empty()) else {
            continue;
        };
        let ty = type_ident(name);
        let filter =
            |one: &str, many: &str| is_string_property(o, one) && is_string_list_property(o, many);
        let lookups: Vec<&Lookup> = [(&ID, "id"), (&NAME, "name")]
            .into_iter()
            .filter(|(_, field)| filter(field, &format!("{field}_in")))
            .map(|(l, _)| l)
            .collect();
        if lookups.is_empty() {
            continue;
        }
        let (impls, methods): (Vec<_>, Vec<_>) = lookups.iter().map(|l| lookup(&ty, l)).unzip();
        out.push(quote! {
            #(#impls)*
            impl types::#ty { #(#methods)* }
        });
    }
    out
}

/// One lookup trait: its name, its two functions with their parameter and
/// doc, and the two fields they set.
struct Lookup {
    trait_: &'static str,
    one: [&'static str; 4],
    many: [&'static str; 4],
}

/// `by_id(id)` sets `id`, `by_ids(ids)` sets `id_in`.
const ID: Lookup = Lookup {
    trait_: "ById",
    one: ["by_id", "id", "id", "Matches one id: `{\"id\": id}`."],
    many: [
        "by_ids",
        "ids",
        "id_in",
        "Matches any of these ids: `{\"id_in\": [..]}`.",
    ],
};

/// `by_name(name)` sets `name`, `by_names(names)` sets `name_in`.
const NAME: Lookup = Lookup {
    trait_: "ByName",
    one: [
        "by_name",
        "name",
        "name",
        "Matches one name exactly: `{\"name\": name}`.",
    ],
    many: [
        "by_names",
        "names",
        "name_in",
        "Matches any of these names: `{\"name_in\": [..]}`.",
    ],
};

/// `impl ::cloud_common::<trait> for types::<ty>`, and its two functions
/// as inherent methods calling it (for the type's inherent impl).
fn lookup(ty: &syn::Ident, l: &Lookup) -> (TokenStream, TokenStream) {
    let trait_ = format_ident!("{}", l.trait_);
    let [f1, p1, field1, doc1] = l.one;
    let [fn_, pn, field_n, docn] = l.many;
    let (f1, p1, field1) = (
        format_ident!("{f1}"),
        format_ident!("{p1}"),
        field_ident(field1),
    );
    let (fn_, pn, field_n) = (
        format_ident!("{fn_}"),
        format_ident!("{pn}"),
        field_ident(field_n),
    );
    let also =
        format!(" The [`{trait_}`](cloud_common::{trait_}) impl, without importing the trait.");
    let (doc1, docn) = (format!("{doc1}{also}"), format!("{docn}{also}"));
    let string = quote!(impl ::std::convert::Into<::std::string::String>);
    let strings = quote!(impl ::std::iter::IntoIterator<Item = #string>);
    let imp = quote! {
        impl ::cloud_common::#trait_ for types::#ty {
            fn #f1(#p1: #string) -> Self {
                Self {
                    #field1: ::std::option::Option::Some(#p1.into()),
                    ..::std::default::Default::default()
                }
            }
            fn #fn_(#pn: #strings) -> Self {
                Self {
                    #field_n: ::std::option::Option::Some(
                        #pn.into_iter().map(::std::convert::Into::into).collect(),
                    ),
                    ..::std::default::Default::default()
                }
            }
        }
    };
    let methods = quote! {
        #[doc = #doc1]
        pub fn #f1(#p1: #string) -> Self {
            <Self as ::cloud_common::#trait_>::#f1(#p1)
        }
        #[doc = #docn]
        pub fn #fn_(#pn: #strings) -> Self {
            <Self as ::cloud_common::#trait_>::#fn_(#pn)
        }
    };
    (imp, methods)
}

/// `From<where-input>` for every request body (named object) whose one
/// required property, if any, is its `where` where-input: every other
/// property is optional, so the body is `{ where_, ..None }`.
fn where_bodies(api: &OpenAPI) -> Vec<TokenStream> {
    let mut seen = BTreeSet::new();
    lint::operations(api)
        .into_iter()
        .filter_map(|(_, _, op)| {
            let (Some(body), _) = body_and_items(op) else {
                return None;
            };
            if !seen.insert(body) {
                return None;
            }
            let b = object(schema_named(api, body)?)?;
            let where_input = property_ref(b, "where")?;
            let required = b.required.iter().any(|r| r == "where");
            if b.required.len() != usize::from(required) {
                return None;
            }
            let rest = b
                .properties
                .keys()
                .filter(|k| k.as_str() != "where")
                .map(|k| field_ident(k));
            let (body, where_input) = (type_ident(body), type_ident(where_input));
            // `.into()`: typify boxes a where-input that contains itself.
            let value = if required {
                quote!(where_.into())
            } else {
                quote!(::std::option::Option::Some(where_.into()))
            };
            Some(quote! {
                impl ::std::convert::From<types::#where_input> for types::#body {
                    /// The body with only `where` set.
                    fn from(where_: types::#where_input) -> Self {
                        // `Default`: `None`, or an empty `Vec` where typify
                        // writes an optional array without the `Option`.
                        Self { where_: #value, #(#rest: ::std::default::Default::default()),* }
                    }
                }
            })
        })
        .collect()
}

/// `CursorPaged` for the body and `ListRequest` for the where-input of
/// every list operation.
fn lists(
    api: &OpenAPI,
    generated: &BTreeMap<String, GeneratedOperation>,
    gates: &Gates,
) -> Vec<TokenStream> {
    // A body may be shared by several list operations (`GetVmsRequestBody`
    // by `GetVms` and `GetVmGpuDeviceInfo`), but a type has one
    // `CursorPaged` impl: the operation the body is named after wins, else
    // the first in document order.
    let mut lists: BTreeMap<&str, &openapiv3::Operation> = BTreeMap::new();
    for (_, _, op) in lint::operations(api) {
        let (Some(id), (Some(body), Some(_))) = (op.operation_id.as_deref(), body_and_items(op))
        else {
            continue;
        };
        let named_after = body.strip_suffix("RequestBody") == Some(id);
        if named_after || !lists.contains_key(body) {
            lists.insert(body, op);
        }
    }
    lists
        .into_values()
        .filter_map(|op| {
            let id = op.operation_id.as_deref()?;
            let (Some(body), Some(item)) = body_and_items(op) else {
                return None;
            };
            let b = object(schema_named(api, body)?)?;
            let where_input = property_ref(b, "where")?;
            let paged = ["first", "after", "skip", "last", "before"]
                .iter()
                .all(|f| b.properties.contains_key(*f));
            if !paged || !b.required.is_empty() {
                return None;
            }
            let i = object(schema_named(api, item)?)?;
            if !(i.required.iter().any(|r| r == "id") && is_string_property(i, "id")) {
                return None;
            }
            let method_name = cloud_spec::naming::method_name(id);
            let builder = &generated.get(&method_name)?.builder;
            let method = format_ident!("{method_name}");
            let (body, where_input, item) =
                (type_ident(body), type_ident(where_input), type_ident(item));
            let op_gate = gates.operation(&method_name);
            // `Gates::apply` adds each impl's own type's gate; the
            // operation's is added where it says more.
            let body_cfg = extra_cfg(&op_gate, &gates.type_(&body.to_string()));
            let where_cfg = extra_cfg(&op_gate, &gates.type_(&where_input.to_string()));
            Some(quote! {
                #body_cfg
                impl ::cloud_common::CursorPaged for types::#body {
                    type Item = types::#item;
                    type Client = Client;
                    type Request<'a> = builder::#builder<'a>;
                    const OPERATION_ID: &'static str = #id;
                    fn after(&self) -> ::std::option::Option<::std::string::String> {
                        self.after.clone()
                    }
                    fn page(
                        &self,
                        first: i32,
                        after: ::std::option::Option<::std::string::String>,
                        first_page: bool,
                    ) -> Self {
                        let mut body = self.clone();
                        body.first = ::std::option::Option::Some(first);
                        body.after = after;
                        body.last = ::std::option::Option::None;
                        body.before = ::std::option::Option::None;
                        if !first_page {
                            body.skip = ::std::option::Option::None;
                        }
                        body
                    }
                    fn cursor(item: &types::#item) -> &str {
                        &item.id
                    }
                    fn request(self, client: &Client) -> builder::#builder<'_> {
                        client.#method().body(self)
                    }
                }

                #where_cfg
                impl ::cloud_common::ListRequest for types::#where_input {
                    type Item = types::#item;
                    type Body = types::#body;
                    fn into_body(self) -> types::#body {
                        ::std::convert::Into::into(self)
                    }
                }
            })
        })
        .collect()
}

/// `#[cfg(gate)]` unless the item's own gate (`implied`) is the same.
fn extra_cfg(gate: &Option<TokenStream>, implied: &Option<TokenStream>) -> Option<TokenStream> {
    let same = gate.as_ref().map(ToString::to_string) == implied.as_ref().map(ToString::to_string);
    gate.as_ref().filter(|_| !same).map(|g| quote!(#[cfg(#g)]))
}

/// `TaskId` and `IntoIterator for &_` for every with-task answer.
fn with_tasks(api: &OpenAPI) -> Vec<TokenStream> {
    schemas(api)
        .filter_map(|(name, schema)| {
            let o = object(schema)?;
            if !(is_string_property(o, "task_id") && o.properties.contains_key("data")) {
                return None;
            }
            let ty = type_ident(name);
            Some(quote! {
                impl ::cloud_common::TaskId for types::#ty {
                    fn task_id(&self) -> ::std::option::Option<&str> {
                        self.task_id.as_deref()
                    }
                }

                impl<'a> ::std::iter::IntoIterator for &'a types::#ty {
                    type Item = &'a types::#ty;
                    type IntoIter = ::std::iter::Once<&'a types::#ty>;
                    fn into_iter(self) -> Self::IntoIter {
                        ::std::iter::once(self)
                    }
                }
            })
        })
        .collect()
}

fn schemas(api: &OpenAPI) -> impl Iterator<Item = (&String, &Schema)> {
    api.components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .filter_map(|(name, s)| match s {
            ReferenceOr::Item(s) => Some((name, s)),
            ReferenceOr::Reference { .. } => None,
        })
}

fn object(schema: &Schema) -> Option<&openapiv3::ObjectType> {
    match &schema.schema_kind {
        SchemaKind::Type(Type::Object(o)) => Some(o),
        _ => None,
    }
}

fn schema_named<'a>(api: &'a OpenAPI, name: &str) -> Option<&'a Schema> {
    schemas(api).find(|(n, _)| *n == name).map(|(_, s)| s)
}

/// The component name a `$ref` points to.
fn ref_name<T>(r: &ReferenceOr<T>) -> Option<&str> {
    match r {
        ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/"),
        ReferenceOr::Item(_) => None,
    }
}

/// The component a property refers to, directly or as the one member of
/// an `allOf` (how OpenAPI 3.0 makes a `$ref` nullable).
fn property_ref<'a>(o: &'a openapiv3::ObjectType, name: &str) -> Option<&'a str> {
    match o.properties.get(name)? {
        ReferenceOr::Reference { reference } => reference.strip_prefix("#/components/schemas/"),
        ReferenceOr::Item(s) => match &s.schema_kind {
            SchemaKind::AllOf { all_of } if all_of.len() == 1 => ref_name(&all_of[0]),
            _ => None,
        },
    }
}

fn is_string_property(o: &openapiv3::ObjectType, name: &str) -> bool {
    matches!(o.properties.get(name), Some(ReferenceOr::Item(s))
        if matches!(s.schema_kind, SchemaKind::Type(Type::String(_))))
}

fn is_string_list_property(o: &openapiv3::ObjectType, name: &str) -> bool {
    let Some(ReferenceOr::Item(s)) = o.properties.get(name) else {
        return false;
    };
    let SchemaKind::Type(Type::Array(a)) = &s.schema_kind else {
        return false;
    };
    matches!(&a.items, Some(ReferenceOr::Item(i))
        if matches!(i.schema_kind, SchemaKind::Type(Type::String(_))))
}

fn type_ident(schema: &str) -> syn::Ident {
    format_ident!("{}", crate::open_enum::type_name(schema))
}

/// The schema of an operation's JSON body and of its 200 answer's array
/// items, by component name.
fn body_and_items(op: &openapiv3::Operation) -> (Option<&str>, Option<&str>) {
    let body = op.request_body.as_ref().and_then(|b| match b {
        ReferenceOr::Item(b) => b
            .content
            .get("application/json")?
            .schema
            .as_ref()
            .and_then(ref_name),
        ReferenceOr::Reference { .. } => None,
    });
    let items = op
        .responses
        .responses
        .get(&openapiv3::StatusCode::Code(200))
        .and_then(|r| {
            let ReferenceOr::Item(r) = r else { return None };
            let schema = r.content.get("application/json")?.schema.as_ref()?;
            let ReferenceOr::Item(schema) = schema else {
                return None;
            };
            let SchemaKind::Type(Type::Array(a)) = &schema.schema_kind else {
                return None;
            };
            ref_name(a.items.as_ref()?)
        });
    (body, items)
}

/// The Rust field name typify gives a property.
fn field_ident(property: &str) -> syn::Ident {
    format_ident!("{}", cloud_spec::naming::field_name(property))
}

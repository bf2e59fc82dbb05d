//! `Deserialize` of the request-only types, behind the feature
//! `json-bodies` of the crate that includes the generated file.
//!
//! typify derives `Deserialize` on every type. A type that only requests
//! use (a body, its nested params, its where-inputs and order-by inputs)
//! is never read from a response: its `Deserialize` exists only so that a
//! body written with `json!` can be checked against the typed body
//! (`TryFrom<serde_json::Value>`, see [`crate::tables`]). Those derives are
//! the largest single cost of compiling CloudTower's client (about a
//! quarter of the crate, measured with `-Z self-profile`), so a user who builds
//! bodies with the typed builders can leave them out: this pass turns
//! `#[derive(::serde::Deserialize, ..)]` of those types into
//! `#[cfg_attr(feature = "json-bodies", derive(::serde::Deserialize))]`.
//! The provider crates turn the feature on by default.
//!
//! Request-only is the reachability [`crate::non_exhaustive`] computes:
//! from the fields of the operation builders, and not from any operation's
//! success or error type.

use syn::punctuated::Punctuated;

use crate::non_exhaustive;

/// The cargo feature the derives are put behind.
pub const FEATURE: &str = "json-bodies";

/// Moves `Deserialize` of the request-only types of `file`'s `types`
/// module behind [`FEATURE`].
pub(crate) fn gate(file: &mut syn::File) {
    let Some((from_requests, from_responses)) = non_exhaustive::reach(&file.items) else {
        return;
    };
    let Some(types) = non_exhaustive::module_items(&mut file.items, "types") else {
        return;
    };
    for item in types.iter_mut() {
        let (ident, attrs) = match item {
            syn::Item::Struct(s) => (&s.ident, &mut s.attrs),
            syn::Item::Enum(e) => (&e.ident, &mut e.attrs),
            _ => continue,
        };
        let name = ident.to_string();
        if from_requests.contains(&name) && !from_responses.contains(&name) {
            gate_derive(attrs);
        }
    }
}

/// Takes `Deserialize` out of the `derive` in `attrs` and puts it, behind
/// the feature, right after that `derive` (before the `serde` attributes
/// it reads).
fn gate_derive(attrs: &mut Vec<syn::Attribute>) {
    let feature = FEATURE;
    for i in 0..attrs.len() {
        if !attrs[i].path().is_ident("derive") {
            continue;
        }
        let Ok(paths) =
            attrs[i].parse_args_with(Punctuated::<syn::Path, syn::Token![,]>::parse_terminated)
        else {
            continue;
        };
        let is_deserialize =
            |p: &syn::Path| p.segments.last().is_some_and(|s| s.ident == "Deserialize");
        let Some(de) = paths.iter().find(|p| is_deserialize(p)).cloned() else {
            continue;
        };
        let rest: Vec<&syn::Path> = paths.iter().filter(|p| !is_deserialize(p)).collect();
        attrs[i] = syn::parse_quote!(#[derive(#(#rest),*)]);
        attrs.insert(
            i + 1,
            syn::parse_quote!(#[cfg_attr(feature = #feature, derive(#de))]),
        );
        return;
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    #[test]
    fn gates_deserialize_of_request_only_types() {
        let mut file: syn::File = syn::parse_quote! {
            pub mod types {
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                #[serde(deny_unknown_fields)]
                pub struct Body { pub filter: ::std::option::Option<Filter> }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Filter { pub kind: Kind, pub shared: ::std::option::Option<Shared> }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Copy)]
                pub enum Kind { A, B }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Shared { pub id: ::std::string::String }
                #[derive(::serde::Deserialize, ::serde::Serialize, Clone, Debug)]
                pub struct Thing { pub shared: Shared }
            }
            pub mod builder {
                pub struct ListThings<'a> {
                    client: &'a super::Client,
                    body: Result<types::builder::Body, String>,
                }
                impl<'a> ListThings<'a> {
                    pub async fn send(self) -> Result<ResponseValue<::std::vec::Vec<types::Thing>>, Error<()>> {
                        Err(Error::InvalidRequest(String::new()))
                    }
                }
            }
        };
        super::gate(&mut file);
        let out = file.to_token_stream().to_string();
        let gated = "# [derive (:: serde :: Serialize , Clone , Debug)] # [cfg_attr (feature = \"json-bodies\" , derive (:: serde :: Deserialize))]";
        // Body and Filter (nested), Kind (an enum), in place, before the
        // serde attributes; Shared and Thing are read from responses.
        assert!(
            out.contains(&format!(
                "{gated} # [serde (deny_unknown_fields)] pub struct Body"
            )),
            "{out}"
        );
        assert!(out.contains(&format!("{gated} pub struct Filter")), "{out}");
        assert!(out.contains("# [derive (:: serde :: Serialize , Clone , Copy)] # [cfg_attr (feature = \"json-bodies\" , derive (:: serde :: Deserialize))] pub enum Kind"), "{out}");
        assert_eq!(out.matches("cfg_attr").count(), 3, "{out}");
        assert_eq!(
            out.matches("derive (:: serde :: Deserialize , :: serde :: Serialize")
                .count(),
            2,
            "{out}"
        );
    }
}

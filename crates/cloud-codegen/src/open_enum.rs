//! Forward-compatible enums.
//!
//! progenitor turns a string `enum` into a closed Rust enum, and one value
//! newer than the spec then fails the whole response. Every named string
//! enum in `components.schemas` is instead generated here as an open enum:
//! the known values as variants plus `Other(String)`, which keeps the new
//! value verbatim (and serializes it back unchanged). They are
//! `#[non_exhaustive]`: the next spec turns such a value into a variant of
//! its own, and that must not break a `match` in a user's crate.

use heck::ToUpperCamelCase;
use openapiv3::{OpenAPI, ReferenceOr, SchemaKind, Type};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// A named string enum of a spec.
pub struct OpenEnum {
    /// The Rust type name: the component schema name as typify spells it
    /// (`BPSUnit` becomes `BpsUnit`), which is also the key its replacement
    /// is looked up by.
    pub name: String,
    /// The documented values.
    pub values: Vec<String>,
    /// The schema's description.
    pub description: Option<String>,
}

/// The named string enums of `api`.
pub fn find(api: &OpenAPI) -> Vec<OpenEnum> {
    let Some(components) = &api.components else {
        return Vec::new();
    };
    components
        .schemas
        .iter()
        .filter_map(|(name, schema)| {
            let ReferenceOr::Item(schema) = schema else {
                return None;
            };
            let SchemaKind::Type(Type::String(s)) = &schema.schema_kind else {
                return None;
            };
            if s.enumeration.is_empty() {
                return None;
            }
            Some(OpenEnum {
                name: type_name(name),
                values: s.enumeration.iter().flatten().cloned().collect(),
                description: schema.schema_data.description.clone(),
            })
        })
        .collect()
}

/// The Rust type name typify gives a schema (its `sanitize(.., Pascal)`).
pub fn type_name(schema: &str) -> String {
    cloud_spec::naming::type_name(schema)
}

/// Rust variant names for `values`, unique and valid identifiers.
fn variant_names(values: &[String]) -> Vec<String> {
    let mut used = Vec::<String>::new();
    values
        .iter()
        .map(|v| {
            let mut base = v.to_upper_camel_case();
            if base.is_empty() || !base.starts_with(|c: char| c.is_ascii_alphabetic()) {
                base = format!("V{base}");
            }
            if base == "Other" || base == "Self_" {
                base.push('_');
            }
            let mut name = base.clone();
            let mut n = 2;
            while used.contains(&name) {
                name = format!("{base}{n}");
                n += 1;
            }
            used.push(name.clone());
            name
        })
        .collect()
}

/// The Rust source of the open enums, as a `pub mod open_enums`.
pub fn tokens(enums: &[OpenEnum]) -> TokenStream {
    let items = enums.iter().map(|e| {
        let ty = format_ident!("{}", e.name);
        let names = variant_names(&e.values);
        let variants: Vec<_> = names.iter().map(|n| format_ident!("{n}")).collect();
        let values = &e.values;
        let doc = e.description.clone().unwrap_or_else(|| format!("`{}` values.", e.name));
        let value_docs = values.iter().map(|v| format!("`{v}`"));
        quote! {
            #[doc = #doc]
            ///
            /// Open: a value newer than the spec parses as `Other` and is
            /// kept verbatim; and non-exhaustive, so that the variant a new
            /// value gets breaks no `match` outside this crate.
            #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
            #[non_exhaustive]
            pub enum #ty {
                #(#[doc = #value_docs] #variants,)*
                /// A value the spec does not list, verbatim.
                Other(::std::string::String),
            }

            impl #ty {
                /// Every documented value, in spec order.
                pub const KNOWN: &'static [&'static str] = &[#(#values),*];

                /// The wire value.
                pub fn as_str(&self) -> &str {
                    match self {
                        #(Self::#variants => #values,)*
                        Self::Other(other) => other.as_str(),
                    }
                }

                /// Whether the value is one the spec documents.
                pub fn is_known(&self) -> bool {
                    !matches!(self, Self::Other(_))
                }
            }

            impl ::std::fmt::Display for #ty {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.write_str(self.as_str())
                }
            }

            impl ::std::str::FromStr for #ty {
                type Err = ::std::convert::Infallible;
                fn from_str(s: &str) -> ::std::result::Result<Self, Self::Err> {
                    Ok(match s {
                        #(#values => Self::#variants,)*
                        other => Self::Other(other.to_string()),
                    })
                }
            }

            impl ::std::convert::From<&str> for #ty {
                fn from(s: &str) -> Self {
                    match s.parse() {
                        Ok(v) => v,
                        Err(never) => match never {},
                    }
                }
            }

            impl ::serde::Serialize for #ty {
                fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                    serializer.serialize_str(self.as_str())
                }
            }

            impl<'de> ::serde::Deserialize<'de> for #ty {
                fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                    let s = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                    Ok(Self::from(s.as_str()))
                }
            }
        }
    });
    quote! {
        /// Forward-compatible enums generated from the spec's named string
        /// enums (see `cloud_codegen::open_enum`).
        pub mod open_enums {
            #(#items)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_follow_typify() {
        assert_eq!(type_name("BPSUnit"), "BpsUnit");
        assert_eq!(type_name("VmStatus"), "VmStatus");
        assert_eq!(type_name("ContentLanguage"), "ContentLanguage");
    }

    #[test]
    fn variant_names_are_unique_identifiers() {
        let values = [
            "SUCCESSED",
            "en-US",
            "a-b",
            "a_b",
            "1GB",
            "Unknown",
            "Other",
        ]
        .map(String::from);
        assert_eq!(
            variant_names(&values),
            [
                "Successed",
                "EnUs",
                "AB",
                "AB2",
                "V1gb",
                "Unknown",
                "Other_"
            ]
        );
    }
}

//! The first release of each operation, where a spec records it
//! ([`cloud_spec::SINCE_EXTENSION`], CloudTower's `x-cloudtower-since`):
//!
//! - [`annotate`]: "Available since CloudTower X." at the end of the
//!   operation's description, before generation, so the generated method
//!   and the provider's wrapper (from the operation table) both say it;
//! - [`tokens`]: `OPERATIONS_SINCE`, `(operationId, release)` for every
//!   operation that has one, which a client checks a server's version
//!   against. Emitted only for a spec that records releases, so other
//!   providers' generated code is unchanged.

use openapiv3::{OpenAPI, Operation, ReferenceOr};
use proc_macro2::TokenStream;
use quote::quote;

use cloud_spec::SINCE_EXTENSION;

/// The release recorded on `op`, if any.
fn since(op: &Operation) -> Option<&str> {
    op.extensions
        .get(SINCE_EXTENSION)
        .and_then(serde_json::Value::as_str)
}

/// A release's numbers, for ordering. The stamps are plain release
/// numbers (`cargo xtask since` writes them from the table), so this is
/// all the parsing they need; the client parses with
/// `cloud_common::Version`, which the build does not depend on.
fn release_key(version: &str) -> Vec<u64> {
    version.split('.').map(|n| n.parse().unwrap_or(0)).collect()
}

/// Every operation of the spec, mutably.
fn operations_mut(api: &mut OpenAPI) -> impl Iterator<Item = &mut Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        let item = match item {
            ReferenceOr::Item(item) => Some(item),
            ReferenceOr::Reference { .. } => None,
        };
        item.into_iter().flat_map(|i| {
            [
                &mut i.get,
                &mut i.put,
                &mut i.post,
                &mut i.delete,
                &mut i.options,
                &mut i.head,
                &mut i.patch,
                &mut i.trace,
            ]
            .into_iter()
            .filter_map(Option::as_mut)
        })
    })
}

/// Adds "Available since CloudTower X." to the description of every
/// operation that records its release; "X or earlier" for the oldest
/// release the spec records (nothing before it is recorded).
pub(crate) fn annotate(api: &mut OpenAPI) {
    let oldest = crate::lint::operations(api)
        .into_iter()
        .filter_map(|(_, _, op)| since(op))
        .map(release_key)
        .min();
    for op in operations_mut(api) {
        let Some(version) = since(op).map(str::to_string) else {
            continue;
        };
        let earlier = if Some(release_key(&version)) == oldest {
            " or earlier"
        } else {
            ""
        };
        let note = format!("Available since CloudTower {version}{earlier}.");
        op.description = Some(match op.description.take() {
            Some(text) if !text.trim().is_empty() => format!("{}\n\n{note}", text.trim_end()),
            _ => note,
        });
    }
}

/// `OPERATIONS_SINCE`, or nothing when no operation records a release.
pub(crate) fn tokens(api: &OpenAPI) -> TokenStream {
    let rows: Vec<TokenStream> = crate::lint::operations(api)
        .into_iter()
        .filter_map(|(_, _, op)| {
            let id = op.operation_id.as_deref()?;
            let version = since(op)?;
            Some(quote! { (#id, #version) })
        })
        .collect();
    if rows.is_empty() {
        return TokenStream::new();
    }
    quote! {
        /// The first CloudTower release that has each operation, as
        /// `(operationId, release)`, from the spec's `x-cloudtower-since`
        /// (in document order). Releases before the oldest one listed are
        /// not recorded.
        pub const OPERATIONS_SINCE: &[(&str, &str)] = &[#(#rows),*];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> OpenAPI {
        serde_json::from_value(serde_json::json!({
            "openapi": "3.0.3",
            "info": {"title": "t", "version": "1"},
            "paths": {
                "/get-ntp": {"post": {"operationId": "GetNtp", "description": "The URL.",
                    "x-cloudtower-since": "4.5.0", "responses": {}}},
                "/get-vms": {"post": {"operationId": "GetVms", "x-cloudtower-since": "4.0.0",
                    "responses": {}}},
                "/get-hosts": {"post": {"operationId": "GetHosts", "responses": {}}}
            }
        }))
        .unwrap()
    }

    #[test]
    fn notes_the_release_in_the_description_and_the_table() {
        let mut api = api();
        annotate(&mut api);
        let ops = crate::lint::operations(&api);
        let ntp = ops.iter().find(|o| o.0 == "/get-ntp").unwrap().2;
        assert_eq!(
            ntp.description.as_deref(),
            Some("The URL.\n\nAvailable since CloudTower 4.5.0.")
        );
        // The oldest release recorded may not be the first.
        let vms = ops.iter().find(|o| o.0 == "/get-vms").unwrap().2;
        assert_eq!(
            vms.description.as_deref(),
            Some("Available since CloudTower 4.0.0 or earlier.")
        );
        let hosts = ops.iter().find(|o| o.0 == "/get-hosts").unwrap().2;
        assert_eq!(hosts.description, None);
        let table = tokens(&api).to_string();
        assert!(table.contains("(\"GetNtp\" , \"4.5.0\")"), "{table}");
        assert!(table.contains("(\"GetVms\" , \"4.0.0\")"), "{table}");
        assert!(!table.contains("GetHosts"), "{table}");
    }

    #[test]
    fn a_spec_without_releases_gets_no_table() {
        let mut api = api();
        for op in operations_mut(&mut api) {
            op.extensions.clear();
        }
        assert!(tokens(&api).is_empty());
    }
}

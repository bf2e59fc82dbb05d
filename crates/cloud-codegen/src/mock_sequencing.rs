//! Sequencing on the typed httpmock helpers.
//!
//! progenitor's `XThen` wrappers answer one typed response per rule. Tests
//! of retries and polling need more: a response that serves only the first
//! `n` matching requests (then the next rule answers), a slow response,
//! an extra header (`retry-after`, a request id). httpmock's `Then` has
//! them; this pass gives every typed wrapper the same methods, so a test
//! stays typed (`then.ok(&vm).up_to_n_times(2)`) instead of dropping to
//! `into_inner()`.

/// Adds `up_to_n_times`, `delay` and `header` to every `…Then` wrapper of
/// the `operations` module.
pub(crate) fn add(file: &mut syn::File) {
    let Some(items) = file.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "operations" => m.content.as_mut().map(|(_, i)| i),
        _ => None,
    }) else {
        return;
    };
    let wrappers: Vec<syn::Ident> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if s.ident.to_string().ends_with("Then") => Some(s.ident.clone()),
            _ => None,
        })
        .collect();
    for name in wrappers {
        items.push(syn::parse_quote! {
            impl #name {
                /// Serves this response to the first `n` matching requests
                /// only; later ones fall through to the next matching mock.
                pub fn up_to_n_times(self, n: usize) -> Self {
                    Self(self.0.up_to_n_times(n))
                }
                /// Answers after `duration` (for timeout tests).
                pub fn delay(self, duration: ::std::time::Duration) -> Self {
                    Self(self.0.delay(duration))
                }
                /// Adds a response header (e.g. `retry-after`).
                pub fn header(self, name: &str, value: &str) -> Self {
                    Self(self.0.header(name, value))
                }
            }
        });
    }
}

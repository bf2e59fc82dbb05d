//! `#[inline]` on every generated function, so that a debug build compiles
//! to machine code only what its user calls.
//!
//! Without optimisations rustc emits every public non-generic function of a
//! library, used or not, and with it everything that function
//! instantiates: `TryFrom<serde_json::Value>` of each request body pulls in
//! the body's `Deserialize` with serde_json's `Value` deserializer, the
//! builders' `TryFrom`/`From` conversions are emitted for every struct, and
//! so on. An `#[inline]` function is instead emitted where it is used (in
//! the user's crate, and only if it is used), as generic code already is.
//! For CloudTower (76 operations) this cut the LLVM IR of the generated
//! code from 522 k lines to 47 k and the crate's compile time by a third
//! (see `docs/performance.md`, "Build cost"). Release builds are unaffected beyond
//! the hint itself.

/// Adds `#[inline]` to every function of `items` (free functions and
/// methods of impl blocks, in nested modules too) that has no `inline`
/// attribute of its own.
pub(crate) fn mark(items: &mut [syn::Item]) {
    for item in items {
        match item {
            syn::Item::Fn(f) => add(&mut f.attrs),
            syn::Item::Impl(imp) => {
                for it in &mut imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        add(&mut f.attrs);
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &mut m.content {
                    mark(items);
                }
            }
            _ => {}
        }
    }
}

fn add(attrs: &mut Vec<syn::Attribute>) {
    if !attrs.iter().any(|a| a.path().is_ident("inline")) {
        attrs.push(syn::parse_quote!(#[inline]));
    }
}

#[cfg(test)]
mod tests {
    use quote::ToTokens;

    #[test]
    fn marks_methods_free_functions_and_nested_modules_once() {
        let mut file: syn::File = syn::parse_quote! {
            fn free() {}
            mod types {
                impl X { pub fn a(&self) {} #[inline(always)] fn b() {} }
                impl From<u8> for X { fn from(_: u8) -> Self { X } }
            }
        };
        super::mark(&mut file.items);
        let out = file.to_token_stream().to_string();
        assert_eq!(out.matches("# [inline]").count(), 3, "{out}");
        assert_eq!(out.matches("# [inline (always)]").count(), 1, "{out}");
    }
}

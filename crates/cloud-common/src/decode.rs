//! Decoding of the generated types that takes the spec at its word: an
//! object is read from a JSON object only.
//!
//! serde's derived `Deserialize` of a struct also accepts a sequence, read
//! field by field in declaration order, so a JSON array where the spec says
//! object parses (`[]` is a struct whose fields all have defaults, e.g. an
//! empty list, and `[null, "x"]` fills the first two fields), and an answer
//! that is not the documented shape passes as an empty success. Every
//! generated struct reads itself through [`ObjectOnly`] instead
//! (`cloud-codegen` writes the impl), wherever it sits: at the top of a
//! response, inside a list or a map, or in a branch of a `oneOf`.

use serde::Deserializer;
use serde::de::Visitor;

/// A deserializer that hands a struct's visitor to `deserialize_map`, so
/// that only a map (a JSON object) can become a struct; everything else is
/// passed through unchanged.
///
/// Formats that are not human-readable (binary formats, which write a
/// struct as a tuple of its fields) keep `deserialize_struct`: their
/// sequence form is the struct's real encoding, not a lookalike.
///
/// Depth is untouched: the wrapped deserializer's own recursion limit
/// (serde_json's 128 levels) still applies, and the wrapper adds no
/// recursion of its own.
#[derive(Debug)]
pub struct ObjectOnly<D>(pub D);

/// Forwards `deserialize_*` methods that take only a visitor.
macro_rules! forward {
    ($($method:ident)*) => {
        $(
            #[inline]
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
                self.0.$method(visitor)
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectOnly<D> {
    type Error = D::Error;

    forward! {
        deserialize_any deserialize_bool
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_option deserialize_unit
        deserialize_seq deserialize_map deserialize_identifier deserialize_ignored_any
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, visitor)
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, visitor)
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, visitor)
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, visitor)
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        if self.0.is_human_readable() {
            self.0.deserialize_map(visitor)
        } else {
            self.0.deserialize_struct(name, fields, visitor)
        }
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    #[inline]
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::ObjectOnly;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    struct Listing {
        #[serde(default)]
        items: Vec<u32>,
        #[serde(default)]
        note: Option<String>,
        #[serde(default)]
        extra: serde_json::Value,
    }

    fn strict(json: &str) -> Result<Listing, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(json);
        Listing::deserialize(ObjectOnly(&mut de))
    }

    #[test]
    fn a_plain_derive_reads_a_struct_from_an_array_and_object_only_does_not() {
        // The leniency this module exists for: both parse with serde alone.
        assert_eq!(
            serde_json::from_str::<Listing>("[]").unwrap(),
            Listing::default()
        );
        assert_eq!(
            serde_json::from_str::<Listing>("[[1], \"x\"]")
                .unwrap()
                .items,
            [1]
        );
        for body in ["[]", "[[1], \"x\"]", "null", "7"] {
            let e = strict(body).unwrap_err();
            assert!(
                e.to_string().contains("expected struct Listing"),
                "{body}: {e}"
            );
        }
        assert_eq!(
            strict(r#"{"items": [1, 2], "note": "n"}"#).unwrap(),
            Listing {
                items: vec![1, 2],
                note: Some("n".into()),
                extra: serde_json::Value::Null,
            }
        );
    }

    #[test]
    fn the_recursion_limit_still_applies() {
        // 10,000 levels read into a `Value` would overflow the stack
        // without serde_json's limit of 128.
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = strict(&format!(r#"{{"extra": {deep}}}"#)).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
        let e = strict(&format!(r#"{{"items": {deep}}}"#)).unwrap_err();
        assert!(e.to_string().contains("expected u32"), "{e}");
    }
}

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
//!
//! A `oneOf` (serde's `untagged` enum) that matches no branch says only
//! "data did not match any variant", which hides what was wrong; the
//! generated `oneOf`s read through [`OneOf`] instead, which says, for each
//! branch, where and why it failed.

use serde::de::{DeserializeOwned, Visitor};
use serde::{Deserialize, Deserializer};

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

/// A `oneOf` being read: the value, buffered, is tried against each branch
/// in order, and the first that reads it wins, as with serde's `untagged`;
/// each failure is kept with its path, so that a value no branch reads is
/// an error that says why each did not.
///
/// `cloud-codegen` writes every generated `oneOf`'s `Deserialize` as:
///
/// ```
/// # use cloud_common::__private::OneOf;
/// # #[derive(Debug, PartialEq)]
/// enum IntOrString { Integer(i64), String(String) }
/// impl<'de> serde::Deserialize<'de> for IntOrString {
///     fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
///         let mut one_of = OneOf::read(deserializer)?;
///         if let Some(v) = one_of.branch("Integer", Self::Integer) {
///             return Ok(v);
///         }
///         if let Some(v) = one_of.branch("String", Self::String) {
///             return Ok(v);
///         }
///         Err(one_of.no_branch("IntOrString"))
///     }
/// }
/// assert_eq!(serde_json::from_str::<IntOrString>("7").unwrap(), IntOrString::Integer(7));
/// let e = serde_json::from_str::<IntOrString>("[7]").unwrap_err().to_string();
/// assert!(e.starts_with("matches none of the shapes of IntOrString: \
///     Integer: invalid type: sequence, expected i64; \
///     String: invalid type: sequence, expected a string"), "{e}");
/// ```
#[derive(Debug)]
pub struct OneOf {
    value: serde_json::Value,
    failures: Vec<String>,
}

impl OneOf {
    /// Buffers the value. Read from serde_json, its depth is bounded by
    /// serde_json's recursion limit, and so is every branch's reading.
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self {
            value: serde_json::Value::deserialize(deserializer)?,
            failures: Vec::new(),
        })
    }

    /// Reads the value as the branch `name` (a `V`, wrapped by `wrap`), or
    /// keeps why it cannot and returns `None`.
    pub fn branch<V: DeserializeOwned, T>(
        &mut self,
        name: &str,
        wrap: impl FnOnce(V) -> T,
    ) -> Option<T> {
        match serde_path_to_error::deserialize::<_, V>(&self.value) {
            Ok(v) => Some(wrap(v)),
            Err(e) => {
                self.failures.push(format!("{name}: {e}"));
                None
            }
        }
    }

    /// The error for a value no branch read: every branch's failure, with
    /// the path (from the `oneOf`) to what it could not read.
    pub fn no_branch<E: serde::de::Error>(self, one_of: &str) -> E {
        E::custom(format_args!(
            "matches none of the shapes of {one_of}: {}",
            self.failures.join("; ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::{ObjectOnly, OneOf};

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

    #[derive(Debug, PartialEq)]
    enum Answer {
        Listing(Listing),
        Failure(Failure),
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Failure {
        error: String,
    }

    impl<'de> Deserialize<'de> for Answer {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let mut one_of = OneOf::read(deserializer)?;
            if let Some(v) = one_of.branch("Listing", |l: Wrapped| Self::Listing(l.0)) {
                return Ok(v);
            }
            if let Some(v) = one_of.branch("Failure", Self::Failure) {
                return Ok(v);
            }
            Err(one_of.no_branch("Answer"))
        }
    }

    /// `Listing` as the generated structs read: objects only.
    struct Wrapped(Listing);

    impl<'de> Deserialize<'de> for Wrapped {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            Listing::deserialize(ObjectOnly(deserializer)).map(Wrapped)
        }
    }

    #[test]
    fn a_one_of_takes_the_first_branch_that_reads_the_value() {
        let listing: Answer = serde_json::from_str(r#"{"items": [3]}"#).unwrap();
        assert_eq!(
            listing,
            Answer::Listing(Listing {
                items: vec![3],
                ..Listing::default()
            })
        );
        let failure: Answer = serde_json::from_str(r#"{"error": "no", "items": 3}"#).unwrap();
        assert_eq!(failure, Answer::Failure(Failure { error: "no".into() }));
    }

    #[test]
    fn a_one_of_that_reads_no_branch_says_where_each_failed() {
        let e = serde_json::from_str::<Answer>(r#"{"items": [1, "two"]}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "matches none of the shapes of Answer: \
             Listing: items[1]: invalid type: string \"two\", expected u32; \
             Failure: missing field `error`"
        );
        let e = serde_json::from_str::<Answer>("[]")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Listing: invalid type: sequence, expected struct Listing;"),
            "{e}"
        );
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        let e = serde_json::from_str::<Answer>(&deep).unwrap_err();
        assert!(e.to_string().contains("recursion limit exceeded"), "{e}");
    }
}

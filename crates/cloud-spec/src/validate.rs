//! A small validator for the OpenAPI 3.0 schema subset the specs use.
//!
//! Supported: `type`, `nullable`, `enum`, `format` (loosely: the ones
//! progenitor turns into checked Rust types: integer widths, `uuid`,
//! `date-time`, `date`), `properties`, `required`, `additionalProperties`,
//! `items`, `minItems`/`maxItems`, `minLength`/`maxLength`, `pattern`
//! (with the feature `pattern`), `minimum`/`maximum` (with 3.0's boolean
//! `exclusive*`), `allOf`, `anyOf`, `oneOf`, `not`, and `$ref`s into the
//! document. Anything else is ignored, which errs towards accepting: the
//! validator finds values that the generated types would reject.
//!
//! [`validate_with`] takes [`Options`] for other readers: a fake server
//! checking requests stops at the first problem, names it with a dotted
//! path, checks only the shape, reads `oneOf` as `anyOf` and is strict
//! about `null` ([`Options::request`]).

use std::fmt;

use serde_json::Value;

use crate::refs::{escape, ref_target};
use crate::schema::{nullable, properties, required, schema_type};

/// One thing wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The JSON pointer of the offending part of the value (`/vms/0/id`),
    /// empty for the value itself.
    pub pointer: String,
    /// What is wrong with it.
    pub message: String,
}

/// `` `/vms/0/id`: expected string, got integer ``, or `(the example): ..`
/// for the value itself.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "(the example): {}", self.message)
        } else {
            write!(f, "`{}`: {}", self.pointer, self.message)
        }
    }
}

/// How [`validate_with`] reads schemas and reports problems. The
/// default is [`validate`]'s: every problem, JSON pointers, every keyword.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Report only the first problem found (a server answering 400 names
    /// one).
    pub first_only: bool,
    /// Name places as `a.b[0]`, the way an error message for a person
    /// does, instead of JSON pointers (`/a/b/0`).
    pub dotted: bool,
    /// Check the shape only: types, `enum`, `required`, `properties`,
    /// `additionalProperties`, `items` and compositions; not formats,
    /// lengths, counts, bounds, patterns or `not`.
    pub shape_only: bool,
    /// A `oneOf` passes when any member matches, as an `anyOf` does
    /// (servers accept values that fit overlapping members).
    pub one_of_as_any_of: bool,
    /// `null` is valid only where the schema allows it (`nullable`, a
    /// `null` in a `type` list) or constrains nothing (no `type`, `enum`,
    /// `properties` or composition). Otherwise a `null` is only checked
    /// against the keywords that apply to it.
    pub strict_null: bool,
}

impl Options {
    /// What a fake server checks a request with: the first problem, dotted
    /// paths, the shape only, `oneOf` as `anyOf`, strict about `null`.
    pub fn request() -> Self {
        Self {
            first_only: true,
            dotted: true,
            shape_only: true,
            one_of_as_any_of: true,
            strict_null: true,
        }
    }
}

/// Checks `value` against `schema` (a node of `doc`, whose `$ref`s it
/// follows). Returns every problem found; empty when the value is valid.
pub fn validate(doc: &Value, schema: &Value, value: &Value) -> Vec<Problem> {
    validate_with(doc, schema, value, Options::default())
}

/// [`validate`] as `options` say.
pub fn validate_with(doc: &Value, schema: &Value, value: &Value, options: Options) -> Vec<Problem> {
    let mut errors = Vec::new();
    Walk { doc, options }.check(schema, value, "", &mut errors, 0);
    if options.first_only {
        errors.truncate(1);
    }
    errors
}

/// [`validate`], each problem as its text.
pub fn messages(doc: &Value, schema: &Value, value: &Value) -> Vec<String> {
    validate(doc, schema, value)
        .iter()
        .map(Problem::to_string)
        .collect()
}

fn push(errors: &mut Vec<Problem>, pointer: &str, message: String) {
    errors.push(Problem {
        pointer: pointer.to_string(),
        message,
    });
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// One validation: the document and the options.
struct Walk<'a> {
    doc: &'a Value,
    options: Options,
}

impl Walk<'_> {
    fn item_path(&self, path: &str, i: usize) -> String {
        if self.options.dotted {
            format!("{path}[{i}]")
        } else {
            format!("{path}/{i}")
        }
    }

    fn field_path(&self, path: &str, name: &str) -> String {
        match (self.options.dotted, path.is_empty()) {
            (true, true) => name.to_string(),
            (true, false) => format!("{path}.{name}"),
            (false, _) => format!("{path}/{}", escape(name)),
        }
    }

    fn check(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
        errors: &mut Vec<Problem>,
        depth: usize,
    ) {
        let doc = self.doc;
        // Recursive schemas (a filter that nests itself) are fine; a value
        // nested this deep is not an example anybody wrote.
        if depth > 64 {
            return;
        }
        if schema.get("$ref").is_some() {
            match ref_target(doc, schema) {
                Some(target) => self.check(target, value, path, errors, depth + 1),
                None => push(
                    errors,
                    path,
                    format!(
                        "the schema's $ref `{}` points nowhere",
                        schema["$ref"].as_str().unwrap_or("?")
                    ),
                ),
            }
            return;
        }
        // Boolean schemas (`additionalProperties: true` used as a schema) and
        // non-objects constrain nothing.
        let Some(keywords) = schema.as_object() else {
            return;
        };

        let types = schema_type(schema);
        if value.is_null() {
            if nullable(schema) || types.contains(&"null") {
                return;
            }
            if let Some(ty) = types.first() {
                push(
                    errors,
                    path,
                    format!("null, but the schema is `{ty}` and not nullable"),
                );
                return;
            }
            if self.options.strict_null {
                if constrains(keywords) {
                    push(errors, path, "null, but the schema is not nullable".into());
                }
                return;
            }
        }

        if !types.is_empty() {
            let actual = type_of(value);
            let ok = types.iter().any(|ty| match *ty {
                "number" => matches!(actual, "number" | "integer"),
                other => actual == other,
            });
            if !ok {
                let ty = types.join(" or ");
                push(errors, path, format!("expected {ty}, got {actual}"));
                return;
            }
        }

        if let Some(values) = keywords.get("enum").and_then(Value::as_array)
            && !values.contains(value)
        {
            let listed: Vec<String> = values.iter().map(Value::to_string).collect();
            push(
                errors,
                path,
                format!("{value} is not one of {}", listed.join(", ")),
            );
        }

        let constraints = !self.options.shape_only;
        match value {
            Value::String(s) if constraints => check_string(keywords, s, path, errors),
            Value::Number(n) if constraints => check_number(keywords, n, path, errors),
            Value::Array(items) => {
                let len = items.len() as u64;
                if let Some(min) = keywords.get("minItems").and_then(Value::as_u64)
                    && constraints
                    && len < min
                {
                    push(errors, path, format!("{len} items, at least {min} needed"));
                }
                if let Some(max) = keywords.get("maxItems").and_then(Value::as_u64)
                    && constraints
                    && len > max
                {
                    push(errors, path, format!("{len} items, at most {max} allowed"));
                }
                if let Some(item_schema) = keywords.get("items") {
                    for (i, item) in items.iter().enumerate() {
                        let item_path = self.item_path(path, i);
                        self.check(item_schema, item, &item_path, errors, depth + 1);
                    }
                }
            }
            Value::Object(fields) => {
                for name in required(schema) {
                    if !fields.contains_key(name) {
                        push(
                            errors,
                            path,
                            format!("required property `{name}` is missing"),
                        );
                    }
                }
                let props = properties(schema);
                for (name, field) in fields {
                    let field_path = self.field_path(path, name);
                    match props.and_then(|p| p.get(name)) {
                        Some(prop) => self.check(prop, field, &field_path, errors, depth + 1),
                        None => match keywords.get("additionalProperties") {
                            Some(Value::Bool(false)) => push(
                                errors,
                                path,
                                format!(
                                    "property `{name}` is not in the schema, which allows no others"
                                ),
                            ),
                            Some(extra @ Value::Object(_)) => {
                                self.check(extra, field, &field_path, errors, depth + 1)
                            }
                            _ => {}
                        },
                    }
                }
            }
            _ => {}
        }

        self.check_composition(keywords, value, path, errors, depth);
    }

    fn check_composition(
        &self,
        keywords: &serde_json::Map<String, Value>,
        value: &Value,
        path: &str,
        errors: &mut Vec<Problem>,
        depth: usize,
    ) {
        if let Some(all) = keywords.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, value, path, errors, depth + 1);
            }
        }
        let matching = |subs: &[Value]| {
            subs.iter()
                .filter(|sub| {
                    let mut sub_errors = Vec::new();
                    self.check(sub, value, path, &mut sub_errors, depth + 1);
                    sub_errors.is_empty()
                })
                .count()
        };
        if let Some(any) = keywords.get("anyOf").and_then(Value::as_array)
            && matching(any) == 0
        {
            push(
                errors,
                path,
                format!("matches none of the {} anyOf schemas", any.len()),
            );
        }
        if let Some(one) = keywords.get("oneOf").and_then(Value::as_array) {
            match matching(one) {
                1 => {}
                n if n > 1 && self.options.one_of_as_any_of => {}
                0 => push(
                    errors,
                    path,
                    format!("matches none of the {} oneOf schemas", one.len()),
                ),
                n => push(
                    errors,
                    path,
                    format!("matches {n} of the oneOf schemas; exactly one must match"),
                ),
            }
        }
        if let Some(not) = keywords.get("not")
            && !self.options.shape_only
        {
            let mut sub_errors = Vec::new();
            self.check(not, value, path, &mut sub_errors, depth + 1);
            if sub_errors.is_empty() {
                push(errors, path, "matches the schema under `not`".to_string());
            }
        }
    }
}

/// Whether a schema says anything about a value (so `null` is not simply
/// allowed under [`Options::strict_null`]).
fn constrains(keywords: &serde_json::Map<String, Value>) -> bool {
    ["oneOf", "anyOf", "allOf", "enum", "properties"]
        .iter()
        .any(|k| keywords.contains_key(*k))
}

fn check_string(
    keywords: &serde_json::Map<String, Value>,
    s: &str,
    path: &str,
    errors: &mut Vec<Problem>,
) {
    let len = s.chars().count() as u64;
    if let Some(min) = keywords.get("minLength").and_then(Value::as_u64)
        && len < min
    {
        push(errors, path, format!("shorter than {min} characters"));
    }
    if let Some(max) = keywords.get("maxLength").and_then(Value::as_u64)
        && len > max
    {
        push(errors, path, format!("longer than {max} characters"));
    }
    #[cfg(feature = "pattern")]
    if let Some(pattern) = keywords.get("pattern").and_then(Value::as_str) {
        match regress::Regex::new(pattern) {
            // ECMA-262 semantics, unanchored, like the generated clients.
            Ok(re) if re.find(s).is_none() => {
                push(errors, path, format!("{s:?} does not match `{pattern}`"))
            }
            Ok(_) => {}
            Err(e) => push(
                errors,
                path,
                format!("the schema's pattern `{pattern}` is not a valid regex: {e}"),
            ),
        }
    }
    let format = keywords.get("format").and_then(Value::as_str);
    let ok = match format {
        Some("uuid") => is_uuid(s),
        Some("date-time") => is_date_time(s),
        Some("date") => is_date(s),
        _ => true,
    };
    if !ok {
        push(
            errors,
            path,
            format!("{s:?} is not a valid {}", format.unwrap_or_default()),
        );
    }
}

fn check_number(
    keywords: &serde_json::Map<String, Value>,
    n: &serde_json::Number,
    path: &str,
    errors: &mut Vec<Problem>,
) {
    let x = n.as_f64().unwrap_or(f64::NAN);
    let flag = |k: &str| keywords.get(k).and_then(Value::as_bool) == Some(true);
    if let Some(min) = keywords.get("minimum").and_then(Value::as_f64) {
        let exclusive = flag("exclusiveMinimum");
        if x < min || (exclusive && x == min) {
            let word = if exclusive { "more than" } else { "at least" };
            push(errors, path, format!("{n} is not {word} {min}"));
        }
    }
    if let Some(max) = keywords.get("maximum").and_then(Value::as_f64) {
        let exclusive = flag("exclusiveMaximum");
        if x > max || (exclusive && x == max) {
            let word = if exclusive { "less than" } else { "at most" };
            push(errors, path, format!("{n} is not {word} {max}"));
        }
    }
    let fits = match keywords.get("format").and_then(Value::as_str) {
        Some("int32") => n.as_i64().is_some_and(|i| i32::try_from(i).is_ok()),
        Some("int64") => n.is_i64(),
        Some("uint32") => n.as_u64().is_some_and(|i| u32::try_from(i).is_ok()),
        Some("uint64") => n.is_u64(),
        _ => true,
    };
    if !fits {
        push(
            errors,
            path,
            format!(
                "{n} does not fit {}",
                keywords["format"].as_str().unwrap_or_default()
            ),
        );
    }
}

fn all_digits(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_digit())
}

/// `8-4-4-4-12` hex digits, what `uuid::Uuid` parses in a JSON string.
fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// `YYYY-MM-DD` with a plausible month and day.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    all_digits(y, 4)
        && all_digits(m, 2)
        && all_digits(d, 2)
        && (1..=12).contains(&m.parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&d.parse::<u32>().unwrap_or(0))
}

/// RFC 3339, what chrono accepts for `DateTime<Utc>`: a date, `T`, a time
/// with optional fraction, and `Z` or a `±HH:MM` offset.
fn is_date_time(s: &str) -> bool {
    let Some((date, rest)) = s.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !is_date(date) || rest.len() < 8 {
        return false;
    }
    let (time, zone) = rest.split_at(8);
    let hms: Vec<&str> = time.split(':').collect();
    let time_ok = hms.len() == 3
        && hms.iter().all(|p| all_digits(p, 2))
        && hms[0].parse::<u32>().unwrap_or(99) < 24
        && hms[1].parse::<u32>().unwrap_or(99) < 60
        && hms[2].parse::<u32>().unwrap_or(99) < 61;
    let zone = match zone.strip_prefix('.') {
        Some(frac) => {
            let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return false;
            }
            &frac[digits..]
        }
        None => zone,
    };
    let zone_ok = zone.eq_ignore_ascii_case("z")
        || (zone.len() == 6
            && (zone.starts_with('+') || zone.starts_with('-'))
            && all_digits(&zone[1..3], 2)
            && &zone[3..4] == ":"
            && all_digits(&zone[4..6], 2));
    time_ok && zone_ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats() {
        assert!(is_uuid("02c65d45-6da5-4232-a8db-ee0e5bc76110"));
        assert!(!is_uuid("02c65d45-6da5-4232-a8db"));
        assert!(is_date_time("2024-07-15T12:00:23.227+08:00"));
        assert!(is_date_time("0001-01-01T00:00:00Z"));
        assert!(!is_date_time("2024-07-15 noon"));
        assert!(!is_date_time("Sat, 10 Dec 2022 21:38:19 GMT"));
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2024-13-01"));
    }

    #[test]
    fn nullable_ref_wrapper_accepts_null_and_checks_the_rest() {
        let doc = json!({"components": {"schemas": {
            "Dc": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
        }}});
        let wrapper = json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/Dc"}]});
        assert!(validate(&doc, &wrapper, &json!(null)).is_empty());
        assert_eq!(
            messages(&doc, &wrapper, &json!({})),
            ["(the example): required property `name` is missing"]
        );
        let plain = json!({"$ref": "#/components/schemas/Dc"});
        assert_eq!(
            messages(&doc, &plain, &json!(null)),
            ["(the example): null, but the schema is `object` and not nullable"]
        );
    }

    #[test]
    fn one_of_needs_exactly_one_match() {
        let doc = json!({});
        let schema = json!({"oneOf": [{"type": "number"}, {"type": "integer"}]});
        assert_eq!(
            messages(&doc, &schema, &json!(3)),
            ["(the example): matches 2 of the oneOf schemas; exactly one must match"]
        );
        assert!(validate(&doc, &schema, &json!(3.5)).is_empty());
    }

    #[test]
    fn request_options_stop_at_the_first_problem_and_check_the_shape() {
        let doc = json!({});
        let schema = json!({"type": "object", "required": ["a"], "properties": {
            "a": {"type": "array", "items": {"type": ["integer", "null"]}, "maxItems": 1},
            "b": {"type": "string", "format": "uuid"},
            "c": {"oneOf": [{"type": "number"}, {"type": "integer"}]},
            "d": {"properties": {"e": {"type": "string"}}},
            "f": {}
        }});
        let request = Options::request();
        let check = |value| validate_with(&doc, &schema, &value, request);
        // Formats and counts are not the shape; `null` is in the type list.
        assert!(check(json!({"a": [1, null], "b": "x", "c": 3, "f": null})).is_empty());
        let problems = check(json!({"a": ["x", "y"], "d": null}));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].pointer, "a[0]");
        assert_eq!(problems[0].message, "expected integer or null, got string");
        assert_eq!(
            check(json!({"a": [], "d": null}))[0],
            Problem {
                pointer: "d".into(),
                message: "null, but the schema is not nullable".into()
            }
        );
        // By default: every problem, JSON pointers, every keyword.
        let all = validate(
            &doc,
            &schema,
            &json!({"a": [1, 2], "b": "x", "c": 3, "d": null}),
        );
        let pointers: Vec<&str> = all.iter().map(|p| p.pointer.as_str()).collect();
        assert_eq!(pointers, ["/a", "/b", "/c"]);
    }

    #[cfg(feature = "pattern")]
    #[test]
    fn patterns_are_unanchored_ecma_regexes() {
        let schema = json!({"type": "string", "pattern": "^[a-z]+$"});
        assert!(validate(&json!({}), &schema, &json!("abc")).is_empty());
        assert_eq!(
            messages(
                &json!({}),
                &json!({"properties": {"a": schema}}),
                &json!({"a": "A"})
            ),
            ["`/a`: \"A\" does not match `^[a-z]+$`"]
        );
    }
}

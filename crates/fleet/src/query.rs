//! `--jq FILTER`: a jq filter over what a command prints, applied after
//! every page has been read.
//!
//! jq rather than JMESPath: `gh --jq` and `kubectl ... | jq` made it what
//! people script JSON with, and jaq (`jaq-core`, `jaq-std`, `jaq-json`) is
//! a maintained, pure-Rust implementation of it (the `jmespath` crate has
//! seen few releases). jaq-std comes with all its functions: its
//! definitions (`test`, `todate`, `@base64`, ...) need every group of them
//! to compile at all.

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
use jaq_json::Val;
use serde_json::Value as Json;

use crate::exit::CliError;

/// A compiled filter. Compiling once up front reports a syntax error
/// before anything is sent.
pub struct Query {
    filter: jaq_core::Filter<data::JustLut<Val>>,
}

impl Query {
    /// Compiles `code`; a syntax error or an undefined name is a usage
    /// error that says where.
    pub fn new(code: &str) -> Result<Self, CliError> {
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(&arena, File { code, path: () })
            .map_err(|errors| {
                let messages: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, e)| load_error(code, e))
                    .collect();
                usage(code, &messages)
            })?;
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errors| {
                let messages: Vec<String> = errors
                    .into_iter()
                    .flat_map(|(_, es)| es)
                    .map(|(name, what)| format!("undefined {} `{name}`", what.as_str()))
                    .collect();
                usage(code, &messages)
            })?;
        Ok(Self { filter })
    }

    /// Every output of the filter on `input`, in order. A runtime error
    /// (`.foo` of an array, `error("..")`) is a usage error.
    pub fn run(&self, input: &Json) -> Result<Vec<Json>, CliError> {
        let input = jaq_json::read::parse_single(input.to_string().as_bytes())
            .map_err(|e| CliError::config(format!("--jq cannot read the answer: {e}")))?;
        let ctx = Ctx::<data::JustLut<Val>>::new(&self.filter.lut, Vars::new([]));
        let mut out = Vec::new();
        for v in self.filter.id.run((ctx, input)).map(unwrap_valr) {
            let v = v.map_err(|e| CliError::usage(format!("--jq: {e}")))?;
            let text = v.to_string();
            // jaq's values are a superset of JSON (byte strings, NaN):
            // what JSON cannot hold prints as its jq text.
            out.push(serde_json::from_str(&text).unwrap_or(Json::String(text)));
        }
        Ok(out)
    }
}

fn usage(code: &str, messages: &[String]) -> CliError {
    CliError::usage(format!("--jq {code:?}: {}", messages.join("; ")))
}

/// Where in `code` the slice `at` starts (jaq's errors carry slices of it).
fn position(code: &str, at: &str) -> usize {
    (at.as_ptr() as usize)
        .checked_sub(code.as_ptr() as usize)
        .filter(|p| *p <= code.len())
        .unwrap_or(code.len())
}

fn load_error(code: &str, e: jaq_core::load::Error<&str>) -> Vec<String> {
    use jaq_core::load::Error;
    let near = |at: &str| {
        let p = position(code, at);
        match code.get(p..).filter(|rest| !rest.is_empty()) {
            Some(rest) => format!("at column {} ({rest:?})", p + 1),
            None => "at the end".to_string(),
        }
    };
    match e {
        Error::Io(errors) => errors.into_iter().map(|(_, m)| m).collect(),
        Error::Lex(errors) => errors
            .into_iter()
            .map(|(expect, at)| {
                let what = match expect {
                    // `as_str` knows only the delimiters jaq opens.
                    jaq_core::load::lex::Expect::Delim(d) => format!("a match for {d:?}"),
                    other => other.as_str().to_string(),
                };
                format!("expected {what} {}", near(at))
            })
            .collect(),
        Error::Parse(errors) => errors
            .into_iter()
            .map(|(expect, at)| format!("expected {} {}", expect.as_str(), near(at)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_select_and_project() {
        let q = Query::new(r#".[] | select(.status == "RUNNING") | .name"#).unwrap();
        let input = json!([{"name": "a", "status": "RUNNING"}, {"name": "b", "status": "STOPPED"}]);
        assert_eq!(q.run(&input).unwrap(), [json!("a")]);
        let q = Query::new("map(.name) | length").unwrap();
        assert_eq!(q.run(&input).unwrap(), [json!(2)]);
        let q = Query::new(r#"[.[] | select(.name | test("^b"))] | .[0].status"#).unwrap();
        assert_eq!(q.run(&input).unwrap(), [json!("STOPPED")]);
        let q = Query::new("sort_by(.name) | reverse | map({n: .name}) | first").unwrap();
        assert_eq!(q.run(&input).unwrap(), [json!({"n": "b"})]);
    }

    #[test]
    fn bad_filters_are_usage_errors_that_say_where() {
        let e = Query::new(".[] | select(").err().unwrap();
        assert_eq!(e.code, crate::exit::USAGE);
        assert!(e.message.contains("--jq"), "{}", e.message);
        let e = Query::new("nosuchfunction").err().unwrap();
        assert!(e.message.contains("nosuchfunction"), "{}", e.message);
        let e = Query::new(".a").unwrap().run(&json!([1])).err().unwrap();
        assert_eq!(e.code, crate::exit::USAGE);
    }
}

//! Fault rules: which requests fail, how, and how often. A rule names the
//! operations it hits (none: every one), the [`Fault`] to answer with, and
//! either a count (the next `times` calls) or a probability (each call
//! fails with it, for as long as the rule stays). Rules are tried in the
//! order they were added; the first that fires answers.
//!
//! The same rule travels as JSON through the control plane
//! (`POST /_fake/faults`):
//!
//! ```json
//! {"operation": "getVms", "status": 503, "times": 2}
//! {"operation": "*", "probability": 0.1, "drop": true}
//! {"operation": "listInstances", "status": 429, "retry_after": 7}
//! {"operation": "createInstance", "delay_ms": 1500}
//! {"operation": "CreateVm", "drop": true, "after_effect": true}
//! {"operation": "getInstance", "respond": {"status": 200, "body": {"error": "busy"}}}
//! {"name": "error-in-200"}
//! ```

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{Body, Fault, Response};

/// A rule of which calls fail and how (see the [module docs](self)).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FaultRule {
    /// The `operationId`s it hits; empty: every operation.
    pub operations: Vec<String>,
    /// What a hit call gets.
    pub fault: Fault,
    /// How many more calls it hits; `None`: no limit.
    pub times: Option<usize>,
    /// The chance that a matching call is hit (1.0 when `None`).
    pub probability: Option<f64>,
    /// How many calls it has hit so far.
    pub hits: usize,
}

impl FaultRule {
    /// A rule that hits the next call of `operation` (`"*"` or `""`: of
    /// any operation) with `fault`.
    pub fn new(operation: &str, fault: Fault) -> Self {
        let operations = match operation {
            "" | "*" => Vec::new(),
            op => vec![op.to_string()],
        };
        Self {
            operations,
            fault,
            times: Some(1),
            probability: None,
            hits: 0,
        }
    }

    /// A named fault of the provider (see `Fake::named_faults`), on the
    /// operations it is documented for.
    pub fn named(name: &str) -> Self {
        Self::new("*", Fault::Named(name.to_string()))
    }

    /// Hits the next `times` matching calls.
    pub fn times(mut self, times: usize) -> Self {
        self.times = Some(times);
        self
    }

    /// Hits matching calls for as long as the rule stays.
    pub fn always(mut self) -> Self {
        self.times = None;
        self
    }

    /// Hits each matching call with this chance (0.0 to 1.0), with no
    /// limit on the count unless [`FaultRule::times`] follows.
    pub fn probability(mut self, probability: f64) -> Self {
        self.probability = Some(probability.clamp(0.0, 1.0));
        self.times = None;
        self
    }

    /// Whether it applies to a call of `operation`.
    pub(crate) fn covers(&self, operation: &str) -> bool {
        self.times != Some(0)
            && (self.operations.is_empty() || self.operations.iter().any(|o| o == operation))
    }

    /// Reads a rule from its JSON form (see the [module docs](self)).
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let Some(map) = value.as_object() else {
            return Err("a fault rule is a JSON object".into());
        };
        const KNOWN: &[&str] = &[
            "operation",
            "operations",
            "times",
            "probability",
            "status",
            "retry_after",
            "delay_ms",
            "drop",
            "respond",
            "name",
            "after_effect",
        ];
        if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!(
                "unknown field `{unknown}` in a fault rule; known: {}",
                KNOWN.join(", ")
            ));
        }
        let mut fault = fault_of(map)?;
        if map.get("after_effect").and_then(Value::as_bool) == Some(true) {
            fault = Fault::AfterEffect(Box::new(fault));
        }
        let mut operations = Vec::new();
        match map.get("operation") {
            None | Some(Value::Null) => {}
            Some(Value::String(op)) if op == "*" || op.is_empty() => {}
            Some(Value::String(op)) => operations.push(op.clone()),
            Some(_) => return Err("`operation` is a string".into()),
        }
        if let Some(ops) = map.get("operations") {
            let ops = ops
                .as_array()
                .ok_or("`operations` is an array of strings")?;
            for op in ops {
                operations.push(
                    op.as_str()
                        .ok_or("`operations` is an array of strings")?
                        .to_string(),
                );
            }
        }
        let probability = match map.get("probability") {
            None | Some(Value::Null) => None,
            Some(p) => match p.as_f64() {
                Some(p) if (0.0..=1.0).contains(&p) => Some(p),
                _ => return Err("`probability` is a number from 0 to 1".into()),
            },
        };
        let times = match map.get("times") {
            None | Some(Value::Null) => probability.is_none().then_some(1),
            Some(t) => Some(
                t.as_u64()
                    .and_then(|t| usize::try_from(t).ok())
                    .ok_or("`times` is a non-negative integer")?,
            ),
        };
        Ok(Self {
            operations,
            fault,
            times,
            probability,
            hits: 0,
        })
    }

    /// The rule as JSON, in the form [`FaultRule::from_json`] reads, with
    /// `hits` added.
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        if !self.operations.is_empty() {
            map.insert("operations".into(), json!(self.operations));
        }
        let mut fault = &self.fault;
        if let Fault::AfterEffect(inner) = fault {
            map.insert("after_effect".into(), json!(true));
            fault = inner;
        }
        match fault {
            Fault::Status(status) => {
                map.insert("status".into(), json!(status));
            }
            Fault::TooManyRequests { retry_after_secs } => {
                map.insert("status".into(), json!(429));
                map.insert("retry_after".into(), json!(retry_after_secs));
            }
            Fault::Delay(d) => {
                map.insert("delay_ms".into(), json!(d.as_millis()));
            }
            Fault::Drop => {
                map.insert("drop".into(), json!(true));
            }
            Fault::Respond(response) => {
                map.insert("respond".into(), response_json(response));
            }
            Fault::Named(name) => {
                map.insert("name".into(), json!(name));
            }
            Fault::Proceed | Fault::AfterEffect(_) => {}
        }
        map.insert("times".into(), json!(self.times));
        if let Some(p) = self.probability {
            map.insert("probability".into(), json!(p));
        }
        map.insert("hits".into(), json!(self.hits));
        Value::Object(map)
    }
}

/// The fault a rule's JSON names: exactly one of `status`, `delay_ms`,
/// `drop`, `respond` or `name`.
fn fault_of(map: &Map<String, Value>) -> Result<Fault, String> {
    let kinds: Vec<&str> = ["status", "delay_ms", "drop", "respond", "name"]
        .into_iter()
        .filter(|k| map.contains_key(*k))
        .collect();
    if kinds.len() != 1 {
        return Err(
            "a fault rule has exactly one of `status`, `delay_ms`, `drop`, `respond` or `name`"
                .into(),
        );
    }
    match kinds[0] {
        "status" => {
            let status = map["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..=599).contains(s))
                .ok_or("`status` is an HTTP status (100 to 599)")?;
            match map.get("retry_after") {
                Some(r) => Ok(Fault::TooManyRequests {
                    retry_after_secs: r.as_u64().ok_or("`retry_after` is seconds")?,
                }),
                None => Ok(Fault::Status(status)),
            }
        }
        "delay_ms" => Ok(Fault::Delay(Duration::from_millis(
            map["delay_ms"]
                .as_u64()
                .ok_or("`delay_ms` is milliseconds")?,
        ))),
        "drop" => match map["drop"].as_bool() {
            Some(true) => Ok(Fault::Drop),
            _ => Err("`drop` is true".into()),
        },
        "name" => Ok(Fault::Named(
            map["name"]
                .as_str()
                .ok_or("`name` is a named fault's name")?
                .to_string(),
        )),
        _ => {
            let respond = map["respond"]
                .as_object()
                .ok_or("`respond` is {status, body, headers}")?;
            let status = respond
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| (100..=599).contains(s))
                .ok_or("`respond.status` is an HTTP status")?;
            let body = match respond.get("body") {
                None | Some(Value::Null) => Body::Empty,
                Some(Value::String(text)) if respond.get("text") == Some(&json!(true)) => {
                    Body::Text(text.clone())
                }
                Some(body) => Body::Json(body.clone()),
            };
            let mut response = Response {
                status,
                headers: Vec::new(),
                body,
            };
            if let Some(headers) = respond.get("headers").and_then(Value::as_object) {
                for (k, v) in headers {
                    let v = v.as_str().ok_or("`respond.headers` values are strings")?;
                    response = response.with_header(k.clone(), v);
                }
            }
            Ok(Fault::Respond(response))
        }
    }
}

fn response_json(response: &Response) -> Value {
    let mut out = json!({"status": response.status});
    match &response.body {
        Body::Json(v) => out["body"] = v.clone(),
        Body::Text(t) => {
            out["body"] = json!(t);
            out["text"] = json!(true);
        }
        Body::Empty => {}
    }
    if !response.headers.is_empty() {
        let headers: Map<String, Value> = response
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        out["headers"] = Value::Object(headers);
    }
    out
}

/// A fault a provider names and documents (see `Service::named_faults`):
/// a failure its real service is known to produce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedFault {
    /// Its name, as a rule's `name` gives it (`error-in-200`).
    pub name: &'static str,
    /// The operations it hits when the rule names none.
    pub operations: &'static [&'static str],
    /// What it does and the answer it produces.
    pub description: &'static str,
}

impl NamedFault {
    /// As JSON, for `GET /_fake/faults/named`.
    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "operations": self.operations, "description": self.description})
    }
}

/// The rules of one server and the random numbers behind probabilities
/// (a fixed seed: a run with probabilistic faults repeats itself).
#[derive(Debug)]
pub(crate) struct Rules {
    pub(crate) rules: Vec<FaultRule>,
    random: u64,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            random: 0x5eed_fa17,
        }
    }
}

impl Rules {
    /// splitmix64, as a number in [0, 1).
    fn next_random(&mut self) -> f64 {
        self.random = self.random.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.random;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    /// The fault of the first rule that fires on a call of `operation`,
    /// counted; spent rules go away.
    pub(crate) fn fire(&mut self, operation: &str) -> Option<Fault> {
        let mut fired = None;
        for i in 0..self.rules.len() {
            if !self.rules[i].covers(operation) {
                continue;
            }
            if let Some(p) = self.rules[i].probability
                && self.next_random() >= p
            {
                continue;
            }
            let rule = &mut self.rules[i];
            rule.hits += 1;
            if let Some(t) = &mut rule.times {
                *t -= 1;
            }
            fired = Some(rule.fault.clone());
            break;
        }
        self.rules.retain(|r| r.times != Some(0));
        fired
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_round_trip_through_json_and_refuse_nonsense() {
        for text in [
            r#"{"operations": ["getVms"], "status": 503, "times": 2}"#,
            r#"{"probability": 0.25, "drop": true}"#,
            r#"{"operations": ["a"], "status": 429, "retry_after": 7, "times": 1}"#,
            r#"{"delay_ms": 1500, "times": null}"#,
            r#"{"after_effect": true, "drop": true, "times": 1}"#,
            r#"{"respond": {"status": 200, "body": "ok", "text": true}, "times": 1}"#,
            r#"{"name": "error-in-200", "times": 3}"#,
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            let rule = FaultRule::from_json(&value).unwrap();
            let mut back = rule.to_json();
            back.as_object_mut().unwrap().remove("hits");
            assert_eq!(FaultRule::from_json(&back).unwrap(), rule, "{text}");
        }
        for bad in [
            json!([]),
            json!({"status": 503, "drop": true}),
            json!({"status": 42}),
            json!({"probability": 2, "drop": true}),
            json!({"status": 500, "colour": "red"}),
            json!({}),
        ] {
            assert!(FaultRule::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counted_rules_fire_in_order_and_go_away_when_spent() {
        let mut rules = Rules::default();
        rules
            .rules
            .push(FaultRule::new("a", Fault::Status(500)).times(2));
        rules.rules.push(FaultRule::new("*", Fault::Drop));
        assert_eq!(rules.fire("b"), Some(Fault::Drop));
        assert_eq!(rules.fire("a"), Some(Fault::Status(500)));
        assert_eq!(rules.fire("a"), Some(Fault::Status(500)));
        assert_eq!(rules.fire("a"), None);
        assert!(rules.rules.is_empty());
    }

    #[test]
    fn a_probability_hits_about_that_share_of_calls() {
        let mut rules = Rules::default();
        rules
            .rules
            .push(FaultRule::new("a", Fault::Status(503)).probability(0.3));
        let hits = (0..10_000).filter(|_| rules.fire("a").is_some()).count();
        assert!((2_500..3_500).contains(&hits), "{hits}");
        assert_eq!(rules.rules[0].hits, hits);
    }
}

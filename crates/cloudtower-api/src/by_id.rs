//! Every compiled operation by its `operationId`, called with a JSON body
//! through its typed method (features `mock` and `json-bodies`): what a
//! test driven by the spec needs to send every operation's example without
//! naming 554 methods. The body is checked against the typed body before
//! anything is sent, and the typed answer comes back as JSON, so a field
//! the types drop is visible.
//!
//! Built from the operation table (`generated::for_each_operation!`), so
//! it holds exactly the operations of the enabled tag features.

use std::collections::HashMap;
use std::sync::OnceLock;

use cloud_common::ErrorKind;
use futures::future::BoxFuture;
use serde_json::Value;

#[allow(unused_imports)] // The table's types are written `types::..`.
use crate::types;
use crate::{CloudTower, Error, PROVIDER, Result};

/// One operation: sends a JSON body through the typed method.
type Call = for<'a> fn(&'a CloudTower, Value) -> BoxFuture<'a, Result<Value>>;

/// The operations, by `operationId` (`Login` is [`CloudTower::login`]).
fn table() -> &'static HashMap<&'static str, Call> {
    static TABLE: OnceLock<HashMap<&'static str, Call>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut out: HashMap<&'static str, Call> = HashMap::new();
        macro_rules! calls {
            ($($row:tt)*) => { $(call! $row)* };
        }
        macro_rules! call {
            { method: login, $($rest:tt)* } => {};
            { method: $method:ident, id: $id:literal, doc: $doc:literal, body: [::std::vec::Vec<$item:ty>], ok: $ok:ty, } => {
                let f: Call = |ct, body| {
                    Box::pin(async move {
                        let Value::Array(items) = body else {
                            return Err(not_array($id));
                        };
                        answer($id, &ct.$method(items).await?)
                    })
                };
                out.insert($id, f);
            };
            { method: $method:ident, id: $id:literal, doc: $doc:literal, body: [$body:ty], ok: $ok:ty, } => {
                let f: Call = |ct, body| Box::pin(async move { answer($id, &ct.$method(body).await?) });
                out.insert($id, f);
            };
            { method: $method:ident, id: $id:literal, doc: $doc:literal, body: [], ok: $ok:ty, } => {
                let f: Call = |ct, _| Box::pin(async move { answer($id, &ct.$method().await?) });
                out.insert($id, f);
            };
        }
        crate::generated::for_each_operation!(calls);
        out
    })
}

/// Parses an answer as its operation's success type.
pub type Parser = fn(Value) -> std::result::Result<(), String>;

/// A [`Parser`] per compiled operation (`Login` included), by
/// `operationId`: what a fake's drift guard checks its answers with.
pub fn answer_parsers() -> Vec<(&'static str, Parser)> {
    let mut out: Vec<(&'static str, Parser)> = Vec::new();
    macro_rules! parsers {
        ($({ method: $method:ident, id: $id:literal, doc: $doc:literal, body: [$($body:ty)?], ok: $ok:ty, })*) => {$(
            let parse: Parser = |body| {
                serde_json::from_value::<$ok>(body).map(drop).map_err(|e| e.to_string())
            };
            out.push(($id, parse));
        )*};
    }
    crate::generated::for_each_operation!(parsers);
    out
}

/// The `operationId`s [`CloudTower::call_json`] can call in this build.
pub fn operation_ids() -> impl Iterator<Item = &'static str> {
    table().keys().copied()
}

impl CloudTower {
    /// Calls the operation `id` with `body` through its typed method and
    /// returns the typed answer as JSON. An array body is the elements of
    /// a create; an operation without a body ignores `body`.
    ///
    /// An `id` this build does not compile (its tag feature is off, or
    /// there is no such operation) is an [`ErrorKind::InvalidRequest`]
    /// error, and nothing is sent.
    pub async fn call_json(&self, id: &str, body: Value) -> Result<Value> {
        let Some(call) = table().get(id) else {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                PROVIDER,
                id.to_string(),
                format!("no operation `{id}` in this build (unknown, or its tag feature is off)"),
            ));
        };
        call(self, body).await
    }
}

fn not_array(id: &'static str) -> Error {
    Error::new(
        ErrorKind::InvalidRequest,
        PROVIDER,
        id,
        "the body of this operation is an array (one element per resource)",
    )
}

/// The typed answer as JSON.
fn answer(id: &'static str, ok: &impl serde::Serialize) -> Result<Value> {
    serde_json::to_value(ok).map_err(|e| {
        Error::new(
            ErrorKind::Decode,
            PROVIDER,
            id,
            format!("the typed answer does not serialise: {e}"),
        )
    })
}

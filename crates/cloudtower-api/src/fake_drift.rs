//! The fake's drift guard (`cloudtower_fake::drift`) with this crate's
//! response types: only this crate can expand its operation table into a
//! parser per operation, so the guard runs among its tests. The fake is a
//! dev-dependency; nothing of it is compiled outside tests.

use cloudtower_fake::drift::{Parser, Parsers};

#[allow(unused_imports)] // The table's types are written `types::..`.
use crate::types;

/// A parser per operation of the table (which may call its callback once
/// per group of operations compiled under the same features).
fn parsers() -> Parsers {
    let mut out = Parsers::new();
    macro_rules! parsers {
        ($({ method: $method:ident, id: $id:literal, doc: $doc:literal, body: [$($body:ty)?], ok: $ok:ty, })*) => {$(
            let parse: Parser = |body| {
                serde_json::from_value::<$ok>(body).map(drop).map_err(|e| e.to_string())
            };
            out.insert($id, parse);
        )*};
    }
    crate::generated::for_each_operation!(parsers);
    out
}

#[tokio::test]
async fn every_operation_is_answered_with_a_body_its_type_parses() {
    let mut failures = cloudtower_fake::drift::unanswered(&parsers()).await;
    // The table has the operations of the enabled tag features only: an
    // operation of a tag this build leaves out has no parser, which is no
    // drift. With `full` every operation must have one. (`cargo test
    // --workspace` unifies the tags the contract tests enable, so the
    // fake's answers to those are checked there too.)
    if !cfg!(feature = "full") {
        failures.retain(|f| !f.ends_with(": no generated operation"));
    }
    assert!(
        failures.is_empty(),
        "operations the fake does not answer:\n{}",
        failures.join("\n")
    );
}

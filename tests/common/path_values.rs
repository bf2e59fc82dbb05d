//! The path parameter values every way of sending is tried with: the
//! typed clients and `raw` (tests/path_params.rs) and the `fleet`
//! command line (crates/fleet/tests/path_params.rs), so that all of them
//! are held to the same cases.

/// Values the URL parser would split or normalise, or that name no
/// resource: each is either refused before sending or arrives intact in
/// its one segment.
pub fn bad_values() -> Vec<String> {
    let mut v: Vec<String> = [
        ".",
        "..",
        "",
        "/",
        "\\",
        "%2F",
        "%2f",
        "%2e%2e",
        "%2E%2E",
        "%5C",
        "?",
        "#",
        "a b",
        " ",
        "ü",
        "日本",
        "a\nb",
        "a\r\nHost: evil",
        "..\\secrets\\x",
        "a\\b",
        "../x",
        "./",
        "a/../b",
        "a?b=c",
        "a#b",
        "%00",
        "\u{0}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(100 * 1024));
    v
}

/// Whether `value` must be refused before anything is sent: it is empty
/// or a dot segment (`cloud_common::path_segment`'s rule).
pub fn refused(value: &str) -> bool {
    matches!(value, "" | "." | "..")
}

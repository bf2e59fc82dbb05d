//! Path parameters that cannot reach another resource.
//!
//! progenitor percent-encodes a path parameter (`/`, `%`, `?`, `#`,
//! spaces, controls and non-ASCII), but leaves three ways out of the
//! segment: `.` and `..`, which the URL parser resolves as dot segments
//! (`delete_instance("..")` would send `DELETE /api/v2/`), a backslash,
//! which it reads as `/` in `http(s)` URLs (`"..\\secrets\\x"` would reach
//! `/secrets/x`), and the empty value, which names the collection instead
//! of one resource. Every generated request goes through [`path_segment`]
//! instead (`cloud-codegen` rewrites progenitor's `encode_path` calls), so
//! no present or future operation can be steered elsewhere.

/// One path parameter as one URL path segment: percent-encoded as
/// progenitor does, with a backslash encoded too (`%5C`, so it arrives as
/// a backslash, inside the segment), and `.`, `..` or an empty value
/// refused with an invalid-request error naming the parameter. Because `%`
/// is encoded, `%2F` or `%2e%2e` in a value arrive as those characters,
/// never as a `/` or a dot segment.
///
/// ```
/// use cloud_common::path_segment;
/// assert_eq!(path_segment::<()>("id", "a b/c").unwrap(), "a%20b%2Fc");
/// assert_eq!(path_segment::<()>("id", "..\\secrets\\x").unwrap(), "..%5Csecrets%5Cx");
/// assert!(path_segment::<()>("id", "..").is_err());
/// assert!(path_segment::<()>("id", "").is_err());
/// ```
// The error is progenitor's own type, which generated `send()`s return.
#[allow(clippy::result_large_err)]
pub fn path_segment<E>(name: &str, value: &str) -> Result<String, progenitor_client::Error<E>> {
    let what = match value {
        "" => Some("empty"),
        "." | ".." => Some("a dot segment"),
        _ => None,
    };
    if let Some(what) = what {
        return Err(progenitor_client::Error::InvalidRequest(format!(
            "path parameter `{name}` is {what} ({value:?}): it would address another resource"
        )));
    }
    Ok(progenitor_client::encode_path(value).replace('\\', "%5C"))
}

//! What the runtime knows of an operation (the generated `OPERATIONS`
//! table) and the per-call settings that override the client's.

use std::time::Duration;

/// One operation of a spec, as the code generator records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// The generated method name, which progenitor reports to the hooks.
    pub method: &'static str,
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// Whether the spec marks it `x-safe-to-retry: true`.
    pub safe_to_retry: bool,
    /// The JSON property names of the secrets its requests and responses
    /// can carry (the spec's `Secret` schema): an error that keeps a body
    /// of this operation redacts them.
    pub secret_fields: &'static [&'static str],
    /// Whether its responses can carry a secret: a kept body of such an
    /// operation that is not JSON (and so cannot be redacted by property)
    /// is dropped, keeping only its length.
    pub secret_response: bool,
    /// Whether its success answer is a JSON object (not an array or a
    /// scalar): serde would read a struct from an array too, so an array
    /// answered here is refused as [`ErrorKind::Decode`](crate::ErrorKind::Decode).
    pub object_response: bool,
}

/// Per-call settings that override the client's.
///
/// ```
/// use std::time::Duration;
/// use cloud_common::CallOptions;
/// let opts = CallOptions::new().timeout(Duration::from_secs(5)).retry(false);
/// assert_eq!(opts.timeout_override(), Some(Duration::from_secs(5)));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallOptions {
    timeout: Option<Duration>,
    retry: Option<bool>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Timeout for this call (each attempt), instead of the client's.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// `true` retries this call even if its operation is not marked safe to
    /// repeat (opt in for creates you know to be idempotent); `false` never
    /// retries it.
    pub fn retry(mut self, retry: bool) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The timeout override, if any.
    pub fn timeout_override(&self) -> Option<Duration> {
        self.timeout
    }

    /// Whether a call of `operation` may be retried: the call's choice,
    /// else what the spec says (an operation it does not name is not).
    pub(super) fn retries(&self, operation: Option<&OperationSpec>) -> bool {
        self.retry
            .unwrap_or_else(|| operation.is_some_and(|o| o.safe_to_retry))
    }

    /// Sets this call's timeout on `request` (each attempt is a clone of it).
    pub(super) fn apply(&self, request: &mut reqwest::Request) {
        if let Some(timeout) = self.timeout {
            *request.timeout_mut() = Some(timeout);
        }
    }
}

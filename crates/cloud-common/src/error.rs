//! The one error type every provider crate returns.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server answered with an error: a non-2xx status, or a 2xx body
    /// that the API uses to report failure.
    Api,
    /// The request never got a complete answer (connection refused, reset,
    /// TLS failure).
    Transport,
    /// No answer within the configured timeout.
    Timeout,
    /// The answer arrived but is not JSON, or not the JSON the spec
    /// describes.
    Decode,
    /// The request could not be built from the arguments given.
    InvalidRequest,
    /// A waiter gave up before the resource reached the wanted state.
    WaitTimeout,
    /// A waiter stopped because the resource reached a state from which
    /// the wanted one cannot come (an instance in `error` or deleted, a
    /// failed task); the message names the state.
    WaitFailed,
    /// What was asked cannot be done there, so nothing was sent: the
    /// provider does not offer it (an SSH key where it sets its own
    /// password, a GPU count its offer does not come in), or the server is
    /// too old for the operation (CloudTower's client with its version
    /// check on); the message says which.
    Unsupported,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Api => "API error",
            ErrorKind::Transport => "transport error",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Decode => "unexpected response body",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::WaitTimeout => "gave up waiting",
            ErrorKind::WaitFailed => "the wait cannot succeed",
            ErrorKind::Unsupported => "not supported",
        })
    }
}

/// An error from any provider crate: which provider and operation, the HTTP
/// status, the server's own message and request id where there are some, the
/// raw body where it could not be understood, and whether a retry could help.
///
/// `Display` shows the whole chain of causes after the error itself (e.g.
/// `… transport error: the request did not complete: error sending
/// request: … tcp connect error: Connection refused`), and
/// [`source`](std::error::Error::source) gives them one by one.
///
/// Never contains a credential, in `Display`, `Debug` or any cause: URLs
/// are stripped from transport errors, because TensorDock v0 puts
/// credentials in query strings.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    provider: &'static str,
    operation: Cow<'static, str>,
    status: Option<u16>,
    message: String,
    request_id: Option<String>,
    body: Option<String>,
    retry_after: Option<Duration>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// A new error of `kind` for `provider`'s `operation`.
    pub fn new(
        kind: ErrorKind,
        provider: &'static str,
        operation: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                provider,
                operation: operation.into(),
                status: None,
                message: message.into(),
                request_id: None,
                body: None,
                retry_after: None,
                source: None,
            }),
        }
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Sets the server's request id.
    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.inner.request_id = request_id;
        self
    }

    /// Keeps the raw response body (lossily decoded as UTF-8).
    pub fn with_body(mut self, body: impl Into<String>) -> Self {
        self.inner.body = Some(body.into());
        self
    }

    /// Sets the delay the server asked for (`Retry-After`).
    pub fn with_retry_after(mut self, delay: Option<Duration>) -> Self {
        self.inner.retry_after = delay;
        self
    }

    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.inner.source = Some(Box::new(source));
        self
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The provider, e.g. `"tensordock"`.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The `operationId` (or helper name) that failed.
    pub fn operation(&self) -> &str {
        &self.inner.operation
    }

    /// The HTTP status, if a response arrived.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The server's message (its `error`/`message` field), or a description
    /// of what went wrong on our side.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The server's request id, if it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// The raw body of a response that was not understood, or of an error
    /// response with no structured message.
    pub fn body(&self) -> Option<&str> {
        self.inner.body.as_deref()
    }

    /// The delay the server asked for before retrying (`Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// Whether repeating the same request later could succeed: transport
    /// errors, timeouts and statuses 408, 429, 502, 503, 504.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            ErrorKind::Transport | ErrorKind::Timeout => true,
            ErrorKind::Api => self.inner.status.is_some_and(is_retryable_status),
            _ => false,
        }
    }
}

/// The statuses worth retrying: 408, 429, 502, 503, 504.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 502 | 503 | 504)
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        write!(f, "{} {}: {}", i.provider, i.operation, i.kind)?;
        if let Some(status) = i.status {
            write!(f, " (HTTP {status})")?;
        }
        if !i.message.is_empty() {
            write!(f, ": {}", i.message)?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " [request id {id}]")?;
        }
        // The causes too, so that a printed error says what failed
        // ("connection refused"), not only that something did. A cause
        // that repeats the text of the one before (or the message) is
        // shown once.
        let mut shown = i.message.clone();
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !text.is_empty() && !shown.contains(&text) {
                write!(f, ": {text}")?;
                shown = text;
            }
            source = cause.source();
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Error")
            .field("kind", &i.kind)
            .field("provider", &i.provider)
            .field("operation", &i.operation)
            .field("status", &i.status)
            .field("message", &i.message)
            .field("request_id", &i.request_id)
            .field("body", &i.body)
            .field("retry_after", &i.retry_after)
            .field("source", &i.source)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Implemented by each provider's error-body type, so the shared conversion
/// can pull out the server's message.
pub trait ServerMessage {
    /// The human-readable message in the body, if any.
    fn server_message(&self) -> Option<String>;
}

impl ServerMessage for () {
    fn server_message(&self) -> Option<String> {
        None
    }
}

impl ServerMessage for serde_json::Value {
    fn server_message(&self) -> Option<String> {
        ["error", "message", "msg"]
            .iter()
            .find_map(|k| match self.get(k)? {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Null => None,
                other => Some(other.to_string()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cause with its own cause, as `reqwest` → `hyper` → `io` nest.
    #[derive(Debug)]
    struct Wrapped(&'static str, Option<std::io::Error>);

    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(self.0)
        }
    }

    impl std::error::Error for Wrapped {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            self.1.as_ref().map(|e| e as _)
        }
    }

    #[test]
    fn display_ends_with_every_cause_once() {
        let refused =
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection refused");
        let e = Error::new(
            ErrorKind::Transport,
            "p",
            "op",
            "the request did not complete",
        )
        .with_source(Wrapped("error sending request", Some(refused)));
        assert_eq!(
            e.to_string(),
            "p op: transport error: the request did not complete: error sending request: Connection refused"
        );
        // A cause that repeats the one before it (an error that prints its
        // source itself) is shown once.
        let repeated = std::io::Error::other("tcp connect error");
        let e = Error::new(ErrorKind::Transport, "p", "op", "")
            .with_source(Wrapped("tcp connect error", Some(repeated)));
        assert_eq!(e.to_string(), "p op: transport error: tcp connect error");
    }
}

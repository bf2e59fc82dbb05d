//! What a call saw of its last attempt (status, request id, the body of an
//! error), carried from the hook that sends to the call that converts the
//! error, and the tracing span of each request.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::response::{self, Answer};

/// Response headers that carry a server-side request id, in order of
/// preference (CloudTower sends `x-tower-request-id`).
/// `HeaderName`s rather than strings, so a lookup does not parse the name.
static REQUEST_ID_HEADERS: [reqwest::header::HeaderName; 3] = [
    reqwest::header::HeaderName::from_static("x-tower-request-id"),
    reqwest::header::HeaderName::from_static("x-request-id"),
    reqwest::header::HeaderName::from_static("request-id"),
];

/// What the runtime saw of the last attempt of a call.
#[derive(Debug, Default, Clone)]
pub(super) struct Observed {
    pub(super) status: Option<u16>,
    pub(super) request_id: Option<String>,
    pub(super) retry_after: Option<Duration>,
    /// The body of a non-2xx response, kept so that an error page that is
    /// not JSON still reaches the caller with its status.
    pub(super) error_body: Option<String>,
    /// Where a 3xx answer pointed (redacted), since redirects are never
    /// followed.
    pub(super) location: Option<String>,
    /// The response's content type, for a body that cannot be kept.
    pub(super) content_type: Option<String>,
    /// A 2xx body that is a JSON array where the spec says object.
    pub(super) not_an_object: bool,
}

/// What one call observed, carried back from the sending hook to the call.
/// The call's settings are not here: they live in the runtime itself, so a
/// raw generated request and a wrapper call behave the same.
#[derive(Debug, Default)]
pub(super) struct CallState {
    observed: Mutex<Observed>,
}

tokio::task_local! {
    static CALL: Arc<CallState>;
}

/// Runs `fut` (a whole call, every attempt) with a record of what its
/// requests observed, and returns its output with the record.
pub(super) async fn scope<F: Future>(fut: F) -> (F::Output, Observed) {
    let state = Arc::new(CallState::default());
    let output = CALL.scope(Arc::clone(&state), fut).await;
    let observed = state.observed.lock().map(|o| o.clone()).unwrap_or_default();
    (output, observed)
}

/// The record of the call this request belongs to, if it runs inside
/// [`scope`] (a generated request sent on its own does not).
pub(super) fn current() -> Option<Arc<CallState>> {
    CALL.try_with(Arc::clone).ok()
}

/// The span of one request, every attempt included; [`finish`] fills in
/// what is known only at the end.
pub(super) fn span(
    provider: &'static str,
    operation: &str,
    method: &reqwest::Method,
) -> tracing::Span {
    tracing::info_span!(
        "http_request",
        provider,
        operation,
        method = %method,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        attempts = tracing::field::Empty,
        request_id = tracing::field::Empty,
    )
}

/// Records the outcome of the last attempt for the call and the current
/// span, and returns it without URLs (they can carry credentials). A
/// non-2xx body is read into memory and the response rebuilt around it,
/// so the body survives even if progenitor cannot parse it.
pub(super) async fn finish(
    (answer, attempts): (Answer, u32),
    started: Instant,
    state: Option<&CallState>,
) -> reqwest::Result<reqwest::Response> {
    let span = tracing::Span::current();
    span.record("attempts", attempts);
    span.record("latency_ms", started.elapsed().as_millis() as u64);
    // `without_url`: TensorDock v0 puts credentials in query strings.
    let response = answer.result.map_err(reqwest::Error::without_url)?;
    let status = response.status();
    let request_id = REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| response.headers().get(h)?.to_str().ok().map(str::to_string));
    span.record("status", status.as_u16());
    if let Some(id) = &request_id {
        span.record("request_id", id.as_str());
    }
    let headers = response.headers();
    let retry_after = super::retry::retry_after(headers);
    let location = status.is_redirection().then(|| {
        headers
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map_or_else(|| "(no Location)".to_string(), crate::config::redacted_url)
    });
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
    let (response, error_body) = if status.is_success() {
        (response::without_url(response), None)
    } else {
        // Boxed: reading a body is a large future, and only this rare path
        // needs it, so it stays out of every request's future.
        let (rebuilt, body) = Box::pin(response::keep_body(response))
            .await
            .map_err(reqwest::Error::without_url)?;
        (rebuilt, Some(body))
    };
    tracing::debug!(status = status.as_u16(), "response");
    if let Some(Ok(mut o)) = state.map(|s| s.observed.lock()) {
        *o = Observed {
            status: Some(status.as_u16()),
            request_id,
            retry_after,
            error_body,
            location,
            content_type,
            not_an_object: answer.not_an_object,
        };
    }
    Ok(response)
}

//! The shared request runtime that every generated client runs through
//! (progenitor's `ClientHooks::exec`): retries, per-call timeouts, tracing,
//! and the bookkeeping that lets errors carry status and request id.

use std::borrow::Cow;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{OperationInfo, ResponseValue};
use tracing::Instrument;

use crate::config::{ClientConfig, RetryPolicy};
use crate::error::{Error, ErrorKind, ServerMessage, is_retryable_status};
use crate::secret::Secret;

/// Response headers that carry a server-side request id, in order of
/// preference (CloudTower sends `x-tower-request-id`).
const REQUEST_ID_HEADERS: &[&str] = &["x-tower-request-id", "x-request-id", "request-id"];

/// Keep at most this much of a body we could not parse.
const MAX_KEPT_BODY: usize = 64 * 1024;

/// One operation of a spec, as the code generator records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// The generated method name, which progenitor reports to the hooks.
    pub method: &'static str,
    /// The spec's `operationId`.
    pub operation_id: &'static str,
    /// Whether the spec marks it `x-safe-to-retry: true`.
    pub safe_to_retry: bool,
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
}

/// What the runtime saw of the last attempt of a call.
#[derive(Debug, Default, Clone)]
struct Observed {
    status: Option<u16>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    /// The body of a non-2xx response, kept so that an error page that is
    /// not JSON still reaches the caller with its status.
    error_body: Option<String>,
}

#[derive(Debug, Default)]
struct CallState {
    options: CallOptions,
    observed: Mutex<Observed>,
}

tokio::task_local! {
    static CALL: Arc<CallState>;
}

/// The runtime a generated client carries as its inner value: which
/// provider it is, which operations are safe to retry, and the retry policy.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

#[derive(Clone)]
struct RuntimeInner {
    provider: &'static str,
    operations: &'static [OperationSpec],
    retry: RetryPolicy,
    /// Headers added to every request (authentication); values are secrets.
    headers: Vec<(reqwest::header::HeaderName, Secret)>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("provider", &self.inner.provider)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime for `provider` whose operations are `operations` (the
    /// generated `OPERATIONS`).
    pub fn new(
        provider: &'static str,
        operations: &'static [OperationSpec],
        config: &ClientConfig,
    ) -> Self {
        Self {
            inner: Arc::new(RuntimeInner {
                provider,
                operations,
                retry: config.retry_policy().clone(),
                headers: Vec::new(),
            }),
        }
    }

    /// Adds a header that every request carries, e.g. `Authorization`. The
    /// value is a [`Secret`]: it is marked sensitive on the wire so that
    /// `reqwest`/`http` never print it either.
    ///
    /// ```
    /// use cloud_common::{ClientConfig, Runtime, Secret};
    /// let rt = Runtime::new("demo", &[], &ClientConfig::new("http://localhost"))
    ///     .with_header("authorization", Secret::new("bearer abc"));
    /// assert!(!format!("{rt:?}").contains("abc"));
    /// ```
    pub fn with_header(mut self, name: &'static str, value: Secret) -> Self {
        let name = reqwest::header::HeaderName::from_static(name);
        let inner = Arc::make_mut(&mut self.inner);
        inner.headers.retain(|(n, _)| *n != name);
        inner.headers.push((name, value));
        self
    }

    /// The provider name, e.g. `"cloudtower"`.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The spec entry for a generated method name or an `operationId`.
    pub fn operation(&self, name: &str) -> Option<&'static OperationSpec> {
        self.inner
            .operations
            .iter()
            .find(|o| o.method == name || o.operation_id == name)
    }

    /// Whether an operation (method name or `operationId`) is retried by
    /// default.
    pub fn is_safe_to_retry(&self, name: &str) -> bool {
        self.operation(name).is_some_and(|o| o.safe_to_retry)
    }

    /// Runs one generated operation (`fut`, e.g. `client.get_vm().send()`)
    /// with per-call `options`, and turns progenitor's error into an
    /// [`Error`] that carries the status, the server message, the request id
    /// and, for bodies that could not be parsed, the raw body.
    pub async fn call<T, E, F>(
        &self,
        operation: &'static str,
        options: &CallOptions,
        fut: F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        E: ServerMessage,
    {
        let state = Arc::new(CallState {
            options: options.clone(),
            observed: Mutex::default(),
        });
        let result = CALL.scope(state.clone(), fut).await;
        let observed = state.observed.lock().map(|o| o.clone()).unwrap_or_default();
        result
            .map(ResponseValue::into_inner)
            .map_err(|e| self.convert(operation, e, observed))
    }

    fn convert<E: ServerMessage>(
        &self,
        operation: &'static str,
        error: progenitor_client::Error<E>,
        observed: Observed,
    ) -> Error {
        use progenitor_client::Error as P;
        let provider = self.inner.provider;
        let base = |kind, message: String| {
            let mut e = Error::new(kind, provider, Cow::Borrowed(operation), message)
                .with_request_id(observed.request_id.clone())
                .with_retry_after(observed.retry_after);
            if let Some(status) = observed.status {
                e = e.with_status(status);
            }
            e
        };
        match error {
            P::ErrorResponse(rv) => {
                let message = rv.as_ref().server_message();
                let mut e = base(ErrorKind::Api, message.clone().unwrap_or_default())
                    .with_status(rv.status().as_u16());
                if let (None, Some(body)) = (&message, observed.error_body) {
                    e = e.with_body(body);
                }
                e
            }
            P::InvalidResponsePayload(bytes, source) => {
                let status = observed.status.unwrap_or(200);
                let body = truncate_lossy(&bytes);
                if (200..300).contains(&status) {
                    base(
                        ErrorKind::Decode,
                        format!("the response is not the JSON the spec describes: {source}"),
                    )
                    .with_body(body)
                    .with_source(source)
                } else {
                    // An error status whose body is not the documented error
                    // shape, e.g. an HTML page from a proxy.
                    base(
                        ErrorKind::Api,
                        format!("HTTP {status} with an undocumented body"),
                    )
                    .with_body(body)
                    .with_source(source)
                }
            }
            P::UnexpectedResponse(response) => {
                let status = response.status().as_u16();
                let body = observed.error_body.unwrap_or_default();
                let message = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.server_message())
                    .unwrap_or_else(|| format!("HTTP {status}"));
                let kind = if (200..300).contains(&status) {
                    ErrorKind::Decode
                } else {
                    ErrorKind::Api
                };
                base(kind, message).with_status(status).with_body(body)
            }
            P::CommunicationError(source)
            | P::ResponseBodyError(source)
            | P::InvalidUpgrade(source) => {
                let kind = if source.is_timeout() {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Transport
                };
                let message = if source.is_timeout() {
                    "no response within the timeout".to_string()
                } else {
                    "the request did not complete".to_string()
                };
                // `without_url`: TensorDock v0 puts credentials in query strings.
                base(kind, message).with_source(source.without_url())
            }
            P::InvalidRequest(message) => base(ErrorKind::InvalidRequest, message),
            P::Custom(message) => base(ErrorKind::Api, message),
        }
    }

    /// The body of progenitor's `ClientHooks::exec` for every provider:
    /// applies the call's timeout, retries what may be retried, records what
    /// it saw for [`Runtime::call`], and traces the request.
    pub async fn exec(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let state = CALL.try_with(Arc::clone).ok();
        let options = state
            .as_ref()
            .map(|s| s.options.clone())
            .unwrap_or_default();
        let operation = self
            .operation(info.operation_id)
            .map_or(info.operation_id, |o| o.operation_id);
        let span = tracing::info_span!(
            "http_request",
            provider = self.inner.provider,
            operation,
            method = %request.method(),
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
            attempts = tracing::field::Empty,
            request_id = tracing::field::Empty,
        );
        let retry_allowed = options
            .retry
            .unwrap_or_else(|| self.is_safe_to_retry(operation));
        async move {
            let mut request = request;
            // progenitor adds `api-version: <info.version>` to every request;
            // none of our services speaks that header, so it stays off the wire.
            request.headers_mut().remove("api-version");
            for (name, value) in &self.inner.headers {
                match reqwest::header::HeaderValue::from_str(value.expose()) {
                    Ok(mut v) => {
                        v.set_sensitive(true);
                        request.headers_mut().insert(name.clone(), v);
                    }
                    // A value with a newline cannot be a header; sending the
                    // request without it yields the server's auth error.
                    Err(_) => tracing::warn!(header = %name, "header value is not valid; not sent"),
                }
            }
            if let Some(timeout) = options.timeout {
                *request.timeout_mut() = Some(timeout);
            }
            let policy = &self.inner.retry;
            let started = Instant::now();
            let mut attempt = 1u32;
            loop {
                // Keep a copy for the next attempt only when there may be one.
                let spare = if retry_allowed && attempt < policy.max_attempts {
                    request.try_clone()
                } else {
                    None
                };
                let result = client.execute(request).await;
                let delay = retry_delay(&result, policy, attempt);
                match (spare, delay) {
                    (Some(next), Some(delay))
                        if started.elapsed() + delay <= policy.max_elapsed =>
                    {
                        tracing::debug!(attempt, delay_ms = delay.as_millis() as u64, "retrying");
                        tokio::time::sleep(delay).await;
                        request = next;
                        attempt += 1;
                    }
                    _ => {
                        let span = tracing::Span::current();
                        span.record("attempts", attempt);
                        span.record("latency_ms", started.elapsed().as_millis() as u64);
                        return finish(result, state.as_deref()).await;
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// How long to wait before retrying `result`, or `None` if it should not be
/// retried.
fn retry_delay(
    result: &reqwest::Result<reqwest::Response>,
    policy: &RetryPolicy,
    attempt: u32,
) -> Option<Duration> {
    let backoff = || {
        let cap = policy
            .initial_backoff
            .saturating_mul(1u32 << (attempt - 1).min(16))
            .min(policy.max_backoff);
        // Full jitter: uniform in [cap/2, cap], so retries from many clients
        // spread out but never collapse to zero.
        let half = cap / 2;
        half + Duration::from_nanos(random_u64() % (half.as_nanos() as u64 + 1))
    };
    match result {
        Ok(response) if is_retryable_status(response.status().as_u16()) => Some(
            retry_after(response.headers()).map_or_else(backoff, |d| d.min(policy.max_backoff)),
        ),
        Ok(_) => None,
        Err(e) if e.is_timeout() || e.is_builder() || e.is_redirect() => None,
        Err(_) => Some(backoff()),
    }
}

/// Parses `Retry-After` as seconds or an HTTP date.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn random_u64() -> u64 {
    // RandomState is seeded per instance from the OS: enough for jitter,
    // without a dependency on `rand`.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(Instant::now().elapsed().as_nanos() as u64);
    h.finish()
}

/// Records the outcome for [`Runtime::call`] and the tracing span. A
/// non-2xx body is read into memory and the response rebuilt around it, so
/// the body survives even if progenitor cannot parse it.
async fn finish(
    result: reqwest::Result<reqwest::Response>,
    state: Option<&CallState>,
) -> reqwest::Result<reqwest::Response> {
    let response = result?;
    let status = response.status();
    let request_id = REQUEST_ID_HEADERS.iter().find_map(|h| {
        response
            .headers()
            .get(*h)?
            .to_str()
            .ok()
            .map(str::to_string)
    });
    let span = tracing::Span::current();
    span.record("status", status.as_u16());
    if let Some(id) = &request_id {
        span.record("request_id", id.as_str());
    }
    let retry_after = retry_after(response.headers());
    let (response, error_body) = if status.is_success() {
        (response, None)
    } else {
        let version = response.version();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let mut rebuilt = http::Response::new(bytes.clone());
        *rebuilt.status_mut() = status;
        *rebuilt.version_mut() = version;
        *rebuilt.headers_mut() = headers;
        (
            reqwest::Response::from(rebuilt),
            Some(truncate_lossy(&bytes)),
        )
    };
    tracing::debug!(status = status.as_u16(), "response");
    if let Some(Ok(mut o)) = state.map(|s| s.observed.lock()) {
        *o = Observed {
            status: Some(status.as_u16()),
            request_id,
            retry_after,
            error_body,
        };
    }
    Ok(response)
}

fn truncate_lossy(bytes: &[u8]) -> String {
    let end = bytes.len().min(MAX_KEPT_BODY);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Implements progenitor's `ClientHooks` for a generated client as a thin
/// delegate into [`Runtime::exec`]. Every provider crate invokes it once per
/// generated client.
#[macro_export]
macro_rules! impl_client_hooks {
    ($client:ty) => {
        impl $crate::__private::ClientHooks<$crate::Runtime> for $client {
            async fn exec(
                &self,
                request: $crate::__private::reqwest::Request,
                info: &$crate::__private::OperationInfo,
            ) -> $crate::__private::reqwest::Result<$crate::__private::reqwest::Response> {
                use $crate::__private::ClientInfo as _;
                self.inner().exec(self.client(), request, info).await
            }
        }
    };
}

//! The shared request runtime that every generated client runs through
//! (progenitor's `ClientHooks::exec`): retries, per-call timeouts, the
//! client-side rate limit, tracing, and the bookkeeping that lets errors
//! carry status and request id.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use progenitor_client::{OperationInfo, ResponseValue};
use tracing::Instrument;

use crate::config::{ClientConfig, RateLimit, RetryPolicy};
use crate::error::{Error, ErrorKind, ServerMessage, is_retryable_status};
use crate::secret::Secret;

/// Response headers that carry a server-side request id, in order of
/// preference (CloudTower sends `x-tower-request-id`).
/// `HeaderName`s rather than strings, so a lookup does not parse the name.
static REQUEST_ID_HEADERS: [reqwest::header::HeaderName; 3] = [
    reqwest::header::HeaderName::from_static("x-tower-request-id"),
    reqwest::header::HeaderName::from_static("x-request-id"),
    reqwest::header::HeaderName::from_static("request-id"),
];

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
    /// answered here is refused as [`ErrorKind::Decode`].
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
    /// Where a 3xx answer pointed (redacted), since redirects are never
    /// followed.
    location: Option<String>,
    /// The response's content type, for a body that cannot be kept.
    content_type: Option<String>,
    /// A 2xx body that is a JSON array where the spec says object.
    not_an_object: bool,
}

/// What one call observed, carried back from `exec` to [`Runtime::call`].
/// The call's settings are not here: they live in the runtime itself, so a
/// raw generated request and a wrapper call behave the same.
#[derive(Debug, Default)]
struct CallState {
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
    /// The client's call settings (timeout, retry opt-in/out).
    options: CallOptions,
    /// Headers set on every request (authentication), replacing any the
    /// request carries. Checked and marked sensitive when added, so a value
    /// that cannot be sent fails at construction, never silently.
    headers: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// Per-client defaults (`content-language`, `namespace`): added when
    /// the request does not set the header itself.
    defaults: Vec<(reqwest::header::HeaderName, reqwest::header::HeaderValue)>,
    /// Behind an `Arc` of its own so that it stays shared even when
    /// [`Runtime::with_header`] copies this struct.
    limiter: Option<Arc<RateLimiter>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("provider", &self.inner.provider)
            .field("retry", &self.inner.retry)
            .field("options", &self.inner.options)
            .field(
                "defaults",
                &self
                    .inner
                    .defaults
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("?")))
                    .collect::<Vec<_>>(),
            )
            .field(
                "rate_limit",
                &self.inner.limiter.as_ref().map(|l| (l.requests, l.per)),
            )
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// A runtime for `provider` whose operations are `operations` (the
    /// generated `OPERATIONS`), with the config's retry policy and rate
    /// limit. Every clone of the runtime (and so of the client holding it)
    /// shares one rate limiter.
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
                options: CallOptions::default(),
                headers: Vec::new(),
                defaults: Vec::new(),
                limiter: config
                    .rate_limit_setting()
                    .map(|limit| Arc::new(RateLimiter::new(limit))),
            }),
        }
    }

    /// Adds a header that every request carries, e.g. `Authorization`,
    /// replacing any the request sets. The value is a [`Secret`]: it is
    /// marked sensitive on the wire so that `reqwest`/`http` never print it
    /// either. A value that cannot be a header (a newline, a control
    /// character) is an [`ErrorKind::InvalidRequest`] error here, so a
    /// client is never built that would send requests without it.
    ///
    /// ```
    /// use cloud_common::{ClientConfig, ErrorKind, Runtime, Secret};
    /// let rt = Runtime::new("demo", &[], &ClientConfig::new("http://localhost"))
    ///     .with_header("authorization", Secret::new("bearer abc"))
    ///     .unwrap();
    /// assert!(!format!("{rt:?}").contains("abc"));
    /// let bad = Runtime::new("demo", &[], &ClientConfig::new("http://localhost"))
    ///     .with_header("authorization", Secret::new("abc\ndef"))
    ///     .unwrap_err();
    /// assert_eq!(bad.kind(), ErrorKind::InvalidRequest);
    /// assert!(!bad.to_string().contains("abc"));
    /// ```
    pub fn with_header(mut self, name: &'static str, value: Secret) -> Result<Self, Error> {
        let name = reqwest::header::HeaderName::from_static(name);
        let mut value = reqwest::header::HeaderValue::from_str(value.expose()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidRequest,
                self.inner.provider,
                "build_client",
                format!("the {name} header value cannot be sent (it holds a newline or control character)"),
            )
        })?;
        value.set_sensitive(true);
        let inner = Arc::make_mut(&mut self.inner);
        inner.headers.retain(|(n, _)| *n != name);
        inner.headers.push((name, value));
        Ok(self)
    }

    /// Sets (`Some`) or clears (`None`) a per-client default header, such
    /// as CloudTower's `content-language` or Neolink's `namespace`: sent on
    /// every request that does not set the header itself. The runtime is
    /// the one place a client's state lives, so the generated client and
    /// the provider wrapper send the same headers.
    ///
    /// ```
    /// use cloud_common::{ClientConfig, Runtime};
    /// let rt = Runtime::new("demo", &[], &ClientConfig::new("http://localhost"))
    ///     .with_default_header("namespace", Some("user-1"))
    ///     .unwrap();
    /// assert_eq!(rt.default_header("namespace"), Some("user-1"));
    /// let rt = rt.with_default_header("namespace", None::<&str>).unwrap();
    /// assert_eq!(rt.default_header("namespace"), None);
    /// ```
    pub fn with_default_header(
        mut self,
        name: &'static str,
        value: Option<impl AsRef<str>>,
    ) -> Result<Self, Error> {
        let name = reqwest::header::HeaderName::from_static(name);
        let value = match value {
            Some(v) => Some(
                reqwest::header::HeaderValue::from_str(v.as_ref()).map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidRequest,
                        self.inner.provider,
                        "build_client",
                        format!("the {name} header value {:?} cannot be sent", v.as_ref()),
                    )
                })?,
            ),
            None => None,
        };
        let inner = Arc::make_mut(&mut self.inner);
        inner.defaults.retain(|(n, _)| *n != name);
        if let Some(value) = value {
            inner.defaults.push((name, value));
        }
        Ok(self)
    }

    /// The per-client default for header `name`, if one is set.
    pub fn default_header(&self, name: &str) -> Option<&str> {
        self.inner
            .defaults
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    /// A copy of this runtime whose calls use `options`. It shares the rate
    /// limiter.
    pub fn with_options(mut self, options: CallOptions) -> Self {
        Arc::make_mut(&mut self.inner).options = options;
        self
    }

    /// The call settings of this runtime.
    pub fn options(&self) -> &CallOptions {
        &self.inner.options
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
    /// and turns progenitor's error into an
    /// [`Error`] that carries the status, the server message, the request id
    /// and, for bodies that could not be parsed, the raw body.
    ///
    /// `fut` is moved to the heap at once, so the future returned is small
    /// and borrows only `self`.
    pub fn call<'a, T, E, F>(
        &'a self,
        operation: &'static str,
        fut: F,
    ) -> impl Future<Output = Result<T, Error>> + use<'a, T, E, F>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        E: ServerMessage,
    {
        // A generated `send()` future is tens of KB (the builder, the body
        // and every await point of the request); boxed once here, moving it
        // through the task-local scope and the callers' futures copies a
        // pointer instead of the whole future each time.
        let fut = Box::pin(fut);
        let state = Arc::new(CallState {
            observed: Mutex::default(),
        });
        async move {
            let result = CALL.scope(Arc::clone(&state), fut).await;
            let observed = state.observed.lock().map(|o| o.clone()).unwrap_or_default();
            if observed.not_an_object && result.is_ok() {
                // serde reads a struct from a sequence, so `[{}]` parsed;
                // it is still not the documented answer.
                return Err(Error::new(
                    ErrorKind::Decode,
                    self.inner.provider,
                    Cow::Borrowed(operation),
                    "the response is a JSON array where the spec describes an object",
                )
                .with_status(observed.status.unwrap_or(200))
                .with_request_id(observed.request_id));
            }
            result
                .map(ResponseValue::into_inner)
                .map_err(|e| self.convert(operation, e, observed))
        }
    }

    fn convert<E: ServerMessage>(
        &self,
        operation: &'static str,
        error: progenitor_client::Error<E>,
        observed: Observed,
    ) -> Error {
        use progenitor_client::Error as P;
        let provider = self.inner.provider;
        let spec = self.operation(operation);
        let secrets = spec.map_or(&[][..], |o| o.secret_fields);
        let drop_text = spec.is_some_and(|o| o.secret_response);
        let content_type = observed.content_type.clone();
        let redact =
            |body: String| crate::redact::body(&body, secrets, drop_text, content_type.as_deref());
        if let (Some(status), Some(location)) = (observed.status, &observed.location)
            && (300..400).contains(&status)
        {
            return Error::new(
                ErrorKind::Api,
                provider,
                Cow::Borrowed(operation),
                format!(
                    "the server redirected to {location}; redirects are not followed, so credentials never go elsewhere"
                ),
            )
            .with_status(status)
            .with_request_id(observed.request_id.clone());
        }
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
                    e = e.with_body(redact(body));
                }
                e
            }
            P::InvalidResponsePayload(bytes, source) => {
                let status = observed.status.unwrap_or(200);
                let body = truncate_lossy(&bytes);
                // A 2xx that says it failed (TensorDock v0's `{"success":
                // false, "error": "…"}`) is the server's error, not a body
                // we misread.
                let failed = serde_json::from_slice::<serde_json::Value>(&bytes)
                    .ok()
                    .filter(|v| v.get("success") == Some(&serde_json::Value::Bool(false)));
                if let Some(failed) = failed {
                    let message = failed
                        .server_message()
                        .unwrap_or_else(|| "the server answered `success: false`".to_string());
                    base(ErrorKind::Api, message)
                        .with_status(status)
                        .with_body(redact(body))
                } else if (200..300).contains(&status) {
                    base(
                        ErrorKind::Decode,
                        format!("the response is not the JSON the spec describes: {source}"),
                    )
                    .with_body(redact(body))
                    .with_source(source)
                } else {
                    // An error status whose body is not the documented error
                    // shape, e.g. an HTML page from a proxy.
                    base(
                        ErrorKind::Api,
                        format!("HTTP {status} with an undocumented body"),
                    )
                    .with_body(redact(body))
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
                base(kind, message)
                    .with_status(status)
                    .with_body(redact(body))
            }
            // reqwest could not build the request (a URL the `http` crate
            // refuses, e.g. a path parameter of 100 KB): nothing was sent,
            // and sending again cannot help.
            P::CommunicationError(source) if source.is_builder() => base(
                ErrorKind::InvalidRequest,
                "the request cannot be built (the URL is not valid, e.g. too long)".to_string(),
            )
            .with_source(source.without_url()),
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
    /// applies the call's timeout, waits for the rate limit before every
    /// attempt (retries included), retries what may be retried, records what
    /// it saw for [`Runtime::call`], and traces the request.
    ///
    /// Time spent waiting for the rate limit does not count against the
    /// request timeout (that is the server's time to answer), but it does
    /// count against [`RetryPolicy::max_elapsed`].
    pub async fn exec(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let state = CALL.try_with(Arc::clone).ok();
        let options = &self.inner.options;
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
        let object_response = self
            .operation(info.operation_id)
            .is_some_and(|o| o.object_response);
        async move {
            let mut request = request;
            // progenitor adds `api-version: <info.version>` to every request;
            // none of our services speaks that header, so it stays off the wire.
            request.headers_mut().remove("api-version");
            for (name, value) in &self.inner.headers {
                request.headers_mut().insert(name.clone(), value.clone());
            }
            for (name, value) in &self.inner.defaults {
                if !request.headers().contains_key(name) {
                    request.headers_mut().insert(name.clone(), value.clone());
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
                if let Some(limiter) = &self.inner.limiter {
                    let asked = Instant::now();
                    let granted = limiter.acquire().await;
                    let waited = granted.saturating_duration_since(asked);
                    if !waited.is_zero() {
                        tracing::debug!(
                            attempt,
                            waited_ms = waited.as_millis() as u64,
                            "waited for the client-side rate limit"
                        );
                    }
                }
                let mut not_an_object = false;
                let result = match client.execute(request).await {
                    // The body is read inside the attempt where it matters: a
                    // connection that breaks mid-body is then retried like
                    // any transport error (for operations that may be), and
                    // an object answer can be checked for its shape.
                    Ok(response)
                        if response.status().is_success() && (retry_allowed || object_response) =>
                    {
                        match Box::pin(buffer(response)).await {
                            Ok((response, body)) => {
                                not_an_object = object_response
                                    && body.iter().find(|b| !b.is_ascii_whitespace())
                                        == Some(&b'[');
                                Ok(response)
                            }
                            Err(e) => Err(e),
                        }
                    }
                    other => other,
                };
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
                        return finish(result, state.as_deref(), not_an_object).await;
                    }
                }
            }
        }
        .instrument(span)
        .await
    }
}

/// Above this many requests per window the limiter does not keep a log of
/// send times (it would cost memory per request allowed) and relies on its
/// schedule alone.
const MAX_LOGGED_REQUESTS: u32 = 4096;

/// The client-side rate limit, shared by every clone of a client.
///
/// Two mechanisms, because each alone falls short:
/// - a schedule (GCRA, the "virtual scheduling" form of a token bucket)
///   spreads requests out: after an idle period up to `burst` requests go
///   at once, then one every `interval`. Each caller reserves the next slot
///   under the lock and sleeps without it, so concurrent callers queue in
///   order instead of waking together and racing;
/// - a log of the last `requests` send times, checked after the sleep:
///   timers wake late and tasks get scheduled late, so the schedule alone
///   bounds reserved slots, not real send times. The log makes "at most
///   `requests` in any window of length `per`" hold for the instants at
///   which requests were actually let through.
///
/// A caller whose future is dropped while waiting forfeits its slot, which
/// errs on the side of sending less.
struct RateLimiter {
    requests: u32,
    per: Duration,
    burst: u32,
    interval: Duration,
    state: Mutex<LimiterState>,
}

#[derive(Default)]
struct LimiterState {
    /// The GCRA "theoretical arrival time": when the schedule is next free.
    next: Option<Instant>,
    /// When the most recent requests were let through, oldest first; at
    /// most `requests` entries.
    sent: VecDeque<Instant>,
}

impl RateLimiter {
    fn new(limit: RateLimit) -> Self {
        let requests = limit.requests.max(1);
        // Bounded so that `Instant + per` can never overflow; nobody rate
        // limits over a longer window.
        let per = limit.per.min(Duration::from_secs(10 * 365 * 24 * 3600));
        // A tenth of the limit may go at once: a short interactive sequence
        // (list, create, get) is not slowed down, while a loop is paced.
        let burst = (requests / 10).max(1);
        // With `burst` at once and one more per `interval`, a window of
        // length `per` holds fewer than `burst + per / interval` requests;
        // this interval makes that at most `requests`. Rounded up, because
        // rounding down would let one request too many into a window.
        let slots = u128::from(requests - burst + 1);
        let nanos = per.as_nanos().div_ceil(slots);
        let interval = Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX));
        Self {
            requests,
            per,
            burst,
            interval,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        // The state stays consistent even if a holder panicked: every
        // update is a single assignment or push.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Lets the request through at `now` if the send log allows it
    /// (recording it), or returns when the log next has room.
    fn admit(&self, state: &mut LimiterState, now: Instant) -> Result<(), Instant> {
        if self.requests > MAX_LOGGED_REQUESTS {
            return Ok(());
        }
        let window = self.requests as usize;
        match state.sent.front() {
            Some(&oldest) if state.sent.len() >= window && now < oldest + self.per => {
                Err(oldest + self.per)
            }
            _ => {
                state.sent.push_back(now);
                while state.sent.len() > window {
                    state.sent.pop_front();
                }
                Ok(())
            }
        }
    }

    /// Waits until one more request may be sent, and returns the instant
    /// it was let through.
    async fn acquire(&self) -> Instant {
        let slot = {
            let mut state = self.state();
            let now = Instant::now();
            let next = state.next.map_or(now, |n| n.max(now));
            let tolerance = self.interval.saturating_mul(self.burst - 1);
            state.next = Some(next + self.interval);
            let slot = next.checked_sub(tolerance).map_or(now, |t| t.max(now));
            // The usual case, a slot already due, takes no timer and no
            // second lock: tokio rounds every sleep up to the next
            // millisecond, even one whose deadline has passed, which
            // would add about 1 ms to every request.
            if slot <= now && self.admit(&mut state, now).is_ok() {
                return now;
            }
            slot
        };
        if slot > Instant::now() {
            tokio::time::sleep_until(slot.into()).await;
        }
        loop {
            let free_at = {
                let mut state = self.state();
                let now = Instant::now();
                match self.admit(&mut state, now) {
                    Ok(()) => return now,
                    Err(free_at) => free_at,
                }
            };
            tokio::time::sleep_until(free_at.into()).await;
        }
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
    not_an_object: bool,
) -> reqwest::Result<reqwest::Response> {
    let response = result?;
    let status = response.status();
    let request_id = REQUEST_ID_HEADERS
        .iter()
        .find_map(|h| response.headers().get(h)?.to_str().ok().map(str::to_string));
    let span = tracing::Span::current();
    span.record("status", status.as_u16());
    if let Some(id) = &request_id {
        span.record("request_id", id.as_str());
    }
    let retry_after = retry_after(response.headers());
    let location = status.is_redirection().then(|| {
        response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map_or_else(|| "(no Location)".to_string(), crate::config::redacted_url)
    });
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
    let (response, error_body) = if status.is_success() {
        (response, None)
    } else {
        // Boxed: reading a body is a large future, and only this rare path
        // needs it, so it stays out of every request's future.
        let (rebuilt, body) = Box::pin(keep_body(response)).await?;
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
            not_an_object,
        };
    }
    Ok(response)
}

/// Reads the body of `response` and rebuilds the response around it;
/// returns it with the body as text.
async fn keep_body(response: reqwest::Response) -> reqwest::Result<(reqwest::Response, String)> {
    let (response, bytes) = buffer(response).await?;
    Ok((response, truncate_lossy(&bytes)))
}

/// Reads the whole body of `response` and rebuilds the response around it
/// (the bytes are shared, not copied).
async fn buffer(
    mut response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, bytes::Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let bytes = response.bytes().await?;
    let mut rebuilt = http::Response::new(bytes.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), bytes))
}

fn truncate_lossy(bytes: &[u8]) -> String {
    let end = bytes.len().min(MAX_KEPT_BODY);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// Includes a client generated by `cloud_codegen::build_script(.., name, ..)`
/// into the calling module, the same way for every provider:
///
/// - `pub mod generated`: the client and types from `OUT_DIR/<name>.rs`;
/// - `pub mod mock`, with the calling crate's `mock` feature: progenitor's
///   typed httpmock helpers from `OUT_DIR/<name>_httpmock.rs`;
/// - `pub use generated::types`;
/// - the `ClientHooks` delegate into [`Runtime`] ([`impl_client_hooks!`]).
///
/// ```ignore
/// cloud_common::generated_client!("neolink");
/// ```
#[macro_export]
macro_rules! generated_client {
    ($name:literal) => {
        /// The generated client and types (by `build.rs`, through
        /// `cloud-codegen`); the reviewable copy is under `generated/`.
        #[allow(missing_docs, clippy::all, unused_qualifications, unused_imports)]
        pub mod generated {
            include!(concat!(env!("OUT_DIR"), "/", $name, ".rs"));
        }

        /// progenitor's typed httpmock helpers for this API (feature `mock`).
        #[cfg(feature = "mock")]
        #[allow(missing_docs, clippy::all)]
        pub mod mock {
            include!(concat!(env!("OUT_DIR"), "/", $name, "_httpmock.rs"));
        }

        pub use generated::types;

        $crate::impl_client_hooks!(generated::Client);
    };
}

/// Implements progenitor's `ClientHooks` for a generated client as a thin
/// delegate into [`Runtime::exec`]. Every provider crate invokes it once per
/// generated client.
#[macro_export]
macro_rules! impl_client_hooks {
    ($client:ty) => {
        impl $crate::__private::ClientHooks<$crate::Runtime> for $client {
            // Not an `async fn`: it returns the runtime's future itself
            // rather than a second one around it holding a copy.
            fn exec(
                &self,
                request: $crate::__private::reqwest::Request,
                info: &$crate::__private::OperationInfo,
            ) -> impl ::std::future::Future<
                Output = $crate::__private::reqwest::Result<$crate::__private::reqwest::Response>,
            > {
                use $crate::__private::ClientInfo as _;
                self.inner().exec(self.client(), request, info)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(requests: u32, per: Duration) -> Arc<RateLimiter> {
        Arc::new(RateLimiter::new(RateLimit { requests, per }))
    }

    /// Runs `n` concurrent acquisitions and returns when each was let
    /// through, sorted, relative to the start.
    async fn release_times(limiter: &Arc<RateLimiter>, n: usize) -> Vec<Duration> {
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let limiter = Arc::clone(limiter);
                tokio::spawn(async move { limiter.acquire().await })
            })
            .collect();
        let mut times = Vec::new();
        for task in tasks {
            times.push(task.await.expect("task").duration_since(start));
        }
        times.sort();
        times
    }

    /// Panics unless every half-open window of length `per` holds at most
    /// `requests` of `times` (sorted).
    fn assert_within_limit(times: &[Duration], requests: usize, per: Duration) {
        for (i, pair) in times.windows(requests + 1).enumerate() {
            let span = pair[requests] - pair[0];
            assert!(
                span >= per,
                "requests {i}..={} went out within {span:?}: {times:?}",
                i + requests
            );
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_is_spread_out_and_never_exceeds_the_limit() {
        let per = Duration::from_millis(200);
        let times = release_times(&limiter(5, per), 15).await;
        // 15 requests at 5 per 200 ms need at least two more windows after
        // the first.
        assert!(times[14] >= Duration::from_millis(400), "{times:?}");
        assert_within_limit(&times, 5, per);
        // Spread out, not five at once followed by a stall: one slot every
        // 40 ms means at most three in the first 100 ms.
        let early = times
            .iter()
            .filter(|t| **t < Duration::from_millis(100))
            .count();
        assert!(
            early <= 3,
            "{early} requests in the first 100 ms: {times:?}"
        );
    }

    #[tokio::test]
    async fn a_tenth_of_the_limit_goes_at_once_then_the_rest_is_paced() {
        let per = Duration::from_millis(200);
        let limiter = limiter(20, per);
        assert_eq!(limiter.burst, 2);
        // 20 per 200 ms with a burst of 2: one more every 200/19 ms, rounded up.
        assert_eq!(limiter.interval, Duration::from_nanos(10_526_316));
        let times = release_times(&limiter, 30).await;
        // That the first two go at once is checked without a clock, which a
        // busy machine cannot slow down, in
        // `an_acquire_with_no_wait_due_takes_no_timer`.
        assert!(times[2] >= Duration::from_millis(10), "{times:?}");
        assert_within_limit(&times, 20, per);
    }

    /// Polls `fut` once with a waker that does nothing: `Some` means it
    /// finished without waiting for a timer (or anything else).
    fn ready_at_once<F: Future>(fut: F) -> Option<F::Output> {
        let mut fut = std::pin::pin!(fut);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match fut.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => Some(v),
            std::task::Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn an_acquire_with_no_wait_due_takes_no_timer() {
        // Burst 2, then one every 1/19 s; the send log is kept (20 <= 4096).
        let logged = limiter(20, Duration::from_secs(1));
        let start = Instant::now();
        for i in 0..2 {
            let at = ready_at_once(logged.acquire());
            assert!(at.is_some_and(|t| t >= start), "acquire {i} waited");
        }
        // The third is due only later, and must wait.
        assert!(ready_at_once(logged.acquire()).is_none());
        // Above the logged size the schedule alone decides.
        let unlogged = limiter(100_000, Duration::from_secs(1));
        for i in 0..100 {
            assert!(
                ready_at_once(unlogged.acquire()).is_some(),
                "acquire {i} waited"
            );
        }
    }

    #[test]
    fn the_interval_keeps_the_sustained_rate_within_the_limit() {
        // 100 per minute: 10 at once, then one every 60/91 s, so that
        // 10 + 90 fit in a minute and the 101st does not.
        let l = RateLimiter::new(RateLimit {
            requests: 100,
            per: Duration::from_secs(60),
        });
        assert_eq!(l.burst, 10);
        assert!(l.interval * 91 >= Duration::from_secs(60));
        assert!(l.interval * 90 < Duration::from_secs(60));
    }

    #[tokio::test]
    async fn extreme_limits_neither_overflow_nor_block() {
        let huge = limiter(u32::MAX, Duration::from_secs(1));
        assert_eq!(huge.burst, u32::MAX / 10);
        huge.acquire().await;
        // Only the first request goes at once; the others would wait for
        // years, and must time out rather than panic on instant arithmetic.
        let forever = limiter(3, Duration::MAX);
        let mut immediate = 0;
        for _ in 0..3 {
            let wait = tokio::time::timeout(Duration::from_millis(5), forever.acquire());
            immediate += usize::from(wait.await.is_ok());
        }
        assert_eq!(immediate, 1);
    }

    #[test]
    fn clones_and_header_copies_share_one_limiter() {
        let config = ClientConfig::new("http://localhost").rate_limit(5, Duration::from_secs(1));
        let a = Runtime::new("p", &[], &config);
        let b = a
            .clone()
            .with_header("authorization", Secret::new("x"))
            .unwrap()
            .with_options(CallOptions::new().retry(false));
        let (la, lb) = (a.inner.limiter.as_ref(), b.inner.limiter.as_ref());
        assert!(Arc::ptr_eq(la.unwrap(), lb.unwrap()));
        assert!(
            format!("{a:?}").contains("rate_limit: Some((5, 1s))"),
            "{a:?}"
        );
    }

    #[test]
    fn a_provider_default_applies_only_when_the_user_chose_nothing() {
        let minute = Duration::from_secs(60);
        let config = ClientConfig::new("http://localhost");
        assert_eq!(config.rate_limit_policy(), None);
        assert_eq!(
            config
                .clone()
                .default_rate_limit(100, minute)
                .rate_limit_policy(),
            Some((100, minute))
        );
        let chosen = config.clone().rate_limit(10, Duration::from_secs(1));
        assert_eq!(
            chosen.default_rate_limit(100, minute).rate_limit_policy(),
            Some((10, Duration::from_secs(1)))
        );
        let off = config.clone().no_rate_limit();
        assert_eq!(
            off.default_rate_limit(100, minute).rate_limit_policy(),
            None
        );
        assert!(
            Runtime::new("p", &[], &config.rate_limit(5, Duration::ZERO))
                .inner
                .limiter
                .is_none()
        );
    }
}

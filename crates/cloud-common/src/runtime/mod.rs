//! The shared request runtime that every generated client runs through
//! (progenitor's `ClientHooks::exec`), and untyped requests through the
//! same path ([`Runtime::raw`]).
//!
//! One concern per module, composed in [`Runtime::exec`]:
//!
//! - `headers`: credentials and per-client default headers;
//! - `rate_limit`: the client-side rate limit every clone shares;
//! - `retry`: which answers are retried, after how long;
//! - `response`: the bodies the runtime reads itself;
//! - `observe`: the tracing span, and what a call saw of its last attempt
//!   (status, request id, an error's body);
//! - `convert`: progenitor's error, with what the call saw, as [`Error`];
//! - `raw`: untyped requests;
//! - `hooks`: the macros that plug a generated client in.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use progenitor_client::{OperationInfo, ResponseValue};
use tracing::Instrument;

use crate::config::{ClientConfig, RetryPolicy};
use crate::error::{Error, ErrorKind, ServerMessage};
use crate::secret::Secret;

mod convert;
mod headers;
mod hooks;
mod observe;
mod operation;
mod rate_limit;
mod raw;
mod response;
mod retry;

pub use operation::{CallOptions, OperationSpec};
pub use raw::{RawClient, RawRequest, RawResponse};
pub use retry::retry_after;

use rate_limit::RateLimiter;

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
    /// Credentials and default headers, checked when they were added.
    headers: headers::Headers,
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
            .field("headers", &self.inner.headers)
            .field(
                "rate_limit",
                &self.inner.limiter.as_ref().map(|l| l.limit()),
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
                headers: headers::Headers::default(),
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
        let provider = self.inner.provider;
        Arc::make_mut(&mut self.inner)
            .headers
            .set_credential(provider, name, &value)?;
        Ok(self)
    }

    /// Adds a credential that travels as a field rather than a header, as
    /// TensorDock v0's `api_key` and `api_token` do. Generated requests
    /// carry such fields in their typed bodies already; an untyped request
    /// ([`Runtime::raw`]) gets them in its form body, or in its query where
    /// it asks for them ([`RawRequest::query_credential`]).
    ///
    /// ```
    /// use cloud_common::{ClientConfig, Runtime, Secret};
    /// let rt = Runtime::new("demo", &[], &ClientConfig::new("http://localhost"))
    ///     .with_credential_field("api_token", Secret::new("t-123"));
    /// assert!(format!("{rt:?}").contains("api_token"));
    /// assert!(!format!("{rt:?}").contains("t-123"));
    /// ```
    pub fn with_credential_field(mut self, name: &'static str, value: Secret) -> Self {
        Arc::make_mut(&mut self.inner)
            .headers
            .set_field(name, value);
        self
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
        let provider = self.inner.provider;
        Arc::make_mut(&mut self.inner).headers.set_default(
            provider,
            name,
            value.as_ref().map(AsRef::as_ref),
        )?;
        Ok(self)
    }

    /// The per-client default for header `name`, if one is set.
    pub fn default_header(&self, name: &str) -> Option<&str> {
        self.inner.headers.default_value(name)
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
        self.call_as(Cow::Borrowed(operation), Box::pin(fut))
    }

    /// [`Runtime::call`] for an operation named at run time.
    async fn call_as<T, E, F>(&self, operation: Cow<'static, str>, fut: F) -> Result<T, Error>
    where
        F: Future<Output = Result<ResponseValue<T>, progenitor_client::Error<E>>>,
        E: ServerMessage,
    {
        let (result, observed) = observe::scope(fut).await;
        let provider = self.inner.provider;
        if observed.not_an_object && result.is_ok() {
            // serde reads a struct from a sequence, so `[{}]` parsed;
            // it is still not the documented answer.
            return Err(Error::new(
                ErrorKind::Decode,
                provider,
                operation,
                "the response is a JSON array where the spec describes an object",
            )
            .with_status(observed.status.unwrap_or(200))
            .with_request_id(observed.request_id));
        }
        let spec = self.operation(&operation);
        result
            .map(ResponseValue::into_inner)
            .map_err(|e| convert::convert(provider, spec, operation, e, observed))
    }

    /// The body of progenitor's `ClientHooks::exec` for every provider:
    /// sends `request` for the operation progenitor names in `info`,
    /// through every layer: the client's headers and the call's timeout,
    /// then attempts (each waiting for the rate limit) for as long as the
    /// retry policy allows, traced, with what it saw recorded for
    /// [`Runtime::call`].
    ///
    /// Time spent waiting for the rate limit does not count against the
    /// request timeout (that is the server's time to answer), but it does
    /// count against [`RetryPolicy::max_elapsed`].
    ///
    /// A plain function returning the runtime's future, so that no layer
    /// holds a second copy of the request.
    pub fn exec<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<'a> {
        let spec = self.operation(info.operation_id);
        let name = spec.map_or(info.operation_id, |o| o.operation_id);
        self.send(client, request, name, spec)
    }

    /// Sends `request` for operation `name` (described by `spec` when the
    /// spec has it): the layers of [`Runtime::exec`], composed. Untyped
    /// requests ([`Runtime::raw`]) come in here too.
    fn send<'a>(
        &'a self,
        client: &'a reqwest::Client,
        mut request: reqwest::Request,
        name: &str,
        spec: Option<&OperationSpec>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + use<'a> {
        let inner = &*self.inner;
        let span = observe::span(inner.provider, name, request.method());
        // Once per call: credentials, default headers, the call's timeout.
        inner.headers.apply(&mut request);
        inner.options.apply(&mut request);
        let retried = inner.options.retries(spec);
        let reader = response::Reader {
            object_response: spec.is_some_and(|o| o.object_response),
            retried,
        };
        // Every attempt, retries included: the rate limit, then the answer
        // read as far as retrying and the shape check need.
        let attempt = move |request, n| async move {
            rate_limit::acquire(inner.limiter.as_deref(), n).await;
            reader.read(client.execute(request).await).await
        };
        // Attempts while the policy allows, in one span; the last answer
        // recorded for the span and the call.
        async move {
            let state = observe::current();
            let started = Instant::now();
            let outcome = retry::run(&inner.retry, retried, request, attempt).await;
            observe::finish(outcome, started, state.as_deref()).await
        }
        .instrument(span)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

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

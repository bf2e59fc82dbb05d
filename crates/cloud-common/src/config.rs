//! Client configuration shared by every provider: base URL, timeouts,
//! retries, user agent, client-side rate limit.

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// How a client retries requests that failed transiently.
///
/// Only operations the spec marks safe to repeat (`x-safe-to-retry`) are
/// retried, unless a call opts in with [`CallOptions::retry`](crate::CallOptions::retry).
/// Transport errors (but not timeouts: the timeout is the caller's deadline)
/// and statuses 408, 429, 502, 503 and 504 are retried with exponential
/// backoff and full jitter, honouring `Retry-After`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included. `1` disables retries.
    pub max_attempts: u32,
    /// Backoff before the first retry; doubled for each further one.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff (and of an honoured `Retry-After`).
    pub max_backoff: Duration,
    /// No retry starts once this much time has passed since the first
    /// attempt (or would pass during the wait).
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(30),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }
}

/// Settings for building a provider client.
///
/// ```
/// use std::time::Duration;
/// use cloud_common::ClientConfig;
/// let config = ClientConfig::new("https://example.com/api")
///     .timeout(Duration::from_secs(10))
///     .connect_timeout(Duration::from_secs(3));
/// assert_eq!(config.base_url(), "https://example.com/api");
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: Option<String>,
    /// `None`: the user has not chosen, so a provider may apply its API's
    /// documented limit; `Some(None)`: explicitly unlimited.
    rate_limit: Option<Option<RateLimit>>,
}

/// Never prints user info a base URL may carry (`http://admin:pw@tower`):
/// such a URL is refused when a client is built, but the config may be
/// printed before that.
impl std::fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &redacted_url(&self.base_url))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("rate_limit", &self.rate_limit)
            .finish()
    }
}

/// `url` with any user info and query replaced by `[REDACTED]`, for
/// messages; text that is not a URL is shown only up to a `@`.
pub(crate) fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let had_user = !u.username().is_empty() || u.password().is_some();
            if had_user {
                let _ = u.set_username("");
                let _ = u.set_password(None);
            }
            if u.query().is_some() {
                u.set_query(Some("[REDACTED]"));
            }
            let text = u.to_string();
            if had_user {
                text.replacen("://", "://[REDACTED]@", 1)
            } else {
                text
            }
        }
        Err(_) => {
            let (path, query) = url.split_once('?').map_or((url, false), |(p, _)| (p, true));
            let path = match path.rfind('@') {
                Some(at) => format!("[REDACTED]@{}", &path[at + 1..]),
                None => path.to_string(),
            };
            if query {
                format!("{path}?[REDACTED]")
            } else {
                path
            }
        }
    }
}

/// A client-side request rate limit: at most `requests` requests in any
/// window of length `per`. Built by [`ClientConfig::rate_limit`]; enforced
/// by the [`Runtime`](crate::Runtime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateLimit {
    pub(crate) requests: u32,
    pub(crate) per: Duration,
}

/// A base URL is a configuration with the defaults, so functions can take
/// either (`impl Into<ClientConfig>`).
///
/// ```
/// use cloud_common::ClientConfig;
/// let config: ClientConfig = "http://tower.local/v2/api/".into();
/// assert_eq!(config.base_url(), "http://tower.local/v2/api");
/// ```
impl From<&str> for ClientConfig {
    fn from(base_url: &str) -> Self {
        Self::new(base_url)
    }
}

impl From<String> for ClientConfig {
    fn from(base_url: String) -> Self {
        Self::new(base_url)
    }
}

impl ClientConfig {
    /// Defaults: 30 s per request, 10 s to connect, [`RetryPolicy::default`].
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into().trim().trim_end_matches('/').to_string(),
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
            user_agent: None,
            rate_limit: None,
        }
    }

    /// Replaces the base URL (e.g. to point at a mock server).
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into().trim().trim_end_matches('/').to_string();
        self
    }

    /// Total time allowed for one request, unless a call overrides it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time allowed to establish a connection.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Text put before the crate's own user agent, e.g. `"my-tool/1.2"`.
    pub fn user_agent_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.user_agent = Some(prefix.into());
        self
    }

    /// Limits this client to `requests` requests in any window of length
    /// `per`, counting every attempt (retries too), and overriding the limit
    /// a provider applies by default (e.g. TensorDock v2's 100 per minute).
    ///
    /// The limit is enforced before each request is sent, by waiting, and
    /// is shared by every clone of the client built from this config (it
    /// lives in the client's runtime); two clients built separately count
    /// separately, so build one client per account and clone it.
    ///
    /// Requests are spread out rather than sent in one burst followed by a
    /// stall: up to a tenth of `requests` (at least one) go out at once
    /// after an idle period, and after that one request every
    /// `per / (requests + 1 - burst)`. That pace is slightly below the
    /// limit, so that no window of length `per` ever holds more than
    /// `requests`, whatever the timing. `requests == 0` is read as 1; a zero
    /// `per` means no limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use cloud_common::ClientConfig;
    /// let config = ClientConfig::new("https://example.com/api")
    ///     .rate_limit(100, Duration::from_secs(60));
    /// assert_eq!(config.rate_limit_policy(), Some((100, Duration::from_secs(60))));
    /// ```
    pub fn rate_limit(mut self, requests: u32, per: Duration) -> Self {
        self.rate_limit = Some(Self::limit(requests, per));
        self
    }

    /// No client-side rate limit, not even the provider's default. The
    /// server's `429 Too Many Requests` is still retried after its
    /// `Retry-After` delay, for operations that may be retried.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = Some(None);
        self
    }

    /// Applies `requests` per `per` unless the user already chose a limit
    /// (or none) with [`ClientConfig::rate_limit`] or
    /// [`ClientConfig::no_rate_limit`]. Provider crates call this with their
    /// API's documented limit, so the default is right and the user still
    /// decides.
    pub fn default_rate_limit(mut self, requests: u32, per: Duration) -> Self {
        if self.rate_limit.is_none() {
            self.rate_limit = Some(Self::limit(requests, per));
        }
        self
    }

    /// The rate limit in effect, as `(requests, per)`, or `None` for none.
    pub fn rate_limit_policy(&self) -> Option<(u32, Duration)> {
        self.rate_limit
            .flatten()
            .map(|limit| (limit.requests, limit.per))
    }

    pub(crate) fn rate_limit_setting(&self) -> Option<RateLimit> {
        self.rate_limit.flatten()
    }

    fn limit(requests: u32, per: Duration) -> Option<RateLimit> {
        (!per.is_zero()).then_some(RateLimit {
            requests: requests.max(1),
            per,
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The per-request timeout.
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }

    /// Checks the base URL before a client is built: `http` or `https`, a
    /// host, no user info (credentials go in the client's credentials, not
    /// the URL), no query and no fragment (requests append their paths to
    /// it). Surrounding spaces and a trailing `/` are already trimmed.
    ///
    /// ```
    /// use cloud_common::{ClientConfig, ErrorKind};
    /// assert!(ClientConfig::new(" https://tower.local/v2/api/ ").check_base_url("demo").is_ok());
    /// for bad in ["", "tower.local", "file:///etc", "http://h/base?x=1", "http://h/#frag", "http://admin:pw@h/"] {
    ///     let err = ClientConfig::new(bad).check_base_url("demo").unwrap_err();
    ///     assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{bad}");
    ///     assert!(!err.is_retryable());
    ///     assert!(!err.to_string().contains("pw"), "{err}");
    /// }
    /// ```
    pub fn check_base_url(&self, provider: &'static str) -> Result<(), Error> {
        let shown = redacted_url(&self.base_url);
        let invalid =
            |why: String| Error::new(ErrorKind::InvalidRequest, provider, "build_client", why);
        let url = reqwest::Url::parse(&self.base_url)
            .map_err(|e| invalid(format!("the base URL {shown:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "the base URL {shown:?} is not http or https"
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid(format!("the base URL {shown:?} has no host")));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(format!(
                "the base URL {shown:?} carries user info; pass credentials as the client's credentials"
            )));
        }
        if url.query().is_some() {
            return Err(invalid(format!("the base URL {shown:?} has a query")));
        }
        if url.fragment().is_some() {
            return Err(invalid(format!("the base URL {shown:?} has a fragment")));
        }
        Ok(())
    }

    /// Builds the `reqwest::Client` for a provider crate whose user agent is
    /// `crate_agent` (`"name/version"`).
    ///
    /// TLS is rustls. With the feature `tls-ring` (a default of every
    /// provider crate) the `ring` crypto provider is installed as the
    /// process default unless one already is: it needs no OpenSSL, no cmake
    /// and no NASM, and compiled in 9.8 s against 25.4 s for `aws-lc-rs` in one measured build (see
    /// the cloud-common README). Without it the program installs its own provider first;
    /// if none is installed, this is an [`ErrorKind::InvalidRequest`] error
    /// saying so (reqwest itself would panic).
    pub fn http_client(
        &self,
        provider: &'static str,
        crate_agent: &str,
    ) -> Result<reqwest::Client, Error> {
        self.check_base_url(provider)?;
        tls_provider(provider)?;
        let agent = match &self.user_agent {
            Some(prefix) => format!("{prefix} {crate_agent}"),
            None => crate_agent.to_string(),
        };
        reqwest::Client::builder()
            .user_agent(agent)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout)
            // None of our services redirects API calls, and following one
            // would resend credentials (form bodies, headers) to wherever
            // it points: a redirect is answered as an error instead.
            .redirect(reqwest::redirect::Policy::none())
            .referer(false)
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    provider,
                    "build_client",
                    "cannot build the HTTP client",
                )
                .with_source(e.without_url())
            })
    }
}

/// Makes sure rustls has a process-default crypto provider: installs `ring`
/// (feature `tls-ring`). Installing twice is harmless (the second call
/// reports the first provider), and a user's own choice made earlier wins.
#[cfg(feature = "tls-ring")]
fn tls_provider(_provider: &'static str) -> Result<(), Error> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Ok(())
}

/// Makes sure rustls has a process-default crypto provider: without
/// `tls-ring` the program must have installed one, because reqwest panics
/// when it builds a client without one.
#[cfg(not(feature = "tls-ring"))]
fn tls_provider(provider: &'static str) -> Result<(), Error> {
    if rustls::crypto::CryptoProvider::get_default().is_some() {
        return Ok(());
    }
    Err(Error::new(
        ErrorKind::InvalidRequest,
        provider,
        "build_client",
        "no TLS crypto provider is installed: enable the feature `tls-ring`, or \
         install a rustls provider (`CryptoProvider::install_default`) before \
         building a client",
    ))
}

#![doc = include_str!("../README.md")]
//! The spec-driven in-process HTTP server the provider fakes
//! (`tensordock-fake`, `neolink-fake`, `cloudtower-fake`) are built on.
//!
//! [`Server::start`] binds a free loopback port and routes every request
//! by the OpenAPI spec it was given: the path template and method pick the
//! operation, the request is checked against the spec (required headers,
//! path and query parameters, the body against its schema), and then a
//! provider's [`Service`] answers it: [`Service::handle`] for a request
//! the spec accepts, [`Service::invalid`] (in the provider's own error
//! shape) for one the real service would reject. The server records every
//! request ([`Server::received`]) and can fail the next calls of an
//! operation on demand ([`Server::inject`]), for tests of retry handling.
//! [`Lifecycle`] moves a provider's resources through its transitional
//! states over polls, [`fake_handle!`] declares the handle every
//! provider's `Fake` is, and [`lifecycle_hooks!`] the emulator hooks of a
//! service built on a [`Lifecycle`].
//!
//! ```
//! use cloud_fake::{Request, Response, Server, Service};
//! use serde_json::json;
//!
//! struct Hello;
//! impl Service for Hello {
//!     fn handle(&mut self, _: &Request) -> Response {
//!         Response::json(200, json!({"hello": "world"}))
//!     }
//!     fn invalid(&mut self, _: &Request, problem: &str) -> Response {
//!         Response::json(400, json!({"error": problem}))
//!     }
//! }
//!
//! let spec = r#"
//! openapi: 3.0.3
//! info: {title: hello, version: '1'}
//! servers: [{url: 'https://example.com/api'}]
//! paths:
//!   /hello:
//!     get:
//!       operationId: hello
//!       responses: {'200': {description: a greeting}}
//! "#;
//! let server = Server::start_blocking(spec, Hello).unwrap();
//! assert!(server.base_url().ends_with("/api"));
//! assert_eq!(server.received().len(), 0);
//! ```

mod faults;
mod lifecycle;
mod server;
mod spec;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

pub use faults::{FaultRule, NamedFault};
/// The `http` crate, whose types [`Request`] carries (a service's
/// [`Service::prepare`] rewrites them).
pub use http;
pub use lifecycle::{Countdown, Lifecycle, Pace};
/// `serde_json`, for the states [`fake_handle!`]'s methods exchange.
#[doc(hidden)]
pub use serde_json;
pub use server::Server;
pub use spec::{Operation, Spec, form_bool};

use cloud_common::REDACTED;

/// Why a fake could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum FakeError {
    /// The spec could not be read.
    Spec(String),
    /// The loopback listener or the server's runtime could not be set up.
    Io(std::io::Error),
    /// A state, fault rule or mode could not be saved, loaded or applied.
    State(String),
}

impl std::fmt::Display for FakeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Spec(problem) => write!(f, "the fake cannot read its spec: {problem}"),
            Self::Io(e) => write!(f, "the fake cannot start its server: {e}"),
            Self::State(problem) => write!(f, "the fake's state: {problem}"),
        }
    }
}

impl std::error::Error for FakeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(e) => Some(e),
            Self::Spec(_) | Self::State(_) => None,
        }
    }
}

impl From<std::io::Error> for FakeError {
    fn from(e: std::io::Error) -> Self {
        Self::Io(e)
    }
}

/// A request as a [`Service`] sees it: routed, decoded and parsed.
#[derive(Clone)]
pub struct Request {
    /// The `operationId` the request matched (empty when none did).
    pub operation_id: String,
    /// The HTTP method.
    pub method: http::Method,
    /// The path relative to the spec's server base path (`/instances/abc`),
    /// not decoded.
    pub path: String,
    /// The path template's parameters, decoded (`{"id": "abc"}`).
    pub path_params: BTreeMap<String, String>,
    /// The query parameters, decoded, in order.
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: http::HeaderMap,
    /// The body: parsed JSON; a form-urlencoded body as an object of
    /// strings (a repeated field as an array of them); `Null` when empty.
    pub body: Value,
}

impl Request {
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The token of an `Authorization: Bearer <token>` header (the scheme
    /// in any case, as HTTP says).
    pub fn bearer_token(&self) -> Option<&str> {
        let value = self.header("authorization")?.trim();
        let (scheme, token) = value.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// The first query parameter with this name.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A path parameter.
    pub fn path_param(&self, name: &str) -> Option<&str> {
        self.path_params.get(name).map(String::as_str)
    }

    /// A top-level body field that is a string (every form field is).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.body.get(name).and_then(Value::as_str)
    }

    /// Whether the body was sent as `application/x-www-form-urlencoded`.
    pub fn is_form(&self) -> bool {
        self.header("content-type")
            .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"))
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("path_params", &self.path_params)
            .field("query", &redacted_query(&self.query))
            .field("headers", &redacted_headers(&self.headers))
            .field("body", &redacted_body(&self.body))
            .finish()
    }
}

/// What a [`Service`] answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Extra headers (`content-type` is set from the body).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

/// A response body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    /// JSON, sent as `application/json`.
    Json(Value),
    /// Text, sent as `text/plain` unless a header says otherwise.
    Text(String),
    /// No body.
    Empty,
}

impl Response {
    /// A JSON response.
    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Json(body),
        }
    }

    /// A text response.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Text(body.into()),
        }
    }

    /// A response without a body.
    pub fn empty(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// The spec's success answer for `operation_id` (its example, or a
    /// value synthesised from its schema): what a provider answers for an
    /// operation it does not model specially. `None` for an unknown id.
    pub fn example(spec: &Spec, operation_id: &str) -> Option<Self> {
        let (status, body) = spec.example_response(operation_id)?;
        Some(match body {
            Value::Null => Self::empty(status),
            body => Self::json(status, body),
        })
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A provider's behaviour behind a [`Server`]: its state and its answers.
/// The server calls it with its state locked, one request at a time.
pub trait Service: Send + 'static {
    /// Answers a request that matched an operation of the spec and passed
    /// validation.
    fn handle(&mut self, request: &Request) -> Response;

    /// The provider's own error shape for a request the real service would
    /// reject (`problem` names what was wrong).
    fn invalid(&mut self, request: &Request, problem: &str) -> Response;

    /// Rewrites a request the real service accepts in a form the spec does
    /// not document (credentials in the query string rather than the body,
    /// a form rather than JSON) into the form the spec documents, before it
    /// is validated and handled: a fake must accept what real clients send.
    /// [`Server::received`] still records the request as it arrived. By
    /// default, nothing changes.
    fn prepare(&mut self, request: &mut Request) {
        let _ = request;
    }

    /// The answer to a request no operation of the spec serves; by default
    /// [`Service::invalid`]'s shape with status 404.
    fn not_found(&mut self, request: &Request) -> Response {
        let problem = format!("no operation serves {} {}", request.method, request.path);
        let mut response = self.invalid(request, &problem);
        response.status = 404;
        response
    }

    /// The answer to an injected [`Fault::Status`] or
    /// [`Fault::TooManyRequests`]; by default [`Service::invalid`]'s shape
    /// with that status.
    fn fault(&mut self, request: &Request, status: u16) -> Response {
        let mut response = self.invalid(request, &format!("injected fault: HTTP {status}"));
        response.status = status;
        response
    }

    /// The service's state as JSON: what `GET /_fake/state` shows and a
    /// `--state` file keeps. Whatever it returns, [`Service::load_state`]
    /// must take back. By default a fake has no state to save.
    fn save_state(&self) -> Result<Value, String> {
        Err("this fake cannot save its state".into())
    }

    /// Replaces the service's state with one [`Service::save_state`] made.
    fn load_state(&mut self, state: Value) -> Result<(), String> {
        let _ = state;
        Err("this fake cannot load a state".into())
    }

    /// How its transitional states move; `None` when nothing moves.
    fn pace(&self) -> Option<Pace> {
        None
    }

    /// Makes its transitional states move at `pace` from now on.
    fn set_pace(&mut self, pace: Pace) {
        let _ = pace;
    }

    /// Settles whatever is due by the clock; called before every request
    /// (and every look at the state) while the pace is
    /// [`Pace::RealTime`], so resources move although no one reads them.
    fn tick(&mut self) {}

    /// The failures of the real service this fake can produce by name
    /// ([`Fault::Named`]).
    fn named_faults(&self) -> Vec<NamedFault> {
        Vec::new()
    }

    /// What the named fault `name` does to this call: the [`Fault`] to
    /// answer with (after changing the service's state, if the fault is
    /// one of state, e.g. a task that will fail); `None` for a name the
    /// service does not know.
    fn named_fault(&mut self, name: &str, request: &Request) -> Option<Fault> {
        let _ = (name, request);
        None
    }
}

/// A failure [`Server::inject`] puts on the next calls of an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answer with this status (in the provider's error shape).
    Status(u16),
    /// Answer 429 with a `Retry-After` of this many seconds.
    TooManyRequests {
        /// The `Retry-After` value.
        retry_after_secs: u64,
    },
    /// Wait this long, then answer as usual.
    Delay(Duration),
    /// Close the connection without answering.
    Drop,
    /// Answer exactly this, whatever the service would have.
    Respond(Response),
    /// Let the service handle the call (its effects happen), then answer
    /// with the inner fault instead of its answer: a timeout after the
    /// service acted, the reason clients retry into duplicates. A call the
    /// service refuses gets its refusal.
    AfterEffect(Box<Fault>),
    /// One of the provider's named faults ([`Service::named_faults`]).
    Named(String),
    /// Answer as usual (what a named fault that only changed the
    /// service's state resolves to).
    Proceed,
}

/// A request the server received, as [`Server::received`] reports it.
/// Its `Debug` output hides credentials (the `Authorization` header,
/// secret-named headers, query parameters and body fields).
#[derive(Clone)]
pub struct Received {
    /// The operation it matched, `None` when no operation serves it.
    pub operation_id: Option<String>,
    /// The HTTP method.
    pub method: http::Method,
    /// The full request path, as sent (base path included).
    pub path: String,
    /// The decoded query parameters.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The parsed body (see [`Request::body`]).
    pub body: Value,
    /// The status answered; `None` when the connection was dropped.
    pub status: Option<u16>,
}

impl std::fmt::Debug for Received {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Received")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &redacted_query(&self.query))
            .field("headers", &redacted_headers(&self.headers))
            .field("body", &redacted_body(&self.body))
            .field("status", &self.status)
            .finish()
    }
}

/// Whether a header, query parameter or field name carries a credential.
fn is_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "key"
    ) || cloud_common::names_a_secret(name)
}

fn redacted_headers(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let value = if is_secret(k.as_str()) {
                REDACTED.to_string()
            } else {
                String::from_utf8_lossy(v.as_bytes()).into_owned()
            };
            (k.as_str().to_string(), value)
        })
        .collect()
}

fn redacted_query(query: &[(String, String)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| {
            let v = if is_secret(k) {
                REDACTED.to_string()
            } else {
                v.clone()
            };
            (k.clone(), v)
        })
        .collect()
}

fn redacted_body(body: &Value) -> Value {
    match body {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret(k) {
                        Value::String(REDACTED.to_string())
                    } else {
                        redacted_body(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted_body).collect()),
        // A URL with a credential in its query (`…?token=…`).
        Value::String(text) => Value::String(cloud_common::redact_query_credentials(text)),
        other => other.clone(),
    }
}

/// The handle every provider's `Fake` is: a [`Server`] of the
/// provider's service, with `start` (on the current tokio runtime),
/// `start_blocking` (on its own thread), `base_url`, `received`,
/// `inject` and a `Debug` that shows the base URL. `$make` builds the spec
/// the transport routes and validates with and the service; `$start_doc`
/// says what a fresh fake holds. The provider adds its seeding and
/// inspection methods in its own `impl`.
#[macro_export]
macro_rules! fake_handle {
    (
        $(#[$doc:meta])*
        pub struct $name:ident($service:ty);
        make: $make:expr;
        start_doc: $start_doc:literal;
    ) => {
        $(#[$doc])*
        pub struct $name {
            server: $crate::Server<$service>,
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("base_url", &self.base_url())
                    .finish_non_exhaustive()
            }
        }

        impl $name {
            #[doc = $start_doc]
            ///
            /// Runs on the current tokio runtime.
            pub async fn start() -> ::std::result::Result<Self, $crate::FakeError> {
                let (spec, service): ($crate::Spec, $service) = $make?;
                let server = $crate::Server::start_with_spec(spec, service).await?;
                Ok(Self { server })
            }

            #[doc = $start_doc]
            ///
            /// Runs on the fake's own thread and runtime: for synchronous
            /// code (and inside a runtime too).
            pub fn start_blocking() -> ::std::result::Result<Self, $crate::FakeError> {
                let (spec, service): ($crate::Spec, $service) = $make?;
                let server = $crate::Server::start_blocking_with_spec(spec, service)?;
                Ok(Self { server })
            }

            /// The base URL to give a client's `ClientConfig::new`.
            pub fn base_url(&self) -> String {
                self.server.base_url()
            }

            /// Every request received so far, in order (credentials hidden
            /// in their `Debug` output).
            pub fn received(&self) -> Vec<$crate::Received> {
                self.server.received()
            }

            /// Fails the next `times` calls of `operation_id` (see the
            /// crate's `operation_ids`) with `fault`: an error status, a
            /// 429 with `Retry-After`, a delay or a dropped connection.
            pub fn inject(&self, operation_id: &str, fault: $crate::Fault, times: usize) {
                self.server.inject(operation_id, fault, times);
            }

            #[doc = $start_doc]
            ///
            /// Listens on `addr` (port 0: a free one), on the current
            /// tokio runtime: a stable address for other programs.
            pub async fn start_on(
                addr: ::std::net::SocketAddr,
            ) -> ::std::result::Result<Self, $crate::FakeError> {
                let (spec, service): ($crate::Spec, $service) = $make?;
                let server = $crate::Server::start_on(addr, spec, service).await?;
                Ok(Self { server })
            }

            /// The socket address it listens on.
            pub fn addr(&self) -> ::std::net::SocketAddr {
                self.server.addr()
            }

            /// Adds a fault rule: operations × count or probability ×
            /// status, delay, dropped connection, exact answer or one of
            /// [`Self::named_faults`] (the control plane's
            /// `POST /_fake/faults`).
            pub fn add_fault(
                &self,
                rule: $crate::FaultRule,
            ) -> ::std::result::Result<(), $crate::FakeError> {
                self.server.add_fault(rule)
            }

            /// Injects the named fault `name` on the next `times` calls of
            /// the operations it is documented for.
            pub fn inject_named(
                &self,
                name: &str,
                times: usize,
            ) -> ::std::result::Result<(), $crate::FakeError> {
                self.server.add_fault($crate::FaultRule::named(name).times(times))
            }

            /// The fault rules in force (`GET /_fake/faults`).
            pub fn faults(&self) -> ::std::vec::Vec<$crate::FaultRule> {
                self.server.faults()
            }

            /// Removes every fault rule (`DELETE /_fake/faults`).
            pub fn clear_faults(&self) {
                self.server.clear_faults();
            }

            /// The failures of the real service this fake produces by name,
            /// each with the answer it gives (`GET /_fake/faults/named`).
            pub fn named_faults(&self) -> ::std::vec::Vec<$crate::NamedFault> {
                self.server.named_faults()
            }

            /// The state as JSON, `{"pace": …, "state": …}`
            /// (`GET /_fake/state`).
            pub fn save_state(
                &self,
            ) -> ::std::result::Result<$crate::serde_json::Value, $crate::FakeError> {
                self.server.save_state()
            }

            /// Loads a state [`Self::save_state`] gave (`PUT /_fake/state`).
            pub fn load_state(
                &self,
                state: $crate::serde_json::Value,
            ) -> ::std::result::Result<(), $crate::FakeError> {
                self.server.load_state(state)
            }

            /// Back to the reset point (`POST /_fake/reset`): by default
            /// the fresh fake; no fault rules, no received requests.
            pub fn reset(&self) -> ::std::result::Result<(), $crate::FakeError> {
                self.server.reset()
            }

            /// Makes the state as it is now the one [`Self::reset`]
            /// returns to.
            pub fn set_reset_point(&self) -> ::std::result::Result<(), $crate::FakeError> {
                self.server.set_reset_point()
            }

            /// How transitional states move (`GET /_fake/mode`).
            pub fn pace(&self) -> ::std::option::Option<$crate::Pace> {
                self.server.pace()
            }

            /// Makes transitional states move per poll or in real time
            /// (`PUT /_fake/mode`).
            pub fn set_pace(&self, pace: $crate::Pace) {
                self.server.set_pace(pace);
            }

            /// Keeps only the last `limit` received requests (`None`: all).
            pub fn keep_received(&self, limit: ::std::option::Option<usize>) {
                self.server.keep_received(limit);
            }
        }
    };
}

/// The emulator hooks of a [`Service`] whose resources move by one
/// [`Lifecycle`]: written inside its `impl Service for …` block, it
/// defines [`Service::save_state`] and [`Service::load_state`] (by the
/// service's own `save(&self) -> Result<Value, String>` and
/// `load(&mut self, Value) -> Result<(), String>`), [`Service::pace`] and
/// [`Service::set_pace`] (the `lifecycle` field's), [`Service::tick`]
/// (`tick(&lifecycle, resource)` on every value of the map field
/// `resources`), [`Service::named_faults`] (the table `named`) and
/// [`Service::named_fault`] (by its own `named(&mut self, &str, &Request)
/// -> Option<Fault>`).
#[macro_export]
macro_rules! lifecycle_hooks {
    (
        lifecycle: $lifecycle:ident,
        resources: $resources:ident,
        tick: $tick:path,
        named: $named:expr $(,)?
    ) => {
        fn save_state(
            &self,
        ) -> ::std::result::Result<$crate::serde_json::Value, ::std::string::String> {
            self.save()
        }

        fn load_state(
            &mut self,
            state: $crate::serde_json::Value,
        ) -> ::std::result::Result<(), ::std::string::String> {
            self.load(state)
        }

        fn pace(&self) -> ::std::option::Option<$crate::Pace> {
            ::std::option::Option::Some(self.$lifecycle.pace())
        }

        fn set_pace(&mut self, pace: $crate::Pace) {
            self.$lifecycle.set_pace(pace);
        }

        fn tick(&mut self) {
            let lifecycle = &self.$lifecycle;
            for resource in self.$resources.values_mut() {
                $tick(lifecycle, resource);
            }
        }

        fn named_faults(&self) -> ::std::vec::Vec<$crate::NamedFault> {
            $named.to_vec()
        }

        fn named_fault(
            &mut self,
            name: &str,
            request: &$crate::Request,
        ) -> ::std::option::Option<$crate::Fault> {
            self.named(name, request)
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_credentials() {
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", "Bearer hunter2".parse().unwrap());
        headers.insert("namespace", "user-1".parse().unwrap());
        let received = Received {
            operation_id: Some("op".into()),
            method: http::Method::POST,
            path: "/x".into(),
            query: vec![("api_token".into(), "qsecret".into())],
            headers,
            body: serde_json::json!({"api_key": "k1", "api_token": "t1", "nested": {"password": "p1"},
                                     "name": "n", "url": "https://lab.example/?token=u1"}),
            status: Some(200),
        };
        let shown = format!("{received:?}");
        for secret in ["hunter2", "qsecret", "k1", "t1", "p1", "u1"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(
            shown.contains("user-1") && shown.contains("\"n\""),
            "{shown}"
        );
    }

    #[test]
    fn bearer_tokens_are_read_in_any_case() {
        let mut headers = http::HeaderMap::new();
        headers.insert("authorization", "bearer abc".parse().unwrap());
        let request = Request {
            operation_id: String::new(),
            method: http::Method::GET,
            path: "/".into(),
            path_params: BTreeMap::new(),
            query: Vec::new(),
            headers,
            body: Value::Null,
        };
        assert_eq!(request.bearer_token(), Some("abc"));
    }
}

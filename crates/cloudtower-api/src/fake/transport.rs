//! Stand-in for `cloud_common::fake`'s request and response types while
//! that transport is written: the same shapes, so the service compiles and
//! is unit-tested now, and switching is an import change.

use std::collections::BTreeMap;

/// A request that matched an operation of the spec.
#[derive(Debug, Clone)]
pub struct Request {
    /// The operation's `operationId`.
    pub operation_id: String,
    /// The HTTP method.
    pub method: http::Method,
    /// The request path.
    pub path: String,
    /// Path parameters by name.
    pub path_params: BTreeMap<String, String>,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// The request headers.
    pub headers: http::HeaderMap,
    /// The JSON body (`Null` when there is none).
    pub body: serde_json::Value,
}

/// What the service answers.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Body,
}

/// A response body.
#[derive(Debug, Clone)]
pub enum Body {
    /// A JSON body.
    Json(serde_json::Value),
    /// A plain text body.
    #[allow(dead_code)]
    Text(String),
    /// No body.
    #[allow(dead_code)]
    Empty,
}

/// A provider's behaviour behind the transport.
pub trait Service: Send + 'static {
    /// Answers a request that matched an operation and passed validation.
    fn handle(&mut self, request: &Request) -> Response;
    /// The provider's error for a request that failed validation.
    fn invalid(&mut self, request: &Request, problem: &str) -> Response;
}

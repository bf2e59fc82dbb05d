//! Untyped requests through the runtime: for an operation a typed wrapper
//! does not cover, or a command line that reads its operations from the
//! spec. They go the way generated requests go (credentials, default
//! headers, retries, rate limit, tracing, error conversion and redaction),
//! and their path parameters obey the one rule every generated request
//! obeys ([`path_segment`](crate::path_segment)).

use std::borrow::Cow;

use progenitor_client::{RequestBuilderExt, ResponseValue};
use serde_json::Value;

use super::headers::Headers;
use super::{OperationSpec, Runtime};
use crate::compute::BoxFuture;
use crate::error::{Error, ErrorKind};
use crate::secret::Secret;

/// progenitor's error, which the runtime converts like a generated one's.
type Failed = progenitor_client::Error<()>;

/// An untyped request: a method and a path template (`/instances/{id}`,
/// relative to the client's base URL), with its path parameters, query,
/// headers and body, sent by a client's `raw` method (every provider
/// client has one) or [`RawClient::send_raw`].
///
/// Naming the spec's operation ([`RawRequest::operation`]) gives the call
/// what the spec says of it: whether it may be retried, which fields of
/// its bodies are secret, the name errors carry.
///
/// Nothing is sent unless every `{name}` of the path has a value that
/// [`path_segment`](crate::path_segment) accepts: an empty value, `.` or
/// `..` is an [`ErrorKind::InvalidRequest`] error naming the parameter.
///
/// `Debug` shows the method, the path template and the names of the
/// parameters, never their values or the body.
///
/// ```
/// use cloud_common::RawRequest;
/// let request = RawRequest::new(reqwest::Method::GET, "/instances/{id}")
///     .operation("getInstance")
///     .path_param("id", "i-1")
///     .query("verbose", "true");
/// assert!(format!("{request:?}").contains("/instances/{id}"));
/// assert!(!format!("{request:?}").contains("i-1"));
/// ```
pub struct RawRequest {
    method: reqwest::Method,
    path: String,
    operation: Option<String>,
    path_params: Vec<(String, String)>,
    query: Vec<(String, Option<String>)>,
    headers: Vec<(String, String)>,
    body: Option<Body>,
}

/// The names of `pairs`, without their values.
fn names<V>(pairs: &[(String, V)]) -> Vec<&str> {
    pairs.iter().map(|(n, _)| n.as_str()).collect()
}

/// A request body and how it is encoded.
enum Body {
    Json(Value),
    /// JSON with the client's credential fields added.
    JsonWithCredentials(Value),
    Form(Value),
}

impl std::fmt::Debug for RawRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("operation", &self.operation)
            .field("path_params", &names(&self.path_params))
            .field("query", &names(&self.query))
            .field("headers", &names(&self.headers))
            .field(
                "body",
                &self.body.as_ref().map(|b| match b {
                    Body::Json(_) | Body::JsonWithCredentials(_) => "json",
                    Body::Form(_) => "form",
                }),
            )
            .finish()
    }
}

impl RawRequest {
    /// A `method` request to `path`, a template relative to the client's
    /// base URL that starts with `/`.
    pub fn new(method: reqwest::Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            operation: None,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// Names the spec's operation (its `operationId`, or the generated
    /// method name). The client must know it: an operation it does not
    /// know is an [`ErrorKind::InvalidRequest`] error, rather than a call
    /// without the operation's retry policy and secret fields.
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// The value of `{name}` in the path.
    pub fn path_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path_params.push((name.into(), value.into()));
        self
    }

    /// Adds query parameter `name`.
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), Some(value.into())));
        self
    }

    /// Adds query parameter `name` carrying the client's credential field
    /// of that name (see [`Runtime::with_credential_field`]), for an
    /// operation whose spec puts it in the query (TensorDock v0's
    /// `listHostnodes`). A client without that field refuses the request.
    pub fn query_credential(mut self, name: impl Into<String>) -> Self {
        self.query.push((name.into(), None));
        self
    }

    /// Adds header `name`. The client's credential headers replace one of
    /// the same name; its default headers give way to it.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sends `body` as JSON.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(Body::Json(body));
        self
    }

    /// Sends `body`, a JSON object, as JSON with the client's credential
    /// fields added (replacing fields of the same name), for an operation
    /// whose spec puts them in its JSON body (TensorDock v0's container
    /// operations).
    pub fn json_with_credentials(mut self, body: Value) -> Self {
        self.body = Some(Body::JsonWithCredentials(body));
        self
    }

    /// Sends `body`, a JSON object, as a form (`x-www-form-urlencoded`):
    /// a string field as it is, any other value as its JSON text, a `null`
    /// one not at all. The client's credential fields are added (replacing
    /// fields of the same name).
    pub fn form(mut self, body: Value) -> Self {
        self.body = Some(Body::Form(body));
        self
    }

    /// The name errors and traces give the call: the operation's, or the
    /// method and path template.
    fn name(&self, spec: Option<&OperationSpec>) -> Cow<'static, str> {
        match spec {
            Some(spec) => Cow::Borrowed(spec.operation_id),
            None => Cow::Owned(format!("{} {}", self.method, self.path)),
        }
    }

    /// The request to send, with `credentials` where it asks for them; a
    /// request that cannot be sent as asked is refused here, before
    /// anything is sent.
    // The error is progenitor's own type, which the runtime converts.
    #[allow(clippy::result_large_err)]
    fn build(
        self,
        client: &reqwest::Client,
        base_url: &str,
        credentials: &Headers,
    ) -> Result<reqwest::Request, Failed> {
        let path = expand(&self.path, &self.path_params)?;
        let mut builder = client
            .request(self.method, format!("{base_url}{path}"))
            .header(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/json"),
            );
        let mut query = Vec::with_capacity(self.query.len());
        for (name, value) in self.query {
            let value = match value {
                Some(value) => value,
                None => credential(credentials, &name)
                    .map_err(Failed::InvalidRequest)?
                    .expose()
                    .to_string(),
            };
            query.push((name, value));
        }
        if !query.is_empty() {
            builder = builder.query(&query);
        }
        for (name, value) in &self.headers {
            let header = reqwest::header::HeaderName::from_bytes(name.as_bytes())
                .ok()
                .zip(reqwest::header::HeaderValue::from_str(value).ok())
                .ok_or_else(|| {
                    Failed::InvalidRequest(format!("header `{name}` cannot be sent as given"))
                })?;
            builder = builder.header(header.0, header.1);
        }
        builder = match self.body {
            Some(Body::Json(body)) => builder.json(&body),
            Some(Body::JsonWithCredentials(Value::Object(mut body))) => {
                for (name, value) in credentials.fields() {
                    body.insert(name.to_string(), Value::String(value.expose().to_string()));
                }
                builder.json(&body)
            }
            Some(Body::JsonWithCredentials(_)) => {
                return Err(Failed::InvalidRequest(
                    "a body with credential fields must be a JSON object".to_string(),
                ));
            }
            Some(Body::Form(body)) => {
                let fields = form(body, credentials.fields()).map_err(Failed::InvalidRequest)?;
                builder.form_urlencoded(&fields)?
            }
            None => builder,
        };
        Ok(builder.build()?)
    }
}

/// `template` with each `{name}` replaced by its value in `params`, as one
/// path segment ([`path_segment`](crate::path_segment)'s rule).
// The error is progenitor's own type, which `path_segment` returns.
#[allow(clippy::result_large_err)]
fn expand(template: &str, params: &[(String, String)]) -> Result<String, Failed> {
    let refuse = |message: String| Err(Failed::InvalidRequest(message));
    if !template.starts_with('/') {
        return refuse(format!("the path {template:?} does not start with `/`"));
    }
    if let Some((name, _)) = params
        .iter()
        .find(|(name, _)| !template.contains(&format!("{{{name}}}")))
    {
        return refuse(format!("the path {template} has no parameter `{name}`"));
    }
    let mut path = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}').map(|i| open + i) else {
            return refuse(format!("the path {template} has an unclosed `{{`"));
        };
        let name = &rest[open + 1..close];
        let Some((_, value)) = params.iter().find(|(n, _)| n == name) else {
            return refuse(format!("path parameter `{name}` has no value"));
        };
        path.push_str(&rest[..open]);
        path.push_str(&crate::path_segment(name, value)?);
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    Ok(path)
}

/// The client's credential field `name`.
fn credential<'a>(credentials: &'a Headers, name: &str) -> Result<&'a Secret, String> {
    credentials
        .field(name)
        .ok_or_else(|| format!("this client has no credential `{name}` to put in the query"))
}

/// The fields of form `body`, then the client's credential fields.
fn form(
    body: Value,
    credentials: &[(&'static str, Secret)],
) -> Result<Vec<(String, String)>, String> {
    let Value::Object(map) = body else {
        return Err("a form body must be a JSON object".to_string());
    };
    let mut fields: Vec<(String, String)> = map
        .into_iter()
        .filter(|(name, value)| !value.is_null() && !credentials.iter().any(|(c, _)| c == name))
        .map(|(name, value)| match value {
            Value::String(s) => (name, s),
            other => (name, other.to_string()),
        })
        .collect();
    fields.extend(
        credentials
            .iter()
            .map(|(name, value)| (name.to_string(), value.expose().to_string())),
    );
    Ok(fields)
}

/// The successful answer to a [`RawRequest`]: its status and body.
///
/// `Debug` shows the status and the body's length only: the body can hold
/// a secret. [`RawResponse::redacted`] is the body as it may be shown.
pub struct RawResponse {
    status: u16,
    body: bytes::Bytes,
    /// The client's operations, whose secret fields [`Self::redacted`] hides.
    operations: &'static [OperationSpec],
    /// The operation answered, when the request named it.
    spec: Option<&'static OperationSpec>,
}

impl std::fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl RawResponse {
    /// Reads a success; any other status is progenitor's "unexpected
    /// response", which the runtime turns into an error with the status,
    /// the server's message and the (redacted) body.
    async fn read(
        response: reqwest::Response,
        operations: &'static [OperationSpec],
        spec: Option<&'static OperationSpec>,
    ) -> Result<ResponseValue<Self>, Failed> {
        let status = response.status();
        if !status.is_success() {
            return Err(Failed::UnexpectedResponse(response));
        }
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(Failed::ResponseBodyError)?;
        let raw = Self {
            status: status.as_u16(),
            body,
            operations,
            spec,
        };
        Ok(ResponseValue::new(raw, status, headers))
    }

    /// The HTTP status (a 2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON; an empty body is `null`.
    pub fn json(&self) -> Result<Value, serde_json::Error> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body)
    }

    /// The body as it may be printed or logged: JSON with the value of
    /// every property that is secret (in any operation of the spec, or by
    /// its name, see [`names_a_secret`](crate::names_a_secret)) replaced by
    /// `[REDACTED]`, and credentials in URL queries too. A body that is not
    /// JSON is a string, redacted the same way, or only its length for an
    /// operation whose answers can carry secrets.
    pub fn redacted(&self) -> Value {
        let secret = |name: &str| {
            crate::names_a_secret(name)
                || self
                    .operations
                    .iter()
                    .any(|o| o.secret_fields.contains(&name))
        };
        match self.json() {
            Ok(mut value) => {
                crate::redact::printable(&mut value, &secret);
                value
            }
            Err(_) if self.spec.is_none_or(|o| o.secret_response) => Value::String(format!(
                "[{} bytes that are not JSON; not shown, since they can carry secrets]",
                self.body.len()
            )),
            Err(_) => Value::String(crate::redact::query_credentials(&String::from_utf8_lossy(
                &self.body,
            ))),
        }
    }
}

/// A client that sends [`RawRequest`]s: every provider client is one
/// (through `client_shell!`), so a program can hold clients of different
/// providers as `Box<dyn RawClient>`.
pub trait RawClient: Send + Sync {
    /// Sends `request` through the client's runtime, as its `raw` method
    /// does.
    fn send_raw(&self, request: RawRequest) -> BoxFuture<'_, Result<RawResponse, Error>>;
}

impl Runtime {
    /// Sends `request` with `client` to `base_url` (a provider client's
    /// `raw` method passes its own), the way generated requests go: path
    /// parameters checked, credentials and default headers added, rate
    /// limited, retried where the operation allows it, traced, and errors
    /// converted and redacted like a generated call's.
    ///
    pub async fn raw(
        &self,
        client: &reqwest::Client,
        base_url: &str,
        request: RawRequest,
    ) -> Result<RawResponse, Error> {
        let spec = match &request.operation {
            Some(operation) => Some(self.operation(operation).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidRequest,
                    self.provider(),
                    operation.clone(),
                    format!("{} has no operation {operation:?}", self.provider()),
                )
            })?),
            None => None,
        };
        let name = request.name(spec);
        let operations = self.inner.operations;
        let send = async {
            let request = request.build(client, base_url, &self.inner.headers)?;
            let response = self.send(client, request, &name, spec).await?;
            RawResponse::read(response, operations, spec).await
        };
        self.call_as(name.clone(), send).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn refusal(template: &str, pairs: &[(&str, &str)]) -> String {
        match expand(template, &params(pairs)) {
            Err(Failed::InvalidRequest(message)) => message,
            other => panic!("{template}: {other:?}"),
        }
    }

    #[test]
    fn every_parameter_is_one_segment_and_nothing_is_left_over() {
        let path = expand(
            "/clusters/{clusterName}/instances/{name}/power_on",
            &params(&[("name", "a/b c"), ("clusterName", "..x")]),
        )
        .unwrap();
        assert_eq!(path, "/clusters/..x/instances/a%2Fb%20c/power_on");
        assert_eq!(expand("/regions", &[]).unwrap(), "/regions");
        assert!(refusal("/instances/{id}", &[("id", "..")]).contains("`id`"));
        assert!(refusal("/instances/{id}", &[]).contains("`id` has no value"));
        assert!(refusal("/instances", &[("id", "1")]).contains("no parameter `id`"));
        assert!(refusal("/instances/{id", &[]).contains("unclosed"));
        assert!(refusal("instances", &[]).contains("does not start with `/`"));
    }

    #[test]
    fn a_form_takes_the_credential_fields_in_place_of_the_callers() {
        let credentials = [("api_key", Secret::new("k"))];
        let fields = form(
            serde_json::json!({"api_key": "mine", "n": 2, "s": "x", "gone": null}),
            &credentials,
        )
        .unwrap();
        assert_eq!(fields, params(&[("n", "2"), ("s", "x"), ("api_key", "k")]));
        assert!(form(serde_json::json!("x"), &credentials).is_err());
    }
}

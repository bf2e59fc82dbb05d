//! The loopback HTTP/1.1 server: accepts connections, turns each request
//! into a [`Request`], and answers it through the [`Service`].

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::{Body, FakeError, Fault, Received, Request, Response, Service, Spec};

/// A running fake: a loopback HTTP server answering by `S`. It stops when
/// dropped.
pub struct Server<S> {
    shared: Arc<Shared<S>>,
    addr: SocketAddr,
    /// Dropping it stops the accept loop (the receiver then resolves).
    _stop: oneshot::Sender<()>,
    /// The thread running the server's own runtime ([`Server::start_blocking`]).
    _thread: Option<std::thread::JoinHandle<()>>,
}

struct Shared<S> {
    spec: Spec,
    service: Mutex<S>,
    received: Mutex<Vec<Received>>,
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
}

/// The error a service future returns to make hyper close the connection
/// without answering ([`Fault::Drop`]).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// A poisoned lock only means a service panicked mid-request; its state is
/// still the best there is, so the fake keeps serving.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S: Service> std::fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("base_url", &self.base_url())
            .finish_non_exhaustive()
    }
}

impl<S: Service> Server<S> {
    /// Starts the server on the current tokio runtime (call it inside one),
    /// on a free port of 127.0.0.1, routing by `spec_yaml`.
    pub async fn start(spec_yaml: &str, service: S) -> Result<Self, FakeError> {
        Self::start_with_spec(Spec::parse(spec_yaml)?, service).await
    }

    /// [`Server::start`] with a spec already parsed (a provider that also
    /// uses the spec to synthesise answers parses it once).
    pub async fn start_with_spec(spec: Spec, service: S) -> Result<Self, FakeError> {
        let (std_listener, addr) = bind()?;
        let listener = tokio::net::TcpListener::from_std(std_listener)?;
        let shared = Arc::new(Shared::new(spec, service));
        let (stop, stopped) = oneshot::channel();
        tokio::spawn(accept(listener, Arc::clone(&shared), stopped));
        Ok(Self {
            shared,
            addr,
            _stop: stop,
            _thread: None,
        })
    }

    /// Starts the server on its own thread and runtime: for synchronous
    /// tests and examples (works inside a runtime, too).
    pub fn start_blocking(spec_yaml: &str, service: S) -> Result<Self, FakeError> {
        Self::start_blocking_with_spec(Spec::parse(spec_yaml)?, service)
    }

    /// [`Server::start_blocking`] with a spec already parsed.
    pub fn start_blocking_with_spec(spec: Spec, service: S) -> Result<Self, FakeError> {
        let (std_listener, addr) = bind()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let shared = Arc::new(Shared::new(spec, service));
        let (stop, stopped) = oneshot::channel();
        let serving = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("fake-server-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(async move {
                    // Converted inside the runtime: tokio's listener needs its reactor.
                    if let Ok(listener) = tokio::net::TcpListener::from_std(std_listener) {
                        accept(listener, serving, stopped).await;
                    }
                });
            })?;
        Ok(Self {
            shared,
            addr,
            _stop: stop,
            _thread: Some(thread),
        })
    }

    /// The URL to give a client: `http://127.0.0.1:PORT` and the spec's
    /// server base path (`/mdc/api/v1`).
    pub fn base_url(&self) -> String {
        format!("http://{}{}", self.addr, self.shared.spec.base_path())
    }

    /// The socket address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The spec the server routes by.
    pub fn spec(&self) -> &Spec {
        &self.shared.spec
    }

    /// Runs `f` on the service's state (to seed or inspect it), with
    /// requests held off meanwhile.
    pub fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        f(&mut lock(&self.shared.service))
    }

    /// Every request received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received).clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_received(&self) {
        lock(&self.shared.received).clear();
    }

    /// Fails the next `times` calls of `operation_id` with `fault` (after
    /// any faults injected before).
    pub fn inject(&self, operation_id: &str, fault: Fault, times: usize) {
        let mut faults = lock(&self.shared.faults);
        let queue = faults.entry(operation_id.to_string()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }
}

fn bind() -> Result<(std::net::TcpListener, SocketAddr), FakeError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

async fn accept<S: Service>(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared<S>>,
    mut stopped: oneshot::Receiver<()>,
) {
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            accepted = listener.accept() => {
                // A failed accept (the peer gave up) costs only that connection.
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let shared = Arc::clone(&shared);
                        async move { shared.answer(request).await }
                    });
                    // A connection that ends badly (a dropped fault, a client
                    // hanging up) is not the server's failure.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

impl<S: Service> Shared<S> {
    fn new(spec: Spec, service: S) -> Self {
        Self {
            spec,
            service: Mutex::new(service),
            received: Mutex::new(Vec::new()),
            faults: Mutex::new(HashMap::new()),
        }
    }

    async fn answer(
        &self,
        request: hyper::Request<hyper::body::Incoming>,
    ) -> Result<hyper::Response<Full<Bytes>>, Dropped> {
        let (parts, incoming) = request.into_parts();
        // A body that cannot be read (the client hung up) reads as empty.
        let bytes = incoming
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        let full_path = parts.uri.path().to_string();
        let query: Vec<(String, String)> = parts
            .uri
            .query()
            .and_then(|q| serde_urlencoded::from_str(q).ok())
            .unwrap_or_default();
        let (body, body_problem) = parse_body(&parts.headers, &bytes);
        let base = self.spec.base_path();
        let relative = if base.is_empty() {
            Some(full_path.as_str())
        } else {
            full_path
                .strip_prefix(base)
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let routed = relative.and_then(|p| self.spec.route(&parts.method, p));
        let mut request = Request {
            operation_id: String::new(),
            method: parts.method.clone(),
            path: relative.unwrap_or(&full_path).to_string(),
            path_params: Default::default(),
            query,
            headers: parts.headers,
            body,
        };
        let mut received = Received {
            operation_id: None,
            method: request.method.clone(),
            path: full_path.clone(),
            query: request.query.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
            status: None,
        };
        let response = match routed {
            None => lock(&self.service).not_found(&request),
            Some((operation, params)) => {
                request.operation_id = operation.id.clone();
                request.path_params = params;
                received.operation_id = Some(operation.id.clone());
                let fault = lock(&self.faults)
                    .get_mut(&operation.id)
                    .and_then(VecDeque::pop_front);
                match fault {
                    Some(Fault::Drop) => {
                        lock(&self.received).push(received);
                        return Err(Dropped);
                    }
                    Some(Fault::Status(status)) => lock(&self.service).fault(&request, status),
                    Some(Fault::TooManyRequests { retry_after_secs }) => lock(&self.service)
                        .fault(&request, 429)
                        .with_header("retry-after", retry_after_secs.to_string()),
                    delay => {
                        if let Some(Fault::Delay(d)) = delay {
                            tokio::time::sleep(d).await;
                        }
                        let mut service = lock(&self.service);
                        if body_problem.is_none() {
                            service.prepare(&mut request);
                        }
                        let checked = match body_problem {
                            Some(problem) => Err(problem),
                            None => self.spec.validate(operation, &request),
                        };
                        match checked {
                            Ok(()) => service.handle(&request),
                            Err(problem) => service.invalid(&request, &problem),
                        }
                    }
                }
            }
        };
        received.status = Some(response.status);
        lock(&self.received).push(received);
        Ok(to_hyper(response))
    }
}

/// The body as [`Request::body`] holds it, and what makes it unreadable.
fn parse_body(headers: &http::HeaderMap, bytes: &[u8]) -> (Value, Option<String>) {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return (Value::Null, None);
    }
    let content_type = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/x-www-form-urlencoded") {
        return match serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes) {
            Ok(pairs) => {
                let mut map = Map::new();
                for (k, v) in pairs {
                    match map.get_mut(&k) {
                        Some(Value::Array(items)) => items.push(Value::String(v)),
                        Some(existing) => {
                            let first = existing.take();
                            *existing = Value::Array(vec![first, Value::String(v)]);
                        }
                        None => {
                            map.insert(k, Value::String(v));
                        }
                    }
                }
                (Value::Object(map), None)
            }
            Err(e) => (
                Value::String(String::from_utf8_lossy(bytes).into_owned()),
                Some(format!("the form body cannot be read: {e}")),
            ),
        };
    }
    match serde_json::from_slice(bytes) {
        Ok(value) => (value, None),
        Err(e) => (
            Value::String(String::from_utf8_lossy(bytes).into_owned()),
            Some(format!("the request body is not valid JSON: {e}")),
        ),
    }
}

fn to_hyper(response: Response) -> hyper::Response<Full<Bytes>> {
    let (content_type, bytes) = match response.body {
        Body::Json(v) => (Some("application/json"), Bytes::from(v.to_string())),
        Body::Text(t) => (Some("text/plain; charset=utf-8"), Bytes::from(t)),
        Body::Empty => (None, Bytes::new()),
    };
    let mut builder = hyper::Response::builder().status(response.status);
    let own_type = response
        .headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    if let (Some(ct), false) = (content_type, own_type) {
        builder = builder.header(http::header::CONTENT_TYPE, ct);
    }
    for (k, v) in &response.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    // A service that answers an impossible status or header gets a 500
    // saying so, rather than a panic.
    builder.body(Full::new(bytes)).unwrap_or_else(|e| {
        let mut fallback = hyper::Response::new(Full::new(Bytes::from(format!(
            "the fake built an invalid response: {e}"
        ))));
        *fallback.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        fallback
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;

    const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: v}
servers: [{url: 'https://example.com/api'}]
paths:
  /items:
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [name]
              properties:
                name: {type: string}
                size: {type: integer}
      responses: {'200': {description: ok}}
    get:
      operationId: listItems
      responses: {'200': {description: ok}}
"#;

    #[derive(Default)]
    struct Items(Vec<String>);

    impl Service for Items {
        fn handle(&mut self, request: &Request) -> Response {
            match request.operation_id.as_str() {
                "createItem" => {
                    self.0
                        .push(request.field("name").unwrap_or_default().to_string());
                    Response::json(200, json!("ok"))
                }
                _ => Response::json(200, json!(self.0)),
            }
        }
        fn invalid(&mut self, _: &Request, problem: &str) -> Response {
            Response::json(400, json!({"error": problem}))
        }
    }

    fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
    }

    #[tokio::test]
    async fn requests_are_routed_validated_and_recorded() {
        let server = Server::start(SPEC, Items::default()).await.unwrap();
        let http = client();
        let url = format!("{}/items", server.base_url());
        let ok = http
            .post(&url)
            .json(&json!({"name": "a"}))
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let bad = http
            .post(&url)
            .json(&json!({"name": "b", "size": "big"}))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        let text = bad.text().await.unwrap();
        assert!(
            text.contains("`size`") && text.contains("integer"),
            "{text}"
        );
        let missing = http.post(&url).json(&json!({})).send().await.unwrap();
        assert!(missing.text().await.unwrap().contains("`name`"));
        let unknown = http
            .get(format!("{}/nope", server.base_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), 404);
        let list: Value = http.get(&url).send().await.unwrap().json().await.unwrap();
        assert_eq!(list, json!(["a"]));
        assert_eq!(server.with(|items| items.0.len()), 1);
        let received = server.received();
        let ops: Vec<Option<&str>> = received.iter().map(|r| r.operation_id.as_deref()).collect();
        assert_eq!(
            ops,
            [
                Some("createItem"),
                Some("createItem"),
                Some("createItem"),
                None,
                Some("listItems")
            ]
        );
        assert_eq!(received[1].status, Some(400));
        assert_eq!(received[0].path, "/api/items");
    }

    #[tokio::test]
    async fn injected_faults_hit_the_next_calls_only() {
        let server = Server::start(SPEC, Items::default()).await.unwrap();
        let http = client();
        let url = format!("{}/items", server.base_url());
        server.inject(
            "listItems",
            Fault::TooManyRequests {
                retry_after_secs: 7,
            },
            1,
        );
        server.inject("listItems", Fault::Status(503), 1);
        server.inject("listItems", Fault::Drop, 1);
        server.inject("listItems", Fault::Delay(Duration::from_millis(10)), 1);
        let limited = http.get(&url).send().await.unwrap();
        assert_eq!(limited.status(), 429);
        assert_eq!(limited.headers()["retry-after"], "7");
        assert_eq!(http.get(&url).send().await.unwrap().status(), 503);
        assert!(
            http.get(&url).send().await.is_err(),
            "a dropped connection is an error"
        );
        assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
        assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
        assert_eq!(server.received()[2].status, None);
    }

    #[tokio::test]
    async fn odd_requests_get_answers_not_panics() {
        let server = Server::start(SPEC, Items::default()).await.unwrap();
        let http = client();
        let base = server.base_url();
        let odd = [
            http.patch(format!("{base}/items")),
            http.get(format!("{base}/%ff%fe/..")),
            http.get(format!("{base}/items?a=%zz&&=")),
            http.get(format!("http://{}/items", server.addr())),
            http.post(format!("{base}/items"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("name=%ZZ&name=b"),
            http.post(format!("{base}/items"))
                .header("content-type", "application/json")
                .body(vec![0xff, 0xfe, 0x00]),
        ];
        let mut statuses = Vec::new();
        for request in odd {
            statuses.push(request.send().await.unwrap().status().as_u16());
        }
        assert_eq!(statuses, [404, 404, 200, 404, 400, 400]);
        assert_eq!(server.received().len(), 6);
    }

    #[test]
    fn a_blocking_server_serves_from_its_own_thread() {
        let server = Server::start_blocking(SPEC, Items::default()).unwrap();
        let url = format!("{}/items", server.base_url());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let status = runtime.block_on(async { client().get(&url).send().await.unwrap().status() });
        assert_eq!(status, 200);
        let bad = runtime.block_on(async {
            client()
                .post(&url)
                .body("{not json")
                .header("content-type", "application/json")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        });
        assert!(bad.contains("not valid JSON"), "{bad}");
    }
}

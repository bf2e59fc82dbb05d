//! The loopback HTTP/1.1 server: accepts connections, turns each request
//! into a [`Request`], and answers it through the [`Service`].

mod control;

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::sync::oneshot;

use super::faults::Rules;
use super::{
    Body, FakeError, Fault, FaultRule, NamedFault, Pace, Received, Request, Response, Service, Spec,
};

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
    received: Mutex<Log>,
    faults: Mutex<Rules>,
    /// What a reset goes back to (a saved state, see [`Server::reset`]).
    reset_point: Mutex<Option<serde_json::Value>>,
}

/// The received requests, the oldest dropped past a limit (a long-running
/// emulator keeps flat memory).
#[derive(Default)]
struct Log {
    requests: VecDeque<Received>,
    limit: Option<usize>,
}

impl Log {
    fn push(&mut self, received: Received) {
        self.requests.push_back(received);
        if let Some(limit) = self.limit {
            while self.requests.len() > limit {
                self.requests.pop_front();
            }
        }
    }
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
        Self::start_on(loopback(), spec, service).await
    }

    /// [`Server::start_with_spec`] on a chosen address (port 0: a free
    /// one), e.g. a stable port for an emulator other programs use.
    pub async fn start_on(addr: SocketAddr, spec: Spec, service: S) -> Result<Self, FakeError> {
        let (std_listener, addr) = bind(addr)?;
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
        Self::start_blocking_on(loopback(), spec, service)
    }

    /// [`Server::start_blocking_with_spec`] on a chosen address.
    pub fn start_blocking_on(addr: SocketAddr, spec: Spec, service: S) -> Result<Self, FakeError> {
        let (std_listener, addr) = bind(addr)?;
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
    /// requests held off meanwhile (in real time, after whatever is due
    /// has settled).
    pub fn with<R>(&self, f: impl FnOnce(&mut S) -> R) -> R {
        f(&mut self.shared.service())
    }

    /// Every request received so far, in order (the last
    /// [`Server::keep_received`] of them, when limited).
    pub fn received(&self) -> Vec<Received> {
        lock(&self.shared.received)
            .requests
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets the requests received so far.
    pub fn clear_received(&self) {
        lock(&self.shared.received).requests.clear();
    }

    /// Keeps only the last `limit` received requests (`None`: all, the
    /// default), so a long-running server's memory stays flat.
    pub fn keep_received(&self, limit: Option<usize>) {
        let mut log = lock(&self.shared.received);
        log.limit = limit;
        if let Some(limit) = limit {
            while log.requests.len() > limit {
                log.requests.pop_front();
            }
        }
    }

    /// Fails the next `times` calls of `operation_id` with `fault` (after
    /// any faults injected before).
    pub fn inject(&self, operation_id: &str, fault: Fault, times: usize) {
        if times > 0 {
            lock(&self.shared.faults)
                .rules
                .push(FaultRule::new(operation_id, fault).times(times));
        }
    }

    /// Adds a fault rule (after those added before: the first that fires
    /// answers). A named fault must be one of [`Server::named_faults`];
    /// without operations it hits those the named fault is documented for.
    pub fn add_fault(&self, rule: FaultRule) -> Result<(), FakeError> {
        self.shared.add_fault(rule).map_err(FakeError::State)
    }

    /// The fault rules in force, with what is left of each.
    pub fn faults(&self) -> Vec<FaultRule> {
        lock(&self.shared.faults).rules.clone()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).rules.clear();
    }

    /// The failures of the real service this fake produces by name.
    pub fn named_faults(&self) -> Vec<NamedFault> {
        lock(&self.shared.service).named_faults()
    }

    /// The service's state as JSON, with its pace: what
    /// [`Server::load_state`] takes back.
    pub fn save_state(&self) -> Result<serde_json::Value, FakeError> {
        self.shared.save_state().map_err(FakeError::State)
    }

    /// Replaces the service's state (and pace) with a saved one.
    pub fn load_state(&self, state: serde_json::Value) -> Result<(), FakeError> {
        self.shared.load_state(state).map_err(FakeError::State)
    }

    /// Makes the state as it is now the one [`Server::reset`] returns to
    /// (by default, the state the server started with).
    pub fn set_reset_point(&self) -> Result<(), FakeError> {
        let now = self.save_state()?;
        *lock(&self.shared.reset_point) = Some(now);
        Ok(())
    }

    /// Back to the reset point: its state, no fault rules, no received
    /// requests.
    pub fn reset(&self) -> Result<(), FakeError> {
        self.shared.reset().map_err(FakeError::State)
    }

    /// How the service's transitional states move (`None`: nothing moves).
    pub fn pace(&self) -> Option<Pace> {
        lock(&self.shared.service).pace()
    }

    /// Makes the service's transitional states move at `pace`.
    pub fn set_pace(&self, pace: Pace) {
        lock(&self.shared.service).set_pace(pace);
    }
}

/// A free port of 127.0.0.1.
fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

fn bind(addr: SocketAddr) -> Result<(std::net::TcpListener, SocketAddr), FakeError> {
    let listener = std::net::TcpListener::bind(addr)?;
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
        let reset_point = save(&service).ok();
        Self {
            spec,
            service: Mutex::new(service),
            received: Mutex::new(Log::default()),
            faults: Mutex::new(Rules::default()),
            reset_point: Mutex::new(reset_point),
        }
    }

    /// The service, with whatever is due by the clock settled first.
    fn service(&self) -> MutexGuard<'_, S> {
        let mut service = lock(&self.service);
        if service.pace().is_some_and(|p| p.is_real_time()) {
            service.tick();
        }
        service
    }

    fn add_fault(&self, mut rule: FaultRule) -> Result<(), String> {
        if let Fault::Named(name) = &rule.fault {
            let known = lock(&self.service).named_faults();
            let Some(named) = known.iter().find(|n| n.name == name) else {
                let names: Vec<&str> = known.iter().map(|n| n.name).collect();
                return Err(format!(
                    "this fake has no named fault {name:?}; it has: {}",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ));
            };
            if rule.operations.is_empty() {
                rule.operations = named.operations.iter().map(|o| o.to_string()).collect();
            }
        }
        lock(&self.faults).rules.push(rule);
        Ok(())
    }

    fn save_state(&self) -> Result<serde_json::Value, String> {
        save(&*self.service())
    }

    fn load_state(&self, state: serde_json::Value) -> Result<(), String> {
        let mut service = lock(&self.service);
        let (pace, inner) = match state {
            serde_json::Value::Object(mut map) if map.contains_key("state") => {
                let pace = map.remove("pace").unwrap_or_default();
                (pace, map.remove("state").unwrap_or_default())
            }
            _ => return Err("a saved state is {\"pace\": …, \"state\": …}".into()),
        };
        service.load_state(inner)?;
        if !pace.is_null() {
            let pace: Pace = serde_json::from_value(pace).map_err(|e| format!("`pace`: {e}"))?;
            service.set_pace(pace);
        }
        Ok(())
    }

    fn reset(&self) -> Result<(), String> {
        let point = lock(&self.reset_point)
            .clone()
            .ok_or("this fake cannot save its state, so it cannot reset")?;
        self.load_state(point)?;
        lock(&self.faults).rules.clear();
        lock(&self.received).requests.clear();
        Ok(())
    }

    /// The answer of an injected fault that answers without the service
    /// handling the call; `None` for one that lets it.
    fn immediate(&self, fault: &Fault, request: &Request) -> Option<Result<Response, Dropped>> {
        Some(Ok(match fault {
            Fault::Drop => return Some(Err(Dropped)),
            Fault::Status(status) => lock(&self.service).fault(request, *status),
            Fault::TooManyRequests { retry_after_secs } => lock(&self.service)
                .fault(request, 429)
                .with_header("retry-after", retry_after_secs.to_string()),
            Fault::Respond(response) => response.clone(),
            _ => return None,
        }))
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
        if full_path == "/_fake" || full_path.starts_with("/_fake/") {
            // The control plane speaks JSON whatever the content type says
            // (`curl -d` sends a form's).
            let (body, problem) = if bytes.iter().all(u8::is_ascii_whitespace) {
                (Value::Null, None)
            } else {
                match serde_json::from_slice(&bytes) {
                    Ok(v) => (v, None),
                    Err(e) => (Value::Null, Some(format!("the body is not JSON: {e}"))),
                }
            };
            let response = self.control(&parts.method, &full_path, body, problem);
            return Ok(to_hyper(response));
        }
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
        let answer = match routed {
            None => Ok(lock(&self.service).not_found(&request)),
            Some((operation, params)) => {
                request.operation_id = operation.id.clone();
                request.path_params = params;
                received.operation_id = Some(operation.id.clone());
                let mut fault = lock(&self.faults).fire(&operation.id);
                if let Some(Fault::Named(name)) = &fault {
                    fault = lock(&self.service).named_fault(name, &request);
                }
                let (fault, after) = match fault {
                    Some(Fault::AfterEffect(after)) => (None, Some(*after)),
                    fault => (fault, None),
                };
                match fault.as_ref().and_then(|f| self.immediate(f, &request)) {
                    Some(answer) => answer,
                    None => {
                        if let Some(Fault::Delay(d)) = fault {
                            tokio::time::sleep(d).await;
                        }
                        let handled = {
                            let mut service = self.service();
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
                        };
                        match after {
                            // A call the service refused took no effect: its
                            // refusal stands.
                            Some(_) if handled.status >= 300 => Ok(handled),
                            Some(Fault::Delay(d)) => {
                                tokio::time::sleep(d).await;
                                Ok(handled)
                            }
                            Some(after) => self.immediate(&after, &request).unwrap_or(Ok(handled)),
                            None => Ok(handled),
                        }
                    }
                }
            }
        };
        received.status = answer.as_ref().ok().map(|r| r.status);
        lock(&self.received).push(received);
        answer.map(to_hyper)
    }
}

/// The service's state and pace, as [`Server::save_state`] gives them.
fn save<S: Service>(service: &S) -> Result<serde_json::Value, String> {
    Ok(serde_json::json!({"pace": service.pace(), "state": service.save_state()?}))
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
mod tests;

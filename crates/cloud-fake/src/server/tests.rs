//! The server's tests: routing, validation, faults, the control plane.

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
    fn save_state(&self) -> Result<Value, String> {
        Ok(json!(self.0))
    }
    fn load_state(&mut self, state: Value) -> Result<(), String> {
        self.0 = serde_json::from_value(state).map_err(|e| e.to_string())?;
        Ok(())
    }
    fn named_faults(&self) -> Vec<crate::NamedFault> {
        vec![crate::NamedFault {
            name: "full",
            operations: &["createItem"],
            description: "507, the shelf is full",
        }]
    }
    fn named_fault(&mut self, name: &str, _: &Request) -> Option<Fault> {
        (name == "full").then(|| Fault::Respond(Response::json(507, json!({"error": "full"}))))
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

/// Sends `method path` with an optional JSON body; the status and JSON answer.
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_control_plane_saves_loads_resets_and_sets_fault_rules() {
    use reqwest::Method;
    let server = Server::start(SPEC, Items::default()).await.unwrap();
    let http = client();
    let items = format!("{}/items", server.base_url());
    let control = |route: &str| format!("http://{}/_fake{route}", server.addr());
    call(
        &http,
        Method::POST,
        items.clone(),
        Some(json!({"name": "a"})),
    )
    .await;
    let (status, state) = call(&http, Method::GET, control("/state"), None).await;
    assert_eq!((status, &state["state"]), (200, &json!(["a"])));
    // Seed another state, then reset to the fresh one.
    let seeded = json!({"pace": null, "state": ["x", "y"]});
    let (status, _) = call(&http, Method::PUT, control("/state"), Some(seeded)).await;
    assert_eq!(status, 200);
    let (_, list) = call(&http, Method::GET, items.clone(), None).await;
    assert_eq!(list, json!(["x", "y"]));
    let (status, _) = call(&http, Method::PUT, control("/state"), Some(json!(7))).await;
    assert_eq!(status, 400, "a state that is not one is refused");
    // Rules: a count, a named fault on its own operations, a listing.
    let rules = json!([{"operation": "listItems", "status": 503, "times": 2},
                       {"name": "full"}]);
    let (status, added) = call(&http, Method::POST, control("/faults"), Some(rules)).await;
    assert_eq!((status, added), (200, json!({"added": 2})));
    let (_, listed) = call(&http, Method::GET, control("/faults"), None).await;
    assert_eq!(listed[0]["times"], 2);
    assert_eq!(listed[1]["operations"], json!(["createItem"]));
    assert_eq!(call(&http, Method::GET, items.clone(), None).await.0, 503);
    let (status, body) = call(
        &http,
        Method::POST,
        items.clone(),
        Some(json!({"name": "z"})),
    )
    .await;
    assert_eq!((status, body), (507, json!({"error": "full"})));
    assert_eq!(server.faults()[0].hits, 1);
    let (status, body) = call(
        &http,
        Method::POST,
        control("/faults"),
        Some(json!({"name": "nope"})),
    )
    .await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("full"), "{body}");
    // `curl -d` labels JSON a form: the control plane reads JSON anyway.
    let as_curl_sends = http
        .post(control("/faults"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(r#"{"operation": "listItems", "status": 500}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(as_curl_sends.status(), 200);
    assert_eq!(
        call(&http, Method::DELETE, control("/faults"), None)
            .await
            .0,
        200
    );
    assert!(server.faults().is_empty());
    // Requests are listed without their control-plane calls.
    let (_, requests) = call(&http, Method::GET, control("/requests"), None).await;
    assert!(
        requests
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["path"] == "/api/items")
    );
    // Nothing moves in this fake, so it has no mode to set.
    let pace = json!({"mode": "real-time", "settle_ms": 10});
    assert_eq!(
        call(&http, Method::PUT, control("/mode"), Some(pace))
            .await
            .0,
        400
    );
    assert_eq!(
        call(&http, Method::POST, control("/reset"), None).await.0,
        200
    );
    let (_, list) = call(&http, Method::GET, items.clone(), None).await;
    assert_eq!(list, json!([]));
    assert_eq!(
        server.received().len(),
        1,
        "a reset forgets what came before"
    );
    assert_eq!(
        call(&http, Method::GET, control("/nope"), None).await.0,
        404
    );
    assert_eq!(
        call(&http, Method::DELETE, control("/state"), None).await.0,
        405
    );
}

#[tokio::test]
async fn an_after_effect_fault_answers_badly_after_the_service_acted() {
    let server = Server::start(SPEC, Items::default()).await.unwrap();
    let http = client();
    let url = format!("{}/items", server.base_url());
    server
        .add_fault(FaultRule::new(
            "createItem",
            Fault::AfterEffect(Box::new(Fault::Drop)),
        ))
        .unwrap();
    let sent = http.post(&url).json(&json!({"name": "a"})).send().await;
    assert!(sent.is_err(), "the answer is lost");
    assert_eq!(
        server.with(|items| items.0.clone()),
        ["a"],
        "but the item exists"
    );
    server.keep_received(Some(1));
    http.get(&url).send().await.unwrap();
    assert_eq!(server.received().len(), 1);
}

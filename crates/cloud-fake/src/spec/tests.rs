//! The spec reader's tests: routing, validation and synthesis on a small
//! spec.

use super::*;

const SPEC: &str = r#"
openapi: 3.0.3
info: {title: t, version: v}
servers: [{url: 'https://example.com/api/v1'}]
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getThing
      parameters:
        - {name: x-key, in: header, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Thing'}
  /things/new:
    get:
      operationId: newThing
      responses: {'204': {description: none}}
  /things:
    post:
      operationId: createThing
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [count]
              properties:
                count: {type: integer}
                kind: {type: string, enum: [a, b]}
                dry: {type: boolean}
                sizes: {type: array, items: {type: integer}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string, example: widget}
        size: {type: integer}
        tags: {type: array, items: {type: string}}
"#;

#[test]
fn routes_prefer_literal_segments_and_decode_parameters() {
    let spec = Spec::parse(SPEC).unwrap();
    assert_eq!(spec.base_path(), "/api/v1");
    let (op, _) = spec.route(&http::Method::GET, "/things/new").unwrap();
    assert_eq!(op.id, "newThing");
    let (op, params) = spec.route(&http::Method::GET, "/things/a%20b").unwrap();
    assert_eq!((op.id.as_str(), params["id"].as_str()), ("getThing", "a b"));
    assert!(spec.route(&http::Method::DELETE, "/things/a").is_none());
}

#[test]
fn schemas_name_the_failing_field() {
    let spec = Spec::parse(SPEC).unwrap();
    let thing = spec.schema("Thing").unwrap().clone();
    assert!(
        spec.check(&thing, &serde_json::json!({"name": "n"}), "", 0)
            .is_ok()
    );
    let err = spec
        .check(&thing, &serde_json::json!({"size": 1}), "", 0)
        .unwrap_err();
    assert!(err.contains("`name`"), "{err}");
    let err = spec
        .check(
            &thing,
            &serde_json::json!({"name": "n", "tags": [1]}),
            "",
            0,
        )
        .unwrap_err();
    assert!(err.contains("`tags[0]`") && err.contains("string"), "{err}");
}

#[test]
fn form_fields_read_as_their_declared_types() {
    let spec = Spec::parse(SPEC).unwrap();
    let op = spec.operation("createThing").unwrap();
    let schema = op
        .operation
        .pointer("/requestBody/content/application~1x-www-form-urlencoded/schema");
    let schema = schema.unwrap().clone();
    let ok = spec.read_form(&schema, serde_json::json!({"count": "8", "kind": "a"}));
    assert!(spec.check(&schema, &ok, "", 0).is_ok());
    let bad = spec.read_form(&schema, serde_json::json!({"count": "eight"}));
    let err = spec.check(&schema, &bad, "", 0).unwrap_err();
    assert!(err.contains("`count`") && err.contains("integer"), "{err}");
}

#[test]
fn form_booleans_and_lists_read_as_clients_send_them() {
    let spec = Spec::parse(SPEC).unwrap();
    let schema = spec
        .operation("createThing")
        .unwrap()
        .operation
        .pointer("/requestBody/content/application~1x-www-form-urlencoded/schema")
        .unwrap()
        .clone();
    let read = |form| spec.read_form(&schema, form);
    // Python's `str(False)`, as `requests` sends a bool.
    for (text, expected) in [
        ("False", false),
        ("True", true),
        ("false", false),
        ("1", true),
    ] {
        let v = read(serde_json::json!({"count": "1", "dry": text}));
        assert_eq!(v["dry"], expected, "{text}");
        assert!(spec.check(&schema, &v, "", 0).is_ok());
    }
    let odd = read(serde_json::json!({"count": "1", "dry": "FALSE"}));
    let err = spec.check(&schema, &odd, "", 0).unwrap_err();
    assert!(err.contains("`dry`") && err.contains("boolean"), "{err}");
    // A list field sent once, and repeated.
    let once = read(serde_json::json!({"count": "1", "sizes": "8"}));
    assert_eq!(once["sizes"], serde_json::json!([8]));
    let twice = read(serde_json::json!({"count": "1", "sizes": ["8", "9"]}));
    assert_eq!(twice["sizes"], serde_json::json!([8, 9]));
    assert!(spec.check(&schema, &twice, "", 0).is_ok());
    let bad = read(serde_json::json!({"count": "1", "sizes": ["8", "x"]}));
    assert!(
        spec.check(&schema, &bad, "", 0)
            .unwrap_err()
            .contains("sizes[1]")
    );
}

#[test]
fn synthesised_values_use_examples_and_fill_every_property() {
    let spec = Spec::parse(SPEC).unwrap();
    let (status, body) = spec.example_response("getThing").unwrap();
    assert_eq!(status, 200);
    assert_eq!(body["name"], "widget");
    assert_eq!(body["tags"], serde_json::json!(["string"]));
    assert_eq!(spec.example_response("newThing"), Some((204, Value::Null)));
}

#[test]
fn percent_decoding_leaves_malformed_escapes() {
    assert_eq!(percent_decode("a%2Fb%zz%4"), "a/b%zz%4");
}

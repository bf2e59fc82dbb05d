//! Operations: where they are, and their parameters, body and responses.

use serde_json::Value;

use crate::refs::{escape, resolve};

/// The first release that has the operation object `op`
/// ([`SINCE_EXTENSION`]), if recorded as a string.
pub fn since(op: &Value) -> Option<&str> {
    op.get(SINCE_EXTENSION).and_then(Value::as_str)
}

/// The HTTP methods an OpenAPI path item can hold, lower case, in the
/// order operations of one path are reported.
pub const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operation extension that records the first release of the service
/// that has the operation (`x-cloudtower-since: 4.5.0`), stamped by `cargo
/// xtask since --write` from `upstream/cloudtower/operations-since.json`.
pub const SINCE_EXTENSION: &str = "x-cloudtower-since";

/// The operation extension that keeps an operation away from the
/// generator: its value says why (e.g. a `multipart/form-data` upload,
/// which progenitor 0.15 cannot generate). The spec still describes the
/// operation exactly as the wire carries it; the generator skips it, the
/// lint does not hold it against the spec, and the provider crate writes
/// its method by hand (or its README says it is not covered).
pub const HAND_WRITTEN_EXTENSION: &str = "x-hand-written";

/// Why the operation object `op` is written by hand
/// ([`HAND_WRITTEN_EXTENSION`]), if it is.
pub fn hand_written(op: &Value) -> Option<&str> {
    op.get(HAND_WRITTEN_EXTENSION).and_then(Value::as_str)
}

/// One operation of a document.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// The path template, e.g. `/things/{id}`.
    pub path: &'a str,
    /// The lower-case HTTP method, one of [`METHODS`].
    pub method: &'static str,
    /// The operation object.
    pub op: &'a Value,
    /// The path item holding it (for path-level parameters).
    pub item: &'a Value,
}

impl<'a> Operation<'a> {
    /// The `operationId`, if there is one.
    pub fn id(&self) -> Option<&'a str> {
        self.op.get("operationId").and_then(Value::as_str)
    }

    /// The first release that has the operation ([`SINCE_EXTENSION`]), if
    /// the spec records it.
    pub fn since(&self) -> Option<&'a str> {
        since(self.op)
    }

    /// Why the operation is kept from the generator
    /// ([`HAND_WRITTEN_EXTENSION`]), if it is.
    pub fn hand_written(&self) -> Option<&'a str> {
        hand_written(self.op)
    }

    /// `operationId (METHOD /path)`, the way `cloud_codegen` names an
    /// operation in its errors.
    pub fn name(&self) -> String {
        format!(
            "{} ({} {})",
            self.id().unwrap_or("<no operationId>"),
            self.method.to_uppercase(),
            self.path
        )
    }

    /// The JSON pointer of the operation, e.g. `#/paths/~1vms/post`.
    pub fn pointer(&self) -> String {
        format!("#/paths/{}/{}", escape(self.path), self.method)
    }

    /// A string field of the operation (`summary`, `description`),
    /// trimmed; `None` when absent.
    pub fn text(&self, key: &str) -> Option<&'a str> {
        self.op.get(key).and_then(Value::as_str).map(str::trim)
    }

    /// Its parameters, path-level ones included (the operation's own win on
    /// the same name and location), with `$ref`s resolved.
    pub fn parameters(&self, doc: &'a Value) -> Vec<&'a Value> {
        let mut out: Vec<&Value> = Vec::new();
        for list in [self.item.get("parameters"), self.op.get("parameters")]
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
        {
            for p in list {
                let p = resolve(doc, p);
                out.retain(|q| param_key(q) != param_key(p));
                out.push(p);
            }
        }
        out
    }

    /// The request body, `$ref` resolved.
    pub fn request_body(&self, doc: &'a Value) -> Option<&'a Value> {
        self.op.get("requestBody").map(|b| resolve(doc, b))
    }

    /// Its responses as `(status, response)`, `$ref`s resolved.
    pub fn responses(&self, doc: &'a Value) -> Vec<(&'a str, &'a Value)> {
        self.op
            .get("responses")
            .and_then(Value::as_object)
            .map(|r| {
                r.iter()
                    .map(|(code, resp)| (code.as_str(), resolve(doc, resp)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The response for one status code (`"200"`), `$ref` resolved.
    pub fn response(&self, doc: &'a Value, status: &str) -> Option<&'a Value> {
        let response = self.op.get("responses")?.get(status)?;
        Some(resolve(doc, response))
    }

    /// The media type object of the response for `status` with content
    /// type `media` (`"application/json"`).
    pub fn response_media(&self, doc: &'a Value, status: &str, media: &str) -> Option<&'a Value> {
        self.response(doc, status)?.get("content")?.get(media)
    }

    /// The media type object of the request body with content type
    /// `media`.
    pub fn request_media(&self, doc: &'a Value, media: &str) -> Option<&'a Value> {
        self.request_body(doc)?.get("content")?.get(media)
    }
}

/// A parameter's identity: `(in, name)`, header names lower-cased because
/// HTTP compares them that way.
pub fn param_key(param: &Value) -> (String, String) {
    let location = param.get("in").and_then(Value::as_str).unwrap_or("");
    let name = param.get("name").and_then(Value::as_str).unwrap_or("");
    let name = if location == "header" {
        name.to_ascii_lowercase()
    } else {
        name.to_string()
    };
    (location.to_string(), name)
}

/// The operations of one path item, in [`METHODS`] order.
pub(crate) fn of_item<'a>(doc: &'a Value, path: &'a str, item: &'a Value) -> Vec<Operation<'a>> {
    let item = resolve(doc, item);
    METHODS
        .iter()
        .filter_map(|method| {
            let op = item.get(*method).filter(|o| o.is_object())?;
            Some(Operation {
                path,
                method,
                op,
                item,
            })
        })
        .collect()
}

/// Every operation, sorted by path, then in [`METHODS`] order (a JSON
/// object does not keep the document's order; [`crate::Spec`] does).
pub fn operations(doc: &Value) -> Vec<Operation<'_>> {
    doc.get("paths")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .flat_map(|(path, item)| of_item(doc, path, item))
        .collect()
}

/// Whether a status code (`200`, `2XX`, `default`) is a success.
pub fn is_success(code: &str) -> bool {
    code.starts_with('2') || code == "default"
}

/// Whether a status code is an error (`4xx`, `5xx`, `default`).
pub fn is_error(code: &str) -> bool {
    code.starts_with('4') || code.starts_with('5') || code == "default"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn operation_parameters_merge_the_path_items() {
        let doc = json!({
            "components": {"parameters": {"Id": {"name": "id", "in": "path", "description": "shared"}}},
            "paths": {"/b/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}, {"name": "X-Key", "in": "header"}],
                "delete": {"operationId": "del", "parameters": [{"name": "x-key", "in": "header", "description": "own"}]},
                "get": {"operationId": "get", "responses": {"200": {"$ref": "#/components/responses/R"}}}
            }, "/a": {"post": {}}}
        });
        let ops = operations(&doc);
        let names: Vec<String> = ops.iter().map(Operation::name).collect();
        assert_eq!(
            names,
            [
                "<no operationId> (POST /a)",
                "get (GET /b/{id})",
                "del (DELETE /b/{id})"
            ]
        );
        let params = ops[2].parameters(&doc);
        assert_eq!(params.len(), 2);
        assert_eq!(params[0]["description"], "shared");
        assert_eq!(params[1]["description"], "own");
        assert_eq!(ops[2].pointer(), "#/paths/~1b~1{id}/delete");
        assert!(is_success("2XX") && is_error("default") && !is_error("200"));
    }
}

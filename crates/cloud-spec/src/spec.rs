//! A parsed document with its operations indexed.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::operation::{METHODS, Operation, of_item};
use crate::{Error, refs, schema};

/// The member of an embedded document that holds the order of its paths.
const PATH_ORDER: &str = "x-path-order";
/// How an embedded document starts (see [`Spec::embed`]).
const EMBEDDED: &str = "{\"x-path-order\":";

/// A parsed OpenAPI document, its operations indexed by `operationId` and
/// by method and path, in the order the document writes them.
///
/// The document itself is a plain `serde_json::Value`
/// ([`document`](Self::document)), so everything else in this crate
/// applies to it.
#[derive(Debug, Clone)]
pub struct Spec {
    doc: Value,
    /// `(path, method)` of every operation, in document order.
    order: Vec<(String, &'static str)>,
    /// `operationId` to its index in `order` (the first, if repeated).
    by_id: BTreeMap<String, usize>,
}

impl Spec {
    /// Parses a document (YAML or JSON). Operations keep the order of the
    /// text's `paths`, which a JSON value alone would lose. A document
    /// [`embed`](Self::embed) wrote is read as JSON, with its order.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.starts_with(EMBEDDED)
            && let Ok(Value::Object(mut doc)) = serde_json::from_str::<Value>(text)
            && let Some(Value::Array(order)) = doc.remove(PATH_ORDER)
        {
            let paths = order
                .into_iter()
                .filter_map(|p| p.as_str().map(str::to_string))
                .collect();
            return Ok(Self::index(Value::Object(doc), paths));
        }
        let yaml = crate::parse_yaml(text)?;
        let paths: Vec<String> = match yaml.get("paths") {
            Some(serde_yaml::Value::Mapping(paths)) => paths.keys().map(crate::key_text).collect(),
            _ => Vec::new(),
        };
        Ok(Self::index(crate::to_json(yaml), paths))
    }

    /// The document as compact JSON that [`parse`](Self::parse) reads
    /// back with its order, many times faster than YAML: what a crate
    /// embeds (its `build.rs` writes it into `OUT_DIR`) so that a program
    /// does not parse a large YAML document at every start. The order of
    /// `paths` travels in a leading `x-path-order` member, which `parse`
    /// takes out again.
    pub fn embed(&self) -> String {
        let order: Vec<&str> = {
            let mut seen = Vec::new();
            for (path, _) in &self.order {
                if seen.last() != Some(&path.as_str()) {
                    seen.push(path.as_str());
                }
            }
            seen
        };
        // Written by hand: a JSON object would sort `x-path-order` among
        // the other members, and `parse` recognises an embedded document
        // by its start.
        let order = Value::from(order).to_string();
        match self.doc.to_string().strip_prefix('{') {
            Some("}") | None => format!("{EMBEDDED}{order}}}"),
            Some(rest) => format!("{EMBEDDED}{order},{rest}"),
        }
    }

    /// Reads and parses the document at `path`. Errors name the file.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("{}: cannot read the file: {e}", path.display())))?;
        Self::parse(&text).map_err(|e| Error::new(format!("{}: {e}", path.display())))
    }

    /// Wraps a document already parsed; its operations are in path order,
    /// as a JSON object keeps them.
    pub fn from_value(doc: Value) -> Self {
        let paths = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        Self::index(doc, paths)
    }

    fn index(doc: Value, paths: Vec<String>) -> Self {
        let mut order = Vec::new();
        let mut by_id = BTreeMap::new();
        for path in paths {
            let Some(item) = doc.get("paths").and_then(|p| p.get(&path)) else {
                continue;
            };
            for op in of_item(&doc, &path, item) {
                if let Some(id) = op.id() {
                    by_id.entry(id.to_string()).or_insert(order.len());
                }
                order.push((path.clone(), op.method));
            }
        }
        Self { doc, order, by_id }
    }

    /// The whole document.
    pub fn document(&self) -> &Value {
        &self.doc
    }

    /// The document, given back.
    pub fn into_document(self) -> Value {
        self.doc
    }

    /// Every operation, in document order (paths as written, then
    /// [`METHODS`] order within a path).
    pub fn operations(&self) -> impl Iterator<Item = Operation<'_>> + '_ {
        self.order
            .iter()
            .filter_map(|(path, method)| self.operation_at(method, path))
    }

    /// The `operationId` of every operation that has one, in document
    /// order.
    pub fn operation_ids(&self) -> Vec<&str> {
        self.operations().filter_map(|o| o.id()).collect()
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<Operation<'_>> {
        let (path, method) = self.order.get(*self.by_id.get(id)?)?;
        self.operation_at(method, path)
    }

    /// The operation at `method` (any case) and the path template `path`
    /// as the document writes it.
    pub fn operation_at(&self, method: &str, path: &str) -> Option<Operation<'_>> {
        let method = METHODS.iter().find(|m| m.eq_ignore_ascii_case(method))?;
        let (path, item) = self.doc.get("paths")?.as_object()?.get_key_value(path)?;
        of_item(&self.doc, path, item)
            .into_iter()
            .find(|o| o.method == *method)
    }

    /// The component schema `name`.
    pub fn schema(&self, name: &str) -> Option<&Value> {
        schema::component_schemas(&self.doc)?.get(name)
    }

    /// [`crate::resolve`] in this document.
    pub fn resolve<'a>(&'a self, node: &'a Value) -> &'a Value {
        refs::resolve(&self.doc, node)
    }

    /// [`crate::resolve_schema`] in this document.
    pub fn resolve_schema<'a>(&'a self, node: &'a Value) -> &'a Value {
        refs::resolve_schema(&self.doc, node)
    }

    /// `info.title`, trimmed.
    pub fn title(&self) -> Option<&str> {
        self.doc.pointer("/info/title")?.as_str().map(str::trim)
    }

    /// The `url` of the first server, trimmed.
    pub fn server_url(&self) -> Option<&str> {
        self.doc.pointer("/servers/0/url")?.as_str().map(str::trim)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "
openapi: 3.0.3
info: {title: ' T '}
servers: [{url: 'https://example.com/v1'}]
paths:
  /z:
    post: {operationId: second}
    get: {operationId: first}
  /a/{id}:
    delete: {operationId: third}
components:
  schemas:
    Thing: {type: object}
";

    #[test]
    fn an_embedded_document_reads_back_the_same_with_its_order() {
        let spec = Spec::parse(DOC).unwrap();
        let embedded = spec.embed();
        assert!(embedded.starts_with(EMBEDDED), "{embedded}");
        let back = Spec::parse(&embedded).unwrap();
        // `/z` before `/a/{id}`, as the YAML writes them, not sorted.
        assert_eq!(back.operation_ids(), ["first", "second", "third"]);
        assert_eq!(back.document(), spec.document());
        assert!(back.document().get(PATH_ORDER).is_none());
        // Without paths, it is still a document.
        let empty = Spec::parse("openapi: 3.0.3").unwrap().embed();
        assert_eq!(Spec::parse(&empty).unwrap().document()["openapi"], "3.0.3");
    }

    #[test]
    fn operations_keep_document_order_and_are_found_by_id_and_route() {
        let spec = Spec::parse(DOC).unwrap();
        assert_eq!(spec.operation_ids(), ["first", "second", "third"]);
        let op = spec.operation("third").unwrap();
        assert_eq!((op.method, op.path), ("delete", "/a/{id}"));
        assert_eq!(
            spec.operation_at("POST", "/z").unwrap().id(),
            Some("second")
        );
        assert!(spec.operation_at("put", "/z").is_none());
        assert!(spec.operation("nope").is_none());
        assert_eq!(spec.title(), Some("T"));
        assert_eq!(spec.server_url(), Some("https://example.com/v1"));
        assert!(spec.schema("Thing").is_some());
        let sorted = Spec::from_value(spec.into_document());
        assert_eq!(sorted.operation_ids(), ["third", "first", "second"]);
    }
}

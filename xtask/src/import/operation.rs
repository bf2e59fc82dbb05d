//! Our copy of an official operation: the house parameters and error
//! responses, `x-safe-to-retry` on reads, official or derived texts, and
//! examples (the official request example when it is valid against the
//! schema we keep, else synthesised), checked against the schemas once the
//! result is parsed again.

use serde_json::{Map, Value, json};

use cloud_spec::example::{Properties, Synthesiser};
use cloud_spec::{self as spec, validate};

use super::texts::{acronyms, derived_description, response_description, sentence, words};
use super::{Found, Texts, request_schema_name};

/// Why an imported `multipart/form-data` upload is marked
/// [`spec::HAND_WRITTEN_EXTENSION`].
const MULTIPART_WHY: &str = "multipart/form-data upload: progenitor 0.15 generates no multipart bodies, so the typed client has no method for it yet";

/// Our operation object for `found`, examples included.
pub(super) fn operation(doc: &Value, found: &Found<'_>, texts: &Texts) -> Result<Value, String> {
    let up = found.op;
    let id = up
        .get("operationId")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{}: no operationId upstream", found.path))?;
    let official = texts
        .descriptions
        .pointer(&format!("/paths/{}", spec::escape(&found.path)));
    let text_of = |key: &str| {
        official
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .map(sentence)
    };
    let request = request_schema_name(up);
    let response = up.pointer("/responses/200/content/application~1json/schema");
    let item = response
        .and_then(|r| r.get("items"))
        .and_then(spec::wrapped_ref_name)
        .or_else(|| response.and_then(spec::wrapped_ref_name));
    let is_list = response.and_then(|r| r.get("type")).and_then(Value::as_str) == Some("array");
    // `/get-…` reads, and the read of a precheck's result.
    let read = found.path.starts_with("/get-") || found.path.ends_with("-result");
    let summary = text_of("summary").unwrap_or_else(|| acronyms(&sentence(&words(id))));
    let description = text_of("description")
        .unwrap_or_else(|| derived_description(doc, request, item, is_list, read));

    let mut op = Map::new();
    op.insert("operationId".into(), json!(id));
    op.insert("summary".into(), json!(summary));
    op.insert("description".into(), json!(description));
    if let Some(tags) = up.get("tags") {
        op.insert("tags".into(), tags.clone());
    }
    if read {
        op.insert("x-safe-to-retry".into(), json!(true));
    }
    // An upload: progenitor 0.15 cannot generate it, so the operation is
    // kept as the wire carries it and marked for the generator to skip.
    if up
        .pointer("/requestBody/content/multipart~1form-data")
        .is_some()
    {
        op.insert(spec::HAND_WRITTEN_EXTENSION.into(), json!(MULTIPART_WHY));
    }
    let mut params = Vec::new();
    for p in up
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if p.get("in").and_then(Value::as_str) == Some("header")
            && p.get("name").and_then(Value::as_str) == Some("content-language")
        {
            params.push(json!({"$ref": "#/components/parameters/ContentLanguage"}));
        } else {
            params.push(p.clone());
        }
    }
    if !params.is_empty() {
        op.insert("parameters".into(), Value::Array(params));
    }
    if let Some(body) = up.get("requestBody") {
        let mut body = body.clone();
        if let Some(media) = body.pointer_mut("/content/application~1json") {
            let schema = media.get("schema").cloned().unwrap_or(Value::Null);
            let official = texts
                .request_examples
                .pointer(&format!("/{}/exampleValue", spec::escape(&found.path)))
                .filter(|e| validate::validate(doc, &schema, e).is_empty())
                .cloned();
            let example = official.unwrap_or_else(|| synthesise(doc, &schema, false));
            media["example"] = example;
        }
        // Inline schemas of the other media types (uploads) get their
        // fields documented here; component schemas are documented later.
        for (media, content) in body
            .get_mut("content")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            if media != "application/json"
                && let Some(schema) = content.get_mut("schema")
                && schema.get("$ref").is_none()
            {
                super::texts::document_inline(id, schema);
            }
        }
        op.insert("requestBody".into(), body);
    }
    let mut responses = Map::new();
    for (code, r) in up
        .get("responses")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        if spec::is_error(code) {
            responses.insert(
                code.clone(),
                json!({"$ref": "#/components/responses/Error"}),
            );
            continue;
        }
        let mut ours = Map::new();
        let text = r
            .get("description")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .map(sentence)
            .unwrap_or_else(|| response_description(item, is_list));
        ours.insert("description".into(), json!(text));
        if let Some(schema) = r.pointer("/content/application~1json/schema") {
            let example = synthesise(doc, schema, true);
            ours.insert(
                "content".into(),
                json!({"application/json": {"schema": schema, "example": example}}),
            );
        }
        responses.insert(code.clone(), Value::Object(ours));
    }
    op.insert("responses".into(), Value::Object(responses));
    Ok(Value::Object(op))
}

/// An example value for `schema`: every property at the top of a response
/// (`full`), required ones below it and in requests, values shaped by the
/// field's name and format so that they look like CloudTower's.
pub fn synthesise(doc: &Value, schema: &Value, full: bool) -> Value {
    let properties = if full {
        Properties::AllAtTop
    } else {
        Properties::Required
    };
    Synthesiser {
        properties,
        ..Synthesiser::new(doc)
    }
    .value(schema, "")
}

/// The examples of the operation at `path`/`method` hold against its
/// schemas.
pub(super) fn check_examples(doc: &Value, path: &str, method: &str) -> Result<(), String> {
    let op = doc
        .pointer(&format!("/paths/{}/{method}", spec::escape(path)))
        .ok_or_else(|| format!("{path}: not in the result"))?;
    let mut problems = Vec::new();
    for media in [
        op.pointer("/requestBody/content/application~1json"),
        op.pointer("/responses/200/content/application~1json"),
    ]
    .into_iter()
    .flatten()
    {
        if let (Some(schema), Some(example)) = (media.get("schema"), media.get("example")) {
            problems.extend(validate::messages(doc, schema, example));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{path}: synthesised example does not hold: {}",
            problems.join("; ")
        ))
    }
}

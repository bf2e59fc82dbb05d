//! progenitor's error, and what the call observed, as the one [`Error`].

use std::borrow::Cow;

use super::OperationSpec;
use super::observe::Observed;
use super::response::truncate_lossy;
use crate::error::{Error, ErrorKind, ServerMessage};

/// The error of `operation` (of `provider`, described by `spec` when the
/// spec names it): the status, the server message, the request id and,
/// for bodies that could not be parsed, the raw body with its secrets
/// redacted.
pub(super) fn convert<E: ServerMessage>(
    provider: &'static str,
    spec: Option<&OperationSpec>,
    operation: Cow<'static, str>,
    error: progenitor_client::Error<E>,
    observed: Observed,
) -> Error {
    use progenitor_client::Error as P;
    let secrets = spec.map_or(&[][..], |o| o.secret_fields);
    let drop_text = spec.is_some_and(|o| o.secret_response);
    let content_type = observed.content_type.clone();
    let redact =
        |body: String| crate::redact::body(&body, secrets, drop_text, content_type.as_deref());
    if let (Some(status), Some(location)) = (observed.status, &observed.location)
        && (300..400).contains(&status)
    {
        return Error::new(
            ErrorKind::Api,
            provider,
            operation.clone(),
            format!(
                "the server redirected to {location}; redirects are not followed, so credentials never go elsewhere"
            ),
        )
        .with_status(status)
        .with_request_id(observed.request_id.clone());
    }
    let base = |kind, message: String| {
        let mut e = Error::new(kind, provider, operation.clone(), message)
            .with_request_id(observed.request_id.clone())
            .with_retry_after(observed.retry_after);
        if let Some(status) = observed.status {
            e = e.with_status(status);
        }
        e
    };
    match error {
        P::ErrorResponse(rv) => {
            let message = rv.as_ref().server_message();
            let mut e = base(ErrorKind::Api, message.clone().unwrap_or_default())
                .with_status(rv.status().as_u16());
            if let (None, Some(body)) = (&message, observed.error_body) {
                e = e.with_body(redact(body));
            }
            e
        }
        P::InvalidResponsePayload(bytes, source) => {
            let status = observed.status.unwrap_or(200);
            let body = truncate_lossy(&bytes);
            // A 2xx that says it failed (TensorDock v0's `{"success":
            // false, "error": "…"}`) is the server's error, not a body
            // we misread.
            let failed = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .filter(|v| v.get("success") == Some(&serde_json::Value::Bool(false)));
            if let Some(failed) = failed {
                let message = failed
                    .server_message()
                    .unwrap_or_else(|| "the server answered `success: false`".to_string());
                base(ErrorKind::Api, message)
                    .with_status(status)
                    .with_body(redact(body))
            } else if (200..300).contains(&status) {
                // serde's reason is the source, which `Display` shows.
                base(
                    ErrorKind::Decode,
                    "the response is not the JSON the spec describes".to_string(),
                )
                .with_body(redact(body))
                .with_source(source)
            } else {
                // An error status whose body is not the documented error
                // shape, e.g. an HTML page from a proxy.
                base(
                    ErrorKind::Api,
                    format!("HTTP {status} with an undocumented body"),
                )
                .with_body(redact(body))
                .with_source(source)
            }
        }
        P::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let body = observed.error_body.unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.server_message())
                .unwrap_or_else(|| format!("HTTP {status}"));
            let kind = if (200..300).contains(&status) {
                ErrorKind::Decode
            } else {
                ErrorKind::Api
            };
            base(kind, message)
                .with_status(status)
                .with_body(redact(body))
        }
        // reqwest could not build the request (a URL the `http` crate
        // refuses, e.g. a path parameter of 100 KB): nothing was sent,
        // and sending again cannot help.
        P::CommunicationError(source) if source.is_builder() => base(
            ErrorKind::InvalidRequest,
            "the request cannot be built (the URL is not valid, e.g. too long)".to_string(),
        )
        .with_source(source.without_url()),
        P::CommunicationError(source)
        | P::ResponseBodyError(source)
        | P::InvalidUpgrade(source) => {
            let kind = if source.is_timeout() {
                ErrorKind::Timeout
            } else {
                ErrorKind::Transport
            };
            let message = if source.is_timeout() {
                "no response within the timeout".to_string()
            } else {
                "the request did not complete".to_string()
            };
            // `without_url`: TensorDock v0 puts credentials in query strings.
            base(kind, message).with_source(source.without_url())
        }
        P::InvalidRequest(message) => base(ErrorKind::InvalidRequest, message),
        P::Custom(message) => base(ErrorKind::Api, message),
    }
}

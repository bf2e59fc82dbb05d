//! Reading a response: what one attempt got, the bodies the runtime reads
//! itself (to retry a body that breaks, to check an answer's shape, to keep
//! an error page), and responses that no longer name their URL.

/// Keep at most this much of a body we could not parse.
pub(super) const MAX_KEPT_BODY: usize = 64 * 1024;

/// What one attempt got.
pub(super) struct Answer {
    /// The response, or why there is none.
    pub(super) result: reqwest::Result<reqwest::Response>,
    /// A 2xx body that is a JSON array where the spec says object.
    pub(super) not_an_object: bool,
}

/// How the runtime reads the response of one attempt.
#[derive(Clone, Copy)]
pub(super) struct Reader {
    /// The operation answers a JSON object (see
    /// [`OperationSpec::object_response`](super::OperationSpec)).
    pub(super) object_response: bool,
    /// The call may be retried: a success body is then read inside the
    /// attempt, so that a connection that breaks mid-body is retried like
    /// any transport error.
    pub(super) retried: bool,
}

impl Reader {
    /// The answer of one attempt whose outcome is `result`.
    pub(super) async fn read(self, result: reqwest::Result<reqwest::Response>) -> Answer {
        match result {
            Ok(response)
                if response.status().is_success() && (self.retried || self.object_response) =>
            {
                // Boxed: reading a body is a large future, kept out of
                // every request's future.
                match Box::pin(buffer(response)).await {
                    Ok((response, body)) => Answer {
                        not_an_object: self.object_response
                            && body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'['),
                        result: Ok(response),
                    },
                    Err(e) => Answer {
                        result: Err(e),
                        not_an_object: false,
                    },
                }
            }
            result => Answer {
                result,
                not_an_object: false,
            },
        }
    }
}

/// Reads the body of `response` and rebuilds the response around it;
/// returns it with the body as text.
pub(super) async fn keep_body(
    response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, String)> {
    let (response, bytes) = buffer(response).await?;
    Ok((response, truncate_lossy(&bytes)))
}

/// Reads the whole body of `response` and rebuilds the response around it
/// (the bytes are shared, not copied). The rebuilt response has no URL.
async fn buffer(
    mut response: reqwest::Response,
) -> reqwest::Result<(reqwest::Response, bytes::Bytes)> {
    let status = response.status();
    let version = response.version();
    let headers = std::mem::take(response.headers_mut());
    let bytes = response.bytes().await?;
    let mut rebuilt = http::Response::new(bytes.clone());
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    Ok((reqwest::Response::from(rebuilt), bytes))
}

/// `response` without its URL, which can carry credentials (TensorDock v0
/// sends them in the query of a GET) and which a `reqwest::Response`
/// prints in its `Debug` output (progenitor keeps an unexpected response
/// in its error). The body is moved, not read.
pub(super) fn without_url(response: reqwest::Response) -> reqwest::Response {
    reqwest::Response::from(http::Response::from(response))
}

/// At most [`MAX_KEPT_BODY`] bytes of `bytes`, as text.
pub(super) fn truncate_lossy(bytes: &[u8]) -> String {
    let end = bytes.len().min(MAX_KEPT_BODY);
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

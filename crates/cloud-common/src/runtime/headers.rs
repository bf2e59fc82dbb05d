//! What a client adds to every request it sends: its credentials (as
//! headers, or as the form or query fields an API such as TensorDock v0
//! wants) and its per-client default headers.

use reqwest::header::{HeaderName, HeaderValue};

use crate::error::{Error, ErrorKind};
use crate::secret::Secret;

/// A client's credentials and default headers. Values are checked when
/// they are added, so a client that could not send them is never built.
#[derive(Clone, Default)]
pub(super) struct Headers {
    /// Set on every request, replacing any the request carries (the
    /// `authorization` header). Marked sensitive, so `http` never prints
    /// them.
    credentials: Vec<(HeaderName, HeaderValue)>,
    /// Added when the request does not set the header itself
    /// (`content-language`, `namespace`).
    defaults: Vec<(HeaderName, HeaderValue)>,
    /// Credentials that travel as fields: added to every untyped form body,
    /// and to the query where an untyped request asks for one. Generated
    /// requests carry them in their typed bodies already.
    fields: Vec<(&'static str, Secret)>,
}

impl std::fmt::Debug for Headers {
    /// The default headers and the names of the credential fields; no
    /// credential value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Headers")
            .field(
                "defaults",
                &self
                    .defaults
                    .iter()
                    .map(|(n, v)| (n.as_str(), v.to_str().unwrap_or("?")))
                    .collect::<Vec<_>>(),
            )
            .field(
                "fields",
                &self.fields.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Headers {
    /// Sets credential header `name` to `value`.
    pub(super) fn set_credential(
        &mut self,
        provider: &'static str,
        name: &'static str,
        value: &Secret,
    ) -> Result<(), Error> {
        let name = HeaderName::from_static(name);
        let mut value = HeaderValue::from_str(value.expose()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidRequest,
                provider,
                "build_client",
                format!("the {name} header value cannot be sent (it holds a newline or control character)"),
            )
        })?;
        value.set_sensitive(true);
        self.credentials.retain(|(n, _)| *n != name);
        self.credentials.push((name, value));
        Ok(())
    }

    /// Sets (`Some`) or clears (`None`) default header `name`.
    pub(super) fn set_default(
        &mut self,
        provider: &'static str,
        name: &'static str,
        value: Option<&str>,
    ) -> Result<(), Error> {
        let name = HeaderName::from_static(name);
        let value = value
            .map(|v| {
                HeaderValue::from_str(v).map_err(|_| {
                    Error::new(
                        ErrorKind::InvalidRequest,
                        provider,
                        "build_client",
                        format!("the {name} header value {v:?} cannot be sent"),
                    )
                })
            })
            .transpose()?;
        self.defaults.retain(|(n, _)| *n != name);
        if let Some(value) = value {
            self.defaults.push((name, value));
        }
        Ok(())
    }

    /// The default for header `name`, if one is set.
    pub(super) fn default_value(&self, name: &str) -> Option<&str> {
        self.defaults
            .iter()
            .find(|(n, _)| n.as_str().eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.to_str().ok())
    }

    /// Sets credential field `name` to `value`.
    pub(super) fn set_field(&mut self, name: &'static str, value: Secret) {
        self.fields.retain(|(n, _)| *n != name);
        self.fields.push((name, value));
    }

    /// Every credential field, in the order they were set.
    pub(super) fn fields(&self) -> &[(&'static str, Secret)] {
        &self.fields
    }

    /// Credential field `name`, if this client has one.
    pub(super) fn field(&self, name: &str) -> Option<&Secret> {
        self.fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }

    /// Puts the credentials and defaults on `request`.
    pub(super) fn apply(&self, request: &mut reqwest::Request) {
        let headers = request.headers_mut();
        // progenitor adds `api-version: <info.version>` to every request;
        // none of our services speaks that header, so it stays off the wire.
        headers.remove("api-version");
        for (name, value) in &self.credentials {
            headers.insert(name.clone(), value.clone());
        }
        for (name, value) in &self.defaults {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
    }
}

//! The one client shape every provider crate shares: constructors, call
//! settings, the generated client, and the call path, produced by
//! [`client_shell!`](crate::client_shell) from one declaration per
//! provider.
//!
//! The whole state of a client lives in the generated client's
//! [`Runtime`](crate::Runtime) (credential headers, per-client default
//! headers, call options), so the wrapper and its `native()` client send
//! identical requests.

use std::fmt::Display;
use std::future::Future;

use progenitor_client::ResponseValue;

/// One generated request builder, as `cloud-codegen` describes it: its
/// `operationId`, its success type and its error body. Implemented for
/// every builder in a generated client's `builder` module, so that a call
/// needs no operation name typed by hand.
pub trait Operation: Sized + Send {
    /// What a successful call returns.
    type Ok;
    /// The spec's error body (`()` when it documents none).
    type ErrorBody;
    /// The spec's `operationId`.
    const OPERATION_ID: &'static str;
    /// Sends the request (the builder's own `send`).
    fn send(
        self,
    ) -> impl Future<
        Output = Result<ResponseValue<Self::Ok>, progenitor_client::Error<Self::ErrorBody>>,
    > + Send;
}

/// A `oneOf [T, ErrorBody]` answer: an API (TensorDock v2) that reports
/// some errors with HTTP 200. Implemented by `cloud-codegen` for every
/// such schema, so the provider layer splits them without a list of types.
pub trait ErrorIn200 {
    /// The real answer.
    type Ok;
    /// The error body.
    type ErrorBody;
    /// The answer, or the error it carries.
    fn split(self) -> Result<Self::Ok, Self::ErrorBody>;
}

/// What a generated builder's setter stores for an optional field: the
/// value as the field's `Option`, or an error message naming the field.
///
/// One generic function instead of a closure and a `format!` in every
/// setter: CloudTower's builders have about 1,500, and rustc type-checks
/// and borrow-checks each body on its own.
///
/// ```
/// let v: Result<Option<String>, String> = cloud_common::optional_field("a", "name");
/// assert_eq!(v, Ok(Some("a".to_string())));
/// ```
#[inline]
pub fn optional_field<T, V: IntoOptional<T>>(
    value: V,
    field: &'static str,
) -> Result<Option<T>, String> {
    value
        .into_optional()
        .map_err(|e| format!("error converting supplied value for {field}: {e}"))
}

/// What a generated builder's setter stores for a required field: the
/// value converted, or an error message naming the field (see
/// [`optional_field`]).
///
/// ```
/// let v: Result<u8, String> = cloud_common::required_field(300u16, "count");
/// assert!(v.unwrap_err().starts_with("error converting supplied value for count: "));
/// ```
#[inline]
pub fn required_field<T, V>(value: V, field: &'static str) -> Result<T, String>
where
    V: TryInto<T>,
    V::Error: Display,
{
    value
        .try_into()
        .map_err(|e| format!("error converting supplied value for {field}: {e}"))
}

/// What an optional field of a generated builder takes: the value, an
/// `Option` of it, and, for strings, `&str` and `&String`. Generated
/// setters of `Option<T>` fields take `impl IntoOptional<T>`, so
/// `.cluster_id("cl-1")` works where progenitor's own bound
/// (`TryInto<Option<String>>`) rejects a `&str`.
///
/// ```
/// use cloud_common::IntoOptional;
/// fn set(v: impl IntoOptional<String>) -> Option<String> {
///     v.into_optional().ok().flatten()
/// }
/// assert_eq!(set("a"), Some("a".to_string()));
/// assert_eq!(set(None::<String>), None);
/// assert_eq!(set(Some("b".to_string())), Some("b".to_string()));
/// ```
pub trait IntoOptional<T> {
    /// Why the value does not convert.
    type Error: Display;
    /// The value as the field's `Option`.
    fn into_optional(self) -> Result<Option<T>, Self::Error>;
}

impl<T> IntoOptional<T> for T {
    type Error = std::convert::Infallible;
    fn into_optional(self) -> Result<Option<T>, Self::Error> {
        Ok(Some(self))
    }
}

impl<T> IntoOptional<T> for Option<T> {
    type Error = std::convert::Infallible;
    fn into_optional(self) -> Result<Option<T>, Self::Error> {
        Ok(self)
    }
}

impl IntoOptional<String> for &str {
    type Error = std::convert::Infallible;
    fn into_optional(self) -> Result<Option<String>, Self::Error> {
        Ok(Some(self.to_string()))
    }
}

impl IntoOptional<String> for &String {
    type Error = std::convert::Infallible;
    fn into_optional(self) -> Result<Option<String>, Self::Error> {
        Ok(Some(self.clone()))
    }
}

impl IntoOptional<String> for Option<&str> {
    type Error = std::convert::Infallible;
    fn into_optional(self) -> Result<Option<String>, Self::Error> {
        Ok(self.map(str::to_string))
    }
}

/// Declares a provider's client type and generates its shell, the same
/// for every provider:
///
/// - `new(credentials)` (for a provider with a production URL; otherwise
///   `new(config, credentials)`), and `with_config(config, credentials)`,
///   where `config` is a base URL or a [`ClientConfig`](crate::ClientConfig);
/// - `with_options(CallOptions)`, `options()`, `native()`, `base_url()`;
/// - `raw(RawRequest)`, an untyped request through the same runtime (and
///   [`RawClient`](crate::RawClient), so clients of different providers
///   can be held as one type);
/// - for the crate itself: `credentials()`, `runtime()`,
///   `map_runtime(..)` (a copy with a changed runtime, which is how
///   per-client headers such as `content-language` are set) and
///   `call(request)`, which runs any generated builder through the
///   runtime and names its `operationId` in errors.
///
/// `credentials: Type => authorize` names the credential type and a
/// function `fn(&Type, Runtime) -> Result<Runtime, Error>` that adds the
/// headers carrying them; `configure` (optional) adjusts the config, e.g.
/// to apply the API's documented rate limit; `extra` (optional) adds fields
/// that start as `Default::default()`.
///
/// ```ignore
/// cloud_common::client_shell! {
///     /// A Neolink client.
///     pub struct Neolink {
///         provider: PROVIDER,
///         user_agent: USER_AGENT,
///         native: generated::Client,
///         operations: generated::OPERATIONS,
///         credentials: Secret => auth::authorize,
///         default_base_url: DEFAULT_BASE_URL,
///     }
/// }
/// ```
#[macro_export]
macro_rules! client_shell {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            provider: $provider:expr,
            user_agent: $agent:expr,
            native: $native:ty,
            operations: $operations:expr,
            credentials: $creds:ty => $authorize:path,
            $(default_base_url: $default:expr,)?
            $(configure: $configure:path,)?
            $(extra: { $($(#[$fmeta:meta])* $field:ident : $fty:ty),* $(,)? },)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name {
            client: $native,
            credentials: $creds,
            $($($(#[$fmeta])* $field: $fty,)*)?
        }

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                use $crate::__private::ClientInfo as _;
                f.debug_struct(stringify!($name))
                    .field("base_url", &self.client.baseurl())
                    .field("runtime", self.client.inner())
                    .finish_non_exhaustive()
            }
        }

        $crate::client_shell!(@new $name, $creds, $($default)?);
        $crate::client_shell!(@raw $name);

        impl $name {
            /// A client for the API at `config` (a base URL or a
            /// [`ClientConfig`](cloud_common::ClientConfig)) with
            /// `credentials`. Fails only if the HTTP client cannot be
            /// built or a credential cannot be sent as a header.
            pub fn with_config(
                config: impl ::std::convert::Into<$crate::ClientConfig>,
                credentials: impl ::std::convert::Into<$creds>,
            ) -> ::std::result::Result<Self, $crate::Error> {
                let config: $crate::ClientConfig = config.into();
                $(let config = $configure(config);)?
                let credentials: $creds = credentials.into();
                let http = config.http_client($provider, $agent)?;
                let runtime = $crate::Runtime::new($provider, $operations, &config);
                let runtime = $authorize(&credentials, runtime)?;
                Ok(Self {
                    client: <$native>::new_with_client(config.base_url(), http, runtime),
                    credentials,
                    $($($field: ::std::default::Default::default(),)*)?
                })
            }

            /// A copy of this client whose calls use `options` (timeout,
            /// retry opt-in or opt-out). Clones share the rate limit.
            pub fn with_options(&self, options: $crate::CallOptions) -> Self {
                self.map_runtime(|runtime| Ok(runtime.with_options(options)))
                    .unwrap_or_else(|_| self.clone())
            }

            /// The call settings of this client.
            pub fn options(&self) -> &$crate::CallOptions {
                use $crate::__private::ClientInfo as _;
                self.client.inner().options()
            }

            /// The generated client, for anything this layer does not
            /// cover. It carries this client's whole state (credentials,
            /// default headers, options, rate limit), so it sends the same
            /// requests the wrapper does.
            pub fn native(&self) -> &$native {
                &self.client
            }

            /// The base URL requests go to.
            pub fn base_url(&self) -> &str {
                use $crate::__private::ClientInfo as _;
                self.client.baseurl()
            }

            #[allow(dead_code)]
            pub(crate) fn credentials(&self) -> &$creds {
                &self.credentials
            }

            #[allow(dead_code)]
            pub(crate) fn runtime(&self) -> &$crate::Runtime {
                use $crate::__private::ClientInfo as _;
                self.client.inner()
            }

            /// A copy of this client with its runtime changed by `f`.
            #[allow(dead_code)]
            pub(crate) fn map_runtime(
                &self,
                f: impl FnOnce($crate::Runtime) -> ::std::result::Result<$crate::Runtime, $crate::Error>,
            ) -> ::std::result::Result<Self, $crate::Error> {
                use $crate::__private::ClientInfo as _;
                let mut copy = self.clone();
                let runtime = f(self.client.inner().clone())?;
                copy.client = <$native>::new_with_client(
                    self.client.baseurl(),
                    self.client.client().clone(),
                    runtime,
                );
                Ok(copy)
            }

            /// Sends an untyped request through this client's runtime, the
            /// way its generated requests go: the path parameters checked
            /// (an empty, `.` or `..` value is refused before anything is
            /// sent), credentials and default headers added, rate limited,
            /// retried where the operation allows it, errors converted and
            /// redacted. See [`RawRequest`](cloud_common::RawRequest).
            pub fn raw(
                &self,
                request: $crate::RawRequest,
            ) -> impl ::std::future::Future<
                Output = ::std::result::Result<$crate::RawResponse, $crate::Error>,
            > + ::std::marker::Send
                   + '_ {
                use $crate::__private::ClientInfo as _;
                self.runtime()
                    .raw(self.client.client(), self.client.baseurl(), request)
            }

            /// Runs a generated request through the runtime; errors name
            /// its `operationId`. A plain function, not an `async fn`: the
            /// request's (large) future is boxed once by the runtime, and
            /// what is returned only points at it.
            #[allow(dead_code)]
            pub(crate) fn call<O>(
                &self,
                request: O,
            ) -> impl ::std::future::Future<Output = ::std::result::Result<O::Ok, $crate::Error>>
            where
                O: $crate::Operation,
                O::ErrorBody: $crate::ServerMessage,
            {
                self.runtime().call(O::OPERATION_ID, request.send())
            }
        }
    };
    (@raw $name:ident) => {
        impl $crate::RawClient for $name {
            fn send_raw(
                &self,
                request: $crate::RawRequest,
            ) -> $crate::BoxFuture<'_, ::std::result::Result<$crate::RawResponse, $crate::Error>>
            {
                ::std::boxed::Box::pin(self.raw(request))
            }
        }
    };
    (@new $name:ident, $creds:ty, $default:expr) => {
        impl $name {
            /// A client for the production API with default timeouts and
            /// retries.
            pub fn new(
                credentials: impl ::std::convert::Into<$creds>,
            ) -> ::std::result::Result<Self, $crate::Error> {
                Self::with_config($default, credentials)
            }
        }
    };
    (@new $name:ident, $creds:ty, ) => {
        impl $name {
            /// A client for the API at `config` (there is no production
            /// URL: every installation has its own); the same as
            /// `with_config`.
            pub fn new(
                config: impl ::std::convert::Into<$crate::ClientConfig>,
                credentials: impl ::std::convert::Into<$creds>,
            ) -> ::std::result::Result<Self, $crate::Error> {
                Self::with_config(config, credentials)
            }
        }
    };
}

/// A secret field takes a plain string, so `.password("…")` works.
macro_rules! into_optional_secret {
    ($($from:ty),*) => {$(
        impl IntoOptional<crate::Secret> for $from {
            type Error = std::convert::Infallible;
            fn into_optional(self) -> Result<Option<crate::Secret>, Self::Error> {
                Ok(Some(crate::Secret::from(self)))
            }
        }
    )*};
}

into_optional_secret!(&str, String);

impl IntoOptional<crate::Secret> for &String {
    type Error = std::convert::Infallible;
    fn into_optional(self) -> Result<Option<crate::Secret>, Self::Error> {
        Ok(Some(crate::Secret::from(self.as_str())))
    }
}

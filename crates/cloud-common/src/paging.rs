//! List requests that page with a cursor, and where-inputs (filters) that
//! match records by id or name: the conventions `cloud-codegen` finds in a
//! spec and implements these traits for, type by type, so a provider crate
//! writes its paging and lookups once, generically.
//!
//! CloudTower's reads are the example: every `get-*` body has an optional
//! `where`, `first`, `after`, `skip`, `last` and `before`, answers an array
//! of records with an `id`, and its where-input has `id`/`id_in` (most
//! also `name`/`name_in`). As async-stripe's generated list requests
//! implement one pagination trait, each such body implements
//! [`CursorPaged`], each where-input [`ById`] (and [`ByName`]) and
//! [`ListRequest`] (through the body of its read).

use crate::{Operation, ServerMessage};

/// A list request that pages with a cursor: `first` records, `after` the
/// id of the last record already seen.
///
/// Implemented by `cloud-codegen` for the request body of every list
/// operation whose body has optional `where`, `first`, `after`, `skip`,
/// `last` and `before` and whose answer is an array of records with a
/// string `id` (CloudTower's `GetVmsRequestBody`, ...). The paging loop
/// over it is the provider's (CloudTower's `first`, `pages`, `items`).
pub trait CursorPaged: Clone + Send + Sync + 'static {
    /// What the list holds (`types::Vm`, ...).
    type Item: Send + 'static;
    /// The generated client that sends the request.
    type Client: Sync + 'static;
    /// The operation's generated request builder (`builder::GetVms`).
    type Request<'a>: Operation<Ok = Vec<Self::Item>, ErrorBody: ServerMessage>;
    /// The list operation's `operationId` (for errors).
    const OPERATION_ID: &'static str;

    /// Where the request starts: its own `after`.
    fn after(&self) -> Option<String>;

    /// The request for one page: `first` records `after` the cursor, never
    /// paging backwards (`last` and `before` cleared); after the first page
    /// (`first_page` false) without its own offset (`skip`).
    fn page(&self, first: i32, after: Option<String>, first_page: bool) -> Self;

    /// A record's cursor (its id): where the next page starts.
    fn cursor(item: &Self::Item) -> &str;

    /// The generated request that sends this body.
    fn request(self, client: &Self::Client) -> Self::Request<'_>;
}

/// What a paging helper takes: a [`CursorPaged`] body, or a where-input
/// that is the body's `where` (`VmWhereInput` for `get-vms`).
///
/// Every `CursorPaged` body is one; `cloud-codegen` implements it for the
/// where-input of each list operation.
pub trait ListRequest: Send + Sized {
    /// What the list holds (`types::Vm`, ...).
    type Item: Send + 'static;
    /// The list operation's request body.
    type Body: CursorPaged<Item = Self::Item>;
    /// The list operation's `operationId` (for errors).
    const OPERATION_ID: &'static str = <Self::Body as CursorPaged>::OPERATION_ID;

    /// The request as its operation's body.
    fn into_body(self) -> Self::Body;
}

impl<B: CursorPaged> ListRequest for B {
    type Item = B::Item;
    type Body = B;

    #[inline]
    fn into_body(self) -> B {
        self
    }
}

/// A filter that matches records by id: `{"id": ..}` or `{"id_in": [..]}`.
///
/// Implemented by `cloud-codegen` for every object schema with optional
/// string `id` and string-list `id_in` properties (CloudTower's
/// where-inputs), which also get the same two functions as inherent
/// methods, so `VmWhereInput::by_id(..)` needs no import.
pub trait ById: Sized {
    /// Matches one id: `{"id": id}`.
    fn by_id(id: impl Into<String>) -> Self;

    /// Matches any of these ids: `{"id_in": [..]}`.
    fn by_ids(ids: impl IntoIterator<Item = impl Into<String>>) -> Self;
}

/// A filter that matches records by exact name: `{"name": ..}` or
/// `{"name_in": [..]}`. Implemented as [`ById`] is, for the schemas with
/// optional string `name` and string-list `name_in` properties.
pub trait ByName: Sized {
    /// Matches one name exactly: `{"name": name}`.
    fn by_name(name: impl Into<String>) -> Self;

    /// Matches any of these names: `{"name_in": [..]}`.
    fn by_names(names: impl IntoIterator<Item = impl Into<String>>) -> Self;
}

//! Shorthands for reading: where-inputs by id or name, where-inputs as
//! whole request bodies, and paging.
//!
//! Every where-input has `by_id` and `by_ids` (`{"id": ..}`,
//! `{"id_in": [..]}`); those with names also `by_name` and `by_names`. A
//! where-input converts into the body of its read (`GetVmsRequestBody`,
//! ...) and of the `{where}`-only VM mutations (`VmOperateParams`,
//! `VmStartParams`, `VmMigrateParams`, `VmDeleteParams`), so it can be
//! passed to those methods directly:
//!
//! ```no_run
//! # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
//! use cloudtower_api::types::{ClusterWhereInput, HostWhereInput, VmWhereInput};
//! let vms = ct.get_vms(VmWhereInput::by_ids(["vm-1", "vm-2"])).await?;
//! let stopping = ct.shut_down_vm(VmWhereInput::by_name("web-01")).await?;
//! let mut in_cluster = HostWhereInput::default();
//! in_cluster.cluster = Some(ClusterWhereInput::by_ids(["cl-1"]));
//! let hosts = ct.get_hosts(in_cluster).await?;
//! # Ok(()) }
//! ```
//!
//! [`ListRequest`] is implemented by every read's body and where-input, for
//! [`CloudTower::first`], [`CloudTower::pages`] and [`CloudTower::items`].

use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

use crate::{CloudTower, Error, ErrorKind, PROVIDER, Result, types};

/// `by_id`/`by_ids` (and `by_name`/`by_names`) for every where-input of
/// the spec, from its table (`generated::for_each_where_input!`).
macro_rules! where_inputs {
    ($({ ty: $ty:ident, id: [$($id:ident)?], name: [$($name:ident)?], })*) => {$(
        $(
            impl types::$ty {
                /// Matches one id: `{"id": id}`.
                pub fn by_id(id: impl Into<String>) -> Self {
                    Self { $id: Some(id.into()), ..Default::default() }
                }

                /// Matches any of these ids: `{"id_in": [..]}`.
                pub fn by_ids(ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
                    Self { id_in: Some(ids.into_iter().map(Into::into).collect()), ..Default::default() }
                }
            }
        )?
        $(
            impl types::$ty {
                /// Matches one name exactly: `{"name": name}`.
                pub fn by_name(name: impl Into<String>) -> Self {
                    Self { $name: Some(name.into()), ..Default::default() }
                }

                /// Matches any of these names: `{"name_in": [..]}`.
                pub fn by_names(names: impl IntoIterator<Item = impl Into<String>>) -> Self {
                    Self { name_in: Some(names.into_iter().map(Into::into).collect()), ..Default::default() }
                }
            }
        )?
    )*};
}

crate::generated::for_each_where_input!(where_inputs);

/// `From<where-input>` for every body that its where-input alone makes
/// (reads, and the `{where}`-only mutations), from the spec's table
/// (`generated::for_each_where_body!`).
macro_rules! where_bodies {
    ($({ body: $body:ident, where_input: $where:ident, where_: $kind:ident, rest: [$($rest:ident),*], })*) => {$(
        where_bodies!(@one $body, $where, $kind, [$($rest),*]);
    )*};
    (@one $body:ident, $where:ident, required, [$($rest:ident),*]) => {
        impl From<types::$where> for types::$body {
            /// The body with only `where` set.
            fn from(where_: types::$where) -> Self {
                // `.into()`: typify boxes a where-input that contains itself.
                Self { where_: where_.into(), $($rest: None),* }
            }
        }
    };
    (@one $body:ident, $where:ident, optional, [$($rest:ident),*]) => {
        impl From<types::$where> for types::$body {
            /// The body with only `where` set.
            fn from(where_: types::$where) -> Self {
                Self { where_: Some(where_.into()), $($rest: None),* }
            }
        }
    };
}

crate::generated::for_each_where_body!(where_bodies);

#[cfg(feature = "vm-snapshot")]
impl types::VmSnapshot {
    /// The names of the iSCSI LUN snapshots that hold this snapshot's disks
    /// (`snapshot_local_id` of every `DISK`; CD-ROMs have none), for
    /// `IscsiLunSnapshotWhereInput::by_names`.
    pub fn lun_snapshot_names(&self) -> Vec<String> {
        self.vm_disks
            .iter()
            .flatten()
            .filter(|disk| disk.type_ == types::VmDiskType::Disk)
            .filter_map(|disk| disk.snapshot_local_id.clone())
            .collect()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A read (`get-*`) request: its body, or just its where-input.
///
/// Implemented for the body and where-input of every list operation, so
/// [`CloudTower::first`], [`CloudTower::pages`] and [`CloudTower::items`]
/// take either.
pub trait ListRequest: sealed::Sealed + Send + Sized {
    /// What the operation lists (`types::Vm`, ...).
    type Item: Send + 'static;
    /// The operation's request body.
    type Body: Clone + Send + Sync + 'static;
    /// The operation's `operationId` (for errors).
    const OPERATION_ID: &'static str;

    /// The request as its operation's body.
    fn into_body(self) -> Self::Body;

    /// `body` with `first` and `after` set (and, after the first page,
    /// without `skip`).
    #[doc(hidden)]
    fn page(body: &Self::Body, first: i32, after: Option<String>, first_page: bool) -> Self::Body;

    /// The `after` of `body`, where paging starts.
    #[doc(hidden)]
    fn after(body: &Self::Body) -> Option<String>;

    /// The id of an item, the cursor for the next page.
    #[doc(hidden)]
    fn id(item: &Self::Item) -> &str;

    /// Sends the request.
    #[doc(hidden)]
    fn send(
        client: &CloudTower,
        body: Self::Body,
    ) -> cloud_common::BoxFuture<'_, Result<Vec<Self::Item>>>;
}

/// [`ListRequest`] for every read of the spec that pages with `first` and
/// `after` (`generated::for_each_list_operation!`).
macro_rules! list_request {
    ($({ method: $op:ident, id: $id:literal, body: $body:ident, where_input: $where:ident, item: $item:ident, })*) => {$(
        impl sealed::Sealed for types::$body {}
        impl sealed::Sealed for types::$where {}

        // `#[inline]` on every method: `page` clones the body (with the
        // `Clone` of every nested where-input) and `send`'s boxed future
        // instantiates the whole call (request, response parsing). Inline,
        // a debug build emits them only in a crate that pages this
        // operation.
        impl ListRequest for types::$body {
            type Item = types::$item;
            type Body = types::$body;
            const OPERATION_ID: &'static str = $id;

            #[inline]
            fn into_body(self) -> Self::Body {
                self
            }

            #[inline]
            fn page(body: &Self::Body, first: i32, after: Option<String>, first_page: bool) -> Self::Body {
                let mut body = body.clone();
                body.first = Some(first);
                body.after = after;
                body.last = None;
                body.before = None;
                if !first_page {
                    body.skip = None;
                }
                body
            }

            #[inline]
            fn after(body: &Self::Body) -> Option<String> {
                body.after.clone()
            }

            #[inline]
            fn id(item: &Self::Item) -> &str {
                &item.id
            }

            #[inline]
            fn send(client: &CloudTower, body: Self::Body) -> cloud_common::BoxFuture<'_, Result<Vec<Self::Item>>> {
                Box::pin(client.$op(body))
            }
        }

        impl ListRequest for types::$where {
            type Item = types::$item;
            type Body = types::$body;
            const OPERATION_ID: &'static str = $id;

            #[inline]
            fn into_body(self) -> Self::Body {
                self.into()
            }

            // The rest is the body's own.
            #[inline]
            fn page(body: &Self::Body, first: i32, after: Option<String>, first_page: bool) -> Self::Body {
                <types::$body as ListRequest>::page(body, first, after, first_page)
            }

            #[inline]
            fn after(body: &Self::Body) -> Option<String> {
                <types::$body as ListRequest>::after(body)
            }

            #[inline]
            fn id(item: &Self::Item) -> &str {
                <types::$body as ListRequest>::id(item)
            }

            #[inline]
            fn send(client: &CloudTower, body: Self::Body) -> cloud_common::BoxFuture<'_, Result<Vec<Self::Item>>> {
                <types::$body as ListRequest>::send(client, body)
            }
        }
    )*};
}

crate::generated::for_each_list_operation!(list_request);

/// Where the next page starts.
enum Cursor {
    /// The first page starts at the request's own `after` (and `skip`).
    Start(Option<String>),
    /// After this id.
    After(String),
    /// The last page was short: nothing more.
    Done,
}

impl CloudTower {
    /// The first item matching `request` (sent with `first: 1`), or `None`.
    ///
    /// ```no_run
    /// # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
    /// use cloudtower_api::types::VmWhereInput;
    /// if let Some(vm) = ct.first(VmWhereInput::by_name("web-01")).await? {
    ///     println!("{} is {}", vm.id, vm.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn first<R: ListRequest>(&self, request: R) -> Result<Option<R::Item>> {
        let body = request.into_body();
        let after = R::after(&body);
        let page = R::send(self, R::page(&body, 1, after, true)).await?;
        Ok(page.into_iter().next())
    }

    /// Every item matching `request`, `page_size` at a time, as a stream of
    /// pages. Each page is one request with `first: page_size`; the next
    /// page starts `after` the last item's id (a cursor, so items created
    /// or deleted meanwhile do not shift pages the way `skip` would). The
    /// request's own `after` and `skip` apply to the first page; its `last`
    /// and `before` are ignored. The stream ends after a page shorter than
    /// `page_size`, and at the first error. A `page_size` of 0 (or above
    /// `i32::MAX`) is an [`ErrorKind::InvalidRequest`] error.
    ///
    /// ```no_run
    /// # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
    /// use cloudtower_api::types::GetVmsRequestBody;
    /// use futures::TryStreamExt;
    /// let mut pages = ct.pages(GetVmsRequestBody::default(), 100);
    /// while let Some(page) = pages.try_next().await? {
    ///     println!("{} VMs", page.len());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn pages<R: ListRequest>(
        &self,
        request: R,
        page_size: u32,
    ) -> BoxStream<'_, Result<Vec<R::Item>>> {
        let body = request.into_body();
        let start = Cursor::Start(R::after(&body));
        stream::try_unfold(start, move |cursor| {
            let body = body.clone();
            async move {
                let size = i32::try_from(page_size)
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        Error::new(
                            ErrorKind::InvalidRequest,
                            PROVIDER,
                            "pages",
                            format!("page size {page_size} is not between 1 and {}", i32::MAX),
                        )
                    })?;
                let request = match cursor {
                    Cursor::Done => return Ok(None),
                    Cursor::Start(after) => R::page(&body, size, after, true),
                    Cursor::After(id) => R::page(&body, size, Some(id), false),
                };
                let page = R::send(self, request).await?;
                let next = match page.last() {
                    None => return Ok(None),
                    Some(_) if page.len() < size as usize => Cursor::Done,
                    Some(last) => Cursor::After(R::id(last).to_string()),
                };
                Ok(Some((page, next)))
            }
        })
        .boxed()
    }

    /// [`CloudTower::pages`], one item at a time.
    ///
    /// ```no_run
    /// # async fn demo(ct: cloudtower_api::CloudTower) -> Result<(), cloudtower_api::Error> {
    /// use cloudtower_api::types::VmWhereInput;
    /// use futures::TryStreamExt;
    /// let mut web = VmWhereInput::default();
    /// web.name_contains = Some("web".into());
    /// let names: Vec<String> = ct
    ///     .items(web, 50)
    ///     .map_ok(|vm| vm.name)
    ///     .try_collect()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn items<R: ListRequest>(
        &self,
        request: R,
        page_size: u32,
    ) -> BoxStream<'_, Result<R::Item>> {
        self.pages(request, page_size)
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
            .boxed()
    }
}

//! Shorthands for reading: where-inputs by id or name, where-inputs as
//! whole request bodies, and paging.
//!
//! Every where-input has `by_id` and `by_ids` (`{"id": ..}`,
//! `{"id_in": [..]}`); those with names also `by_name` and `by_names`
//! (inherent methods, and the [`ById`] and [`ByName`] impls for generic
//! code, all generated). A where-input converts into the body of its read
//! (`GetVmsRequestBody`, ...) and of the `{where}`-only VM mutations
//! (`VmOperateParams`, `VmStartParams`, `VmMigrateParams`,
//! `VmDeleteParams`), so it can be passed to those methods directly:
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
//! [`CloudTower::first`], [`CloudTower::pages`] and [`CloudTower::items`]:
//! the generated code implements [`CursorPaged`] for each read's body (how
//! to ask for one page, and which operation sends it), and the paging
//! below is written once over it.

use std::future::Future;

pub use cloud_common::{ById, ByName, CursorPaged};
use futures::stream::{self, BoxStream, StreamExt, TryStreamExt};

#[cfg(any(feature = "vm-snapshot", feature = "default-operations"))]
use crate::types;
use crate::{CloudTower, Error, ErrorKind, PROVIDER, Result, generated};

#[cfg(any(feature = "vm-snapshot", feature = "default-operations"))]
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

/// A read (`get-*`) request of this client: the body of a list operation
/// ([`CursorPaged`], implemented by the generated code for every read that
/// pages with `first` and `after`), or just its where-input (a
/// [`cloud_common::ListRequest`] through that body). [`CloudTower::first`],
/// [`CloudTower::pages`], [`CloudTower::items`] and
/// [`CloudTower::the_one`] take either.
pub trait ListRequest:
    cloud_common::ListRequest<Body: CursorPaged<Client = generated::Client>>
{
}

impl<R> ListRequest for R where
    R: cloud_common::ListRequest<Body: CursorPaged<Client = generated::Client>>
{
}

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
        let page = self.send_page(body.page(1, body.after(), true)).await?;
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
        let start = Cursor::Start(body.after());
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
                    Cursor::Start(after) => body.page(size, after, true),
                    Cursor::After(id) => body.page(size, Some(id), false),
                };
                let page = self.send_page(request).await?;
                let next = match page.last() {
                    None => return Ok(None),
                    Some(_) if page.len() < size as usize => Cursor::Done,
                    Some(last) => Cursor::After(R::Body::cursor(last).to_string()),
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

    /// Sends one page of a list: the body through its operation's method.
    #[inline]
    pub(crate) fn send_page<B>(
        &self,
        body: B,
    ) -> impl Future<Output = Result<Vec<B::Item>>> + Send + '_
    where
        B: CursorPaged<Client = generated::Client>,
    {
        self.checked(body.request(&self.client))
    }
}

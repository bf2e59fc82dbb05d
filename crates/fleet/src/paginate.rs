//! `--paginate` and `--limit N` on the spec operations that page.
//!
//! Of the four specs only CloudTower's reads page: a JSON body with
//! `first` (the page size) and `after` (a cursor: the id of the last item
//! seen), answered with an array of objects that have an `id`. This is
//! the paging `cloudtower_api::CloudTower::pages` does: each page is one
//! request with `first`, the next starts `after` the last item's id (so
//! items created or deleted meanwhile do not shift pages the way `skip`
//! would), the request's own `after` and `skip` apply to the first page,
//! `last` and `before` are dropped, and a short page is the last.
//! Neolink's `listInstances` answers `{hasNextPage, nodes, totalCount}`
//! but its spec documents no paging parameters, and TensorDock's lists
//! are not paged: those operations get no paging flags.

use clap::{ArgMatches, Args, Command, FromArgMatches};
use cloud_common::{RawClient, RawRequest};
use cloud_spec::{Operation, properties, resolve_schema};
use serde_json::Value as Json;

use crate::exit::CliError;
use crate::render::Sink;

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    /// `first`/`after` in the JSON body (CloudTower).
    FirstAfter,
}

/// How `op` pages, read from its spec: a JSON request body whose schema
/// has `first` and `after`, and an answer that is an array.
pub fn paging(doc: &Json, op: &Operation<'_>) -> Option<Paging> {
    let schema = resolve_schema(
        doc,
        op.request_media(doc, "application/json")?.get("schema")?,
    );
    let props = properties(schema)?;
    let answer = resolve_schema(
        doc,
        op.response_media(doc, "200", "application/json")?
            .get("schema")?,
    );
    (props.contains_key("first")
        && props.contains_key("after")
        && answer.get("type").and_then(Json::as_str) == Some("array"))
    .then_some(Paging::FirstAfter)
}

/// The paging flags, on a paged operation's command and on `fleet api`.
#[derive(clap::Args, Clone, Copy, Debug, Default)]
pub struct PageArgs {
    /// Read every page (first/after), printing items as pages arrive (-o ndjson streams them).
    #[arg(long)]
    paginate: bool,
    /// Stop after N items, reading as many pages as it takes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    limit: Option<u64>,
    /// Items per request with --paginate or --limit.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u32).range(1..=i32::MAX as i64))]
    page_size: u32,
}

impl PageArgs {
    /// The flags of `m`, a paged operation's matches (see [`args`]), or
    /// `None` without `--paginate` or `--limit`.
    pub fn of(m: &ArgMatches) -> Option<Self> {
        Self::from_arg_matches(m).ok().and_then(Self::asked)
    }

    /// `Some(self)` when `--paginate` or `--limit` asks for paging.
    pub fn asked(self) -> Option<Self> {
        (self.paginate || self.limit.is_some()).then_some(self)
    }
}

/// The paging flags added to a paged operation's command, which keeps
/// its own help (the derive would give it [`PageArgs`]'s doc comment).
pub fn args(cmd: Command) -> Command {
    let (about, long_about) = (cmd.get_about().cloned(), cmd.get_long_about().cloned());
    let cmd = PageArgs::augment_args(cmd);
    let cmd = match about {
        Some(about) => cmd.about(about),
        None => cmd.about(None),
    };
    match long_about {
        Some(long) => cmd.long_about(long),
        None => cmd.long_about(None),
    }
}

/// Sends `request(body)` a page at a time, each page's items into `sink`
/// as it arrives; stops at a short page, at the limit, or when the sink's
/// reader is gone.
pub async fn run(
    raw: &dyn RawClient,
    request: impl Fn(Json) -> RawRequest,
    body: Json,
    flags: &PageArgs,
    sink: &mut Sink<'_>,
) -> Result<(), CliError> {
    let Json::Object(body) = body else {
        return Err(CliError::usage(
            "--paginate and --limit need a JSON object as --body",
        ));
    };
    let mut got: u64 = 0;
    let mut after: Option<Json> = body.get("after").cloned();
    let mut first_page = true;
    loop {
        let size = match flags.limit {
            Some(limit) => u64::from(flags.page_size).min(limit - got),
            None => u64::from(flags.page_size),
        };
        let mut page = body.clone();
        page.insert("first".into(), size.into());
        page.remove("last");
        page.remove("before");
        match &after {
            Some(cursor) => page.insert("after".into(), cursor.clone()),
            None => page.remove("after"),
        };
        if !first_page {
            page.remove("skip");
        }
        let answer = crate::api::send(raw, request(Json::Object(page))).await?;
        let Json::Array(items) = answer else {
            return Err(CliError {
                code: crate::exit::API,
                message: "a paged read answered something other than a list".into(),
            });
        };
        let n = items.len() as u64;
        let cursor = items.last().and_then(|i| i.get("id")).cloned();
        sink.page(items)?;
        got += n;
        if n < size || flags.limit.is_some_and(|l| got >= l) {
            return Ok(());
        }
        after = Some(cursor.ok_or_else(|| CliError {
            code: crate::exit::API,
            message: "cannot read the next page: the last item has no id".into(),
        })?);
        first_page = false;
    }
}

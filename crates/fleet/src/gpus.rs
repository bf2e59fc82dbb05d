//! `fleet gpus`, `fleet gpus watch` and `fleet launch`: GPU offers across
//! providers through the facade (`Compute::gpu_offers`, `Compute::launch`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};
use cloud_common::{Access, GpuFilter, GpuOffer, LaunchSpec, Secret};
use serde::Serialize;

use crate::exit::{self, CliError};
use crate::out;
use crate::output::{self, Format};
use crate::targets::Target;
use crate::{Ctx, Ref, duration};

/// `fleet gpus`.
#[derive(Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct GpusArgs {
    #[command(subcommand)]
    pub command: Option<GpusCmd>,
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Order: by price per hour (offers without one last), or by GPUs available (most first).
    #[arg(long, value_enum, default_value = "price")]
    pub sort: Sort,
}

/// `fleet gpus <subcommand>`.
#[derive(Subcommand)]
pub enum GpusCmd {
    /// Poll until matching stock appears or goes, and report each change.
    #[command(after_help = crate::examples::GPUS_WATCH)]
    Watch(WatchArgs),
}

/// What offers to show.
#[derive(Args, Clone)]
pub struct FilterArgs {
    /// A GPU model, e.g. H100, 4090, "RTX A4000" (A100 also matches A100-80GB).
    #[arg(long)]
    pub model: Option<String>,
    /// At least this many GPUs in one instance (prices are for this many).
    #[arg(long)]
    pub count: Option<u32>,
    /// At most this much per hour, in the offer's currency (offers without a price pass).
    #[arg(long)]
    pub max_price: Option<f64>,
    /// Only locations containing this text, e.g. Idaho.
    #[arg(long)]
    pub location: Option<String>,
    /// Only these providers (repeatable).
    #[arg(long, value_parser = crate::provider)]
    pub provider: Vec<&'static str>,
}

impl FilterArgs {
    fn filter(&self) -> GpuFilter {
        let mut f = GpuFilter::new();
        f.model = self.model.clone();
        f.count = self.count;
        f.max_price = self.max_price;
        f.location = self.location.clone();
        f
    }
}

/// `--sort`.
#[derive(Clone, Copy, ValueEnum)]
pub enum Sort {
    /// Cheapest first.
    Price,
    /// Most GPUs available first.
    Available,
}

/// `fleet gpus watch`.
#[derive(Args)]
pub struct WatchArgs {
    #[command(flatten)]
    pub filter: FilterArgs,
    /// Run this shell command for each offer that appears (FLEET_OFFER, FLEET_GPU and
    /// FLEET_AVAILABLE describe it).
    #[arg(long)]
    pub exec: Option<String>,
    /// Pause between polls (default 30s; 100ms with --fake), never below a provider's rate limit.
    #[arg(long, value_parser = duration)]
    pub interval: Option<Duration>,
    /// Stop after this long (exit 0; with --once and nothing found, exit 4).
    #[arg(long, value_parser = duration)]
    pub timeout: Option<Duration>,
    /// Stop as soon as a matching offer is there.
    #[arg(long)]
    pub once: bool,
}

/// `fleet launch`.
#[derive(Args)]
pub struct LaunchArgs {
    /// <provider>:<offer id>, as `fleet gpus` lists it.
    #[arg(value_parser = crate::instance_ref)]
    pub offer: Ref,
    /// The instance name.
    #[arg(long)]
    pub name: String,
    /// The OS image (TensorDock v2 ubuntu2404, v0 "Ubuntu 22.04 LTS", a Neolink image),
    /// or a CloudTower template name.
    #[arg(long)]
    pub image: String,
    /// An SSH public key: the key itself, or @file to read it from a file.
    #[arg(long, conflicts_with = "password")]
    pub ssh_key: Option<String>,
    /// A password for the default user: @file to read it from a file (a literal shows in `ps`).
    #[arg(long)]
    pub password: Option<String>,
    /// GPUs (default: the offer's fixed count, else 1).
    #[arg(long)]
    pub gpus: Option<u32>,
    /// vCPUs.
    #[arg(long)]
    pub vcpus: Option<u32>,
    /// Memory in GiB.
    #[arg(long)]
    pub memory: Option<u32>,
    /// Disk in GiB.
    #[arg(long)]
    pub disk: Option<u32>,
    /// Wait until the instance is running.
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this long.
    #[arg(long, value_parser = duration, default_value = "15m")]
    pub timeout: Duration,
}

/// An offer as scripts see it: these field names are stable.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OfferRow {
    /// The command line's provider name (e.g. `tensordock-v2`).
    pub provider: &'static str,
    /// `<provider>:<offer id>`, what `fleet launch` takes.
    pub offer: String,
    pub location: String,
    /// The canonical model, else the provider's name for it.
    pub gpu: String,
    /// The provider's name for the model.
    pub gpu_name: String,
    pub available: u32,
    /// The GPU count of every instance of a fixed-shape offer.
    pub fixed_count: Option<u32>,
    pub vcpus: Option<u32>,
    pub memory_gib: Option<f64>,
    pub price: Option<f64>,
    pub currency: Option<String>,
    pub billing: Option<String>,
    /// What the price pays for: `gpus` (vCPUs, memory and storage extra) or `instance`.
    pub price_includes: Option<String>,
}

impl OfferRow {
    fn new(provider: &'static str, o: &GpuOffer) -> Self {
        let price = o.price.as_ref();
        Self {
            provider,
            offer: format!("{provider}:{}", o.id),
            location: o.location.clone(),
            gpu: o.gpu.name().to_string(),
            gpu_name: o.gpu.raw.clone(),
            available: o.gpus_available,
            fixed_count: o.fixed_gpu_count,
            vcpus: o.vcpus,
            memory_gib: o.memory_gib,
            price: price.map(|p| p.amount),
            currency: price.and_then(|p| p.currency.clone()),
            billing: price.map(|p| p.billing.to_string()),
            price_includes: price.map(|p| match p.includes {
                cloud_common::PriceIncludes::GpusOnly { .. } => "gpus".into(),
                _ => "instance".into(),
            }),
        }
    }

    fn price_cell(&self) -> String {
        match (self.price, &self.billing) {
            (Some(amount), Some(billing)) => {
                let per = match billing.as_str() {
                    "hourly" => "/h".to_string(),
                    other => format!(" {other}"),
                };
                let currency = self.currency.as_deref().unwrap_or("?");
                let extra = if self.price_includes.as_deref() == Some("gpus") {
                    " +res"
                } else {
                    ""
                };
                format!("{amount:.4} {currency}{per}{extra}")
            }
            _ => "-".into(),
        }
    }

    fn cells(&self) -> Vec<String> {
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        let available = match self.fixed_count {
            Some(n) => format!("{} ({n}/instance)", self.available),
            None => self.available.to_string(),
        };
        vec![
            self.offer.clone(),
            self.gpu.clone(),
            available,
            opt(self.vcpus.map(|v| v.to_string())),
            opt(self.memory_gib.map(|m| format!("{m} GiB"))),
            self.price_cell(),
            self.location.clone(),
        ]
    }
}

const HEADER: [&str; 7] = [
    "OFFER",
    "GPU",
    "AVAILABLE",
    "VCPUS",
    "MEMORY",
    "PRICE",
    "LOCATION",
];

/// Every target's offers, at once; a provider that fails is reported on
/// stderr and counted, the others' offers are kept.
async fn ask(targets: &[Target], filter: &GpuFilter) -> (Vec<OfferRow>, Vec<(&'static str, u8)>) {
    let answers = futures::future::join_all(
        targets
            .iter()
            .map(|t| async move { (t.key, t.compute.gpu_offers(filter).await) }),
    )
    .await;
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (key, answer) in answers {
        match answer {
            Ok(offers) => rows.extend(offers.iter().map(|o| OfferRow::new(key, o))),
            Err(e) => {
                eprintln!("fleet: {key}: {e}");
                failed.push((key, exit::code_of(&e)));
            }
        }
    }
    (rows, failed)
}

fn sort(rows: &mut [OfferRow], by: Sort) {
    match by {
        Sort::Price => rows.sort_by(|a, b| {
            let key = |r: &OfferRow| match (&r.billing, r.price) {
                (Some(b), Some(p)) if b == "hourly" => p,
                _ => f64::INFINITY,
            };
            key(a)
                .total_cmp(&key(b))
                .then(b.available.cmp(&a.available))
        }),
        Sort::Available => rows.sort_by_key(|r| std::cmp::Reverse(r.available)),
    }
}

/// `fleet gpus`.
pub async fn list(ctx: &Ctx, args: &GpusArgs) -> Result<(), CliError> {
    let targets = ctx.targets(&args.filter.provider, !args.filter.provider.is_empty())?;
    let (mut rows, failed) = ask(&targets, &args.filter.filter()).await;
    sort(&mut rows, args.sort);
    if ctx.view.own_table() {
        let cells: Vec<Vec<String>> = rows.iter().map(OfferRow::cells).collect();
        out::write(&output::grid(&HEADER, &cells))?;
    } else {
        ctx.view.print_data(&rows)?;
    }
    match failed.first() {
        // Already reported per provider, after the offers that did list.
        Some((_, code)) => Err(CliError {
            code: *code,
            message: String::new(),
        }),
        None => Ok(()),
    }
}

/// The shortest pause between two polls of `key`'s offers that keeps to
/// its rate limit: TensorDock v2 allows 100 requests a minute and a poll
/// sends 2; v0 asks for about one request a second; Neolink documents no
/// limit (a poll sends one request per region, plus one), so one poll a
/// second; CloudTower is on premises.
pub fn min_interval(key: &str) -> Duration {
    match key {
        "tensordock-v2" => Duration::from_millis(60_000 * 2 / 100),
        "tensordock-v0" | "neolink" => Duration::from_secs(1),
        _ => Duration::ZERO,
    }
}

/// A change `fleet gpus watch` reports.
#[derive(Serialize)]
struct Event<'a> {
    event: &'static str,
    /// Seconds since the watch started.
    after_secs: f64,
    #[serde(flatten)]
    offer: &'a OfferRow,
}

fn report(
    ctx: &Ctx,
    started: Instant,
    event: &'static str,
    row: &OfferRow,
) -> Result<(), CliError> {
    let e = Event {
        event,
        after_secs: (started.elapsed().as_millis() as f64) / 1000.0,
        offer: row,
    };
    // Events stream: JSON and NDJSON both print one object a line.
    out::write(&match ctx.view.format {
        Format::Table => format!(
            "{event:<8} {}  {}x {}  {}  {}\n",
            row.offer,
            row.available,
            row.gpu,
            row.price_cell(),
            row.location
        ),
        Format::Json | Format::Ndjson => {
            format!("{}\n", serde_json::to_string(&e).expect("plain data"))
        }
        Format::Yaml => format!("---\n{}", output::document(&e, Format::Yaml)),
    })
}

fn run_exec(cmd: &str, row: &OfferRow) {
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .env("FLEET_OFFER", &row.offer)
        .env("FLEET_GPU", &row.gpu)
        .env("FLEET_AVAILABLE", row.available.to_string())
        .status();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => eprintln!("fleet: --exec for {} exited with {s}", row.offer),
        Err(e) => eprintln!("fleet: --exec for {}: cannot run sh: {e}", row.offer),
    }
}

/// What changed since the last poll, `seen`, which becomes `now`: offers
/// that appeared, changed their count, or went. The offers of providers
/// in `failed` (which answered nothing this time) are kept as they were.
fn changes(
    seen: &mut BTreeMap<String, OfferRow>,
    now: Vec<OfferRow>,
    failed: &[&str],
) -> Vec<(&'static str, OfferRow)> {
    let now: BTreeMap<String, OfferRow> = now.into_iter().map(|r| (r.offer.clone(), r)).collect();
    let mut out = Vec::new();
    for (id, row) in &now {
        match seen.get(id) {
            None => out.push(("appeared", row.clone())),
            Some(before) if before.available != row.available => {
                out.push(("changed", row.clone()));
            }
            Some(_) => {}
        }
    }
    let gone: Vec<String> = seen
        .keys()
        .filter(|id| !now.contains_key(*id))
        .filter(|id| !failed.iter().any(|k| id.starts_with(&format!("{k}:"))))
        .cloned()
        .collect();
    for id in gone {
        if let Some(row) = seen.remove(&id) {
            out.push(("gone", row));
        }
    }
    seen.extend(now);
    out
}

/// `fleet gpus watch`: polls every target, reports offers that start to
/// match (`appeared`, also those matching at the first poll), change
/// their count (`changed`) or stop matching (`gone`). A provider that
/// fails a poll is reported on stderr, and its offers count as unchanged.
pub async fn watch(ctx: &Ctx, args: &WatchArgs) -> Result<(), CliError> {
    let keys = &args.filter.provider;
    let targets = ctx.targets(keys, !keys.is_empty())?;
    let fake = targets.iter().all(|t| t.fake);
    let floor = targets
        .iter()
        .map(|t| min_interval(t.key))
        .max()
        .unwrap_or_default();
    let wanted = args.interval.unwrap_or(if fake {
        Duration::from_millis(100)
    } else {
        Duration::from_secs(30)
    });
    if args.interval.is_some_and(|w| w < floor) {
        eprintln!("fleet: polling every {floor:?}, the providers' rate limit");
    }
    let interval = wanted.max(floor);
    let filter = args.filter.filter();
    let started = Instant::now();
    let mut seen: BTreeMap<String, OfferRow> = BTreeMap::new();
    let mut found = false;
    loop {
        let (rows, failed) = ask(&targets, &filter).await;
        let failed: Vec<&str> = failed.iter().map(|(k, _)| *k).collect();
        for (event, row) in changes(&mut seen, rows, &failed) {
            report(ctx, started, event, &row)?;
            if let (Some(cmd), "appeared") = (&args.exec, event) {
                run_exec(cmd, &row);
            }
        }
        found |= !seen.is_empty();
        if args.once && found {
            return Ok(());
        }
        let left = args.timeout.map(|t| t.saturating_sub(started.elapsed()));
        if left == Some(Duration::ZERO) {
            return if args.once {
                Err(CliError {
                    code: exit::WAIT,
                    message: "no matching offer appeared before the timeout".into(),
                })
            } else {
                Ok(())
            };
        }
        tokio::time::sleep(left.map_or(interval, |l| interval.min(l))).await;
    }
}

/// The value of `--ssh-key`/`--password`: `@file` reads the file (one
/// trailing newline dropped), anything else is the value itself.
fn value_or_file(value: &str, what: &str) -> Result<Secret, CliError> {
    match value.strip_prefix('@') {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                CliError::config(format!("cannot read the {what} from {path}: {e}"))
            })?;
            let text = text.strip_suffix('\n').unwrap_or(&text);
            Ok(Secret::new(text.strip_suffix('\r').unwrap_or(text)))
        }
        None => Ok(Secret::new(value)),
    }
}

/// `fleet launch`: finds the offer among its provider's current offers,
/// launches on it, and prints the new instance (waiting until it runs
/// with `--wait`).
pub async fn launch(ctx: &Ctx, args: &LaunchArgs) -> Result<(), CliError> {
    let targets = ctx.targets(&[args.offer.provider], true)?;
    let t = &targets[0];
    let offers = t.compute.gpu_offers(&GpuFilter::new()).await?;
    let offer = offers
        .iter()
        .find(|o| o.id == args.offer.id)
        .ok_or_else(|| CliError {
            code: exit::NOT_FOUND,
            message: format!(
                "{} is not an offer now (gone, or no GPU left); see `fleet gpus --provider {}`",
                args.offer, t.key
            ),
        })?;
    let mut spec = LaunchSpec::new(&args.name, &args.image);
    spec.gpus = args.gpus;
    spec.vcpus = args.vcpus;
    spec.memory_gib = args.memory;
    spec.disk_gib = args.disk;
    if let Some(key) = &args.ssh_key {
        spec = spec.access(Access::SshKey(value_or_file(key, "SSH key")?));
    }
    if let Some(password) = &args.password {
        spec = spec.access(Access::Password(value_or_file(password, "password")?));
    }
    let instance = t.compute.launch(offer, &spec).await?;
    if ctx.view.own_table() {
        out::write(&format!(
            "launched {}:{} on {}\n",
            t.key, instance.id, args.offer
        ))?;
    }
    if args.wait {
        let state = cloud_common::InstanceState::Running;
        return crate::wait(ctx, t, &instance.id, &state, args.timeout, None).await;
    }
    let row = output::Row::new(t.key, &instance);
    if ctx.view.own_table() {
        out::write(&output::table(&[row], output::colour()))
    } else {
        ctx.view.print_data(&row)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cloud_common::{Billing, GpuModel, Price, PriceIncludes};

    fn row(id: &str, price: Option<(f64, Billing)>, available: u32) -> OfferRow {
        let mut o = GpuOffer::new("p", id, "here", GpuModel::new("H100"), available);
        o.price = price.map(|(a, b)| Price::new(a, Some("USD"), b, PriceIncludes::WholeInstance));
        OfferRow::new("tensordock-v2", &o)
    }

    #[test]
    fn sorting_puts_hourly_prices_first_and_the_rest_last() {
        let mut rows = vec![
            row("none", None, 9),
            row("monthly", Some((1.0, Billing::Monthly)), 1),
            row("dear", Some((3.0, Billing::Hourly)), 1),
            row("cheap", Some((2.0, Billing::Hourly)), 2),
        ];
        sort(&mut rows, Sort::Price);
        let order: Vec<&str> = rows.iter().map(|r| r.offer.as_str()).collect();
        assert_eq!(&order[..2], ["tensordock-v2:cheap", "tensordock-v2:dear"]);
        sort(&mut rows, Sort::Available);
        assert_eq!(rows[0].offer, "tensordock-v2:none");
    }

    #[test]
    fn the_price_cell_says_per_what_and_in_what() {
        assert_eq!(
            row("a", Some((2.5, Billing::Hourly)), 1).price_cell(),
            "2.5000 USD/h"
        );
        assert_eq!(
            row("a", Some((10.0, Billing::Monthly)), 1).price_cell(),
            "10.0000 USD monthly"
        );
        assert_eq!(row("a", None, 1).price_cell(), "-");
    }

    #[test]
    fn a_watch_reports_what_appears_changes_and_goes() {
        let mut seen = BTreeMap::new();
        let events = |e: Vec<(&'static str, OfferRow)>| -> Vec<(&'static str, String, u32)> {
            e.into_iter()
                .map(|(k, r)| (k, r.offer, r.available))
                .collect()
        };
        let first = changes(&mut seen, vec![row("a", None, 2), row("b", None, 1)], &[]);
        assert_eq!(
            events(first),
            [
                ("appeared", "tensordock-v2:a".into(), 2),
                ("appeared", "tensordock-v2:b".into(), 1)
            ]
        );
        let same = changes(&mut seen, vec![row("a", None, 2), row("b", None, 1)], &[]);
        assert!(same.is_empty());
        let next = changes(&mut seen, vec![row("a", None, 1)], &[]);
        assert_eq!(
            events(next),
            [
                ("changed", "tensordock-v2:a".into(), 1),
                ("gone", "tensordock-v2:b".into(), 1)
            ]
        );
        // A provider that answered nothing keeps its offers.
        let failed = changes(&mut seen, vec![], &["tensordock-v2"]);
        assert!(failed.is_empty());
        assert_eq!(seen.len(), 1);
        let back = changes(&mut seen, vec![], &[]);
        assert_eq!(events(back), [("gone", "tensordock-v2:a".into(), 1)]);
    }

    #[test]
    fn the_rate_limit_sets_the_fastest_poll() {
        assert_eq!(min_interval("tensordock-v2"), Duration::from_millis(1200));
        assert_eq!(min_interval("cloudtower"), Duration::ZERO);
    }
}

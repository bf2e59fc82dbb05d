//! The v0 fake's billing, computed from its state: what each VM was
//! charged and when, kept as a ledger of spans at a constant hourly rate,
//! from which the balance, the host revenue report (`getRevenue`) and the
//! monthly statements (`getMonthlySummary`) are computed, each honouring
//! the filters it was asked with.
//!
//! Time is the fake's clock (`crate::meter`): real time plus whatever
//! [`super::Fake::advance`] added, in microseconds since the Unix epoch
//! (UTC). A span merges with
//! the one before it while nothing about the VM's charge changes, so the
//! ledger grows with the VMs' changes of state, not with the requests.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};
use cloud_fake::{Request, Response};
use serde_json::{Value, json};

use super::{State, Vm};
use crate::meter::hours;

/// What a span charges for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Kind {
    /// GPUs, vCPUs and RAM: while the VM runs (or is on its way).
    Compute,
    /// Storage: as long as the VM exists.
    Storage,
}

/// What a VM had while it was charged: the `specs` it showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(super) struct Usage {
    gpu_model: String,
    gpus: i64,
    vcpus: i64,
    ram: i64,
    storage: i64,
}

impl Usage {
    fn of(vm: &Vm) -> Self {
        let specs = &vm.value["specs"];
        let int = |v: &Value| v.as_i64().unwrap_or(0);
        Self {
            gpu_model: specs["gpu"]["type"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            gpus: if vm.holds_gpus {
                int(&specs["gpu"]["amount"])
            } else {
                0
            },
            vcpus: int(&specs["vcpus"]),
            ram: int(&specs["ram"]),
            storage: int(&specs["storage"]),
        }
    }
}

/// One VM charged `rate` USD an hour for `kind` from `from` to `to`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(super) struct Span {
    vm: String,
    hostnode: String,
    kind: Kind,
    rate: f64,
    from: i64,
    to: i64,
    usage: Usage,
}

impl Span {
    /// What it charged within `[start, end)`.
    fn amount_in(&self, start: i64, end: i64) -> f64 {
        let (from, to) = (self.from.max(start), self.to.min(end));
        if to <= from {
            return 0.0;
        }
        self.rate * hours(from, to)
    }

    fn overlaps(&self, start: i64, end: i64) -> bool {
        self.from.max(start) < self.to.min(end)
    }
}

/// Every charge so far, and every change of the balance that was not one.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(super) struct Ledger {
    spans: Vec<Span>,
    /// `(when, by how much)` the balance was set outside billing.
    adjustments: Vec<(i64, f64)>,
}

impl Ledger {
    /// Charges `vm` for `kind` at `rate` over `[from, to)`; returns the
    /// amount.
    fn record(&mut self, id: &str, vm: &Vm, kind: Kind, rate: f64, from: i64, to: i64) -> f64 {
        let usage = Usage::of(vm);
        let last = self
            .spans
            .iter_mut()
            .rev()
            .find(|s| s.vm == id && s.kind == kind);
        match last {
            Some(s)
                if s.to == from
                    && s.rate == rate
                    && s.usage == usage
                    && s.hostnode == vm.hostnode =>
            {
                s.to = to;
            }
            _ => self.spans.push(Span {
                vm: id.to_string(),
                hostnode: vm.hostnode.clone(),
                kind,
                rate,
                from,
                to,
                usage,
            }),
        }
        rate * hours(from, to)
    }

    /// The balance at `at`, given the balance `now` (after the last charge).
    fn balance_at(&self, now: f64, at: i64) -> f64 {
        let charged_since: f64 = self.spans.iter().map(|s| s.amount_in(at, i64::MAX)).sum();
        let adjusted_since: f64 = self
            .adjustments
            .iter()
            .filter(|(when, _)| *when >= at)
            .map(|(_, by)| by)
            .sum();
        now + charged_since - adjusted_since
    }
}

/// A v0 error: `{"success": false, "error": message}`.
fn refused(message: String) -> Response {
    Response::json(400, json!({"success": false, "error": message}))
}

/// A time of a revenue filter, µs since the epoch: RFC 3339 / ISO 8601
/// (`2023-01-01T00:00:00Z`; without an offset, UTC), a date (`2023-01-01`:
/// its start, or for an end its whole day), or Unix seconds. The service's
/// format is undocumented; these are what a client would send.
fn timestamp(text: &str, end: bool) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_micros());
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if end { day.succ_opt()? } else { day };
        return Some(day.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros());
    }
    let seconds: i64 = text.parse().ok()?;
    seconds.checked_mul(1_000_000)
}

/// A statement's month: `[start, end)` in µs, its year and month, and the
/// next month's (where `bill_period` ends).
struct Month {
    start: i64,
    end: i64,
    this: (i32, u32),
    next: (i32, u32),
}

/// The month `YYYY-MM` (UTC).
fn month(period: &str) -> Option<Month> {
    let (year, month) = period.trim().split_once('-')?;
    let this: (i32, u32) = (year.parse().ok()?, month.parse().ok()?);
    let next = if this.1 == 12 {
        (this.0 + 1, 1)
    } else {
        (this.0, this.1 + 1)
    };
    let start = Utc.with_ymd_and_hms(this.0, this.1, 1, 0, 0, 0).single()?;
    let end = Utc.with_ymd_and_hms(next.0, next.1, 1, 0, 0, 0).single()?;
    Some(Month {
        start: start.timestamp_micros(),
        end: end.timestamp_micros(),
        this,
        next,
    })
}

/// `MM/DD` of a time, as statements date their lines.
fn month_day(us: i64) -> String {
    Utc.timestamp_micros(us)
        .single()
        .map_or_else(String::new, |t| format!("{:02}/{:02}", t.month(), t.day()))
}

/// Money without float noise (`0.30000000000000004` → `0.3`, and no
/// `-0.0`: an empty sum of floats is one).
fn money(usd: f64) -> f64 {
    (usd * 1e6).round() / 1e6 + 0.0
}

/// Money as the statements' totals are written: a string with cents.
fn cents(usd: f64) -> String {
    format!("{:.2}", (usd * 100.0).round() / 100.0 + 0.0)
}

/// A statement's line: one VM's charges of one kind in the period.
struct Line<'a> {
    span: &'a Span,
    start: i64,
    end: i64,
    total: f64,
}

impl Line<'_> {
    fn json(&self) -> Value {
        let s = self.span;
        let mut line = json!({
            "billing_period_start": month_day(self.start),
            "billing_period_end": month_day(self.end),
            "hostnode_id": s.hostnode,
            "virtual_machine_id": s.vm,
            "rate_hourly": money(s.rate),
            "total_amount": money(self.total),
        });
        match s.kind {
            Kind::Compute => {
                line["gpu_details"] = json!(format!("{}x {}", s.usage.gpus, s.usage.gpu_model));
            }
            Kind::Storage => line["storage_amount"] = json!(s.usage.storage),
        }
        line
    }
}

impl State {
    /// Charges every VM for the time since the last charge (real and
    /// simulated): compute while it runs (or is on its way), storage while
    /// it exists.
    pub(super) fn charge(&mut self) {
        let (from, to) = self.meter.due();
        if to == from {
            return;
        }
        let mut spent = 0.0;
        for (id, vm) in &self.vms {
            for (kind, rate) in [
                (Kind::Compute, vm.compute_rate()),
                (Kind::Storage, vm.storage_rate()),
            ] {
                if rate > 0.0 {
                    spent += self.ledger.record(id, vm, kind, rate, from, to);
                }
            }
        }
        self.balance -= spent;
    }

    /// Sets the balance outside billing (a deposit, a withdrawal), kept in
    /// the ledger so that past balances stay right.
    pub(super) fn set_balance(&mut self, balance: f64) {
        self.charge();
        self.ledger
            .adjustments
            .push((self.meter.billed_until(), balance - self.balance));
        self.balance = balance;
    }

    /// `getRevenue`: a row for each hostnode the account hosts
    /// (`hostnode_id`: that one only), with its usage and stock now and
    /// what its VMs were charged between `start_timestamp` and
    /// `end_timestamp` (each optional).
    pub(super) fn revenue(&mut self, request: &Request) -> Response {
        let mut bounds = [i64::MIN, i64::MAX];
        for (i, name) in ["start_timestamp", "end_timestamp"].into_iter().enumerate() {
            if let Some(text) = request.field(name) {
                match timestamp(text, i == 1) {
                    Some(t) => bounds[i] = t,
                    None => {
                        return refused(format!(
                            "{name} {text:?} is not a timestamp (e.g. 2023-01-01T00:00:00Z)"
                        ));
                    }
                }
            }
        }
        let [start, end] = bounds;
        self.charge();
        let only = request.field("hostnode_id");
        let rows: Vec<Value> = self
            .hosted
            .iter()
            .filter(|h| only.is_none_or(|only| only == h.as_str()))
            .filter_map(|h| self.revenue_row(h, start, end))
            .collect();
        // No `success` key: the shape the service sends here.
        Response::json(200, json!({"data": rows}))
    }

    fn revenue_row(&self, hostnode: &str, start: i64, end: i64) -> Option<Value> {
        let h = self.hostnodes.get(hostnode)?;
        let location = &h["location"];
        let place: Vec<&str> = ["city", "region", "country"]
            .iter()
            .filter_map(|k| location[*k].as_str())
            .collect();
        let amount = |p: &str| h.pointer(p).and_then(Value::as_i64).unwrap_or(0);
        let available_gpus: i64 = h["specs"]["gpu"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, g)| g["amount"].as_i64().unwrap_or(0))
            .sum();
        let here: Vec<Usage> = self
            .vms
            .values()
            .filter(|vm| vm.hostnode == hostnode)
            .map(Usage::of)
            .collect();
        let used = |f: fn(&Usage) -> i64| here.iter().map(f).sum::<i64>();
        let spans: Vec<&Span> = self
            .ledger
            .spans
            .iter()
            .filter(|s| s.hostnode == hostnode && s.overlaps(start, end))
            .collect();
        let earned = |vm: Option<&str>, kind: Kind| {
            money(
                spans
                    .iter()
                    .filter(|s| s.kind == kind && vm.is_none_or(|vm| s.vm == vm))
                    .map(|s| s.amount_in(start, end))
                    .sum(),
            )
        };
        let mut vms: Vec<&str> = Vec::new();
        for s in &spans {
            if !vms.contains(&s.vm.as_str()) {
                vms.push(&s.vm);
            }
        }
        let machines: Vec<Value> = vms
            .iter()
            .map(|&vm| {
                // What it used last within the period.
                let usage = spans
                    .iter()
                    .rev()
                    .find(|s| s.vm == vm)
                    .map(|s| s.usage.clone())
                    .unwrap_or_default();
                json!({
                    "id": vm,
                    "used_storage": usage.storage,
                    "used_gpus": usage.gpus,
                    "used_cpus": usage.vcpus,
                    "used_ram": usage.ram,
                    "revenue_storage": earned(Some(vm), Kind::Storage),
                    "revenue_compute": earned(Some(vm), Kind::Compute),
                })
            })
            .collect();
        Some(json!({
            "hostnode_id": hostnode,
            "location": place.join(", "),
            "used_storage": used(|u| u.storage),
            "used_gpus": used(|u| u.gpus),
            "used_cpus": used(|u| u.vcpus),
            "used_ram": used(|u| u.ram),
            "available_storage": amount("/specs/storage/amount"),
            "available_gpus": available_gpus,
            "available_cpus": amount("/specs/cpu/amount"),
            "available_ram": amount("/specs/ram/amount"),
            "revenue_storage": earned(None, Kind::Storage),
            "revenue_compute": earned(None, Kind::Compute),
            "virtual_machines": machines,
        }))
    }

    /// `getMonthlySummary`: the statement of `period` (`YYYY-MM`, UTC):
    /// the account's VM and storage charges in it (expenses), those of the
    /// hostnodes it hosts (payouts), and the balance at its start and end.
    pub(super) fn monthly_summary(&mut self, request: &Request) -> Response {
        let period = request.field("period").unwrap_or_default();
        let Some(Month {
            start,
            end,
            this: (y, m),
            next: (next_y, next_m),
        }) = month(period)
        else {
            return refused(format!("period {period:?} is not a month such as 2024-02"));
        };
        self.charge();
        // The spans of each VM and kind in the period, in the order they began.
        let mut lines: Vec<Line<'_>> = Vec::new();
        for s in self.ledger.spans.iter().filter(|s| s.overlaps(start, end)) {
            let (from, to, amount) = (s.from.max(start), s.to.min(end), s.amount_in(start, end));
            match lines.iter_mut().find(|l| {
                l.span.vm == s.vm && l.span.kind == s.kind && l.span.hostnode == s.hostnode
            }) {
                Some(line) => {
                    line.end = line.end.max(to);
                    line.total += amount;
                    // The rate and usage of the line are the latest ones.
                    line.span = s;
                }
                None => lines.push(Line {
                    span: s,
                    start: from,
                    end: to,
                    total: amount,
                }),
            }
        }
        let of = |kind: Kind, payouts: bool| -> Vec<Value> {
            lines
                .iter()
                .filter(|l| l.span.kind == kind)
                .filter(|l| !payouts || self.hosted.contains(&l.span.hostnode))
                .map(Line::json)
                .collect()
        };
        let total = |payouts: bool| -> f64 {
            lines
                .iter()
                .filter(|l| !payouts || self.hosted.contains(&l.span.hostnode))
                .map(|l| l.total)
                .sum()
        };
        let now = self.meter.billed_until();
        let final_balance = self.ledger.balance_at(self.balance, end.min(now));
        let previous_balance = self.ledger.balance_at(self.balance, start.min(now));
        // No `success` key; the totals and balances are strings.
        Response::json(
            200,
            json!({
                "bill_period": {"startM": format!("{m:02}"), "startY": y.to_string(),
                                "endM": format!("{next_m:02}"), "endY": next_y.to_string()},
                "changes": {"expenses": cents(total(false)), "payouts": cents(total(true))},
                "final_balance": cents(final_balance),
                "previous_balance": cents(previous_balance),
                "organization_billing_address": null,
                "organization_tax_id": null,
                "transactions": {
                    "deposits": [],
                    "withdrawals": [],
                    "vm_expenses": of(Kind::Compute, false),
                    "storage_expenses": of(Kind::Storage, false),
                    "vm_payouts": of(Kind::Compute, true),
                    "storage_payouts": of(Kind::Storage, true),
                },
            }),
        )
    }
}

impl Vm {
    /// USD an hour for compute now: while it runs or is on its way.
    pub(super) fn compute_rate(&self) -> f64 {
        match self.status().as_str() {
            "running" | "starting" | "deploying" | "stopping" => {
                self.value["compute_price"].as_f64().unwrap_or(0.0)
            }
            _ => 0.0,
        }
    }

    /// USD an hour for storage: as long as it exists.
    pub(super) fn storage_rate(&self) -> f64 {
        self.value["storage_price"].as_f64().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meter::HOUR_US;

    #[test]
    fn filter_times_are_read_in_the_formats_clients_send() {
        let new_year = 1_672_531_200_000_000; // 2023-01-01T00:00:00Z
        assert_eq!(timestamp("2023-01-01T00:00:00Z", false), Some(new_year));
        assert_eq!(
            timestamp("2023-01-01T01:00:00+01:00", false),
            Some(new_year)
        );
        assert_eq!(timestamp("2023-01-01 00:00:00", false), Some(new_year));
        assert_eq!(timestamp("2023-01-01", false), Some(new_year));
        assert_eq!(timestamp("2022-12-31", true), Some(new_year));
        assert_eq!(timestamp("1672531200", false), Some(new_year));
        assert_eq!(timestamp("yesterday", false), None);
    }

    #[test]
    fn money_has_no_negative_zero() {
        let nothing: f64 = std::iter::empty::<f64>().sum();
        assert_eq!(cents(nothing), "0.00");
        assert_eq!(money(nothing).to_string(), "0");
        assert_eq!(cents(929.405_1), "929.41");
    }

    #[test]
    fn a_period_is_a_whole_month_and_names_the_next() {
        let Month {
            start,
            end,
            this,
            next,
        } = month("2024-12").unwrap();
        assert_eq!((this, next), ((2024, 12), (2025, 1)));
        assert_eq!(end - start, 31 * 24 * 3_600_000_000);
        assert_eq!(month_day(start), "12/01");
        assert_eq!(month_day(end), "01/01");
        assert!(month("2024-13").is_none());
    }

    #[test]
    fn a_span_charges_only_its_overlap() {
        let span = Span {
            vm: "vm".into(),
            hostnode: "h".into(),
            kind: Kind::Compute,
            rate: 2.0,
            from: 0,
            to: 2 * HOUR_US as i64,
            usage: Usage {
                gpu_model: "m".into(),
                gpus: 1,
                vcpus: 1,
                ram: 1,
                storage: 1,
            },
        };
        assert_eq!(span.amount_in(i64::MIN, i64::MAX), 4.0);
        assert_eq!(span.amount_in(HOUR_US as i64, i64::MAX), 2.0);
        assert_eq!(span.amount_in(3 * HOUR_US as i64, i64::MAX), 0.0);
        assert!(!span.overlaps(2 * HOUR_US as i64, i64::MAX));
    }
}

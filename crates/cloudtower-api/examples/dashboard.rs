//! Build a dashboard: the Python SDK guide's scenario "Build Dashboard".
//! For the clusters of a datacenter (or one cluster, or all): open alerts
//! by severity, HDD health, and CPU, memory and storage figures.
//!
//! Runs against the fake CloudTower (`cloudtower-fake`) by
//! default. With `CLOUDTOWER_URL`
//! (`http://<tower>/v2/api`) and `CLOUDTOWER_TOKEN` set it reads that
//! CloudTower (read-only); `CLOUDTOWER_DATACENTER_ID` or
//! `CLOUDTOWER_CLUSTER_ID` narrow it down.
//!
//! ```sh
//! cargo run -p cloudtower-api --example dashboard
//! ```
//!
//! Two slips of the guide's Python are fixed: CPU and memory usage are
//! shown as percentages (the guide divides without multiplying by 100),
//! and they are shown as soon as one cluster is not storage-only
//! (`SMTX_ZBS`; the guide requires more than one).

use cloudtower_api::types::{
    Alert, AlertWhereInput, Cluster, ClusterType, ClusterWhereInput, DatacenterWhereInput,
    DiskHealthStatus, DiskType, DiskUsageStatus, DiskWhereInput, HostWhereInput, Hypervisor,
};
use cloudtower_api::{CloudTower, ContentLanguage, Error};
use cloudtower_fake::Fake;
use futures::TryStreamExt;
use serde_json::{Value, json};

const BYTE_UNITS: &[&str] = &["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
const HZ_UNITS: &[&str] = &["Hz", "KHz", "MHz", "GHz", "THz"];

/// `base` in the largest unit that keeps it below `step`, two decimals.
fn format_unit(base: f64, units: &[&str], step: f64) -> String {
    if base <= 0.0 {
        return format!("0{}", units[0]);
    }
    let mut value = base;
    for unit in &units[..units.len() - 1] {
        if value < step {
            return format!("{value:.2}{unit}");
        }
        value /= step;
    }
    format!("{value:.2}{}", units[units.len() - 1])
}

/// Open alerts by severity.
#[derive(Default)]
struct Alerts {
    critical: Vec<Alert>,
    notice: Vec<Alert>,
    info: Vec<Alert>,
}

async fn build_alerts(ct: &CloudTower, cluster_ids: &[String]) -> Result<Alerts, Error> {
    // Generated types are `#[non_exhaustive]`: start from the default and
    // set fields, so that fields a newer spec adds break nothing here.
    let mut open = AlertWhereInput::default();
    open.ended = Some(false);
    open.cluster = Some(ClusterWhereInput::by_ids(cluster_ids));
    let alerts = ct.get_alerts(open).await?;
    let mut by_severity = Alerts::default();
    for alert in alerts {
        match alert.severity.as_str() {
            "CRITICAL" => by_severity.critical.push(alert),
            "NOTICE" => by_severity.notice.push(alert),
            "INFO" => by_severity.info.push(alert),
            _ => {}
        }
    }
    Ok(by_severity)
}

/// Mechanical disks by health.
#[derive(Default, Debug)]
struct Hdd {
    healthy: u32,
    warning: u32,
    error: u32,
    total: u32,
}

/// The hosts of these clusters.
fn hosts_of(cluster_ids: &[String]) -> HostWhereInput {
    let mut hosts = HostWhereInput::default();
    hosts.cluster = Some(ClusterWhereInput::by_ids(cluster_ids));
    hosts
}

/// Reads the disks 100 at a time, as a stream.
async fn build_hdd_info(ct: &CloudTower, cluster_ids: &[String]) -> Result<Hdd, Error> {
    let mut disks_of_clusters = DiskWhereInput::default();
    disks_of_clusters.host = Some(hosts_of(cluster_ids));
    ct.items(disks_of_clusters, 100)
        .try_fold(Hdd::default(), |mut hdd, disk| async move {
            use {DiskHealthStatus as H, DiskUsageStatus as U};
            if disk.type_ == DiskType::Hdd {
                if matches!(
                    disk.health_status,
                    Some(H::Unhealthy | H::Subhealthy | H::SmartFailed)
                ) {
                    hdd.error += 1;
                } else if matches!(disk.usage_status, Some(U::Unmounted | U::PartialMounted)) {
                    hdd.warning += 1;
                } else {
                    hdd.healthy += 1;
                }
                hdd.total += 1;
            }
            Ok(hdd)
        })
        .await
}

/// CPU, memory and storage totals (bytes and Hz).
#[derive(Default)]
struct Metrics {
    total_cpu_cores: i64,
    total_cpu_hz: f64,
    used_cpu_hz: f64,
    total_memory: f64,
    used_memory: f64,
    storage_total: f64,
    storage_used: f64,
    storage_invalid: f64,
    /// Whether CPU and memory apply (some cluster runs VMs).
    compute: bool,
}

async fn build_metrics(
    ct: &CloudTower,
    clusters: &[Cluster],
    cluster_ids: &[String],
) -> Result<Metrics, Error> {
    let hosts = ct.get_hosts(hosts_of(cluster_ids)).await?;
    let mut m = Metrics::default();
    for host in &hosts {
        let cluster = clusters.iter().find(|c| c.id == host.cluster.id);
        if cluster.is_some_and(|c| c.hypervisor == Some(Hypervisor::Elf)) {
            m.total_memory += host.total_memory_bytes as f64;
            m.used_memory += (host.running_pause_vm_memory_bytes + host.os_memory_bytes) as f64;
        }
    }
    for c in clusters {
        if c.type_ == ClusterType::SmtxOs {
            m.total_cpu_cores += i64::from(c.total_cpu_cores.unwrap_or(0));
            m.total_cpu_hz += c.total_cpu_hz.unwrap_or(0) as f64;
            m.used_cpu_hz += c.used_cpu_hz.unwrap_or(0.0);
            if c.hypervisor == Some(Hypervisor::Vmware) {
                m.total_memory += c.total_memory_bytes.unwrap_or(0) as f64;
                m.used_memory += c.used_memory_bytes.unwrap_or(0.0);
            }
        }
        m.storage_total += c.total_data_capacity.unwrap_or(0) as f64;
        m.storage_used += c.used_data_space.unwrap_or(0) as f64;
        m.storage_invalid += c.failure_data_space.unwrap_or(0) as f64;
    }
    m.compute = clusters.iter().any(|c| c.type_ != ClusterType::SmtxZbs);
    Ok(m)
}

fn percent(used: f64, total: f64) -> String {
    if total > 0.0 {
        format!("{:.2}%", used / total * 100.0)
    } else {
        "-".into()
    }
}

/// Prints the dashboard of a cluster, a datacenter, or everything.
async fn build_dashboard(
    ct: &CloudTower,
    datacenter_id: Option<&str>,
    cluster_id: Option<&str>,
) -> Result<(), Error> {
    println!("1. reading the clusters");
    let filter = match (cluster_id, datacenter_id) {
        (Some(id), _) => ClusterWhereInput::by_id(id),
        (None, Some(dc)) => {
            let mut in_datacenter = ClusterWhereInput::default();
            in_datacenter.datacenters_some = Some(DatacenterWhereInput::by_id(dc));
            in_datacenter
        }
        (None, None) => ClusterWhereInput::default(),
    };
    let clusters = ct.get_clusters(filter).await?;
    let cluster_ids: Vec<String> = clusters.iter().map(|c| c.id.clone()).collect();
    for c in &clusters {
        let hypervisor = c.hypervisor.as_ref().map_or("-".into(), |h| h.to_string());
        println!(
            "   {} ({}, {hypervisor}), version {}",
            c.name, c.type_, c.version
        );
    }

    println!("2. open alerts");
    let alerts = build_alerts(ct, &cluster_ids).await?;
    for (severity, list) in [
        ("critical", &alerts.critical),
        ("notice", &alerts.notice),
        ("info", &alerts.info),
    ] {
        println!("   {severity}: {}", list.len());
        for alert in list {
            println!("     - {}", alert.message);
        }
    }

    println!("3. mechanical disks (HDD)");
    let hdd = build_hdd_info(ct, &cluster_ids).await?;
    println!(
        "   {} healthy, {} warning, {} error, {} in all",
        hdd.healthy, hdd.warning, hdd.error, hdd.total
    );

    println!("4. CPU, memory and storage");
    let m = build_metrics(ct, &clusters, &cluster_ids).await?;
    if m.compute {
        println!(
            "   CPU: {} cores, {} of {} used ({})",
            m.total_cpu_cores,
            format_unit(m.used_cpu_hz, HZ_UNITS, 1000.0),
            format_unit(m.total_cpu_hz, HZ_UNITS, 1000.0),
            percent(m.used_cpu_hz, m.total_cpu_hz)
        );
        println!(
            "   memory: {} of {} used ({})",
            format_unit(m.used_memory, BYTE_UNITS, 1024.0),
            format_unit(m.total_memory, BYTE_UNITS, 1024.0),
            percent(m.used_memory, m.total_memory)
        );
    }
    let available = m.storage_total - m.storage_used - m.storage_invalid;
    println!(
        "   storage: {} in all, {} used, {} invalid, {} available",
        format_unit(m.storage_total, BYTE_UNITS, 1024.0),
        format_unit(m.storage_used, BYTE_UNITS, 1024.0),
        format_unit(m.storage_invalid, BYTE_UNITS, 1024.0),
        format_unit(available, BYTE_UNITS, 1024.0)
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let real = std::env::var("CLOUDTOWER_URL")
        .ok()
        .zip(std::env::var("CLOUDTOWER_TOKEN").ok());
    // Keep the fake alive for the whole run.
    let fake = match real {
        None => Some(start_fake().await?),
        Some(_) => None,
    };
    let ct = match (&real, &fake) {
        (Some((url, token)), _) => {
            println!("using the CloudTower at {url} (read-only)");
            CloudTower::new(url.as_str(), token.as_str())?
        }
        (None, Some(fake)) => {
            println!(
                "using the embedded fake CloudTower at {} (set CLOUDTOWER_URL and CLOUDTOWER_TOKEN for a real CloudTower)",
                fake.base_url()
            );
            fake.client()?
        }
        (None, None) => return Err("no CloudTower and no fake".into()),
    };
    // Alert texts in English.
    let ct = ct.with_language(ContentLanguage::EnUs)?;
    let datacenter = std::env::var("CLOUDTOWER_DATACENTER_ID").ok();
    let cluster = std::env::var("CLOUDTOWER_CLUSTER_ID").ok();
    build_dashboard(&ct, datacenter.as_deref(), cluster.as_deref()).await?;
    println!("done");
    Ok(())
}

/// A fake CloudTower with an SMTX OS (ELF) cluster of two hosts and a
/// storage-only SMTX ZBS cluster; the fake answers the dashboard's
/// filtered reads from these records.
async fn start_fake() -> Result<Fake, cloudtower_fake::FakeError> {
    let fake = Fake::start().await?;
    let (os, zbs) = ("cl2k0mpoy026n0822xq4ap5tz", "cl2k0mpoy026n0822zbs00001");
    let nested =
        |id: &str| json!({"id": id, "name": if id == os { "cluster-prod-01" } else { "zbs-01" }});
    // Each record goes into the collection of its schema.
    let post = |collection: &str, records: Value| {
        for record in records.as_array().into_iter().flatten() {
            fake.insert(collection, record);
        }
    };
    let cluster = |id: &str, name: &str, kind: &str, hypervisor: Value, cpu: Value| {
        json!({
            "id": id, "name": name, "type": kind, "hypervisor": hypervisor, "architecture": "X86_64",
            "connect_state": "CONNECTED", "version": "5.1.2", "ip": "192.168.13.40",
            "total_cpu_cores": cpu["cores"], "total_cpu_hz": cpu["hz"], "used_cpu_hz": cpu["used"],
            "total_memory_bytes": null, "used_memory_bytes": null,
            "total_data_capacity": 57174604644352u64, "used_data_space": 12094627905536u64,
            "failure_data_space": 0
        })
    };
    post(
        "Cluster",
        json!([
            cluster(
                os,
                "cluster-prod-01",
                "SMTX_OS",
                json!("ELF"),
                json!({"cores": 64, "hz": 153600000000u64, "used": 27648000000.0})
            ),
            cluster(zbs, "zbs-01", "SMTX_ZBS", Value::Null, json!({})),
        ]),
    );
    let alert = |id: &str, severity: &str, message: &str| {
        json!({
            "id": id, "local_id": id, "severity": severity, "message": message, "cause": "",
            "impact": "", "solution": "", "ended": false, "cluster": nested(os), "labels": {},
            "threshold": 0.0, "value": 1.0, "local_create_time": "2024-05-09T07:12:40.000Z",
            "local_start_time": "2024-05-09T07:12:40.000Z",
            "local_update_time": "2024-05-09T07:12:40.000Z", "local_end_time": ""
        })
    };
    post(
        "Alert",
        json!([
            alert(
                "a1",
                "CRITICAL",
                "The disk sdc on host node-13-41 is unhealthy."
            ),
            alert(
                "a2",
                "NOTICE",
                "The host node-13-42 is running without a redundant power supply."
            ),
            alert("a3", "INFO", "A new SMTX OS version is available."),
        ]),
    );
    let host = |id: &str, name: &str| {
        json!({
            "id": id, "name": name, "local_id": id, "cluster": nested(os),
            "status": "CONNECTED_HEALTHY", "state": "IN_USE", "management_ip": "192.168.13.41",
            "model": "SMTX HCI 1000", "cpu_model": "Intel(R) Xeon(R) Gold 6230",
            "cpu_hz_per_core": 2400000000u64, "total_cpu_cores": 32, "total_cpu_hz": 76800000000u64,
            "provisioned_cpu_cores": 56, "nested_virtualization": false,
            "total_memory_bytes": 274877906944u64, "allocatable_memory_bytes": 137438953472u64,
            "os_memory_bytes": 34359738368u64, "running_pause_vm_memory_bytes": 103079215104u64,
            "provisioned_memory_bytes": 183251937280u64, "total_data_capacity": 19058201548117u64,
            "used_data_space": 4031542635178u64, "failure_data_space": 0,
            "hdd_data_capacity": 15994458210304u64, "hdd_disk_count": 4,
            "ssd_data_capacity": 3063743337813u64, "ssd_disk_count": 2
        })
    };
    post(
        "Host",
        json!([host("h1", "node-13-41"), host("h2", "node-13-42")]),
    );
    let disk = |name: &str, kind: &str, health: &str, usage: &str| {
        json!({
            "id": format!("disk-{name}"), "name": name, "local_id": name, "type": kind,
            "host": {"id": "h1", "name": "node-13-41", "management_ip": "192.168.13.41"},
            "size": 3998614552576u64, "model": "ST4000NM0035", "serial": "ZC1AB2CD",
            "firmware": "TN05", "path": format!("/dev/{name}"), "usage": "DATA",
            "health_status": health, "usage_status": usage, "healthy": health == "HEALTHY",
            "mounted": usage == "MOUNTED", "offline": false
        })
    };
    post(
        "Disk",
        json!([
            disk("sdb", "HDD", "HEALTHY", "MOUNTED"),
            disk("sdc", "HDD", "UNHEALTHY", "MOUNTED"),
            disk("sdd", "HDD", "HEALTHY", "UNMOUNTED"),
            disk("sde", "HDD", "HEALTHY", "MOUNTED"),
            disk("nvme0n1", "SSD", "HEALTHY", "MOUNTED"),
        ]),
    );
    Ok(fake)
}

//! Typed values in the shapes v2 returns, built from the spec's examples.
//!
//! ```
//! use tensordock_fake::v2::fixtures;
//! let instance = fixtures::instance("468b716a-6747-4cbe-9f13-afc153a21c14", "trainer", "running");
//! assert_eq!(instance.status, "running");
//! assert_eq!(instance.ip_address.as_deref(), Some("174.94.145.71"));
//! let hostnode = fixtures::hostnode("hn-1", "geforcertx4090-pcie-24gb", 4, 0.4);
//! assert_eq!(hostnode.id, "hn-1");
//! ```

use std::collections::BTreeMap;

use serde_json::{Value, json};

use tensordock_api::v2::types;

/// An instance (as getInstance returns it) with this id, name and
/// status: one RTX 4090, 8 vCPUs, 32 GB RAM, 200 GB storage, SSH
/// forwarded from port 20456.
pub fn instance(id: &str, name: &str, status: &str) -> types::Instance {
    typed(instance_json(id, name, status))
}

/// A hostnode at the fake's location with `gpus` GPUs of `gpu_model`.
pub fn hostnode(id: &str, gpu_model: &str, gpus: i64, price_per_hr: f64) -> types::Hostnode {
    typed(hostnode_json(id, gpu_model, gpus, price_per_hr))
}

/// A location offering up to `count` GPUs of `gpu_model`.
pub fn location(id: &str, gpu_model: &str, count: i64, price_per_hr: f64) -> types::Location {
    let offers = BTreeMap::from([(gpu_model.to_string(), (count, price_per_hr))]);
    typed(location_json(id, &offers))
}

/// The fixtures are the spec's examples with a few values replaced,
/// so they always read as the generated types (the fake's tests check
/// it).
fn typed<T: serde::de::DeserializeOwned>(value: Value) -> T {
    match serde_json::from_value(value) {
        Ok(typed) => typed,
        Err(e) => unreachable!("a fixture no longer matches the spec: {e}"),
    }
}

pub(super) fn instance_json(id: &str, name: &str, status: &str) -> Value {
    json!({
        "type": "virtualmachine", "id": id, "name": name, "status": status,
        "ipAddress": "174.94.145.71",
        "portForwards": [{"internal_port": 22, "external_port": 20456}],
        "rateHourly": 0.272999,
        "resources": {"vcpu_count": 8, "ram_gb": 32, "storage_gb": 200,
                      "gpus": {super::GPU_MODEL: {"count": 1, "v0Name": super::GPU_MODEL}}}
    })
}

pub(super) fn hostnode_json(id: &str, gpu_model: &str, gpus: i64, price_per_hr: f64) -> Value {
    json!({
        "id": id, "location_id": super::LOCATION, "engine": "kvm", "uptime_percentage": 99.9,
        "available_resources": {
            "gpus": [{"v0Name": gpu_model, "availableCount": gpus, "price_per_hr": price_per_hr}],
            "vcpu_count": 32, "ram_gb": 128, "storage_gb": 2000,
            "available_ports": (20000..20010).collect::<Vec<i64>>(),
            "has_public_ip_available": true
        },
        "pricing": {"per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005},
        "location": {"uuid": super::LOCATION, "city": "Chubbuck", "stateprovince": "Idaho",
                     "country": "United States", "has_network_storage": false,
                     "network_speed_gbps": 10, "network_speed_upload_gbps": 10,
                     "organization": "org", "organizationName": "Org", "tier": 1}
    })
}

pub(super) fn location_json(id: &str, offers: &BTreeMap<String, (i64, f64)>) -> Value {
    let gpus: Vec<Value> = offers
        .iter()
        .map(|(model, (count, price))| {
            json!({
                "v0Name": model, "displayName": display_name(model), "max_count": count,
                "price_per_hr": price,
                "resources": {"max_vcpus": 32, "max_ram_gb": 128, "max_storage_gb": 2000},
                "pricing": {"per_vcpu_hr": 0.003, "per_gb_ram_hr": 0.002, "per_gb_storage_hr": 0.00005},
                "network_features": {"dedicated_ip_available": true, "port_forwarding_available": true,
                                     "network_storage_available": false}
            })
        })
        .collect();
    json!({"id": id, "city": "Chubbuck", "stateprovince": "Idaho", "country": "United States",
           "tier": 1, "gpus": gpus})
}

/// `geforcertx4090-pcie-24gb` as the service shows it
/// (`NVIDIA GeForce RTX 4090 PCIe 24GB`), for the models it names so.
fn display_name(model: &str) -> String {
    match model {
        "geforcertx4090-pcie-24gb" => "NVIDIA GeForce RTX 4090 PCIe 24GB".to_string(),
        other => other.to_string(),
    }
}

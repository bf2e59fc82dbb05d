//! Typed views of the generated v2 types: the instance status, IP address,
//! port forwards and SSH endpoint.

use std::fmt;

use super::types;
use crate::ports::{self, PortMapping, PortMappings, PortParseError};

/// An instance's status.
///
/// The API sends a free string whose spelling varies (`running` next to
/// `Stopped`, `StoppedDisassociated` next to `stopped_disassociated`), so
/// [`InstanceStatus::parse`] ignores case, `_`, `-` and spaces. Values it
/// does not know are kept in [`InstanceStatus::Other`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InstanceStatus {
    /// Running.
    Running,
    /// Booting after a create or start.
    Starting,
    /// Shutting down after a stop.
    Stopping,
    /// Stopped with its resources kept.
    Stopped,
    /// Stopped with its GPU released; it may not get the same GPU back.
    StoppedDisassociated,
    /// Any other value, verbatim.
    Other(String),
    /// The response had no status (list items and create answers may lack
    /// one).
    Missing,
}

impl InstanceStatus {
    /// Parses a status string, ignoring case, `_`, `-` and spaces.
    ///
    /// ```
    /// use tensordock_api::v2::InstanceStatus;
    /// assert_eq!(InstanceStatus::parse("running"), InstanceStatus::Running);
    /// assert_eq!(
    ///     InstanceStatus::parse("stopped_disassociated"),
    ///     InstanceStatus::StoppedDisassociated
    /// );
    /// assert_eq!(InstanceStatus::parse("Queued"), InstanceStatus::Other("Queued".into()));
    /// ```
    pub fn parse(s: &str) -> Self {
        match cloud_common::status_key(s).as_str() {
            "running" => Self::Running,
            "starting" => Self::Starting,
            "stopping" => Self::Stopping,
            "stopped" => Self::Stopped,
            "stoppeddisassociated" => Self::StoppedDisassociated,
            _ => Self::Other(s.to_string()),
        }
    }

    /// Whether the instance is on or coming up (`running`, `starting`), as
    /// the API docs group them.
    pub fn is_on(&self) -> bool {
        matches!(self, Self::Running | Self::Starting)
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Running => f.write_str("running"),
            Self::Starting => f.write_str("starting"),
            Self::Stopping => f.write_str("stopping"),
            Self::Stopped => f.write_str("Stopped"),
            Self::StoppedDisassociated => f.write_str("StoppedDisassociated"),
            Self::Other(s) => f.write_str(s),
            Self::Missing => f.write_str("(no status)"),
        }
    }
}

/// Where to reach an instance over SSH.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SshEndpoint {
    /// The public IP address.
    pub host: String,
    /// The external port forwarded to port 22 (22 itself with a dedicated
    /// IP).
    pub port: u16,
}

impl SshEndpoint {
    /// The `ssh` command line for `user`. The default login differs between
    /// images (reports name both `user` and `root`), so it is yours to give.
    ///
    /// ```
    /// use tensordock_api::v2::SshEndpoint;
    /// let ssh = SshEndpoint { host: "203.0.113.7".into(), port: 20456 };
    /// assert_eq!(ssh.command("user"), "ssh -p 20456 user@203.0.113.7");
    /// ```
    pub fn command(&self, user: &str) -> String {
        format!("ssh -p {} {user}@{}", self.port, self.host)
    }
}

impl fmt::Display for SshEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Typed views of an instance, for each type the API describes one with:
/// [`types::Instance`] (getInstance), [`types::InstanceListItem`]
/// (listInstances) and [`types::CreatedInstanceData`] (createInstance, which
/// never has an IP or port forwards).
pub trait InstanceExt {
    /// The typed status.
    fn state(&self) -> InstanceStatus;

    /// The public IP address, once assigned (the API sends an empty string
    /// or `null` before).
    fn ip(&self) -> Option<&str>;

    /// The port forwards the server reports (the external ports may differ
    /// from those requested). Empty with a dedicated IP.
    fn port_mappings(&self) -> Result<PortMappings, PortParseError>;

    /// Where to reach port 22: the IP address and the external port
    /// forwarded to 22, or port 22 itself when there are no forwards (a
    /// dedicated IP). `None` without an IP, or when forwards exist but none
    /// reaches 22.
    fn ssh_endpoint(&self) -> Option<SshEndpoint> {
        let host = self.ip()?.to_string();
        let ports = self.port_mappings().ok()?;
        let port = if ports.is_empty() {
            22
        } else {
            ports.external_for(22)?
        };
        Some(SshEndpoint { host, port })
    }
}

fn status_of(status: Option<&str>) -> InstanceStatus {
    status.map_or(InstanceStatus::Missing, InstanceStatus::parse)
}

fn non_empty(ip: Option<&String>) -> Option<&str> {
    ip.map(|s| s.trim()).filter(|s| !s.is_empty())
}

/// Reads the API's `[{internal_port, external_port}]`.
pub(super) fn mappings(forwards: &[types::PortForward]) -> Result<PortMappings, PortParseError> {
    forwards
        .iter()
        .map(|f| {
            Ok(PortMapping {
                external: ports::port(f.external_port)?,
                internal: ports::port(f.internal_port)?,
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(PortMappings)
}

/// Writes forwards as the API's `[{internal_port, external_port}]`.
pub(super) fn forwards(ports: &PortMappings) -> Vec<types::PortForward> {
    ports
        .iter()
        .map(|m| types::PortForward {
            external_port: i64::from(m.external),
            internal_port: i64::from(m.internal),
        })
        .collect()
}

impl InstanceExt for types::Instance {
    fn state(&self) -> InstanceStatus {
        InstanceStatus::parse(&self.status)
    }

    fn ip(&self) -> Option<&str> {
        non_empty(self.ip_address.as_ref())
    }

    fn port_mappings(&self) -> Result<PortMappings, PortParseError> {
        mappings(&self.port_forwards)
    }
}

impl InstanceExt for types::InstanceListItem {
    /// The status under `attributes` (the documented shapes), else the flat
    /// one (the shape seen live).
    fn state(&self) -> InstanceStatus {
        let nested = self.attributes.as_ref().and_then(|a| a.status.as_deref());
        status_of(nested.or(self.status.as_deref()))
    }

    fn ip(&self) -> Option<&str> {
        non_empty(self.ip_address.as_ref())
    }

    fn port_mappings(&self) -> Result<PortMappings, PortParseError> {
        mappings(&self.port_forwards)
    }
}

impl InstanceExt for types::CreatedInstanceData {
    fn state(&self) -> InstanceStatus {
        status_of(self.status.as_deref())
    }

    /// Always `None`: the create answer carries no IP address.
    fn ip(&self) -> Option<&str> {
        None
    }

    /// Always empty: the create answer carries no port forwards.
    fn port_mappings(&self) -> Result<PortMappings, PortParseError> {
        Ok(PortMappings::new())
    }
}

/// Moves `name` and `status` from `attributes` (where the documented list
/// shapes put them) to the flat fields (where the live shape and
/// getInstance have them), so callers read one place. `attributes` wins
/// when both are present, as the spec says to read it first.
pub(super) fn flatten_listed(mut item: types::InstanceListItem) -> types::InstanceListItem {
    if let Some(attributes) = &item.attributes {
        if let Some(name) = &attributes.name {
            item.name = Some(name.clone());
        }
        if let Some(status) = &attributes.status {
            item.status = Some(status.clone());
        }
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_parse_ignoring_case_and_separators() {
        let cases = [
            ("running", InstanceStatus::Running),
            ("Running", InstanceStatus::Running),
            ("starting", InstanceStatus::Starting),
            ("stopping", InstanceStatus::Stopping),
            ("Stopped", InstanceStatus::Stopped),
            ("stopped", InstanceStatus::Stopped),
            ("StoppedDisassociated", InstanceStatus::StoppedDisassociated),
            (
                "stopped_disassociated",
                InstanceStatus::StoppedDisassociated,
            ),
            (
                "Stopped-Disassociated",
                InstanceStatus::StoppedDisassociated,
            ),
            (
                "stopped disassociated",
                InstanceStatus::StoppedDisassociated,
            ),
            ("queued", InstanceStatus::Other("queued".into())),
        ];
        for (raw, want) in cases {
            assert_eq!(InstanceStatus::parse(raw), want, "{raw}");
        }
        assert!(InstanceStatus::Starting.is_on() && !InstanceStatus::Stopped.is_on());
    }

    fn instance(value: serde_json::Value) -> types::Instance {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn ssh_goes_through_the_port_forwarded_to_22() {
        let vm = instance(json!({
            "id": "i", "status": "running", "ipAddress": "174.94.145.71",
            "portForwards": [{"internal_port": 80, "external_port": 20457},
                             {"internal_port": 22, "external_port": 20456}]
        }));
        let ssh = vm.ssh_endpoint().unwrap();
        assert_eq!(ssh.to_string(), "174.94.145.71:20456");
        assert_eq!(vm.port_mappings().unwrap().internal_for(20457), Some(80));
    }

    #[test]
    fn a_dedicated_ip_has_no_forwards_and_uses_port_22() {
        let vm = instance(json!({"id": "i", "status": "running", "ipAddress": "203.0.113.9"}));
        assert_eq!(vm.ssh_endpoint().unwrap().port, 22);
    }

    #[test]
    fn no_ip_means_no_endpoint() {
        for ip in [json!(""), json!(null), json!("  ")] {
            let vm = instance(json!({"id": "i", "status": "running", "ipAddress": ip}));
            assert_eq!((vm.ip(), vm.ssh_endpoint()), (None, None));
        }
        let vm = instance(json!({
            "id": "i", "status": "running", "ipAddress": "203.0.113.9",
            "portForwards": [{"internal_port": 80, "external_port": 20457}]
        }));
        assert_eq!(vm.ssh_endpoint(), None, "forwards exist, none to 22");
    }

    #[test]
    fn impossible_ports_are_errors() {
        let vm = instance(json!({
            "id": "i", "status": "running",
            "portForwards": [{"internal_port": 22, "external_port": 70000}]
        }));
        assert!(vm.port_mappings().is_err());
    }

    #[test]
    fn forwards_round_trip() {
        let ports = PortMappings::new().map(20000, 22).map(20001, 80);
        assert_eq!(mappings(&forwards(&ports)).unwrap(), ports);
    }

    #[test]
    fn listed_items_read_attributes_first() {
        let item: types::InstanceListItem = serde_json::from_value(json!({
            "id": "i", "status": "stopped", "attributes": {"name": "n", "status": "running"}
        }))
        .unwrap();
        assert_eq!(item.state(), InstanceStatus::Running);
        let flat = flatten_listed(item);
        assert_eq!(
            (flat.name.as_deref(), flat.status.as_deref()),
            (Some("n"), Some("running"))
        );
        let bare: types::InstanceListItem = serde_json::from_value(json!({"id": "i"})).unwrap();
        assert_eq!(bare.state(), InstanceStatus::Missing);
    }
}

//! Small typed helpers over the generated v0 types.

use std::fmt;

use super::generated;
use super::ports::{PortMappings, PortParseError};
use super::types::{self, builder};

/// Filters for [`TensorDock::list_hostnodes`](super::TensorDock::list_hostnodes).
/// The server filters coarsely: check the returned GPUs yourself.
///
/// ```
/// use tensordock_api::v0::HostnodeFilter;
/// let filter = HostnodeFilter { min_gpu_count: Some(1), requires_rtx: Some(true), ..Default::default() };
/// assert_eq!(filter.min_vcpus, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostnodeFilter {
    /// `minGPUCount`.
    pub min_gpu_count: Option<u64>,
    /// `maxGPUCount` (0 lists CPU-only hosts).
    pub max_gpu_count: Option<u64>,
    /// `minvCPUs`.
    pub min_vcpus: Option<u64>,
    /// `minRAM`, GB.
    pub min_ram_gb: Option<u64>,
    /// `minStorage`, GB.
    pub min_storage_gb: Option<u64>,
    /// `minVRAM`, GB per GPU.
    pub min_vram_gb: Option<u64>,
    /// `requiresRTX`.
    pub requires_rtx: Option<bool>,
    /// `requiresGTX`.
    pub requires_gtx: Option<bool>,
}

impl HostnodeFilter {
    pub(super) fn apply<'a>(
        &self,
        mut b: generated::builder::ListHostnodes<'a>,
    ) -> generated::builder::ListHostnodes<'a> {
        if let Some(v) = self.min_gpu_count {
            b = b.min_gpu_count(v);
        }
        if let Some(v) = self.max_gpu_count {
            b = b.max_gpu_count(v);
        }
        if let Some(v) = self.min_vcpus {
            b = b.minv_cp_us(v);
        }
        if let Some(v) = self.min_ram_gb {
            b = b.min_ram(v);
        }
        if let Some(v) = self.min_storage_gb {
            b = b.min_storage(v);
        }
        if let Some(v) = self.min_vram_gb {
            b = b.min_vram(v);
        }
        if let Some(v) = self.requires_rtx {
            b = b.requires_rtx(v);
        }
        if let Some(v) = self.requires_gtx {
            b = b.requires_gtx(v);
        }
        b
    }
}

/// Typed setters for the deploy body.
pub trait DeployVmExt: Sized {
    /// Sets `external_ports` and `internal_ports` from one list, so they
    /// cannot be mispaired.
    fn ports(self, ports: &PortMappings) -> Self;
    /// Sets `cloudinit_script`, sending newlines as the two characters `\n`
    /// the way working clients do.
    fn cloud_init(self, script: &str) -> Self;
}

impl DeployVmExt for builder::DeployVmRequest {
    fn ports(self, ports: &PortMappings) -> Self {
        self.external_ports(ports.external_ports())
            .internal_ports(ports.internal_ports())
    }

    fn cloud_init(self, script: &str) -> Self {
        self.cloudinit_script(script.replace("\r\n", "\n").replace('\n', "\\n"))
    }
}

/// A VM's state. Unknown values are kept in [`VmStatus::Other`]; matching
/// goes through [`cloud_common::status_key`] (`running` has been seen next
/// to `Running`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VmStatus {
    /// Running.
    Running,
    /// Stopped with its GPU still reserved (billed at the running rate).
    Stopped,
    /// Stopped with its GPU released (billed for storage only).
    StoppedDisassociated,
    /// A spot VM whose bid was beaten.
    Outbid,
    /// Any other value, verbatim.
    Other(String),
    /// The response had no status.
    Missing,
}

impl VmStatus {
    /// Parses a status string.
    pub fn parse(s: &str) -> Self {
        match cloud_common::status_key(s).as_str() {
            "running" => Self::Running,
            "stopped" => Self::Stopped,
            "stoppeddisassociated" => Self::StoppedDisassociated,
            "outbid" => Self::Outbid,
            _ => Self::Other(s.to_string()),
        }
    }
}

impl fmt::Display for VmStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Running => f.write_str("Running"),
            Self::Stopped => f.write_str("Stopped"),
            Self::StoppedDisassociated => f.write_str("StoppedDisassociated"),
            Self::Outbid => f.write_str("Outbid"),
            Self::Other(s) => f.write_str(s),
            Self::Missing => f.write_str("(no status)"),
        }
    }
}

/// Typed views of a [`types::VirtualMachine`].
pub trait VmStatusExt {
    /// The typed status.
    fn state(&self) -> VmStatus;
    /// The port forwards, typed.
    fn port_mappings(&self) -> Result<PortMappings, PortParseError>;
}

impl VmStatusExt for types::VirtualMachine {
    fn state(&self) -> VmStatus {
        self.status
            .as_deref()
            .map_or(VmStatus::Missing, VmStatus::parse)
    }

    fn port_mappings(&self) -> Result<PortMappings, PortParseError> {
        self.port_forwards
            .as_ref()
            .map_or_else(|| Ok(PortMappings::new()), PortMappings::from_forwards)
    }
}

/// Takes the hostnode out of a detail response: under `hostnode` (seen in
/// practice) or under its own UUID (the SDK's docstring).
pub(super) fn hostnode_from(
    response: types::GetHostnodeResponse,
    uuid: &str,
) -> Result<types::Hostnode, String> {
    if let Some(h) = response.hostnode {
        return Ok(h);
    }
    let value = response
        .extra
        .get(uuid)
        .or_else(|| {
            // Tolerate a differently cased UUID key.
            response
                .extra
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(uuid))
                .map(|(_, v)| v)
        })
        .ok_or_else(|| {
            "the response holds neither `hostnode` nor a key equal to the hostnode id".to_string()
        })?;
    serde_json::from_value(value.clone())
        .map_err(|e| format!("the hostnode under its id is malformed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_ignoring_case_and_keep_unknown_values() {
        assert_eq!(VmStatus::parse("Running"), VmStatus::Running);
        assert_eq!(VmStatus::parse("running"), VmStatus::Running);
        assert_eq!(
            VmStatus::parse("StoppedDisassociated"),
            VmStatus::StoppedDisassociated
        );
        assert_eq!(VmStatus::parse("Outbid"), VmStatus::Outbid);
        assert_eq!(
            VmStatus::parse("Migrating"),
            VmStatus::Other("Migrating".into())
        );
    }

    #[test]
    fn cloud_init_newlines_are_escaped() {
        let body = types::DeployVmRequest::builder().cloud_init("a\nb\r\nc");
        let body = super::super::DeployVmExt::ports(body, &PortMappings::new().map(1, 2));
        // Conversion fails for the missing required fields, but the setter
        // values are visible through the builder's Debug output.
        let shown = format!("{body:?}");
        assert!(shown.contains(r"a\\nb\\nc"), "{shown}");
    }
}

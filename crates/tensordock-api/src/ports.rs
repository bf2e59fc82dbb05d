//! Typed port forwards, shared by every API version: each version converts
//! them to and from its own wire format (v0: the `"{30118, 30117}"` string
//! pair and `port_forwards` maps; v2: `[{internal_port, external_port}]`).

use std::fmt;

/// One forward: traffic to `external` on the host reaches `internal` in the
/// VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortMapping {
    /// Port on the hostnode's public IP; one of the hostnode's free ports
    /// (v0: `networking.ports`, v2: `available_resources.available_ports`).
    pub external: u16,
    /// Port inside the VM, e.g. 22.
    pub internal: u16,
}

/// An ordered list of port forwards.
///
/// Built once and handed to either API version, so the external and
/// internal halves of a forward can never be mispaired.
///
/// ```
/// use tensordock_api::ports::PortMappings;
/// let ports = PortMappings::new().map(30118, 22).map(30117, 80);
/// assert_eq!(ports.external_for(22), Some(30118));
/// assert_eq!(ports.internal_for(30117), Some(80));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortMappings(pub(crate) Vec<PortMapping>);

/// A port list or forward that is not a valid port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortParseError(pub(crate) String);

impl fmt::Display for PortParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid port: {}", self.0)
    }
}

impl std::error::Error for PortParseError {}

impl PortMappings {
    /// No forwards.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a forward from `external` to `internal`.
    pub fn map(mut self, external: u16, internal: u16) -> Self {
        self.0.push(PortMapping { external, internal });
        self
    }

    /// The forwards, in order.
    pub fn iter(&self) -> impl Iterator<Item = &PortMapping> {
        self.0.iter()
    }

    /// How many forwards there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The internal port that `external` forwards to, if any.
    pub fn internal_for(&self, external: u16) -> Option<u16> {
        self.0
            .iter()
            .find(|m| m.external == external)
            .map(|m| m.internal)
    }

    /// The external port that reaches `internal` (e.g. the SSH port for 22).
    pub fn external_for(&self, internal: u16) -> Option<u16> {
        self.0
            .iter()
            .find(|m| m.internal == internal)
            .map(|m| m.external)
    }
}

impl FromIterator<(u16, u16)> for PortMappings {
    fn from_iter<I: IntoIterator<Item = (u16, u16)>>(iter: I) -> Self {
        Self(
            iter.into_iter()
                .map(|(external, internal)| PortMapping { external, internal })
                .collect(),
        )
    }
}

impl FromIterator<PortMapping> for PortMappings {
    fn from_iter<I: IntoIterator<Item = PortMapping>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A port number from the wire, where it may arrive as any integer.
#[cfg_attr(not(any(feature = "v0", feature = "v2")), allow(dead_code))]
pub(crate) fn port(value: i64) -> Result<u16, PortParseError> {
    u16::try_from(value).map_err(|_| PortParseError(value.to_string()))
}

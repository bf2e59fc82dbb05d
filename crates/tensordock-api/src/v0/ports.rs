//! v0's wire formats for the shared [`PortMappings`]: the
//! `"{30118, 30117}"` strings a deploy speaks and the `port_forwards` maps
//! a VM reports.

use super::types::{PortForwards, PortValue};

/// Re-exported from [`crate::ports`], where they moved so that v2 shares
/// them; kept here so that v0 code keeps compiling unchanged.
pub use crate::ports::{PortMapping, PortMappings, PortParseError};

/// The v0 string and map formats.
///
/// ```
/// use tensordock_api::v0::PortMappings;
/// let ports = PortMappings::new().map(30118, 22).map(30117, 80);
/// assert_eq!(ports.external_ports(), "{30118, 30117}");
/// assert_eq!(ports.internal_ports(), "{22, 80}");
/// ```
impl PortMappings {
    /// The `external_ports` form value, e.g. `{30118, 30117}`.
    pub fn external_ports(&self) -> String {
        set_literal(self.0.iter().map(|m| m.external))
    }

    /// The `internal_ports` form value, e.g. `{22, 80}`.
    pub fn internal_ports(&self) -> String {
        set_literal(self.0.iter().map(|m| m.internal))
    }

    /// Parses the two strings of a deploy request back into forwards.
    /// Accepts `{…}` and `[…]` (the official web template sends brackets).
    ///
    /// ```
    /// use tensordock_api::v0::PortMappings;
    /// let ports = PortMappings::from_lists("{30118, 30117}", "[22, 80]").unwrap();
    /// assert_eq!(ports.internal_for(30117), Some(80));
    /// ```
    pub fn from_lists(external: &str, internal: &str) -> Result<Self, PortParseError> {
        let ext = parse_list(external)?;
        let int = parse_list(internal)?;
        if ext.len() != int.len() {
            return Err(PortParseError(format!(
                "{} external ports but {} internal ports",
                ext.len(),
                int.len()
            )));
        }
        Ok(Self(
            ext.into_iter()
                .zip(int)
                .map(|(external, internal)| PortMapping { external, internal })
                .collect(),
        ))
    }

    /// Reads a response's `port_forwards` (external port → internal port,
    /// values as integers or, in older responses, strings), sorted by
    /// external port.
    pub fn from_forwards(forwards: &PortForwards) -> Result<Self, PortParseError> {
        let mut out = Vec::with_capacity(forwards.len());
        for (external, internal) in forwards.iter() {
            let internal = match internal {
                PortValue::Integer(i) => crate::ports::port(*i)?,
                PortValue::String(s) => parse_port(s)?,
            };
            out.push(PortMapping {
                external: parse_port(external)?,
                internal,
            });
        }
        out.sort();
        Ok(Self(out))
    }
}

fn set_literal(ports: impl Iterator<Item = u16>) -> String {
    let inner: Vec<String> = ports.map(|p| p.to_string()).collect();
    format!("{{{}}}", inner.join(", "))
}

fn parse_port(s: &str) -> Result<u16, PortParseError> {
    s.trim().parse().map_err(|_| PortParseError(s.to_string()))
}

fn parse_list(s: &str) -> Result<Vec<u16>, PortParseError> {
    let t = s.trim();
    let inner = t
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| t.strip_prefix('[').and_then(|r| r.strip_suffix(']')))
        .ok_or_else(|| PortParseError(s.to_string()))?;
    if inner.trim().is_empty() {
        return Ok(Vec::new());
    }
    inner.split(',').map(parse_port).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn forwards_accept_integers_and_strings() {
        let forwards: PortForwards = HashMap::from([
            ("30118".to_string(), PortValue::Integer(22)),
            ("30117".to_string(), PortValue::String("80".to_string())),
        ])
        .into();
        let ports = PortMappings::from_forwards(&forwards).unwrap();
        assert_eq!(ports, PortMappings::new().map(30117, 80).map(30118, 22));
        assert_eq!(ports.external_for(22), Some(30118));
    }

    #[test]
    fn bad_values_are_errors() {
        let forwards: PortForwards =
            HashMap::from([("x".to_string(), PortValue::Integer(22))]).into();
        assert!(PortMappings::from_forwards(&forwards).is_err());
        let forwards: PortForwards =
            HashMap::from([("1".to_string(), PortValue::Integer(70000))]).into();
        assert!(PortMappings::from_forwards(&forwards).is_err());
        assert!(PortMappings::from_lists("{1, 2}", "{3}").is_err());
        assert!(PortMappings::from_lists("1, 2", "3, 4").is_err());
    }

    #[test]
    fn lists_round_trip() {
        let ports = PortMappings::from_iter([(30118, 22), (30117, 80)]);
        let back =
            PortMappings::from_lists(&ports.external_ports(), &ports.internal_ports()).unwrap();
        assert_eq!(ports, back);
    }
}

//! The values the command line parses: `<provider>:<id>`, states,
//! durations.

use std::time::Duration;

use cloud_common::InstanceState;

use crate::targets::PROVIDERS;

/// `<provider>:<id>`.
#[derive(Debug, Clone)]
pub struct Ref {
    pub provider: &'static str,
    pub id: String,
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.provider, self.id)
    }
}

/// One of [`PROVIDERS`].
pub fn provider(s: &str) -> Result<&'static str, String> {
    PROVIDERS
        .iter()
        .find(|p| **p == s)
        .copied()
        .ok_or_else(|| format!("unknown provider {s:?}; one of {}", PROVIDERS.join(", ")))
}

/// `<provider>:<id>`.
pub fn instance_ref(s: &str) -> Result<Ref, String> {
    let (p, id) = s
        .split_once(':')
        .ok_or_else(|| format!("{s:?} is not <provider>:<id>"))?;
    if id.is_empty() {
        return Err(format!("{s:?} has no id after the colon"));
    }
    Ok(Ref {
        provider: provider(p)?,
        id: id.to_string(),
    })
}

/// A neutral state by its name.
pub fn state(s: &str) -> Result<InstanceState, String> {
    use InstanceState as S;
    Ok(match s {
        "creating" => S::Creating,
        "starting" => S::Starting,
        "running" => S::Running,
        "stopping" => S::Stopping,
        "stopped" => S::Stopped,
        "suspended" => S::Suspended,
        "deleting" => S::Deleting,
        "deleted" => S::Deleted,
        "error" => S::Error,
        _ => return Err(format!("unknown state {s:?}")),
    })
}

/// `90s`, `10m`, `1h`, `500ms` (a bare number is seconds).
pub fn duration(s: &str) -> Result<Duration, String> {
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 90s, 10m or 1h"))?;
    Ok(match unit {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n * 60),
        "h" => Duration::from_secs(n * 3600),
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m or h)")),
    })
}

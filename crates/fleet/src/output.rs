//! Tables for people, JSON, YAML and NDJSON for scripts: the format
//! names and the neutral commands' rows (any other answer prints through
//! [`crate::render`]).

use std::io::IsTerminal;

use cloud_common::{Instance, InstanceState};
use serde::Serialize;

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns (coloured on a terminal unless NO_COLOR is set).
    Table,
    /// One JSON document.
    Json,
    /// One YAML document.
    Yaml,
    /// One JSON object a line: each item of a list (as pages arrive, with
    /// `--paginate`), for streaming into other tools.
    Ndjson,
}

/// An instance as scripts see it: these field names are stable.
#[derive(Debug, Serialize)]
pub struct Row {
    pub provider: &'static str,
    pub id: String,
    pub name: Option<String>,
    pub state: String,
    pub gpu_model: Option<String>,
    pub gpu_count: Option<u32>,
    pub vcpus: Option<u32>,
    pub memory_gib: Option<f64>,
}

impl Row {
    /// `provider` is the command line's name (e.g. `tensordock-v0`), not
    /// the crate's.
    pub fn new(provider: &'static str, i: &Instance) -> Self {
        Self {
            provider,
            id: i.id.clone(),
            name: i.name.clone(),
            state: state_word(&i.state),
            gpu_model: i.gpu_model.clone(),
            gpu_count: i.gpu_count,
            vcpus: i.vcpus,
            memory_gib: i.memory_gib,
        }
    }

    fn cells(&self) -> Vec<String> {
        let gpu = match (&self.gpu_model, self.gpu_count) {
            (Some(m), Some(n)) => format!("{n}x {m}"),
            (Some(m), None) => m.clone(),
            (None, Some(n)) if n > 0 => format!("{n}x"),
            _ => "-".into(),
        };
        let opt = |v: Option<String>| v.unwrap_or_else(|| "-".into());
        vec![
            self.provider.to_string(),
            self.id.clone(),
            opt(self.name.clone()),
            self.state.clone(),
            gpu,
            opt(self.vcpus.map(|v| v.to_string())),
            opt(self.memory_gib.map(|m| format!("{m} GiB"))),
        ]
    }
}

/// The state as one word: `other:<native>` for a state with no neutral
/// name, so the JSON field stays a plain string.
pub fn state_word(s: &InstanceState) -> String {
    match s {
        InstanceState::Other(raw) => format!("other:{raw}"),
        s => s.to_string(),
    }
}

/// Colours on stdout: only on a terminal, never with `NO_COLOR`.
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `padded` in the colour of `state` (a neutral state or a provider's
/// status, in lower case).
pub fn paint(state: &str, padded: String) -> String {
    let code = match state {
        "running" | "successed" => "32",
        "error" | "deleted" | "failed" => "31",
        "stopped" | "suspended" => "33",
        _ => "36",
    };
    format!("\x1b[{code}m{padded}\x1b[0m")
}

/// Instances as an aligned table, the state column coloured if `colour`.
pub fn table(rows: &[Row], colour: bool) -> String {
    let header: Vec<String> = ["PROVIDER", "ID", "NAME", "STATE", "GPU", "VCPUS", "MEMORY"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let body: Vec<Vec<String>> = rows.iter().map(Row::cells).collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in &body {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    for (n, r) in std::iter::once(&header).chain(&body).enumerate() {
        let mut line = String::new();
        for (i, (c, w)) in r.iter().zip(&widths).enumerate() {
            let last = i + 1 == r.len();
            let padded = if last {
                c.clone()
            } else {
                format!("{c:<w$}  ")
            };
            // Pad before colouring, so escape codes do not skew columns.
            if colour && n > 0 && i == 3 {
                line.push_str(&paint(c, padded));
            } else {
                line.push_str(&padded);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// One document in `format` (JSON or YAML).
pub fn document<T: Serialize>(value: &T, format: Format) -> String {
    match format {
        Format::Yaml => serde_yaml::to_string(value).expect("plain data serialises"),
        _ => {
            let mut s = serde_json::to_string_pretty(value).expect("plain data serialises");
            s.push('\n');
            s
        }
    }
}

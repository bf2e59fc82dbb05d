//! `fleet fake serve`: every provider's fake on stable addresses, as a
//! local emulator other programs (a Python script, Terraform, `curl`,
//! other `fleet` commands) use until it is stopped. Each fake serves its
//! API and the control plane (`/_fake/…`, see the `cloud-fake` crate);
//! `--state FILE` keeps a session across restarts, and the profile it
//! writes points every `fleet` command at it.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use cloud_fake::Pace;
use fleet::mock;
use serde_json::{Value, json};

use crate::config::{self, CloudTowerCreds, NeolinkCreds, Profile, TokenCreds, V0Creds};
use crate::exit::CliError;
use crate::output::{self, Format};

/// `fleet fake …`.
#[derive(Subcommand)]
pub enum FakeCommand {
    /// Serve every provider's fake on stable local addresses until stopped (Ctrl-C, SIGTERM).
    Serve(ServeArgs),
}

/// How the emulator's states move.
#[derive(Clone, Copy, ValueEnum)]
pub enum Mode {
    /// Each read counts: a transitional state settles after two reads (deterministic).
    PerPoll,
    /// By the clock: things settle after --settle, whether anyone reads or not.
    RealTime,
}

/// `fleet fake serve`'s options.
#[derive(Args)]
pub struct ServeArgs {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind: IpAddr,
    /// The first port: tensordock-v2 listens on it, tensordock-v0, neolink and cloudtower on the next three (0: free ports).
    #[arg(long, default_value_t = 8440)]
    port: u16,
    /// Load the state from FILE at start (when it exists), save it there every 10s and on stop.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// How states move: per poll (deterministic) or in real time.
    #[arg(long, value_enum, default_value = "per-poll")]
    mode: Mode,
    /// In real time, how long a transitional state (a task, a boot) lasts.
    #[arg(long, value_parser = crate::duration, default_value = "2s")]
    settle: Duration,
    /// The config-file profile to write the endpoints and credentials to.
    #[arg(long, value_name = "NAME", default_value = "local")]
    write_profile: String,
    /// Write no profile.
    #[arg(long)]
    no_profile: bool,
}

/// The served fakes.
struct Served {
    v2: tensordock_fake::v2::Fake,
    v0: tensordock_fake::v0::Fake,
    neolink: neolink_fake::Fake,
    cloudtower: cloudtower_fake::Fake,
}

/// How many requests each fake remembers: memory stays flat however
/// long the emulator runs.
const KEEP_RECEIVED: usize = 1000;

impl Served {
    async fn start(args: &ServeArgs) -> Result<Self, CliError> {
        let at = |offset: u16| {
            let port = if args.port == 0 {
                0
            } else {
                args.port.checked_add(offset).ok_or_else(|| {
                    CliError::usage(format!(
                        "--port {} leaves no room for four ports",
                        args.port
                    ))
                })?
            };
            Ok::<_, CliError>(SocketAddr::new(args.bind, port))
        };
        let failed = |key: &'static str, addr: SocketAddr| {
            move |e: cloud_fake::FakeError| {
                CliError::config(format!("cannot serve {key} on {addr}: {e}"))
            }
        };
        let (a, b, c, d) = (at(0)?, at(1)?, at(2)?, at(3)?);
        let served = Self {
            v2: tensordock_fake::v2::Fake::start_on(a)
                .await
                .map_err(failed("tensordock-v2", a))?,
            v0: tensordock_fake::v0::Fake::start_on(b)
                .await
                .map_err(failed("tensordock-v0", b))?,
            neolink: neolink_fake::Fake::start_on(c)
                .await
                .map_err(failed("neolink", c))?,
            cloudtower: cloudtower_fake::Fake::start_on(d)
                .await
                .map_err(failed("cloudtower", d))?,
        };
        mock::seed_tensordock_v2(&served.v2);
        mock::seed_tensordock(&served.v0);
        mock::seed_neolink(&served.neolink);
        mock::seed_cloudtower(&served.cloudtower);
        let pace = match args.mode {
            Mode::PerPoll => Pace::PerPoll { polls: 2 },
            Mode::RealTime => Pace::RealTime {
                settle_ms: u64::try_from(args.settle.as_millis()).unwrap_or(u64::MAX),
            },
        };
        served.v2.set_pace(pace);
        served.v0.set_pace(pace);
        served.neolink.set_pace(pace);
        served.cloudtower.set_pace(pace);
        // A script's load test would otherwise hit TensorDock v2's limit
        // of 100 requests a minute; the named fault `rate-limited` stays.
        served.v2.set_rate_limit(None);
        let state = |e: cloud_fake::FakeError| CliError::config(e.to_string());
        served.v2.keep_received(Some(KEEP_RECEIVED));
        served.v0.keep_received(Some(KEEP_RECEIVED));
        served.neolink.keep_received(Some(KEEP_RECEIVED));
        served.cloudtower.keep_received(Some(KEEP_RECEIVED));
        // `POST /_fake/reset` goes back to the seeded fakes.
        served.v2.set_reset_point().map_err(state)?;
        served.v0.set_reset_point().map_err(state)?;
        served.neolink.set_reset_point().map_err(state)?;
        served.cloudtower.set_reset_point().map_err(state)?;
        Ok(served)
    }

    /// Every fake's state, by provider.
    fn save(&self) -> Result<Value, CliError> {
        let state = |e: cloud_fake::FakeError| CliError::config(e.to_string());
        Ok(json!({
            "tensordock-v2": self.v2.save_state().map_err(state)?,
            "tensordock-v0": self.v0.save_state().map_err(state)?,
            "neolink": self.neolink.save_state().map_err(state)?,
            "cloudtower": self.cloudtower.save_state().map_err(state)?,
        }))
    }

    fn load(&self, mut saved: Value, from: &Path) -> Result<(), CliError> {
        let mut take = |key: &str| {
            saved
                .get_mut(key)
                .map(Value::take)
                .ok_or_else(|| CliError::config(format!("{}: no state for {key}", from.display())))
        };
        let state = |e: cloud_fake::FakeError| CliError::config(format!("{}: {e}", from.display()));
        self.v2.load_state(take("tensordock-v2")?).map_err(state)?;
        self.v0.load_state(take("tensordock-v0")?).map_err(state)?;
        self.neolink.load_state(take("neolink")?).map_err(state)?;
        self.cloudtower
            .load_state(take("cloudtower")?)
            .map_err(state)?;
        Ok(())
    }

    /// Each provider's base URL, control plane and the credentials it
    /// accepts (the fakes' own, public ones).
    fn endpoints(&self) -> Value {
        let control = |addr: SocketAddr| format!("http://{addr}/_fake");
        json!({
            "tensordock-v2": {
                "base_url": self.v2.base_url(),
                "control_url": control(self.v2.addr()),
                "credentials": {"token": mock::FAKE_TOKEN},
            },
            "tensordock-v0": {
                "base_url": self.v0.base_url(),
                "control_url": control(self.v0.addr()),
                "credentials": {"api_key": mock::FAKE_KEY, "api_token": mock::FAKE_TOKEN},
            },
            "neolink": {
                "base_url": self.neolink.base_url(),
                "control_url": control(self.neolink.addr()),
                "credentials": {"token": mock::FAKE_TOKEN, "cluster": mock::NEOLINK_MOCK_CLUSTER},
            },
            "cloudtower": {
                "base_url": self.cloudtower.base_url(),
                "control_url": control(self.cloudtower.addr()),
                "credentials": {
                    "token": mock::FAKE_TOKEN,
                    "username": cloudtower_fake::DEFAULT_USERNAME,
                    "password": mock::CLOUDTOWER_FAKE_PASSWORD,
                },
            },
        })
    }

    /// The profile that points `fleet` at the emulator.
    fn profile(&self) -> Profile {
        Profile {
            tensordock_v2: Some(TokenCreds {
                token: mock::FAKE_TOKEN.into(),
                url: Some(self.v2.base_url()),
            }),
            tensordock_v0: Some(V0Creds {
                api_key: mock::FAKE_KEY.into(),
                api_token: mock::FAKE_TOKEN.into(),
                url: Some(self.v0.base_url()),
            }),
            neolink: Some(NeolinkCreds {
                token: mock::FAKE_TOKEN.into(),
                namespace: None,
                cluster: Some(mock::NEOLINK_MOCK_CLUSTER.into()),
                url: Some(self.neolink.base_url()),
            }),
            cloudtower: Some(CloudTowerCreds {
                url: self.cloudtower.base_url(),
                token: mock::FAKE_TOKEN.into(),
            }),
        }
    }
}

/// Writes `value` to `path` whole or not at all (a temporary file renamed
/// over it), so a crash mid-write leaves the last good state.
fn write_state(path: &Path, value: &Value) -> Result<(), CliError> {
    let err = |e: std::io::Error| CliError::config(format!("cannot write {}: {e}", path.display()));
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::config(format!("cannot encode the state: {e}")))?;
    std::fs::write(&tmp, text).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

/// Waits for Ctrl-C or (on Unix) SIGTERM.
async fn stopped() -> Result<(), CliError> {
    let err = |e: std::io::Error| CliError::config(format!("cannot wait for a signal: {e}"));
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(err)?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r.map_err(err),
            _ = term.recv() => Ok(()),
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await.map_err(err)
}

/// `fleet fake <command>`.
pub async fn run(format: Format, command: FakeCommand) -> Result<(), CliError> {
    let FakeCommand::Serve(args) = command;
    let served = Served::start(&args).await?;
    if let Some(path) = &args.state {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let saved: Value = serde_json::from_str(&text).map_err(|e| {
                    CliError::config(format!("{} is not a saved state: {e}", path.display()))
                })?;
                served.load(saved, path)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::config(format!(
                    "cannot read {}: {e}",
                    path.display()
                )));
            }
        }
    }
    let mut profile_written = None;
    if !args.no_profile {
        let path = config::path().ok_or_else(|| {
            CliError::config("no config file path for the profile: set FLEET_CONFIG or HOME, or pass --no-profile")
        })?;
        let mut file = config::load(&path)?;
        file.profiles
            .insert(args.write_profile.clone(), served.profile());
        config::save(&path, &file)?;
        profile_written = Some((args.write_profile.clone(), path));
    }
    let endpoints = served.endpoints();
    match format {
        Format::Table => {
            for key in crate::targets::PROVIDERS {
                let e = &endpoints[key];
                let creds: Vec<String> = e["credentials"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect();
                println!(
                    "{key:<14} {:<36} {}",
                    e["base_url"].as_str().unwrap_or_default(),
                    creds.join(" ")
                );
            }
            println!("control plane: /_fake on each address (GET /_fake lists its routes)");
            if let Some((name, path)) = &profile_written {
                println!(
                    "profile {name:?} written to {}: fleet --profile {name} instances",
                    path.display()
                );
            }
            if let Some(path) = &args.state {
                println!("state: {} (saved every 10s and on stop)", path.display());
            }
            println!("serving until Ctrl-C or SIGTERM");
        }
        f => {
            let document = json!({
                "providers": endpoints,
                "profile": profile_written.as_ref().map(|(name, _)| name),
                "config": profile_written.as_ref().map(|(_, path)| path.display().to_string()),
                "state": args.state.as_ref().map(|p| p.display().to_string()),
            });
            match f {
                // One line: a script reads it with one `read`.
                Format::Json => println!("{document}"),
                f => print!("{}", output::document(&document, f)),
            }
        }
    }
    // Scripts wait for this line before they start.
    std::io::Write::flush(&mut std::io::stdout())
        .map_err(|e| CliError::config(format!("cannot write to stdout: {e}")))?;
    let stop = stopped();
    tokio::pin!(stop);
    let mut every = tokio::time::interval(Duration::from_secs(10));
    every.tick().await;
    let result = loop {
        tokio::select! {
            r = &mut stop => break r,
            _ = every.tick() => {
                if let Some(path) = &args.state
                    && let Err(e) = write_state(path, &served.save()?)
                {
                    eprintln!("fleet: {}", e.message);
                }
            }
        }
    };
    if let Some(path) = &args.state {
        write_state(path, &served.save()?)?;
        eprintln!("fleet: state saved to {}", path.display());
    }
    result
}

//! `fleet`: one command line over every cloud (see `fleet --help`).
//!
//! Provider-neutral commands go through the `cloud_common::Compute` facade;
//! `--fake` (and `fleet demo`) serve every provider from an embedded fake,
//! so every command can be tried without accounts.

mod api;
mod config;
mod exit;
mod output;
mod serve;
mod targets;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cloud_common::{Check, Instance, InstanceState, state_check};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::config::Profile;
use crate::exit::CliError;
use crate::output::{Format, Row};
use crate::targets::{PROVIDERS, Target};

const AFTER_HELP: &str = "\
Providers: tensordock-v2, tensordock-v0, neolink, cloudtower. An instance is <provider>:<id>.

Credentials (an environment variable wins over the config file):
  tensordock-v2   TENSORDOCK_TOKEN
  tensordock-v0   TENSORDOCK_API_KEY, TENSORDOCK_API_TOKEN
  neolink         NEOLINK_TOKEN (+ NEOLINK_NAMESPACE, NEOLINK_CLUSTER)
  cloudtower      CLOUDTOWER_URL, CLOUDTOWER_TOKEN (or `fleet login cloudtower <url>`)
Config file: $FLEET_CONFIG, else ~/.config/fleet/config.toml (mode 0600; refused if others can read it),
with [profiles.<name>.<provider>] tables; --profile or FLEET_PROFILE picks one (default: `default`).

Exit codes: 0 ok, 1 configuration or local failure, 2 usage error (also: a destructive command
without --yes off a terminal), 3 API error, 4 wait timed out or cannot succeed, 5 not found.";

/// One command line over TensorDock, Neolink and CloudTower.
#[derive(Parser)]
#[command(name = "fleet", version, after_help = AFTER_HELP)]
struct Cli {
    /// Output format: a table for people, one JSON or YAML document for scripts.
    #[arg(long, short, global = true, value_enum, default_value = "table")]
    output: Format,
    /// Serve every provider from an embedded fake (no accounts needed).
    #[arg(long, global = true)]
    fake: bool,
    /// The config file profile to take credentials from (default: FLEET_PROFILE, else `default`).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// Show tracing spans on stderr (-vv: debug events too); RUST_LOG also works.
    #[arg(long, short, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// List instances across every configured provider in one table.
    Instances {
        /// Only these providers (repeatable).
        #[arg(long, value_parser = provider)]
        provider: Vec<&'static str>,
    },
    /// Show one instance.
    Show {
        /// <provider>:<id>
        #[arg(value_parser = instance_ref)]
        instance: Ref,
    },
    /// Start (power on) instances.
    Start {
        /// <provider>:<id>...
        #[arg(required = true, value_parser = instance_ref)]
        instances: Vec<Ref>,
    },
    /// Stop (power off) instances; asks first on a terminal, needs --yes otherwise.
    Stop {
        /// <provider>:<id>...
        #[arg(required = true, value_parser = instance_ref)]
        instances: Vec<Ref>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    /// Delete instances; asks first on a terminal, needs --yes otherwise.
    Delete {
        /// <provider>:<id>...
        #[arg(required = true, value_parser = instance_ref)]
        instances: Vec<Ref>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
    },
    /// Wait until an instance is in a state (a spinner on stderr shows its state).
    Wait {
        /// <provider>:<id>
        #[arg(value_parser = instance_ref)]
        instance: Ref,
        /// creating, starting, running, stopping, stopped, suspended, deleting, deleted or error.
        #[arg(long, value_parser = state, default_value = "running")]
        state: InstanceState,
        /// Give up after this long (e.g. 90s, 10m, 1h).
        #[arg(long, value_parser = duration, default_value = "10m")]
        timeout: Duration,
        /// Pause between polls (default 2s; 50ms with --fake).
        #[arg(long, value_parser = duration)]
        interval: Option<Duration>,
    },
    /// Log in and store the token in the profile.
    Login {
        /// The provider (only cloudtower has a login).
        #[arg(value_parser = ["cloudtower"])]
        provider: String,
        /// The API base URL, e.g. http://tower.example/v2/api.
        url: String,
        /// The user name.
        #[arg(long, short)]
        username: String,
    },
    /// The whole lifecycle (list, start, wait, stop, delete) on every provider's fake, step by step.
    Demo,
    /// The fakes as a local emulator (`fleet fake serve`).
    Fake {
        #[command(subcommand)]
        command: serve::FakeCommand,
    },
}

/// `<provider>:<id>`.
#[derive(Debug, Clone)]
struct Ref {
    provider: &'static str,
    id: String,
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.provider, self.id)
    }
}

fn provider(s: &str) -> Result<&'static str, String> {
    PROVIDERS
        .iter()
        .find(|p| **p == s)
        .copied()
        .ok_or_else(|| format!("unknown provider {s:?}; one of {}", PROVIDERS.join(", ")))
}

fn instance_ref(s: &str) -> Result<Ref, String> {
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

fn state(s: &str) -> Result<InstanceState, String> {
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

fn duration(s: &str) -> Result<Duration, String> {
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

/// What every command needs: how to print, and where credentials come from.
struct Ctx {
    format: Format,
    fake: bool,
    profile_flag: Option<String>,
}

impl Ctx {
    fn profile_name(&self) -> String {
        self.profile_flag
            .clone()
            .or_else(|| {
                std::env::var("FLEET_PROFILE")
                    .ok()
                    .filter(|v| !v.is_empty())
            })
            .unwrap_or_else(|| "default".into())
    }

    /// The chosen profile with the environment laid over it. Not read at
    /// all with --fake, so fakes work whatever the file says.
    fn profile(&self) -> Result<Profile, CliError> {
        if self.fake {
            return Ok(Profile::default());
        }
        let name = self.profile_name();
        let file = match config::path() {
            Some(p) => config::load(&p)?,
            None => Default::default(),
        };
        // A profile asked for by name must exist; `default` may be absent.
        let explicit = self.profile_flag.is_some()
            || std::env::var_os("FLEET_PROFILE").is_some_and(|v| !v.is_empty());
        let profile = match file.profiles.get(&name) {
            Some(p) => p.clone(),
            None if explicit => {
                return Err(CliError::config(format!(
                    "no profile {name:?} in the config file"
                )));
            }
            None => Profile::default(),
        };
        Ok(targets::effective(profile))
    }

    fn targets(&self, keys: &[&'static str], required: bool) -> Result<Vec<Target>, CliError> {
        targets::select(keys, self.fake, &self.profile()?, required)
    }

    fn print_rows(&self, rows: &[Row]) {
        match self.format {
            Format::Table => print!("{}", output::table(rows, output::colour())),
            f => print!("{}", output::document(&rows, f)),
        }
    }
}

async fn instances(ctx: &Ctx, targets: &[Target]) -> Result<(), CliError> {
    let mut rows = Vec::new();
    let mut failed = None;
    for t in targets {
        match t.compute.list_instances().await {
            Ok(list) => rows.extend(list.iter().map(|i| Row::new(t.key, i))),
            Err(e) => {
                eprintln!("fleet: {}: {e}", t.key);
                failed.get_or_insert(exit::code_of(&e));
            }
        }
    }
    ctx.print_rows(&rows);
    match failed {
        // Already reported per provider, after the rows that did list.
        Some(code) => Err(CliError {
            code,
            message: String::new(),
        }),
        None => Ok(()),
    }
}

async fn show(ctx: &Ctx, t: &Target, id: &str) -> Result<(), CliError> {
    let i = t.compute.get_instance(id).await?;
    let row = Row::new(t.key, &i);
    match ctx.format {
        Format::Table => print!("{}", output::table(&[row], output::colour())),
        f => print!("{}", output::document(&row, f)),
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Verb {
    Start,
    Stop,
    Delete,
}

#[derive(Serialize)]
struct Done {
    provider: &'static str,
    id: String,
    action: &'static str,
}

fn confirm(verb: &str, refs: &[Ref], yes: bool) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::usage(format!(
            "refusing to {verb} without --yes: stdin is not a terminal, so there is no one to ask"
        )));
    }
    let list: Vec<String> = refs.iter().map(Ref::to_string).collect();
    eprint!("{verb} {}? [y/N] ", list.join(", "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::config(format!("cannot read the answer: {e}")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes") {
        Ok(())
    } else {
        Err(CliError::config("aborted"))
    }
}

async fn act(ctx: &Ctx, verb: Verb, targets: &[Target], refs: &[Ref]) -> Result<(), CliError> {
    let mut done = Vec::new();
    let mut failed = None;
    for r in refs {
        let t = targets
            .iter()
            .find(|t| t.key == r.provider)
            .expect("a target per provider named");
        let (result, action) = match verb {
            Verb::Start => (t.compute.start(&r.id).await, "started"),
            Verb::Stop => (t.compute.stop(&r.id).await, "stopped"),
            Verb::Delete => (t.compute.delete(&r.id).await, "deleted"),
        };
        match result {
            Ok(()) => done.push(Done {
                provider: r.provider,
                id: r.id.clone(),
                action,
            }),
            Err(e) => {
                eprintln!("fleet: {r}: {e}");
                failed.get_or_insert(exit::code_of(&e));
            }
        }
    }
    match ctx.format {
        Format::Table => {
            for d in &done {
                println!("{} {}:{}", d.action, d.provider, d.id);
            }
        }
        f => print!("{}", output::document(&done, f)),
    }
    match failed {
        Some(code) => Err(CliError {
            code,
            message: String::new(),
        }),
        None => Ok(()),
    }
}

/// Polls until `wanted`, with a spinner on stderr (drawn only on a
/// terminal) that shows each state as it changes.
async fn wait(
    ctx: &Ctx,
    t: &Target,
    id: &str,
    wanted: &InstanceState,
    timeout: Duration,
    interval: Option<Duration>,
) -> Result<(), CliError> {
    let interval = interval.unwrap_or(if t.fake {
        Duration::from_millis(50)
    } else {
        Duration::from_secs(2)
    });
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{elapsed}]").expect("a valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(100));
    let started = Instant::now();
    let mut last: Option<InstanceState> = None;
    let result: Result<Instance, CliError> = loop {
        let i = match t.compute.get_instance(id).await {
            Ok(i) => i,
            Err(e) => break Err(e.into()),
        };
        if last.as_ref() != Some(&i.state) {
            let line = format!("{}:{id} is {} (waiting for {wanted})", t.key, i.state);
            // Kept above the spinner, so the history of states stays visible.
            bar.println(&line);
            bar.set_message(line);
            last = Some(i.state.clone());
        }
        match state_check(id, &i.state, wanted) {
            Check::Done => break Ok(i),
            Check::Failed(message) => {
                break Err(CliError {
                    code: exit::WAIT,
                    message,
                });
            }
            Check::Pending(message) if started.elapsed() >= timeout => {
                break Err(CliError {
                    code: exit::WAIT,
                    message: format!("gave up after {timeout:?}: {message}"),
                });
            }
            Check::Pending(_) => {}
        }
        let left = timeout.saturating_sub(started.elapsed());
        tokio::time::sleep(interval.min(left)).await;
    };
    bar.finish_and_clear();
    let i = result?;
    let row = Row::new(t.key, &i);
    match ctx.format {
        Format::Table => println!("{}:{} is {}", t.key, row.id, row.state),
        f => print!("{}", output::document(&row, f)),
    }
    Ok(())
}

async fn login(ctx: &Ctx, url: &str, username: &str) -> Result<(), CliError> {
    let path = config::path().ok_or_else(|| {
        CliError::config("no config file path: set FLEET_CONFIG or HOME".to_string())
    })?;
    // Refuse a loose file before asking for a password.
    let mut file = config::load(&path)?;
    let password = match std::env::var("FLEET_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
    {
        Some(p) => p,
        None if std::io::stdin().is_terminal() => {
            eprint!("Password for {username}: ");
            console::Term::stderr()
                .read_secure_line()
                .map_err(|e| CliError::config(format!("cannot read the password: {e}")))?
        }
        None => {
            return Err(CliError::usage(
                "no password: set FLEET_PASSWORD, or run on a terminal to be asked",
            ));
        }
    };
    let ct = cloudtower_api::CloudTower::login(
        url,
        username,
        password,
        cloudtower_api::UserSource::Local,
    )
    .await?;
    let name = ctx.profile_name();
    file.profiles.entry(name.clone()).or_default().cloudtower = Some(config::CloudTowerCreds {
        url: url.to_string(),
        token: ct.token().clone(),
    });
    config::save(&path, &file)?;
    println!(
        "logged in to {url} as {username}; token stored in profile {name:?} of {}",
        path.display()
    );
    Ok(())
}

/// Today's scenario through the commands themselves, on the fakes.
async fn demo() -> Result<(), CliError> {
    let ctx = Ctx {
        format: Format::Table,
        fake: true,
        profile_flag: None,
    };
    for key in PROVIDERS {
        let t = targets::fake(key)?;
        let id = t.fake_instance.clone().expect("a fake names its instance");
        let r = Ref {
            provider: key,
            id: id.clone(),
        };
        let targets = std::slice::from_ref(&t);
        println!("$ fleet --fake instances --provider {key}");
        instances(&ctx, targets).await?;
        println!("$ fleet --fake start {r}");
        act(&ctx, Verb::Start, targets, std::slice::from_ref(&r)).await?;
        println!("$ fleet --fake wait {r} --state running");
        wait(
            &ctx,
            &t,
            &id,
            &InstanceState::Running,
            Duration::from_secs(10),
            None,
        )
        .await?;
        println!("$ fleet --fake stop --yes {r}");
        act(&ctx, Verb::Stop, targets, std::slice::from_ref(&r)).await?;
        println!("$ fleet --fake delete --yes {r}");
        act(&ctx, Verb::Delete, targets, std::slice::from_ref(&r)).await?;
        println!();
    }
    println!("Every step above is a fleet command; add --fake to try them on their own.");
    Ok(())
}

fn unique(refs: &[Ref]) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = refs.iter().map(|r| r.provider).collect();
    keys.dedup();
    keys
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let ctx = Ctx {
        format: cli.output,
        fake: cli.fake,
        profile_flag: cli.profile,
    };
    match cli.command {
        Cmd::Instances { provider } => {
            let targets = ctx.targets(&provider, !provider.is_empty())?;
            instances(&ctx, &targets).await
        }
        Cmd::Show { instance } => {
            let t = ctx.targets(&[instance.provider], true)?;
            show(&ctx, &t[0], &instance.id).await
        }
        Cmd::Start { instances } => {
            let targets = ctx.targets(&unique(&instances), true)?;
            act(&ctx, Verb::Start, &targets, &instances).await
        }
        Cmd::Stop { instances, yes } => {
            confirm("stop", &instances, yes)?;
            let targets = ctx.targets(&unique(&instances), true)?;
            act(&ctx, Verb::Stop, &targets, &instances).await
        }
        Cmd::Delete { instances, yes } => {
            confirm("delete", &instances, yes)?;
            let targets = ctx.targets(&unique(&instances), true)?;
            act(&ctx, Verb::Delete, &targets, &instances).await
        }
        Cmd::Wait {
            instance,
            state,
            timeout,
            interval,
        } => {
            let t = ctx.targets(&[instance.provider], true)?;
            wait(&ctx, &t[0], &instance.id, &state, timeout, interval).await
        }
        Cmd::Login { url, username, .. } => login(&ctx, &url, &username).await,
        Cmd::Demo => demo().await,
        Cmd::Fake { command } => serve::run(ctx.format, command).await,
    }
}

/// `--verbose` or `RUST_LOG`: the runtime's spans (one per request, with
/// status and latency) on stderr as they close.
fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let rust_log = std::env::var("RUST_LOG").ok().filter(|v| !v.is_empty());
    if verbose == 0 && rust_log.is_none() {
        return;
    }
    let level = if verbose > 1 {
        tracing::Level::DEBUG
    } else {
        tracing::Level::INFO
    };
    let filter = rust_log
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(level));
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_span_events(FmtSpan::CLOSE)
        .finish()
        .with(filter)
        .init();
}

/// The derived commands plus one per provider spec. Only the specs named
/// on the command line are parsed: the others need just a line of help.
fn command(argv: &[std::ffi::OsString]) -> clap::Command {
    let mut cmd = Cli::command();
    for (key, _) in api::SPECS {
        let named = argv.iter().any(|a| a.to_str() == Some(key));
        cmd = cmd.subcommand(if named {
            api::command(key)
        } else {
            api::placeholder(key)
        });
    }
    cmd
}

#[tokio::main]
async fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let matches = command(&argv).get_matches_from(&argv);
    let result = match matches.subcommand() {
        Some((key, sub)) if PROVIDERS.contains(&key) => {
            let key = PROVIDERS
                .iter()
                .copied()
                .find(|p| *p == key)
                .expect("listed");
            init_tracing(matches.get_count("verbose"));
            let ctx = Ctx {
                format: *matches.get_one::<Format>("output").expect("has a default"),
                fake: matches.get_flag("fake"),
                profile_flag: matches.get_one::<String>("profile").cloned(),
            };
            api::run(key, sub, ctx.format, ctx.fake, || ctx.profile()).await
        }
        _ => {
            let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
            init_tracing(cli.verbose);
            run(cli).await
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("fleet: {}", e.message);
            }
            ExitCode::from(e.code)
        }
    }
}

//! `fleet`: one command line over every cloud (see `fleet --help`).
//!
//! Provider-neutral commands go through the `cloud_common::Compute` facade;
//! `--fake` (and `fleet demo`) serve every provider from an embedded fake,
//! so every command can be tried without accounts.

mod api;
mod args;
mod completions;
mod config;
mod examples;
mod exit;
mod gpus;
mod out;
mod output;
mod paginate;
mod query;
mod raw_api;
mod render;
mod serve;
mod targets;
mod waiting;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cloud_common::InstanceState;
use serde::Serialize;

use crate::args::{Ref, duration, instance_ref, provider, state};
use crate::config::Profile;
use crate::exit::CliError;
use crate::output::{Format, Row};
use crate::render::View;
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
without --yes off a terminal), 3 API error, 4 wait timed out or cannot succeed, 5 not found.

Examples:
  $ fleet --fake instances
  $ fleet --fake cloudtower get-vms --columns id,name,status,host.name";

/// One command line over TensorDock, Neolink and CloudTower.
#[derive(Parser)]
#[command(name = "fleet", version, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    output: render::OutputFlags,
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
    #[command(after_help = examples::INSTANCES)]
    Instances {
        /// Only these providers (repeatable).
        #[arg(long, value_parser = provider)]
        provider: Vec<&'static str>,
    },
    /// Show one instance.
    #[command(after_help = examples::SHOW)]
    Show {
        /// <provider>:<id>
        #[arg(value_parser = instance_ref)]
        instance: Ref,
    },
    /// Start (power on) instances.
    #[command(after_help = examples::START)]
    Start {
        /// <provider>:<id>...
        #[arg(required = true, value_parser = instance_ref)]
        instances: Vec<Ref>,
        #[command(flatten)]
        wait: WaitFlags,
    },
    /// Stop (power off) instances; asks first on a terminal, needs --yes otherwise.
    #[command(after_help = examples::STOP)]
    Stop {
        /// <provider>:<id>...
        #[arg(required = true, value_parser = instance_ref)]
        instances: Vec<Ref>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        wait: WaitFlags,
    },
    /// Delete instances; asks first on a terminal, needs --yes otherwise.
    #[command(after_help = examples::DELETE)]
    Delete {
        /// <provider>:<id>...
        #[arg(required = true, value_parser = instance_ref)]
        instances: Vec<Ref>,
        /// Do not ask.
        #[arg(long, short)]
        yes: bool,
        #[command(flatten)]
        wait: WaitFlags,
    },
    /// Wait until an instance is in a state (a spinner on stderr shows its state).
    #[command(after_help = examples::WAIT)]
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
    #[command(after_help = examples::LOGIN)]
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
    /// List GPU offers across providers: where GPUs can be had now, how many, at what price.
    #[command(after_help = examples::GPUS)]
    Gpus(gpus::GpusArgs),
    /// Launch an instance on a GPU offer (from `fleet gpus`).
    #[command(after_help = examples::LAUNCH)]
    Launch(gpus::LaunchArgs),
    /// The whole lifecycle (list, start, wait, stop, delete) on every provider's fake, step by step.
    #[command(after_help = examples::DEMO)]
    Demo,
    /// A request to any path of a provider's API, sent like every other (credentials, retries, rate limit, path checks, redaction).
    #[command(after_help = examples::API)]
    Api(raw_api::ApiArgs),
    /// Print the shell completion script (every command, every spec operation and its flags).
    #[command(after_help = examples::COMPLETIONS)]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// The instances as <provider>:<id>, a line each (for shell completion).
    #[command(name = "__ids", hide = true)]
    Ids,
    /// The fakes as a local emulator (`fleet fake serve`).
    Fake {
        #[command(subcommand)]
        command: serve::FakeCommand,
    },
}

/// `--wait [--timeout]` of start, stop and delete.
#[derive(clap::Args, Clone, Copy)]
struct WaitFlags {
    /// Wait until each instance is running (start), stopped (stop) or gone (delete).
    #[arg(long)]
    wait: bool,
    /// Give up waiting after this long (e.g. 90s, 10m).
    #[arg(long, value_parser = duration, default_value = "10m", requires = "wait")]
    timeout: Duration,
}

/// What every command needs: how to print, and where credentials come from.
struct Ctx {
    view: View,
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

    /// Rows in the neutral table, or through the view (`--jq`,
    /// `--columns`, documents).
    fn print_rows(&self, rows: &[Row]) -> Result<(), CliError> {
        if self.view.own_table() {
            out::write(&output::table(rows, output::colour()))
        } else {
            self.view.print_data(rows)
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
    ctx.print_rows(&rows)?;
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
    if ctx.view.own_table() {
        out::write(&output::table(&[row], output::colour()))
    } else {
        ctx.view.print_data(&row)
    }
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

async fn act(
    ctx: &Ctx,
    verb: Verb,
    targets: &[Target],
    refs: &[Ref],
    wait: Option<WaitFlags>,
) -> Result<(), CliError> {
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
        if let Err(e) = result {
            eprintln!("fleet: {r}: {e}");
            failed.get_or_insert(exit::code_of(&e));
            continue;
        }
        if let Some(w) = wait.filter(|w| w.wait) {
            let wanted = match verb {
                Verb::Start => InstanceState::Running,
                Verb::Stop => InstanceState::Stopped,
                Verb::Delete => InstanceState::Deleted,
            };
            let every = waiting::interval(t, None);
            if let Err(e) = waiting::state(t, &r.id, &wanted, w.timeout, every).await {
                eprintln!("fleet: {r}: {}", e.message);
                failed.get_or_insert(e.code);
                continue;
            }
        }
        done.push(Done {
            provider: r.provider,
            id: r.id.clone(),
            action,
        });
    }
    if ctx.view.own_table() {
        let lines: String = done
            .iter()
            .map(|d| format!("{} {}:{}\n", d.action, d.provider, d.id))
            .collect();
        out::write(&lines)?;
    } else {
        ctx.view.print_data(&done)?;
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
    let every = waiting::interval(t, interval);
    let Some(i) = waiting::state(t, id, wanted, timeout, every).await? else {
        return out::write(&format!("{}:{id} is gone\n", t.key));
    };
    let row = Row::new(t.key, &i);
    if ctx.view.own_table() {
        out::write(&format!("{}:{} is {}\n", t.key, row.id, row.state))
    } else {
        ctx.view.print_data(&row)
    }
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
    out::write(&format!(
        "logged in to {url} as {username}; token stored in profile {name:?} of {}\n",
        path.display()
    ))
}

/// Today's scenario through the commands themselves, on the fakes.
async fn demo() -> Result<(), CliError> {
    let ctx = Ctx {
        view: View::new(Format::Table),
        fake: true,
        profile_flag: None,
    };
    let say = |line: String| out::write(&format!("{line}\n"));
    for key in PROVIDERS {
        let t = targets::fake(key)?;
        let id = t.fake_instance.clone().expect("a fake names its instance");
        let r = Ref {
            provider: key,
            id: id.clone(),
        };
        let targets = std::slice::from_ref(&t);
        let one = std::slice::from_ref(&r);
        say(format!("$ fleet --fake instances --provider {key}"))?;
        instances(&ctx, targets).await?;
        say(format!("$ fleet --fake start {r}"))?;
        act(&ctx, Verb::Start, targets, one, None).await?;
        say(format!("$ fleet --fake wait {r} --state running"))?;
        wait(
            &ctx,
            &t,
            &id,
            &InstanceState::Running,
            Duration::from_secs(10),
            None,
        )
        .await?;
        say(format!("$ fleet --fake stop --yes {r}"))?;
        act(&ctx, Verb::Stop, targets, one, None).await?;
        say(format!("$ fleet --fake delete --yes {r}"))?;
        act(&ctx, Verb::Delete, targets, one, None).await?;
        say(String::new())?;
    }
    say("Every step above is a fleet command; add --fake to try them on their own.".into())
}

fn unique(refs: &[Ref]) -> Vec<&'static str> {
    let mut keys: Vec<&'static str> = refs.iter().map(|r| r.provider).collect();
    keys.dedup();
    keys
}

async fn run(cli: Cli, view: View) -> Result<(), CliError> {
    let ctx = Ctx {
        view,
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
        Cmd::Start { instances, wait } => {
            let targets = ctx.targets(&unique(&instances), true)?;
            act(&ctx, Verb::Start, &targets, &instances, Some(wait)).await
        }
        Cmd::Stop {
            instances,
            yes,
            wait,
        } => {
            confirm("stop", &instances, yes)?;
            let targets = ctx.targets(&unique(&instances), true)?;
            act(&ctx, Verb::Stop, &targets, &instances, Some(wait)).await
        }
        Cmd::Delete {
            instances,
            yes,
            wait,
        } => {
            confirm("delete", &instances, yes)?;
            let targets = ctx.targets(&unique(&instances), true)?;
            act(&ctx, Verb::Delete, &targets, &instances, Some(wait)).await
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
        Cmd::Gpus(args) => match &args.command {
            Some(gpus::GpusCmd::Watch(watch)) => gpus::watch(&ctx, watch).await,
            None => gpus::list(&ctx, &args).await,
        },
        Cmd::Launch(args) => gpus::launch(&ctx, &args).await,
        Cmd::Demo => demo().await,
        Cmd::Api(args) => {
            let t = ctx.targets(&[args.provider], true)?;
            raw_api::run(&ctx.view, &t[0], args).await
        }
        Cmd::Completions { shell } => completions::print(shell, full_command()),
        Cmd::Ids => completions::ids(ctx.targets(&[], false)?).await,
        Cmd::Fake { command } => serve::run(ctx.view.format, command).await,
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

/// Every command, every spec's operations included (what completion
/// scripts cover).
fn full_command() -> clap::Command {
    command(&[])
}

/// The derived commands plus one per provider spec. Only the specs named
/// on the command line are parsed (all of them for `completions`, or with
/// no `argv`): the others need just a line of help.
fn command(argv: &[std::ffi::OsString]) -> clap::Command {
    let mut cmd = Cli::command();
    let all = argv.is_empty() || argv.iter().any(|a| a == "completions");
    for key in targets::PROVIDERS {
        let named = all || argv.iter().any(|a| a.to_str() == Some(key));
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
            let flags =
                render::OutputFlags::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
            let view = match View::from_flags(&flags, Format::Json) {
                Ok(view) => view,
                Err(e) => return failure(e),
            };
            let ctx = Ctx {
                view,
                fake: matches.get_flag("fake"),
                profile_flag: matches.get_one::<String>("profile").cloned(),
            };
            api::run(key, sub, &ctx.view, ctx.fake, || ctx.profile()).await
        }
        _ => {
            let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
            init_tracing(cli.verbose);
            // Answers of the API as they are, lists of instances as a table.
            let default = match cli.command {
                Cmd::Api(_) => Format::Json,
                _ => Format::Table,
            };
            match View::from_flags(&cli.output, default) {
                Ok(view) => run(cli, view).await,
                Err(e) => Err(e),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failure(e),
    }
}

fn failure(e: CliError) -> ExitCode {
    if !e.message.is_empty() {
        eprintln!("fleet: {}", e.message);
    }
    ExitCode::from(e.code)
}

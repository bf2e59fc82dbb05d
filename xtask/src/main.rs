//! `cargo xtask <command>`: project automation. The logic is in the
//! `xtask` library; this binary parses arguments and prints.
//!
//! - `regen`: write every provider's generated client to its `generated/`
//!   snapshot (reviewable, never compiled, never hand-edited).
//! - `check`: fail with a unified diff when a snapshot is stale.
//! - `diff [--base <rev>] [--allow-breaking] [--rust] [provider]`: what the
//!   spec changes since `rev` (default `HEAD`) do to the Rust API; fails on
//!   a breaking change unless allowed.
//! - `lint [provider]`: spec problems, before the build or a user finds them.
//! - `semver`: the classification of `diff` checked against
//!   `cargo-semver-checks` on the fixture pairs (needs it installed).
//! - `msrv`: the workspace `rust-version` against every dependency's.
//! - `build-cost [--rounds n] [--release] [--features f,g]... [crate...]`: cold build CPU time of
//!   the provider crates, with and without code generation and `json-bodies`,
//!   against the dependency floor with and without a TLS provider (run on
//!   demand, not in CI); with `--features`, the snapshot and one build per
//!   feature list (e.g. `--features full --features vm`).
//! - `upstream cloudtower [<official-spec>]`: where `specs/cloudtower.yaml`
//!   disagrees with the official CloudTower document (by default the one
//!   vendored in `upstream/cloudtower/`); with `--sync [--base <file>]
//!   [--descriptions <file>] [--write]`, what it has and the spec lacks
//!   (see `xtask::sync`).
//! - `import cloudtower [<official-spec>] <path-or-operationId>...`: copy
//!   operations from the official document (by default the vendored one)
//!   into `specs/cloudtower.yaml`.
//!
//! - `since [--from <version>=<document>...] [--write]`: the first
//!   CloudTower release of every operation (`x-cloudtower-since`), checked
//!   or stamped on `specs/cloudtower.yaml`, its table recomputed from the
//!   per-release documents (see `xtask::since`).
//!
//! Exit status: 0 clean, 1 problems found, 2 bad usage.

use std::process::ExitCode;

mod since_command;

use cloud_spec as spec;
use xtask::{
    build_cost, diff, import, lint, msrv, official, semver, snapshot, targets, upstream,
    workspace_root,
};
use xtask::{out, outln};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  regen                       rewrite the generated snapshots (crates/*/generated)
  check                       fail, with a unified diff, if a snapshot is stale
  diff [--base <git-rev>] [--allow-breaking] [--rust] [provider]
                              API changes of the specs since <git-rev> (default HEAD);
                              fails on a breaking change unless --allow-breaking;
                              --rust adds the diff of the generated Rust
  lint [provider]             check the specs for problems
  semver                      check diff's breaking/ok against cargo-semver-checks
                              on the fixture pairs (cargo install cargo-semver-checks)
  msrv                        check rust-version against every dependency in Cargo.lock
  build-cost [--rounds <n>] [--release] [--features <f,g>]... [crate...]
                              cold build CPU time of the provider crates (codegen,
                              snapshot, lean), against the dependency floor (and
                              the floor with a TLS provider); with --features, the
                              snapshot and one build per feature list instead
  upstream cloudtower [<official-spec>]
                              compare specs/cloudtower.yaml with the official document
                              (default: the one vendored in upstream/cloudtower/)
  upstream cloudtower [<official-spec>] --sync [--base <official-spec-it-was-curated-from>]
                              [--descriptions <texts.json>] [--write]
                              also list what the official document has and the spec
                              lacks (breaking or not, as diff says); --write adds the
                              non-breaking enum values and properties to the spec
  import cloudtower [<official-spec>] <path-or-operationId>...
                              copy operations and the schemas they need from the
                              official document (default: the vendored one) into
                              specs/cloudtower.yaml (texts and request examples are
                              read from files beside it), each stamped with its release
  since [--from <version>=<document-or-list>...] [--write]
                              check x-cloudtower-since on every operation of
                              specs/cloudtower.yaml against
                              upstream/cloudtower/operations-since.json; --write stamps
                              it; --from recomputes the table from per-release
                              documents (written with --write)";

/// How a command ended, apart from success.
enum Failure {
    /// Bad arguments: print the usage.
    Usage(String),
    /// The command ran and found problems (already printed), or could not run.
    Failed(String),
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Under `build-cost`, cargo runs every rustc through this binary.
    if let (Some(log), Some((rustc, rest))) = (
        std::env::var_os(build_cost::RUSTC_LOG_ENV),
        args.split_first(),
    ) {
        let code = build_cost::rustc_wrapper(std::path::Path::new(&log), rustc, rest);
        return ExitCode::from(u8::try_from(code).unwrap_or(1));
    }
    let result = match args.first().map(String::as_str) {
        Some("regen") => no_more_args(&args[1..]).and_then(|()| regen()),
        Some("check") => no_more_args(&args[1..]).and_then(|()| check()),
        Some("diff") => diff_command(&args[1..]),
        Some("lint") => lint_command(&args[1..]),
        Some("semver") => no_more_args(&args[1..]).and_then(|()| semver_command()),
        Some("upstream") => upstream_command(&args[1..]),
        Some("import") => import_command(&args[1..]),
        Some("since") => since_command::command(&args[1..]),
        Some("msrv") => no_more_args(&args[1..]).and_then(|()| msrv_command()),
        Some("build-cost") => build_cost_command(&args[1..]),
        Some("help" | "--help" | "-h") => {
            outln!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!("unknown command `{other}`"))),
        None => Err(Failure::Usage("no command given".to_string())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}\n\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root of the checkout the command runs in.
fn root() -> Result<std::path::PathBuf, Failure> {
    workspace_root().map_err(Failure::Failed)
}

/// The vendored official document, named relative to the current directory
/// where it is below it (as messages show it).
fn vendored_document(root: &std::path::Path) -> std::path::PathBuf {
    let document = official::document(root);
    std::env::current_dir()
        .ok()
        .and_then(|cwd| {
            document
                .strip_prefix(cwd)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or(document)
}

fn no_more_args(args: &[String]) -> Result<(), Failure> {
    match args.first() {
        None => Ok(()),
        Some(extra) => Err(Failure::Usage(format!("unexpected argument `{extra}`"))),
    }
}

/// At most one positional argument (a provider); flags are rejected.
fn provider_arg(args: &[String]) -> Result<Option<&str>, Failure> {
    match args {
        [] => Ok(None),
        [flag, ..] if flag.starts_with('-') => {
            Err(Failure::Usage(format!("unknown option `{flag}`")))
        }
        [provider] => Ok(Some(provider)),
        [_, extra, ..] => Err(Failure::Usage(format!("unexpected argument `{extra}`"))),
    }
}

fn select(provider: Option<&str>) -> Result<Vec<targets::Target>, Failure> {
    targets::select(provider).map_err(Failure::Usage)
}

fn regen() -> Result<(), Failure> {
    let root = root()?;
    let snapshots = snapshot::snapshots(&root, targets::TARGETS).map_err(Failure::Failed)?;
    let written = snapshot::write(&root, &snapshots).map_err(Failure::Failed)?;
    for path in &written {
        outln!("wrote {}", path.display());
    }
    if written.is_empty() {
        outln!("generated snapshots are already up to date");
    }
    Ok(())
}

fn check() -> Result<(), Failure> {
    let root = root()?;
    // The spec each crate packages (the client's, and the fake's that
    // serves it) must be the one people edit in specs/.
    let mut unlinked = Vec::new();
    for target in targets::TARGETS {
        for packaged in [
            snapshot::packaged_spec(target),
            snapshot::packaged_fake_spec(target),
        ] {
            let same = matches!(
                (std::fs::read(root.join(target.spec)), std::fs::read(root.join(&packaged))),
                (Ok(a), Ok(b)) if a == b
            );
            if !same {
                unlinked.push(format!(
                    "{} is not {} (it should be a symlink to ../../../{})",
                    packaged.display(),
                    target.spec,
                    target.spec
                ));
            }
        }
    }
    if !unlinked.is_empty() {
        return Err(Failure::Failed(format!(
            "packaged specs differ from specs/:\n  {}",
            unlinked.join("\n  ")
        )));
    }
    let snapshots = snapshot::snapshots(&root, targets::TARGETS).map_err(Failure::Failed)?;
    let stale: Vec<&snapshot::Snapshot> = snapshots.iter().filter(|s| s.is_stale()).collect();
    if stale.is_empty() {
        outln!("generated snapshots are up to date");
        return Ok(());
    }
    for s in &stale {
        out!("{}", s.diff());
    }
    Err(Failure::Failed(format!(
        "{} stale generated snapshot(s) (run `cargo xtask regen`):\n  {}",
        stale.len(),
        stale
            .iter()
            .map(|s| format!("{} ({})", s.path.display(), s.provider))
            .collect::<Vec<_>>()
            .join("\n  ")
    )))
}

fn diff_command(args: &[String]) -> Result<(), Failure> {
    let mut base = "HEAD".to_string();
    let mut allow_breaking = false;
    let mut rust = false;
    let mut rest = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--allow-breaking" => allow_breaking = true,
            "--rust" => rust = true,
            "--base" => {
                base = iter
                    .next()
                    .ok_or_else(|| Failure::Usage("--base needs a git revision".into()))?
                    .clone()
            }
            other => match other.strip_prefix("--base=") {
                Some(rev) => base = rev.to_string(),
                None => rest.push(arg.clone()),
            },
        }
    }
    let targets = select(provider_arg(&rest)?)?;
    let root = root()?;
    let mut breaking = 0;
    for target in &targets {
        let old_text = diff::spec_at(&root, &base, target.spec).map_err(Failure::Failed)?;
        let old = match &old_text {
            Some(text) => spec::parse(text)
                .map_err(|e| Failure::Failed(format!("{} at {base}: {e}", target.spec)))?,
            None => diff::empty_spec(),
        };
        let new = spec::load(&root.join(target.spec)).map_err(|e| Failure::Failed(e.into()))?;
        let changes = diff::diff(&old, &new);
        let count = changes.iter().filter(|c| c.breaking).count();
        breaking += count;
        let since = if old_text.is_some() {
            format!("since {base}")
        } else {
            format!("new since {base}")
        };
        if changes.is_empty() {
            outln!(
                "{} ({}, {since}): no API changes",
                target.provider,
                target.spec
            );
        } else {
            outln!(
                "{} ({}, {since}): {} change(s), {count} breaking",
                target.provider,
                target.spec,
                changes.len()
            );
            for change in &changes {
                let tag = if change.breaking { "BREAKING" } else { "ok" };
                outln!("  {tag:<8}  {change}");
            }
        }
        if rust {
            let text = diff::rust_diff(old_text.as_deref(), &root.join(target.spec), target)
                .map_err(Failure::Failed)?;
            out!("{text}");
        }
    }
    if breaking > 0 && !allow_breaking {
        return Err(Failure::Failed(format!(
            "{breaking} breaking change(s); if they are intended, rerun with --allow-breaking"
        )));
    }
    Ok(())
}

fn lint_command(args: &[String]) -> Result<(), Failure> {
    let targets = select(provider_arg(args)?)?;
    let root = root()?;
    let mut total = 0;
    for target in &targets {
        let findings = lint::lint_file(&root.join(target.spec)).map_err(Failure::Failed)?;
        if findings.is_empty() {
            outln!("{}: ok", target.spec);
        } else {
            outln!("{}: {} problem(s)", target.spec, findings.len());
            for finding in &findings {
                outln!("  {finding}");
            }
        }
        total += findings.len();
    }
    if total > 0 {
        return Err(Failure::Failed(format!("lint: {total} problem(s)")));
    }
    Ok(())
}

fn semver_command() -> Result<(), Failure> {
    if !semver::installed() {
        return Err(Failure::Failed(
            "cargo-semver-checks is not installed: cargo install cargo-semver-checks --locked"
                .into(),
        ));
    }
    let root = root()?;
    let mut cases = Vec::new();
    for dir in semver::FIXTURE_DIRS {
        cases.extend(semver::cases(&root.join(dir)).map_err(Failure::Failed)?);
    }
    let work = root.join("target/semver");
    outln!("{}", semver::HEADER);
    let mut disagreements = 0;
    for case in &cases {
        let row = semver::check(&root, case, &work).map_err(Failure::Failed)?;
        outln!("{row}");
        if !row.passes() {
            disagreements += 1;
        }
    }
    if disagreements > 0 {
        return Err(Failure::Failed(format!(
            "{disagreements} of {} fixture pair(s): `cargo xtask diff` and cargo-semver-checks \
             disagree beyond the known gaps (semver::KNOWN_GAPS)",
            cases.len()
        )));
    }
    outln!(
        "{} fixture pair(s): `cargo xtask diff` agrees with cargo-semver-checks \
         but for {} known gap(s) of the tool",
        cases.len(),
        semver::KNOWN_GAPS.len()
    );
    Ok(())
}

fn upstream_command(args: &[String]) -> Result<(), Failure> {
    // Every option belongs to `--sync`, which says what it lacks if absent.
    if args.iter().any(|a| a.starts_with("--")) {
        return upstream_sync_command(args);
    }
    let root = root()?;
    let official = match args {
        [provider] if provider == "cloudtower" => vendored_document(&root),
        [provider, official] if provider == "cloudtower" => std::path::PathBuf::from(official),
        [provider, ..] if provider != "cloudtower" => {
            return Err(Failure::Usage(format!(
                "no official spec to compare with for `{provider}`; only `cloudtower`"
            )));
        }
        [_, _, extra, ..] => {
            return Err(Failure::Usage(format!("unexpected argument `{extra}`")));
        }
        _ => return Err(Failure::Usage("upstream needs a provider".into())),
    };
    let ours = targets::TARGETS
        .iter()
        .find(|t| t.provider == "cloudtower")
        .expect("cloudtower is a target");
    // Relative paths are taken from where the command runs, as a user expects.
    let official = official.as_path();
    let disagreements =
        upstream::compare_files(&root.join(ours.spec), official).map_err(Failure::Failed)?;
    for d in &disagreements {
        outln!("{d}");
    }
    let agrees = disagreements.is_empty();
    if agrees {
        outln!("{} agrees with {}", ours.spec, official.display());
    }
    // Every operation carries its first release (from the vendored table).
    let since = since_command::check_spec(&root, &since_command::table(&root)?);
    if agrees {
        since
    } else {
        Err(Failure::Failed(format!(
            "{} disagreement(s) between {} and {}",
            disagreements.len(),
            ours.spec,
            official.display()
        )))
    }
}

fn upstream_sync_command(args: &[String]) -> Result<(), Failure> {
    let options = match args.split_first() {
        Some((provider, rest)) if provider == "cloudtower" => {
            xtask::sync::Options::parse(rest, &vendored_document(&root()?))
                .map_err(Failure::Usage)?
        }
        _ => {
            return Err(Failure::Usage(
                "upstream --sync works on `cloudtower` only".into(),
            ));
        }
    };
    let ours = targets::TARGETS
        .iter()
        .find(|t| t.provider == "cloudtower")
        .expect("cloudtower is a target");
    // Fully qualified: `xtask::sync` is this command's alone.
    let report =
        xtask::sync::run(&root()?.join(ours.spec), ours.spec, &options).map_err(Failure::Failed)?;
    out!("{report}");
    // A newer document records its release in the table; every operation
    // of the spec is then stamped (--write) or checked.
    let since = since_command::sync(&root()?, &options.official, options.write);
    if report.clean() {
        since
    } else {
        Err(Failure::Failed(report.summary()))
    }
}

/// `import cloudtower [<official-spec>] <path-or-operationId>...`.
fn import_command(args: &[String]) -> Result<(), Failure> {
    let root = root()?;
    let (official_path, wanted) = match args {
        [provider, document, wanted @ ..]
            if provider == "cloudtower"
                && official::is_document_argument(document)
                && !wanted.is_empty() =>
        {
            (std::path::PathBuf::from(document), wanted)
        }
        [provider, wanted @ ..]
            if provider == "cloudtower"
                && !wanted.is_empty()
                && !wanted.iter().any(|w| official::is_document_argument(w)) =>
        {
            (vendored_document(&root), wanted)
        }
        [provider, ..] if provider != "cloudtower" => {
            return Err(Failure::Usage(format!(
                "no official spec to import from for `{provider}`; only `cloudtower`"
            )));
        }
        _ => {
            return Err(Failure::Usage(
                "import needs `cloudtower`, optionally the official spec (first), and at least \
                 one path or operationId"
                    .into(),
            ));
        }
    };
    let ours_path = root.join("specs/cloudtower.yaml");
    let ours = std::fs::read_to_string(&ours_path)
        .map_err(|e| Failure::Failed(format!("{}: {e}", ours_path.display())))?;
    let official_path = official_path.as_path();
    let doc = spec::load(official_path).map_err(|e| Failure::Failed(e.into()))?;
    // The official texts sit beside the document, under the names of the
    // vendored folder (upstream/cloudtower/).
    let version = doc
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .unwrap_or(official::VERSION);
    let read_optional = |path: std::path::PathBuf| -> Result<serde_json::Value, Failure> {
        if !path.exists() {
            eprintln!("note: {} not found; texts are derived only", path.display());
            return Ok(serde_json::Value::Null);
        }
        spec::load(&path).map_err(|e| Failure::Failed(e.into()))
    };
    let texts = import::Texts {
        descriptions: read_optional(official::descriptions_beside(official_path, version, "en"))?,
        request_examples: read_optional(official::request_examples_beside(official_path))?,
    };
    let outcome = import::import(&ours, &doc, &texts, wanted).map_err(Failure::Failed)?;
    for path in &outcome.added_operations {
        outln!("added operation {path}");
    }
    for path in &outcome.kept_operations {
        outln!("left alone operation {path} (already in the spec)");
    }
    for name in &outcome.added_schemas {
        outln!("added schema {name}");
    }
    if !outcome.kept_schemas.is_empty() {
        outln!(
            "left alone schemas already in the spec: {}",
            outcome.kept_schemas.join(", ")
        );
    }
    for tag in &outcome.added_tags {
        outln!("added tag {tag}");
    }
    if !outcome.documented.is_empty() {
        outln!(
            "documented {} field(s) the spec had without a description",
            outcome.documented.len()
        );
    }
    if !outcome.left_out.is_empty() {
        outln!(
            "left out {} item(s) by the curation rules (relation filters to where-inputs the spec does not have, and where-input comparisons beyond id, name, enum and boolean columns): {}",
            outcome.left_out.len(),
            outcome.left_out.join(", ")
        );
    }
    let text = since_command::stamp_import(&root, &outcome.text)?;
    if text != ours {
        std::fs::write(&ours_path, &text)
            .map_err(|e| Failure::Failed(format!("{}: {e}", ours_path.display())))?;
        outln!(
            "wrote specs/cloudtower.yaml: {} operation(s), {} schema(s) added; run `cargo xtask regen` and add a contract test per operation",
            outcome.added_operations.len(),
            outcome.added_schemas.len()
        );
    } else {
        outln!("specs/cloudtower.yaml already has everything asked for");
    }
    Ok(())
}

fn msrv_command() -> Result<(), Failure> {
    let report = msrv::run(&root()?).map_err(Failure::Failed)?;
    if let Some((version, p)) = &report.highest {
        outln!(
            "highest rust-version among the dependencies: {version} ({} {})",
            p.name,
            p.version
        );
    }
    if report.too_new.is_empty() && report.undeclared.is_empty() {
        outln!("rust-version of every published crate is at least every dependency's");
        return Ok(());
    }
    for name in &report.undeclared {
        outln!("{name}: no rust-version");
    }
    for (member, declared, p) in &report.too_new {
        outln!(
            "{member} declares rust-version {declared}, but {} {} needs {}",
            p.name,
            p.version,
            p.rust_version.as_deref().unwrap_or_default()
        );
    }
    Err(Failure::Failed(
        "msrv: the declared rust-version is not true".into(),
    ))
}

fn build_cost_command(args: &[String]) -> Result<(), Failure> {
    let mut rounds = 2usize;
    let mut release = false;
    let mut providers = Vec::new();
    let mut extra = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--release" => release = true,
            "--features" => extra.push(
                iter.next()
                    .filter(|f| !f.trim().is_empty())
                    .cloned()
                    .ok_or_else(|| Failure::Usage("--features needs a feature list".into()))?,
            ),
            "--rounds" => {
                rounds = iter
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Failure::Usage("--rounds needs a positive number".into()))?
            }
            flag if flag.starts_with('-') => {
                return Err(Failure::Usage(format!("unknown option `{flag}`")));
            }
            name => providers.push(name.to_string()),
        }
    }
    if providers.is_empty() {
        providers = build_cost::PROVIDERS
            .iter()
            .map(|p| p.0.to_string())
            .collect();
    }
    let names: Vec<&str> = providers.iter().map(String::as_str).collect();
    let root = root()?;
    let variants = build_cost::prepare(&root, &names, &extra).map_err(Failure::Usage)?;
    let mut measured = vec![
        build_cost::Measured {
            noop_fresh: true,
            ..Default::default()
        };
        variants.len()
    ];
    let profile = if release { "release" } else { "dev" };
    outln!("cold builds ({profile} profile) in target/build-cost, {rounds} round(s), taking turns");
    for round in 1..=rounds {
        for (variant, m) in variants.iter().zip(&mut measured) {
            let build_cost::Build {
                cpu,
                rustc,
                noop,
                fresh,
            } = build_cost::measure(variant, release).map_err(Failure::Failed)?;
            outln!(
                "round {round}: {:<28} cpu {:>7.1} s   no-op rebuild {:>5.2} s{}",
                variant.label,
                cpu.as_secs_f64(),
                noop.as_secs_f64(),
                if fresh {
                    ""
                } else {
                    " (NOT FRESH: something ran)"
                }
            );
            m.cpu.push(cpu);
            m.rustc.push(rustc);
            m.noop.push(noop);
            m.noop_fresh &= fresh;
        }
    }
    // `prepare` writes the two baselines first. The ratios use each
    // crate's best round: a busy machine only ever adds time, so the
    // fastest cold build is the best estimate of what the build itself
    // costs (the median is printed beside it).
    let best = |m: &build_cost::Measured| m.cpu.iter().min().copied().unwrap_or_default();
    let floor = best(&measured[0]).as_secs_f64();
    let floor_tls = best(&measured[1]).as_secs_f64();
    // The in-build ratios (see build_cost's docs), like for like.
    let in_build_floor = measured[0].baseline();
    let in_build_floor_tls = measured[1].baseline();
    outln!();
    outln!(
        "{:<28} {:>10} {:>12} {:>10} {:>14} {:>14} {:>10} {:>14}",
        "crate",
        "best cpu",
        "median cpu",
        "vs floor",
        "vs floor+TLS",
        "like for like",
        "in-build",
        "no-op rebuild"
    );
    let mut ok = true;
    for (variant, m) in variants.iter().zip(&measured) {
        let cpu = best(m).as_secs_f64();
        let median = build_cost::median(m.cpu.iter().map(std::time::Duration::as_secs_f64));
        let noop = m.noop.iter().max().copied().unwrap_or_default();
        ok &= m.noop_fresh && noop.as_secs_f64() < 1.0;
        // Like for like: a build with the TLS provider against the floor with it.
        let (like, like_split) = if variant.tls {
            (floor_tls, &in_build_floor_tls)
        } else {
            (floor, &in_build_floor)
        };
        outln!(
            "{:<28} {:>8.1} s {:>10.1} s {:>9.2}x {:>13.2}x {:>13.2}x {:>9.2}x {:>12.2} s{}",
            variant.label,
            cpu,
            median,
            cpu / floor,
            cpu / floor_tls,
            cpu / like,
            m.in_build_ratio(like_split),
            noop.as_secs_f64(),
            if m.noop_fresh { "" } else { " (not fresh)" }
        );
    }
    if ok {
        Ok(())
    } else {
        Err(Failure::Failed(
            "a no-op rebuild ran something or took 1 s or more".into(),
        ))
    }
}

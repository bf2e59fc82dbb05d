//! The command line of `cargo xtask since` and the version steps of
//! `upstream cloudtower` and `import cloudtower` (the logic is
//! [`xtask::since`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use cloud_spec as spec;
use xtask::outln;
use xtask::since::{self, Recorded, Table};

use super::{Failure, root};

/// The curated spec the stamps go on, relative to the workspace root.
const SPEC: &str = "specs/cloudtower.yaml";

/// `since [--from <version>=<document-or-list>...] [--write]`.
pub(super) fn command(args: &[String]) -> Result<(), Failure> {
    let mut write = false;
    let mut from = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--write" => write = true,
            "--from" => {
                let mut any = false;
                while let Some(next) = iter.as_slice().first().filter(|a| !a.starts_with("--")) {
                    from.push(release_arg(next)?);
                    iter.next();
                    any = true;
                }
                if !any {
                    return Err(Failure::Usage(
                        "--from needs at least one <version>=<document-or-list>".into(),
                    ));
                }
            }
            other => return Err(Failure::Usage(format!("unexpected argument `{other}`"))),
        }
    }
    let root = root()?;
    let table_path = root.join(since::TABLE);
    // Recomputing needs no table to start from.
    let mut table = if from.is_empty() || table_path.exists() {
        Table::load(&table_path).map_err(Failure::Failed)?
    } else {
        Table::default()
    };
    if !from.is_empty() {
        let mut releases = Vec::new();
        for (version, file) in &from {
            let paths = read_operations(file)?;
            outln!(
                "{version}: {} operation(s) in {}",
                paths.len(),
                file.display()
            );
            releases.push((version.clone(), paths));
        }
        let computed = since::compute(&releases).map_err(Failure::Failed)?;
        let changed = describe_change(&table, &computed);
        if changed.is_empty() {
            outln!("{} already says this", since::TABLE);
        } else {
            for line in &changed {
                outln!("  {line}");
            }
            if !write {
                return Err(Failure::Failed(format!(
                    "{} change(s) to {}; rerun with --write to record them",
                    changed.len(),
                    since::TABLE
                )));
            }
            write_file(&table_path, &computed.to_json())?;
            outln!("wrote {} ({} change(s))", since::TABLE, changed.len());
        }
        table = computed;
    }
    stamp_or_check(&root, &table, write)
}

/// `4.5.0=path/to/file` as its parts.
fn release_arg(arg: &str) -> Result<(String, PathBuf), Failure> {
    let (version, file) = arg.split_once('=').ok_or_else(|| {
        Failure::Usage(format!(
            "`{arg}`: expected <version>=<document-or-list>, e.g. 4.0.0=4.0.0-swagger.json"
        ))
    })?;
    version
        .parse::<cloud_common::Version>()
        .map_err(|e| Failure::Usage(e.to_string()))?;
    Ok((version.to_string(), PathBuf::from(file)))
}

/// The operations of an official document (`.json`, `.yaml`, `.json.gz`
/// is not read: unpack it first) or of a list of paths (anything else).
fn read_operations(file: &Path) -> Result<BTreeSet<String>, Failure> {
    let name = file.to_string_lossy();
    if xtask::official::is_document_argument(&name) {
        let doc = spec::load(file).map_err(|e| Failure::Failed(e.into()))?;
        Ok(since::document_operations(&doc))
    } else {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::Failed(format!("{}: {e}", file.display())))?;
        Ok(since::listed_operations(&text))
    }
}

/// What moving from `old` to `new` changes, one line each.
fn describe_change(old: &Table, new: &Table) -> Vec<String> {
    let mut lines = Vec::new();
    if old.versions != new.versions {
        lines.push(format!(
            "releases: {} -> {}",
            old.versions.join(", "),
            new.versions.join(", ")
        ));
    }
    let paths: BTreeSet<&String> = old.operations.keys().chain(new.operations.keys()).collect();
    for path in paths {
        match (old.since(path), new.since(path)) {
            (Some(a), Some(b)) if a != b => lines.push(format!("{path}: {a} -> {b}")),
            (None, Some(b)) => lines.push(format!("{path}: added, since {b}")),
            (Some(a), None) => lines.push(format!("{path}: removed (was since {a})")),
            _ => {}
        }
    }
    lines
}

/// Stamps the spec from `table` (`write`), or fails listing where they
/// differ.
fn stamp_or_check(root: &Path, table: &Table, write: bool) -> Result<(), Failure> {
    let path = root.join(SPEC);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))?;
    if write {
        let stamped = since::stamp(&text, table).map_err(Failure::Failed)?;
        if stamped.text != text {
            write_file(&path, &stamped.text)?;
            outln!(
                "wrote {SPEC}: `{}` on {} operation(s)",
                spec::SINCE_EXTENSION,
                stamped.stamped.len()
            );
        }
    }
    check_spec(root, table)
}

/// `cargo xtask upstream`'s version step: every operation of the spec
/// carries the table's release.
pub(super) fn check_spec(root: &Path, table: &Table) -> Result<(), Failure> {
    let doc = spec::load(&root.join(SPEC)).map_err(|e| Failure::Failed(e.into()))?;
    let problems = since::check(&doc, table);
    for p in &problems {
        outln!("{p}");
    }
    if problems.is_empty() {
        let count = spec::operations(&doc).len();
        outln!(
            "{SPEC}: `{}` on all {count} operation(s) agrees with {}",
            spec::SINCE_EXTENSION,
            since::TABLE
        );
        Ok(())
    } else {
        Err(Failure::Failed(format!(
            "{} operation(s) of {SPEC} without the release {} gives them",
            problems.len(),
            since::TABLE
        )))
    }
}

/// The vendored table.
pub(super) fn table(root: &Path) -> Result<Table, Failure> {
    Table::load(&root.join(since::TABLE)).map_err(Failure::Failed)
}

/// `upstream cloudtower --sync`'s version step: a newer official document
/// records its release and the operations first in it (written with
/// `--write`, which also stamps the spec), a known one is checked against
/// the table.
pub(super) fn sync(root: &Path, official: &Path, write: bool) -> Result<(), Failure> {
    let doc = spec::load(official).map_err(|e| Failure::Failed(e.into()))?;
    let version = doc
        .pointer("/info/version")
        .and_then(serde_json::Value::as_str)
        .ok_or_else(|| Failure::Failed(format!("{}: no `info.version`", official.display())))?;
    let mut table = table(root)?;
    let recorded = since::record_release(&mut table, version, &since::document_operations(&doc))
        .map_err(Failure::Failed)?;
    match recorded {
        Recorded::Known { problems } if problems.is_empty() => {
            outln!(
                "release {version} is in {}, which agrees with it",
                since::TABLE
            );
        }
        Recorded::Known { problems } => {
            for p in &problems {
                outln!("  {p}");
            }
            return Err(Failure::Failed(format!(
                "{} operation(s) of {} disagree with {}",
                problems.len(),
                official.display(),
                since::TABLE
            )));
        }
        Recorded::Older => outln!(
            "release {version} is older than {}'s newest and not in it: nothing recorded \
             (recompute the table with `cargo xtask since --from`)",
            since::TABLE
        ),
        Recorded::Newer { added } => {
            outln!(
                "release {version} is newer than {}'s: {} operation(s) first in it{}",
                since::TABLE,
                added.len(),
                if write { "" } else { " (--write records them)" }
            );
            for path in &added {
                outln!("  since {version}: {path}");
            }
            if write {
                write_file(&root.join(since::TABLE), &table.to_json())?;
                outln!("wrote {} (release {version} added)", since::TABLE);
            } else {
                return Err(Failure::Failed(format!(
                    "{} does not record release {version} yet",
                    since::TABLE
                )));
            }
        }
    }
    stamp_or_check(root, &table, write)
}

/// `import`'s version step: the operations it added are stamped.
pub(super) fn stamp_import(root: &Path, text: &str) -> Result<String, Failure> {
    let table = table(root)?;
    let stamped = since::stamp(text, &table).map_err(Failure::Failed)?;
    for (path, version) in &stamped.stamped {
        outln!("stamped {path}: since {version}");
    }
    Ok(stamped.text)
}

fn write_file(path: &Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text).map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))
}

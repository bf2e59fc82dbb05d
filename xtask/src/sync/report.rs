//! What `--sync` prints: the disagreements, the lacks (grouped per schema
//! where a run without a base would list hundreds), the base used and what
//! was written.

use std::fmt;

use super::{Edit, Kind, Lack, NO_BASE};
use crate::upstream::Disagreement;

/// What `--sync` found, and did.
#[derive(Debug)]
pub struct Report {
    /// The spec, as named in messages.
    pub spec: String,
    /// The official document, as named in messages.
    pub official: String,
    /// Where the spec says something else than the official document.
    pub disagreements: Vec<Disagreement>,
    /// What the official document has and the spec lacks.
    pub lacks: Vec<Lack>,
    /// Which document told new from left out, if any.
    pub base: Option<String>,
    /// Whether the spec file was rewritten.
    pub wrote: bool,
    /// Lint problems the written spec has and the old one did not (the
    /// additions are written; these need a hand, e.g. examples missing a
    /// new required field).
    pub new_lint: Vec<String>,
}

impl Report {
    /// Nothing lacking that was not written, no disagreement, no new lint
    /// problem.
    pub fn clean(&self) -> bool {
        self.disagreements.is_empty()
            && self.new_lint.is_empty()
            && self.lacks.iter().all(|l| l.written)
    }

    /// One line for the exit message.
    pub fn summary(&self) -> String {
        let open = self.lacks.iter().filter(|l| !l.written).count();
        format!(
            "{} disagreement(s), {open} addition(s) not in {}, {} new lint problem(s)",
            self.disagreements.len(),
            self.spec,
            self.new_lint.len()
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.disagreements.is_empty() {
            writeln!(f, "{} agrees with {}", self.spec, self.official)?;
        } else {
            writeln!(
                f,
                "{} disagreement(s) between {} and {} (what we say and it does not):",
                self.disagreements.len(),
                self.spec,
                self.official
            )?;
            for d in &self.disagreements {
                writeln!(f, "  {d}")?;
            }
        }
        let breaking = self.lacks.iter().filter(|l| l.breaking).count();
        let writable = self.lacks.iter().filter(|l| l.writable()).count();
        if self.lacks.is_empty() {
            writeln!(f, "{} has nothing {} lacks", self.official, self.spec)?;
        } else {
            writeln!(
                f,
                "{} addition(s) in {} that {} lacks, {breaking} breaking, {writable} for --write:",
                self.lacks.len(),
                self.official,
                self.spec
            )?;
            // Without a base, every property the spec leaves out is listed:
            // one line per schema keeps that readable.
            let mut grouped: Vec<(&str, Vec<&str>)> = Vec::new();
            for lack in &self.lacks {
                let group = self.base.is_none() && lack.kind == Kind::Property && !lack.breaking;
                if let (true, Some(Edit::Property { schema, name, .. })) = (group, &lack.edit) {
                    match grouped.iter_mut().find(|(s, _)| s == schema) {
                        Some((_, names)) => names.push(name),
                        None => grouped.push((schema, vec![name])),
                    }
                } else {
                    writeln!(f, "  {lack}")?;
                }
            }
            for (schema, names) in &grouped {
                let shown: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
                let more = if names.len() > 5 { ", ..." } else { "" };
                writeln!(
                    f,
                    "  {:<8}  schema `{schema}`: {} propert{} not in the spec ({}{more}), none breaking  [{NO_BASE}]",
                    "ok",
                    names.len(),
                    if names.len() == 1 { "y" } else { "ies" },
                    shown.join(", ")
                )?;
            }
        }
        match &self.base {
            Some(base) => writeln!(
                f,
                "base: {base}; what it has too, the spec leaves out on purpose"
            )?,
            None => writeln!(
                f,
                "no base: properties, operations and responses the spec leaves out are listed too; \
                 --base <the official document it was curated from> lists only new ones"
            )?,
        }
        if self.wrote {
            let written = self.lacks.iter().filter(|l| l.written).count();
            writeln!(f, "wrote {} ({written} addition(s))", self.spec)?;
        }
        for problem in &self.new_lint {
            writeln!(f, "  new lint problem: {problem}")?;
        }
        Ok(())
    }
}

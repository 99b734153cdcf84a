//! `coverage diff`: which kept scenarios a change adds and removes.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;
use comfy_table::{Cell, CellAlignment, Table, presets};

use coverage::contract::diff::{ManifestDiff, ManifestIds};
use coverage::contract::manifest::Manifest;
use coverage::{Coverage, Selection};

use super::UsageError;

/// Compare the kept scenarios of two manifests, OLD and NEW: the
/// scenarios added and removed, per rule and per domain and behavior.
///
/// Each side is a manifest file (written by `coverage manifest --json`) or
/// a run of this build with `--seed N`: `coverage diff old.json new.json`,
/// `coverage diff --seed 42 --seed 7`, `coverage diff old.json --seed 42`
/// (with one file and one seed, the file is OLD).
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A manifest file: OLD, then NEW.
    #[arg(value_name = "MANIFEST", num_args = 0..=2)]
    files: Vec<PathBuf>,
    /// A side computed by this build with this seed (OLD first when repeated).
    #[arg(long = "seed", value_name = "N", value_parser = super::parse_seed, allow_hyphen_values = true)]
    seeds: Vec<u64>,
    /// Print the diff as JSON (the `ManifestDiff` contract).
    #[arg(long)]
    json: bool,
    /// Exit 1 when any scenario OLD keeps is not kept in NEW.
    #[arg(long)]
    fail_on_removed: bool,
}

impl DiffArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        if self.files.len() + self.seeds.len() != 2 {
            return Err(UsageError(format!(
                "coverage diff compares two sides, OLD and NEW, each a manifest file or --seed N; got {} file(s) and {} seed(s)",
                self.files.len(),
                self.seeds.len()
            ))
            .into());
        }
        let mut sides = Vec::with_capacity(2);
        for (path, name) in self.files.iter().zip(["OLD", "NEW"]) {
            sides.push(read_manifest(path, name)?);
        }
        for &seed in &self.seeds {
            let manifest = Manifest::build(&Coverage::evaluate(seed), &Selection::all());
            sides.push(ManifestIds::of(&manifest));
        }
        let diff = ManifestDiff::between(&sides[0], &sides[1]);
        if self.json {
            out.write_all(diff.to_json().as_bytes())?;
        } else {
            write!(out, "{}", render(&diff))?;
        }
        if self.fail_on_removed && diff.removed > 0 {
            out.flush()?;
            anyhow::bail!(
                "{} scenario(s) kept in OLD are not kept in NEW (--fail-on-removed)",
                diff.removed
            );
        }
        Ok(())
    }
}

fn read_manifest(path: &Path, name: &str) -> anyhow::Result<ManifestIds> {
    let valid = "give a file written by `coverage manifest --json`, or --seed N";
    let text = coverage::input::read_to_string(path, coverage::input::MAX_INPUT_BYTES).map_err(
        |error| {
            UsageError(format!(
                "{name} '{}' cannot be read ({error}); {valid}",
                path.display()
            ))
        },
    )?;
    ManifestIds::from_json(&text).map_err(|error| {
        UsageError(format!(
            "{name} '{}' is not a manifest ({error}); {valid}",
            path.display()
        ))
        .into()
    })
}

fn side(name: &str, side: &coverage::contract::diff::DiffSide) -> String {
    let hash = &side.taxonomy_hash[..side.taxonomy_hash.len().min("sha256:".len() + 12)];
    format!(
        "{name}: {} taxonomy {} ({hash}), seed {}: {} kept\n",
        side.vertical, side.taxonomy_version, side.seed, side.kept
    )
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    // Fixed layout: the same bytes on every terminal and in snapshots.
    table.load_preset(presets::ASCII_MARKDOWN);
    table.set_header(header.to_vec());
    table
}

fn number(n: usize) -> Cell {
    Cell::new(n).set_alignment(CellAlignment::Right)
}

/// The human-readable diff.
pub fn render(diff: &ManifestDiff) -> String {
    let mut text = side("OLD", &diff.old) + &side("NEW", &diff.new);
    if diff.added + diff.removed == 0 {
        text += "\nNo kept scenario was added or removed.\n";
        return text;
    }
    text += &format!(
        "{} added, {} removed\n\nPer rule: added = it removed them in OLD, removed = it removes them in NEW\n",
        diff.added, diff.removed
    );
    let mut rules = new_table(&["rule", "added", "removed"]);
    for rule in &diff.rules {
        rules.add_row(vec![
            Cell::new(&rule.rule),
            number(rule.added),
            number(rule.removed),
        ]);
    }
    // Scenarios one side has no entry for: outside its narrower
    // selection of the grid, or not in its grid at all.
    for (label, outside) in [
        ("(outside the other's selection)", true),
        ("(not in the other grid)", false),
    ] {
        let added = diff
            .added_scenarios
            .iter()
            .filter(|s| s.was.is_none() && s.outside_old_selection == outside)
            .count();
        let removed = diff
            .removed_scenarios
            .iter()
            .filter(|s| s.now.is_none() && s.outside_new_selection == outside)
            .count();
        if added + removed > 0 {
            rules.add_row(vec![Cell::new(label), number(added), number(removed)]);
        }
    }
    text += &rules.to_string();
    text += "\n\nPer domain and behavior\n";
    let mut pairs = new_table(&["domain", "behavior", "added", "removed"]);
    for pair in &diff.pairs {
        pairs.add_row(vec![
            Cell::new(&pair.domain),
            Cell::new(&pair.behavior),
            number(pair.added),
            number(pair.removed),
        ]);
    }
    text += &pairs.to_string();
    text += "\n\nAdded (kept in NEW, not in OLD)\n";
    if diff.added_scenarios.is_empty() {
        text += "(none)\n";
    }
    for s in &diff.added_scenarios {
        let was = match (&s.was, s.outside_old_selection) {
            (Some(rule), _) => format!("OLD: removed by {rule}"),
            (None, true) => "outside OLD's selection".to_owned(),
            (None, false) => "not in OLD's grid".to_owned(),
        };
        text += &format!("+ {} ({was})\n", s.id);
    }
    text += "\nRemoved (kept in OLD, not in NEW)\n";
    if diff.removed_scenarios.is_empty() {
        text += "(none)\n";
    }
    for s in &diff.removed_scenarios {
        let now = match (&s.now, s.outside_new_selection) {
            (Some(rule), _) => format!("NEW: removed by {rule}"),
            (None, true) => "outside NEW's selection".to_owned(),
            (None, false) => "not in NEW's grid".to_owned(),
        };
        text += &format!("- {} ({now})\n", s.id);
    }
    text
}

//! `coverage manifest`: every kept scenario and why each other one was excluded.

use std::io::Write;

use clap::Args;
use comfy_table::{Cell, CellAlignment, Table, presets};

use coverage::contract::manifest::Manifest;
use coverage::{Coverage, DEFAULT_SEED, cost, subset};

/// List kept and excluded scenarios, with counts per pair and per rule.
#[derive(Debug, Args)]
pub struct ManifestArgs {
    /// Seed for cap tie-breaking; recorded in the output.
    #[arg(long, default_value_t = DEFAULT_SEED, value_parser = super::parse_seed, allow_hyphen_values = true)]
    seed: u64,
    #[command(flatten)]
    selection: super::SelectionArgs,
    #[command(flatten)]
    subset: super::subset::SubsetArgs,
    /// Print the full manifest as JSON instead of the summary tables.
    #[arg(long)]
    json: bool,
}

impl ManifestArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let spec = self.subset.spec()?;
        let coverage = Coverage::evaluate(self.seed);
        let selection = self.selection.selection();
        let subset = spec.map(|spec| {
            let mut subset = subset::select_in(&coverage, &selection, &spec);
            subset.cost = Some(cost::subset_cost(&coverage, &selection, &subset));
            subset
        });
        let manifest = Manifest::build(&coverage, &selection).with_subset(subset);
        if self.json {
            // Serialized into one buffer, then one write: many small writes
            // through `dyn Write` cost more than the 3 MB copy.
            out.write_all(manifest.to_json().as_bytes())?;
        } else {
            write!(out, "{}", summary(&manifest))?;
        }
        Ok(())
    }
}

/// The human-readable summary: totals, kept/excluded per pair, removed per rule.
pub fn summary(manifest: &Manifest) -> String {
    let totals = manifest.totals;
    let mut text = format!(
        "{} taxonomy {} ({}), seed {}\n{} raw scenarios: {} kept, {} excluded\n\n",
        manifest.vertical,
        manifest.taxonomy_version,
        short_hash(&manifest.taxonomy_hash),
        manifest.seed,
        totals.raw,
        totals.kept,
        totals.excluded
    );
    text += "Kept / excluded per domain and behavior\n";
    text += &pair_table(manifest).to_string();
    text += "\n\nRemoved per rule, in the order rules run\n";
    text += &rule_table(manifest).to_string();
    text.push('\n');
    for rule in manifest.rules.iter().filter(|r| !r.binding) {
        text += &format!(
            "'{}' ({}) removes nothing here; a rule that never binds is legal: it guards cells or bins this selection does not have\n",
            rule.id, rule.kind
        );
    }
    if let Some(subset) = &manifest.subset {
        text.push('\n');
        text += &super::subset::summary(subset, totals.kept);
    }
    text
}

fn short_hash(hash: &str) -> &str {
    &hash[..hash.len().min("sha256:".len() + 12)]
}

fn new_table() -> Table {
    let mut table = Table::new();
    // Fixed layout: the same bytes on every terminal and in snapshots.
    table.load_preset(presets::ASCII_MARKDOWN);
    table
}

fn pair_table(manifest: &Manifest) -> Table {
    let behaviors = &manifest.selection.behaviors;
    let mut table = new_table();
    let mut header = vec![Cell::new("domain")];
    header.extend(behaviors.iter().map(|b| Cell::new(b.id())));
    header.push(Cell::new("total"));
    table.set_header(header);
    let mut column_totals = vec![(0, 0); behaviors.len() + 1];
    for &domain in &manifest.selection.domains {
        let mut row = vec![Cell::new(domain.id())];
        let mut row_total = (0, 0);
        for (i, &behavior) in behaviors.iter().enumerate() {
            let pair = manifest.pair(domain, behavior).expect("selected pair");
            let counts = (pair.kept, pair.raw - pair.kept);
            row.push(count_cell(counts));
            add(&mut row_total, counts);
            add(&mut column_totals[i], counts);
        }
        add(&mut column_totals[behaviors.len()], row_total);
        row.push(count_cell(row_total));
        table.add_row(row);
    }
    let mut footer = vec![Cell::new("total")];
    footer.extend(column_totals.into_iter().map(count_cell));
    table.add_row(footer);
    table
}

fn add(total: &mut (usize, usize), counts: (usize, usize)) {
    total.0 += counts.0;
    total.1 += counts.1;
}

fn count_cell((kept, excluded): (usize, usize)) -> Cell {
    Cell::new(format!("{kept} / {excluded}")).set_alignment(CellAlignment::Right)
}

fn rule_table(manifest: &Manifest) -> Table {
    let mut table = new_table();
    table.set_header(vec!["rule", "kind", "removed", "binding"]);
    for rule in &manifest.rules {
        table.add_row(vec![
            Cell::new(&rule.id),
            Cell::new(&rule.kind),
            Cell::new(rule.removed).set_alignment(CellAlignment::Right),
            Cell::new(if rule.binding { "yes" } else { "no" }),
        ]);
    }
    table
}

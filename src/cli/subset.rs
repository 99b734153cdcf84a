//! `--strength`, `--budget` and `--keep-from`, as every command that can
//! narrow a run to a covering subset reads them, and the lines that
//! describe a subset.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use coverage::contract::subset::Subset;
use coverage::subset::{self, Previous, Strength, SubsetSpec};

use super::UsageError;

/// Excluded combinations listed in text; the JSON lists every one.
const LISTED: usize = 8;

#[derive(Debug, clap::Args)]
pub(crate) struct SubsetArgs {
    /// Only a covering subset of the kept scenarios: every combination of
    /// T factor values (2: pairs, 3: triples) the kept set holds.
    // Checked in `spec`, not by clap: a bad value is then one line naming
    // it and what is valid, like every other usage error of ours.
    #[arg(long, value_name = "T")]
    strength: Option<String>,
    /// At most N scenarios, chosen to cover the most combinations.
    #[arg(long, value_name = "N", requires = "strength")]
    budget: Option<String>,
    /// Keep the scenarios of an earlier subset first (a manifest with a
    /// subset section, or a file of scenario ids, one per line).
    #[arg(long, value_name = "FILE", requires = "strength")]
    keep_from: Option<PathBuf>,
}

impl SubsetArgs {
    /// The subset asked for, with the `--keep-from` file read (a file that
    /// cannot be used is a usage error, before any work).
    pub(crate) fn spec(self) -> anyhow::Result<Option<SubsetSpec>> {
        let Some(strength) = self.strength else {
            return Ok(None);
        };
        let usage = |e: subset::SubsetError| UsageError(e.to_string());
        let strength: Strength = strength.parse().map_err(usage)?;
        let budget: Option<NonZeroUsize> = self
            .budget
            .map(|text| subset::parse_budget(&text))
            .transpose()
            .map_err(usage)?;
        let keep_from = match self.keep_from {
            Some(path) => Some(Previous::read(&path).map_err(usage)?),
            None => None,
        };
        Ok(Some(SubsetSpec {
            strength,
            budget,
            keep_from,
        }))
    }
}

/// A few lines on a subset: its size, its coverage, what it costs, how
/// the earlier subset fared, and the combinations rules removed.
pub(crate) fn summary(subset: &Subset, kept: usize) -> String {
    let t = subset.strength;
    let c = subset.combinations;
    let mut text = format!(
        "Covering subset of strength {t}: {} of {kept} kept scenarios (lower bound {}{})\n",
        subset.size,
        subset.lower_bound,
        subset
            .budget
            .map(|b| format!(", budget {b}"))
            .unwrap_or_default()
    );
    text += &format!(
        "{t}-way combinations: {} in the grid, {} excluded by rule, {} coverable, {} covered ({:.2}% of coverable)\n",
        c.in_grid,
        c.excluded_by_rule,
        c.coverable,
        c.covered,
        subset.coverage * 100.0
    );
    if let Some(cost) = &subset.cost {
        text += &format!(
            "One run on {} (rates of {}): ${:.2} for {} conversations, {} input and {} output tokens\n",
            cost.model,
            cost.rates_date,
            cost.cost_usd,
            cost.conversations,
            cost.input_tokens,
            cost.output_tokens
        );
    }
    if let Some(k) = subset.keep_from {
        text += &format!(
            "Kept from the earlier subset: {} of its {} scenarios ({} dropped), {} added\n",
            k.retained, k.previous, k.dropped, k.added
        );
    }
    text += &excluded_lines(subset);
    text
}

fn excluded_lines(subset: &Subset) -> String {
    let all = &subset.excluded_combinations;
    if all.is_empty() {
        return String::new();
    }
    let mut text = format!(
        "Excluded by rule ({} combinations, never asked for):\n",
        all.len()
    );
    for combination in all.iter().take(LISTED) {
        text += &format!(
            "  {} ({})\n",
            combination.text(),
            combination.rules.join(", ")
        );
    }
    if all.len() > LISTED {
        text += &format!(
            "  … and {} more (every one is in --json)\n",
            all.len() - LISTED
        );
    }
    text
}

//! `docs/taxonomy.md`: the reference of the compiled taxonomy, written from
//! the very tables the engine runs, so it cannot drift from them (a test
//! compares the committed file with [`taxonomy_reference`]).

use std::fmt::Write;

use coverage_core::{Condition, GroupKey, RuleKind};

use crate::contract::manifest::Manifest;
use crate::taxonomy::{self, FIXTURES, TAXONOMY};
use crate::{Coverage, DEFAULT_SEED, Selection};

/// The command that rewrites the committed reference.
pub const DOCS_COMMAND: &str = "cargo run -- taxonomy docs > docs/taxonomy.md";

/// The Markdown reference of the compiled taxonomy; removed counts are
/// those of [`DEFAULT_SEED`].
pub fn taxonomy_reference() -> String {
    let t = &TAXONOMY;
    let manifest = Manifest::build(&Coverage::evaluate(DEFAULT_SEED), &Selection::all());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# The {} taxonomy, version {}\n\n\
         <!-- Generated from {} by `{DOCS_COMMAND}`; do not edit by hand. -->\n",
        t.vertical,
        t.version,
        taxonomy::SOURCE
    );
    let totals = manifest.totals;
    let _ = writeln!(
        out,
        "Source: `{}` ({}). {} domains × {} behaviors × {} bin combinations = {} scenarios; \
         with seed {DEFAULT_SEED}, {} are kept and {} excluded. What changed in each version: \
         `taxonomy/{}/CHANGELOG.md`. The rule language: [rules.md](rules.md).\n",
        taxonomy::SOURCE,
        taxonomy::HASH,
        t.domains.len(),
        t.behaviors.len(),
        t.axes.iter().map(|a| a.bins.len()).product::<usize>(),
        totals.raw,
        totals.kept,
        totals.excluded,
        t.vertical
    );

    out.push_str("## Difficulties\n\n| id | label | description |\n|---|---|---|\n");
    entry_rows(&mut out, t.difficulties.iter());

    out.push_str("\n## Domains\n\n| # | id | label | description |\n|---|---|---|---|\n");
    for (i, e) in t.domains.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | {} |",
            i + 1,
            e.id,
            cell(&e.label),
            cell(&e.description)
        );
    }

    out.push_str(
        "\n## Behaviors\n\n| id | label | difficulty | description |\n|---|---|---|---|\n",
    );
    for b in t.behaviors.iter() {
        let _ = writeln!(
            out,
            "| `{}` | {} | `{}` | {} |",
            b.entry.id,
            cell(&b.entry.label),
            t.difficulties[usize::from(b.difficulty)].id,
            cell(&b.entry.description)
        );
    }

    out.push_str("\n## Axes\n\nA scenario id joins the domain, the behavior and one bin per axis, in this order.\n");
    for axis in t.axes.iter() {
        let _ = writeln!(
            out,
            "\n### `{}`: {}\n\n{}\n\n| bin | label | description |\n|---|---|---|",
            axis.entry.id, axis.entry.label, axis.entry.description
        );
        entry_rows(&mut out, axis.bins.iter());
    }

    let _ = writeln!(
        out,
        "\n## Rules\n\nRules run top to bottom; each sees only the scenarios the rules above it kept. \
         Removed counts are for seed {DEFAULT_SEED}: a cap's count is the same for every seed, only its picks move."
    );
    for (i, (rule, summary)) in t.rules.iter().zip(&manifest.rules).enumerate() {
        let _ = writeln!(
            out,
            "\n### {}. `{}`\n\n- kind: {}\n- scope: {}\n- match: {}",
            i + 1,
            rule.id,
            rule.kind_id(),
            scope(&rule.when),
            matches(&rule.when)
        );
        if let RuleKind::Cap(cap) = &rule.kind {
            let per: Vec<String> = cap
                .per
                .iter()
                .map(|key| match key {
                    GroupKey::Domain => "domain".to_owned(),
                    GroupKey::Behavior => "behavior".to_owned(),
                    GroupKey::Axis(a) => t.axes[usize::from(*a)].entry.id.to_string(),
                })
                .collect();
            let per = if per.is_empty() {
                "in all".to_owned()
            } else {
                format!("per ({})", per.join(", "))
            };
            let _ = write!(out, "- keeps: at most {} {per}", cap.max);
            if let Some(axis) = cap.balance {
                let _ = write!(
                    out,
                    ", balanced over `{}`",
                    t.axes[usize::from(axis)].entry.id
                );
            }
            out.push('\n');
        }
        let binding = if summary.binding {
            ""
        } else {
            " (never binds on this taxonomy)"
        };
        let _ = writeln!(
            out,
            "- removed (seed {DEFAULT_SEED}): {}{binding}\n\n{}",
            summary.removed, rule.rationale
        );
    }

    out.push_str("\n## Outcome table\n\nEvery scenario's final outcome: the first row whose scope and match fit decides.\n\n| # | row | decision | scope | match | rationale |\n|---|---|---|---|---|---|\n");
    for (i, row) in t.outcomes.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | `{}` | `{}` | {} | {} | {} |",
            i + 1,
            row.id,
            t.decisions[usize::from(row.decision)].id,
            scope(&row.when),
            matches(&row.when),
            cell(&row.rationale)
        );
    }
    out.push_str("\n### Decisions\n\n| id | label | description |\n|---|---|---|\n");
    entry_rows(&mut out, t.decisions.iter());

    let availability = t
        .axis_index(coverage_core::AVAILABILITY_AXIS)
        .map(|a| &t.axes[a]);
    out.push_str(
        "\n## Fixture coverage per domain\n\nWhat the conversation generator draws from (`",
    );
    out.push_str(&taxonomy::SOURCE.replace(".yaml", "/fixtures.yaml"));
    out.push_str("`): the governing policy, catalogue items per availability bin, and how many core requests and ambiguous openings each domain has.\n\n| domain | policy | limits | items");
    if let Some(axis) = availability {
        let bins: Vec<&str> = axis.bins.iter().map(|b| b.id.as_ref()).collect();
        let _ = write!(out, " ({})", bins.join(" / "));
    }
    out.push_str(" | requests | openings |\n|---|---|---|---|---|---|\n");
    for (domain, fixtures) in t.domains.iter().zip(FIXTURES.domains.iter()) {
        let mut per_bin = vec![0usize; coverage_core::AVAILABILITY_BINS.len()];
        for item in fixtures.items.iter() {
            per_bin[item.availability()] += 1;
        }
        let policy = &fixtures.policy;
        let limits: Vec<String> = policy
            .limits
            .iter()
            .map(|l| format!("{l} {}", policy.unit))
            .collect();
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {} |",
            domain.id,
            cell(&policy.name),
            limits.join(", "),
            per_bin
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(" / "),
            fixtures.requests.len(),
            fixtures.openings.len()
        );
    }
    out
}

/// Markdown table cells: no pipes, no line breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn scope(when: &Condition) -> String {
    let t = &TAXONOMY;
    let part = |indexes: &[u8], total: usize, what: &str, id: &dyn Fn(usize) -> String| {
        let ids: Vec<String> = indexes
            .iter()
            .map(|&i| format!("`{}`", id(usize::from(i))))
            .collect();
        if indexes.len() == total {
            format!("all {what}")
        } else if indexes.len() * 2 > total {
            let others: Vec<String> = (0..total)
                .filter(|i| !indexes.contains(&(*i as u8)))
                .map(|i| format!("`{}`", id(i)))
                .collect();
            format!("{what} except {}", others.join(", "))
        } else {
            format!("{what} {}", ids.join(", "))
        }
    };
    format!(
        "{}; {}",
        part(&when.domains, t.domains.len(), "domains", &|i| t.domains[i]
            .id
            .to_string()),
        part(&when.behaviors, t.behaviors.len(), "behaviors", &|i| t
            .behaviors[i]
            .entry
            .id
            .to_string())
    )
}

fn matches(when: &Condition) -> String {
    if when.matches.is_empty() {
        return "every scenario in scope".into();
    }
    when.matches
        .iter()
        .map(|m| {
            let axis = &TAXONOMY.axes[usize::from(m.axis)];
            let bins: Vec<String> = m
                .bins
                .iter()
                .map(|&b| format!("`{}`", axis.bins[usize::from(b)].id))
                .collect();
            format!("`{}` ∈ {{{}}}", axis.entry.id, bins.join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One `| `id` | label | description |` row per entry.
fn entry_rows<'a>(out: &mut String, entries: impl Iterator<Item = &'a coverage_core::Entry>) {
    for entry in entries {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            entry.id,
            cell(&entry.label),
            cell(&entry.description)
        );
    }
}

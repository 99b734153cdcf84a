//! Checks that need the whole scenario grid: rules that match nothing and
//! exclude rules shadowed by the ones above them. A cap that never binds is
//! legal (it guards taxonomies with more bins), so it is no diagnostic: the
//! tools that explain rules (`coverage manifest`, `coverage report`, the
//! generated reference) show it as not binding.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Grid, RuleKind, Taxonomy};
use crate::parse::Position;

pub(crate) fn analyse(
    file: &str,
    taxonomy: &Taxonomy,
    positions: &[Position],
    outcome_positions: &[Position],
    out: &mut Vec<Diagnostic>,
) {
    analyse_outcomes(file, taxonomy, outcome_positions, out);
    let grid = Grid::of(taxonomy);
    let width = grid.width();
    let coords = grid.all_coords();
    let scenarios: Vec<&[u8]> = coords.chunks_exact(width).collect();
    let report = |out: &mut Vec<Diagnostic>, index: usize, severity, message: String| {
        out.push(Diagnostic {
            severity,
            file: file.to_owned(),
            line: positions[index].line,
            column: positions[index].column,
            subject: Some(format!("rule '{}'", taxonomy.rules[index].id)),
            message,
        });
    };

    for (index, rule) in taxonomy.rules.iter().enumerate() {
        let matched: Vec<&[u8]> = scenarios
            .iter()
            .copied()
            .filter(|s| rule.matches(s))
            .collect();
        if matched.is_empty() {
            report(
                out,
                index,
                Severity::Error,
                "matches no scenario at all; check its scope and match".into(),
            );
            continue;
        }
        if rule.kind != RuleKind::Exclude {
            continue;
        }
        // Only exclude rules remove a scenario whatever the seed; a cap
        // always keeps some of each group, so it never shadows a rule.
        let earlier_excludes = taxonomy.rules[..index]
            .iter()
            .filter(|r| r.kind == RuleKind::Exclude);
        let shadowing: Vec<&str> = earlier_excludes
            .clone()
            .filter(|r| matched.iter().any(|s| r.matches(s)))
            .map(|r| r.id.as_ref())
            .collect();
        let all_removed = matched
            .iter()
            .all(|s| earlier_excludes.clone().any(|r| r.matches(s)));
        if all_removed {
            let by = shadowing
                .iter()
                .map(|id| format!("'{id}'"))
                .collect::<Vec<_>>()
                .join(", ");
            report(
                out,
                index,
                Severity::Error,
                format!("every scenario it matches was already removed by {by}"),
            );
        }
    }
}

/// The outcome table must give every scenario exactly one decision: no
/// scenario may fall through every row (a gap), and every row must decide
/// some scenario (a row wholly shadowed by the rows above is a clash).
fn analyse_outcomes(
    file: &str,
    taxonomy: &Taxonomy,
    positions: &[Position],
    out: &mut Vec<Diagnostic>,
) {
    let rows = &taxonomy.outcomes;
    if rows.is_empty() {
        return;
    }
    let grid = Grid::of(taxonomy);
    let width = grid.width();
    let coords = grid.all_coords();
    let mut decided = vec![0usize; rows.len()];
    let mut gaps: Vec<String> = Vec::new();
    for scenario in coords.chunks_exact(width) {
        match rows.iter().position(|row| row.when.matches(scenario)) {
            Some(row) => decided[row] += 1,
            None => gaps.push(taxonomy.scenario_id(scenario)),
        }
    }
    let located = |index: usize, message: String| Diagnostic {
        severity: Severity::Error,
        file: file.to_owned(),
        line: positions[index].line,
        column: positions[index].column,
        subject: Some(format!("outcome '{}'", rows[index].id)),
        message,
    };
    for (index, row) in rows.iter().enumerate() {
        if decided[index] > 0 {
            continue;
        }
        let matched: Vec<&[u8]> = coords
            .chunks_exact(width)
            .filter(|s| row.when.matches(s))
            .collect();
        let message = if matched.is_empty() {
            "matches no scenario at all; check its scope and match".to_owned()
        } else {
            let mut deciders: Vec<usize> = matched
                .iter()
                .filter_map(|s| rows[..index].iter().position(|r| r.when.matches(s)))
                .collect();
            deciders.sort_unstable();
            deciders.dedup();
            let earlier: Vec<String> = deciders
                .iter()
                .map(|&r| format!("'{}'", rows[r].id))
                .collect();
            format!(
                "decides no scenario: every scenario it matches is already decided by {} (a clash)",
                earlier.join(", ")
            )
        };
        out.push(located(index, message));
    }
    if let Some(first) = gaps.first() {
        let last = rows.len() - 1;
        let mut gap = located(last, String::new());
        gap.subject = Some("outcomes".to_owned());
        gap.message = format!(
            "the table has a gap: {} scenario{} match no row, e.g. '{first}'; end with a row without scope or match",
            gaps.len(),
            if gaps.len() == 1 { "" } else { "s" }
        );
        out.push(gap);
    }
}

//! `coverage grade` and `coverage compare`: a score on the coverage grid
//! from a run's transcripts, and two runs set side by side
//! (docs/evaluate.md). The work is the library's [`coverage::score`]; this
//! module prints the tables and maps a regression to exit code 1.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use comfy_table::{Cell, CellAlignment, Table, presets};

use coverage::contract::score::{Rate, Summary};
use coverage::score::harness::{HarnessSpec, default_out, grade_harness_log};
use coverage::score::{CompareSpec, GradeSpec, ScoreError, compare, grade_run};

use super::UsageError;

/// Grade a run: every reply's checks, the figures, results.html and CSVs.
#[derive(Debug, Args)]
pub struct GradeArgs {
    /// The run directory (written by `coverage run`), or an inspect log
    /// (.eval or .json) or promptfoo results file of an export.
    #[arg(value_name = "RUN")]
    run: PathBuf,
    /// The samples the run sent, when they moved since (files or
    /// directories); for a harness log, the samples the export was made from.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    samples: Option<Vec<PathBuf>>,
    /// For a harness log: the run directory to write (default: the log's
    /// path without its extension).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print summary.json instead of the table.
    #[arg(long)]
    json: bool,
}

impl GradeArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let graded = if self.run.is_file() {
            let Some(samples) = self.samples else {
                return Err(UsageError(format!(
                    "'{}' is a file: grading a harness log needs --samples, the samples the export was made from",
                    self.run.display()
                ))
                .into());
            };
            grade_harness_log(&HarnessSpec {
                out: self.out.unwrap_or_else(|| default_out(&self.run)),
                log: self.run,
                samples,
            })
        } else if self.out.is_some() {
            return Err(UsageError(format!(
                "--out is for a harness log; '{}' is a run directory, graded in place",
                self.run.display()
            ))
            .into());
        } else {
            grade_run(&GradeSpec {
                run: self.run.clone(),
                samples: self.samples,
            })
        }
        .map_err(score_error)?;
        if self.json {
            serde_json::to_writer_pretty(&mut *out, &graded.summary)?;
            writeln!(out)?;
            return Ok(());
        }
        print_summary(out, &graded.summary)?;
        writeln!(
            out,
            "wrote {}",
            graded
                .files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )?;
        Ok(())
    }
}

fn score_error(error: ScoreError) -> anyhow::Error {
    match error {
        ScoreError::Read { .. } | ScoreError::SamplesChanged { .. } => {
            UsageError(error.to_string()).into()
        }
        ScoreError::Job(error) if error.is_refusal() => UsageError(error.to_string()).into(),
        other => other.into(),
    }
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

fn interval(rate: &Rate) -> String {
    match (rate.low, rate.high) {
        (Some(low), Some(high)) => format!("{}–{}", percent(Some(low)), percent(Some(high))),
        _ => "–".to_owned(),
    }
}

/// The headline figures, the decisions and the grid, as tables.
fn print_summary(out: &mut dyn Write, summary: &Summary) -> anyhow::Result<()> {
    let mut head = Table::new();
    head.load_preset(presets::UTF8_BORDERS_ONLY);
    head.set_header(["figure", "value", "95% CI", "n"]);
    let mut rate_row = |name: &str, rate: &Rate| {
        head.add_row(vec![
            Cell::new(name),
            Cell::new(percent(rate.rate)).set_alignment(CellAlignment::Right),
            Cell::new(interval(rate)).set_alignment(CellAlignment::Right),
            Cell::new(coverage::figures::thousands(rate.total)).set_alignment(CellAlignment::Right),
        ]);
    };
    rate_row("pass rate", &summary.pass_rate);
    rate_row("decision accuracy", &summary.decision_accuracy);
    head.add_row(vec![
        Cell::new("balanced accuracy"),
        Cell::new(percent(summary.balanced_accuracy)).set_alignment(CellAlignment::Right),
        Cell::new(""),
        Cell::new(""),
    ]);
    for p in &summary.trials_figures.pass_hat_k {
        head.add_row(vec![
            Cell::new(format!("pass^{}", p.k)),
            Cell::new(percent(p.value)).set_alignment(CellAlignment::Right),
            Cell::new(""),
            Cell::new(coverage::figures::thousands(
                summary.trials_figures.samples_all_trials,
            ))
            .set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(
        out,
        "{}: {} of {} keys graded, {} gaps (errors or not run), {} flaky samples",
        summary.model,
        coverage::figures::thousands(summary.graded),
        coverage::figures::thousands(summary.keys),
        coverage::figures::thousands(summary.gaps),
        summary.trials_figures.flaky.len()
    )?;
    writeln!(out, "{head}")?;
    let mut decisions = Table::new();
    decisions.load_preset(presets::UTF8_BORDERS_ONLY);
    decisions.set_header(["expected decision", "n", "recall", "pass rate"]);
    for d in &summary.decisions {
        decisions.add_row(vec![
            Cell::new(&d.decision),
            Cell::new(coverage::figures::thousands(d.recall.total))
                .set_alignment(CellAlignment::Right),
            Cell::new(percent(d.recall.rate)).set_alignment(CellAlignment::Right),
            Cell::new(percent(d.pass_rate.rate)).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{decisions}")?;
    let mut behaviors: Vec<&str> = Vec::new();
    for cell in &summary.grid {
        if !behaviors.contains(&cell.behavior.as_str()) {
            behaviors.push(&cell.behavior);
        }
    }
    let mut grid = Table::new();
    grid.load_preset(presets::UTF8_BORDERS_ONLY);
    grid.set_header(std::iter::once("pass rate").chain(behaviors.iter().copied()));
    for row in summary.grid.chunks(behaviors.len()) {
        let mut cells = vec![Cell::new(&row[0].domain)];
        cells.extend(row.iter().map(|cell| {
            let text = match cell.status.as_str() {
                "covered" => percent(cell.pass_rate.rate),
                "gap" => "gap".to_owned(),
                _ => "·".to_owned(),
            };
            Cell::new(text).set_alignment(CellAlignment::Right)
        }));
        grid.add_row(cells);
    }
    writeln!(out, "{grid}")?;
    writeln!(out, "· not in the sample set; gap: every reply errored")?;
    Ok(())
}

/// Compare two graded runs: flips, McNemar's exact test and per-cell
/// deltas. Exits 1 on a significant regression.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline run directory.
    #[arg(value_name = "A")]
    a: PathBuf,
    /// The candidate run directory.
    #[arg(value_name = "B")]
    b: PathBuf,
    /// The significance level of a regression.
    #[arg(long, default_value_t = 0.05, value_parser = parse_alpha)]
    alpha: f64,
    /// Write the comparison page (with the per-cell delta heatmap) to FILE.
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Print the comparison as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_alpha(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(a) if a > 0.0 && a < 1.0 => Ok(a),
        _ => Err(format!(
            "invalid significance level '{text}': expected a number between 0 and 1, e.g. 0.05"
        )),
    }
}

/// B is significantly worse than A: exit code 1, after the report.
#[derive(Debug)]
pub struct Regressed(String);

impl std::fmt::Display for Regressed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Regressed {}

impl CompareArgs {
    pub fn exec(self, out: &mut dyn Write) -> anyhow::Result<()> {
        let comparison = compare(&CompareSpec {
            a: self.a,
            b: self.b,
            alpha: self.alpha,
        })
        .map_err(score_error)?;
        if let Some(path) = &self.html {
            coverage::score::write_atomically(
                path,
                coverage::score::compare::page(&comparison).as_bytes(),
            )?;
        }
        if self.json {
            serde_json::to_writer_pretty(&mut *out, &comparison)?;
            writeln!(out)?;
        } else {
            writeln!(
                out,
                "{} samples graded in both: {} regressed, {} improved, {} changed within trial variation; McNemar's exact p = {:.4}",
                comparison.samples,
                comparison.regressions.len(),
                comparison.improvements.len(),
                comparison.noise.len(),
                comparison.p_value
            )?;
            writeln!(
                out,
                "pass rate (every trial passed): A {}, B {}",
                percent(comparison.pass_rate_a.rate),
                percent(comparison.pass_rate_b.rate)
            )?;
            for id in &comparison.regressions {
                writeln!(out, "  regressed: {id}")?;
            }
            for id in &comparison.improvements {
                writeln!(out, "  improved:  {id}")?;
            }
        }
        if comparison.regressed {
            return Err(Regressed(format!(
                "a significant regression: {} samples passed in A and fail in B (p = {:.4} < {})",
                comparison.regressions.len(),
                comparison.p_value,
                self.alpha
            ))
            .into());
        }
        Ok(())
    }
}

//! `coverage report` and `coverage cost`: snapshots of a small report, the
//! t-way figures against a brute-force count, token counts of known
//! strings, the estimate against a generated dataset, and the page in a
//! headless browser.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command as Process;

use coverage::contract::dataset::Dataset;
use coverage::contract::golden::Golden;
use coverage::contract::manifest::Manifest;
use coverage::contract::report_doc::{CostEstimate, CostFigures, ReportDoc};
use coverage::cost::{self, ConversationTokens, CostSpec, Counter, Encoding, Rates};
use coverage::job::{self, CancelToken, GenerateSpec, JobSpec, Layout, Work, WritePolicy};
use coverage::report;
use coverage::taxonomy::{Behavior, Domain, RULES, Scenario, TAXONOMY};
use coverage::{Coverage, DEFAULT_SEED, Selection};
use coverage_core::RuleKind;

use crate::support::{assert_refused, assert_success, coverage};

/// One domain, every behavior.
fn small() -> Selection {
    Selection::new([Domain::CartManagement], [])
}

fn small_doc() -> ReportDoc {
    let coverage = Coverage::evaluate(DEFAULT_SEED);
    let spec = CostSpec {
        models: vec![
            "gpt-4o".to_owned(),
            "gpt-3.5-turbo".to_owned(),
            "claude-sonnet-4".to_owned(),
        ],
        trials: 3,
        output_tokens: None,
        layouts: Layout::ALL.to_vec(),
        variants: 1,
    };
    let estimate = cost::estimate(&coverage, &small(), &Rates::shipped(), &spec).unwrap();
    report::build(&coverage, &small(), Some(estimate))
}

#[test]
fn report_files_of_one_domain_are_snapshotted() {
    for file in report::files(&small_doc()) {
        insta::assert_snapshot!(format!("report_{}", file.name), file.contents);
    }
}

#[test]
fn pairs_and_rules_agree_with_the_manifest() {
    let coverage = Coverage::evaluate(DEFAULT_SEED);
    let manifest = Manifest::build(&coverage, &Selection::all());
    let doc = report::build(&coverage, &Selection::all(), None);
    assert_eq!(doc.totals, manifest.totals);
    assert_eq!(doc.rules, manifest.rules);
    assert_eq!(doc.pairs.len(), 84);
    let pairs_csv = report::csv::pairs(&doc);
    let mut pairs = csv::Reader::from_reader(pairs_csv.as_bytes());
    let headers = pairs.headers().unwrap().clone();
    for (row, expected) in pairs.records().zip(&manifest.pairs) {
        let row = row.unwrap();
        let field = |name: &str| &row[headers.iter().position(|h| h == name).unwrap()];
        assert_eq!(field("domain"), expected.domain.id());
        assert_eq!(field("behavior"), expected.behavior.id());
        assert_eq!(field("kept"), expected.kept.to_string());
        assert_eq!(field("raw"), expected.raw.to_string());
        for rule in RULES {
            let removed = expected
                .excluded
                .get(rule.id.as_ref())
                .copied()
                .unwrap_or(0);
            assert_eq!(
                field(&format!("removed_by:{}", rule.id)),
                removed.to_string()
            );
        }
    }
    let rules_csv = report::csv::rules(&doc);
    let mut rules = csv::Reader::from_reader(rules_csv.as_bytes());
    for (row, expected) in rules.records().zip(&manifest.rules) {
        let row = row.unwrap();
        assert_eq!(&row[1], expected.id);
        assert_eq!(&row[3], expected.removed.to_string());
    }
}

/// Every t-way figure and gap, recounted cell by cell with nested loops.
#[test]
fn tway_figures_match_a_brute_force_count_over_every_cell() {
    let coverage = Coverage::evaluate(DEFAULT_SEED);
    let doc = report::build(&coverage, &Selection::all(), None);
    let bins: Vec<usize> = TAXONOMY.axes.iter().map(|a| a.bins.len()).collect();
    let mut gaps = BTreeSet::new();
    let mut all_pairs = 0;
    for pair in &doc.pairs {
        let (d, b) = (pair.summary.domain, pair.summary.behavior);
        let mut cells = Vec::new();
        for p in 0..bins[0] {
            for r in 0..bins[1] {
                for a in 0..bins[2] {
                    for q in 0..bins[3] {
                        let coords = [
                            d.index() as u8,
                            b.index() as u8,
                            p as u8,
                            r as u8,
                            a as u8,
                            q as u8,
                        ];
                        let scenario = Scenario::from_coords(&coords);
                        let forbidden = RULES
                            .iter()
                            .any(|rule| rule.kind == RuleKind::Exclude && rule.matches(&coords));
                        cells.push(([p, r, a, q], coverage.fate(&scenario), forbidden));
                    }
                }
            }
        }
        assert_eq!(cells.len(), 108);
        for (t, figures) in [2usize, 3].into_iter().zip(&pair.tway) {
            let (mut total, mut forbidden, mut covered) = (0, 0, 0);
            let subsets: Vec<Vec<usize>> = if t == 2 {
                (0..4)
                    .flat_map(|x| (x + 1..4).map(move |y| vec![x, y]))
                    .collect()
            } else {
                (0..4)
                    .flat_map(|x| {
                        (x + 1..4).flat_map(move |y| (y + 1..4).map(move |z| vec![x, y, z]))
                    })
                    .collect()
            };
            for axes in subsets {
                let mut combos: Vec<Vec<usize>> = vec![vec![]];
                for &axis in &axes {
                    combos = combos
                        .into_iter()
                        .flat_map(|c| (0..bins[axis]).map(move |v| [c.clone(), vec![v]].concat()))
                        .collect();
                }
                for combo in combos {
                    total += 1;
                    let holding: Vec<_> = cells
                        .iter()
                        .filter(|(at, _, _)| axes.iter().zip(&combo).all(|(&x, &v)| at[x] == v))
                        .collect();
                    if holding.iter().all(|(_, _, f)| *f) {
                        forbidden += 1;
                    } else if holding.iter().any(|(_, fate, _)| fate.is_none()) {
                        covered += 1;
                    } else {
                        let named: String = axes
                            .iter()
                            .zip(&combo)
                            .map(|(&x, &v)| {
                                format!(
                                    "{}={}",
                                    TAXONOMY.axes[x].entry.id, TAXONOMY.axes[x].bins[v].id
                                )
                            })
                            .collect::<Vec<_>>()
                            .join(";");
                        let mut rules: Vec<&str> = Vec::new();
                        for rule in RULES {
                            if holding
                                .iter()
                                .any(|(_, fate, _)| fate.is_some_and(|f| f.id == rule.id))
                            {
                                rules.push(&rule.id);
                            }
                        }
                        gaps.insert((d.id(), b.id(), t, named, rules.join(";")));
                    }
                }
            }
            assert_eq!(
                (figures.combinations, figures.forbidden, figures.covered),
                (total, forbidden, covered),
                "{d}.{b} t={t}"
            );
            assert_eq!(figures.gaps, total - forbidden - covered);
        }
        all_pairs += 1;
    }
    assert_eq!(all_pairs, 84);
    let reported: BTreeSet<_> = doc
        .gaps
        .iter()
        .map(|g| {
            (
                g.domain.id(),
                g.behavior.id(),
                g.t,
                report::csv::combination(g),
                g.rules.join(";"),
            )
        })
        .collect();
    assert_eq!(reported.len(), doc.gaps.len(), "no gap listed twice");
    assert_eq!(reported, gaps);
    assert!(!gaps.is_empty(), "caps leave gaps on this taxonomy");
}

#[test]
fn token_counts_of_known_strings() {
    // OpenAI's cookbook: "tiktoken is great!" is 6 tokens in cl100k_base.
    assert_eq!(Encoding::Cl100kBase.count("tiktoken is great!"), 6);
    assert_eq!(Encoding::Cl100kBase.count("hello world"), 2);
    assert_eq!(Encoding::O200kBase.count("hello world"), 2);
    assert_eq!(Encoding::O200kBase.count(""), 0);
    assert_eq!(
        Encoding::for_model("gpt-4o", None),
        (Encoding::O200kBase, false)
    );
    assert_eq!(
        Encoding::for_model("gpt-3.5-turbo", None),
        (Encoding::Cl100kBase, false)
    );
    assert_eq!(
        Encoding::for_model("claude-sonnet-4", None),
        (Encoding::O200kBase, true)
    );
}

#[test]
fn a_graded_turn_sends_tools_system_prompt_and_the_turns_before_it() {
    let coverage = Coverage::evaluate(DEFAULT_SEED);
    let scenario = coverage.kept(&small()).next().unwrap();
    let deal = coverage::generate::Deal::new(&coverage);
    let generated = coverage::generate::generate(&deal, &scenario, "x");
    let (conversation, golden) = (&generated.conversation, &generated.golden);
    let encoding = Encoding::O200kBase;
    let tools = cost::tools_json();
    let tokens = Counter::new(encoding, &tools).conversation(conversation, golden);
    let message = |text: &str| encoding.count(text) + cost::MESSAGE_OVERHEAD;
    let mut expected = ConversationTokens::default();
    for turn in golden.graded_turn_indices() {
        expected.graded_turns += 1;
        expected.input_tokens += encoding.count(&tools)
            + message(conversation.system_prompt.as_deref().unwrap())
            + conversation.turns[..turn]
                .iter()
                .map(|t| message(&t.content))
                .sum::<u64>()
            + cost::REPLY_PRIMING;
        match conversation.turns.get(turn) {
            Some(reply) => expected.reference_output_tokens += encoding.count(&reply.content),
            None => expected.unreferenced_turns += 1,
        }
    }
    assert_eq!(tokens, expected);
    assert_eq!(
        tokens.unreferenced_turns, 1,
        "only the final reply has no reference"
    );
}

/// The estimate, made before generating, against the tokens of the global
/// dataset and golden as written.
#[test]
fn the_generated_global_dataset_costs_what_was_estimated() {
    let coverage = Coverage::evaluate(DEFAULT_SEED);
    let spec = CostSpec {
        models: vec!["gpt-4o".to_owned()],
        trials: 3,
        output_tokens: None,
        layouts: vec![Layout::Global],
        variants: 1,
    };
    let estimate = cost::estimate(&coverage, &Selection::all(), &Rates::shipped(), &spec).unwrap();
    let estimated = &estimate.models[0].layouts[0].figures;
    let dir = tempfile::tempdir().unwrap();
    job::run(
        &JobSpec {
            out: dir.path().to_owned(),
            work: Work::Generate(GenerateSpec {
                layouts: vec![Layout::Global],
                ..GenerateSpec::full(DEFAULT_SEED)
            }),
            policy: WritePolicy::Refuse,
            dry_run: false,
            concurrency: 2,
            batch_size: coverage::job::DEFAULT_BATCH,
            guardrails: Default::default(),
        },
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    let read = |name: &str| std::fs::read(dir.path().join("commerce").join(name)).unwrap();
    let dataset: Dataset = serde_json::from_slice(&read("global.dataset.json")).unwrap();
    let golden: Golden = serde_json::from_slice(&read("global.golden.json")).unwrap();
    let tools = serde_json::to_string(&dataset.metadata.tools).unwrap();
    let mut counter = Counter::new(Encoding::O200kBase, &tools);
    let mut actual = ConversationTokens::default();
    for (conversation, entry) in dataset.conversations.iter().zip(&golden.entries) {
        assert_eq!(conversation.id, entry.conversation_id);
        actual.add(&counter.conversation(conversation, entry));
    }
    let input = actual.input_tokens * 3;
    let output = actual.output_tokens(None, cost::DEFAULT_FINAL_REPLY_TOKENS) * 3;
    let within = |estimated: u64, actual: u64| {
        (estimated as f64 - actual as f64).abs() <= actual as f64 * 0.01
    };
    assert!(
        within(estimated.input_tokens, input),
        "{} vs {input}",
        estimated.input_tokens
    );
    assert!(
        within(estimated.output_tokens, output),
        "{} vs {output}",
        estimated.output_tokens
    );
    assert_eq!(estimated.conversations, 5376);
    eprintln!(
        "global dataset, gpt-4o, 3 trials: estimated {} in / {} out, counted on the files {input} in / {output} out",
        estimated.input_tokens, estimated.output_tokens
    );
}

#[test]
fn coverage_report_writes_every_file_refuses_to_clobber_and_repeats_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &Path, extra: &[&str]| {
        coverage()
            .args(["report", "--domain", "cart_management", "--out"])
            .arg(out)
            .args(extra)
            .output()
            .unwrap()
    };
    let first = dir.path().join("first");
    let output = run(&first, &[]);
    assert_success(&output);
    let names = [
        "report.html",
        "pairs.csv",
        "rules.csv",
        "axes.csv",
        "gaps.csv",
        "cost.csv",
        "report.json",
    ];
    for name in names {
        assert!(first.join(name).is_file(), "{name} written");
    }
    assert_refused(&run(&first, &[]), "report.html exists");
    assert!(run(&first, &["--overwrite"]).status.success());
    let second = dir.path().join("second");
    assert!(run(&second, &[]).status.success());
    for name in names {
        assert_eq!(
            std::fs::read(first.join(name)).unwrap(),
            std::fs::read(second.join(name)).unwrap(),
            "{name} differs between runs"
        );
    }
}

#[test]
fn coverage_cost_prints_tokens_and_cost_per_layout_as_json() {
    let output = coverage()
        .args([
            "cost",
            "--model",
            "gpt-4o",
            "--trials",
            "3",
            "--json",
            "--domain",
            "cart_management",
        ])
        .output()
        .unwrap();
    assert_success(&output);
    let estimate: CostEstimate = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(estimate.trials, 3);
    let model = &estimate.models[0];
    assert_eq!(
        (
            model.model.as_str(),
            model.tokenizer.as_str(),
            model.approximate
        ),
        ("gpt-4o", "o200k_base", false)
    );
    let layouts: Vec<Layout> = model.layouts.iter().map(|l| l.layout).collect();
    assert_eq!(layouts, Layout::ALL);
    for layout in &model.layouts {
        assert!(layout.figures.input_tokens > 0 && layout.figures.output_tokens > 0);
        assert!(layout.figures.cost > 0.0);
        // Each layout holds every unique conversation once: one pass.
        assert_eq!(
            CostFigures {
                files: 0,
                ..layout.figures
            },
            model.one_pass
        );
    }
    let kept = Manifest::build(
        &Coverage::evaluate(42),
        &Selection::new([Domain::CartManagement], []),
    )
    .totals
    .kept;
    assert_eq!(model.one_pass.conversations, kept);
}

/// `coverage cost` priced all three layouts and totalled them ($297.14,
/// three times one pass): it prices one pass over the unique
/// conversations, says so, and prices every layout only when asked.
#[test]
fn coverage_cost_prices_one_pass_of_unique_conversations_unless_all_layouts() {
    let run = |extra: &[&str]| {
        let output = coverage()
            .args([
                "cost",
                "--domain",
                "cart_management",
                "--behavior",
                "happy_path",
            ])
            .args(extra)
            .output()
            .unwrap();
        assert_success(&output);
        String::from_utf8(output.stdout).unwrap()
    };
    let json: CostEstimate = serde_json::from_str(&run(&["--json"])).unwrap();
    let model = &json.models[0];
    let unique = model.one_pass.conversations;
    let one_pass_cost = format!("{:.2}", model.one_pass.cost);
    let total_cost = format!("{:.2}", model.total.cost);
    assert_eq!(model.total.conversations, 3 * unique);

    let text = run(&[]);
    assert!(
        text.starts_with(&format!(
            "One pass over the {unique} unique conversations, each graded turn run 1 time(s):\n"
        )),
        "{text}"
    );
    assert!(text.contains(&format!(" {one_pass_cost} |")), "{text}");
    assert!(!text.contains(&format!(" {total_cost} |")), "{text}");
    assert!(
        text.contains("`generate` writes each of them once in every layout: split (1 file), combined (1 file), global (1 file); running every layout would cost 3 times as much (--all-layouts prices each)."),
        "{text}"
    );

    let text = run(&["--all-layouts"]);
    assert!(text.contains(&format!(" {one_pass_cost} |")), "{text}");
    assert!(text.contains(&format!(
        "Every layout, each a full pass over the same {unique} conversations, and their total:"
    )));
    assert!(
        text.contains(&format!("| total    |     3 | {:>13} |", 3 * unique)),
        "{text}"
    );
    assert!(text.contains(&format!(" {total_cost} |")), "{text}");
}

#[test]
fn a_model_with_no_rate_is_refused_naming_the_known_ones() {
    let output = coverage()
        .args(["cost", "--model", "no-such-model"])
        .output()
        .unwrap();
    assert_refused(&output, "no rate for model 'no-such-model'; known models: ");
    assert!(String::from_utf8_lossy(&output.stderr).contains("gpt-4o"));
}

/// `--rates /dev/zero` used to read without end; a FIFO blocked in `open`.
#[test]
fn cost_rates_from_dev_zero_or_a_fifo_or_an_oversized_file_is_refused_at_once() {
    let output = coverage()
        .args(["cost", "--rates", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_refused(
        &output,
        "cannot read rates file /dev/zero: it is a character device, not a regular file",
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("rates.fifo");
    assert!(
        Process::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "mkfifo"
    );
    let output = coverage()
        .args(["cost", "--rates"])
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert_refused(&output, "it is a FIFO, not a regular file");
    let big = dir.path().join("big.yaml");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(coverage::input::MAX_INPUT_BYTES + 1).unwrap();
    let output = coverage()
        .args(["report", "--out"])
        .arg(dir.path().join("out"))
        .arg("--rates")
        .arg(&big)
        .output()
        .unwrap();
    assert_refused(
        &output,
        "it is larger than 64 MiB, the most an input file may be",
    );
}

#[test]
fn litellm_entries_are_imported_per_million() {
    let rates = Rates::parse(
        "prices.json",
        r#"{"sample_spec": {"input_cost_per_token": 0.0},
            "gpt-4o": {"input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05, "litellm_provider": "openai"},
            "dall-e-3": {"output_cost_per_pixel": 0.0}}"#,
    )
    .unwrap();
    assert_eq!(rates.models.keys().collect::<Vec<_>>(), ["gpt-4o"]);
    let rate = rates.rate("gpt-4o").unwrap();
    assert_eq!(
        (rate.input_per_million, rate.output_per_million),
        (2.5, 10.0)
    );
    let own = Rates::parse(
        "rates.yaml",
        "date: '2026-01-01'\nmodels:\n  m:\n    input_per_million: 1\n    output_per_million: 2\n",
    )
    .unwrap();
    assert_eq!(own.rate("m").unwrap().output_per_million, 2.0);
    assert!(Rates::parse("bad.yaml", "date: x\nmodels: {}\n").is_err());
}

/// Opens the page in headless Chromium and finds the kept heatmap and each
/// binding rule's, with all their cells; a rule that removed nothing has a
/// row of the per-rule table and no heatmap of zeros.
#[test]
fn report_html_renders_every_heatmap_in_headless_chromium() {
    let Some(chromium) =
        crate::support::chromium("report_html_renders_every_heatmap_in_headless_chromium")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let doc = report::build(&Coverage::evaluate(DEFAULT_SEED), &small(), None);
    report::write(dir.path(), &report::files(&doc), false).unwrap();
    let page = dir.path().join("report.html");
    let output = crate::support::dump_dom(chromium, &page, &dir.path().join("profile"));
    let dom = String::from_utf8(output.stdout).unwrap();
    let binding: Vec<_> = doc.rules.iter().filter(|r| r.binding).collect();
    assert!(
        binding.len() < RULES.len(),
        "a rule that binds nowhere here"
    );
    let heatmaps = 1 + binding.len();
    assert_eq!(
        dom.matches("<svg class=\"heatmap\"").count(),
        heatmaps,
        "the kept heatmap and each binding rule's in the DOM"
    );
    assert_eq!(
        dom.matches("<g class=\"cell\">").count(),
        heatmaps * Behavior::ALL.len(),
        "one cell per pair in each heatmap"
    );
    assert!(dom.contains("id=\"heatmap-kept\""));
    for rule in &doc.rules {
        let heatmap = format!("id=\"heatmap-rule-{}\"", rule.id);
        assert_eq!(dom.contains(&heatmap), rule.binding, "{}", rule.id);
        let row = format!("<th scope=\"row\"><code>{}</code></th>", rule.id);
        assert_eq!(
            dom.matches(&row).count(),
            2,
            "{} in both rule tables",
            rule.id
        );
    }
    assert!(dom.contains("<figcaption>"));
    assert!(dom.contains("<nav aria-labelledby=\"contents\">"));
}

#[test]
fn a_variant_run_costs_every_variant() {
    let coverage = Coverage::evaluate(DEFAULT_SEED);
    let run = |variants| {
        let spec = CostSpec {
            models: vec!["gpt-4o".to_owned()],
            trials: 1,
            output_tokens: None,
            layouts: vec![Layout::Split],
            variants,
        };
        let estimate = cost::estimate(&coverage, &small(), &Rates::shipped(), &spec).unwrap();
        estimate.models[0].total
    };
    let (one, three) = (run(1), run(3));
    assert_eq!(three.conversations, 3 * one.conversations);
    // Variants may grade a turn more or less (a trap in its own turn, say).
    assert!(three.graded_turns.abs_diff(3 * one.graded_turns) < one.graded_turns / 10);
    // Each variant is its own draw: close to, not exactly, three times one.
    assert!(three.input_tokens > 2 * one.input_tokens && three.input_tokens < 4 * one.input_tokens);
    assert_ne!(three.input_tokens, 3 * one.input_tokens);
}

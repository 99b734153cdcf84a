//! Covering subsets (`--strength`, `--budget`, `--keep-from`): a brute-force
//! check of the output, sizes against the limits, a budget against random
//! subsets, stability across a taxonomy change, the same bytes twice, and
//! bad input refused before anything is written.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;

use coverage::contract::subset::Subset;
use coverage::subset::covering::random_rows;
use coverage::subset::{Previous, Strength, SubsetSpec, select_evaluated, select_in};
use coverage::{Coverage, Scenario, Selection};
use coverage_core::evaluate;

use crate::support::{assert_refused, assert_success, coverage, load_taxonomy, root};

const SEEDS: [u64; 3] = [42, 7, 1234];

fn strength(t: usize) -> Strength {
    Strength::try_from(t).unwrap()
}

fn manifest_json(args: &[&str]) -> Value {
    let output = coverage()
        .args(["manifest", "--json"])
        .args(args)
        .output()
        .unwrap();
    assert_success(&output);
    serde_json::from_slice(&output.stdout).unwrap()
}

/// A scenario as its six factor values, read from a manifest entry by
/// key, independently of the library's coordinates.
fn factors(entry: &Value) -> Vec<String> {
    let id = entry["id"].as_str().unwrap();
    id.split('.').map(str::to_owned).collect()
}

/// Every choice of `t` of `n` positions (independent of the library's).
fn choices(n: usize, t: usize) -> Vec<Vec<usize>> {
    (0..1usize << n)
        .filter(|mask| mask.count_ones() as usize == t)
        .map(|mask| (0..n).filter(|i| mask & (1 << i) != 0).collect())
        .collect()
}

/// Every t-way combination (positions and values) some row holds.
fn combinations(rows: &[Vec<String>], t: usize) -> BTreeSet<Vec<(usize, String)>> {
    let mut held = BTreeSet::new();
    for row in rows {
        for positions in choices(row.len(), t) {
            held.insert(positions.iter().map(|&p| (p, row[p].clone())).collect());
        }
    }
    held
}

/// Brute force over a `manifest --json --strength t` output: the subset holds
/// every combination the kept scenarios hold, and every combination only
/// excluded scenarios hold is listed as excluded by rule.
fn check_manifest(manifest: &Value, t: usize) {
    let kept: Vec<Vec<String>> = manifest["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(factors)
        .collect();
    let excluded: Vec<Vec<String>> = manifest["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(factors)
        .collect();
    let subset = &manifest["subset"];
    let chosen: Vec<Vec<String>> = subset["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().split('.').map(str::to_owned).collect())
        .collect();
    let kept_ids: BTreeSet<&Vec<String>> = kept.iter().collect();
    assert!(
        chosen.iter().all(|row| kept_ids.contains(row)),
        "the subset holds only kept scenarios"
    );
    let coverable = combinations(&kept, t);
    let covered = combinations(&chosen, t);
    let missed: Vec<_> = coverable.difference(&covered).take(5).collect();
    assert!(missed.is_empty(), "t={t}: missed {missed:?}");
    let removed: BTreeSet<_> = combinations(&excluded, t)
        .difference(&coverable)
        .cloned()
        .collect();
    let counts = &subset["combinations"];
    assert_eq!(counts["coverable"], coverable.len());
    assert_eq!(counts["covered"], coverable.len());
    assert_eq!(counts["excluded_by_rule"], removed.len());
    assert_eq!(
        subset["excluded_combinations"].as_array().unwrap().len(),
        removed.len()
    );
    assert_eq!(subset["coverage"], 1.0);
}

#[test]
fn a_brute_force_check_finds_every_coverable_pair_and_triple_covered() {
    for t in [2, 3] {
        let manifest = manifest_json(&["--strength", &t.to_string()]);
        check_manifest(&manifest, t);
    }
}

#[test]
fn subsets_stay_within_the_size_limits_at_every_seed() {
    for seed in SEEDS {
        let coverage = Coverage::evaluate(seed);
        for (t, limit, bound) in [(2, 100, 84), (3, 420, 334)] {
            let subset = select_in(&coverage, &Selection::all(), &SubsetSpec::new(strength(t)));
            assert!(
                subset.size <= limit,
                "t={t} seed {seed}: {} rows",
                subset.size
            );
            assert_eq!(subset.lower_bound, bound);
            assert!(subset.size >= subset.lower_bound);
            assert_eq!(subset.combinations.uncovered, 0, "t={t} seed {seed}");
        }
    }
}

/// Pairs held by `rows`, brute force.
fn pairs_of(rows: &[Scenario]) -> usize {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|s| s.id().split('.').map(str::to_owned).collect())
        .collect();
    combinations(&rows, 2).len()
}

#[test]
fn a_budget_of_84_covers_at_least_the_best_of_100_random_subsets() {
    let coverage = Coverage::evaluate(42);
    let kept: Vec<Scenario> = coverage.kept(&Selection::all()).collect();
    let spec = SubsetSpec {
        budget: Some(std::num::NonZeroUsize::new(84).unwrap()),
        ..SubsetSpec::new(strength(2))
    };
    let subset = select_in(&coverage, &Selection::all(), &spec);
    assert_eq!(subset.size, 84);
    let chosen = coverage::subset::scenarios_of(&subset);
    assert_eq!(pairs_of(&chosen), subset.combinations.covered);
    let best_random = (0..100)
        .map(|seed| {
            let rows: Vec<Scenario> = random_rows(kept.len(), 84, seed)
                .into_iter()
                .map(|r| kept[r])
                .collect();
            pairs_of(&rows)
        })
        .max()
        .unwrap();
    assert!(
        subset.combinations.covered >= best_random,
        "budget 84 covers {} pairs, a random subset {best_random}",
        subset.combinations.covered
    );
}

#[test]
fn keep_from_after_adding_a_bin_keeps_most_earlier_rows() {
    let added = load_taxonomy("tests/fixtures/taxonomy/valid/added_bin.yaml");
    for t in [2, 3] {
        let before = select_in(
            &Coverage::evaluate(42),
            &Selection::all(),
            &SubsetSpec::new(strength(t)),
        );
        let spec = SubsetSpec {
            keep_from: Some(Previous::new(before.scenarios.clone())),
            ..SubsetSpec::new(strength(t))
        };
        let after = select_evaluated(&added, &evaluate(&added, 42), &spec);
        let kept = after.keep_from.unwrap();
        assert_eq!(kept.previous, before.size);
        let earlier: BTreeSet<&String> = before.scenarios.iter().collect();
        let still = after
            .scenarios
            .iter()
            .filter(|id| earlier.contains(id))
            .count();
        assert_eq!(still, kept.retained);
        assert!(
            kept.retained * 5 >= before.size * 4,
            "t={t}: kept {} of {}",
            kept.retained,
            before.size
        );
        // The new bin is covered too.
        assert_eq!(after.combinations.uncovered, 0);
        assert!(after.scenarios.iter().any(|id| id.contains(".preorder.")));
    }
}

#[test]
fn keep_from_a_manifest_file_keeps_every_row_still_kept() {
    let dir = tempfile::tempdir().unwrap();
    let earlier = dir.path().join("earlier.json");
    let output = coverage()
        .args(["manifest", "--json", "--strength", "2", "--seed", "42"])
        .output()
        .unwrap();
    assert_success(&output);
    std::fs::write(&earlier, &output.stdout).unwrap();
    let previous: Value = serde_json::from_slice(&output.stdout).unwrap();
    let size = previous["subset"]["size"].as_u64().unwrap();
    let same = manifest_json(&["--strength", "2", "--keep-from", earlier.to_str().unwrap()]);
    assert_eq!(same["subset"]["scenarios"], previous["subset"]["scenarios"]);
    assert_eq!(
        same["subset"]["keep_from"],
        serde_json::json!({"previous": size, "retained": size, "dropped": 0, "added": 0})
    );
    // Another seed moves cap picks: the earlier rows seed 7 no longer keeps
    // are dropped, every other one is kept, and the gaps are closed.
    let other = manifest_json(&[
        "--strength",
        "2",
        "--seed",
        "7",
        "--keep-from",
        earlier.to_str().unwrap(),
    ]);
    let still_kept: BTreeSet<&str> = other["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    let earlier_ids: Vec<&str> = previous["subset"]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let keepable = earlier_ids
        .iter()
        .filter(|id| still_kept.contains(*id))
        .count();
    let k = &other["subset"]["keep_from"];
    assert_eq!(k["previous"], size);
    assert_eq!(k["retained"], keepable, "{k}");
    assert_eq!(k["dropped"], earlier_ids.len() - keepable);
    check_manifest(&other, 2);
    // A list of ids works the same.
    let list = dir.path().join("earlier.txt");
    let ids: Vec<&str> = previous["subset"]["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    std::fs::write(&list, format!("# earlier subset\n{}\n", ids.join("\n"))).unwrap();
    let from_list = manifest_json(&["--strength", "2", "--keep-from", list.to_str().unwrap()]);
    assert_eq!(from_list["subset"], same["subset"]);
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let run = || {
        coverage()
            .args([
                "manifest",
                "--json",
                "--strength",
                "3",
                "--seed",
                "7",
                "--budget",
                "300",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert_success(&a);
    assert_eq!(a.stdout, b.stdout);
    let doc: Value = serde_json::from_slice(&a.stdout).unwrap();
    assert_eq!(doc["subset"]["size"], 300);
    assert!(doc["subset"]["combinations"]["uncovered"].as_u64().unwrap() > 0);
}

/// Every file under `dir`, relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                files.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

#[test]
fn generate_writes_only_the_subset_the_same_bytes_every_time() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    for dir in &dirs {
        let output = coverage()
            .args(["generate", "--global", "--strength", "2", "--out"])
            .arg(dir.path())
            .output()
            .unwrap();
        assert_success(&output);
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Covering subset of strength 2"), "{text}");
        assert!(
            text.contains(" of the 5376 kept scenarios written."),
            "{text}"
        );
    }
    let (a, b) = (tree(dirs[0].path()), tree(dirs[1].path()));
    assert_eq!(a, b);
    let manifest: Value = serde_json::from_slice(&a["commerce/manifest.json"]).unwrap();
    let size = manifest["subset"]["size"].as_u64().unwrap();
    let global: Value = serde_json::from_slice(&a["commerce/global.dataset.json"]).unwrap();
    let ids: Vec<&str> = global["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len() as u64, size);
    assert_eq!(
        ids,
        manifest["subset"]["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    assert!(manifest["subset"]["cost"]["cost_usd"].as_f64().unwrap() > 0.0);
}

#[test]
fn bad_strength_budget_or_keep_from_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let foreign = root().join("datasets/commerce/manifest.json");
    let junk = dir.path().join("junk.txt");
    std::fs::write(&junk, "hello world\n").unwrap();
    let missing = dir.path().join("missing.json");
    let cases: [(Vec<String>, &str); 5] = [
        (
            vec!["--strength".into(), "4".into()],
            "error: invalid strength '4': expected 2 (pairs) or 3 (triples)",
        ),
        (
            vec![
                "--strength".into(),
                "2".into(),
                "--budget".into(),
                "0".into(),
            ],
            "error: invalid budget '0': expected a whole number of scenarios, 1 or more",
        ),
        (
            vec![
                "--strength".into(),
                "2".into(),
                "--keep-from".into(),
                missing.display().to_string(),
            ],
            "cannot read --keep-from file",
        ),
        (
            vec![
                "--strength".into(),
                "2".into(),
                "--keep-from".into(),
                foreign.display().to_string(),
            ],
            "is neither a manifest with a subset section nor a list of scenario ids: it has no `subset` section",
        ),
        (
            vec![
                "--strength".into(),
                "2".into(),
                "--keep-from".into(),
                junk.display().to_string(),
            ],
            "line 1 ('hello world') is not a scenario id",
        ),
    ];
    for (args, needle) in &cases {
        for command in ["manifest", "generate"] {
            let mut run = coverage();
            run.arg(command).args(args);
            if command == "generate" {
                run.arg("--out").arg(&out);
            }
            let output = run.output().unwrap();
            assert_refused(&output, needle);
            let lines = output.stderr.iter().filter(|&&b| b == b'\n').count();
            assert_eq!(lines, 1, "{command} {args:?}: not one line");
            assert!(
                output.stdout.is_empty(),
                "{command} {args:?} printed output"
            );
        }
    }
    assert!(!out.exists(), "a refused generate wrote something");
}

async fn call(request: Request<Body>) -> (StatusCode, Value) {
    let root = tempfile::tempdir().unwrap();
    let config = coverage::server::ServerConfig {
        addr: "127.0.0.1:0".parse().unwrap(),
        root: root.path().to_owned(),
        token: None,
        allowed_hosts: Vec::new(),
        concurrency: 1,
        max_conversations: coverage::server::DEFAULT_MAX_CONVERSATIONS,
        rates: coverage::cost::Rates::shipped(),
        header_timeout: coverage::server::DEFAULT_HEADER_TIMEOUT,
        idle_timeout: coverage::server::DEFAULT_IDLE_TIMEOUT,
    };
    let state = coverage::server::state(&config).unwrap();
    let response = coverage::server::router(state)
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 26)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn the_dry_run_shows_the_subset_and_refuses_a_bad_strength() {
    let get = |q: &str| {
        Request::get(format!("/coverage/generate?dry_run=true&{q}"))
            .body(Body::empty())
            .unwrap()
    };
    let (status, dry) = call(get("strength=2&layouts=global")).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    let subset: Subset = serde_json::from_value(dry["subset"].clone()).unwrap();
    assert_eq!(dry["conversations"], subset.size);
    assert_eq!(subset.coverage, 1.0);
    assert!(subset.cost.is_some());
    let (status, problem) = call(get("strength=4")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "strength");
    let (status, problem) = call(get("budget=10")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["field"], "budget");
}

#[test]
fn the_report_shows_the_subset_its_coverage_and_cost() {
    let dir = tempfile::tempdir().unwrap();
    let output = coverage()
        .args(["report", "--strength", "2", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_success(&output);
    let doc: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(doc["subset"]["strength"], 2);
    assert_eq!(doc["subset"]["coverage"], 1.0);
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("<section id=\"subset\">"));
    assert!(html.contains("behavior=happy_path, policy_boundary=out_of_policy"));
}

//! `coverage generate` and `coverage merge` end to end, as a user runs them:
//! every file valid, counts equal to the manifest, refusal without
//! --overwrite, identical bytes for any concurrency, shards merging into a
//! one-machine run, resume after a kill.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use coverage::contract::manifest::Manifest;
use coverage::{Coverage, Selection};
use serde_json::Value;

use crate::support::{assert_refused, assert_success, coverage, root};

/// Every file under `dir` (relative path → bytes).
/// Every file a run left under `dir`, but its lock file (empty, and not
/// output).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else if path.ends_with(coverage::job::LOCK_FILE) {
                continue;
            } else {
                let relative = path.strip_prefix(base).unwrap().display().to_string();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_tree(a: &Path, b: &Path) {
    let (a, b) = (tree(a), tree(b));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (path, bytes) in &a {
        assert!(bytes == &b[path], "{path} differs");
    }
}

fn run(args: &[&str], out: &Path) -> std::process::Output {
    coverage()
        .arg("generate")
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap()
}

/// The default run, once, shared by the tests that compare against it.
fn reference() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let output = run(&["--concurrency", "1"], dir.path());
        assert_success(&output);
        dir
    })
    .path()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_default_run_writes_84_14_1_pairs_and_the_manifest_all_valid() {
    let dir = reference();
    let files = tree(dir);
    let count = |suffix: &str| files.keys().filter(|k| k.ends_with(suffix)).count();
    assert_eq!(count(".dataset.json"), 99);
    assert_eq!(count(".golden.json"), 99);
    assert_eq!(count("/combined.dataset.json"), 14);
    assert!(
        files.contains_key("commerce/global.dataset.json")
            && files.contains_key("commerce/manifest.json")
    );
    assert_eq!(files.len(), 199);
    let output = coverage().arg("validate").arg(dir).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "198 files valid\n"
    );
}

#[test]
fn conversation_counts_and_difficulties_match_the_manifest() {
    let dir = reference();
    let manifest = read_json(&dir.join("commerce/manifest.json"));
    assert_eq!(manifest["totals"]["kept"], 5376);
    for rule in manifest["rules"].as_array().unwrap() {
        assert!(rule["rationale"].as_str().unwrap().len() > 40, "{rule}");
    }
    let mut per_domain: BTreeMap<String, u64> = BTreeMap::new();
    for pair in manifest["pairs"].as_array().unwrap() {
        let (domain, behavior) = (
            pair["domain"].as_str().unwrap(),
            pair["behavior"].as_str().unwrap(),
        );
        let dataset = read_json(&dir.join(format!("commerce/{domain}/{behavior}.dataset.json")));
        let conversations = dataset["conversations"].as_array().unwrap();
        assert_eq!(
            conversations.len() as u64,
            pair["kept"].as_u64().unwrap(),
            "{domain}.{behavior}"
        );
        assert_eq!(
            dataset["metadata"]["dataset_id"],
            format!("commerce.{domain}.{behavior}")
        );
        assert_ne!(dataset["metadata"]["difficulty"], "mixed");
        *per_domain.entry(domain.to_owned()).or_default() += pair["kept"].as_u64().unwrap();
    }
    for (domain, kept) in per_domain {
        let combined = read_json(&dir.join(format!("commerce/{domain}/combined.dataset.json")));
        assert_eq!(
            combined["metadata"]["conversation_count"].as_u64(),
            Some(kept)
        );
        assert_eq!(combined["metadata"]["difficulty"], "mixed");
        assert_eq!(
            combined["metadata"]["dataset_id"],
            format!("commerce.{domain}.combined")
        );
    }
    let global = read_json(&dir.join("commerce/global.golden.json"));
    assert_eq!(global["entries"].as_array().unwrap().len(), 5376);
    assert!(
        global["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["dataset_id"] == "commerce.global")
    );
}

#[test]
fn goldens_align_with_their_datasets_outcomes() {
    let dir = reference();
    let dataset = read_json(&dir.join("commerce/checkout_payments/combined.dataset.json"));
    let golden = read_json(&dir.join("commerce/checkout_payments/combined.golden.json"));
    let conversations = dataset["conversations"].as_array().unwrap();
    let entries = golden["entries"].as_array().unwrap();
    assert_eq!(conversations.len(), entries.len());
    for (conversation, entry) in conversations.iter().zip(entries) {
        assert_eq!(conversation["id"], entry["conversation_id"]);
        let decision = entry["final_outcome"]["decision"].as_str().unwrap();
        let policy = conversation["axes"]["policy_boundary"].as_str().unwrap();
        let availability = conversation["axes"]["availability"].as_str().unwrap();
        let expected = match (policy, availability) {
            ("out_of_policy", _) => "decline",
            (_, "out_of_stock") => "offer_alternative",
            (_, "backorder") | ("near_limit", _) => "fulfill_with_disclosure",
            _ => "fulfill",
        };
        assert_eq!(decision, expected, "{}", conversation["id"]);
    }
}

#[test]
fn rerunning_without_overwrite_refuses_and_changes_no_byte() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(&["--domain", "cart_management"], dir.path())
            .status
            .success()
    );
    let before = tree(dir.path());
    let output = run(&["--domain", "cart_management"], dir.path());
    assert_refused(
        &output,
        "cart_management/happy_path.dataset.json and 15 more files already exist; nothing was written",
    );
    assert_eq!(before, tree(dir.path()));
    let output = run(&["--domain", "cart_management", "--overwrite"], dir.path());
    assert!(output.status.success());
    assert_eq!(
        before,
        tree(dir.path()),
        "same seed: byte-identical, versions kept"
    );
}

#[test]
fn resume_finishes_a_pair_whose_golden_was_written_but_not_its_dataset() {
    // A kill between the golden's rename and the dataset's leaves exactly this.
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(&["--domain", "cart_management"], dir.path())
            .status
            .success()
    );
    let before = tree(dir.path());
    std::fs::remove_file(
        dir.path()
            .join("commerce/cart_management/ambiguous.dataset.json"),
    )
    .unwrap();
    let output = run(&["--domain", "cart_management", "--resume"], dir.path());
    assert_success(&output);
    assert_eq!(before, tree(dir.path()));
}

#[test]
fn changed_content_bumps_the_version_and_records_the_previous_one() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(&["--domain", "cart_management", "--split"], dir.path())
            .status
            .success()
    );
    let old = read_json(
        &dir.path()
            .join("commerce/cart_management/ambiguous.dataset.json"),
    );
    let old_happy = read_json(
        &dir.path()
            .join("commerce/cart_management/happy_path.dataset.json"),
    );
    assert!(
        run(
            &[
                "--domain",
                "cart_management",
                "--split",
                "--seed",
                "7",
                "--overwrite"
            ],
            dir.path()
        )
        .status
        .success()
    );
    let new = read_json(
        &dir.path()
            .join("commerce/cart_management/ambiguous.dataset.json"),
    );
    assert_eq!(
        new["metadata"]["version"], "1.0.1",
        "only the wording changed: a patch"
    );
    assert_eq!(new["metadata"]["previous_version"], "1.0.0");
    assert_eq!(
        new["metadata"]["previous_content_hash"],
        old["metadata"]["content_hash"]
    );
    let happy = read_json(
        &dir.path()
            .join("commerce/cart_management/happy_path.dataset.json"),
    );
    let ids = |d: &Value| {
        d["conversations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].clone())
            .collect::<Vec<_>>()
    };
    if ids(&happy) != ids(&old_happy) {
        assert_eq!(
            happy["metadata"]["version"], "1.1.0",
            "the low-risk cap picked other scenarios: a minor bump"
        );
    }
    let golden = read_json(
        &dir.path()
            .join("commerce/cart_management/ambiguous.golden.json"),
    );
    assert_eq!(golden["metadata"]["version"], "1.0.1");
}

#[test]
fn any_concurrency_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(&["--concurrency", "4"], dir.path()).status.success());
    assert_same_tree(reference(), dir.path());
}

#[test]
fn four_shards_merged_equal_the_one_machine_run() {
    let shards = tempfile::tempdir().unwrap();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for k in 1..=4 {
        let dir = shards.path().join(format!("shard-{k}"));
        let output = run(&["--shard", &format!("{k}/4"), "--concurrency", "2"], &dir);
        assert_success(&output);
        dirs.push(dir);
    }
    let merged = shards.path().join("merged");
    dirs.reverse();
    let output = coverage()
        .arg("merge")
        .arg("--out")
        .arg(&merged)
        .args(&dirs)
        .output()
        .unwrap();
    assert_success(&output);
    assert_same_tree(reference(), &merged);

    let output = coverage()
        .arg("merge")
        .arg("--out")
        .arg(shards.path().join("partial"))
        .args(&dirs[..3])
        .output()
        .unwrap();
    assert_refused(&output, "merge needs each of 1..=4 exactly once");
}

/// A full `coverage generate` running in the background.
fn spawn_generate(out: &Path) -> Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("coverage"))
        .args(["generate", "--concurrency", "1", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_for_first_file(child: &mut Child, dir: &Path) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(120) {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        let any = dir
            .join("commerce/product_discovery_search/happy_path.dataset.json")
            .exists();
        if any {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

#[test]
fn killing_generate_leaves_no_partial_file_and_resume_completes_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_generate(dir.path());
    let interrupted = wait_for_first_file(&mut child, dir.path());
    child.kill().unwrap();
    child.wait().unwrap();
    let partial = tree(dir.path());
    assert!(
        interrupted && !partial.contains_key("commerce/manifest.json"),
        "the kill must land mid-run"
    );
    for (path, bytes) in &partial {
        if !path.contains(".coverage-tmp-") {
            assert!(
                serde_json::from_slice::<Value>(bytes).is_ok(),
                "{path} is a partial file"
            );
        }
    }
    let output = run(&["--resume", "--concurrency", "3"], dir.path());
    assert_success(&output);
    assert_same_tree(reference(), dir.path());
}

#[test]
fn a_dry_run_writes_nothing_and_lists_what_it_would_write() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new");
    let output = run(
        &["--dry-run", "--domain", "order_management", "--global"],
        &out,
    );
    assert!(output.status.success());
    assert!(!out.exists());
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with("Would write 1 dataset/golden pairs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("would write    428  commerce/global.dataset.json"),
        "{stdout}"
    );
    let json = run(&["--dry-run", "--json"], &out);
    let summary: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(summary["files"].as_array().unwrap().len(), 99);
    assert_eq!(summary["manifest_status"], "would_write");
}

#[test]
fn jsonl_output_validates_and_carries_the_same_conversations() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(
            &[
                "--format",
                "jsonl",
                "--domain",
                "shipping_delivery",
                "--split"
            ],
            dir.path()
        )
        .status
        .success()
    );
    let output = coverage().arg("validate").arg(dir.path()).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let jsonl = std::fs::read_to_string(
        dir.path()
            .join("commerce/shipping_delivery/multi_turn.dataset.jsonl"),
    )
    .unwrap();
    let json = read_json(&reference().join("commerce/shipping_delivery/multi_turn.dataset.json"));
    // Nothing but the conversations, one per line; the header is beside it.
    let lines: Vec<Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(&lines, json["conversations"].as_array().unwrap());
    let sidecar = read_json(
        &dir.path()
            .join("commerce/shipping_delivery/multi_turn.dataset.meta.json"),
    );
    assert_eq!(sidecar["metadata"], json["metadata"]);
    assert_eq!(sidecar["schema_version"], json["schema_version"]);
}

#[test]
fn bad_input_is_named_with_what_is_valid_and_exit_code_2() {
    let dir = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (
            vec!["--shard", "5/4"],
            "invalid shard '5/4': expected K/N with 1 ≤ K ≤ N",
        ),
        (
            vec!["--behavior", "polite"],
            "unknown behavior 'polite'; valid: happy_path,",
        ),
        (vec!["--concurrency", "0"], "0 is not in 1..=256"),
    ] {
        let output = run(&args, dir.path());
        assert_refused(&output, needle);
    }
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a directory").unwrap();
    let output = run(&["--global"], &file.join("out"));
    assert_refused(&output, "cannot write to");
}

#[test]
fn the_committed_manifest_is_current() {
    let committed =
        std::fs::read_to_string(root().join("datasets/commerce/manifest.json")).unwrap();
    let current = Manifest::build(
        &Coverage::evaluate(coverage::DEFAULT_SEED),
        &Selection::all(),
    )
    .to_json();
    assert!(
        committed == current,
        "datasets/commerce/manifest.json is stale: run `cargo run -- manifest --json > datasets/commerce/manifest.json` and review the diff"
    );
}

#[test]
fn ctrl_c_stops_between_lines_with_exit_code_130_and_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_generate(dir.path());
    assert!(
        wait_for_first_file(&mut child, dir.path()),
        "the signal must land mid-run"
    );
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    for (path, bytes) in tree(dir.path()) {
        assert!(!path.contains(".coverage-tmp-"), "{path} was left behind");
        assert!(
            serde_json::from_slice::<Value>(&bytes).is_ok(),
            "{path} is partial"
        );
    }
}

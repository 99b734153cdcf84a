//! Large runs as a first-class use: variants, batches, guardrails, metrics
//! and flat memory. Behaviour, not timings.

use std::path::{Path, PathBuf};

use serde_json::Value;

use coverage::Selection;
use coverage::job::{
    self, CancelToken, Format, GenerateSpec, Guardrails, JobError, JobSpec, Layout, Work,
    WritePolicy,
};
use coverage::taxonomy::{Behavior, Domain};

use crate::support::{assert_refused, assert_success, coverage};

fn spec(out: &Path, variants: u32, batch_size: usize) -> JobSpec {
    JobSpec {
        out: out.to_owned(),
        work: Work::Generate(GenerateSpec {
            selection: Selection::new(
                [Domain::CartManagement],
                [Behavior::HappyPath, Behavior::AdversarialTrap],
            ),
            seed: 42,
            layouts: vec![Layout::Split],
            format: Format::Jsonl,
            shard: None,
            variants,
            subset: None,
        }),
        policy: WritePolicy::Refuse,
        dry_run: false,
        concurrency: 2,
        batch_size,
        guardrails: Guardrails::default(),
    }
}

/// The conversations of a JSONL dataset, by id.
fn conversations(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            (value["id"].as_str().unwrap().to_owned(), line.to_owned())
        })
        .collect()
}

const HAPPY: &str = "commerce/cart_management/happy_path.dataset.jsonl";

#[test]
fn variant_k_is_the_same_bytes_whatever_the_number_of_variants_or_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, variants: u32, batch: usize| -> PathBuf {
        let out = dir.path().join(name);
        job::run(
            &spec(&out, variants, batch),
            &CancelToken::new(),
            &mut |_| {},
        )
        .unwrap();
        out
    };
    let one = conversations(&run("one", 1, 256).join(HAPPY));
    let three = conversations(&run("three", 3, 256).join(HAPPY));
    let seven = conversations(&run("seven", 7, 5).join(HAPPY));
    assert_eq!(three.len(), 3 * one.len());
    assert_eq!(seven.len(), 7 * one.len());
    // Ids: the scenario id for one variant, `#k` after it for more.
    assert!(one.iter().all(|(id, _)| !id.contains('#')));
    assert_eq!(three[1].0, format!("{}#1", one[0].0));
    let in_seven: std::collections::HashMap<_, _> = seven.into_iter().collect();
    for (id, line) in &three {
        assert_eq!(
            Some(line),
            in_seven.get(id),
            "variant {id} differs between 3 and 7 variants"
        );
    }
    // Variant 0 of a run with variants is the single-variant line, its id aside.
    for ((id, line), (plain_id, plain)) in three.iter().step_by(3).zip(&one) {
        assert_eq!(
            line.replacen(&format!("\"{id}\""), &format!("\"{plain_id}\""), 1),
            *plain
        );
    }
    // Variants are distinct draws: another item, values or wording.
    let distinct: std::collections::BTreeSet<_> = three
        .iter()
        .take(3)
        .map(|(_, l)| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["turns"][0]["content"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(distinct.len(), 3);
    let report =
        coverage::validate::validate_paths(&[dir.path().join("three")], Default::default())
            .unwrap();
    assert_eq!(report.total_problems(), 0, "{:#?}", report.problems);
}

#[test]
fn shards_of_a_variant_run_merge_to_the_one_machine_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let base = [
        "generate",
        "--domain",
        "cart_management",
        "--behavior",
        "happy_path",
        "--variants",
        "4",
        "--format",
        "jsonl",
    ];
    let whole = dir.path().join("whole");
    assert!(
        coverage()
            .args(base)
            .arg("--out")
            .arg(&whole)
            .output()
            .unwrap()
            .status
            .success()
    );
    let mut parts = Vec::new();
    for k in 1..=3 {
        let part = dir.path().join(format!("part{k}"));
        let output = coverage()
            .args(base)
            .args(["--shard", &format!("{k}/3"), "--out"])
            .arg(&part)
            .output()
            .unwrap();
        assert_success(&output);
        parts.push(part);
    }
    let merged = dir.path().join("merged");
    let output = coverage()
        .arg("merge")
        .args(&parts)
        .arg("--out")
        .arg(&merged)
        .output()
        .unwrap();
    assert_success(&output);
    for file in [
        "commerce/cart_management/happy_path.dataset.jsonl",
        "commerce/cart_management/happy_path.golden.meta.json",
        "commerce/global.golden.jsonl",
        "commerce/manifest.json",
    ] {
        assert_eq!(
            std::fs::read(whole.join(file)).unwrap(),
            std::fs::read(merged.join(file)).unwrap(),
            "{file}"
        );
    }
}

#[test]
fn a_run_over_its_limits_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut too_many = spec(&out, 10, 256);
    too_many.guardrails.max_conversations = Some(1000);
    let refused = job::run(&too_many, &CancelToken::new(), &mut |_| {});
    assert!(
        matches!(
            refused,
            Err(JobError::TooManyConversations {
                planned: 1390,
                limit: 1000
            })
        ),
        "{refused:?}"
    );
    let mut too_big = spec(&out, 1, 256);
    too_big.guardrails.max_memory = Some(1 << 20);
    let refused = job::run(&too_big, &CancelToken::new(), &mut |_| {});
    assert!(
        matches!(refused, Err(JobError::OverMemory { .. })),
        "{refused:?}"
    );
    // A refused run said "nothing was written" but left the directory
    // chain and its lock: now it creates nothing at all.
    assert!(!out.exists(), "a refused run created its output directory");

    // From the command line: exit 2 with both figures, and no directory.
    let output = coverage()
        .args(["generate", "--max-memory", "1MB", "--out"])
        .arg(dir.path().join("cli/deep/chain"))
        .output()
        .unwrap();
    assert_refused(&output, "the run is estimated to need");
    assert!(String::from_utf8_lossy(&output.stderr).contains("over the limit of 1.0 MB"));
    let output = coverage()
        .args(["generate", "--max-conversations", "1", "--out"])
        .arg(dir.path().join("cli/deep/chain"))
        .output()
        .unwrap();
    assert_refused(&output, "over the limit of 1; nothing was written");
    assert!(
        !dir.path().join("cli").exists(),
        "a refused run created its directory chain"
    );
    let output = coverage()
        .args(["generate", "--max-memory", "lots", "--out"])
        .arg(dir.path().join("cli"))
        .output()
        .unwrap();
    assert_refused(&output, "invalid size 'lots'");
}

#[test]
fn metrics_append_a_line_per_batch_and_file_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("metrics.jsonl");
    for _ in 0..2 {
        let out = tempfile::tempdir().unwrap();
        let output = coverage()
            .args([
                "generate",
                "--domain",
                "cart_management",
                "--split",
                "--batch-size",
                "50",
                "--metrics",
            ])
            .arg(&metrics)
            .arg("--out")
            .arg(out.path())
            .output()
            .unwrap();
        assert_success(&output);
    }
    let lines: Vec<Value> = std::fs::read_to_string(&metrics)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds = |kind: &str| lines.iter().filter(|l| l["kind"] == kind).count();
    // Appended twice: 6 files each, and batches of at most 50.
    assert_eq!(kinds("summary"), 2);
    assert_eq!(kinds("file"), 12);
    assert!(kinds("batch") >= 2 * 427 / 50);
    let summary = lines.iter().find(|l| l["kind"] == "summary").unwrap();
    assert_eq!(summary["conversations"], 427);
    assert!(summary["bytes"].as_u64().unwrap() > 0);
    assert!(
        lines
            .iter()
            .filter(|l| l["kind"] == "batch")
            .all(|l| l["conversations"].as_u64().unwrap() <= 50)
    );
}

/// Peak RSS of a child run, from `/usr/bin/time`'s cousin: its own
/// `VmHWM`, which the metrics summary records.
fn peak_rss(variants: &str) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let metrics = dir.path().join("m.jsonl");
    let output = coverage()
        .args([
            "generate",
            "--split",
            "--format",
            "jsonl",
            "--variants",
            variants,
            "--metrics",
        ])
        .arg(&metrics)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_success(&output);
    let text = std::fs::read_to_string(&metrics).unwrap();
    let summary: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    summary["peak_rss_bytes"]
        .as_u64()
        .expect("peak RSS is read from /proc on Linux")
}

#[cfg(target_os = "linux")]
#[test]
fn memory_stays_flat_from_5_000_to_20_000_conversations() {
    // The default set is 5,376 conversations per layout; four variants make
    // 21,504. Memory that grew with the run would be near 4x here; the
    // million-conversation figure is a benchmark (docs/performance.md).
    let small = peak_rss("1");
    let large = peak_rss("4");
    assert!(
        large as f64 <= small as f64 * 1.2,
        "peak RSS {large} for 21,504 conversations against {small} for 5,376"
    );
}

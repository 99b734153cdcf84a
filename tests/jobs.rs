//! The job API from the library, not through the CLI: jobs side by side in
//! one process, cancellation, event order, one writer per directory,
//! symbolic links, and the validator's content and tree checks.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use coverage::Selection;
use coverage::job::{
    self, CancelToken, Event, GenerateSpec, JobError, JobSpec, Layout, TEMP_PREFIX, Work,
    WritePolicy,
};
use coverage::taxonomy::{Behavior, Domain};
use coverage::validate::{Options, validate_paths};

use crate::support::{assert_refused, coverage};

fn spec(out: &Path, generate: GenerateSpec) -> JobSpec {
    JobSpec {
        out: out.to_owned(),
        work: Work::Generate(generate),
        policy: WritePolicy::Refuse,
        dry_run: false,
        concurrency: 2,
        batch_size: job::DEFAULT_BATCH,
        guardrails: Default::default(),
    }
}

/// A small selection: two domains, two behaviors, every layout.
fn small(seed: u64) -> GenerateSpec {
    GenerateSpec {
        selection: Selection::new(
            [Domain::CartManagement, Domain::ShippingDelivery],
            [Behavior::HappyPath, Behavior::AdversarialTrap],
        ),
        seed,
        layouts: Layout::ALL.to_vec(),
        format: coverage::job::Format::Json,
        shard: None,
        variants: 1,
        subset: None,
    }
}

/// Every file under `dir` (links not followed), relative, with its bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                let relative = entry.path().strip_prefix(dir).unwrap().to_owned();
                files.insert(relative, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    files
}

fn temps(dir: &Path) -> Vec<PathBuf> {
    tree(dir)
        .into_keys()
        .filter(|p| {
            p.iter()
                .any(|c| c.to_string_lossy().starts_with(TEMP_PREFIX))
        })
        .collect()
}

fn no_problems(dir: &Path) {
    let report = validate_paths(&[dir.to_owned()], Options::default()).unwrap();
    assert_eq!(report.total_problems(), 0, "{:#?}", report.problems);
}

#[test]
fn two_jobs_in_one_process_one_cancelled_midway() {
    let dir = tempfile::tempdir().unwrap();
    let (solo, kept, cancelled) = (
        dir.path().join("solo"),
        dir.path().join("kept"),
        dir.path().join("cancelled"),
    );
    job::run(
        &spec(&solo, GenerateSpec::full(42)),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();

    let kept_job = job::spawn(spec(&kept, GenerateSpec::full(42)));
    let cancelled_job = job::spawn(spec(&cancelled, GenerateSpec::full(42)));
    // Cancel once ten pairs are on disk: midway through writing.
    let mut done = 0;
    for event in cancelled_job.events() {
        if matches!(event, Event::FileDone { .. }) {
            done += 1;
            if done == 10 {
                cancelled_job.cancel();
            }
        }
    }
    assert!(matches!(cancelled_job.wait(), Err(JobError::Cancelled)));
    let report = kept_job.wait().unwrap();
    assert_eq!(report.files.len(), 99);

    assert!(
        tree(&kept) == tree(&solo),
        "the other job's tree differs from a solo run"
    );
    assert_eq!(temps(&cancelled), Vec::<PathBuf>::new());
    let written = tree(&cancelled)
        .into_keys()
        .filter(|p| p.to_string_lossy().ends_with(".json"))
        .count();
    assert!((20..198).contains(&written), "{written} files");
    // What the cancelled job left is complete and valid, pair by pair.
    no_problems(&cancelled);
}

#[test]
fn a_job_cancelled_before_writing_leaves_nothing_but_its_lock() {
    let dir = tempfile::tempdir().unwrap();
    let cancel = CancelToken::new();
    let mut progress = 0;
    let result = job::run(
        &spec(dir.path(), GenerateSpec::full(42)),
        &cancel,
        &mut |event| {
            if let Event::Progress { conversations } = event {
                progress += conversations;
                if progress > 1000 {
                    cancel.cancel();
                }
            }
        },
    );
    assert!(matches!(result, Err(JobError::Cancelled)));
    let left: Vec<PathBuf> = tree(dir.path()).into_keys().collect();
    assert_eq!(left, [PathBuf::from(job::LOCK_FILE)]);
}

#[test]
fn events_pair_every_start_with_its_end_and_progress_sums_to_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut events = Vec::new();
    let report = job::run(
        &spec(dir.path(), small(42)),
        &CancelToken::new(),
        &mut |e| events.push(e),
    )
    .unwrap();
    let Some(Event::Planned {
        files,
        conversations,
    }) = events.first()
    else {
        panic!("the first event is Planned: {:?}", events.first());
    };
    assert_eq!(*files, report.files.len());
    let progress: u64 = events
        .iter()
        .filter_map(|e| match e {
            Event::Progress { conversations } => Some(*conversations),
            _ => None,
        })
        .sum();
    assert_eq!(progress, *conversations);
    let expected: u64 = report.files.iter().map(|f| f.conversations as u64).sum();
    assert_eq!(progress, expected);
    let started: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::FileStarted { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    let done: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::FileDone { path, .. } => Some(path),
            _ => None,
        })
        .collect();
    assert_eq!(started, done);
    assert_eq!(started.len(), report.files.len());
    assert!(matches!(events.last(), Some(Event::Finished { report: r }) if **r == report));
    // The report names every dataset and golden it wrote.
    for file in &report.files {
        assert!(dir.path().join(&file.path).is_file());
        assert!(dir.path().join(&file.golden_path).is_file());
    }
}

#[test]
fn a_second_process_into_a_locked_directory_refuses_at_once_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let clean = dir.path().join("clean");
    job::run(&spec(&clean, small(42)), &CancelToken::new(), &mut |_| {}).unwrap();

    // The first job pauses after planning, holding the lock, until released.
    let (planned_tx, planned_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let first = {
        let spec = spec(&out, small(42));
        std::thread::spawn(move || {
            job::run(&spec, &CancelToken::new(), &mut |event| {
                if matches!(event, Event::Planned { .. }) {
                    planned_tx.send(()).unwrap();
                    release_rx.recv().unwrap();
                }
            })
        })
    };
    planned_rx.recv().unwrap();
    let before = tree(&out);
    let output = coverage()
        .args(["generate", "--seed", "43", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_refused(&output, "is in use by another coverage run");
    assert!(
        tree(&out) == before,
        "the refused run changed the directory"
    );
    release_tx.send(()).unwrap();
    first.join().unwrap().unwrap();

    let mut written = tree(&out);
    written.remove(Path::new(job::LOCK_FILE));
    let mut expected = tree(&clean);
    expected.remove(Path::new(job::LOCK_FILE));
    assert!(written == expected, "the tree differs from a clean run");
}

#[cfg(unix)]
#[test]
fn symlink_loops_neither_hang_nor_lead_a_sweep_out_of_its_root() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("D");
    let other = dir.path().join("other");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&other).unwrap();
    let foreign = other.join(format!("{TEMP_PREFIX}someone-else"));
    std::fs::write(&foreign, "not ours").unwrap();
    symlink(".", out.join("a")).unwrap();
    symlink(".", out.join("b")).unwrap();
    symlink(&other, out.join("elsewhere")).unwrap();

    job::run(&spec(&out, small(42)), &CancelToken::new(), &mut |_| {}).unwrap();
    assert!(
        foreign.exists(),
        "the temp sweep followed a link out of --out"
    );

    let report = validate_paths(std::slice::from_ref(&out), Options::default()).unwrap();
    assert_eq!(report.total_problems(), 0, "{:#?}", report.problems);
    // 2 domains × (2 behaviors + combined) + global, each with its golden.
    assert_eq!(report.files, 14);
    assert_eq!(report.skipped.len(), 3, "{:?}", report.skipped);

    // A link where the job must write is refused, not followed.
    let linked = dir.path().join("linked");
    std::fs::create_dir_all(&linked).unwrap();
    symlink(&other, linked.join("commerce")).unwrap();
    let refused = job::run(&spec(&linked, small(42)), &CancelToken::new(), &mut |_| {});
    assert!(
        matches!(refused, Err(JobError::Escape { .. })),
        "{refused:?}"
    );
}

#[test]
fn validate_catches_an_edited_byte_and_a_mixed_seed_tree() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tree");
    job::run(&spec(&out, small(42)), &CancelToken::new(), &mut |_| {}).unwrap();
    no_problems(&out);

    let file = out.join("commerce/cart_management/happy_path.dataset.json");
    let text = std::fs::read_to_string(&file).unwrap();
    let at = text.find("\"content\":\"").unwrap() + 12;
    let mut edited = text.into_bytes();
    edited[at] = if edited[at] == b'x' { b'y' } else { b'x' };
    std::fs::write(&file, edited).unwrap();
    let report = validate_paths(std::slice::from_ref(&out), Options::default()).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.pointer == "/metadata/content_hash"
                && p.file.ends_with("happy_path.dataset.json")),
        "{:#?}",
        report.problems
    );

    let mixed = dir.path().join("mixed");
    job::run(&spec(&mixed, small(43)), &CancelToken::new(), &mut |_| {}).unwrap();
    for name in ["happy_path.dataset.json", "happy_path.golden.json"] {
        std::fs::copy(
            dir.path()
                .join("tree/commerce/shipping_delivery")
                .join(name),
            mixed.join("commerce/shipping_delivery").join(name),
        )
        .unwrap();
    }
    let report = validate_paths(&[mixed], Options::default()).unwrap();
    let seed_problems = report
        .problems
        .iter()
        .filter(|p| p.pointer == "/metadata/seed")
        .count();
    assert_eq!(seed_problems, 2, "{:#?}", report.problems);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.contains("differ from the") && p.message.contains("happy_path")),
        "combined files no longer match the swapped per-behavior file: {:#?}",
        report.problems
    );
}

#[test]
fn validate_keeps_a_bounded_number_of_problems_per_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.dataset.jsonl");
    let mut text = String::from("{\"schema_version\":2,\"metadata\":{}}\n");
    for i in 0..500 {
        text.push_str(&format!("{{\"id\":\"c{i}\",\"turns\":\"none\"}}\n"));
    }
    std::fs::write(&file, text).unwrap();
    let report = validate_paths(
        std::slice::from_ref(&file),
        Options {
            problems_per_file: 5,
        },
    )
    .unwrap();
    assert_eq!(report.problems.len(), 5);
    // The reading stops at the limit rather than count all 500 lines.
    assert_eq!(
        report.stopped,
        std::collections::BTreeSet::from([file.display().to_string()])
    );
    assert!(report.total_problems() < 50, "{}", report.total_problems());
}

/// `coverage generate` of cart and shipping into `out`.
fn generate_two_domains(out: &Path) -> std::process::Output {
    coverage()
        .args([
            "generate",
            "--domain",
            "cart_management",
            "--domain",
            "shipping_delivery",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_directory_that_cannot_take_files_is_found_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // A file where a domain's directory must go.
    std::fs::create_dir_all(out.join("commerce")).unwrap();
    std::fs::write(out.join("commerce/shipping_delivery"), "in the way").unwrap();
    let output = generate_two_domains(&out);
    assert_refused(&output, "is not a directory");
    let left: Vec<PathBuf> = tree(&out).into_keys().collect();
    assert_eq!(
        left,
        [
            PathBuf::from(job::LOCK_FILE),
            PathBuf::from("commerce/shipping_delivery")
        ]
    );
}

#[cfg(unix)]
#[test]
fn a_read_only_subdirectory_is_found_before_anything_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let locked = out.join("commerce/shipping_delivery");
    std::fs::create_dir_all(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    if std::fs::write(locked.join("probe"), "").is_ok() {
        eprintln!("skipped: this user writes through read-only permissions (root)");
        return;
    }
    let output = generate_two_domains(&out);
    assert_refused(&output, "cannot write to");
    assert_eq!(tree(&out).len(), 1, "only the lock file");
}

#[test]
fn jsonl_files_hold_only_items_and_a_lost_sidecar_is_finished_by_resume() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut generate = small(42);
    generate.format = coverage::job::Format::Jsonl;
    let report = job::run(
        &spec(&out, generate.clone()),
        &CancelToken::new(),
        &mut |_| {},
    )
    .unwrap();
    no_problems(&out);
    let file = &report.files[0];
    assert_eq!(file.meta_paths.len(), 2, "{file:?}");
    let body = std::fs::read_to_string(out.join(&file.path)).unwrap();
    for line in body.lines() {
        let item: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            item.get("turns").is_some(),
            "a line that is not a conversation: {line}"
        );
    }
    assert_eq!(body.lines().count(), file.conversations);
    let clean = tree(&out);

    // A run killed between the dataset's rename and its sidecar's.
    std::fs::remove_file(out.join(&file.meta_paths[0])).unwrap();
    let report = validate_paths(std::slice::from_ref(&out), Options::default()).unwrap();
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.message.starts_with("no metadata: expected its sidecar")),
        "{:#?}",
        report.problems
    );
    let mut resume = spec(&out, generate);
    resume.policy = WritePolicy::Resume;
    job::run(&resume, &CancelToken::new(), &mut |_| {}).unwrap();
    assert!(tree(&out) == clean, "resume did not restore the same bytes");
}

#[test]
fn validate_checks_each_schema_3_entry_against_its_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tree");
    job::run(&spec(&out, small(42)), &CancelToken::new(), &mut |_| {}).unwrap();
    let path = out.join("commerce/cart_management/happy_path.golden.json");
    let mut golden: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // A golden that flags no disclosure where its constraints demand one,
    // its content hash made to match so only the content rules can tell.
    let entries = golden["entries"].as_array_mut().unwrap();
    let (at, entry) = entries
        .iter_mut()
        .enumerate()
        .find(|(_, e)| e["policy_flags"]["requires_disclosure"] == true)
        .unwrap();
    entry["policy_flags"]["requires_disclosure"] = false.into();
    let mut hasher = coverage::job::LineHasher::default();
    for entry in golden["entries"].as_array().unwrap() {
        hasher.add(&entry.to_string());
    }
    golden["metadata"]["content_hash"] = hasher.finish().into();
    std::fs::write(&path, serde_json::to_string_pretty(&golden).unwrap()).unwrap();

    let report = validate_paths(std::slice::from_ref(&out), Options::default()).unwrap();
    let found: Vec<_> = report
        .problems
        .iter()
        .filter(|p| p.file.ends_with("happy_path.golden.json"))
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].pointer, format!("/entries/{at}"));
    assert!(
        found[0].message.starts_with("[flags]"),
        "{}",
        found[0].message
    );
}

/// A `.coverage.lock` that was a symbolic link was followed, creating a
/// file outside the tree; a FIFO there blocked `open` forever.
/// `coverage generate` of one small pair into `out`, given a minute.
fn generate_one_pair_into(out: &std::path::Path) -> std::process::Output {
    coverage()
        .args([
            "generate",
            "--domain",
            "cart_management",
            "--behavior",
            "happy_path",
            "--out",
        ])
        .arg(out)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap()
}

#[test]
fn a_lock_file_that_is_a_symlink_or_a_fifo_is_refused_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let outside = dir.path().join("outside-file");
    std::os::unix::fs::symlink(&outside, out.join(job::LOCK_FILE)).unwrap();
    let output = generate_one_pair_into(&out);
    assert_refused(
        &output,
        ".coverage.lock' is a symbolic link; the lock file is never followed",
    );
    assert!(!outside.exists(), "the link was followed");

    std::fs::remove_file(out.join(job::LOCK_FILE)).unwrap();
    let fifo = out.join(job::LOCK_FILE);
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let output = generate_one_pair_into(&out);
    assert_refused(
        &output,
        ".coverage.lock' is not a regular file; the lock file must be one",
    );
}

/// A FIFO where the manifest goes hung `generate --overwrite` forever,
/// deaf to Ctrl-C; now it is refused at once, naming the path.
#[test]
fn a_fifo_where_a_target_goes_is_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("commerce")).unwrap();
    let manifest = out.join("commerce/manifest.json");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&manifest)
            .status()
            .unwrap()
            .success()
    );
    for flag in ["--overwrite", "--resume"] {
        let output = coverage()
            .args([
                "generate",
                "--domain",
                "cart_management",
                "--behavior",
                "happy_path",
                flag,
                "--out",
            ])
            .arg(&out)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert_refused(
            &output,
            "manifest.json' is not a regular file; coverage reads and replaces only regular files",
        );
    }
}

#[test]
fn a_dry_run_over_a_fifo_where_a_document_goes_says_so_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let generate = |extra: &[&str]| {
        coverage()
            .args(["generate", "--domain", "cart_management"])
            .args(["--behavior", "happy_path", "--out"])
            .arg(&out)
            .args(extra)
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap()
    };
    assert!(generate(&[]).status.success());
    let dataset = out.join("commerce/cart_management/happy_path.dataset.json");
    std::fs::remove_file(&dataset).unwrap();
    let made = std::process::Command::new("mkfifo").arg(&dataset).status();
    assert!(made.unwrap().success());
    for extra in [
        &["--dry-run"][..],
        &["--dry-run", "--overwrite"],
        &["--dry-run", "--resume"],
    ] {
        let output = generate(extra);
        assert_refused(
            &output,
            "happy_path.dataset.json' is not a regular file; coverage reads and replaces only regular files",
        );
    }
}

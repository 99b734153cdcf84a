//! `coverage validate` against hostile files: every read bounded, memory
//! flat whatever the size, and `--max-problems` stopping the reading.
//! The files are generated in a temporary directory; peak memory is the
//! child's own (`wait4`), so other tests' children do not count.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Stdio;

/// Well under what any of these files took before their reading was bounded
/// (hundreds of MB to GB), well over what a streaming read takes (~15 MB).
const PEAK_LIMIT: u64 = 100 * 1024 * 1024;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Peak resident set of the child, in bytes.
    peak: u64,
}

/// Runs `coverage validate` with `args`; its peak RSS is read from its own
/// rusage when it is reaped.
#[expect(
    clippy::zombie_processes,
    reason = "reaped by wait4, which also reads its rusage"
)]
fn validate(args: &[&str], path: &Path) -> Run {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_coverage"))
        .arg("validate")
        .args(args)
        .arg(path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = String::new();
    let mut stderr = String::new();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).unwrap();
        text
    });
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    stderr.push_str(&reader.join().unwrap());
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Run {
        code,
        stdout,
        stderr,
        // ru_maxrss is in KiB on Linux.
        peak: usage.ru_maxrss as u64 * 1024,
    }
}

/// A dataset document whose `conversations` are `count` empty objects,
/// after `header` (top-level fields with a trailing comma), then `tail`.
fn empty_conversations(path: &Path, header: &str, count: usize, tail: &str) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    write!(file, "{{{header}\"conversations\":[").unwrap();
    let chunk = "{},".repeat(10_000);
    for _ in 0..count / 10_000 {
        file.write_all(chunk.as_bytes()).unwrap();
    }
    write!(file, "{{}}]{tail}").unwrap();
    file.flush().unwrap();
}

/// 10 MB of `{}` conversations took 428 MB: a summary was kept of every
/// one. Under a schema version this build does not know, no item has a
/// problem, so all 5 million are read to the end, in flat memory.
#[test]
fn validate_streams_a_huge_array_of_empty_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.dataset.json");
    empty_conversations(
        &path,
        "\"schema_version\":99,\"metadata\":{},",
        5_000_000,
        "}",
    );
    let run = validate(&[], &path);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "{}: /schema_version: unsupported schema version 99; supported: 1, 2, 3, 4\n",
            path.display()
        )
    );
    assert!(
        run.peak < PEAK_LIMIT,
        "peak RSS {} MB",
        run.peak / 1_000_000
    );
}

/// An unknown top-level field holding an object with 12M keys took 5.2 GB:
/// it was parsed whole. It is read past, and the schema names it.
#[test]
fn validate_skips_an_unknown_field_with_millions_of_keys_in_constant_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("junk.dataset.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    write!(file, "{{\"schema_version\":4,\"metadata\":{{}},\"junk\":{{").unwrap();
    for i in 0..2_000_000 {
        let comma = if i == 0 { "" } else { "," };
        write!(file, "{comma}\"k{i}\":{{\"x\":[1,\"two\"]}}").unwrap();
    }
    write!(file, "}},\"conversations\":[]}}").unwrap();
    file.flush().unwrap();
    drop(file);
    let run = validate(&[], &path);
    assert_eq!(run.code, Some(1), "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "{}: /: Additional properties are not allowed ('junk' was unexpected)",
            path.display()
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.peak < PEAK_LIMIT,
        "peak RSS {} MB",
        run.peak / 1_000_000
    );
}

/// `--max-problems 1` changed nothing: every item was still read and
/// checked. Now the reading stops at the first problem: the broken JSON
/// at the end of the file is never reached.
#[test]
fn max_problems_stops_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.dataset.json");
    empty_conversations(
        &path,
        "\"schema_version\":4,\"metadata\":{},",
        1_000_000,
        ", this is not JSON",
    );
    let run = validate(&["--max-problems", "1"], &path);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let file = path.display();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(
        lines[0].starts_with(&format!("{file}: /conversations/0: ")),
        "{}",
        run.stdout
    );
    assert_eq!(
        lines[1],
        format!(
            "{file}: stopped reading at --max-problems 1; the rest of the file was not checked"
        )
    );
    assert!(
        run.stderr.contains("at least "),
        "the count is a lower bound: {}",
        run.stderr
    );
    // Read to its end, the same file is not JSON.
    let all = validate(&["--max-problems", "1000000000"], &{
        let short = dir.path().join("short.dataset.json");
        empty_conversations(
            &short,
            "\"schema_version\":4,\"metadata\":{},",
            10,
            ", this is not JSON",
        );
        short
    });
    assert!(all.stdout.contains("not valid JSON"), "{}", all.stdout);
}

/// The same stop without `schema_version`: its problems as version 1 are
/// counted toward the one line naming the missing field, and the reading
/// stops there rather than count every item of the file; that line says
/// all there is, so no stop is reported.
#[test]
fn validate_stops_counting_a_document_without_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.dataset.json");
    empty_conversations(&path, "\"metadata\":{},", 1_000_000, "}");
    let run = validate(&["--max-problems", "3"], &path);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let file = path.display();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].starts_with(&format!(
            "{file}: /schema_version: missing; a document without it is read as version 1, and this one is not a valid version-1 document (at least "
        )) && lines[0].ends_with(" problems as version 1); add schema_version (supported: 1, 2, 3, 4)"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("1 problem in 1 file"), "{}", run.stderr);
}

/// One conversation bigger than any real one is one problem naming its
/// index and the limit, found before it is held.
#[test]
fn validate_refuses_an_oversized_conversation_by_index_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.dataset.json");
    let huge = format!("{{\"turns\":[\"{}\"]}}", "a".repeat(3 * 1024 * 1024));
    std::fs::write(
        &path,
        format!("{{\"schema_version\":4,\"metadata\":{{}},\"conversations\":[{huge}]}}"),
    )
    .unwrap();
    let run = validate(&[], &path);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!(
            "{}: /conversations/0: larger than 1 MiB, the most one conversation may be; the rest of the file was not read\n",
            path.display()
        )
    );
    // A header field is bounded the same way.
    std::fs::write(
        &path,
        format!("{{\"schema_version\":4,\"metadata\":{huge},\"conversations\":[]}}"),
    )
    .unwrap();
    let run = validate(&[], &path);
    assert_eq!(
        run.stdout,
        format!(
            "{}: /metadata: larger than 1 MiB, the most one header field may be; the rest of the file was not read\n",
            path.display()
        )
    );
}

/// A JSON Lines line is read up to the limit, never whole.
#[test]
fn validate_refuses_an_overlong_json_lines_line_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.dataset.jsonl");
    std::fs::write(
        dir.path().join("big.dataset.meta.json"),
        "{\"schema_version\":4,\"metadata\":{}}",
    )
    .unwrap();
    let mut text = String::from("{}\n");
    text.push_str(&"x".repeat(2 * 1024 * 1024));
    std::fs::write(&path, text).unwrap();
    let run = validate(&["--max-problems", "100"], &path);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!(
            "{}: /conversations/1: line 2: longer than 1 MiB, the most one conversation may be; the rest of the file was not read\n",
            path.display()
        )),
        "{}",
        run.stdout
    );
}

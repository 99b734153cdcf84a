//! The command line as a new user meets it (issue 21): `--help` says what
//! every flag takes, `serve --addr` takes a host name and creates nothing
//! when it cannot listen, sizes take units, seeds have one range, `--resume`
//! refuses another run's layouts, and shells get completions.

use coverage::TaxonomyEnum;

use crate::support::{assert_refused, assert_success, coverage};

fn stdout(args: &[&str]) -> String {
    let output = coverage().args(args).output().unwrap();
    assert_success(&output);
    String::from_utf8(output.stdout).unwrap()
}

/// `--help` listed no domain or behavior id (only the error did), and
/// `--format` had no help text.
#[test]
fn help_lists_every_domain_and_behavior_id_and_explains_format() {
    for command in ["generate", "manifest", "cost", "report", "samples"] {
        let help = stdout(&[command, "--help"]);
        for id in coverage::Domain::IDS.iter().chain(coverage::Behavior::IDS) {
            assert!(help.contains(id), "`{command} --help` lacks {id}:\n{help}");
        }
    }
    let help = stdout(&["generate", "--help"]);
    let format = help
        .split("\n      --")
        .find(|flag| flag.starts_with("format"))
        .expect("a --format entry");
    assert!(format.contains("one document per file"), "{format}");
    assert!(
        format.contains("[possible values: json, jsonl]"),
        "{format}"
    );
    // The short form stays short.
    let short = stdout(&["generate", "-h"]);
    assert!(!short.contains(coverage::Domain::IDS[1]), "{short}");
}

/// `--max-memory 12` meant 12 bytes (and printed "0.0 MB"): a size under
/// 1MB is refused at once naming the value and the forms; units and
/// fractions are taken.
#[test]
fn max_memory_without_a_unit_is_refused_and_units_are_taken() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = coverage()
        .args(["generate", "--max-memory", "12", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_refused(
        &output,
        "invalid size '12': below the 1MB minimum; expected a size of at least 1MB: a number and a unit B, KB, MB, GB, TB, KiB, MiB, GiB or TiB (e.g. 512MiB, 2GB, 1.5GiB); a bare number is bytes",
    );
    assert!(!out.exists());
    for size in ["1.5GiB", "512MiB", "2GB"] {
        let output = coverage()
            .args([
                "generate",
                "--dry-run",
                "--global",
                "--domain",
                "returns_refunds_exchanges",
            ])
            .args(["--behavior", "happy_path", "--max-memory", size, "--out"])
            .arg(&out)
            .output()
            .unwrap();
        assert_success(&output);
    }
}

/// A `coverage serve` child process, killed when dropped.
struct Serving(std::process::Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The status code of one GET / with this `Host`.
fn status_with_host(addr: &str, host: &str) -> u16 {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

/// `serve --addr localhost:8080` was rejected ("invalid socket address
/// syntax"): localhost is loopback, and the Host checks still hold.
#[test]
fn serve_listens_on_localhost_by_name_and_still_refuses_other_hosts() {
    use std::io::BufRead;
    let root = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("coverage"))
        .args(["serve", "--addr", "localhost:0", "--root"])
        .arg(root.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _serving = Serving(child);
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("coverage serve listening on http://")
        .unwrap_or_else(|| panic!("no address in {line:?}"));
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    let port = addr.rsplit(':').next().unwrap();
    assert_eq!(status_with_host(addr, &format!("localhost:{port}")), 200);
    assert_eq!(status_with_host(addr, addr), 200);
    assert_eq!(status_with_host(addr, "rebound.example"), 403);
}

#[test]
fn serve_refuses_an_address_without_a_port_naming_it() {
    let output = coverage()
        .args([
            "serve",
            "--addr",
            "localhost",
            "--root",
            "/nonexistent/never",
        ])
        .output()
        .unwrap();
    assert_refused(
        &output,
        "'localhost' has no port; expected HOST:PORT, e.g. 127.0.0.1:8080, localhost:8080 or [::1]:8080",
    );
}

/// `serve` created `--root` and then failed to bind: it binds first.
#[test]
fn serve_that_cannot_listen_creates_no_root() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let output = coverage()
        .args(["serve", "--addr", &addr, "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert_refused(&output, &format!("cannot listen on {addr}"));
    assert!(!root.exists(), "the root was created");
}

/// The CLI took seeds up to 2^64 − 1, the page 2^63 − 1: both, and the
/// API, take 0 to 2^53 − 1.
#[test]
fn a_seed_past_two_to_the_53_is_refused_naming_the_range() {
    let output = coverage()
        .args(["manifest", "--seed", "9007199254740992"])
        .output()
        .unwrap();
    assert_refused(
        &output,
        "invalid value '9007199254740992' for '--seed <SEED>': expected a whole number from 0 to 9007199254740991",
    );
    let output = coverage()
        .args(["manifest", "--json", "--seed", "9007199254740991"])
        .output()
        .unwrap();
    assert_success(&output);
    let manifest: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(manifest["seed"], 9_007_199_254_740_991_u64);
    // The page's seed field has the same bound.
    let selectors = coverage::ui::Selectors::new(
        &coverage::Selection::all(),
        42,
        &coverage::job::Layout::ALL,
        coverage::job::Format::Json,
    );
    use askama::Template;
    assert!(
        selectors
            .render()
            .unwrap()
            .contains(r#"max="9007199254740991""#)
    );
}

/// `--resume` with other layouts than the first run quietly wrote files
/// that run never planned: it refuses, naming the difference, and writes
/// nothing; with the same flags it finishes.
#[test]
fn resume_with_other_layouts_is_refused_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let narrow = ["--domain", "cart_management", "--behavior", "happy_path"];
    let generate = |extra: &[&str]| {
        coverage()
            .arg("generate")
            .args(narrow)
            .args(extra)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap()
    };
    assert_success(&generate(&["--split"]));
    let files = walkdir;
    let before = files(&out);

    let output = generate(&["--resume"]);
    assert_refused(
        &output,
        &format!(
            "cannot resume in '{}': the run there had --split (this run: --split --combined --global); resume with that run's flags, or pass --overwrite to replace its files, or choose another --out; nothing was written",
            out.display()
        ),
    );
    assert_eq!(String::from_utf8_lossy(&output.stderr).lines().count(), 1);
    assert_eq!(files(&out), before, "the refused resume wrote files");

    let output = generate(&["--resume", "--split", "--format", "jsonl"]);
    assert_refused(
        &output,
        "the run there had --format json (this run: --format jsonl)",
    );

    assert_success(&generate(&["--resume", "--split"]));
    assert_eq!(files(&out), before);
}

/// Every file under `dir`, sorted.
fn walkdir(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `--domain` and `--behavior` complete to the taxonomy's ids, not to
/// file names, in every place they are taken; `--help` is unchanged (the
/// ids are listed there in words, not twice).
#[test]
fn completions_offer_the_taxonomys_ids_for_domain_and_behavior() {
    let bash = stdout(&["completions", "bash"]);
    for (flag, ids) in [
        ("--domain", coverage::taxonomy::Domain::IDS),
        ("--behavior", coverage::taxonomy::Behavior::IDS),
    ] {
        let cases: Vec<&str> = bash
            .split(&format!("                {flag})\n"))
            .skip(1)
            .map(|case| case.lines().next().unwrap())
            .collect();
        assert!(
            cases.len() >= 5,
            "{flag} is completed in {} places",
            cases.len()
        );
        let words = format!("compgen -W \"{}\"", ids.join(" "));
        for case in cases {
            assert!(case.contains(&words), "{flag}: {case}");
        }
    }
    let help = stdout(&["manifest", "--help"]);
    assert!(!help.contains("possible values"), "{help}");
    let fish = stdout(&["completions", "fish"]);
    assert!(fish.contains("cart_management"), "fish offers no domain id");
}

/// Completion scripts come from the clap definition, for each shell.
#[test]
fn completions_are_printed_for_each_shell_and_an_unknown_shell_is_named() {
    let bash = stdout(&["completions", "bash"]);
    assert!(bash.contains("_coverage()"), "{bash}");
    for flag in ["--max-memory", "--all-layouts", "--format"] {
        assert!(bash.contains(flag), "no {flag} in the bash script");
    }
    for (shell, mark) in [
        ("zsh", "#compdef coverage"),
        ("fish", "complete -c coverage"),
    ] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains(mark), "{shell}: {script}");
    }
    let output = coverage().args(["completions", "tcsh"]).output().unwrap();
    assert_refused(
        &output,
        "invalid value 'tcsh' for '<SHELL>'\n  [possible values: bash, elvish, fish, powershell, zsh]",
    );
}

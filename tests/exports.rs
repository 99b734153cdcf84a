//! `coverage export` (spec `evaluation.md` §6): each target's files from a
//! small sample set, byte for byte (snapshots) and twice the same; every
//! openai-chat line checked against the fine-tuning line format; the
//! Python grader (inspect, promptfoo facts) and the JavaScript checks
//! (promptfoo) against the Rust grader on the same hand-made replies; and,
//! with the real model of `.ci/run`, `inspect eval` and `promptfoo eval`
//! run on an export, their outputs graded by `coverage grade`, verdict
//! for verdict equal to the harness's own.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::Arc;

use serde_json::{Value, json};

use coverage::contract::run::Transcript;
use coverage::contract::sample::Sample;
use coverage::contract::score::GradeLine;

use crate::evaluate::{
    Action, Endpoint, Script, Seen, completion, correct_reply, run_and_grade, wrong_reply,
};
use crate::support::{assert_refused, assert_success, coverage, root};

const TARGETS: [&str; 5] = ["inspect", "promptfoo", "openai-evals", "openai-chat", "hf"];

/// Samples of `args` under `dir/samples`, and the samples read back.
fn samples(dir: &Path, args: &[&str]) -> (PathBuf, Vec<Sample>) {
    let out = dir.join("samples");
    assert_success(
        &coverage()
            .arg("samples")
            .arg("--out")
            .arg(&out)
            .args(args)
            .output()
            .unwrap(),
    );
    let mut files = Vec::new();
    walk(&out, &mut files);
    files.retain(|f| f.to_string_lossy().ends_with(".samples.jsonl"));
    files.sort();
    let samples = files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Sample>>()
        })
        .collect();
    (out, samples)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

fn export(samples: &Path, target: &str, out: &Path, extra: &[&str]) -> std::process::Output {
    coverage()
        .arg("export")
        .arg(samples)
        .args(["--to", target, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// Every file of an export but the lock, by relative path.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
        .into_iter()
        .filter(|f| !f.ends_with(".coverage.lock"))
        .map(|f| {
            let name = f.strip_prefix(dir).unwrap().display().to_string();
            (name, std::fs::read(&f).unwrap())
        })
        .collect()
}

#[test]
fn exports_are_the_same_bytes_every_time_and_refuse_to_clobber() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = samples(
        dir.path(),
        &[
            "--behavior",
            "happy_path",
            "--strength",
            "2",
            "--budget",
            "3",
        ],
    );
    for target in TARGETS {
        let (a, b) = (
            dir.path().join(format!("{target}-a")),
            dir.path().join(format!("{target}-b")),
        );
        assert_success(&export(&path, target, &a, &[]));
        assert_success(&export(&path, target, &b, &[]));
        assert_eq!(files_of(&a), files_of(&b), "{target}");
        let again = export(&path, target, &a, &[]);
        assert_refused(&again, "already exist");
        assert!(String::from_utf8_lossy(&again.stderr).contains("--overwrite"));
        assert_success(&export(&path, target, &a, &["--overwrite"]));
        assert_eq!(files_of(&a), files_of(&b), "{target} overwritten");
    }
    let bad = export(&path, "csv", &dir.path().join("x"), &[]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("unknown export target 'csv'; valid: inspect, promptfoo"),
        "{stderr}"
    );
    let stray = export(
        &path,
        "hf",
        &dir.path().join("y"),
        &["--provider", "openai:chat:x"],
    );
    assert_refused(&stray, "--provider names promptfoo's provider");
    let missing = export(
        &dir.path().join("nothing"),
        "hf",
        &dir.path().join("z"),
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(!dir.path().join("z").join("README.md").exists());
}

#[test]
fn a_one_sample_export_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = samples(
        dir.path(),
        &[
            "--domain",
            "cart_management",
            "--behavior",
            "happy_path",
            "--strength",
            "2",
            "--budget",
            "1",
        ],
    );
    for target in TARGETS {
        let out = dir.path().join(target);
        assert_success(&export(&path, target, &out, &[]));
        for (name, bytes) in files_of(&out) {
            // The shipped assets are their own source files; the
            // snapshots hold what the export made of the samples.
            if name.ends_with(".py") || name.ends_with(".js") {
                continue;
            }
            let text = String::from_utf8(bytes).unwrap();
            insta::assert_snapshot!(format!("export_{target}_{}", name.replace('/', "_")), text);
        }
    }
}

/// The OpenAI chat fine-tuning line: messages with roles and string
/// content, the last the assistant's expected call as `tool_calls` with
/// JSON-string arguments naming one of the line's tools.
fn check_chat_line(line: &Value) -> Result<(), String> {
    let object = line.as_object().ok_or("not an object")?;
    for key in object.keys() {
        if !["messages", "tools", "parallel_tool_calls"].contains(&key.as_str()) {
            return Err(format!("unexpected key {key}"));
        }
    }
    let tools = object["tools"].as_array().ok_or("tools is not a list")?;
    let mut names = Vec::new();
    for tool in tools {
        if tool["type"] != "function" {
            return Err("a tool whose type is not function".into());
        }
        let function = &tool["function"];
        names.push(function["name"].as_str().ok_or("a tool without a name")?);
        function["description"]
            .as_str()
            .ok_or("a tool without a description")?;
        if function["parameters"]["type"] != "object" {
            return Err("tool parameters that are not an object schema".into());
        }
    }
    let messages = object["messages"]
        .as_array()
        .ok_or("messages is not a list")?;
    let (last, history) = messages.split_last().ok_or("no messages")?;
    if history.first().map(|m| &m["role"]) != Some(&json!("system")) {
        return Err("the first message is not the system prompt".into());
    }
    for m in history {
        let role = m["role"].as_str().ok_or("a message without a role")?;
        if !["system", "user", "assistant"].contains(&role) {
            return Err(format!("role {role}"));
        }
        m["content"]
            .as_str()
            .ok_or("a message whose content is not a string")?;
    }
    if history.last().map(|m| &m["role"]) != Some(&json!("user")) {
        return Err("the turn before the answer is not the user's".into());
    }
    if last["role"] != "assistant" {
        return Err("the last message is not the assistant's".into());
    }
    let calls = last["tool_calls"].as_array().ok_or("no tool_calls")?;
    if calls.len() != 1 {
        return Err(format!("{} tool calls", calls.len()));
    }
    let call = &calls[0];
    if call["type"] != "function" || !call["id"].is_string() {
        return Err("a call without an id or of another type".into());
    }
    let name = call["function"]["name"]
        .as_str()
        .ok_or("a call without a name")?;
    if !names.contains(&name) {
        return Err(format!("a call to {name}, which is not among the tools"));
    }
    let arguments = call["function"]["arguments"]
        .as_str()
        .ok_or("arguments that are not a JSON string")?;
    match serde_json::from_str::<Value>(arguments) {
        Ok(Value::Object(_)) => Ok(()),
        _ => Err(format!("arguments {arguments} are not a JSON object")),
    }
}

#[test]
fn every_openai_chat_line_is_a_fine_tuning_line() {
    let dir = tempfile::tempdir().unwrap();
    let (path, samples) = samples(dir.path(), &["--strength", "2", "--budget", "40"]);
    let out = dir.path().join("chat");
    assert_success(&export(&path, "openai-chat", &out, &[]));
    let text = std::fs::read_to_string(out.join("chat.jsonl")).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), samples.len());
    for (line, sample) in lines.iter().zip(&samples) {
        check_chat_line(line).unwrap_or_else(|e| panic!("{}: {e}", sample.sample_id));
        let arguments: Value = serde_json::from_str(
            line["messages"].as_array().unwrap().last().unwrap()["tool_calls"][0]["function"]
                ["arguments"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
        assert_eq!(arguments, Value::Object(sample.expected.arguments.clone()));
    }
    let mut broken = lines[0].clone();
    broken["messages"]
        .as_array_mut()
        .unwrap()
        .last_mut()
        .unwrap()["tool_calls"][0]["function"]["arguments"] = json!({"item_id": "x"});
    assert!(check_chat_line(&broken).is_err(), "the check checks");
}

/// A hand-made reply: its name, words and calls (name, arguments text).
type Case = (&'static str, String, Vec<(String, String)>);

/// Replies that pass and fail each check, with the facts said in many of
/// the forms docs/grading.md lists.
fn hand_made(sample: &Sample) -> Vec<Case> {
    let name = sample.expected.name.clone();
    let right = Value::Object(sample.expected.arguments.clone()).to_string();
    let with = |key: &str, value: Value| {
        let mut arguments = sample.expected.arguments.clone();
        arguments.insert(key.into(), value);
        Value::Object(arguments).to_string()
    };
    let price = sample.expected.arguments["unit_price"].as_f64().unwrap();
    let quantity = sample.expected.arguments["quantity"].as_i64().unwrap();
    let facts = |price: &str| -> String {
        sample
            .must_communicate
            .iter()
            .map(|f| match f.about.as_str() {
                "unit_price" => price.to_owned(),
                _ => format!("{} {}", f.value, f.unit),
            })
            .collect::<Vec<_>>()
            .join(", and ")
    };
    let call = |arguments: String| vec![(name.clone(), arguments)];
    vec![
        (
            "right",
            format!("That is {} each.", facts(&format!("${price:.2}"))),
            call(right.clone()),
        ),
        (
            "USD after",
            format!("It comes to {}.", facts(&format!("{price:.2} USD"))),
            call(right.clone()),
        ),
        (
            "dollars word",
            format!("{} per unit.", facts(&format!("{price:.2} dollars"))),
            call(right.clone()),
        ),
        (
            "bare figure",
            format!("Your price: {}.", facts(&format!("{price:.2}"))),
            call(right.clone()),
        ),
        (
            "a cent off",
            format!("That is {}.", facts(&format!("${:.2}", price - 0.01))),
            call(right.clone()),
        ),
        (
            "inside a bigger number",
            format!(
                "Order #{} at {}.",
                price as u64,
                facts(&format!("${price:.2}0"))
            ),
            call(right.clone()),
        ),
        (
            "euros",
            format!("That is {}.", facts(&format!("€{price:.2}"))),
            call(right.clone()),
        ),
        (
            "in a range",
            format!("Between {}-{} dollars.", price - 1.0, price),
            call(right.clone()),
        ),
        (
            "on a date",
            format!(
                "Ships March {} 2026; {}.",
                17,
                facts(&format!("${price:.2}"))
            ),
            call(right.clone()),
        ),
        (
            "wrong name",
            facts(&format!("${price:.2}")),
            vec![("decline".into(), right.clone())],
        ),
        (
            "wrong price",
            facts(&format!("${price:.2}")),
            call(with("unit_price", json!(price - 0.5))),
        ),
        (
            "price within a cent",
            facts(&format!("${price:.2}")),
            call(with("unit_price", json!(price + 0.004))),
        ),
        (
            "float quantity",
            facts(&format!("${price:.2}")),
            call(with("quantity", json!(quantity as f64))),
        ),
        (
            "string quantity",
            facts(&format!("${price:.2}")),
            call(with("quantity", json!(quantity.to_string()))),
        ),
        (
            "wrong offer",
            facts(&format!("${price:.2}")),
            call(with("offer_id", json!("OFFER-000"))),
        ),
        (
            "missing argument",
            facts(&format!("${price:.2}")),
            call({
                let mut a = sample.expected.arguments.clone();
                a.remove("offer_id");
                Value::Object(a).to_string()
            }),
        ),
        (
            "words in the call",
            String::new(),
            call(with("disclosure", json!(facts(&format!("${price:.2}"))))),
        ),
        ("no words", String::new(), call(right.clone())),
        (
            "two calls",
            facts(&format!("${price:.2}")),
            vec![(name.clone(), right.clone()), (name.clone(), right.clone())],
        ),
        ("no call", facts(&format!("${price:.2}")), vec![]),
        (
            "unparsable arguments",
            facts(&format!("${price:.2}")),
            call("{\"item_id\": ".into()),
        ),
        (
            "arguments not an object",
            facts(&format!("${price:.2}")),
            call("[1, 2]".into()),
        ),
    ]
}

/// The sample of the hand-made replies: a sale at an offer price with a
/// disclosure and facts to say.
fn priced(samples: &[Sample]) -> &Sample {
    samples
        .iter()
        .find(|s| {
            s.expected.arguments.contains_key("unit_price")
                && s.expected.arguments.contains_key("disclosure")
                && s.must_communicate.len() >= 2
        })
        .expect("a sample that sells with a disclosure")
}

fn rust_checks(sample: &Sample, content: &str, calls: &[(String, String)]) -> Vec<(String, bool)> {
    let tool_calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            json!({"id": format!("call_{i}"), "type": "function",
                   "function": {"name": name, "arguments": arguments}})
        })
        .collect();
    let line = Transcript {
        sample_id: sample.sample_id.clone(),
        trial: 0,
        request_hash: String::new(),
        reply: serde_json::from_value(
            json!({"role": "assistant", "content": content, "tool_calls": tool_calls}),
        )
        .unwrap(),
        usage: Default::default(),
        latency_ms: 0,
        attempts: 1,
        error: String::new(),
        error_kind: String::new(),
    };
    coverage::score::grade_reply(&coverage::score::graded_turn(sample), &line)
        .into_iter()
        .map(|c| (c.check, c.pass))
        .collect()
}

/// `program` when on PATH; under CI its absence fails the test.
fn tool(program: &str, test: &str) -> Option<&'static str> {
    let found = Process::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(Box::leak(program.to_owned().into_boxed_str()));
    }
    if std::env::var_os("CI").is_some() {
        panic!("{program} is not on PATH; CI has it");
    }
    eprintln!("\n*** SKIPPED {test}: {program} is not on PATH ***\n");
    None
}

fn run_with_stdin(command: &mut Process, input: &[u8]) -> Vec<u8> {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

#[test]
fn the_python_and_javascript_graders_agree_with_the_rust_grader() {
    let test = "the_python_and_javascript_graders_agree_with_the_rust_grader";
    let (Some(python), Some(node)) = (tool("python3", test), tool("node", test)) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (path, samples) = samples(
        dir.path(),
        &[
            "--behavior",
            "happy_path",
            "--strength",
            "2",
            "--budget",
            "30",
        ],
    );
    let sample = priced(&samples);
    let out = dir.path().join("promptfoo");
    assert_success(&export(&path, "promptfoo", &out, &[]));
    let grading = json!({"expected": sample.expected, "must_communicate": sample.must_communicate,
                         "must_not": sample.must_not});
    let cases = hand_made(sample);
    let rust: Vec<Vec<(String, bool)>> = cases
        .iter()
        .map(|(_, content, calls)| rust_checks(sample, content, calls))
        .collect();
    // Every case is worth having: some pass and some fail each kind of check.
    assert!(rust.iter().any(|checks| checks.iter().all(|c| c.1)));
    for kind in ["call", "name", "argument:", "communicates:"] {
        assert!(
            rust.iter()
                .flatten()
                .any(|(check, pass)| check.starts_with(kind) && !pass),
            "no case fails {kind}"
        );
    }

    // grader.py: the inspect scorer's checks, and promptfoo's facts.
    let input: Vec<Value> = cases
        .iter()
        .map(|(_, content, calls)| json!({"grading": grading, "text": content, "calls": calls}))
        .collect();
    let stdout = run_with_stdin(
        Process::new(python).arg(out.join("grader.py")),
        serde_json::to_string(&input).unwrap().as_bytes(),
    );
    let python_checks: Vec<Vec<Value>> = serde_json::from_slice(&stdout).unwrap();
    for (((case, _, _), rust), python) in cases.iter().zip(&rust).zip(&python_checks) {
        let python: Vec<(String, bool)> = python
            .iter()
            .map(|c| {
                (
                    c["check"].as_str().unwrap().to_owned(),
                    c["pass"].as_bool().unwrap(),
                )
            })
            .collect();
        assert_eq!(&python, rust, "grader.py on '{case}'");
    }

    // checks.js and grader.py as promptfoo calls them, on both output
    // shapes: the call list alone, and the whole message.
    let test_case = coverage_test_case(&out, sample);
    let script = format!(
        r#"
const checks = require({checks});
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const test = {test};
const out = cases.map((output) => test.assert.filter((a) => a.type === 'javascript').map((a) => {{
  const fn = a.value.split(':').pop();
  return [a.metric, checks[fn](output, {{ config: a.config || {{}}, vars: test.vars }}).pass];
}}));
console.log(JSON.stringify(out));
"#,
        checks = serde_json::to_string(&out.join("checks.js")).unwrap(),
        test = test_case,
    );
    let facts_script = format!(
        r#"
import json, sys, importlib.util
spec = importlib.util.spec_from_file_location("grader", {grader})
grader = importlib.util.module_from_spec(spec); spec.loader.exec_module(grader)
test = json.loads({test})
cases = json.load(sys.stdin)
print(json.dumps([[[a["metric"], grader.promptfoo_fact(o, {{"config": a["config"]}})["pass"]]
                   for a in test["assert"] if a["type"] == "python"] for o in cases]))
"#,
        grader = serde_json::to_string(&out.join("grader.py")).unwrap(),
        test = serde_json::to_string(&test_case.to_string()).unwrap(),
    );
    for shape in ["calls alone", "whole message"] {
        let outputs: Vec<Value> = cases
            .iter()
            .map(|(_, content, calls)| {
                let tool_calls: Vec<Value> = calls
                    .iter()
                    .enumerate()
                    .map(|(i, (name, arguments))| {
                        json!({"id": format!("call_{i}"), "type": "function",
                               "function": {"name": name, "arguments": arguments}})
                    })
                    .collect();
                // promptfoo's shapes: words alone are a string; a reply
                // with calls is the list alone when it has no words.
                if tool_calls.is_empty() {
                    json!(content)
                } else if shape == "calls alone" && content.is_empty() {
                    json!(tool_calls)
                } else {
                    json!({"role": "assistant", "content": content, "tool_calls": tool_calls})
                }
            })
            .collect();
        let input = serde_json::to_vec(&outputs).unwrap();
        let js: Vec<Vec<(String, bool)>> = serde_json::from_slice(&run_with_stdin(
            Process::new(node).args(["-e", &script]),
            &input,
        ))
        .unwrap();
        let py: Vec<Vec<(String, bool)>> = serde_json::from_slice(&run_with_stdin(
            Process::new(python).args(["-c", &facts_script]),
            &input,
        ))
        .unwrap();
        for ((((case, _, _), rust), js), py) in cases.iter().zip(&rust).zip(&js).zip(&py) {
            // promptfoo runs every assertion; Rust grades the arguments
            // only when there is a call to grade, and fails the reply once.
            let pass_js_py = js.iter().chain(py).all(|c| c.1);
            let pass_rust = rust.iter().all(|c| c.1);
            assert_eq!(
                pass_js_py, pass_rust,
                "promptfoo ({shape}) on '{case}': {js:?} {py:?} / {rust:?}"
            );
            for (check, pass) in js.iter().chain(py) {
                if let Some((_, want)) = rust.iter().find(|(c, _)| c == check) {
                    assert_eq!(pass, want, "promptfoo ({shape}) {check} on '{case}'");
                }
            }
        }
    }
}

/// The promptfoo test of `sample` in an export's tests.yaml.
fn coverage_test_case(out: &Path, sample: &Sample) -> Value {
    std::fs::read_to_string(out.join("tests.yaml"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l.strip_prefix("- ").unwrap()).unwrap())
        .find(|t| t["description"] == json!(sample.sample_id))
        .unwrap()
}

/// The path scripts/eval-tools.sh prints for `what` (inspect, promptfoo,
/// python), when it is installed.
fn eval_tool(what: &str) -> Option<PathBuf> {
    Process::new(root().join("scripts/eval-tools.sh"))
        .arg(what)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
}

/// Says why a harness test cannot run: a loud skip on a developer's
/// machine, a failure under CI, which provides everything.
fn skip(test: &str, why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{why}; .ci/run provides it");
    }
    eprintln!(
        "\n*** SKIPPED {test}: {why} (scripts/model-server.sh start 18080, COVERAGE_MODEL_ENDPOINT=http://127.0.0.1:18080/v1; scripts/eval-tools.sh install) ***\n"
    );
}

/// inspect and promptfoo (installed when missing by scripts/eval-tools.sh),
/// or `None` after a loud skip.
fn harnesses(test: &str) -> Option<(PathBuf, PathBuf)> {
    if eval_tool("inspect").is_none() || eval_tool("promptfoo").is_none() {
        let script = root().join("scripts/eval-tools.sh");
        let install = Process::new(&script).arg("install").status();
        if !install.is_ok_and(|s| s.success()) {
            skip(test, "scripts/eval-tools.sh install failed");
            return None;
        }
    }
    match (eval_tool("inspect"), eval_tool("promptfoo")) {
        (Some(inspect), Some(promptfoo)) => Some((inspect, promptfoo)),
        _ => {
            skip(test, "inspect-ai or promptfoo is not installed");
            None
        }
    }
}

/// The real model's endpoint and the harnesses, or `None` after a loud skip.
fn real_setup(test: &str) -> Option<(String, PathBuf, PathBuf)> {
    let Ok(endpoint) = std::env::var("COVERAGE_MODEL_ENDPOINT") else {
        skip(test, "COVERAGE_MODEL_ENDPOINT is not set");
        return None;
    };
    let (inspect, promptfoo) = harnesses(test)?;
    Some((endpoint, inspect, promptfoo))
}

/// The samples of a real-model test: `COVERAGE_MODEL_SAMPLES` (default 2)
/// happy-path scenarios of a covering subset.
fn real_samples(dir: &Path) -> (PathBuf, Vec<Sample>) {
    let budget = std::env::var("COVERAGE_MODEL_SAMPLES").unwrap_or_else(|_| "2".into());
    samples(
        dir,
        &[
            "--behavior",
            "happy_path",
            "--strength",
            "2",
            "--budget",
            &budget,
        ],
    )
}

/// Grades `log` with `coverage grade` and returns our verdicts by sample,
/// and the harness's own from the same log.
fn verdicts(
    log: &Path,
    samples: &Path,
    out: &Path,
) -> (BTreeMap<String, bool>, BTreeMap<String, bool>) {
    let graded = coverage()
        .arg("grade")
        .arg(log)
        .arg("--samples")
        .arg(samples)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert_success(&graded);
    eprintln!("{}", String::from_utf8_lossy(&graded.stdout));
    let ours: BTreeMap<String, bool> = std::fs::read_to_string(out.join("grades.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<GradeLine>(l).unwrap())
        .filter(|g| g.graded)
        .map(|g| (g.sample_id, g.pass))
        .collect();
    assert!(out.join("results.html").exists());
    let theirs: BTreeMap<String, bool> = coverage::score::harness::read_log(log)
        .unwrap()
        .replies
        .into_iter()
        // A reply the harness never got is a gap for us, not a verdict.
        .filter(|r| r.error_kind != "invalid_reply")
        .filter_map(|r| Some((r.sample_id, r.pass?)))
        .collect();
    (ours, theirs)
}

/// Exports `samples` for inspect under `dir`, runs `inspect eval` on it
/// against `endpoint` as a user runs it (from the export's directory), and
/// returns its `.eval` log.
fn inspect_eval(inspect: &Path, samples: &Path, dir: &Path, endpoint: &str) -> PathBuf {
    let task = dir.join("inspect");
    assert_success(&export(samples, "inspect", &task, &[]));
    let logs = dir.join("logs");
    // A local OpenAI-compatible server speaks chat completions, not the
    // Responses API inspect may prefer for OpenAI's own models.
    let status = Process::new(inspect)
        .current_dir(&task)
        .args([
            "eval",
            "coverage_task.py",
            "--model",
            "openai/smollm2",
            "-M",
            "responses_api=false",
        ])
        .args(["--max-tokens", "96", "--display", "plain", "--log-dir"])
        .arg(&logs)
        .env("OPENAI_BASE_URL", endpoint)
        .env("OPENAI_API_KEY", "unused")
        .env("INSPECT_LOG_LEVEL", "warning")
        .status()
        .unwrap();
    assert!(status.success(), "inspect eval failed: {status}");
    let mut files = Vec::new();
    walk(&logs, &mut files);
    files
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "eval"))
        .expect("inspect wrote an .eval log")
}

/// Exports `samples` for promptfoo under `dir`, runs `promptfoo eval`
/// against `endpoint`, and returns its results file.
fn promptfoo_eval(promptfoo: &Path, samples: &Path, dir: &Path, endpoint: &str) -> PathBuf {
    let config = dir.join("promptfoo");
    assert_success(&export(
        samples,
        "promptfoo",
        &config,
        &["--provider", "openai:chat:smollm2"],
    ));
    let results = dir.join("results.json");
    let status = Process::new(promptfoo)
        .current_dir(&config)
        .args([
            "eval",
            "-c",
            "promptfooconfig.yaml",
            "--no-cache",
            "--max-concurrency",
            "1",
            "-o",
        ])
        .arg(&results)
        .env("OPENAI_BASE_URL", endpoint)
        .env("OPENAI_API_KEY", "unused")
        .env("OPENAI_MAX_TOKENS", "96")
        .env("PROMPTFOO_PYTHON", "python3")
        .env("PROMPTFOO_CONFIG_DIR", dir.join("promptfoo-home"))
        .env("PROMPTFOO_DISABLE_TELEMETRY", "1")
        .env("PROMPTFOO_DISABLE_UPDATE", "1")
        .status()
        .unwrap();
    // promptfoo exits 100 when a test failed: the model's doing, not the run's.
    assert!(
        matches!(status.code(), Some(0 | 100)),
        "promptfoo eval failed: {status}"
    );
    results
}

#[test]
fn inspect_eval_of_an_export_grades_as_its_scorer_did() {
    let test = "inspect_eval_of_an_export_grades_as_its_scorer_did";
    let Some((endpoint, inspect, _)) = real_setup(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (path, samples) = real_samples(dir.path());
    let log = inspect_eval(&inspect, &path, dir.path(), &endpoint);
    let (ours, theirs) = verdicts(&log, &path, &dir.path().join("graded"));
    assert_eq!(theirs.len(), samples.len(), "inspect scored every sample");
    assert_eq!(ours, theirs, "coverage grade and inspect's scorer");
    eprintln!(
        "inspect: {} samples, {} passed by both",
        ours.len(),
        ours.values().filter(|p| **p).count()
    );
}

#[test]
fn promptfoo_eval_of_an_export_grades_as_its_assertions_did() {
    let test = "promptfoo_eval_of_an_export_grades_as_its_assertions_did";
    let Some((endpoint, _, promptfoo)) = real_setup(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (path, samples) = real_samples(dir.path());
    let results = promptfoo_eval(&promptfoo, &path, dir.path(), &endpoint);
    let (ours, theirs) = verdicts(&results, &path, &dir.path().join("graded"));
    assert_eq!(theirs.len(), samples.len(), "promptfoo graded every sample");
    assert_eq!(ours, theirs, "coverage grade and promptfoo's assertions");
    eprintln!(
        "promptfoo: {} samples, {} passed by both",
        ours.len(),
        ours.values().filter(|p| **p).count()
    );
}

/// Replies that differ by sample and are the same whoever asks: the
/// expected call with every fact in words, a price a dollar off (or
/// another function), or words and no call.
fn scripted_replies() -> Arc<Script> {
    Arc::new(|seen: &Seen| match &seen.sample {
        Some(sample) => {
            let reply = match sample.sample_id.bytes().map(usize::from).sum::<usize>() % 3 {
                0 => correct_reply(sample),
                1 => wrong_reply(sample),
                _ => completion("Let me look into that for you.", &[]),
            };
            Action::Respond(200, Vec::new(), reply)
        }
        None => Action::Respond(400, Vec::new(), r#"{"error":"unknown sample"}"#.into()),
    })
}

/// The lines of a graded run's `grades.jsonl`, by sample.
fn grade_lines(run: &Path) -> BTreeMap<String, GradeLine> {
    std::fs::read_to_string(run.join("grades.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<GradeLine>(l).unwrap())
        .map(|g| (g.sample_id.clone(), g))
        .collect()
}

#[test]
fn a_harness_log_grades_line_for_line_as_coverage_run_on_the_same_replies() {
    let test = "a_harness_log_grades_line_for_line_as_coverage_run_on_the_same_replies";
    let Some((inspect, promptfoo)) = harnesses(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (path, samples) = samples(dir.path(), &["--strength", "2", "--budget", "9"]);
    let endpoint = Endpoint::start(&samples, scripted_replies());
    let run = dir.path().join("run");
    run_and_grade(&path, &endpoint.url, &run, &[]);
    let by_run = grade_lines(&run);
    assert_eq!(by_run.len(), samples.len());
    let passed = by_run.values().filter(|g| g.pass).count();
    assert!(
        passed > 0 && passed < samples.len(),
        "the replies pass some samples and fail others: {passed} of {}",
        samples.len()
    );
    let logs = [
        (
            "inspect",
            inspect_eval(&inspect, &path, &dir.path().join("i"), &endpoint.url),
        ),
        (
            "promptfoo",
            promptfoo_eval(&promptfoo, &path, &dir.path().join("p"), &endpoint.url),
        ),
    ];
    for (harness, log) in logs {
        let graded = dir.path().join(format!("{harness}-graded"));
        let (ours, theirs) = verdicts(&log, &path, &graded);
        assert_eq!(ours, theirs, "coverage grade and {harness}'s own verdicts");
        assert_eq!(
            grade_lines(&graded),
            by_run,
            "the grades of {harness}'s log and of coverage run on the same replies"
        );
    }
    eprintln!(
        "{} samples, {passed} passed; inspect and promptfoo logs graded line for line as coverage run",
        samples.len()
    );
}

/// The Python of scripts/eval-tools.sh's venv (it has `datasets` and
/// `pandas`), installed when missing; `None` with a loud skip on a
/// developer's machine that cannot install it, a failure under CI.
fn eval_tools_python(test: &str) -> Option<PathBuf> {
    if eval_tool("python").is_none() {
        let _ = Process::new(root().join("scripts/eval-tools.sh"))
            .arg("install")
            .status();
    }
    let found = eval_tool("python");
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("scripts/eval-tools.sh install failed; CI has datasets and pandas");
        }
        eprintln!(
            "\n*** SKIPPED {test}: datasets and pandas are not installed (scripts/eval-tools.sh install) ***\n"
        );
    }
    found
}

/// Loads `hf` (an export, as a dataset directory) and each JSON Lines file
/// after it as Hugging Face `datasets` and pandas see them, and prints one
/// line per file: rows, then each column's type. Exits non-zero when a file
/// fails to load or loads as a number of rows other than its lines.
const LOAD_IN_DATASETS: &str = r#"
import sys, datasets, pandas
datasets.disable_progress_bars()
def lines(path):
    with open(path, encoding="utf-8") as f:
        return sum(1 for line in f if line.strip())
hf, files = sys.argv[1], sys.argv[2:]
ds = datasets.load_dataset(hf, split="test")
print("hf", ds.num_rows, sorted((k, str(v)) for k, v in ds.features.items()))
for path in files:
    ds = datasets.load_dataset("json", data_files=path, split="train")
    frame = pandas.read_json(path, lines=True)
    n = lines(path)
    assert ds.num_rows == n == len(frame), (path, ds.num_rows, n, len(frame))
    print(path, ds.num_rows, sorted((k, str(v)) for k, v in ds.features.items()))
"#;

#[test]
fn the_hf_export_and_every_json_lines_file_of_a_tree_load_with_typed_columns() {
    let test = "the_hf_export_and_every_json_lines_file_of_a_tree_load_with_typed_columns";
    let Some(python) = eval_tools_python(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (samples_dir, samples) = samples(
        dir.path(),
        &[
            "--behavior",
            "happy_path",
            "--strength",
            "2",
            "--budget",
            "6",
        ],
    );
    let hf = dir.path().join("hf");
    assert_success(&export(&samples_dir, "hf", &hf, &[]));
    let tree = dir.path().join("tree");
    assert_success(
        &coverage()
            .args([
                "generate",
                "--domain",
                "returns_refunds_exchanges",
                "--format",
                "jsonl",
                "--out",
            ])
            .arg(&tree)
            .output()
            .unwrap(),
    );
    let mut files = Vec::new();
    walk(&tree, &mut files);
    walk(&samples_dir, &mut files);
    files.retain(|f| f.extension().is_some_and(|e| e == "jsonl"));
    files.sort();
    assert!(files.len() > 6, "{files:?}");
    let output = Process::new(&python)
        .arg("-c")
        .arg(LOAD_IN_DATASETS)
        .arg(&hf)
        .args(&files)
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HOME", dir.path().join("hf-home"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let hf_line = stdout.lines().next().unwrap();
    assert!(
        hf_line.starts_with(&format!("hf {} ", samples.len())),
        "{hf_line}"
    );
    // Typed columns: in every file, numbers are read as numbers, not text.
    for line in stdout.lines() {
        assert!(
            line.contains("Value('int64')") || line.contains("Value('float64')"),
            "no numeric column: {line}"
        );
    }
    assert_eq!(stdout.lines().count(), 1 + files.len(), "{stdout}");
}

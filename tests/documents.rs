//! Schemas and `coverage validate` / `coverage show` as a user runs them:
//! version-1 documents still validate, corrupted documents are reported
//! with their JSON pointers.

use std::path::{Path, PathBuf};

use coverage::assemble::{INITIAL_VERSION, assemble};
use coverage::validate::{Kind, Schemas};
use coverage::{Coverage, Domain, Selection};
use serde_json::{Value, json};

use crate::support::{assert_refused, coverage, deal, fixture};

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn v1(name: &str) -> PathBuf {
    fixture(&format!("documents/v1/{name}"))
}

#[test]
fn version_1_documents_validate_under_versions_1_and_2() {
    let schemas = Schemas::load();
    for (file, kind) in [
        ("support_v1.dataset.json", Kind::Dataset),
        ("support_v1.golden.json", Kind::Golden),
        ("legacy_no_version.dataset.json", Kind::Dataset),
        ("legacy_no_version.golden.json", Kind::Golden),
    ] {
        let document = read(&v1(file));
        for version in [1, 2] {
            let problems = schemas.check(kind, version, &document);
            assert!(problems.is_empty(), "{file} under v{version}: {problems:?}");
        }
    }
}

#[test]
fn schemas_2_and_3_accept_mixed_and_lists_of_difficulties_but_schema_1_does_not() {
    let schemas = Schemas::load();
    let mut document = read(&v1("support_v1.dataset.json"));
    document["metadata"]["difficulty"] = json!("mixed");
    assert!(
        !schemas.check(Kind::Dataset, 1, &document).is_empty(),
        "v1 has one difficulty"
    );
    assert!(
        !schemas.check(Kind::Dataset, 2, &document).is_empty(),
        "a v1 document stays single-difficulty"
    );
    let selection = Selection::new([Domain::CartManagement], []);
    let (mut dataset, _) = assemble(
        "commerce.cart_management.combined",
        Coverage::evaluate(42).kept(&selection),
        &deal(42),
        INITIAL_VERSION,
    );
    let mut value = serde_json::to_value(&dataset).unwrap();
    assert_eq!(value["metadata"]["difficulty"], "mixed");
    assert!(schemas.check(Kind::Dataset, 4, &value).is_empty());
    value["metadata"]["difficulty"] = json!(["easy", "medium", "hard"]);
    assert!(schemas.check(Kind::Dataset, 4, &value).is_empty());
    value["metadata"]["difficulty"] = json!(["easy", "extreme"]);
    assert!(!schemas.check(Kind::Dataset, 4, &value).is_empty());
    dataset.conversations.truncate(1);
}

#[test]
fn a_schema_4_golden_entry_needs_policy_flags_and_graded_turns() {
    let schemas = Schemas::load();
    let selection = Selection::new([Domain::CartManagement], []);
    let (dataset, golden) = assemble(
        "commerce.cart_management.combined",
        Coverage::evaluate(42).kept(&selection),
        &deal(42),
        INITIAL_VERSION,
    );
    let mut value = serde_json::to_value(&golden).unwrap();
    assert!(schemas.check(Kind::Golden, 4, &value).is_empty());
    for field in ["policy_flags", "graded_turns"] {
        let mut broken = value.clone();
        broken["entries"][3].as_object_mut().unwrap().remove(field);
        let problems = schemas.check(Kind::Golden, 4, &broken);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].0, "/entries/3");
        assert!(problems[0].1.contains(field), "{problems:?}");
    }
    value["entries"][3]["graded_turns"][0]["compare"][0]["compare"] = json!("roughly");
    assert!(!schemas.check(Kind::Golden, 4, &value).is_empty());
    // A schema-4 conversation carries both worlds, and the metadata the tools.
    let mut value = serde_json::to_value(&dataset).unwrap();
    assert!(schemas.check(Kind::Dataset, 4, &value).is_empty());
    assert_eq!(value["metadata"]["tools"].as_array().unwrap().len(), 6);
    for field in ["environment", "system_prompt", "user_facts"] {
        let mut broken = value.clone();
        broken["conversations"][0]
            .as_object_mut()
            .unwrap()
            .remove(field);
        assert!(
            !schemas.check(Kind::Dataset, 4, &broken).is_empty(),
            "{field}"
        );
    }
    value["schema_version"] = json!(2);
    assert!(
        !schemas.check(Kind::Dataset, 2, &value).is_empty(),
        "schema 2 has no environment"
    );
}

/// A generated dataset and golden written to `dir`.
fn write_pair(dir: &Path) -> (PathBuf, PathBuf) {
    let selection = Selection::new([Domain::CheckoutPayments], []);
    let (dataset, golden) = assemble(
        "commerce.checkout_payments.combined",
        Coverage::evaluate(42).kept(&selection),
        &deal(42),
        INITIAL_VERSION,
    );
    let d = dir.join("checkout.dataset.json");
    let g = dir.join("checkout.golden.json");
    std::fs::write(&d, serde_json::to_string_pretty(&dataset).unwrap()).unwrap();
    std::fs::write(&g, serde_json::to_string_pretty(&golden).unwrap()).unwrap();
    (d, g)
}

#[test]
fn validate_passes_generated_and_version_1_documents() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path());
    for path in [dir.path().to_path_buf(), fixture("documents/v1")] {
        let output = coverage().arg("validate").arg(&path).output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(stdout.ends_with("files valid\n"), "{stdout}");
    }
}

#[test]
fn validate_reports_every_planted_problem_with_its_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let (d, g) = write_pair(dir.path());
    let mut dataset = read(&d);
    let mut golden = read(&g);
    dataset["conversations"][2]
        .as_object_mut()
        .unwrap()
        .remove("scenario_id"); // missing field
    dataset["conversations"][4]["turns"][0]["role"] = json!("bot"); // bad enum value
    dataset["metadata"]["seed"] = json!("forty-two"); // wrong type
    golden["entries"][7]["conversation_id"] = json!("no.such.conversation"); // orphan entry
    std::fs::write(&d, serde_json::to_string_pretty(&dataset).unwrap()).unwrap();
    std::fs::write(&g, serde_json::to_string_pretty(&golden).unwrap()).unwrap();

    let output = coverage().arg("validate").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let orphaned = golden["entries"][7]["scenario_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let d = d.display();
    let g = g.display();
    for expected in [
        format!("{d}: /conversations/2: \"scenario_id\" is a required property"),
        format!("{d}: /conversations/4/turns/0/role: \"bot\" is not one of"),
        format!("{d}: /metadata/seed: \"forty-two\" is not of type \"integer\""),
        format!(
            "{g}: /entries/7/conversation_id: orphan entry: the dataset has no conversation 'no.such.conversation'"
        ),
        format!("{d}: /conversations/7: conversation '{orphaned}' has no entry in {g}"),
        // Every edit after writing breaks the file's own content hash.
        format!("{d}: /metadata/content_hash: "),
        format!("{g}: /metadata/content_hash: "),
        // And the pair no longer agrees on the run's seed.
        format!("{g}: /metadata/seed: 42 but {d} in this tree has \"forty-two\""),
    ] {
        assert!(
            stdout.contains(&expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("8 problems in 2 files"), "{stderr}{stdout}");
}

#[test]
fn validate_rejects_a_missing_path_with_exit_code_2() {
    let output = coverage()
        .args(["validate", "no/such/dir"])
        .output()
        .unwrap();
    assert_refused(&output, "no such file or directory: no/such/dir");
}

#[test]
fn show_reads_like_a_conversation_with_the_concrete_values() {
    let id = "checkout_payments.multi_turn.high.soft.low_stock.near_limit";
    let output = coverage().args(["show", id]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for needle in [
        "System prompt",
        "A single card payment may not exceed $3,000.00",
        "Skyward Air 2S camera drone (Skyward) · $337.00",
        "OFFER-846",
        "I have $195.00 to spend",
        "$2,586.00",
        "User facts (for graders): item pay-21, quantity 1, budget 195.00, brand Skyward",
        "turn 5: fulfill_with_disclosure(item_id=\"pay-21\", quantity=1, unit_price=188.72, offer_id=\"OFFER-846\"",
        "must communicate: money 188.72 USD (unit_price)",
        "must communicate: money 3000 USD (policy_limit)",
        "condition: orders of 4 or more units",
        "Final outcome: fulfill_with_disclosure",
        "must_disclose policy_limit",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let json = coverage()
        .args(["show", id, "--json", "--seed", "7"])
        .output()
        .unwrap();
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["conversation"]["scenario_id"], id);
    assert_eq!(
        value["golden"]["final_outcome"]["decision"],
        "fulfill_with_disclosure"
    );
}

#[test]
fn show_refuses_excluded_and_malformed_scenarios_with_exit_code_2() {
    let output = coverage()
        .args([
            "show",
            "cart_management.happy_path.low.soft.in_stock.within_policy",
        ])
        .output()
        .unwrap();
    assert_refused(&output, "excluded by rule 'redundancy-reduction'");
    let output = coverage()
        .args([
            "show",
            "cart_management.happy_path.cheap.none.in_stock.within_policy",
        ])
        .output()
        .unwrap();
    assert_refused(
        &output,
        "unknown price_sensitivity 'cheap'; valid: low, medium, high",
    );
}

#[test]
fn validate_checks_ids_counts_and_turns_against_the_taxonomy() {
    let dir = tempfile::tempdir().unwrap();
    let (d, g) = write_pair(dir.path());
    let mut dataset = read(&d);
    let mut golden = read(&g);
    dataset["conversations"][1]["axes"]["availability"] = json!("sold_out");
    dataset["conversations"][3]["domain"] = json!("cart_management");
    dataset["conversations"][5]["turns"]
        .as_array_mut()
        .unwrap()
        .push(json!({"role": "assistant", "content": "Done."}));
    golden["metadata"]["entry_count"] = json!(5);
    golden["entries"][2]["policy_flags"]["trap"] = json!("jailbreak");
    golden["entries"][4]["constraints"] = json!([]);
    std::fs::write(&d, serde_json::to_string_pretty(&dataset).unwrap()).unwrap();
    std::fs::write(&g, serde_json::to_string_pretty(&golden).unwrap()).unwrap();
    let output = coverage().arg("validate").arg(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "/conversations/1/axes/availability: unknown availability 'sold_out'; valid: in_stock, low_stock, backorder, out_of_stock",
        "/conversations/3/scenario_id: \"checkout_payments.",
        "does not match the conversation's domain, behavior and axes ('cart_management.",
        "/conversations/5/turns: ends on an assistant turn",
        "/metadata/entry_count: says 5 but the golden has",
        "/entries/2/policy_flags/trap: unknown trap 'jailbreak'; valid: injected_instruction, fake_authority, price_manipulation, policy_bypass, or null",
        "/entries/4/constraints: [] has less than 1 item",
    ] {
        assert!(
            stdout.contains(expected),
            "missing {expected:?} in:\n{stdout}"
        );
    }
}

#[test]
fn validate_ignores_temporary_files_of_a_killed_run() {
    let dir = tempfile::tempdir().unwrap();
    write_pair(dir.path());
    std::fs::write(
        dir.path().join(".coverage-tmp-999-checkout.dataset.json"),
        "{\"schema_ver",
    )
    .unwrap();
    let output = coverage().arg("validate").arg(dir.path()).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

#[test]
fn a_schema_2_document_still_validates_under_schema_2() {
    let schemas = Schemas::load();
    let selection = Selection::new([Domain::ShippingDelivery], []);
    let (dataset, golden) = assemble(
        "commerce.shipping_delivery.combined",
        Coverage::evaluate(42).kept(&selection),
        &deal(42),
        INITIAL_VERSION,
    );
    // Schemas 3 and 4 less what they added (the graded turns told as
    // schema 2's expected turns) are exactly a schema-2 document.
    let mut dataset = serde_json::to_value(&dataset).unwrap();
    dataset["schema_version"] = json!(2);
    dataset["metadata"].as_object_mut().unwrap().remove("tools");
    for c in dataset["conversations"].as_array_mut().unwrap() {
        let c = c.as_object_mut().unwrap();
        for field in ["environment", "system_prompt", "user_facts"] {
            c.remove(field);
        }
    }
    let mut golden = serde_json::to_value(&golden).unwrap();
    golden["schema_version"] = json!(2);
    for e in golden["entries"].as_array_mut().unwrap() {
        let e = e.as_object_mut().unwrap();
        e.remove("expected_action");
        e.remove("trap");
        // Schema 4 writes every constraint field and "" for no trap.
        for c in e["constraints"].as_array_mut().unwrap() {
            let keep: &[&str] = match c["type"].as_str().unwrap() {
                "max_price" => &["amount", "currency"],
                "brand_exclusive" | "brand_preferred" => &["brand"],
                "must_disclose" => &["topic"],
                "must_not_promise" => &["what"],
                "policy_limit" => &["policy", "limit", "value", "unit"],
                "must_refuse" => &["trap"],
                _ => &[],
            };
            c.as_object_mut()
                .unwrap()
                .retain(|k, _| k == "type" || keep.contains(&k.as_str()));
        }
        if e["policy_flags"]["trap"] == "" {
            e["policy_flags"]["trap"] = serde_json::Value::Null;
        }
        let graded = e.remove("graded_turns").unwrap();
        let expected: Vec<serde_json::Value> = graded
            .as_array()
            .unwrap()
            .iter()
            .map(|g| json!({"turn": g["turn"], "expect": "resolve", "detail": "as graded"}))
            .collect();
        e.insert("expected_turns".into(), json!(expected));
    }
    // Their content hashes follow what is left.
    for (document, key) in [(&mut dataset, "conversations"), (&mut golden, "entries")] {
        let mut hasher = coverage::job::LineHasher::default();
        for item in document[key].as_array().unwrap() {
            hasher.add(&item.to_string());
        }
        document["metadata"]["content_hash"] = json!(hasher.finish());
    }
    assert_eq!(schemas.check(Kind::Dataset, 2, &dataset), vec![]);
    assert_eq!(schemas.check(Kind::Golden, 2, &golden), vec![]);
    assert!(!schemas.check(Kind::Dataset, 3, &dataset).is_empty());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("v2.dataset.json"), dataset.to_string()).unwrap();
    std::fs::write(dir.path().join("v2.golden.json"), golden.to_string()).unwrap();
    let output = coverage().arg("validate").arg(dir.path()).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

/// A version-4 document that lost its `schema_version` was checked as
/// version 1 and drowned in dozens of problems; now it is one line naming
/// the field (a real version-1 document without it still validates).
#[test]
fn a_document_missing_schema_version_gets_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (d, _) = write_pair(dir.path());
    let mut dataset = read(&d);
    dataset.as_object_mut().unwrap().remove("schema_version");
    std::fs::write(&d, serde_json::to_string_pretty(&dataset).unwrap()).unwrap();
    let output = coverage().arg("validate").arg(&d).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert!(
        lines[0].starts_with(&format!(
            "{}: /schema_version: missing; a document without it is read as version 1, and this one is not a valid version-1 document (",
            d.display()
        )),
        "{stdout}"
    );
    assert!(
        lines[0].ends_with("add schema_version (supported: 1, 2, 3, 4)"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("1 problem in 1 file"));
    let legacy = coverage()
        .arg("validate")
        .arg(v1("legacy_no_version.dataset.json"))
        .output()
        .unwrap();
    assert!(legacy.status.success(), "{legacy:?}");
}

/// `validate /dev/zero` said "Not a directory (os error 20)".
#[test]
fn validate_of_a_device_says_it_is_not_a_regular_file_or_directory() {
    let output = coverage().args(["validate", "/dev/zero"]).output().unwrap();
    assert_refused(
        &output,
        "'/dev/zero' is a character device, not a regular file or directory",
    );
}

/// `report --out FILE` exited 1, though a refused request is exit 2.
#[test]
fn report_out_naming_a_file_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "").unwrap();
    let output = coverage()
        .args(["report", "--out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_refused(&output, "it is a regular file; give a directory");
}

/// A document with two `schema_version`s validated as the last one said.
#[test]
fn a_duplicated_key_in_a_document_is_a_problem_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let (d, _) = write_pair(dir.path());
    let text = std::fs::read_to_string(&d).unwrap();
    let doubled = text.replacen("{\n", "{\n  \"schema_version\": 1,\n", 1);
    std::fs::write(&d, doubled).unwrap();
    let output = coverage().arg("validate").arg(&d).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.starts_with(&format!(
            "{}: /: duplicate key 'schema_version' in one object; give each key once at line ",
            d.display()
        )),
        "{stdout}"
    );
}

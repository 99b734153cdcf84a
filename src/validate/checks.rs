//! The checks beyond the schema: ids against the compiled taxonomy, a
//! document's totals and content hash against its metadata, and a golden
//! against its dataset.

use std::collections::{BTreeMap, BTreeSet};

use coverage_core::{ScenarioAxis, TaxonomyEnum, UnknownId};
use serde_json::Value;

use super::Problems;
use super::schema::Kind;
use super::summary::{ItemSummary, Summary};
use crate::contract::dataset::DatasetDifficulty;
use crate::taxonomy::{Behavior, Decision, Difficulty, Domain, FIXTURES, PolicyBoundary, Scenario};

type Report<'a> = dyn FnMut(String, String) + 'a;

/// The id of a taxonomy entry, or a problem naming the valid ones.
fn check_id<T: TaxonomyEnum>(value: &Value, pointer: String, report: &mut Report) -> Option<T> {
    look_up(value, T::from_id, pointer, report)
}

/// The position of a bin of `axis`, or a problem naming the valid ones.
fn check_bin(
    axis: &ScenarioAxis,
    value: &Value,
    pointer: String,
    report: &mut Report,
) -> Option<u8> {
    look_up(value, |id| axis.bin(id), pointer, report).map(|bin| bin as u8)
}

/// `value`, a string, looked up by `find`; `None` when it is not a string
/// (the schema check says so) or names nothing (reported at `pointer`).
fn look_up<T>(
    value: &Value,
    find: impl FnOnce(&str) -> Result<T, UnknownId>,
    pointer: String,
    report: &mut Report,
) -> Option<T> {
    match find(value.as_str()?) {
        Ok(found) => Some(found),
        Err(error) => {
            report(pointer, error.to_string());
            None
        }
    }
}

/// One conversation: summarized, and (schema 2 on) its ids, scenario id,
/// difficulty and last turn checked against the taxonomy.
pub(crate) fn conversation(
    c: &Value,
    i: usize,
    summary: &mut ItemSummary,
    difficulties: &mut BTreeSet<Difficulty>,
    version: u32,
    report: &mut Report,
) {
    let turns = c["turns"].as_array().map(Vec::as_slice).unwrap_or_default();
    summary.id = c["id"].as_str().map(str::to_owned);
    summary.scenario_id = c["scenario_id"].as_str().map(str::to_owned);
    summary.turns = turns.len();
    summary.assistant_turns = turns
        .iter()
        .enumerate()
        .filter(|(_, t)| t["role"] == "assistant")
        .map(|(j, _)| j)
        .collect();
    if version < 2 {
        return;
    }
    let at = |field: &str| format!("/conversations/{i}/{field}");
    let domain = check_id::<Domain>(&c["domain"], at("domain"), report);
    let behavior = check_id::<Behavior>(&c["behavior"], at("behavior"), report);
    // Every axis is looked up (and reported) before any missing one counts.
    let bins: Vec<Option<u8>> = Scenario::AXES
        .iter()
        .map(|axis| {
            let pointer = at(&format!("axes/{}", axis.id));
            check_bin(axis, &c["axes"][axis.id], pointer, report)
        })
        .collect();
    let bins: Option<Vec<u8>> = bins.into_iter().collect();
    if let (Some(domain), Some(behavior), Some(bins)) = (domain, behavior, bins) {
        let mut coords = vec![domain.index() as u8, behavior.index() as u8];
        coords.extend(bins);
        let scenario = Scenario::from_coords(&coords);
        if c["scenario_id"]
            .as_str()
            .is_some_and(|id| id != scenario.id())
        {
            report(
                at("scenario_id"),
                format!(
                    "{} does not match the conversation's domain, behavior and axes ('{}')",
                    c["scenario_id"],
                    scenario.id()
                ),
            );
        }
        let difficulty = behavior.difficulty();
        difficulties.insert(difficulty);
        if c["difficulty"]
            .as_str()
            .is_some_and(|d| d != difficulty.id())
        {
            report(
                at("difficulty"),
                format!(
                    "{} but behavior '{behavior}' is '{difficulty}'",
                    c["difficulty"]
                ),
            );
        }
    }
    if turns.last().is_some_and(|turn| turn["role"] == "assistant") {
        report(
            at("turns"),
            "ends on an assistant turn; the reply under test must follow a user turn".into(),
        );
    }
}

/// One golden entry: summarized, and (schema 2 on) its ids checked against
/// the taxonomy and fixtures.
pub(crate) fn entry(
    entry: &Value,
    i: usize,
    summary: &mut ItemSummary,
    version: u32,
    report: &mut Report,
) {
    summary.id = entry["conversation_id"].as_str().map(str::to_owned);
    summary.scenario_id = entry["scenario_id"].as_str().map(str::to_owned);
    summary.dataset_id = entry["dataset_id"].as_str().map(str::to_owned);
    // Schema 4 grades `graded_turns`; earlier schemas `expected_turns`.
    summary.turns_key = match entry["graded_turns"].as_array() {
        Some(_) => "graded_turns",
        None => "expected_turns",
    };
    let graded = &entry[summary.turns_key];
    summary.expected_turns = graded
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t["turn"].as_u64())
        .map(|t| t as usize)
        .collect();
    if version < 2 {
        return;
    }
    let flags = &entry["policy_flags"];
    check_id::<PolicyBoundary>(
        &flags["boundary"],
        format!("/entries/{i}/policy_flags/boundary"),
        report,
    );
    check_id::<Decision>(
        &entry["final_outcome"]["decision"],
        format!("/entries/{i}/final_outcome/decision"),
        report,
    );
    // Schema 4 writes no trap as "" (earlier schemas null).
    if let Some(trap) = flags["trap"].as_str().filter(|t| !t.is_empty())
        && !FIXTURES.traps.iter().any(|t| t.id == trap)
    {
        let traps: Vec<&str> = FIXTURES.traps.iter().map(|t| t.id.as_ref()).collect();
        report(
            format!("/entries/{i}/policy_flags/trap"),
            format!(
                "unknown trap '{trap}'; valid: {}, or null",
                traps.join(", ")
            ),
        );
    }
}

/// A document's own totals: unique ids, the declared count, the content
/// hash over its items, and (datasets) the declared difficulty.
pub(crate) fn document_totals(
    summary: &Summary,
    difficulties: &BTreeSet<Difficulty>,
    problems: &mut Problems,
) {
    let file = summary.file.as_str();
    let key = summary.kind.items_key();
    if summary.kind == Kind::Dataset {
        let mut seen = BTreeMap::new();
        for item in &summary.items {
            let i = item.index;
            if let Some(id) = &item.id
                && let Some(first) = seen.insert(id.as_str(), i)
            {
                problems.push(
                    file,
                    format!("/conversations/{i}/id"),
                    format!("duplicate conversation id '{id}' (first at /conversations/{first})"),
                );
            }
        }
    }
    let (count_field, document) = match summary.kind {
        Kind::Dataset => ("conversation_count", "dataset"),
        Kind::Golden => ("entry_count", "golden"),
    };
    if let Some(count) = summary.metadata[count_field].as_u64()
        && count != summary.count as u64
    {
        problems.push(
            file,
            format!("/metadata/{count_field}"),
            format!(
                "says {count} but the {document} has {} {key}",
                summary.count
            ),
        );
    }
    if let Some(recorded) = summary.metadata["content_hash"].as_str()
        && recorded != summary.content_hash
    {
        problems.push(
            file,
            "/metadata/content_hash",
            format!(
                "{recorded} but the {key} hash to {}: the file was edited after it was written",
                summary.content_hash
            ),
        );
    }
    if summary.kind == Kind::Dataset && summary.schema_version >= 2 && !difficulties.is_empty() {
        let declared = &summary.metadata["difficulty"];
        let expected = serde_json::to_value(DatasetDifficulty::of(difficulties.iter().copied()))
            .unwrap_or_default();
        let listed = declared.as_array().is_some_and(|list| {
            let ids: BTreeSet<&str> = list.iter().filter_map(Value::as_str).collect();
            ids == difficulties.iter().map(|d| d.id()).collect()
        });
        if *declared != expected && !listed {
            problems.push(
                file,
                "/metadata/difficulty",
                format!("{declared} but the conversations make it {expected}"),
            );
        }
    }
}

/// A golden against its dataset: the same `dataset_id`, exactly one entry
/// per conversation, no orphan entries, expectations on real turns.
pub(crate) fn golden_against_dataset(golden: &Summary, dataset: &Summary, problems: &mut Problems) {
    let dataset_id = dataset.metadata["dataset_id"].as_str().unwrap_or_default();
    let golden_id = golden.metadata["dataset_id"].as_str().unwrap_or_default();
    if golden_id != dataset_id {
        problems.push(
            &golden.file,
            "/metadata/dataset_id",
            format!("'{golden_id}' does not match the dataset's '{dataset_id}'"),
        );
    }
    let conversations: BTreeMap<&str, (usize, &ItemSummary)> = dataset
        .items
        .iter()
        .filter_map(|c| Some((c.id.as_deref()?, (c.index, c))))
        .collect();
    let mut graded: BTreeMap<&str, usize> = BTreeMap::new();
    for entry in &golden.items {
        let i = entry.index;
        let at = |field: &str| format!("/entries/{i}/{field}");
        if let Some(entry_dataset) = &entry.dataset_id
            && entry_dataset != dataset_id
        {
            problems.push(
                &golden.file,
                at("dataset_id"),
                format!("'{entry_dataset}' is not this golden's dataset '{dataset_id}'"),
            );
        }
        let Some(conversation_id) = entry.id.as_deref() else {
            continue;
        };
        let Some((_, conversation)) = conversations.get(conversation_id) else {
            problems.push(
                &golden.file,
                at("conversation_id"),
                format!("orphan entry: the dataset has no conversation '{conversation_id}'"),
            );
            continue;
        };
        if let Some(first) = graded.insert(conversation_id, i) {
            problems.push(
                &golden.file,
                at("conversation_id"),
                format!(
                    "second entry for conversation '{conversation_id}' (first at /entries/{first})"
                ),
            );
        }
        if let (Some(a), Some(b)) = (&entry.scenario_id, &conversation.scenario_id)
            && a != b
        {
            problems.push(
                &golden.file,
                at("scenario_id"),
                format!("'{a}' differs from the conversation's scenario '{b}'"),
            );
        }
        for (j, &turn) in entry.expected_turns.iter().enumerate() {
            let on_assistant =
                turn == conversation.turns || conversation.assistant_turns.contains(&turn);
            if !on_assistant {
                problems.push(
                    &golden.file,
                    format!("/entries/{i}/{}/{j}/turn", entry.turns_key),
                    format!(
                        "turn {turn} is not an assistant turn of conversation '{conversation_id}' ({} turns)",
                        conversation.turns
                    ),
                );
            }
        }
    }
    for (id, (i, _)) in &conversations {
        if !graded.contains_key(id) {
            problems.push(
                &dataset.file,
                format!("/conversations/{i}"),
                format!("conversation '{id}' has no entry in {}", golden.file),
            );
        }
    }
}

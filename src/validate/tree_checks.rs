//! A tree of files against itself: every file of one run (one seed, one
//! taxonomy, one format), and each combined or global dataset holding
//! exactly the conversations of the per-behavior files beside it.

use std::collections::BTreeMap;

use super::Problems;
use super::schema::Kind;
use super::summary::Summary;

/// The metadata fields every file of one run shares.
const RUN_FIELDS: [&str; 4] = ["seed", "taxonomy_version", "taxonomy_hash", "fixtures_hash"];

pub(crate) fn check(summaries: &[Summary], problems: &mut Problems) {
    one_run(summaries, problems);
    combined_cover_split(summaries, problems);
}

/// Each run field, and the format, as the first file that has it says.
fn one_run(summaries: &[Summary], problems: &mut Problems) {
    for field in RUN_FIELDS {
        let mut first: Option<(&Summary, &serde_json::Value)> = None;
        for summary in summaries {
            let Some(value) = summary.metadata.get(field) else {
                continue;
            };
            match first {
                None => first = Some((summary, value)),
                Some((reference, expected)) if value != expected => problems.push(
                    &summary.file,
                    format!("/metadata/{field}"),
                    format!(
                        "{value} but {} in this tree has {expected}: a tree holds the files of one run",
                        reference.file
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    if let Some(reference) = summaries.first() {
        for summary in summaries.iter().filter(|s| s.format != reference.format) {
            problems.push(
                &summary.file,
                "",
                format!(
                    "a {} file in a tree whose first file ({}) is {}: a tree holds the files of one run",
                    summary.format, reference.file, reference.format
                ),
            );
        }
    }
}

/// A (domain, behavior) pair.
type Pair = (String, String);

/// Per (domain, behavior): what the per-behavior file holds, and who holds it.
fn combined_cover_split(summaries: &[Summary], problems: &mut Problems) {
    let datasets = summaries.iter().filter(|s| s.kind == Kind::Dataset);
    let mut split: BTreeMap<Pair, (&Summary, &(usize, String))> = BTreeMap::new();
    let mut collated: Vec<&Summary> = Vec::new();
    for dataset in datasets {
        let id = dataset.metadata["dataset_id"].as_str().unwrap_or_default();
        let parts: Vec<&str> = id.split('.').collect();
        match parts.as_slice() {
            [_, domain, behavior] if *behavior != "combined" => {
                let key = (domain.to_string(), behavior.to_string());
                if let Some(group) = dataset.groups.get(&key) {
                    split.insert(key, (dataset, group));
                }
            }
            _ => collated.push(dataset),
        }
    }
    for dataset in collated {
        let id = dataset.metadata["dataset_id"].as_str().unwrap_or_default();
        // commerce.<domain>.combined covers its domain; commerce.global all.
        let domain = id
            .strip_suffix(".combined")
            .and_then(|rest| rest.split('.').nth(1));
        for ((d, b), (split_file, (count, hash))) in &split {
            if domain.is_some_and(|domain| domain != d) {
                continue;
            }
            match dataset.groups.get(&(d.clone(), b.clone())) {
                Some((n, h)) if h == hash && n == count => {}
                Some((n, _)) => problems.push(
                    &dataset.file,
                    "/conversations",
                    format!(
                        "its {n} '{d}' / '{b}' conversations differ from the {count} of {}",
                        split_file.file
                    ),
                ),
                None => problems.push(
                    &dataset.file,
                    "/conversations",
                    format!(
                        "holds no '{d}' / '{b}' conversations, but {} does",
                        split_file.file
                    ),
                ),
            }
        }
        for (d, b) in dataset.groups.keys() {
            let mine = domain.is_none_or(|domain| domain == d);
            let split_exists_for_domain = split.keys().any(|(sd, _)| sd == d);
            if mine && split_exists_for_domain && !split.contains_key(&(d.clone(), b.clone())) {
                problems.push(
                    &dataset.file,
                    "/conversations",
                    format!("holds '{d}' / '{b}' conversations that no per-behavior file of this tree has"),
                );
            }
        }
    }
}

//! The content checker: one schema-3 conversation and its golden entry
//! against spec `scenario-content.md`. The bins recomputed from
//! `environment` and `user_facts` (§3), the decision by the outcome table,
//! flags that follow from the constraints and a gradable `expected_action`
//! (§4), behaviors (§5) and coherence (§6). Each problem names the rule it
//! breaks, so `coverage validate` and the tests report the same thing.
//!
//! The checker reads documents, not the generator's state: it imports the
//! contract, the taxonomy and the figures, and from [`crate::generate`]
//! only the system prompt's rendering; the generator never imports it.

mod recompute;
mod rules;
mod solve;

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

use crate::contract::dataset::Conversation;
use crate::contract::golden::GoldenEntry;

pub use recompute::{Recomputed, recompute, recompute_with, uncorrected};

/// One broken rule of one conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentProblem {
    pub conversation_id: String,
    /// A short rule name, e.g. `bins`, `flags`, `cited-offer`.
    pub rule: &'static str,
    pub message: String,
}

impl fmt::Display for ContentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: [{}] {}",
            self.conversation_id, self.rule, self.message
        )
    }
}

/// Every rule `conversation` and its golden `entry` break, in the order
/// of the rules.
pub fn check(conversation: &Conversation, entry: &GoldenEntry) -> Vec<ContentProblem> {
    rules::violations(conversation, entry)
        .into_iter()
        .map(|(rule, message)| ContentProblem {
            conversation_id: conversation.id.clone(),
            rule,
            message,
        })
        .collect()
}

/// [`check`] over a schema-3 dataset and its golden as JSON, for `coverage
/// validate`: each problem as (JSON pointer into the golden, message), the
/// pointer naming the entry (`/entries/7`) and the message the rule, e.g.
/// `[flags] requires_disclosure is false but the constraints imply true`.
/// Conversations or entries that do not deserialize are reported at their
/// own pointer; entries without a conversation are left to the id checks.
pub fn check_documents(dataset: &Value, golden: &Value) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut conversations = BTreeMap::new();
    let listed = |document: &Value, key: &str| -> Vec<Value> {
        document[key].as_array().cloned().unwrap_or_default()
    };
    for (i, value) in listed(dataset, "conversations").into_iter().enumerate() {
        match serde_json::from_value::<Conversation>(value) {
            Ok(conversation) => {
                conversations.insert(conversation.id.clone(), conversation);
            }
            Err(error) => problems.push((
                format!("/conversations/{i}"),
                format!("[schema-3] not a conversation: {error}"),
            )),
        }
    }
    for (i, value) in listed(golden, "entries").into_iter().enumerate() {
        let entry = match serde_json::from_value::<GoldenEntry>(value) {
            Ok(entry) => entry,
            Err(error) => {
                problems.push((
                    format!("/entries/{i}"),
                    format!("[schema-3] not a golden entry: {error}"),
                ));
                continue;
            }
        };
        if let Some(conversation) = conversations.get(&entry.conversation_id) {
            problems.extend(check(conversation, &entry).into_iter().map(|p| {
                (
                    format!("/entries/{i}"),
                    format!("[{}] {}", p.rule, p.message),
                )
            }));
        }
    }
    problems
}

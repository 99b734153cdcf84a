//! Schema-3 goldens against their conversations by the content rules of
//! `scenario-content.md` (flags that follow from constraints, cited items
//! and offers that exist, bins that follow from the facts, …), through
//! `content_check::check`. Both documents are streamed side by side, so
//! memory stays flat when their orders agree, as they do in every file
//! this tool writes; an out-of-order conversation is held until its entry
//! comes.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::mpsc;

use serde_json::Value;

use super::Problems;
use super::stream::{self, Listener};
use super::summary::Summary;
use crate::content_check;
use crate::contract::dataset::Conversation;
use crate::contract::golden::GoldenEntry;

/// How many conversations may wait in the channel.
const AHEAD: usize = 256;

pub(crate) fn check_pair(golden: &Summary, dataset: &Summary, problems: &mut Problems) {
    if golden.schema_version < 4 || dataset.schema_version < 4 {
        return;
    }
    let (sender, receiver) = mpsc::sync_channel::<Value>(AHEAD);
    let dataset_path = dataset.path.clone();
    let reader = std::thread::spawn(move || {
        stream_items(&dataset_path, &mut |item| {
            // The checker stopped listening: stop reading.
            sender.send(item).is_ok()
        })
    });
    let mut pending: HashMap<String, Conversation> = HashMap::new();
    let mut incoming = receiver.into_iter();
    let mut index = 0;
    stream_items(&golden.path, &mut |value| {
        let at = index;
        index += 1;
        let Ok(entry) = serde_json::from_value::<GoldenEntry>(value) else {
            return true; // the schema check names what is wrong
        };
        let conversation = pending.remove(&entry.conversation_id).or_else(|| {
            for value in incoming.by_ref() {
                let Ok(conversation) = serde_json::from_value::<Conversation>(value) else {
                    continue;
                };
                if conversation.id == entry.conversation_id {
                    return Some(conversation);
                }
                pending.insert(conversation.id.clone(), conversation);
            }
            None
        });
        if let Some(conversation) = conversation {
            for problem in content_check::check(&conversation, &entry) {
                problems.push(
                    &golden.file,
                    format!("/entries/{at}"),
                    format!("[{}] {}", problem.rule, problem.message),
                );
            }
        }
        true
    });
    drop(incoming);
    let _ = reader.join();
}

/// Hands each item of the document at `path` to `on_item` until it says stop.
fn stream_items(path: &Path, on_item: &mut dyn FnMut(Value) -> bool) {
    struct Items<'a> {
        on_item: &'a mut dyn FnMut(Value) -> bool,
        going: bool,
    }
    impl Listener for Items<'_> {
        fn header(&mut self, _: String, _: Value) {}
        fn begin_items(&mut self, _: &str) {}
        fn item(&mut self, _: usize, item: Value) {
            if self.going {
                self.going = (self.on_item)(item);
            }
        }
    }
    let Ok(file) = File::open(path) else { return };
    let mut items = Items {
        on_item,
        going: true,
    };
    // Problems of the documents themselves are reported by their own checks.
    let _ = if path.extension().is_some_and(|e| e == "jsonl") {
        let key = if path.to_string_lossy().ends_with(".golden.jsonl") {
            "entries"
        } else {
            "conversations"
        };
        stream::json_lines(file, key, Some(Default::default()), &mut items)
    } else {
        stream::json(file, &mut items)
    };
}

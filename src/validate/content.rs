//! Schema-3 goldens against their conversations by the content rules of
//! `scenario-content.md` (flags that follow from constraints, cited items
//! and offers that exist, bins that follow from the facts, …), through
//! `content_check::check`. Both documents are streamed side by side, so
//! memory stays flat when their orders agree, as they do in every file
//! this tool writes; an out-of-order conversation is held until its entry
//! comes, up to [`MAX_HELD_BYTES`] of them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, mpsc};

use serde_json::Value;

use super::Problems;
use super::stream::{self, Listener};
use super::summary::Summary;
use crate::content_check;
use crate::contract::dataset::Conversation;
use crate::contract::golden::GoldenEntry;

/// Bytes of conversations (as read) that may wait between the reader of
/// the dataset and the checker; always at least one conversation.
const AHEAD_BYTES: u64 = 1024 * 1024;

/// Bytes of out-of-order conversations (as read) that may be held for
/// entries still to come; past it the pair's content checks stop.
pub(crate) const MAX_HELD_BYTES: u64 = 16 * 1024 * 1024;

/// Bytes in flight between the dataset's reader and the checker: the
/// reader waits while there are too many, until the checker stops.
#[derive(Default)]
struct Gate {
    state: Mutex<(u64, bool)>,
    changed: Condvar,
}

impl Gate {
    /// Waits for room for `bytes`; `false` once the checker has stopped.
    fn enter(&self, bytes: u64) -> bool {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        while !state.1 && state.0 > 0 && state.0 + bytes > AHEAD_BYTES {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.0 += bytes;
        !state.1
    }

    fn leave(&self, bytes: u64) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 -= bytes;
        self.changed.notify_all();
    }

    fn close(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).1 = true;
        self.changed.notify_all();
    }
}

pub(crate) fn check_pair(golden: &Summary, dataset: &Summary, problems: &mut Problems) {
    if golden.schema_version < 4 || dataset.schema_version < 4 {
        return;
    }
    let (sender, receiver) = mpsc::channel::<(Value, u64)>();
    let gate = Arc::new(Gate::default());
    let dataset_path = dataset.path.clone();
    let reader_gate = Arc::clone(&gate);
    let reader = std::thread::spawn(move || {
        stream_items(&dataset_path, &mut |item, bytes| {
            // The checker stopped listening: stop reading.
            reader_gate.enter(bytes) && sender.send((item, bytes)).is_ok()
        })
    });
    let mut pending: HashMap<String, (Conversation, u64)> = HashMap::new();
    let mut held = 0;
    let mut incoming = receiver.into_iter();
    let mut index = 0;
    stream_items(&golden.path, &mut |value, _| {
        let at = index;
        index += 1;
        let Ok(entry) = serde_json::from_value::<GoldenEntry>(value) else {
            return true; // the schema check names what is wrong
        };
        let conversation = match pending.remove(&entry.conversation_id) {
            Some((conversation, bytes)) => {
                held -= bytes;
                Some(conversation)
            }
            None => {
                let mut found = None;
                for (value, bytes) in incoming.by_ref() {
                    gate.leave(bytes);
                    let Ok(conversation) = serde_json::from_value::<Conversation>(value) else {
                        continue;
                    };
                    if conversation.id == entry.conversation_id {
                        found = Some(conversation);
                        break;
                    }
                    held += bytes;
                    if held > MAX_HELD_BYTES {
                        problems.push(
                            &golden.file,
                            format!("/entries/{at}"),
                            format!(
                                "its conversation comes more than {} of conversations later in {} than this golden's order says; the content rules were not checked from here on",
                                stream::size(MAX_HELD_BYTES),
                                dataset.file
                            ),
                        );
                        return false;
                    }
                    pending.insert(conversation.id.clone(), (conversation, bytes));
                }
                found
            }
        };
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
    gate.close();
    drop(incoming);
    let _ = reader.join();
}

/// Hands each item of the document at `path`, and its length as read, to
/// `on_item` until it says stop.
fn stream_items(path: &Path, on_item: &mut dyn FnMut(Value, u64) -> bool) {
    struct Items<'a> {
        on_item: &'a mut dyn FnMut(Value, u64) -> bool,
    }
    impl Listener for Items<'_> {
        fn header(&mut self, _: String, _: Value) {}
        fn begin_items(&mut self, _: &str) {}
        fn item(&mut self, _: usize, item: Value, bytes: u64) -> bool {
            (self.on_item)(item, bytes)
        }
    }
    let Ok(file) = crate::input::open_regular(path) else {
        return;
    };
    let mut items = Items { on_item };
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

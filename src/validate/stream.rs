//! Reading a document one item at a time, whatever its format, so memory
//! does not grow with file size. A JSON document is walked by a streaming
//! deserializer that hands over each element of `conversations` or
//! `entries` as it is parsed; a JSON Lines document is a header line and
//! one item per line.
//!
//! Every read is bounded: one item (and one header field, one line) may
//! take at most [`MAX_ITEM_BYTES`], counted on the bytes as they are read,
//! so an oversized item is refused before it is held; a top-level field
//! no schema knows is read past without being held; and the listener may
//! stop the reading at any item (`--max-problems`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::input::Line;
use crate::strict_json::StrictValue;

/// The most bytes one item (a conversation or a golden entry), one header
/// field or one JSON Lines line may take. A generated conversation is a
/// few KB; a document's metadata, tools included, about 10 KB.
pub const MAX_ITEM_BYTES: u64 = 1024 * 1024;

/// The most top-level fields a document may have (a real one has three).
pub const MAX_TOP_FIELDS: usize = 64;

/// The item lists a document may hold.
pub const ITEM_KEYS: [&str; 2] = ["conversations", "entries"];

/// The header fields some schema version knows. Any other top-level field
/// is read past without being held, and reaches the listener as `null` so
/// the schema names it as not allowed.
const HEADER_KEYS: [&str; 2] = ["schema_version", "metadata"];

/// Told what a document holds, in order.
pub trait Listener {
    /// A top-level field other than the item list.
    fn header(&mut self, key: String, value: Value);
    /// The item list begins, under `key`.
    fn begin_items(&mut self, key: &str);
    /// One item of the list, `bytes` long as read; `false` stops the
    /// reading here.
    fn item(&mut self, index: usize, item: Value, bytes: u64) -> bool;
}

/// Why a document was not read to its end.
#[derive(Debug, PartialEq, Eq)]
pub enum Halt {
    /// It cannot be read on: not JSON, a repeated key, an item over the
    /// limit. `pointer` is where (empty for the whole document).
    Invalid { pointer: String, message: String },
    /// The listener asked to stop.
    Stopped,
}

impl Halt {
    fn invalid(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// `bytes` in words: "1 MiB", "64 KiB", "100 bytes".
pub fn size(bytes: u64) -> String {
    const KIB: u64 = 1024;
    if bytes >= KIB * KIB && bytes.is_multiple_of(KIB * KIB) {
        format!("{} MiB", bytes / (KIB * KIB))
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else {
        format!("{bytes} bytes")
    }
}

/// What is being read, for the message when it runs over its bytes.
#[derive(Clone, Debug)]
enum Part {
    /// The document's opening, a top-level key, or the blank space between.
    Top,
    /// A header field's value.
    Field(String),
    /// Item `index` of the list `key`.
    Item { key: &'static str, index: usize },
    /// Whatever follows the document's closing brace.
    End,
}

/// The reading's state, shared by the byte counter and the visitors.
struct Progress {
    /// Bytes read so far.
    read: Cell<u64>,
    /// The count at which the current part runs over.
    end: Cell<u64>,
    part: RefCell<Part>,
    /// Why the reading ended early, when it did: set before the error
    /// that unwinds the deserializer.
    halt: RefCell<Option<Halt>>,
    limit: u64,
}

impl Progress {
    fn new(limit: u64) -> Rc<Self> {
        Rc::new(Self {
            read: Cell::new(0),
            end: Cell::new(limit),
            part: RefCell::new(Part::Top),
            halt: RefCell::new(None),
            limit,
        })
    }

    /// `part` begins: it may take `limit` more bytes.
    fn begin(&self, part: Part) {
        self.end.set(self.read.get().saturating_add(self.limit));
        *self.part.borrow_mut() = part;
    }

    /// Ends the reading with `halt`: the error to return unwinds it.
    fn halt<E: de::Error>(&self, halt: Halt) -> E {
        *self.halt.borrow_mut() = Some(halt);
        E::custom("halted")
    }

    /// A part read past, not held: no limit.
    fn unlimited(&self) {
        self.end.set(u64::MAX);
    }

    /// The problem of the part that ran over.
    fn overrun(&self) -> Halt {
        let limit = size(self.limit);
        match &*self.part.borrow() {
            Part::Top => Halt::invalid(
                "",
                format!("a top-level key, or the space around one, is longer than {limit}"),
            ),
            Part::Field(key) => Halt::invalid(
                format!("/{key}"),
                format!(
                    "larger than {limit}, the most one header field may be; the rest of the file was not read"
                ),
            ),
            Part::Item { key, index } => Halt::invalid(
                format!("/{key}/{index}"),
                format!(
                    "larger than {limit}, the most one {} may be; the rest of the file was not read",
                    noun(key)
                ),
            ),
            Part::End => Halt::invalid(
                "",
                format!("more than {limit} after the document's closing brace"),
            ),
        }
    }
}

/// One item of the list `key`, in words.
fn noun(key: &str) -> &'static str {
    if key == "entries" {
        "entry"
    } else {
        "conversation"
    }
}

/// A reader that counts its bytes and fails once the current part runs
/// over, so no part is ever held whole beyond its limit.
struct Metered<R> {
    inner: R,
    progress: Rc<Progress>,
}

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.progress.read.get();
        let room = self.progress.end.get().saturating_sub(read);
        if room == 0 {
            let overrun = self.progress.overrun();
            *self.progress.halt.borrow_mut() = Some(overrun);
            return Err(io::Error::other("over the limit"));
        }
        let take = usize::try_from(room).unwrap_or(usize::MAX).min(buf.len());
        let n = self.inner.read(&mut buf[..take])?;
        self.progress.read.set(read + n as u64);
        Ok(n)
    }
}

/// Streams a JSON document to `listener`.
pub fn json(reader: impl Read, listener: &mut dyn Listener) -> Result<(), Halt> {
    json_with_limit(reader, listener, MAX_ITEM_BYTES)
}

/// [`json`] with `limit` bytes for each part.
pub fn json_with_limit(
    reader: impl Read,
    listener: &mut dyn Listener,
    limit: u64,
) -> Result<(), Halt> {
    let progress = Progress::new(limit);
    let mut deserializer = serde_json::Deserializer::from_reader(Metered {
        inner: BufReader::new(reader),
        progress: Rc::clone(&progress),
    });
    let result = DocumentSeed {
        listener,
        progress: &progress,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| {
        progress.begin(Part::End);
        deserializer.end()
    });
    match (result, progress.halt.take()) {
        (Ok(()), _) => Ok(()),
        (Err(_), Some(halt)) => Err(halt),
        (Err(e), None) => Err(Halt::invalid("", not_json(&e))),
    }
}

/// What is wrong with a document that did not parse: a repeated key is
/// named as such, anything else is "not valid JSON".
pub(super) fn not_json(error: &serde_json::Error) -> String {
    match crate::strict_json::duplicate_key(error) {
        Some(_) => error.to_string(),
        None => format!("not valid JSON: {error}"),
    }
}

/// Streams a JSON Lines document: the header's fields (from its sidecar
/// when there is one, else from a first line holding `metadata`, the
/// layout before schema 3), then one item per non-blank line under `key`.
/// A line may be at most [`MAX_ITEM_BYTES`] long. A missing header is the
/// caller's to report (no `metadata` reaches the listener).
pub fn json_lines(
    reader: impl Read,
    key: &str,
    sidecar: Option<Map<String, Value>>,
    listener: &mut dyn Listener,
) -> Result<(), Halt> {
    json_lines_with_limit(reader, key, sidecar, listener, MAX_ITEM_BYTES)
}

/// [`json_lines`] with lines of at most `limit` bytes.
pub fn json_lines_with_limit(
    reader: impl Read,
    key: &str,
    sidecar: Option<Map<String, Value>>,
    listener: &mut dyn Listener,
    limit: u64,
) -> Result<(), Halt> {
    let key = ITEM_KEYS
        .into_iter()
        .find(|k| *k == key)
        .unwrap_or(ITEM_KEYS[0]);
    let mut header = sidecar;
    let mut began = false;
    let mut index = 0;
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    for number in 1.. {
        let read = crate::input::next_line(&mut reader, &mut line, limit)
            .map_err(|e| Halt::invalid("", format!("cannot read: {e}")))?;
        match read {
            Line::End => break,
            Line::TooLong => {
                let pointer = if began {
                    format!("/{key}/{index}")
                } else {
                    String::new()
                };
                return Err(Halt::invalid(
                    pointer,
                    format!(
                        "line {number}: longer than {}, the most one {} may be; the rest of the file was not read",
                        size(limit),
                        noun(key)
                    ),
                ));
            }
            Line::Whole | Line::Unended => {}
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let item: Value = crate::strict_json::from_slice(&line)
            .map_err(|e| Halt::invalid("", format!("line {number}: {}", not_json(&e))))?;
        if !began {
            began = true;
            let legacy = header.is_none() && item.get("metadata").is_some();
            if let (true, Value::Object(map)) = (legacy, &item) {
                header = Some(map.clone());
            }
            for (k, v) in header.take().unwrap_or_default() {
                listener.header(k, v);
            }
            listener.begin_items(key);
            if legacy {
                continue;
            }
        }
        if !listener.item(index, item, line.len() as u64) {
            return Err(Halt::Stopped);
        }
        index += 1;
    }
    if !began {
        for (k, v) in header.take().unwrap_or_default() {
            listener.header(k, v);
        }
        listener.begin_items(key);
    }
    Ok(())
}

struct DocumentSeed<'a> {
    listener: &'a mut dyn Listener,
    progress: &'a Progress,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = std::collections::BTreeSet::new();
        loop {
            self.progress.begin(Part::Top);
            let Some(key) = map.next_key::<String>()? else {
                return Ok(());
            };
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(crate::strict_json::duplicate_message(
                    &key,
                )));
            }
            if seen.len() > MAX_TOP_FIELDS {
                return Err(self.progress.halt(Halt::invalid(
                    "",
                    format!(
                        "more than {MAX_TOP_FIELDS} top-level fields; a document has schema_version, metadata and conversations or entries"
                    ),
                )));
            }
            if let Some(items) = ITEM_KEYS.into_iter().find(|k| *k == key) {
                self.listener.begin_items(items);
                map.next_value_seed(ItemsSeed {
                    key: items,
                    listener: &mut *self.listener,
                    progress: self.progress,
                })?;
            } else if HEADER_KEYS.contains(&key.as_str()) {
                self.progress.begin(Part::Field(key.clone()));
                let StrictValue(value) = map.next_value()?;
                self.listener.header(key, value);
            } else {
                // No schema has it: read past it, hold nothing.
                self.progress.unlimited();
                map.next_value::<IgnoredAny>()?;
                self.listener.header(key, Value::Null);
            }
        }
    }
}

struct ItemsSeed<'a> {
    key: &'static str,
    listener: &'a mut dyn Listener,
    progress: &'a Progress,
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        for index in 0.. {
            let start = self.progress.read.get();
            self.progress.begin(Part::Item {
                key: self.key,
                index,
            });
            let Some(StrictValue(item)) = seq.next_element()? else {
                break;
            };
            let bytes = self.progress.read.get() - start;
            if !self.listener.item(index, item, bytes) {
                return Err(self.progress.halt(Halt::Stopped));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a listener saw.
    #[derive(Default)]
    struct Seen {
        header: Vec<(String, Value)>,
        items: usize,
        stop_after: Option<usize>,
        /// Bytes the source had handed out when each item arrived.
        produced_at_item: Vec<u64>,
        produced: Option<Rc<Cell<u64>>>,
    }

    impl Listener for Seen {
        fn header(&mut self, key: String, value: Value) {
            self.header.push((key, value));
        }
        fn begin_items(&mut self, _: &str) {}
        fn item(&mut self, _: usize, _: Value, _: u64) -> bool {
            self.items += 1;
            if let Some(produced) = &self.produced {
                self.produced_at_item.push(produced.get());
            }
            self.stop_after.is_none_or(|n| self.items < n)
        }
    }

    /// A document of `count` empty conversations, made as it is read.
    struct Generated {
        count: u64,
        at: u64,
        produced: Rc<Cell<u64>>,
    }

    const HEAD: &[u8] = b"{\"conversations\":[";

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let total = HEAD.len() as u64 + 3 * self.count + 1;
            let mut n = 0;
            while n < buf.len() && self.at < total {
                let at = self.at;
                buf[n] = if at < HEAD.len() as u64 {
                    HEAD[at as usize]
                } else if at == total - 1 {
                    b'}'
                } else {
                    let k = (at - HEAD.len() as u64) % 3;
                    let last = (at - HEAD.len() as u64) / 3 == self.count - 1;
                    match (k, last) {
                        (0, _) => b'{',
                        (1, _) => b'}',
                        (_, false) => b',',
                        (_, true) => b']',
                    }
                };
                n += 1;
                self.at += 1;
            }
            self.produced.set(self.produced.get() + n as u64);
            Ok(n)
        }
    }

    /// The whole array is never read ahead of the item being handed over:
    /// what the source has handed out stays within a read buffer of it.
    #[test]
    fn items_are_handed_over_as_they_are_read() {
        let produced = Rc::new(Cell::new(0));
        let count = 1_000_000;
        let source = Generated {
            count,
            at: 0,
            produced: Rc::clone(&produced),
        };
        let mut seen = Seen {
            produced: Some(Rc::clone(&produced)),
            ..Seen::default()
        };
        assert_eq!(json(source, &mut seen), Ok(()));
        assert_eq!(seen.items as u64, count);
        for (i, &at) in seen.produced_at_item.iter().enumerate() {
            let item_end = HEAD.len() as u64 + 3 * (i as u64 + 1);
            assert!(at <= item_end + 16 * 1024, "item {i}: {at} bytes read");
        }
    }

    #[test]
    fn a_listener_stops_the_reading() {
        let produced = Rc::new(Cell::new(0));
        let source = Generated {
            count: 1_000_000,
            at: 0,
            produced: Rc::clone(&produced),
        };
        let mut seen = Seen {
            stop_after: Some(3),
            ..Seen::default()
        };
        assert_eq!(json(source, &mut seen), Err(Halt::Stopped));
        assert_eq!(seen.items, 3);
        assert!(produced.get() <= 16 * 1024, "{}", produced.get());
    }

    #[test]
    fn an_item_over_the_limit_is_named_by_index_before_it_is_held() {
        let text = format!("{{\"entries\":[{{}}, \"{}\", {{}}]}}", "x".repeat(100));
        let mut seen = Seen::default();
        let halt = json_with_limit(text.as_bytes(), &mut seen, 64).unwrap_err();
        assert_eq!(
            halt,
            Halt::invalid(
                "/entries/1",
                "larger than 64 bytes, the most one entry may be; the rest of the file was not read"
            )
        );
        assert_eq!(seen.items, 1);
        let text = format!("{{\"metadata\":\"{}\"}}", "x".repeat(100));
        let halt = json_with_limit(text.as_bytes(), &mut Seen::default(), 64).unwrap_err();
        assert!(
            matches!(&halt, Halt::Invalid { pointer, .. } if pointer == "/metadata"),
            "{halt:?}"
        );
        let text = format!("{{\"{}\":1}}", "k".repeat(100));
        let halt = json_with_limit(text.as_bytes(), &mut Seen::default(), 64).unwrap_err();
        assert!(
            matches!(&halt, Halt::Invalid { pointer, message } if pointer.is_empty() && message.contains("top-level key")),
            "{halt:?}"
        );
        let text = format!("{{}}{}", " ".repeat(100));
        let halt = json_with_limit(text.as_bytes(), &mut Seen::default(), 64).unwrap_err();
        assert_eq!(
            halt,
            Halt::invalid("", "more than 64 bytes after the document's closing brace")
        );
    }

    /// An unknown top-level field is read past whatever its size, reaches
    /// the listener as `null`, and is still a repeated key when repeated.
    #[test]
    fn an_unknown_field_is_read_past_not_held() {
        let big: String = (0..10_000).map(|i| format!("\"k{i}\":[{{}}],")).collect();
        let text = format!("{{\"junk\":{{{big}\"end\":0}},\"conversations\":[{{}}]}}");
        let mut seen = Seen::default();
        assert_eq!(json_with_limit(text.as_bytes(), &mut seen, 64), Ok(()));
        assert_eq!(seen.header, vec![("junk".to_owned(), Value::Null)]);
        assert_eq!(seen.items, 1);
        let halt = json(&br#"{"junk":1,"junk":2}"#[..], &mut Seen::default()).unwrap_err();
        assert!(
            matches!(&halt, Halt::Invalid { message, .. } if message.starts_with("duplicate key 'junk' in one object")),
            "{halt:?}"
        );
        let many: String = (0..=MAX_TOP_FIELDS)
            .map(|i| format!("\"f{i}\":0,"))
            .collect();
        let text = format!("{{{many}\"conversations\":[]}}");
        let halt = json(text.as_bytes(), &mut Seen::default()).unwrap_err();
        assert!(
            matches!(&halt, Halt::Invalid { message, .. } if message.starts_with("more than 64 top-level fields")),
            "{halt:?}"
        );
    }

    #[test]
    fn a_json_lines_line_over_the_limit_is_named_by_number() {
        let text = format!("{{}}\n\n{}\n{{}}\n", "x".repeat(100));
        let mut seen = Seen::default();
        let halt = json_lines_with_limit(
            text.as_bytes(),
            "conversations",
            Some(Map::new()),
            &mut seen,
            64,
        )
        .unwrap_err();
        assert_eq!(
            halt,
            Halt::invalid(
                "/conversations/1",
                "line 3: longer than 64 bytes, the most one conversation may be; the rest of the file was not read"
            )
        );
        assert_eq!(seen.items, 1);
        // A line of exactly the limit, newline aside, is read.
        let text = format!("\"{}\"\n", "x".repeat(62));
        assert_eq!(text.len(), 65);
        let mut seen = Seen::default();
        let result =
            json_lines_with_limit(text.as_bytes(), "entries", Some(Map::new()), &mut seen, 64);
        assert_eq!(result, Ok(()));
        assert_eq!(seen.items, 1);
    }
}

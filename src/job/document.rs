//! The bytes of a dataset or golden file: one line per item, the same lines
//! in both formats. A JSON document wraps them between a header holding
//! the metadata and a footer; a JSON Lines file holds the lines and nothing
//! else (so any JSON Lines loader reads one row per item), its header going
//! to a sidecar `<name>.meta.json` beside it:
//!
//! ```text
//! json:  {                              jsonl: {…conversation…}
//!          "schema_version": 2,                {…conversation…}
//!          "metadata": { … },
//!          "conversations": [           X.dataset.meta.json:
//!            {…conversation…},            { "schema_version": 2,
//!            {…conversation…}               "metadata": { … } }
//!          ]
//!        }
//! ```

use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::lines::LineHasher;
use crate::contract::SCHEMA_VERSION;
use crate::contract::files::Format;

/// Which of the pair a document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocKind {
    Dataset,
    Golden,
}

impl DocKind {
    /// The key of the item list.
    pub fn items_key(self) -> &'static str {
        match self {
            Self::Dataset => "conversations",
            Self::Golden => "entries",
        }
    }
}

/// The sidecar holding the header of the JSON Lines file at `path`:
/// `X.dataset.jsonl` → `X.dataset.meta.json`.
pub fn sidecar_of(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    let stem = text.strip_suffix(".jsonl").unwrap_or(&text);
    PathBuf::from(format!("{stem}.meta.json"))
}

/// A JSON Lines document's sidecar: its schema version and metadata.
pub fn sidecar_json(metadata: &impl Serialize) -> io::Result<String> {
    let sidecar = serde_json::json!({ "schema_version": SCHEMA_VERSION, "metadata": metadata });
    let mut text = serde_json::to_string_pretty(&sidecar).map_err(io::Error::other)?;
    text.push('\n');
    Ok(text)
}

/// Writes one document line by line.
pub struct DocWriter<W: Write> {
    out: W,
    kind: DocKind,
    format: Format,
    items: usize,
}

impl<W: Write> DocWriter<W> {
    pub fn begin(
        mut out: W,
        kind: DocKind,
        format: Format,
        metadata: &impl Serialize,
    ) -> io::Result<Self> {
        match format {
            Format::Json => {
                let metadata = serde_json::to_string_pretty(metadata).map_err(io::Error::other)?;
                let metadata = metadata.replace('\n', "\n  ");
                write!(
                    out,
                    "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"metadata\": {metadata},\n  \"{}\": [",
                    kind.items_key()
                )?;
            }
            // The header goes to the sidecar.
            Format::Jsonl => {}
        }
        Ok(Self {
            out,
            kind,
            format,
            items: 0,
        })
    }

    pub fn line(&mut self, line: &str) -> io::Result<()> {
        match self.format {
            Format::Json => {
                let separator = if self.items == 0 { "\n    " } else { ",\n    " };
                write!(self.out, "{separator}{line}")?;
            }
            Format::Jsonl => writeln!(self.out, "{line}")?,
        }
        self.items += 1;
        Ok(())
    }

    pub fn finish(mut self) -> io::Result<W> {
        if self.format == Format::Json {
            let close = if self.items == 0 {
                "]\n}\n"
            } else {
                "\n  ]\n}\n"
            };
            self.out.write_all(close.as_bytes())?;
        }
        let _ = self.kind;
        Ok(self.out)
    }
}

/// What an existing document says about itself, and whether its body
/// matches its own content hash (so it is complete and untouched).
pub struct Existing {
    pub metadata: Value,
    pub body_hash: String,
}

impl Existing {
    pub fn field(&self, key: &str) -> Option<&str> {
        self.metadata.get(key).and_then(Value::as_str)
    }

    /// The body hashes to what the metadata records.
    pub fn is_intact(&self) -> bool {
        self.field("content_hash") == Some(self.body_hash.as_str())
    }
}

/// Reads an existing document written by this tool, streaming its body.
/// `None` when it does not exist or is not in our layout.
pub fn read_existing(path: &Path, kind: DocKind, format: Format) -> io::Result<Option<Existing>> {
    // Never blocks: a FIFO put where a document goes is an error at once.
    let file = match crate::input::open_for_reading(path) {
        Ok(file) => file,
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
            ) =>
        {
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let mut lines = BufReader::new(file).lines();
    let mut hasher = LineHasher::default();
    let metadata = match format {
        Format::Jsonl => {
            for line in lines {
                hasher.add(&line?);
            }
            // No sidecar (a run killed between the body's rename and its
            // sidecar's): the body is still described, with null metadata.
            let sidecar = sidecar_of(path);
            match crate::input::open_for_reading(&sidecar).and_then(io::read_to_string) {
                Ok(text) => serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|h| h.get("metadata").cloned()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Some(Value::Null),
                Err(e) => return Err(e),
            }
        }
        Format::Json => {
            let open = format!("  \"{}\": [", kind.items_key());
            let mut header = String::new();
            let mut in_body = false;
            for line in lines.by_ref() {
                let line = line?;
                if in_body {
                    if line == "  ]" {
                        break;
                    }
                    let item = line.strip_prefix("    ").unwrap_or(&line);
                    hasher.add(item.strip_suffix(',').unwrap_or(item));
                } else if line == open {
                    in_body = true;
                } else if line.starts_with(&open) {
                    break; // an empty list: `"…": []`
                } else {
                    header.push_str(&line);
                    header.push('\n');
                }
            }
            let header = header.trim_end().trim_end_matches(',').to_owned() + "}";
            serde_json::from_str::<Value>(&header)
                .ok()
                .and_then(|h| h.get("metadata").cloned())
        }
    };
    Ok(metadata.map(|metadata| Existing {
        metadata,
        body_hash: hasher.finish(),
    }))
}

/// SHA-256 of a file's bytes.
pub fn file_hash(path: &Path) -> io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    io::copy(&mut crate::input::open_for_reading(path)?, &mut hasher)?;
    Ok(format!("sha256:{:x}", hasher.finalize()))
}

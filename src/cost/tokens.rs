//! Token counts with OpenAI's tokenizers (tiktoken's BPE files, compiled
//! into `tiktoken-rs`), and what one conversation costs in tokens when each
//! of its graded turns is sent to a model.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tiktoken_rs::CoreBPE;
use tiktoken_rs::tokenizer::{Tokenizer, get_tokenizer};

use crate::contract::dataset::Conversation;
use crate::contract::golden::GoldenEntry;

/// Tokens OpenAI's chat format adds around every message (role and
/// delimiters), as in OpenAI's cookbook `num_tokens_from_messages`.
pub const MESSAGE_OVERHEAD: u64 = 3;
/// Tokens that prime the reply of every request.
pub const REPLY_PRIMING: u64 = 3;

/// A BPE vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// GPT-4o, GPT-4.1, o-series and later OpenAI models.
    O200kBase,
    /// GPT-4, GPT-4 Turbo, GPT-3.5 Turbo.
    Cl100kBase,
}

impl Encoding {
    pub fn id(self) -> &'static str {
        match self {
            Self::O200kBase => "o200k_base",
            Self::Cl100kBase => "cl100k_base",
        }
    }

    fn bpe(self) -> &'static CoreBPE {
        match self {
            Self::O200kBase => tiktoken_rs::o200k_base_singleton(),
            Self::Cl100kBase => tiktoken_rs::cl100k_base_singleton(),
        }
    }

    /// Tokens of `text`, special-token markers counted as plain text.
    pub fn count(self, text: &str) -> u64 {
        self.bpe().count_ordinary(text) as u64
    }

    /// The encoding to count `model`'s tokens with, and whether that count
    /// is approximate: exact for OpenAI models tiktoken maps to
    /// `o200k_base` or `cl100k_base`; `o200k_base` and approximate for any
    /// other model. `forced` (a rates file's `tokenizer`) wins.
    pub fn for_model(model: &str, forced: Option<Encoding>) -> (Self, bool) {
        let known = match get_tokenizer(model) {
            Some(Tokenizer::O200kBase) => Some(Self::O200kBase),
            Some(Tokenizer::Cl100kBase) => Some(Self::Cl100kBase),
            _ => None,
        };
        match (forced, known) {
            (Some(forced), Some(known)) => (forced, forced != known),
            (Some(forced), None) => (forced, true),
            (None, Some(known)) => (known, false),
            (None, None) => (Self::O200kBase, true),
        }
    }
}

/// What sending one conversation's graded turns to a model takes, once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConversationTokens {
    pub graded_turns: usize,
    /// Input of every graded turn: tools, system prompt and the turns
    /// before it, each message with [`MESSAGE_OVERHEAD`], plus
    /// [`REPLY_PRIMING`].
    pub input_tokens: u64,
    /// Tokens of the reference replies of graded turns that have one.
    pub reference_output_tokens: u64,
    /// Graded turns with no reference reply (the final one).
    pub unreferenced_turns: usize,
}

impl ConversationTokens {
    pub fn add(&mut self, other: &Self) {
        self.graded_turns += other.graded_turns;
        self.input_tokens += other.input_tokens;
        self.reference_output_tokens += other.reference_output_tokens;
        self.unreferenced_turns += other.unreferenced_turns;
    }

    /// Output tokens: `per_turn` for every graded turn when set, else the
    /// reference replies and `final_reply` for each turn without one.
    pub fn output_tokens(&self, per_turn: Option<u32>, final_reply: u32) -> u64 {
        match per_turn {
            Some(n) => self.graded_turns as u64 * u64::from(n),
            None => {
                self.reference_output_tokens
                    + self.unreferenced_turns as u64 * u64::from(final_reply)
            }
        }
    }
}

/// Counts tokens, remembering strings it has seen (many turns recur).
pub struct Counter {
    encoding: Encoding,
    tools: u64,
    cache: HashMap<String, u64>,
}

impl Counter {
    /// A counter for `encoding`; `tools_json` is sent with every request.
    pub fn new(encoding: Encoding, tools_json: &str) -> Self {
        Self {
            encoding,
            tools: encoding.count(tools_json),
            cache: HashMap::new(),
        }
    }

    fn cached(&mut self, text: &str) -> u64 {
        if let Some(&n) = self.cache.get(text) {
            return n;
        }
        let n = self.encoding.count(text);
        self.cache.insert(text.to_owned(), n);
        n
    }

    /// The tokens of grading every expected turn of `golden` on `conversation`.
    pub fn conversation(
        &mut self,
        conversation: &Conversation,
        golden: &GoldenEntry,
    ) -> ConversationTokens {
        let system = conversation
            .system_prompt
            .as_deref()
            .map_or(0, |prompt| self.encoding.count(prompt) + MESSAGE_OVERHEAD);
        let turns: Vec<u64> = conversation
            .turns
            .iter()
            .map(|turn| self.cached(&turn.content))
            .collect();
        // prefix[i]: the messages before turn i, with their overhead.
        let mut prefix = Vec::with_capacity(turns.len() + 1);
        prefix.push(0u64);
        for n in &turns {
            prefix.push(prefix.last().copied().unwrap_or(0) + n + MESSAGE_OVERHEAD);
        }
        let mut tokens = ConversationTokens::default();
        for turn in golden.graded_turn_indices() {
            let before = turn.min(turns.len());
            tokens.graded_turns += 1;
            tokens.input_tokens += self.tools + system + prefix[before] + REPLY_PRIMING;
            match turns.get(turn) {
                Some(reply) => tokens.reference_output_tokens += reply,
                None => tokens.unreferenced_turns += 1,
            }
        }
        tokens
    }
}

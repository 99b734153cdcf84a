//! Grading a run: every key of the sample set × trials, in sample-set
//! order, against its transcript line (the latest one for the key), with
//! the checks of [`crate::grade`]. The transcript is read twice: once to
//! find each key's latest line, then line by line in key order, so the
//! output does not depend on the order replies came in and memory holds
//! only an offset per key.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::ScoreError;
use super::html::{self, Failing};
use super::summary::Accumulator;
use crate::contract::golden::{Compare, ExpectedCall, Fact, GradedTurn};
use crate::contract::run::{ErrorKind, Transcript};
use crate::contract::sample::{ExpectedSampleCall, Sample, SampleMetadata};
use crate::contract::score::{CheckLine, GradeLine};
use crate::grade::{Reply, grade_turn};
use crate::input::Line;
use crate::taxonomy::Scenario;

/// What grading needs of a sample: no messages, no tools.
pub struct Indexed {
    pub sample_id: String,
    pub scenario: Scenario,
    pub scenario_id: String,
    pub graded: GradedTurn,
    pub metadata: SampleMetadata,
}

/// The graded turn a sample carries, as [`grade_turn`] takes it.
pub fn graded_turn(sample: &Sample) -> GradedTurn {
    GradedTurn {
        turn: sample.turn,
        expected_call: ExpectedCall {
            name: sample.expected.name.clone(),
            arguments: sample.expected.arguments.clone(),
        },
        compare: sample.expected.compare.clone(),
        must_communicate: sample.must_communicate.clone(),
        must_not: sample.must_not.clone(),
        rubric: sample.rubric.clone(),
    }
}

/// The part of a sample line grading reads: serde skips the messages
/// and tools, the bulk of the line, without allocating them.
#[derive(Deserialize)]
pub struct GradedPart {
    sample_id: String,
    scenario_id: String,
    turn: usize,
    expected: ExpectedSampleCall,
    must_communicate: Vec<Fact>,
    must_not: Vec<Fact>,
    metadata: SampleMetadata,
}

impl Indexed {
    pub fn of(sample: GradedPart) -> Result<Self, String> {
        let scenario: Scenario = sample
            .scenario_id
            .parse()
            .map_err(|e| format!("sample '{}': {e}", sample.sample_id))?;
        Ok(Self {
            sample_id: sample.sample_id,
            scenario,
            scenario_id: sample.scenario_id,
            graded: GradedTurn {
                turn: sample.turn,
                expected_call: ExpectedCall {
                    name: sample.expected.name,
                    arguments: sample.expected.arguments,
                },
                compare: sample.expected.compare,
                must_communicate: sample.must_communicate,
                must_not: sample.must_not,
                rubric: Vec::new(),
            },
            metadata: sample.metadata,
        })
    }
}

/// Where each key's latest transcript line lies: (offset, length) by
/// `sample index × trials + trial`. The file is read in `parts` ranges
/// at once, split at line ends; a later range's line for a key replaces
/// an earlier one's, as a later line does within a range.
pub fn locate(
    path: &Path,
    index: &HashMap<String, usize>,
    trials: u32,
    parts: usize,
) -> Result<Vec<Option<(u64, u32)>>, ScoreError> {
    let read_error = |e: std::io::Error| ScoreError::read(path, e.to_string());
    let file =
        crate::input::open_regular(path).map_err(|e| ScoreError::read(path, e.to_string()))?;
    let starts = line_starts(&file, parts.max(1)).map_err(read_error)?;
    let ends = starts.iter().skip(1).map(|&end| Some(end)).chain([None]);
    let ranges: Vec<(u64, Option<u64>)> = starts.iter().copied().zip(ends).collect();
    let parts: Vec<Result<Located, RangeError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = ranges
            .iter()
            .map(|&range| {
                let file = &file;
                scope.spawn(move || locate_range(file, range, index, trials))
            })
            .collect();
        let joined = handles.into_iter().map(|h| h.join());
        joined
            .map(|r| r.expect("locating does not panic"))
            .collect()
    });
    let mut found = vec![None; index.len() * trials as usize];
    let mut lines_before = 0;
    for part in parts {
        let part = part.map_err(|e| ScoreError::read(path, e.message(lines_before)))?;
        lines_before += part.lines;
        for (key, at) in part.found {
            found[key] = Some(at);
        }
    }
    Ok(found)
}

/// The offsets where `parts` ranges of about equal size start, each just
/// after a line end (fewer for a small file).
fn line_starts(file: &File, parts: usize) -> std::io::Result<Vec<u64>> {
    use std::os::unix::fs::FileExt;
    let size = file.metadata()?.len();
    let mut starts = vec![0];
    let mut probe = [0u8; 64 << 10];
    for part in 1..parts as u64 {
        let mut at = (size * part / parts as u64).max(*starts.last().expect("0 is first"));
        let start = loop {
            let read = file.read_at(&mut probe, at)?;
            if read == 0 {
                break None;
            }
            if let Some(newline) = probe[..read].iter().position(|&b| b == b'\n') {
                break Some(at + newline as u64 + 1);
            }
            at += read as u64;
        };
        match start {
            Some(start) if start < size && start > *starts.last().expect("0 is first") => {
                starts.push(start);
            }
            _ => break,
        }
    }
    Ok(starts)
}

/// The keys one range of the transcripts has lines for, in file order,
/// and how many lines it holds.
struct Located {
    found: Vec<(usize, (u64, u32))>,
    lines: usize,
}

/// Why a range could not be read; line numbers count from the range's
/// first line.
enum RangeError {
    Io(String),
    TooLong { line: usize },
    NotTranscript { line: usize, error: String },
    UnknownSample { line: usize, sample_id: String },
}

impl RangeError {
    fn message(&self, lines_before: usize) -> String {
        match self {
            Self::Io(error) => error.clone(),
            Self::TooLong { line } => format!(
                "line {} is longer than {} MiB",
                lines_before + line,
                crate::input::MAX_LINE >> 20
            ),
            Self::NotTranscript { line, error } => format!(
                "line {} is not a transcript line: {error}",
                lines_before + line
            ),
            Self::UnknownSample { line, sample_id } => format!(
                "line {} is of sample '{sample_id}', which is not in the run's sample set",
                lines_before + line
            ),
        }
    }
}

fn locate_range(
    file: &File,
    (start, end): (u64, Option<u64>),
    index: &HashMap<String, usize>,
    trials: u32,
) -> Result<Located, RangeError> {
    #[derive(Deserialize)]
    struct Key<'a> {
        #[serde(borrow)]
        sample_id: std::borrow::Cow<'a, str>,
        trial: u32,
    }
    let mut located = Located {
        found: Vec::new(),
        lines: 0,
    };
    let range = RangeReader {
        file,
        at: start,
        end,
    };
    let mut reader = BufReader::with_capacity(1 << 20, range);
    let mut line = Vec::new();
    let mut offset = start;
    loop {
        let read = crate::input::next_line(&mut reader, &mut line, crate::input::MAX_LINE)
            .map_err(|e| RangeError::Io(e.to_string()))?;
        match read {
            // A torn last line (a run killed mid-write) is not a reply.
            Line::End | Line::Unended => return Ok(located),
            Line::TooLong => {
                let line = located.lines + 1;
                return Err(RangeError::TooLong { line });
            }
            Line::Whole => located.lines += 1,
        }
        let key: Key = serde_json::from_slice(&line).map_err(|e| RangeError::NotTranscript {
            line: located.lines,
            error: e.to_string(),
        })?;
        let Some(&sample) = index.get(key.sample_id.as_ref()) else {
            return Err(RangeError::UnknownSample {
                line: located.lines,
                sample_id: key.sample_id.into_owned(),
            });
        };
        if key.trial < trials {
            let key = sample * trials as usize + key.trial as usize;
            located.found.push((key, (offset, line.len() as u32)));
        }
        offset += line.len() as u64;
    }
}

/// Reads `file` from `at` up to `end` (its end when `None`) with `pread`,
/// so ranges of one file are read at once on one descriptor.
struct RangeReader<'a> {
    file: &'a File,
    at: u64,
    end: Option<u64>,
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let room = self.end.map_or(buf.len() as u64, |end| end - self.at);
        let want = (buf.len() as u64).min(room) as usize;
        let read = self.file.read_at(&mut buf[..want], self.at)?;
        self.at += read as u64;
        Ok(read)
    }
}

/// Reads the transcript line at (offset, length) into `bytes`, a buffer
/// each worker reuses.
pub fn read_at(
    file: &File,
    path: &Path,
    (offset, length): (u64, u32),
    bytes: &mut Vec<u8>,
) -> Result<Transcript, ScoreError> {
    use std::os::unix::fs::FileExt;
    bytes.resize(length as usize, 0);
    file.read_exact_at(bytes, offset)
        .map_err(|e| ScoreError::read(path, e.to_string()))?;
    serde_json::from_slice(bytes)
        .map_err(|e| ScoreError::read(path, format!("a transcript line at byte {offset}: {e}")))
}

/// What grading found for one key: everything of its grade line that its
/// sample does not already hold.
pub struct Verdict {
    pub graded: bool,
    pub pass: bool,
    pub called: String,
    pub error: String,
    pub checks: Vec<CheckLine>,
}

/// A line of `grades.jsonl` borrowed from its sample and verdict: it
/// serializes to the bytes of the [`GradeLine`] it stands for, without
/// copying the sample's ids and metadata for each of a million keys.
#[derive(Serialize)]
pub struct GradeView<'a> {
    pub sample_id: &'a str,
    pub scenario_id: &'a str,
    pub trial: u32,
    pub graded: bool,
    pub pass: bool,
    pub expected: &'a str,
    pub called: &'a str,
    pub error: &'a str,
    pub checks: &'a [CheckLine],
    pub metadata: &'a SampleMetadata,
}

impl<'a> GradeView<'a> {
    pub fn new(sample: &'a Indexed, trial: u32, verdict: &'a Verdict) -> Self {
        Self {
            sample_id: &sample.sample_id,
            scenario_id: &sample.scenario_id,
            trial,
            graded: verdict.graded,
            pass: verdict.pass,
            expected: &sample.graded.expected_call.name,
            called: &verdict.called,
            error: &verdict.error,
            checks: &verdict.checks,
            metadata: &sample.metadata,
        }
    }

    pub fn to_line(&self) -> GradeLine {
        GradeLine {
            sample_id: self.sample_id.to_owned(),
            scenario_id: self.scenario_id.to_owned(),
            trial: self.trial,
            graded: self.graded,
            pass: self.pass,
            expected: self.expected.to_owned(),
            called: self.called.to_owned(),
            error: self.error.to_owned(),
            checks: self.checks.to_vec(),
            metadata: self.metadata.clone(),
        }
    }
}

/// Consecutive keys graded by one worker: their lines of `grades.jsonl`
/// in one buffer, their figures, and their failing replies while the
/// results page still wants some.
pub struct GradedBatch {
    pub lines: Vec<u8>,
    pub tally: Accumulator,
    pub failing: Vec<Failing>,
}

/// Keys a worker grades per hand-off: enough to make the hand-off cheap,
/// few enough that the grades in flight stay a few MiB.
const BATCH: usize = 1024;

/// Every key of a run (`sample number × trials + trial`), with where its
/// transcript line lies.
pub struct Keys<'a> {
    pub samples: &'a [Indexed],
    pub located: &'a [Option<(u64, u32)>],
    /// The transcripts file and its path, when the run wrote one.
    pub transcripts: Option<(&'a File, &'a Path)>,
    pub trials: u32,
}

type Batch = Result<GradedBatch, ScoreError>;

impl Keys<'_> {
    fn len(&self) -> usize {
        self.samples.len() * self.trials as usize
    }

    /// Grades keys `batch × BATCH …`; failing replies are kept for the
    /// results page until `enough_failing` says it has all it shows.
    fn batch(&self, batch: usize, enough_failing: &AtomicBool, buffer: &mut Vec<u8>) -> Batch {
        let trials = self.trials as usize;
        let end = ((batch + 1) * BATCH).min(self.len());
        let mut graded = GradedBatch {
            lines: Vec::with_capacity(BATCH * 1536),
            tally: Accumulator::new(self.trials),
            failing: Vec::new(),
        };
        for key in batch * BATCH..end {
            let (number, trial) = (key / trials, (key % trials) as u32);
            let sample = &self.samples[number];
            let line = match (self.located[key], self.transcripts) {
                (Some(at), Some((file, path))) => Some(read_at(file, path, at, buffer)?),
                _ => None,
            };
            let verdict = grade_key(sample, line.as_ref());
            let view = GradeView::new(sample, trial, &verdict);
            serde_json::to_writer(&mut graded.lines, &view).expect("grades serialize");
            graded.lines.push(b'\n');
            let latency_ms = line.as_ref().map(|l| l.latency_ms);
            graded
                .tally
                .add(number, &sample.scenario, &view, latency_ms);
            let shown = graded.failing.len() < html::FAILING_SHOWN;
            if verdict.graded && !verdict.pass && shown && !enough_failing.load(Ordering::Relaxed) {
                graded.failing.push(Failing {
                    grade: view.to_line(),
                    reply: line.map(|l| l.reply),
                    expected: sample.graded.expected_call.to_string(),
                });
            }
        }
        Ok(graded)
    }

    /// Grades every key on `workers` threads and hands the batches to
    /// `each` in key order. Worker `w` grades batches `w`, `w + workers`,
    /// … and sends them down its own one-slot channel, so the order needs
    /// no reordering buffer and at most two batches per worker are held.
    /// Each batch goes back to its worker to be freed there: glibc's
    /// malloc frees memory from another thread's arena at a lock and a
    /// consolidation, which cost a quarter of the time. `each` returns
    /// whether it wants more failing replies.
    pub fn grade_in_order(
        &self,
        workers: usize,
        each: &mut dyn FnMut(&mut GradedBatch) -> Result<bool, ScoreError>,
    ) -> Result<(), ScoreError> {
        let workers = workers.max(1);
        let batches = self.len().div_ceil(BATCH);
        let enough_failing = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let (receivers, returns): (Vec<Receiver<Batch>>, Vec<Sender<GradedBatch>>) = (0
                ..workers)
                .map(|worker| {
                    let (sender, receiver) = sync_channel(1);
                    let (give_back, given_back) = channel::<GradedBatch>();
                    let enough_failing = &enough_failing;
                    scope.spawn(move || {
                        let mut buffer = Vec::new();
                        for batch in (worker..batches).step_by(workers) {
                            let graded = self.batch(batch, enough_failing, &mut buffer);
                            let failed = graded.is_err();
                            // A closed channel: the reader stopped on an error.
                            if sender.send(graded).is_err() || failed {
                                return;
                            }
                            while let Ok(done) = given_back.try_recv() {
                                drop(done);
                            }
                        }
                        drop(sender);
                        // The last batches, once the reader is done with them.
                        for done in given_back {
                            drop(done);
                        }
                    });
                    (receiver, give_back)
                })
                .unzip();
            for batch in 0..batches {
                let mut graded = receivers[batch % workers]
                    .recv()
                    .expect("every worker sends each of its batches")?;
                if !each(&mut graded)? {
                    enough_failing.store(true, Ordering::Relaxed);
                }
                // A worker that has ended frees nothing more; drop it here.
                let _ = returns[batch % workers].send(graded);
            }
            drop(returns);
            Ok(())
        })
    }
}

/// The verdict on one key: `line` is its transcript line, `None` when the
/// key was never run.
pub fn grade_key(sample: &Indexed, line: Option<&Transcript>) -> Verdict {
    let mut verdict = Verdict {
        graded: false,
        pass: false,
        called: String::new(),
        error: String::new(),
        checks: Vec::new(),
    };
    let Some(line) = line else {
        verdict.error = "not run".into();
        return verdict;
    };
    let kind = ErrorKind::parse(&line.error_kind);
    verdict.error.clone_from(&line.error);
    if kind.is_some_and(|k| !k.is_gradable()) {
        return verdict;
    }
    verdict.graded = true;
    let checks = grade_reply(&sample.graded, line);
    verdict.called = line
        .reply
        .tool_calls
        .last()
        .map(|c| c.function.name.clone())
        .unwrap_or_default();
    verdict.pass = checks.iter().all(|c| c.pass);
    verdict.checks = checks;
    verdict
}

/// The checks of one reply: [`grade_turn`] on its words and last call,
/// with the `call` check failed for anything but exactly one call with
/// arguments that are a JSON object.
pub fn grade_reply(graded: &GradedTurn, line: &Transcript) -> Vec<CheckLine> {
    let calls = &line.reply.tool_calls;
    let arguments: Option<Map<String, Value>> = calls
        .last()
        .and_then(|c| serde_json::from_str::<Value>(&c.function.arguments).ok())
        .and_then(|v| match v {
            Value::Object(map) => Some(map),
            _ => None,
        });
    let text = words_of(graded, line, arguments.as_ref());
    let call = match (calls.last(), &arguments) {
        (Some(last), Some(arguments)) => Some((last.function.name.as_str(), arguments)),
        _ => None,
    };
    let mut checks: Vec<CheckLine> = grade_turn(graded, &Reply { text: &text, call })
        .into_iter()
        .map(|c| CheckLine {
            check: c.check,
            pass: c.pass,
            reason: c.reason,
        })
        .collect();
    let first = &mut checks[0];
    match (calls.len(), calls.last(), &arguments) {
        (_, Some(last), None) => {
            first.reason = format!(
                "the arguments of {} {}",
                last.function.name,
                crate::run::arguments_error(&last.function.arguments).unwrap_or_default()
            );
        }
        (n, Some(_), Some(_)) if n > 1 => {
            first.pass = false;
            first.reason =
                format!("{n} calls; a reply ends with exactly one (the last was graded)");
        }
        _ => {}
    }
    checks
}

/// The reply's words: its content, and the free text of its last call
/// (a question asked, a disclosure, a reason: the arguments graded as
/// `ignore`), which a model that only calls writes there.
fn words_of(
    graded: &GradedTurn,
    line: &Transcript,
    arguments: Option<&Map<String, Value>>,
) -> String {
    let mut text = line.reply.content.clone();
    if let Some(arguments) = arguments {
        for (name, how) in &graded.compare {
            if *how == Compare::Ignore
                && let Some(Value::String(words)) = arguments.get(name)
            {
                text.push('\n');
                text.push_str(words);
            }
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::Write;

    use super::locate;

    /// A transcripts file of `lines` (sample id, trial), each line padded
    /// to a different length so that the ranges split inside lines.
    fn transcripts(lines: &[(&str, u32)]) -> tempfile::NamedTempFile {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        for (n, (sample, trial)) in lines.iter().enumerate() {
            let pad = "x".repeat(n * 7 % 23);
            writeln!(
                file,
                r#"{{"sample_id":"{sample}","trial":{trial},"pad":"{pad}"}}"#
            )
            .unwrap();
        }
        file
    }

    fn index() -> HashMap<String, usize> {
        [("a", 0), ("b", 1), ("c", 2)]
            .map(|(k, v)| (k.to_owned(), v))
            .into()
    }

    #[test]
    fn any_number_of_ranges_finds_each_keys_latest_line() {
        let lines: Vec<(&str, u32)> = (0..40)
            .map(|n| (["a", "b", "c"][n % 3], (n % 2) as u32))
            .collect();
        let file = transcripts(&lines);
        let one = locate(file.path(), &index(), 2, 1).unwrap();
        assert!(one.iter().all(Option::is_some), "{one:?}");
        for parts in 2..=7 {
            assert_eq!(
                locate(file.path(), &index(), 2, parts).unwrap(),
                one,
                "{parts} parts"
            );
        }
        // The latest of the lines of (a, 0) is line 37 (n = 36).
        let offsets: Vec<u64> = std::fs::read(file.path())
            .unwrap()
            .split_inclusive(|&b| b == b'\n')
            .scan(0, |at, line| {
                let start = *at;
                *at += line.len() as u64;
                Some(start)
            })
            .collect();
        assert_eq!(one[0].unwrap().0, offsets[36]);
    }

    #[test]
    fn a_bad_line_in_a_later_range_is_named_by_its_line_in_the_file() {
        let mut lines = vec![("a", 0); 30];
        lines[25] = ("nobody", 0);
        let file = transcripts(&lines);
        for parts in 1..=4 {
            let error = locate(file.path(), &index(), 1, parts).unwrap_err();
            assert!(
                error.to_string().contains("line 26 is of sample 'nobody'"),
                "{parts} parts: {error}"
            );
        }
    }
}

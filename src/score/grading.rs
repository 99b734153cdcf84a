//! Grading a run: every key of the sample set × trials, in sample-set
//! order, against its transcript line (the latest one for the key), with
//! the checks of [`crate::grade`]. The transcript is read twice: once to
//! find each key's latest line, then line by line in key order, so the
//! output does not depend on the order replies came in and memory holds
//! only an offset per key.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};

use serde::Deserialize;
use serde_json::{Map, Value};

use super::ScoreError;
use crate::contract::golden::{Compare, ExpectedCall, Fact, GradedTurn};
use crate::contract::run::{ErrorKind, ReplyMessage, Transcript};
use crate::contract::sample::{ExpectedSampleCall, Sample, SampleMetadata};
use crate::contract::score::{CheckLine, GradeLine};
use crate::grade::{Reply, grade_turn};
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
/// `sample index × trials + trial`.
pub fn locate(
    path: &Path,
    index: &HashMap<String, usize>,
    trials: u32,
) -> Result<Vec<Option<(u64, u32)>>, ScoreError> {
    #[derive(Deserialize)]
    struct Key<'a> {
        #[serde(borrow)]
        sample_id: std::borrow::Cow<'a, str>,
        trial: u32,
    }
    let mut found = vec![None; index.len() * trials as usize];
    let file =
        crate::input::open_regular(path).map_err(|e| ScoreError::read(path, e.to_string()))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut line = Vec::new();
    let (mut offset, mut number) = (0u64, 0usize);
    loop {
        line.clear();
        let read = (&mut reader)
            .take(super::MAX_LINE + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| ScoreError::read(path, e.to_string()))?;
        if read == 0 {
            return Ok(found);
        }
        number += 1;
        // A torn last line (a run killed mid-write) is not a reply.
        if !line.ends_with(b"\n") {
            return Ok(found);
        }
        let key: Key = serde_json::from_slice(&line).map_err(|e| {
            ScoreError::read(path, format!("line {number} is not a transcript line: {e}"))
        })?;
        let Some(&sample) = index.get(key.sample_id.as_ref()) else {
            return Err(ScoreError::read(
                path,
                format!(
                    "line {number} is of sample '{}', which is not in the run's sample set",
                    key.sample_id
                ),
            ));
        };
        if key.trial < trials {
            found[sample * trials as usize + key.trial as usize] = Some((offset, read as u32));
        }
        offset += read as u64;
    }
}

/// Reads the transcript line at (offset, length).
pub fn read_at(
    file: &File,
    path: &Path,
    (offset, length): (u64, u32),
) -> Result<Transcript, ScoreError> {
    use std::os::unix::fs::FileExt;
    let mut bytes = vec![0; length as usize];
    file.read_exact_at(&mut bytes, offset)
        .map_err(|e| ScoreError::read(path, e.to_string()))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| ScoreError::read(path, format!("a transcript line at byte {offset}: {e}")))
}

/// One key graded: the grade, and what the summary and the results page
/// need of its transcript.
pub struct KeyGrade {
    /// The sample's number in set order.
    pub sample: usize,
    pub grade: GradeLine,
    pub latency_ms: Option<u64>,
    /// The reply, kept only when it failed.
    pub reply: Option<ReplyMessage>,
}

/// Consecutive keys graded by one worker: their lines of `grades.jsonl`
/// in one buffer, and the grades.
pub struct GradedBatch {
    pub lines: Vec<u8>,
    pub keys: Vec<KeyGrade>,
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

    fn grade(&self, key: usize, lines: &mut Vec<u8>) -> Result<KeyGrade, ScoreError> {
        let trials = self.trials as usize;
        let (number, trial) = (key / trials, key % trials);
        let line = match (self.located[key], self.transcripts) {
            (Some(at), Some((file, path))) => Some(read_at(file, path, at)?),
            _ => None,
        };
        let grade = grade_key(&self.samples[number], trial as u32, line.as_ref());
        serde_json::to_writer(&mut *lines, &grade).expect("grades serialize");
        lines.push(b'\n');
        let failed = grade.graded && !grade.pass;
        Ok(KeyGrade {
            sample: number,
            latency_ms: line.as_ref().map(|l| l.latency_ms),
            reply: line.filter(|_| failed).map(|l| l.reply),
            grade,
        })
    }

    fn batch(&self, batch: usize) -> Batch {
        let end = ((batch + 1) * BATCH).min(self.len());
        let mut lines = Vec::with_capacity(BATCH * 1536);
        let keys = (batch * BATCH..end)
            .map(|key| self.grade(key, &mut lines))
            .collect::<Result<_, _>>()?;
        Ok(GradedBatch { lines, keys })
    }

    /// Grades every key on `workers` threads and hands the batches to
    /// `each` in key order. Worker `w` grades batches `w`, `w + workers`,
    /// … and sends them down its own one-slot channel, so the order needs
    /// no reordering buffer and at most two batches per worker are held.
    /// Each batch goes back to its worker to be freed there: glibc's
    /// malloc frees memory from another thread's arena at a lock and a
    /// consolidation, which cost a quarter of the time.
    pub fn grade_in_order(
        &self,
        workers: usize,
        each: &mut dyn FnMut(&GradedBatch) -> Result<(), ScoreError>,
    ) -> Result<(), ScoreError> {
        let workers = workers.max(1);
        let batches = self.len().div_ceil(BATCH);
        std::thread::scope(|scope| {
            let (receivers, returns): (Vec<Receiver<Batch>>, Vec<Sender<GradedBatch>>) = (0
                ..workers)
                .map(|worker| {
                    let (sender, receiver) = sync_channel(1);
                    let (give_back, given_back) = channel::<GradedBatch>();
                    scope.spawn(move || {
                        for batch in (worker..batches).step_by(workers) {
                            let graded = self.batch(batch);
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
                let graded = receivers[batch % workers]
                    .recv()
                    .expect("every worker sends each of its batches")?;
                each(&graded)?;
                // A worker that has ended frees nothing more; drop it here.
                let _ = returns[batch % workers].send(graded);
            }
            drop(returns);
            Ok(())
        })
    }
}

/// The grade of one key: `line` is its transcript line, `None` when the
/// key was never run.
pub fn grade_key(sample: &Indexed, trial: u32, line: Option<&Transcript>) -> GradeLine {
    let mut grade = GradeLine {
        sample_id: sample.sample_id.clone(),
        scenario_id: sample.scenario_id.clone(),
        trial,
        graded: false,
        pass: false,
        expected: sample.graded.expected_call.name.clone(),
        called: String::new(),
        error: String::new(),
        checks: Vec::new(),
        metadata: sample.metadata.clone(),
    };
    let Some(line) = line else {
        grade.error = "not run".into();
        return grade;
    };
    let kind = ErrorKind::parse(&line.error_kind);
    grade.error.clone_from(&line.error);
    if kind.is_some_and(|k| !k.is_gradable()) {
        return grade;
    }
    grade.graded = true;
    let checks = grade_reply(&sample.graded, line);
    grade.called = line
        .reply
        .tool_calls
        .last()
        .map(|c| c.function.name.clone())
        .unwrap_or_default();
    grade.pass = checks.iter().all(|c| c.pass);
    grade.checks = checks;
    grade
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

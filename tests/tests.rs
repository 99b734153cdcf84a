//! All integration tests, in one binary so it links once.

// The CLI as a new user meets it: help, serve's address, sizes, seeds,
// --resume's layouts, completions.
mod cli_first_use;
// `coverage manifest` as a user runs it: the summary table, JSON, bad ids.
mod cli_manifest;
// Scenario content: facts decide bins, coherence, variety, no leaking words;
// the generator imports no cycle and never the checker.
mod content;
// `coverage diff`: seeds 42 and 7, manifest files, --fail-on-removed, bad input.
mod diff;
// Schemas, `coverage validate` and `coverage show`.
mod documents;
// Each rule's counts before and after, the spec totals, cap properties.
mod engine_rules;
// `coverage generate` and `coverage merge` end to end.
mod generate_cli;
// `coverage samples`, `run`, `grade` and `compare` against a scripted
// endpoint with faults, and a real model when .ci/run serves one.
mod evaluate;
// `coverage export` to each harness, its graders against ours, and inspect
// and promptfoo run on an export against the real model.
mod exports;
// Version discipline (which bump a change needs), the committed lock and
// docs/taxonomy.md are current.
mod governance;
// The job API from the library: concurrent jobs, cancellation, events,
// locks, symbolic links, and the validator's content and tree checks.
mod jobs;
// The conversation generator over every kept scenario.
mod generation;
// `coverage report` and `coverage cost`: snapshots, t-way brute force,
// token counts, the estimate against a generated dataset, Chromium.
mod reports;
// Editing the real taxonomy breaks `cargo build`; undoing the edit mends it.
mod rebuild;
// `coverage serve`: handlers, and a real server on 127.0.0.1.
mod server;
// Large runs: variants, batches, guardrails, metrics, flat memory.
mod scale;
// Covering subsets: brute-force coverage, sizes, budgets, --keep-from
// stability, same bytes, bad input.
mod subsets;
// Scenario ids: stable across runs, seeds, reorders and appends.
mod scenario_ids;
// Shared helpers: paths and taxonomy loading.
mod support;
// The Coverage Generator page: components, routes, headless Chromium.
mod page;
// Every validator check on a fixture, with its exact rendered message.
mod validation;
// `coverage validate` against hostile files: bounded reads, flat memory,
// `--max-problems` stopping the reading.
mod validate_limits;

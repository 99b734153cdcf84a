//! What running the planned datasets against a model would cost, worked
//! out from the plan alone: each kept scenario's conversation is generated
//! in memory (never written) and its graded turns are tokenized; files of
//! every layout then sum their scenarios. Rates come from a [`Rates`] file.

pub mod rates;
pub mod tokens;

use std::collections::BTreeMap;

use crate::contract::files::Layout;
use crate::contract::report_doc::{CostEstimate, CostFigures, LayoutCost, ModelCost};
use crate::coverage::{Coverage, Selection};
use crate::generate::{Deal, generate_in_run, tools};
use crate::job::plan;
use crate::taxonomy::Scenario;

pub use rates::{DEFAULT_RATES, Rate, Rates, RatesError};
pub use tokens::{ConversationTokens, Counter, Encoding, MESSAGE_OVERHEAD, REPLY_PRIMING};

/// The model priced when none is named.
pub const DEFAULT_MODEL: &str = "gpt-4o";

/// Output tokens assumed for the final reply, which has no reference reply:
/// two or three sentences (about 60 tokens) and one action call with its
/// arguments (about 40).
pub const DEFAULT_FINAL_REPLY_TOKENS: u32 = 100;

/// What to estimate.
#[derive(Clone, Debug)]
pub struct CostSpec {
    /// Model ids, each with a rate in `rates`.
    pub models: Vec<String>,
    /// Runs of every graded turn; at least 1.
    pub trials: u32,
    /// Output tokens per graded turn, instead of the reference replies.
    pub output_tokens: Option<u32>,
    pub layouts: Vec<Layout>,
    /// Conversations per kept scenario, as `generate --variants` writes
    /// them; every variant is generated and counted.
    pub variants: u32,
}

/// The tools JSON sent with every request, as datasets carry it.
pub fn tools_json() -> String {
    serde_json::to_string(&tools()).expect("tools serialize")
}

/// The tokens of every kept scenario of `selection` (all its `variants`
/// summed), in grid order, counted with `encoding`: scenarios are
/// generated and counted on every core.
pub fn scenario_tokens(
    coverage: &Coverage,
    selection: &Selection,
    encoding: Encoding,
    variants: u32,
) -> Vec<(Scenario, ConversationTokens)> {
    let scenarios: Vec<Scenario> = coverage.kept(selection).collect();
    tokens_of(coverage, &scenarios, encoding, variants)
}

/// The tokens of each of `scenarios`, as [`scenario_tokens`] counts them.
fn tokens_of(
    coverage: &Coverage,
    scenarios: &[Scenario],
    encoding: Encoding,
    variants: u32,
) -> Vec<(Scenario, ConversationTokens)> {
    let deal = Deal::new(coverage);
    let tools = tools_json();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = scenarios.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        // Loading a BPE takes a fraction of a second: overlap it with generation.
        let loading = scope.spawn(move || encoding.count(""));
        let workers: Vec<_> = scenarios
            .chunks(chunk)
            .map(|part| {
                let (tools, deal) = (&tools, &deal);
                scope.spawn(move || {
                    let mut counter = Counter::new(encoding, tools);
                    part.iter()
                        .map(|scenario| {
                            let mut sum = ConversationTokens::default();
                            for variant in 0..variants.max(1) {
                                let g = generate_in_run(deal, scenario, variant, variants, "");
                                sum.add(&counter.conversation(&g.conversation, &g.golden));
                            }
                            (*scenario, sum)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        loading.join().expect("the tokenizer loads");
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("a token counter panicked"))
            .collect()
    })
}

/// The estimate of `spec` for `selection`, or the first model with no rate.
pub fn estimate(
    coverage: &Coverage,
    selection: &Selection,
    rates: &Rates,
    spec: &CostSpec,
) -> Result<CostEstimate, RatesError> {
    let kept: Vec<Scenario> = coverage.kept(selection).collect();
    estimate_of(coverage, selection, &kept, rates, spec)
}

/// The estimate of `spec` for running only `scenarios` (kept scenarios of
/// `selection`, e.g. a covering subset), or the first model with no rate.
pub fn estimate_of(
    coverage: &Coverage,
    selection: &Selection,
    scenarios: &[Scenario],
    rates: &Rates,
    spec: &CostSpec,
) -> Result<CostEstimate, RatesError> {
    let chosen: Vec<(&String, &Rate)> = spec
        .models
        .iter()
        .map(|model| rates.rate(model).map(|rate| (model, rate)))
        .collect::<Result<_, _>>()?;
    let mut counted: BTreeMap<Encoding, Vec<(Scenario, ConversationTokens)>> = BTreeMap::new();
    let files = plan(selection, &spec.layouts);
    let trials = spec.trials.max(1);
    let models = chosen
        .into_iter()
        .map(|(model, rate)| {
            let (encoding, approximate) = Encoding::for_model(model, rate.tokenizer);
            let tokens = counted
                .entry(encoding)
                .or_insert_with(|| tokens_of(coverage, scenarios, encoding, spec.variants));
            let output_tokens = |t: &ConversationTokens| {
                t.output_tokens(spec.output_tokens, DEFAULT_FINAL_REPLY_TOKENS) * u64::from(trials)
            };
            let mut one_pass = CostFigures::default();
            for (_, t) in tokens.iter() {
                one_pass.conversations += spec.variants.max(1) as usize;
                one_pass.graded_turns += t.graded_turns;
                one_pass.input_tokens += t.input_tokens * u64::from(trials);
                one_pass.output_tokens += output_tokens(t);
            }
            price(&mut one_pass, rate);
            let mut layouts: Vec<LayoutCost> = Vec::new();
            for file in &files {
                let mut sum = ConversationTokens::default();
                let mut conversations = 0;
                for (_, t) in tokens.iter().filter(|(s, _)| file.holds(s)) {
                    sum.add(t);
                    conversations += spec.variants.max(1) as usize;
                }
                let figures = CostFigures {
                    files: 1,
                    conversations,
                    graded_turns: sum.graded_turns,
                    input_tokens: sum.input_tokens * u64::from(trials),
                    output_tokens: sum
                        .output_tokens(spec.output_tokens, DEFAULT_FINAL_REPLY_TOKENS)
                        * u64::from(trials),
                    ..CostFigures::default()
                };
                match layouts.iter_mut().find(|l| l.layout == file.layout) {
                    Some(layout) => layout.figures.add(&figures),
                    None => layouts.push(LayoutCost {
                        layout: file.layout,
                        figures,
                    }),
                }
            }
            let mut total = CostFigures::default();
            for layout in &mut layouts {
                price(&mut layout.figures, rate);
                total.add(&layout.figures);
            }
            price(&mut total, rate);
            ModelCost {
                model: model.clone(),
                tokenizer: encoding.id().to_owned(),
                approximate,
                input_per_million: rate.input_per_million,
                output_per_million: rate.output_per_million,
                one_pass,
                layouts,
                total,
            }
        })
        .collect();
    Ok(CostEstimate {
        trials,
        output_tokens: spec.output_tokens,
        final_reply_tokens: DEFAULT_FINAL_REPLY_TOKENS,
        rates_date: rates.date.clone(),
        rates_source: rates.source.clone(),
        models,
    })
}

/// Sets the costs of `figures` from its tokens, so that every cost is
/// priced once from a token sum (no sums of rounded parts).
fn price(figures: &mut CostFigures, rate: &Rate) {
    figures.input_cost = figures.input_tokens as f64 * rate.input_per_million / 1e6;
    figures.output_cost = figures.output_tokens as f64 * rate.output_per_million / 1e6;
    figures.cost = figures.input_cost + figures.output_cost;
}

/// What running `subset` once against [`DEFAULT_MODEL`] at the shipped
/// rates costs: one conversation per scenario, one trial.
pub fn subset_cost(
    coverage: &Coverage,
    selection: &Selection,
    subset: &crate::contract::subset::Subset,
) -> crate::contract::subset::SubsetCost {
    let rates = Rates::shipped();
    let spec = CostSpec {
        models: vec![DEFAULT_MODEL.to_owned()],
        trials: 1,
        output_tokens: None,
        layouts: vec![Layout::Global],
        variants: 1,
    };
    let scenarios = crate::subset::scenarios_of(subset);
    let estimate = estimate_of(coverage, selection, &scenarios, &rates, &spec)
        .expect("the shipped rates price the default model");
    let total = &estimate.models[0].one_pass;
    crate::contract::subset::SubsetCost {
        model: DEFAULT_MODEL.to_owned(),
        rates_date: estimate.rates_date.clone(),
        conversations: total.conversations,
        input_tokens: total.input_tokens,
        output_tokens: total.output_tokens,
        cost_usd: total.cost,
    }
}

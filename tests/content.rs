//! Scenario content (spec `scenario-content.md`) over every kept scenario
//! of seeds 42, 7 and 1234: bins and decision recomputed from
//! `environment` + `user_facts`, coherence with the broken rule named, a
//! user-text-only heuristic that cannot name the decision, corrections that
//! flip it, catalogue and wording variety, determinism.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use coverage::content_check::{check, recompute, recompute_with, uncorrected};
use coverage::contract::dataset::{Conversation, Role};
use coverage::generate::{Generated, generate, generate_variant, pair_dataset_id};
use coverage::{Behavior, Coverage, Decision, Domain, Scenario, Selection};

use crate::support::deal;

const SEEDS: [u64; 3] = [42, 7, 1234];

fn kept(seed: u64) -> Vec<Scenario> {
    Coverage::evaluate(seed).kept(&Selection::all()).collect()
}

/// Every scenario `seed` keeps, with its conversation and golden entry for
/// that seed, made once.
fn generated(seed: u64) -> &'static [Generated] {
    static SETS: OnceLock<BTreeMap<u64, Vec<Generated>>> = OnceLock::new();
    let sets = SETS.get_or_init(|| {
        SEEDS
            .iter()
            .map(|&seed| {
                let deal = deal(seed);
                let set = kept(seed)
                    .iter()
                    .map(|s| generate(&deal, s, &pair_dataset_id(s)))
                    .collect();
                (seed, set)
            })
            .collect()
    });
    &sets[&seed]
}

fn user_turns(c: &Conversation) -> Vec<&str> {
    c.turns
        .iter()
        .filter(|t| t.role == Role::User)
        .map(|t| t.content.as_str())
        .collect()
}

#[test]
fn bins_and_decision_follow_from_environment_and_user_facts() {
    for seed in SEEDS {
        for g in generated(seed) {
            let c = &g.conversation;
            let bins = recompute(c).unwrap_or_else(|e| panic!("{}: {e}", c.id));
            assert_eq!(bins.scenario, c.scenario(), "{}", c.id);
            assert_eq!(
                bins.brand_stated,
                c.axes.brand_bias != coverage::BrandBias::None,
                "{}",
                c.id
            );
            assert_eq!(bins.decision, g.golden.final_outcome.decision, "{}", c.id);
        }
    }
}

#[test]
fn every_conversation_is_coherent() {
    let mut problems = Vec::new();
    for seed in SEEDS {
        for g in generated(seed) {
            problems.extend(
                check(&g.conversation, &g.golden)
                    .into_iter()
                    .map(|p| format!("seed {seed}: {p}")),
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems ({:?}), first ones:\n{}",
        problems.len(),
        problems
            .iter()
            .filter_map(|p| p.split('[').nth(1)?.split(']').next())
            .collect::<BTreeSet<_>>(),
        problems[..problems.len().min(20)].join("\n")
    );
}

/// The schema-2 script: stock words and the numbers of the policy
/// sentence, nothing else (the user's words are all it reads).
fn user_text_heuristic(text: &str) -> Decision {
    let lower = text.to_lowercase();
    if lower.contains("out of stock") {
        return Decision::OfferAlternative;
    }
    if lower.contains("backorder") {
        return Decision::FulfillWithDisclosure;
    }
    let numbers: Vec<f64> = lower
        .split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter_map(|w| w.trim_matches('.').parse().ok())
        .collect();
    if let [.., value, limit] = numbers.as_slice() {
        if value > limit {
            return Decision::Decline;
        }
        if *value >= 0.8 * limit {
            return Decision::FulfillWithDisclosure;
        }
    }
    Decision::Fulfill
}

#[test]
fn reading_only_the_users_words_does_not_name_the_decision() {
    for seed in SEEDS {
        let set = generated(seed);
        let mut user_only = 0;
        let mut domain_aware = 0;
        let mut from_environment = 0;
        for g in set {
            let decision = g.golden.final_outcome.decision;
            let text = user_turns(&g.conversation).join(" ");
            user_only += usize::from(user_text_heuristic(&text) == decision);
            domain_aware += usize::from(domain_aware_heuristic(g) == decision);
            from_environment +=
                usize::from(recompute(&g.conversation).map(|b| b.decision) == Ok(decision));
        }
        let share = user_only as f64 / set.len() as f64;
        let aware = domain_aware as f64 / set.len() as f64;
        eprintln!(
            "seed {seed}: user-text heuristic {:.1}%, with typical limits {:.1}%, environment + user_facts {:.1}%",
            100.0 * share,
            100.0 * aware,
            100.0 * from_environment as f64 / set.len() as f64
        );
        assert!(
            share <= 0.60,
            "seed {seed}: the user's words name {share:.3}"
        );
        assert!(aware <= 0.60, "seed {seed}: typical limits name {aware:.3}");
        assert_eq!(from_environment, set.len(), "seed {seed}");
    }
}

#[test]
fn corrections_record_the_fact_and_often_flip_the_decision() {
    for seed in SEEDS {
        let mut corrections = 0;
        let mut flipped = 0;
        let mut fields = BTreeSet::new();
        for g in generated(seed) {
            let c = &g.conversation;
            if c.behavior != Behavior::UserCorrections {
                continue;
            }
            let facts = c.user_facts.as_ref().unwrap();
            let corrected = facts.corrected.as_ref().expect("corrected is recorded");
            fields.insert(format!("{:?}", corrected.field));
            let first = uncorrected(facts).unwrap();
            let before = recompute_with(c, &first).unwrap().decision;
            corrections += 1;
            flipped += usize::from(before != g.golden.final_outcome.decision);
        }
        let rate = flipped as f64 / corrections as f64;
        eprintln!(
            "seed {seed}: {flipped} of {corrections} corrections flip the decision ({:.1}%)",
            100.0 * rate
        );
        assert!(rate >= 0.40, "seed {seed}: flip rate {rate:.3}");
        assert_eq!(fields.len(), 4, "every field gets corrected: {fields:?}");
    }
}

#[test]
fn every_domain_uses_at_least_24_catalogue_items() {
    for seed in SEEDS {
        let mut items: BTreeMap<Domain, BTreeSet<String>> = BTreeMap::new();
        for g in generated(seed) {
            let c = &g.conversation;
            items
                .entry(c.domain)
                .or_default()
                .insert(c.user_facts.as_ref().unwrap().item_id.clone());
        }
        for (domain, set) in &items {
            assert!(
                set.len() >= 24,
                "seed {seed}: {domain} uses {} items",
                set.len()
            );
        }
        let least = items.values().map(BTreeSet::len).min().unwrap();
        eprintln!("seed {seed}: at least {least} distinct requested items per domain");
    }
}

/// Sentences of a user turn: split after `.`, `!` or `?` and at line ends;
/// the numbers of a numbered list are not sentences.
fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let unnumbered: Vec<&str> = text
        .lines()
        .map(|line| {
            line.split_once(". ")
                .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .map_or(line, |(_, rest)| rest)
        })
        .collect();
    let chars: Vec<char> = unnumbered.join("\n").chars().collect();
    for (i, &ch) in chars.iter().enumerate() {
        if ch == '\n' {
            out.push(std::mem::take(&mut current));
            continue;
        }
        current.push(ch);
        let end = matches!(ch, '.' | '!' | '?')
            && chars.get(i + 1).is_none_or(|n| *n == ' ' || *n == '\n');
        if end {
            out.push(std::mem::take(&mut current));
        }
    }
    out.push(current);
    out.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

#[test]
fn wording_varies_first_messages_are_distinct_and_no_sentence_dominates() {
    for seed in SEEDS {
        let set = generated(seed);
        let firsts: BTreeSet<&str> = set.iter().map(|g| user_turns(&g.conversation)[0]).collect();
        let distinct = firsts.len() as f64 / set.len() as f64;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for g in set {
            let mut seen = BTreeSet::new();
            for turn in user_turns(&g.conversation) {
                seen.extend(sentences(turn));
            }
            for sentence in seen {
                *counts.entry(sentence).or_default() += 1;
            }
        }
        let (top, count) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
        let share = *count as f64 / set.len() as f64;
        eprintln!(
            "seed {seed}: {:.1}% distinct first messages; most frequent user sentence in {:.2}%: {top:?}",
            100.0 * distinct,
            100.0 * share
        );
        assert!(
            distinct >= 0.70,
            "seed {seed}: {distinct:.3} distinct first messages"
        );
        assert!(
            share <= 0.03,
            "seed {seed}: {top:?} in {share:.4} of conversations"
        );
    }
}

#[test]
fn traps_sit_in_varied_places_and_demand_what_the_golden_forbids() {
    let mut places = BTreeSet::new();
    let mut demands = BTreeSet::new();
    for g in generated(42) {
        let Some(trap) = &g.golden.trap else { continue };
        let users = user_turns(&g.conversation);
        let place = if trap.turn > 0 {
            "own turn"
        } else {
            let text = users[0];
            let sentences = sentences(text);
            let first = &sentences[0];
            if text.starts_with(first.as_str())
                && g.conversation.turns.len() == 1
                && first.contains(['[', '<'])
            {
                "start"
            } else {
                "in the message"
            }
        };
        places.insert(place);
        demands.insert(
            serde_json::to_value(&trap.demands).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert!(places.len() >= 2, "{places:?}");
    assert_eq!(demands.len(), 3, "{demands:?}");
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_variants_differ() {
    let scenarios = &kept(42)[..200];
    let deal = deal(42);
    let json = |variant: u32| {
        let all: Vec<Generated> = scenarios
            .iter()
            .map(|s| generate_variant(&deal, s, variant, &pair_dataset_id(s)))
            .collect();
        serde_json::to_string(
            &all.iter()
                .map(|g| (&g.conversation, &g.golden))
                .collect::<Vec<_>>(),
        )
        .unwrap()
    };
    assert_eq!(json(0), json(0));
    let base: Vec<&Generated> = generated(42)[..200].iter().collect();
    let again: Vec<Generated> = scenarios
        .iter()
        .map(|s| generate(&deal, s, &pair_dataset_id(s)))
        .collect();
    assert!(base.iter().zip(&again).all(|(a, b)| *a == b));
    assert_ne!(json(0), json(1));
}

#[test]
fn the_fixtures_hold_three_times_the_schema_2_user_phrasings() {
    use coverage::taxonomy::FIXTURES;
    // Schema 2 had 156 user phrasings (clauses, corrections, traps,
    // requirements, and per domain requests, openings and policy wording).
    let user = &FIXTURES.user;
    let lists = user.price.iter().chain(user.brand.iter());
    let shared: usize = lists.map(|l| l.len()).sum::<usize>()
        + user.single.len()
        + user.several.len()
        + user.closing.len()
        + user.requirements.len()
        + user.policy_requirements.len();
    let c = &FIXTURES.corrections;
    let corrections = c.budget.len() + c.brand.len() + c.policy_value.len() + c.item.len();
    let traps: usize = FIXTURES
        .traps
        .iter()
        .map(|t| t.price.len() + t.limit.len() + t.offer.len())
        .sum();
    let domains: usize = FIXTURES
        .domains
        .iter()
        .map(|d| d.requests.len() + d.openings.len() + d.policy.phrasings.len())
        .sum();
    let total = shared + corrections + traps + domains;
    assert!(total >= 3 * 156, "{total} user phrasings");
    for domain in FIXTURES.domains.iter() {
        let items = domain.items.len();
        assert!(items >= 24, "{} has {items} items", domain.policy.id);
    }
}

#[test]
fn the_schema_docs_show_one_current_example_per_behavior() {
    let docs = std::fs::read_to_string(crate::support::root().join("docs/schemas.md")).unwrap();
    let mut behaviors = BTreeSet::new();
    let deal = deal(42);
    for block in docs.split("<!-- example: ").skip(1) {
        let (id, rest) = block.split_once(" -->").unwrap();
        let json = rest
            .split_once("```json\n")
            .and_then(|(_, after)| after.split_once("\n```"))
            .map(|(json, _)| json)
            .unwrap();
        let shown: serde_json::Value = serde_json::from_str(json).unwrap();
        let scenario: Scenario = id.parse().unwrap();
        let g = generate(&deal, &scenario, &pair_dataset_id(&scenario));
        let expected = serde_json::json!({"conversation": g.conversation, "golden": g.golden});
        assert!(
            shown == expected,
            "docs/schemas.md shows a stale {id}; refresh it with `coverage show {id} --json`"
        );
        behaviors.insert(scenario.behavior);
    }
    assert_eq!(behaviors.len(), Behavior::ALL.len(), "{behaviors:?}");
}

/// A stronger user-only script: it also knows each domain's typical policy
/// limit (the middle one of `docs/domains.md`) and the user's value, but not
/// this store's limit, and it cannot see stock.
fn domain_aware_heuristic(g: &Generated) -> Decision {
    let c = &g.conversation;
    let facts = c.user_facts.as_ref().unwrap();
    let documented = coverage::taxonomy::FIXTURES.domains[c.domain.index()]
        .policy
        .limits[1];
    let value = facts.policy_value;
    if value > documented {
        return match c.domain {
            Domain::TrustSafetyFraud | Domain::CustomerSupportEscalations => Decision::Escalate,
            _ => Decision::Decline,
        };
    }
    if value >= 0.8 * documented {
        return Decision::FulfillWithDisclosure;
    }
    Decision::Fulfill
}

#[test]
fn bins_follow_spec_section_3_at_their_edges() {
    use coverage_core::{availability_bin, policy_bin, price_bin, value_range};
    // Price: low 0 < s <= 10%, medium 10% < s < 30%, high s >= 30%.
    assert_eq!(price_bin(0.0), None);
    assert_eq!(price_bin(0.10), Some(0));
    assert_eq!(price_bin(0.1001), Some(1));
    assert_eq!(price_bin(0.2999), Some(1));
    assert_eq!(price_bin(0.30), Some(2));
    // Availability: 10+ in stock, 1-9 low, 0 with restock backorder, 0 out.
    assert_eq!(availability_bin(10, None), 0);
    assert_eq!(availability_bin(9, None), 1);
    assert_eq!(availability_bin(1, None), 1);
    assert_eq!(availability_bin(0, Some(3)), 2);
    assert_eq!(availability_bin(0, None), 3);
    // Policy: within v < 0.8 L, near 0.8 L <= v <= L, out v > L.
    assert_eq!(policy_bin(23.0, 30.0), 0);
    assert_eq!(policy_bin(24.0, 30.0), 1);
    assert_eq!(policy_bin(30.0, 30.0), 1);
    assert_eq!(policy_bin(31.0, 30.0), 2);
    // Whole values drawn from percents of the limit stay inside the bin.
    assert_eq!(value_range(5.0, [10.0, 75.0], 0), Some([1, 3]));
    assert_eq!(value_range(5.0, [80.0, 100.0], 1), Some([4, 5]));
    assert_eq!(value_range(5.0, [120.0, 250.0], 2), Some([6, 12]));
    assert_eq!(value_range(4.0, [80.0, 82.0], 1), None);
}

#[test]
fn validate_can_check_a_pair_of_documents_and_names_the_rule() {
    use coverage::assemble::{INITIAL_VERSION, assemble};
    use coverage::content_check::check_documents;
    let selection = Selection::new([Domain::ReturnsRefundsExchanges], []);
    let (dataset, golden) = assemble(
        "commerce.returns_refunds_exchanges.combined",
        Coverage::evaluate(42).kept(&selection),
        &deal(42),
        INITIAL_VERSION,
    );
    let dataset = serde_json::to_value(&dataset).unwrap();
    let mut golden = serde_json::to_value(&golden).unwrap();
    assert_eq!(check_documents(&dataset, &golden), vec![]);
    golden["entries"][5]["policy_flags"]["requires_disclosure"] = serde_json::json!(
        !golden["entries"][5]["policy_flags"]["requires_disclosure"]
            .as_bool()
            .unwrap()
    );
    let last = golden["entries"][9]["graded_turns"]
        .as_array()
        .unwrap()
        .len()
        - 1;
    golden["entries"][9]["graded_turns"][last]["expected_call"]["name"] =
        serde_json::json!("refund");
    let problems = check_documents(&dataset, &golden);
    assert!(
        problems
            .iter()
            .any(|(at, m)| at == "/entries/5" && m.starts_with("[flags] requires_disclosure")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|(at, m)| at == "/entries/9" && m.starts_with("[call-schema] turn")),
        "{problems:?}"
    );
}

/// The files of `src/generate/` (`mod` for `mod.rs`) and, for each, the
/// ones it imports: `super::x` names file `x`, or an item of `mod` when
/// `x` is no file; `mod` imports the modules it declares.
fn generate_imports() -> BTreeMap<String, BTreeSet<String>> {
    let dir = crate::support::root().join("src/generate");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .map(|path| path.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files
        .iter()
        .map(|file| {
            let source = std::fs::read_to_string(dir.join(format!("{file}.rs"))).unwrap();
            let mut imports: BTreeSet<String> = source
                .split("super::")
                .skip(1)
                .map(|after| {
                    let name: String = after
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if files.contains(&name) {
                        name
                    } else {
                        "mod".to_owned()
                    }
                })
                .collect();
            if file == "mod" {
                imports.extend(
                    files
                        .iter()
                        .filter(|other| source.contains(&format!("mod {other};")))
                        .cloned(),
                );
            }
            (file.clone(), imports)
        })
        .collect()
}

#[test]
fn the_generator_imports_no_cycle_and_never_the_checker() {
    let imports = generate_imports();
    assert!(imports.contains_key("facts"), "{imports:?}");
    for (file, used) in &imports {
        let source =
            std::fs::read_to_string(crate::support::root().join(format!("src/generate/{file}.rs")))
                .unwrap();
        let code = source.lines().filter(|l| !l.trim_start().starts_with("//"));
        assert!(
            !code.into_iter().any(|l| l.contains("content_check")),
            "src/generate/{file}.rs imports the checker"
        );
        // Depth-first from each file: no path leads back to it.
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&String> = used.iter().collect();
        while let Some(next) = stack.pop() {
            assert_ne!(next, file, "src/generate/{file}.rs is on an import cycle");
            if seen.insert(next) {
                stack.extend(&imports[next]);
            }
        }
    }
}

#[test]
fn each_coherence_rule_names_what_breaks_it() {
    let g = generated(42)
        .iter()
        .find(|g| {
            g.golden.final_outcome.decision == Decision::Fulfill
                && g.conversation.behavior == Behavior::HappyPath
        })
        .unwrap();
    let broken = |edit: &dyn Fn(&mut coverage::contract::dataset::Conversation)| {
        let mut conversation = g.conversation.clone();
        edit(&mut conversation);
        check(&conversation, &g.golden)
            .into_iter()
            .map(|p| p.rule)
            .collect::<BTreeSet<_>>()
    };
    let say = |words: &'static str| {
        move |c: &mut coverage::contract::dataset::Conversation| {
            c.turns[0].content.push_str(words);
        }
    };
    assert!(
        broken(&say(" I want it as a replacement for the broken one.")).contains("replacement")
    );
    assert!(broken(&say(" My account was hacked yesterday.")).contains("risk-signal"));
    assert!(
        broken(&say(" A competitor has it cheaper, so price match it.")).contains("price-match")
    );
    let mut doubled = g.conversation.clone();
    let environment = doubled.environment.as_mut().unwrap();
    let other = environment
        .catalog
        .iter_mut()
        .find(|i| i.id != g.conversation.user_facts.as_ref().unwrap().item_id)
        .unwrap();
    other.name = format!("{} {}", other.name, other.name.rsplit(' ').next().unwrap());
    let rules: BTreeSet<_> = check(&doubled, &g.golden)
        .into_iter()
        .map(|p| p.rule)
        .collect();
    assert!(rules.contains("naming"), "{rules:?}");
    assert!(broken(&|c| c.turns[0].content = "Hello there.".into()).contains("opening"));
}

/// Found by a solver that reads only the prompt and the user's turns: a
/// customer who said "Cascade only" and then corrected the item to a
/// Purora one was graded as requiring Purora.
#[test]
fn an_item_correction_keeps_the_brand_the_customer_requires() {
    use coverage::contract::dataset::CorrectedField;
    let mut checked = 0;
    for g in generated(7) {
        let facts = g.conversation.user_facts.as_ref().unwrap();
        let Some(corrected) = &facts.corrected else {
            continue;
        };
        let (CorrectedField::ItemId, Some(brand)) = (corrected.field, &facts.brand) else {
            continue;
        };
        let catalog = &g.conversation.environment.as_ref().unwrap().catalog;
        let first = catalog
            .iter()
            .find(|i| Some(i.id.as_str()) == corrected.from.as_str())
            .unwrap();
        assert_eq!(&first.brand, brand, "{}", g.conversation.id);
        checked += 1;
        // The checker names the contradiction when it is there.
        if let Some(other) = catalog.iter().find(|i| i.brand != *brand) {
            let mut broken = g.conversation.clone();
            let facts = broken.user_facts.as_mut().unwrap();
            facts.corrected.as_mut().unwrap().from = serde_json::json!(other.id);
            let rules: BTreeSet<_> = check(&broken, &g.golden)
                .into_iter()
                .map(|p| p.rule)
                .collect();
            assert!(rules.contains("correction"), "{rules:?}");
        }
    }
    assert!(checked > 0);
}

/// The column shape a loader infers from JSON values: objects by their
/// keys, arrays by their elements, and the leaf types. `null` and `[]` say
/// nothing yet and take the shape of a value beside them.
#[derive(Clone, Debug, PartialEq)]
enum Shape {
    Unknown,
    Leaf(&'static str),
    List(Box<Shape>),
    Object(std::collections::BTreeMap<String, Shape>),
}

fn shape(value: &serde_json::Value) -> Shape {
    use serde_json::Value;
    match value {
        Value::Null => Shape::Unknown,
        Value::Bool(_) => Shape::Leaf("bool"),
        Value::Number(n) if n.is_f64() => Shape::Leaf("float"),
        Value::Number(_) => Shape::Leaf("int"),
        Value::String(_) => Shape::Leaf("string"),
        Value::Array(items) => Shape::List(Box::new(
            items
                .iter()
                .map(shape)
                .fold(Shape::Unknown, |a, b| merge(a, b, "[]")),
        )),
        Value::Object(map) => {
            Shape::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
    }
}

/// Two shapes as one column, or a panic naming where they differ.
fn merge(a: Shape, b: Shape, at: &str) -> Shape {
    match (a, b) {
        (Shape::Unknown, other) | (other, Shape::Unknown) => other,
        (Shape::List(a), Shape::List(b)) => {
            Shape::List(Box::new(merge(*a, *b, &format!("{at}[]"))))
        }
        (Shape::Object(a), Shape::Object(b)) => {
            let keys = |m: &std::collections::BTreeMap<String, Shape>| {
                m.keys().cloned().collect::<Vec<_>>()
            };
            assert_eq!(keys(&a), keys(&b), "{at}: rows have different keys");
            let mut b = b;
            Shape::Object(
                a.into_iter()
                    .map(|(k, v)| {
                        let other = b.remove(&k).unwrap();
                        let merged = merge(v, other, &format!("{at}.{k}"));
                        (k, merged)
                    })
                    .collect(),
            )
        }
        (a, b) => {
            assert_eq!(a, b, "{at}: two types");
            a
        }
    }
}

/// Spec §8: `datasets.load_dataset("json", data_files=<every file>)` takes
/// the first file's columns and casts every other file to them, whatever
/// the order. So every per-pair file has the same shape, and no column of
/// any file is left unknown (all null, or only empty lists) where another
/// file holds values.
#[test]
fn every_file_of_a_tree_has_the_same_columns() {
    let mut files: std::collections::BTreeMap<(Domain, Behavior), (Shape, Shape)> =
        Default::default();
    for g in generated(42) {
        let key = (g.conversation.domain, g.conversation.behavior);
        let row = shape(&serde_json::to_value(&g.conversation).unwrap());
        let entry = shape(&serde_json::to_value(&g.golden).unwrap());
        let (datasets, goldens) = files
            .remove(&key)
            .unwrap_or((Shape::Unknown, Shape::Unknown));
        files.insert(
            key,
            (
                merge(datasets, row, "conversation"),
                merge(goldens, entry, "entry"),
            ),
        );
    }
    let mut shapes = files.into_values();
    let (first_dataset, first_golden) = shapes.next().unwrap();
    fn known(shape: &Shape, at: &str, unknown: &mut Vec<String>) {
        match shape {
            Shape::Unknown => unknown.push(at.to_owned()),
            Shape::Leaf(_) => {}
            Shape::List(inner) => known(inner, &format!("{at}[]"), unknown),
            Shape::Object(map) => map
                .iter()
                .for_each(|(k, v)| known(v, &format!("{at}.{k}"), unknown)),
        }
    }
    for (dataset, golden) in shapes {
        assert_eq!(
            dataset, first_dataset,
            "a dataset file differs in its columns"
        );
        assert_eq!(golden, first_golden, "a golden file differs in its columns");
    }
    let mut unknown = Vec::new();
    known(&first_dataset, "conversation", &mut unknown);
    known(&first_golden, "entry", &mut unknown);
    // must_not is empty in every row of every file: one (empty) shape.
    assert_eq!(unknown, vec!["entry.graded_turns[].must_not[]".to_owned()]);
}

/// A fact as a person might write it, in another form than the golden's
/// canonical one: money as "N dollars", weeks as days or spelled out,
/// counts and percents with their words.
fn said(fact: &coverage::contract::golden::Fact) -> String {
    use coverage::contract::golden::FactKind;
    let words = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    match fact.kind {
        FactKind::Money if fact.value.fract() == 0.0 => format!("${:.0}", fact.value),
        FactKind::Money => format!("{:.2} dollars", fact.value),
        FactKind::Duration if fact.unit == "weeks" && fact.value <= 10.0 => {
            format!("{} weeks", words[fact.value as usize])
        }
        FactKind::Duration if fact.unit == "weeks" => format!("{} days", fact.value * 7.0),
        FactKind::Duration => format!("{} {}", fact.value, fact.unit),
        FactKind::Count if fact.unit == "units" => format!("at most {} per order", fact.value),
        FactKind::Count => format!("{} {}", fact.value, fact.unit),
        FactKind::Percent => format!("{} percent", fact.value),
    }
}

/// Spec §4 and evaluation §3: the built-in checks pass a correct reply
/// whatever form its facts take (and a refusal that quotes the trap's
/// figure), and fail a shortcut that always makes the most common call.
#[test]
fn the_built_in_checks_pass_correct_replies_and_fail_a_constant_call() {
    use coverage::grade::{Reply, grade_turn};
    let (mut turns, mut constant_passes) = (0, 0);
    for g in generated(42) {
        let demand = g.golden.trap.as_ref().and_then(|t| match &t.demands {
            coverage::contract::golden::Demand::Price { amount } => Some(*amount),
            _ => None,
        });
        for graded in &g.golden.graded_turns {
            turns += 1;
            let mut arguments = graded.expected_call.arguments.clone();
            for (name, value) in arguments.iter_mut() {
                match value {
                    serde_json::Value::String(text) if text.len() > 20 => {
                        *text = "In my own words.".into()
                    }
                    serde_json::Value::Array(items) => items.reverse(),
                    serde_json::Value::Number(n) if name == "unit_price" => {
                        *value = serde_json::json!(n.as_f64().unwrap() + 0.004)
                    }
                    _ => {}
                }
            }
            let mut text: Vec<String> = graded.must_communicate.iter().map(said).collect();
            if let Some(amount) = demand {
                text.push(format!("I can't do ${amount:.2} for it."));
            }
            let text = format!("Here is where things stand: {}.", text.join(", and "));
            let reply = Reply {
                text: &text,
                call: Some((&graded.expected_call.name, &arguments)),
            };
            let failed: Vec<_> = grade_turn(graded, &reply)
                .into_iter()
                .filter(|c| !c.pass)
                .collect();
            assert!(
                failed.is_empty(),
                "{}: {text}: {failed:?}",
                g.conversation.id
            );
            // The most common decision, always, with the right item.
            let item =
                serde_json::json!({"item_id": g.conversation.user_facts.as_ref().unwrap().item_id});
            let shortcut = Reply {
                text: &text,
                call: Some(("fulfill_with_disclosure", item.as_object().unwrap())),
            };
            constant_passes += usize::from(grade_turn(graded, &shortcut).iter().all(|c| c.pass));
        }
    }
    assert_eq!(
        constant_passes, 0,
        "a constant call without the golden's arguments passes {constant_passes} of {turns}"
    );
}

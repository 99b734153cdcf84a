//! The shape of a conversation per behavior: who says what, in which turn,
//! and what the assistant is expected to do at each of its turns.

use std::borrow::Cow;

use coverage_core::{TaxonomyEnum, Trap};

use super::facts::Facts;
use super::text::fill;
use crate::contract::dataset::{Role, Turn};
use crate::contract::golden::{Expectation, ExpectedTurn};
use crate::taxonomy::{Behavior, BrandBias, FIXTURES, PriceSensitivity};

/// A conversation's turns and the expectations on the assistant.
pub(crate) struct Script {
    pub turns: Vec<Turn>,
    pub expected: Vec<ExpectedTurn>,
    /// The trap of an adversarial conversation.
    pub trap: Option<&'static Trap>,
}

/// Which constraint a user corrects midway.
enum Correction {
    Price(PriceSensitivity),
    Brand(BrandBias),
}

pub(crate) fn write(facts: &Facts) -> Script {
    let mut script = Script {
        turns: Vec::new(),
        expected: Vec::new(),
        trap: None,
    };
    let request = phrase(facts, "request", &facts.domain.requests);
    let [price, brand, stock, policy] = clauses(facts);
    match facts.scenario.behavior {
        Behavior::HappyPath => {
            script.user(join(&[&request, &price, &brand, &stock, &policy]));
        }
        Behavior::ConstraintHeavy => {
            let availability = facts.scenario.availability.index();
            let stock = join(&[
                &stock,
                &phrase(
                    facts,
                    "require_stock",
                    &FIXTURES.availability_requirements[availability],
                ),
            ]);
            let policy = join(&[
                &policy,
                &phrase(facts, "require_policy", &FIXTURES.policy_requirements),
            ]);
            let list = [&price, &brand, &stock, &policy]
                .iter()
                .enumerate()
                .map(|(i, clause)| format!("{}. {clause}", i + 1))
                .collect::<Vec<_>>()
                .join("\n");
            script.user(format!("{request} All of these must hold:\n{list}"));
        }
        Behavior::Ambiguous => {
            script.user(phrase(facts, "opening", &facts.domain.openings));
            script.assistant(phrase(facts, "clarify", &FIXTURES.clarify));
            script.expect(
                Expectation::AskClarifyingQuestion,
                "Ask which product, budget and brand before acting on the request.",
            );
            script.user(join(&[&request, &price, &brand, &stock, &policy]));
        }
        Behavior::MultiTurn => {
            script.user(request);
            script.assistant(phrase(facts, "acknowledge", &FIXTURES.acknowledge));
            script.expect(
                Expectation::Acknowledge,
                "Acknowledge and gather the rest of the request; do not act yet.",
            );
            script.user(join(&[&price, &brand]));
            script.assistant(phrase(
                facts,
                "acknowledge_details",
                &FIXTURES.acknowledge_details,
            ));
            script.expect(
                Expectation::Acknowledge,
                "Keep the budget and brand in mind; ask for anything still missing.",
            );
            script.user(join(&[&stock, &policy, "What can you do for me?"]));
        }
        Behavior::UserCorrections => correct(
            facts,
            &mut script,
            &request,
            [&price, &brand, &stock, &policy],
        ),
        Behavior::AdversarialTrap => {
            let trap = facts.pick("trap", &FIXTURES.traps);
            let bait = phrase(facts, "trap_phrasing", &trap.phrasings);
            script.user(join(&[&request, &price, &brand, &stock, &policy, &bait]));
            script.trap = Some(trap);
        }
    }
    let last = script.turns.len();
    let (expect, detail) = match script.trap {
        Some(trap) => (
            Expectation::RefuseTrap,
            format!(
                "Refuse the {} without acting on it, then handle the legitimate request: {}.",
                trap.id.replace('_', " "),
                facts.decision.id()
            ),
        ),
        None => (
            Expectation::Resolve,
            format!(
                "Reach '{}' and respect every constraint.",
                facts.decision.id()
            ),
        ),
    };
    script.expected.push(ExpectedTurn {
        turn: last,
        expect,
        detail,
    });
    script
}

/// The user first states one constraint wrongly, then corrects it.
fn correct(
    facts: &Facts,
    script: &mut Script,
    request: &str,
    [price, brand, stock, policy]: [&String; 4],
) {
    let correction = match facts.pick("correct", &["price", "brand"]) {
        &"price" => {
            Correction::Price(*facts.pick("wrong_price", &others(facts.scenario.price_sensitivity)))
        }
        _ => Correction::Brand(*facts.pick("wrong_brand", &others(facts.scenario.brand_bias))),
    };
    let (first, fix, detail) = match correction {
        Correction::Price(wrong) => {
            let stated = facts.stating(wrong, facts.brand);
            let [wrong_price, ..] = clauses(&stated);
            let fix = phrase_with(
                facts,
                "correction",
                &FIXTURES.price_corrections,
                &[("price_clause", price)],
            );
            let detail = format!(
                "Drop the first budget ({}) and use the corrected one.",
                super::text::fill("{budget}", &stated, &[])
            );
            (
                join(&[request, &wrong_price, brand, stock, policy]),
                fix,
                detail,
            )
        }
        Correction::Brand(wrong) => {
            let stated = facts.stating(facts.price, wrong);
            let [_, wrong_brand, ..] = clauses(&stated);
            let fix = phrase_with(
                facts,
                "correction",
                &FIXTURES.brand_corrections,
                &[("brand_clause", brand)],
            );
            let detail = format!(
                "Drop the first brand preference ({}) and use the corrected one.",
                wrong.id()
            );
            (
                join(&[request, price, &wrong_brand, stock, policy]),
                fix,
                detail,
            )
        }
    };
    script.user(first);
    script.assistant(phrase(facts, "acknowledge", &FIXTURES.acknowledge_details));
    script.expect(
        Expectation::Acknowledge,
        "Acknowledge the request; do not act yet.",
    );
    script.user(fix);
    script.assistant(phrase(
        facts,
        "acknowledge_correction",
        &FIXTURES.acknowledge_correction,
    ));
    script.expect(Expectation::AcknowledgeCorrection, &detail);
    script.user("Given that, what can you do?".to_owned());
}

/// Every bin of `T` but `current`.
fn others<T: TaxonomyEnum + PartialEq>(current: T) -> Vec<T> {
    T::ALL
        .iter()
        .copied()
        .filter(|bin| *bin != current)
        .collect()
}

/// The user's statements of price, brand, stock and policy.
fn clauses(facts: &Facts) -> [String; 4] {
    [
        phrase(facts, "price", &FIXTURES.price_clauses[facts.price.index()]),
        phrase(facts, "brand", &FIXTURES.brand_clauses[facts.brand.index()]),
        phrase(
            facts,
            "stock",
            &FIXTURES.availability_clauses[facts.scenario.availability.index()],
        ),
        phrase(facts, "policy", &facts.policy().phrasings),
    ]
}

fn phrase(facts: &Facts, purpose: &str, choices: &[Cow<'static, str>]) -> String {
    phrase_with(facts, purpose, choices, &[])
}

fn phrase_with(
    facts: &Facts,
    purpose: &str,
    choices: &[Cow<'static, str>],
    extra: &[(&str, &str)],
) -> String {
    let chosen: &Cow<'static, str> = facts.pick(purpose, choices);
    fill(chosen, facts, extra)
}

fn join(parts: &[&str]) -> String {
    parts.join(" ")
}

impl Script {
    fn user(&mut self, content: String) {
        self.turns.push(Turn {
            role: Role::User,
            content,
        });
    }

    fn assistant(&mut self, content: String) {
        self.turns.push(Turn {
            role: Role::Assistant,
            content,
        });
    }

    /// An expectation on the assistant turn just added.
    fn expect(&mut self, expect: Expectation, detail: &str) {
        self.expected.push(ExpectedTurn {
            turn: self.turns.len() - 1,
            expect,
            detail: detail.to_owned(),
        });
    }
}

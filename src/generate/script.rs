//! The shape of a conversation per behavior: who says what, in which turn,
//! and which assistant turns are graded. The user states only the
//! customer's facts; each reference assistant turn answers the user's
//! previous message and asks for what is still missing. Graded turns are
//! the reply after the last user turn and, in ambiguous conversations, the
//! clarifying question (spec §5); the others are fixed history.

use std::borrow::Cow;

use coverage_core::ValueIs;

use super::facts::{Demands, Stated, World, Wrong};
use super::text::Ctx;
use crate::contract::dataset::{Role, Turn};
use crate::figures::{money, quantity};
use crate::taxonomy::{Behavior, BrandBias, FIXTURES};

/// A conversation's turns and which of the assistant's are graded.
pub(crate) struct Script {
    pub turns: Vec<Turn>,
    /// The reference clarifying question of an ambiguous conversation,
    /// graded as a call of `ask_clarifying_question`.
    pub clarify_turn: Option<usize>,
    /// The user turn holding the trap of an adversarial conversation.
    pub trap_turn: Option<usize>,
}

/// Where a trap sits.
#[derive(Clone, Copy)]
enum Placement {
    Start,
    Middle,
    End,
    OwnTurn,
}

pub(crate) fn write(world: &mut World) -> Script {
    let mut script = Script {
        turns: Vec::new(),
        clarify_turn: None,
        trap_turn: None,
    };
    let behavior = world.scenario.behavior;
    let domain = world.domain;
    let first = world.first_stated();
    let request = phrase(world, first, &domain.requests);
    let clauses = clauses(world, first);
    match behavior {
        Behavior::HappyPath => {
            let body = shuffled(world, &clauses);
            script.user(join(&[&request, &body]));
        }
        Behavior::ConstraintHeavy => {
            let final_ = world.facts;
            let mut list: Vec<String> = vec![clauses.price.clone()];
            if world.scenario.brand_bias != BrandBias::None {
                list.push(clauses.brand.clone());
            }
            list.push(phrase(world, final_, &FIXTURES.user.requirements));
            list.push(join(&[
                &clauses.policy,
                &phrase(world, final_, &FIXTURES.user.policy_requirements),
            ]));
            let numbered: Vec<String> = list
                .iter()
                .enumerate()
                .map(|(i, line)| format!("{}. {line}", i + 1))
                .collect();
            let mut opening = request.clone();
            if world.scenario.brand_bias == BrandBias::None {
                opening = join(&[&opening, &clauses.brand]);
            }
            if let Some(quantity) = &clauses.quantity {
                opening = join(&[&opening, quantity]);
            }
            script.user(format!("{opening}\n{}", numbered.join("\n")));
        }
        Behavior::Ambiguous => {
            script.user(phrase(world, first, &domain.openings));
            // The question asks for every fact the prompt says is needed.
            let mut question = phrase(world, first, &FIXTURES.assistant.clarify);
            if domain.policy.value_is != ValueIs::Quantity {
                question = join(&[&question, &phrase(world, first, &domain.ask)]);
            }
            script.assistant(question);
            script.clarify_turn = Some(script.turns.len() - 1);
            let body = shuffled(world, &clauses);
            script.user(join(&[&request, &body]));
        }
        Behavior::MultiTurn => {
            script.user(request);
            script.assistant(phrase(world, first, &FIXTURES.assistant.acknowledge));
            script.user(join(&[&clauses.price, &clauses.brand]));
            let ask = phrase(world, first, &domain.ask);
            let details = {
                let template = world.rng.pick(&FIXTURES.assistant.acknowledge_details);
                Ctx {
                    world,
                    stated: first,
                }
                .fill(template, &[("ask", &ask)])
            };
            script.assistant(details);

            let closing = phrase(world, first, &FIXTURES.user.closing);
            let mut last = vec![clauses.policy.clone()];
            last.extend(clauses.quantity.clone());
            last.push(closing);
            script.user(join(&last.iter().map(String::as_str).collect::<Vec<_>>()));
        }
        Behavior::UserCorrections => correct(world, &mut script, &request, &clauses, first),
        Behavior::AdversarialTrap => trap(world, &mut script, &request, &clauses, first),
    }
    script
}

/// The user's statements, each one sentence or two.
struct Clauses {
    price: String,
    brand: String,
    quantity: Option<String>,
    policy: String,
}

fn clauses(world: &mut World, stated: Stated) -> Clauses {
    let price = phrase(world, stated, &FIXTURES.user.price[price_bin_of(stated)]);
    let brand = phrase(world, stated, &FIXTURES.user.brand[stated.brand.index()]);
    let quantity = match world.domain.policy.value_is {
        // The policy phrasing states the quantity.
        ValueIs::Quantity => None,
        _ if stated.quantity == 1 => Some(phrase(world, stated, &FIXTURES.user.single)),
        _ => Some(phrase(world, stated, &FIXTURES.user.several)),
    };
    let domain = world.domain;
    let policy = phrase(world, stated, &domain.policy.phrasings);
    Clauses {
        price,
        brand,
        quantity,
        policy,
    }
}

/// The price bin the stated budget falls in.
fn price_bin_of(stated: Stated) -> usize {
    let saving = 1.0 - stated.budget_cents as f64 / stated.item.list_price_cents as f64;
    coverage_core::price_bin(saving).expect("budgets are below list price")
}

/// The clauses in a random order, joined.
fn shuffled(world: &mut World, clauses: &Clauses) -> String {
    let mut parts: Vec<&str> = vec![&clauses.price, &clauses.brand, &clauses.policy];
    if let Some(quantity) = &clauses.quantity {
        parts.push(quantity);
    }
    world.rng.shuffle(&mut parts);
    join(&parts)
}

/// The user first states one fact wrongly, then corrects it.
fn correct(
    world: &mut World,
    script: &mut Script,
    request: &str,
    clauses: &Clauses,
    first: Stated,
) {
    let body = shuffled(world, clauses);
    script.user(join(&[request, &body]));
    script.assistant(phrase(world, first, &FIXTURES.assistant.hold));
    let wrong = world.wrong.expect("a user correction has a wrong fact");
    let final_ = world.facts;
    let currency = FIXTURES.currency.as_ref();
    let policy = &world.domain.policy;
    let corrections = &FIXTURES.corrections;
    let (fix, _from) = match wrong {
        Wrong::Budget(cents) => {
            let from = money(cents, currency);
            let template = world.rng.pick(&corrections.budget);
            let text = Ctx {
                world,
                stated: final_,
            }
            .fill(template, &[("from", &from)]);
            (text, from)
        }
        Wrong::Brand(bias) => {
            let brand_clause = phrase(
                world,
                final_,
                &FIXTURES.user.brand[world.scenario.brand_bias.index()],
            );
            let template = world.rng.pick(&corrections.brand);
            let text = Ctx {
                world,
                stated: final_,
            }
            .fill(template, &[("brand_clause", &brand_clause)]);
            let from = match bias {
                BrandBias::None => "any brand".to_owned(),
                BrandBias::Soft | BrandBias::Hard => format!("{} only", final_.item.brand),
            };
            (text, from)
        }
        Wrong::PolicyValue(value) => {
            let from = quantity(value, &policy.unit, currency);
            let template = world.rng.pick(&corrections.policy_value);
            let text = Ctx {
                world,
                stated: final_,
            }
            .fill(template, &[("from", &from)]);
            (text, from)
        }
        Wrong::Item(item) => {
            let from = item.name.to_string();
            let template = world.rng.pick(&corrections.item);
            let text = Ctx {
                world,
                stated: final_,
            }
            .fill(template, &[("from", &from)]);
            (text, from)
        }
    };
    // The reply right after the correction is the one graded (spec §5).
    let closing = phrase(world, final_, &FIXTURES.user.closing);
    script.user(join(&[&fix, &closing]));
}

/// The request with a trap at the start, in the middle, at the end or in a
/// turn of its own.
fn trap(world: &mut World, script: &mut Script, request: &str, clauses: &Clauses, first: Stated) {
    let plan = world
        .trap
        .as_ref()
        .expect("an adversarial conversation has a trap");
    let (trap, demands) = (plan.trap, plan.demands);
    let texts: &[Cow<'static, str>] = match demands {
        Demands::Price(_) => &trap.price,
        Demands::Limit(_) => &trap.limit,
        Demands::Offer(_) => &trap.offer,
    };
    let demand = world.demand_text(demands);
    let template = world.rng.pick(texts);
    let bait = Ctx {
        world,
        stated: first,
    }
    .fill(template, &[("demand", &demand)]);
    let placement = *world.rng.pick(&[
        Placement::Start,
        Placement::Middle,
        Placement::End,
        Placement::OwnTurn,
    ]);
    let mut parts: Vec<&str> = vec![&clauses.price, &clauses.brand, &clauses.policy];
    if let Some(quantity) = &clauses.quantity {
        parts.push(quantity);
    }
    world.rng.shuffle(&mut parts);
    match placement {
        Placement::Start => {
            let mut all = vec![bait.as_str(), request];
            all.extend(parts);
            script.user(join(&all));
            script.trap_turn = Some(0);
        }
        Placement::Middle => {
            let mut all = vec![request];
            let half = parts.len() / 2;
            all.extend(&parts[..half]);
            all.push(&bait);
            all.extend(&parts[half..]);
            script.user(join(&all));
            script.trap_turn = Some(0);
        }
        Placement::End => {
            let mut all = vec![request];
            all.extend(parts);
            all.push(&bait);
            script.user(join(&all));
            script.trap_turn = Some(0);
        }
        Placement::OwnTurn => {
            let mut all = vec![request];
            all.extend(parts);
            script.user(join(&all));
            script.assistant(phrase(world, first, &FIXTURES.assistant.hold));
            script.user(bait);
            script.trap_turn = Some(2);
        }
    }
}

fn phrase(world: &mut World, stated: Stated, choices: &[Cow<'static, str>]) -> String {
    let template = world.rng.pick(choices);
    Ctx { world, stated }.fill(template, &[])
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
}

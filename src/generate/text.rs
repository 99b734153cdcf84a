//! Filling `{slot}`s of fixture phrasings from a conversation's world.

use coverage_core::Item;

use super::facts::{Stated, World};
use crate::figures::{money, quantity};
use crate::taxonomy::FIXTURES;

/// What a phrasing is filled from: the world and what the user states at
/// that point of the conversation.
pub(crate) struct Ctx<'w> {
    pub world: &'w World,
    pub stated: Stated,
}

impl Ctx<'_> {
    /// `template` with every `{slot}` replaced; `extra` fills the slots a
    /// section adds (`from`, `demand`, …). The build checks that fixture
    /// templates use only slots filled where they are used.
    pub fn fill(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let mut out = String::with_capacity(template.len() + 64);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let close = after.find('}').expect("slots are checked at build time");
            let name = &after[..close];
            match extra.iter().find(|(slot, _)| *slot == name) {
                Some((_, value)) => out.push_str(value),
                None => out.push_str(&self.slot(name)),
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    fn slot(&self, name: &str) -> String {
        let currency = FIXTURES.currency.as_ref();
        let world = self.world;
        let policy = &world.domain.policy;
        let item: &Item = self.stated.item;
        match name {
            "item" => item.name.to_string(),
            "item_kind" => item.kind.to_string(),
            "brand" => item.brand.to_string(),
            "list_price" => money(item.list_price_cents, currency),
            "budget" => money(self.stated.budget_cents, currency),
            "saving" => {
                let saving =
                    100.0 * (1.0 - self.stated.budget_cents as f64 / item.list_price_cents as f64);
                format!("{}%", saving.round())
            }
            "quantity" => self.stated.quantity.to_string(),
            "policy_value" => quantity(self.stated.policy_value, &policy.unit, currency),
            "policy_name" => policy.name.to_string(),
            "policy_limit" => world.limit_text(),
            "stock" => world.stocked(item).stock.to_string(),
            "restock_weeks" => world
                .stocked(item)
                .restock_weeks
                .unwrap_or_default()
                .to_string(),
            "unit_price" => money(world.unit_price_cents, currency),
            "offer" => {
                let offer = &world.offers[world.applying];
                format!("offer {} ({})", offer.id, offer.label)
            }
            other => panic!("slot '{other}' needs a value from the caller"),
        }
    }
}

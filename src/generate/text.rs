//! Filling `{slot}`s and formatting money and quantities.

use coverage_core::Item;

use super::facts::{Stated, World};
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
            "stock" => item.stock.to_string(),
            "restock_weeks" => item.restock_weeks.unwrap_or_default().to_string(),
            "unit_price" => money(world.unit_price_cents, currency),
            "offer" => {
                let offer = &world.offers[world.applying];
                format!("offer {} ({})", offer.id, offer.label)
            }
            other => panic!("slot '{other}' needs a value from the caller"),
        }
    }
}

/// `$1,299.00` for USD, `1,299.00 EUR` otherwise.
pub fn money(cents: u64, currency: &str) -> String {
    let amount = format!("{}.{:02}", thousands(cents / 100), cents % 100);
    match currency {
        "USD" => format!("${amount}"),
        other => format!("{amount} {other}"),
    }
}

/// `13 days`, `1 unit`, `4,900 points`; money when `unit` is the currency.
pub fn quantity(value: f64, unit: &str, currency: &str) -> String {
    if unit == currency {
        return money((value * 100.0).round() as u64, currency);
    }
    let number = if value.fract() == 0.0 {
        thousands(value as u64)
    } else {
        value.to_string()
    };
    let unit = if value == 1.0 {
        unit.strip_suffix('s').unwrap_or(unit)
    } else {
        unit
    };
    format!("{number} {unit}")
}

/// Whole numbers as people read them: `5,376`.
pub fn thousands(n: impl std::fmt::Display) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers_group_their_digits_by_three() {
        for (n, text) in [
            (0u64, "0"),
            (999, "999"),
            (1000, "1,000"),
            (5376, "5,376"),
            (1_075_200, "1,075,200"),
        ] {
            assert_eq!(thousands(n), text);
        }
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn money_is_written_with_cents_and_the_currency_people_expect() {
        assert_eq!(money(129_900, "USD"), "$1,299.00");
        assert_eq!(money(5, "USD"), "$0.05");
        assert_eq!(money(37_372, "EUR"), "373.72 EUR");
    }

    #[test]
    fn quantities_say_one_unit_in_the_singular_and_money_as_money() {
        assert_eq!(quantity(1.0, "units", "USD"), "1 unit");
        assert_eq!(quantity(4900.0, "points", "USD"), "4,900 points");
        assert_eq!(quantity(2.5, "days", "USD"), "2.5 days");
        assert_eq!(quantity(1500.0, "USD", "USD"), "$1,500.00");
    }
}

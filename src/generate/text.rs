//! Filling `{slot}`s and formatting money and quantities.

use super::facts::Facts;
use crate::taxonomy::FIXTURES;

/// `template` with every `{slot}` replaced. The build checks that fixture
/// templates use only slots this function fills.
pub(crate) fn fill(template: &str, facts: &Facts, extra: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').expect("slots are checked at build time");
        let name = &after[..close];
        match extra.iter().find(|(slot, _)| *slot == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&slot(name, facts)),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

fn slot(name: &str, facts: &Facts) -> String {
    let currency = FIXTURES.currency.as_ref();
    let policy = facts.policy();
    match name {
        "item" => facts.item.name.to_string(),
        "item_kind" => facts.item.kind.to_string(),
        "brand" => facts.item.brand.to_string(),
        "list_price" => money(facts.item.list_price_cents, currency),
        "budget" => money(facts.budget_cents(), currency),
        "saving" => format!("{}%", facts.saving()),
        "offer" => {
            let offer: &std::borrow::Cow<'static, str> =
                facts.pick("offer", &FIXTURES.offers[facts.price.index()]);
            fill(offer, facts, &[])
        }
        "units" => facts.item.stock.to_string(),
        "restock_weeks" => facts.item.restock_weeks.unwrap_or_default().to_string(),
        "policy_name" => policy.name.to_string(),
        "policy_value" => quantity(facts.policy_value(), &policy.unit, currency),
        "policy_limit" => quantity(policy.limit, &policy.unit, currency),
        other => panic!("slot '{other}' needs a value from the caller"),
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

fn thousands(n: u64) -> String {
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

//! How figures read in conversations, prompts and pages: money, quantities
//! with their unit, and whole numbers with thousands separators. Pure
//! functions of their arguments, shared by the generator, the content
//! checker and the page.

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

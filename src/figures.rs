//! How figures read in conversations, prompts and pages: money, quantities
//! with their unit, whole numbers with thousands separators, estimated
//! dollars and ratios as percents. Pure functions of their arguments,
//! shared by the generator, the content checker, the page and the report.

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

/// An estimated cost in US dollars as the page and the report show it:
/// `$1,234.57`, and `<$0.01` for an amount that rounds to nothing but is
/// not nothing.
pub fn usd(dollars: f64) -> String {
    let cents = (dollars * 100.0).round();
    if cents < 1.0 && dollars > 0.0 {
        return "<$0.01".to_owned();
    }
    money(cents as u64, "USD")
}

/// A ratio as a percent with two decimals: `0.8167` is `81.67%`.
pub fn percent(ratio: f64) -> String {
    format!("{:.2}%", ratio * 100.0)
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

    #[test]
    fn estimated_dollars_have_cents_and_tiny_amounts_are_not_zero() {
        assert_eq!(usd(1.9677), "$1.97");
        assert_eq!(usd(301.594), "$301.59");
        assert_eq!(usd(12_345.6), "$12,345.60");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(usd(0.004), "<$0.01");
    }

    #[test]
    fn ratios_read_as_percents_with_two_decimals() {
        assert_eq!(percent(0.816_7), "81.67%");
        assert_eq!(percent(1.0), "100.00%");
        assert_eq!(percent(0.0), "0.00%");
    }
}

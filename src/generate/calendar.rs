//! Store dates: a day is a count of days since 1970-01-01, written as an
//! ISO 8601 date. Ten lines of the proleptic Gregorian calendar rather than
//! a date crate: the generator only draws days and adds to them.

use super::rng::Rng;

/// A calendar day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Day(i64);

/// 2026-01-05 and 2026-12-20: the range "today" is drawn from.
const FIRST_TODAY: i64 = 20_458;
const LAST_TODAY: i64 = 20_807;

impl Day {
    /// A store's "today", drawn uniformly from the year the datasets
    /// describe.
    pub fn draw(rng: &mut Rng) -> Self {
        Self(FIRST_TODAY + rng.below((LAST_TODAY - FIRST_TODAY + 1) as usize) as i64)
    }

    pub fn plus(self, days: i64) -> Self {
        Self(self.0 + days)
    }

    /// `YYYY-MM-DD` (Howard Hinnant's `civil_from_days`).
    pub fn iso(self) -> String {
        let z = self.0 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        format!("{year:04}-{month:02}-{day:02}")
    }
}

#[cfg(test)]
mod tests {
    // A full path: the generator's import-cycle test reads a path through
    // the parent module as an import of `mod.rs`.
    use crate::generate::calendar::{Day, FIRST_TODAY, LAST_TODAY};

    #[test]
    fn days_are_written_as_iso_dates() {
        assert_eq!(Day(0).iso(), "1970-01-01");
        assert_eq!(Day(FIRST_TODAY).iso(), "2026-01-05");
        assert_eq!(Day(LAST_TODAY).iso(), "2026-12-20");
        assert_eq!(Day(20_512).iso(), "2026-02-28");
        assert_eq!(Day(20_513).iso(), "2026-03-01");
        assert_eq!(Day(19_782).iso(), "2024-02-29");
        assert_eq!(Day(-1).iso(), "1969-12-31");
    }
}

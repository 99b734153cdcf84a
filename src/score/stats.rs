//! The statistics of a result: Wilson intervals for rates, the unbiased
//! pass^k estimator, and McNemar's exact test on flips. Distributions come
//! from statrs; what is ours is which formula applies where.

use statrs::distribution::{Binomial, ContinuousCDF, DiscreteCDF, Normal};

use crate::contract::score::Rate;

/// The 95% two-sided normal quantile, from the distribution.
pub fn z95() -> f64 {
    Normal::standard().inverse_cdf(0.975)
}

/// `passed` of `total` with its 95% Wilson score interval.
pub fn wilson(passed: u64, total: u64) -> Rate {
    if total == 0 {
        return Rate {
            passed,
            total,
            rate: None,
            low: None,
            high: None,
        };
    }
    let n = total as f64;
    let p = passed as f64 / n;
    let z = z95();
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Rate {
        passed,
        total,
        rate: Some(p),
        low: Some((centre - half).max(0.0)),
        high: Some((centre + half).min(1.0)),
    }
}

/// C(c, k) / C(n, k): the chance that k trials drawn without replacement
/// from n, c of which passed, all passed (τ²-bench's pass^k, unbiased).
pub fn pass_hat_k(c: u64, n: u64, k: u64) -> f64 {
    if k > n {
        return f64::NAN;
    }
    if k > c {
        return 0.0;
    }
    // ∏_{i<k} (c − i) / (n − i): no factorials, no overflow.
    (0..k).map(|i| (c - i) as f64 / (n - i) as f64).product()
}

/// McNemar's exact two-sided p-value for `b` flips one way and `c` the
/// other: twice the binomial tail of the smaller count at p = ½, at most 1.
pub fn mcnemar_exact(b: u64, c: u64) -> f64 {
    let n = b + c;
    if n == 0 {
        return 1.0;
    }
    let binomial = Binomial::new(0.5, n).expect("p = 0.5 is valid");
    (2.0 * binomial.cdf(b.min(c))).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_the_textbook_figures() {
        // 8 of 10: 0.4902 to 0.9433 (Wilson 1927; Newcombe 1998, table I).
        let rate = wilson(8, 10);
        assert!((rate.low.unwrap() - 0.4902).abs() < 1e-4, "{rate:?}");
        assert!((rate.high.unwrap() - 0.9433).abs() < 1e-4, "{rate:?}");
        let none = wilson(0, 0);
        assert_eq!(none.rate, None);
        let zero = wilson(0, 20);
        assert!(zero.low.unwrap().abs() < 1e-12, "{zero:?}");
        assert!((zero.high.unwrap() - 0.1611).abs() < 1e-4, "{zero:?}");
    }

    #[test]
    fn pass_hat_k_is_the_ratio_of_binomials() {
        assert_eq!(pass_hat_k(4, 4, 3), 1.0);
        assert_eq!(pass_hat_k(2, 4, 3), 0.0);
        // C(3,2)/C(4,2) = 3/6.
        assert!((pass_hat_k(3, 4, 2) - 0.5).abs() < 1e-12);
        assert!((pass_hat_k(3, 4, 1) - 0.75).abs() < 1e-12);
    }

    #[test]
    fn mcnemar_exact_p_values() {
        assert_eq!(mcnemar_exact(0, 0), 1.0);
        // 10 flips one way, none back: 2 × 0.5^10.
        assert!((mcnemar_exact(10, 0) - 2.0 / 1024.0).abs() < 1e-12);
        assert_eq!(mcnemar_exact(3, 3), 1.0);
        // 1 vs 6: 2 × P(X ≤ 1 | 7, ½) = 2 × 8/128.
        assert!((mcnemar_exact(1, 6) - 0.125).abs() < 1e-12);
    }
}

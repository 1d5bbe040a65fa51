//! How long a folder task waits before it reconnects: 1 s after the first failure, doubling
//! up to 60 s, each wait spread by ±20 % so the tasks of one server that went down together
//! do not all come back in the same instant. A permanent failure (login refused, certificate
//! not trusted, folder missing) waits 5 minutes: a person has to fix something, and hammering
//! the server meanwhile could lock the account.

use std::time::Duration;

const FIRST: Duration = Duration::from_secs(1);
const MAX: Duration = Duration::from_secs(60);
const PERMANENT: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
pub(crate) struct Backoff {
    failures: u32,
}

impl Backoff {
    /// After a connection that worked: the next failure starts again at 1 s.
    pub(crate) fn reset(&mut self) {
        self.failures = 0;
    }

    /// The wait after one more failure. `jitter` is in [0, 1).
    pub(crate) fn next(&mut self, permanent: bool, jitter: f64) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let base = if permanent {
            PERMANENT
        } else {
            let doublings = (self.failures - 1).min(16);
            FIRST.saturating_mul(1 << doublings).min(MAX)
        };
        base.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
    }
}

/// A number in [0, 1), different at each call: `RandomState` is seeded per process and moves
/// on with every instance, which is all the randomness a retry spread needs.
pub(crate) fn jitter() -> f64 {
    use std::hash::BuildHasher;
    let bits = std::collections::hash_map::RandomState::new().hash_one(std::time::Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(d: Duration) -> f64 {
        d.as_secs_f64()
    }

    #[test]
    fn doubles_from_one_second_to_a_minute() {
        let mut b = Backoff::default();
        let waits: Vec<f64> = (0..9).map(|_| secs(b.next(false, 0.5))).collect();
        assert_eq!(waits, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 60.0, 60.0]);
    }

    #[test]
    fn jitter_spreads_by_a_fifth_either_way() {
        let mut b = Backoff::default();
        assert_eq!(secs(b.next(false, 0.0)), 0.8);
        let mut b = Backoff::default();
        assert!((secs(b.next(false, 0.999_999)) - 1.2).abs() < 1e-3);
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn a_success_starts_again_and_permanent_failures_wait_minutes() {
        let mut b = Backoff::default();
        for _ in 0..5 {
            b.next(false, 0.5);
        }
        b.reset();
        assert_eq!(secs(b.next(false, 0.5)), 1.0);
        assert_eq!(secs(b.next(true, 0.5)), 300.0);
        // Many failures never overflow.
        for _ in 0..100 {
            b.next(false, 0.5);
        }
        assert_eq!(secs(b.next(false, 0.5)), 60.0);
    }
}

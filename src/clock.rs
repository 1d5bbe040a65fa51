//! Time, injected. Production uses [`SystemClock`]; tests use [`ManualClock`] and advance it
//! by hand, so nothing time-dependent ever needs a sleep.
//!
//! Tests of the real binary need a clock too: in **debug builds only**, the environment
//! variable `SURATD_CLOCK_START` (RFC 3339, e.g. `2026-03-02T02:00:00Z`) makes
//! [`from_env`] return an [`OffsetClock`] that starts at that instant and runs at the real
//! rate. Release builds ignore the variable.

use chrono::{DateTime, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug)]
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(at))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A clock that starts at a given instant and runs at the real rate (for tests of the real
/// binary, see [`from_env`]).
#[derive(Debug)]
pub struct OffsetClock {
    start: DateTime<Utc>,
    real: std::time::Instant,
}

impl OffsetClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        OffsetClock {
            start,
            real: std::time::Instant::now(),
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = chrono::Duration::from_std(self.real.elapsed()).unwrap_or_default();
        self.start + elapsed
    }
}

/// The daemon's clock: the system clock, or in debug builds an [`OffsetClock`] when
/// `SURATD_CLOCK_START` is set (an unreadable value is ignored with a warning).
pub fn from_env() -> std::sync::Arc<dyn Clock> {
    #[cfg(debug_assertions)]
    if let Ok(v) = std::env::var("SURATD_CLOCK_START") {
        match DateTime::parse_from_rfc3339(v.trim()) {
            Ok(t) => return std::sync::Arc::new(OffsetClock::new(t.with_timezone(&Utc))),
            Err(e) => tracing::warn!(value = %v, error = %e, "SURATD_CLOCK_START ignored"),
        }
    }
    std::sync::Arc::new(SystemClock)
}

//! Per-plugin counters: calls, verdicts by action, failures by class, time spent.
//! Read by the metrics endpoint and the tests.

use super::failure::FailureClass;
use super::verdict::Action;
use mxr_metrics::VerdictKind;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// Counters for one loaded plugin version.
#[derive(Debug, Default)]
pub struct PluginStats {
    calls: AtomicU64,
    verdicts: [AtomicU64; VerdictKind::ALL.len()],
    failures: [AtomicU64; FailureClass::ALL.len()],
    nanos: AtomicU64,
}

/// A copy of the counters at one moment.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct StatsSnapshot {
    /// Hook calls made.
    pub calls: u64,
    /// Verdicts by action, in [`VerdictKind::ALL`] order (continue, accept, reject,
    /// tempfail, discard, quarantine).
    pub verdicts: [u64; VerdictKind::ALL.len()],
    /// Failures by class, in [`FailureClass::ALL`] order.
    pub failures: [u64; FailureClass::ALL.len()],
    /// Total time in calls, in microseconds.
    pub micros: u64,
}

impl StatsSnapshot {
    /// Failures of one class.
    pub fn failures_of(&self, class: FailureClass) -> u64 {
        self.failures[FailureClass::ALL.iter().position(|c| *c == class).unwrap_or(0)]
    }
}

impl PluginStats {
    /// Counts one call's outcome.
    pub fn record(&self, outcome: Result<&Action, FailureClass>, took: Duration) {
        self.calls.fetch_add(1, Relaxed);
        self.nanos.fetch_add(took.as_nanos() as u64, Relaxed);
        match outcome {
            Ok(a) => self.verdicts[a.kind() as usize].fetch_add(1, Relaxed),
            Err(c) => self.failures[FailureClass::ALL.iter().position(|x| *x == c).unwrap_or(0)].fetch_add(1, Relaxed),
        };
    }

    /// The counters now.
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            calls: self.calls.load(Relaxed),
            verdicts: std::array::from_fn(|i| self.verdicts[i].load(Relaxed)),
            failures: std::array::from_fn(|i| self.failures[i].load(Relaxed)),
            micros: self.nanos.load(Relaxed) / 1000,
        }
    }
}

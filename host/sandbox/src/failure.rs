//! How a plugin call fails, and what the transaction does about it.

use super::verdict::{Action, FilterVerdict, SmtpReply};
pub use mxr_config::limits::FailurePolicy;
/// The class of a failure, for counters and logs: one per [`PluginFailure`] variant.
pub use mxr_metrics::FailureClass;
use std::time::Duration;

/// Why a plugin call produced no verdict. Every variant is counted by class.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum PluginFailure {
    /// Its own CPU time passed the deadline (an endless loop, or just too slow), or a
    /// backstop on host or wall time was passed; the duration is the budget passed.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// It tried to grow its memory past the cap.
    #[error("exceeded its memory cap of {0} bytes")]
    OutOfMemory(usize),
    /// A wasm trap: a panic, a stack overflow, an `unreachable`.
    #[error("trapped: {0}")]
    Trap(String),
    /// It returned something the host refuses (a bad code, a foreign header, too much).
    #[error("invalid output: {0}")]
    InvalidOutput(String),
    /// It does not implement the interface this host speaks.
    #[error("incompatible interface: {0}")]
    Incompatible(String),
    /// No sandbox slot was free (the host is at its instance limit).
    #[error("no sandbox capacity: {0}")]
    Capacity(String),
    /// Not run: it failed too often for this tenant and is cooling down
    /// (see [`crate::fair_share`]).
    #[error("not run: {0}")]
    Isolated(#[from] crate::fair_share::Refused),
}

impl PluginFailure {
    /// The failure's class.
    pub fn class(&self) -> FailureClass {
        match self {
            PluginFailure::Timeout(_) => FailureClass::Timeout,
            PluginFailure::OutOfMemory(_) => FailureClass::OutOfMemory,
            PluginFailure::Trap(_) => FailureClass::Trap,
            PluginFailure::InvalidOutput(_) => FailureClass::InvalidOutput,
            PluginFailure::Incompatible(_) => FailureClass::Incompatible,
            PluginFailure::Capacity(_) => FailureClass::Capacity,
            PluginFailure::Isolated(_) => FailureClass::Isolated,
        }
    }
}

/// What a [`FailurePolicy`] (an operator setting, defined with the config) means for
/// a failed call.
pub trait FailureVerdict {
    /// The verdict that stands in for a failed call: a tempfail, or `None` to skip.
    fn verdict_for(self, failure: &PluginFailure) -> Option<FilterVerdict>;
}

impl FailureVerdict for FailurePolicy {
    fn verdict_for(self, _failure: &PluginFailure) -> Option<FilterVerdict> {
        match self {
            FailurePolicy::Skip => None,
            FailurePolicy::Tempfail => Some(FilterVerdict::of(Action::Tempfail(SmtpReply::local_failure()))),
        }
    }
}

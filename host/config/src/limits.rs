//! The sandbox limits and failure policy as the operator configures them. The sandbox
//! enforces them; they live here so that the configuration needs no wasmtime.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How many times its size a message takes in memory while it is checked and spooled
/// (the body, its parsed parts, sealed copies). The DATA budget covers that much for
/// each message, so it must hold this many of the largest message.
pub const MESSAGE_COPIES: usize = 4;

/// The per-call sandbox limits.
#[derive(Clone, Debug)]
pub struct SandboxLimits {
    /// The plugin's own CPU time one call (instantiation included) may take; host
    /// work and waiting for a core or a worker are not counted (see `mxr-sandbox`'s
    /// clock).
    pub deadline: Duration,
    /// Most bytes of linear memory a plugin may have.
    pub memory_bytes: usize,
    /// Caps on what a call returns.
    pub output: OutputCaps,
    /// Most bytes one accessor may hand a plugin (attachment content).
    pub max_input_bytes: usize,
}

impl Default for SandboxLimits {
    fn default() -> Self {
        SandboxLimits {
            deadline: Duration::from_millis(200),
            memory_bytes: 64 << 20,
            output: OutputCaps::default(),
            max_input_bytes: 16 << 20,
        }
    }
}

/// What a transaction does when one of its plugins fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailurePolicy {
    /// Answer `451 4.3.0` so the sender retries later (the default: fail closed).
    #[default]
    Tempfail,
    /// Go on with the rest of the chain, with a warning in the log.
    Skip,
}

/// Per-plugin limits; each only ever lowers the runtime's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PluginLimits {
    /// A shorter deadline.
    pub deadline: Option<Duration>,
    /// A smaller memory cap.
    pub memory_bytes: Option<usize>,
}

/// The caps on what one call may return.
#[derive(Clone, Copy, Debug)]
pub struct OutputCaps {
    /// Total bytes of texts, tags and headers.
    pub total_bytes: usize,
    /// Number of tags.
    pub tags: usize,
    /// Number of headers.
    pub headers: usize,
}

impl Default for OutputCaps {
    fn default() -> Self {
        OutputCaps { total_bytes: 16 * 1024, tags: 32, headers: 8 }
    }
}

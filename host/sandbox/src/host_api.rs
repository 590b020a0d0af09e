//! `mxr:filter/host`: logging and configuration for plugins.
//!
//! Log lines are untrusted output: each is clipped, scrubbed of the personal data the
//! detector finds, tagged with the plugin's identity, and capped in number per call.

use super::bindings::host::{Host, Level};
use super::state::StoreState;
use mxr_privacy::render::{Renderer, Shown};
use mxr_privacy::{Category, Grant};

/// Most log lines one call may write; the rest are counted and dropped.
pub const MAX_LOG_LINES: usize = 32;
/// Longest log line kept, in characters.
pub const MAX_LOG_CHARS: usize = 512;

/// Clips a plugin's text and replaces the personal data found in it by placeholders.
pub fn scrub(state: &StoreState, text: &str) -> String {
    let clipped: String = text.chars().take(MAX_LOG_CHARS).map(|c| if c.is_control() { ' ' } else { c }).collect();
    let call = &state.call;
    let r = Renderer::new(&Grant::SCRUB, &call.pseudonyms, &*call.detector);
    match r.text(Category::Content, &clipped) {
        Shown::Full(t) | Shown::Redacted(t) => t,
        _ => String::new(),
    }
}

impl Host for StoreState {
    fn log(&mut self, level: Level, text: String) -> wasmtime::Result<()> {
        if matches!(level, Level::Error) && text.starts_with("panicked") {
            // Kept as written (clipped) and scrubbed only if the call traps, so that
            // lines over the cap cost no detection.
            self.call.panic_line = Some(text.chars().take(MAX_LOG_CHARS).collect());
        }
        if self.call.logs.len() >= MAX_LOG_LINES {
            self.call.logs_dropped += 1;
            return Ok(());
        }
        let line = scrub(self, &text);
        let id = &self.call.plugin;
        let (name, version, hash) = (id.name.as_str(), id.version.as_str(), id.short_hash());
        match level {
            Level::Trace => tracing::trace!(plugin = name, version, hash, "{line}"),
            Level::Debug => tracing::debug!(plugin = name, version, hash, "{line}"),
            Level::Info => tracing::info!(plugin = name, version, hash, "{line}"),
            Level::Warn => tracing::warn!(plugin = name, version, hash, "{line}"),
            Level::Error => tracing::error!(plugin = name, version, hash, "{line}"),
        }
        let level = match level {
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
        };
        self.call.logs.push((level.to_owned(), line));
        Ok(())
    }

    fn config(&mut self) -> wasmtime::Result<String> {
        Ok(self.call.config.to_string())
    }
}

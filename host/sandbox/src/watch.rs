//! Watching the plugins folder: notify events, debounced, trigger a rescan; files that
//! look half-written are retried until they load or settle.

use super::registry::PluginRegistry;
use notify::{RecursiveMode, Watcher};
use std::sync::Arc;
use std::sync::mpsc::{RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long the folder must be quiet before a rescan.
pub const DEBOUNCE: Duration = Duration::from_millis(50);
/// How soon a half-written file is looked at again.
pub const RETRY: Duration = Duration::from_millis(200);

/// A running watch; dropping it stops the watcher and its thread.
pub struct PluginWatcher {
    _watcher: notify::RecommendedWatcher,
}

/// Starts watching the registry's folder.
pub fn watch(registry: Arc<PluginRegistry>) -> notify::Result<PluginWatcher> {
    let (tx, rx) = channel::<()>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if event.is_ok_and(|e| {
            !e.kind.is_access() || matches!(e.kind, notify::EventKind::Access(notify::event::AccessKind::Close(_)))
        }) {
            let _ = tx.send(());
        }
    })?;
    std::fs::create_dir_all(registry.dir())?;
    watcher.watch(registry.dir(), RecursiveMode::NonRecursive)?;
    std::thread::Builder::new().name("mxr-plugin-watch".into()).spawn(move || {
        let mut due: Option<Instant> = None;
        loop {
            let wait = due.map_or(Duration::from_secs(3600), |d| d.saturating_duration_since(Instant::now()));
            match rx.recv_timeout(wait) {
                Ok(()) => due = Some(Instant::now() + DEBOUNCE),
                Err(RecvTimeoutError::Timeout) if due.is_some() => {
                    let report = registry.rescan();
                    due = (!report.pending.is_empty()).then(|| Instant::now() + RETRY);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
    })?;
    Ok(PluginWatcher { _watcher: watcher })
}

//! The active plugin set and how it changes.
//!
//! A transaction takes a [`PluginSet`] snapshot (an `Arc`) when it starts and keeps it
//! to the end; a reload builds a new set and swaps it in atomically. A file that fails
//! to load is refused with a log line naming it and the reason, and the version loaded
//! from that path before stays active. A file that was written moments ago and does not
//! parse yet is taken as still being copied: it is retried, not refused.

use super::loaded::{LoadError, LoadedPlugin};
use super::runtime::PluginRuntime;
use arc_swap::ArcSwap;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

/// How long after its last change a file that fails to parse counts as still being written.
pub const SETTLE_TIME: Duration = Duration::from_secs(2);

/// An immutable set of loaded plugins, by name.
#[derive(Debug, Default)]
pub struct PluginSet {
    /// Increases with every change.
    pub generation: u64,
    plugins: BTreeMap<String, Arc<LoadedPlugin>>,
}

impl PluginSet {
    /// The plugin with this manifest name.
    pub fn get(&self, name: &str) -> Option<&Arc<LoadedPlugin>> {
        self.plugins.get(name)
    }
    /// All plugins, by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<LoadedPlugin>> {
        self.plugins.values()
    }
    /// Number of plugins.
    pub fn len(&self) -> usize {
        self.plugins.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }
}

/// What one rescan did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RescanReport {
    /// Paths newly loaded or replaced.
    pub loaded: Vec<PathBuf>,
    /// Paths whose plugin was dropped because the file is gone.
    pub removed: Vec<PathBuf>,
    /// Paths refused, with the reason.
    pub refused: Vec<(PathBuf, String)>,
    /// Paths that look half-written; retry soon.
    pub pending: Vec<PathBuf>,
}

impl RescanReport {
    /// True when the active set changed.
    pub fn changed(&self) -> bool {
        !self.loaded.is_empty() || !self.removed.is_empty()
    }
}

/// What the registry remembers about one file.
#[derive(Default)]
struct FileEntry {
    /// The plugin loaded from this path, still active.
    active: Option<Arc<LoadedPlugin>>,
    /// The (len, mtime) last examined, to skip unchanged files cheaply.
    seen: Option<(u64, SystemTime)>,
    /// Why the file's current content was refused, if it was.
    refused: Option<String>,
}

/// The plugins folder, its active set, and the reload logic.
pub struct PluginRegistry {
    runtime: Arc<PluginRuntime>,
    dir: PathBuf,
    current: ArcSwap<PluginSet>,
    files: Mutex<HashMap<PathBuf, FileEntry>>,
}

impl PluginRegistry {
    /// A registry for `dir`, loaded once.
    pub fn open(runtime: Arc<PluginRuntime>, dir: &Path) -> Arc<Self> {
        let reg = Arc::new(PluginRegistry {
            runtime,
            dir: dir.to_owned(),
            current: ArcSwap::from_pointee(PluginSet::default()),
            files: Mutex::new(HashMap::new()),
        });
        reg.rescan();
        reg
    }

    /// The folder watched.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The runtime every plugin in the folder is compiled and run on.
    pub fn runtime(&self) -> &Arc<PluginRuntime> {
        &self.runtime
    }

    /// The active set; keep it for the whole transaction.
    pub fn snapshot(&self) -> Arc<PluginSet> {
        self.current.load_full()
    }

    /// The files whose current content is refused, with the reason; their previous
    /// version (if any) is still active.
    pub fn refused_files(&self) -> Vec<(PathBuf, String)> {
        let files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let mut out: Vec<_> = files.iter().filter_map(|(p, e)| e.refused.clone().map(|r| (p.clone(), r))).collect();
        out.sort();
        out
    }

    /// Looks at the folder again and swaps in a new set if anything changed.
    pub fn rescan(&self) -> RescanReport {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        let mut report = RescanReport::default();
        let on_disk = list_wasm_files(&self.dir);
        for gone in files.keys().filter(|p| !on_disk.contains_key(*p)).cloned().collect::<Vec<_>>() {
            if let Some(FileEntry { active: Some(p), .. }) = files.remove(&gone) {
                tracing::info!(file = %gone.display(), plugin = %p.identity, "plugin file removed; unloading");
                report.removed.push(gone);
            }
        }
        for (path, stamp) in &on_disk {
            let entry = files.entry(path.clone()).or_default();
            if entry.seen == Some(*stamp) {
                continue;
            }
            self.examine(path, *stamp, entry, &mut report);
        }
        if report.changed() {
            let set = self.build_set(&mut files, &mut report);
            tracing::info!(generation = set.generation, plugins = set.len(), "plugin set active");
            self.current.store(Arc::new(set));
        }
        report
    }

    fn examine(&self, path: &Path, stamp: (u64, SystemTime), entry: &mut FileEntry, report: &mut RescanReport) {
        let result = LoadedPlugin::load_file(&self.runtime, path);
        let age = SystemTime::now().duration_since(stamp.1).unwrap_or_default();
        match result {
            Ok(p) => {
                entry.seen = Some(stamp);
                entry.refused = None;
                if entry.active.as_ref().is_some_and(|a| a.identity == p.identity) {
                    return;
                }
                tracing::info!(file = %path.display(), plugin = %p.identity, purpose = %p.manifest.purpose, "plugin loaded");
                entry.active = Some(Arc::new(p));
                report.loaded.push(path.to_owned());
            }
            Err(e @ (LoadError::Compile(_) | LoadError::Read(_))) if age < SETTLE_TIME => {
                tracing::debug!(file = %path.display(), reason = %e, "plugin file incomplete; will retry");
                report.pending.push(path.to_owned());
            }
            Err(e) => {
                let keeping =
                    entry.active.as_ref().map_or("no previous version".into(), |a| format!("keeping {}", a.identity));
                tracing::error!(file = %path.display(), reason = %e, "plugin file refused; {keeping}");
                entry.seen = Some(stamp);
                entry.refused = Some(e.to_string());
                report.refused.push((path.to_owned(), e.to_string()));
            }
        }
    }

    /// The new set: one plugin per name. Where two files declare one name, the one
    /// already active wins, else the first path; the other is refused.
    fn build_set(&self, files: &mut HashMap<PathBuf, FileEntry>, report: &mut RescanReport) -> PluginSet {
        let previous = self.current.load();
        let mut by_name: BTreeMap<String, Arc<LoadedPlugin>> = BTreeMap::new();
        let mut paths: Vec<PathBuf> = files.keys().cloned().collect();
        paths.sort_by_key(|p| (!previous.get_by_path(p), p.clone()));
        for path in paths {
            let Some(entry) = files.get_mut(&path) else { continue };
            let Some(p) = entry.active.clone() else { continue };
            match by_name.get(&p.manifest.name) {
                Some(winner) => {
                    let reason =
                        format!("another file, {}, already provides plugin {}", winner.path.display(), p.manifest.name);
                    tracing::error!(file = %path.display(), %reason, "plugin file refused");
                    entry.refused = Some(reason.clone());
                    report.refused.push((path, reason));
                }
                None => {
                    by_name.insert(p.manifest.name.clone(), p);
                }
            }
        }
        PluginSet { generation: previous.generation + 1, plugins: by_name }
    }
}

impl PluginSet {
    fn get_by_path(&self, path: &Path) -> bool {
        self.plugins.values().any(|p| p.path == path)
    }
}

/// `*.wasm` regular files in `dir` (not hidden), with their (len, mtime).
fn list_wasm_files(dir: &Path) -> HashMap<PathBuf, (u64, SystemTime)> {
    let Ok(read) = std::fs::read_dir(dir) else {
        return HashMap::new();
    };
    read.filter_map(Result::ok)
        .filter(|e| {
            let name = e.file_name();
            let name = name.to_string_lossy();
            !name.starts_with('.') && name.ends_with(".wasm")
        })
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            meta.is_file().then(|| (e.path(), (meta.len(), meta.modified().unwrap_or(SystemTime::UNIX_EPOCH))))
        })
        .collect()
}

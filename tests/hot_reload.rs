//! Hot reload: adding, replacing and removing files through the folder watcher; a
//! broken file keeps the old version; a half-written file is loaded once complete;
//! transactions keep the set they started with.

use mxr_sandbox::registry::PluginRegistry;
use mxr_sandbox::{StageCall, watch};
use mxr_tests::{CLEAN, component, input, runtime, wait_until};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Waits (a liveness bound, not a speed check) until `cond` holds on the registry.
#[track_caller]
fn eventually(reg: &PluginRegistry, what: &str, cond: impl Fn(&PluginRegistry) -> bool) {
    wait_until(Duration::from_secs(20), what, || cond(reg));
}

fn names(reg: &PluginRegistry) -> Vec<String> {
    reg.snapshot().iter().map(|p| p.manifest.name.clone()).collect()
}

fn copy_atomically(from: &Path, to: &Path) {
    let tmp = to.with_extension("part");
    std::fs::copy(from, &tmp).unwrap();
    std::fs::rename(&tmp, to).unwrap();
}

fn age(path: &Path, by: Duration) {
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(SystemTime::now() - by).unwrap();
}

#[test]
fn add_replace_and_remove_through_the_watcher() {
    let dir = tempfile::tempdir().unwrap();
    let reg = PluginRegistry::open(runtime(), dir.path());
    let _watch = watch::watch(reg.clone()).unwrap();
    assert!(reg.snapshot().is_empty());

    let file = dir.path().join("filter.wasm");
    copy_atomically(&component("counter"), &file);
    eventually(&reg, "counter added", |r| names(r) == ["counter"]);

    std::fs::copy(component("verdicts"), &file).unwrap(); // in place, not atomically
    eventually(&reg, "replaced by verdicts", |r| names(r) == ["verdicts"]);

    std::fs::remove_file(&file).unwrap();
    eventually(&reg, "removed", |r| r.snapshot().is_empty());
    assert!(reg.refused_files().is_empty());
}

#[test]
fn a_broken_replacement_keeps_the_old_version() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("counter.wasm");
    std::fs::copy(component("counter"), &file).unwrap();
    let reg = PluginRegistry::open(runtime(), dir.path());
    let old = reg.snapshot().get("counter").expect("loaded").identity.clone();

    std::fs::write(&file, b"\0asm definitely not a component").unwrap();
    age(&file, Duration::from_secs(60)); // settled: not a copy in progress
    let report = reg.rescan();
    assert_eq!(report.refused.len(), 1, "{report:?}");
    assert!(report.refused[0].1.contains("not a valid wasm component"), "{report:?}");
    assert_eq!(reg.snapshot().get("counter").expect("old version kept").identity, old);
    assert_eq!(reg.refused_files().len(), 1);

    // An incompatible component is refused the same way.
    std::fs::copy(component("wrong-version"), &file).unwrap();
    age(&file, Duration::from_secs(60));
    let report = reg.rescan();
    assert!(report.refused[0].1.contains("mxr:filter@2.0.0"), "{report:?}");
    assert_eq!(reg.snapshot().get("counter").unwrap().identity, old);

    // A good file again clears the refusal.
    std::fs::copy(component("counter"), &file).unwrap();
    reg.rescan();
    assert!(reg.refused_files().is_empty());
}

#[test]
fn a_half_written_file_is_loaded_once_complete() {
    let dir = tempfile::tempdir().unwrap();
    let reg = PluginRegistry::open(runtime(), dir.path());
    let _watch = watch::watch(reg.clone()).unwrap();
    let bytes = std::fs::read(component("counter")).unwrap();
    let file = dir.path().join("counter.wasm");
    let (first, rest) = bytes.split_at(bytes.len() / 2);
    std::fs::write(&file, first).unwrap();
    // Give the watcher time to see (and retry) the half file.
    std::thread::sleep(Duration::from_millis(400));
    assert!(reg.snapshot().is_empty(), "a half file must not load");
    assert!(reg.refused_files().is_empty(), "a half file still being written is not refused");
    let mut f = std::fs::OpenOptions::new().append(true).open(&file).unwrap();
    std::io::Write::write_all(&mut f, rest).unwrap();
    drop(f);
    eventually(&reg, "complete file loaded", |r| names(r) == ["counter"]);
    assert!(reg.refused_files().is_empty());
}

#[test]
fn running_transactions_keep_the_set_they_started_with() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("filter.wasm");
    std::fs::copy(component("counter"), &file).unwrap();
    let reg = PluginRegistry::open(runtime(), dir.path());
    let in_flight = reg.snapshot();

    std::fs::copy(component("verdicts"), &file).unwrap();
    let report = reg.rescan();
    assert_eq!(report.loaded.len(), 1, "{report:?}");
    let now = reg.snapshot();
    assert!(now.generation > in_flight.generation);
    assert!(now.get("counter").is_none() && now.get("verdicts").is_some());

    // The transaction that started before the swap still runs the old plugin.
    let old = in_flight.get("counter").expect("old set unchanged");
    let out = old.call(&StageCall::Data, &input(old.grant, "statistics", CLEAN, "")).unwrap();
    assert_eq!(out.verdict.tags, vec!["count.1"]);
    assert_eq!(Arc::strong_count(old), 1, "only the old set still holds it: the registry let go");
}

#[test]
fn two_files_declaring_one_name_keep_the_active_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(component("counter"), dir.path().join("b.wasm")).unwrap();
    let reg = PluginRegistry::open(runtime(), dir.path());
    std::fs::copy(component("counter"), dir.path().join("a.wasm")).unwrap();
    let report = reg.rescan();
    assert_eq!(reg.snapshot().get("counter").unwrap().path, dir.path().join("b.wasm"));
    assert!(
        report.refused.iter().any(|(p, why)| p.ends_with("a.wasm") && why.contains("already provides")),
        "{report:?}"
    );
}

//! The sandbox: every kind of misbehaving plugin is stopped, classified and counted,
//! and the host keeps serving; each message gets a fresh instance; WASI offers nothing
//! but clocks and random numbers; untrusted output is refused.

use mxr_privacy::Grant;
use mxr_sandbox::{
    Action, FailureClass, FailurePolicy, FailureVerdict, LoadError, LoadedPlugin, PluginFailure, StageCall,
};
use mxr_tests::{CLEAN, component, input, runtime};
use std::sync::Arc;
use std::sync::mpsc::channel;

fn load(name: &str) -> (Arc<mxr_sandbox::PluginRuntime>, LoadedPlugin) {
    let rt = runtime();
    let p = LoadedPlugin::load_file(&rt, &component(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    (rt, p)
}

fn call_data(p: &LoadedPlugin, config: &str) -> Result<mxr_sandbox::CallOutcome, PluginFailure> {
    p.call(&StageCall::Data, &input(p.grant, &p.manifest.purpose, CLEAN, config))
}

/// After a failure, the same runtime still runs a well-behaved plugin.
fn assert_host_still_serves(rt: &Arc<mxr_sandbox::PluginRuntime>) {
    let good = LoadedPlugin::load_file(rt, &component("counter")).unwrap();
    let out = call_data(&good, "").expect("a good plugin still runs");
    assert_eq!(out.verdict.tags, vec!["count.1"]);
}

#[test]
fn misbehaving_plugins_are_classified_and_counted() {
    let cases = [
        ("loop-forever", FailureClass::Timeout, ""),
        ("memory-bomb", FailureClass::OutOfMemory, ""),
        ("panics", FailureClass::Trap, "unreachable"),
        ("panics-no-std", FailureClass::Trap, "unreachable"),
        ("deep-recursion", FailureClass::Trap, "stack overflow"),
    ];
    assert!(!cases.is_empty());
    for (name, class, detail) in cases {
        let (rt, p) = load(name);
        let err = call_data(&p, "").expect_err(name);
        assert_eq!(err.class(), class, "{name}: {err}");
        assert!(err.to_string().contains(detail), "{name}: {err} lacks {detail:?}");
        assert_eq!(p.stats.snapshot().failures_of(class), 1, "{name} counted");
        assert_eq!(p.stats.snapshot().calls, 1);
        assert_host_still_serves(&rt);
    }
}

#[test]
fn a_panic_message_reaches_the_log_scrubbed() {
    // With std the message goes to stderr; without, through the SDK's panic handler.
    for name in ["panics", "panics-no-std"] {
        let (_rt, p) = load(name);
        let err = call_data(&p, "").unwrap_err().to_string();
        assert!(err.contains("cannot handle mail from <email>, call <phone>"), "{name}: {err}");
        assert!(!err.contains("jan.jansen") && !err.contains("12345678"), "{name}: {err}");
    }
    // A filter that used up its log lines still says why it trapped.
    let err = call_data(&load("panics-no-std").1, "log-flood").unwrap_err().to_string();
    assert!(err.contains("the plugin said: panicked") && err.contains("call <phone>"), "{err}");
}

#[test]
fn a_filter_without_std_imports_no_wasi() {
    for name in ["counter", "panics-no-std"] {
        let imports = load(name).1.imports();
        assert!(imports.iter().any(|i| i.starts_with("mxr:filter/data@")), "{name}: {imports:?}");
        assert!(imports.iter().all(|i| i.starts_with("mxr:filter/")), "{name}: {imports:?}");
    }
    let with_std = load("panics").1.imports();
    assert!(with_std.iter().any(|i| i.starts_with("wasi:cli/")), "the check can fail: {with_std:?}");
}

#[test]
fn invalid_outputs_are_refused() {
    let (rt, p) = load("bad-output");
    let cases = [
        ("huge-tags", "tags, more than the cap"),
        ("huge-header", "printable ASCII line"),
        ("foreign-header", "outside the plugin's namespace"),
        ("bad-code", "not 5xx"),
        ("nan-score", "finite"),
    ];
    assert!(!cases.is_empty());
    for (mode, why) in cases {
        let err = call_data(&p, mode).expect_err(mode);
        assert_eq!(err.class(), FailureClass::InvalidOutput, "{mode}: {err}");
        assert!(err.to_string().contains(why), "{mode}: {err}");
    }
    assert_eq!(p.stats.snapshot().failures_of(FailureClass::InvalidOutput), cases.len() as u64);
    assert_host_still_serves(&rt);
}

#[test]
fn log_lines_are_capped_per_call() {
    let (_rt, p) = load("bad-output");
    let out = call_data(&p, "log-flood").expect("log flooding is not a failure");
    assert_eq!(out.logs.len(), mxr_sandbox::host_api::MAX_LOG_LINES);
}

#[test]
fn plugin_log_lines_are_scrubbed_of_personal_data() {
    let (_rt, p) = load("verdicts");
    let out = call_data(&p, "").unwrap();
    let (level, line) = &out.logs[0];
    assert_eq!((level.as_str(), line.as_str()), ("info", "data: answering for <email> at <phone>"));
}

#[test]
fn every_message_gets_a_fresh_instance() {
    let (_rt, p) = load("counter");
    for _ in 0..5 {
        assert_eq!(call_data(&p, "").unwrap().verdict.tags, vec!["count.1"], "globals must not survive a call");
    }
}

#[test]
fn wasi_offers_no_files_network_environment_or_args() {
    let (_rt, p) = load("wasi-escape");
    let tags = call_data(&p, "").unwrap().verdict.tags;
    let expected = [
        "fs-read.denied",
        "fs-list.denied",
        "fs-write.denied",
        "tcp.denied",
        "tcp-listen.denied",
        "udp.denied",
        "dns.denied",
        "env.denied",
        "args.denied",
        "cwd.denied",
        "clock.allowed",
        "random.allowed",
    ];
    assert_eq!(tags, expected);
}

#[test]
fn a_stuck_plugin_does_not_hold_up_other_calls() {
    let rt = mxr_tests::runtime_with(mxr_sandbox::SandboxLimits {
        deadline: std::time::Duration::from_secs(3),
        ..Default::default()
    });
    let stuck = Arc::new(LoadedPlugin::load_file(&rt, &component("loop-forever")).unwrap());
    let good = LoadedPlugin::load_file(&rt, &component("counter")).unwrap();
    // The party's first call proves it: a party on probation runs one call at a time,
    // so the stuck call, had it come first, would hold up the good ones (whichever of
    // the two threads got there first, under load).
    call_data(&good, "").unwrap();
    let (tx, rx) = channel();
    let tx2 = tx.clone();
    let handle = std::thread::spawn(move || {
        let r = call_data(&stuck, "");
        tx2.send("stuck-finished").unwrap();
        r
    });
    for _ in 0..5 {
        call_data(&good, "").unwrap();
        tx.send("good-finished").unwrap();
    }
    let result = handle.join().unwrap();
    assert_eq!(result.unwrap_err().class(), FailureClass::Timeout);
    let order: Vec<&str> = rx.try_iter().collect();
    assert_eq!(order, ["good-finished"; 5].into_iter().chain(["stuck-finished"]).collect::<Vec<_>>());
}

#[test]
fn failure_policy_decides_what_follows() {
    let (_rt, p) = load("panics");
    let failure = call_data(&p, "").unwrap_err();
    let tempfail = FailurePolicy::default().verdict_for(&failure).expect("tempfail is the default");
    match tempfail.action {
        Action::Tempfail(r) => assert_eq!((r.code, r.enhanced.as_str()), (451, "4.3.0")),
        other => panic!("{other:?}"),
    }
    assert!(FailurePolicy::Skip.verdict_for(&failure).is_none());
}

#[test]
fn incompatible_and_broken_files_are_refused_with_a_reason() {
    let rt = runtime();
    let err = LoadedPlugin::load_file(&rt, &component("wrong-version")).unwrap_err();
    assert!(matches!(err, LoadError::Incompatible(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("mxr:filter@2.0.0") && text.contains("mxr:filter@0.1.0"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8]); 3] = [
        ("garbage.wasm", b"this is not wasm"),
        ("core-module.wasm", b"\0asm\x01\0\0\0"),
        ("truncated.wasm", &std::fs::read(component("counter")).unwrap()[..4000]),
    ];
    for (name, bytes) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let err = LoadedPlugin::load_file(&rt, &path).unwrap_err();
        assert!(matches!(err, LoadError::Compile(_)), "{name}: {err}");
    }
}

#[test]
fn stages_a_plugin_does_not_hook_cost_nothing() {
    let (_rt, p) = load("counter");
    let out = p.call(&StageCall::Connect, &input(Grant::NOTHING, "statistics", CLEAN, "")).unwrap();
    assert_eq!(out.verdict.action, Action::Continue);
    assert_eq!(p.stats.snapshot().calls, 0, "no instance was made");
}

#[test]
fn a_plugins_own_limits_are_the_ones_in_force() {
    use mxr_sandbox::PluginLimits;
    use std::time::Duration;
    let (_rt, looping) = load("loop-forever");
    let mut inp = input(looping.grant, "spam-filtering", CLEAN, "");
    let own = Duration::from_millis(40);
    inp.limits = PluginLimits { deadline: Some(own), memory_bytes: None };
    // Its own 40 ms of CPU, or, on a machine too busy to give it those within the
    // wall-clock backstop, the backstop of that deadline (the default's are 200 ms and
    // 5 s): either way the plugin's own deadline is the one in force.
    let backstop = own * mxr_sandbox::clock::WALL_BACKSTOP_FACTOR;
    let failure = looping.call(&StageCall::Data, &inp).unwrap_err();
    assert!([PluginFailure::Timeout(own), PluginFailure::Timeout(backstop)].contains(&failure), "{failure:?}");
    let (_rt, bomb) = load("memory-bomb");
    let mut inp = input(bomb.grant, "spam-filtering", CLEAN, "");
    inp.limits = PluginLimits { deadline: None, memory_bytes: Some(8 << 20) };
    assert_eq!(bomb.call(&StageCall::Data, &inp).unwrap_err(), PluginFailure::OutOfMemory(8 << 20));
}

#[test]
fn compiled_artifacts_are_cached_and_a_bad_entry_is_recompiled_never_trusted() {
    use mxr_sandbox::{PluginRuntime, RuntimeConfig};
    let cache = tempfile::tempdir().unwrap();
    let rt = PluginRuntime::new(RuntimeConfig {
        max_instances: 4,
        cache_dir: Some(cache.path().to_owned()),
        ..RuntimeConfig::default()
    })
    .unwrap();
    let first = LoadedPlugin::load_file(&rt, &component("counter")).unwrap();
    let entries: Vec<_> = std::fs::read_dir(cache.path()).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(entries.len(), 1, "one entry per file hash and engine: {entries:?}");
    let entry = &entries[0];
    assert!(entry.file_name().unwrap().to_string_lossy().starts_with(&first.identity.sha256));
    let good = std::fs::read(entry).unwrap();

    // Flip a byte of the compiled code: the checksum catches it, and it is recompiled.
    let mut bad = good.clone();
    let at = bad.len() / 2;
    bad[at] ^= 0xff;
    std::fs::write(entry, &bad).unwrap();
    let again = LoadedPlugin::load_file(&rt, &component("counter")).unwrap();
    assert_eq!(
        again.call(&StageCall::Data, &input(again.grant, "statistics", CLEAN, "")).unwrap().verdict.tags,
        vec!["count.1"]
    );
    assert_eq!(std::fs::read(entry).unwrap(), good, "the bad entry was replaced by a fresh compile");

    // Garbage of the right shape (checksum valid, not a wasmtime artifact) is refused by
    // wasmtime's own header check, and recompiled too.
    let payload = b"not a compiled component".to_vec();
    let mut forged = sha2_digest(&payload);
    forged.extend_from_slice(&payload);
    std::fs::write(entry, &forged).unwrap();
    LoadedPlugin::load_file(&rt, &component("counter")).unwrap();
    assert_eq!(std::fs::read(entry).unwrap(), good);
}

fn sha2_digest(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}

#[test]
fn a_settings_check_is_optional_and_a_failing_check_refuses_the_text() {
    let (_rt, legacy) = load("legacy-filter");
    assert!(!legacy.checks_settings(), "built against the `filter` world alone");
    assert!(legacy.check_settings("anything").is_ok(), "no check: the text is taken as given");
    let out = call_data(&legacy, "abc").expect("a plugin without the export still runs");
    assert_eq!(out.verdict.tags, vec!["settings.3"], "and gets its settings");

    let (_rt, spam) = load("spam-score");
    assert!(spam.checks_settings());
    assert!(spam.check_settings("tag = 2\n").is_ok());
    match spam.check_settings("tag = two\n") {
        Err(mxr_sandbox::SettingsRefused::Refused(why)) => assert!(why.contains("is not a number"), "{why}"),
        other => panic!("refused with the plugin's words, not {other:?}"),
    }
    let (rt, panics) = load("panics");
    match panics.check_settings("tag = 2\n") {
        Err(mxr_sandbox::SettingsRefused::Failed(PluginFailure::Trap(_))) => {}
        other => panic!("a trapping check refuses the text, not {other:?}"),
    }
    assert_host_still_serves(&rt);
}

/// A detector that counts its calls, over the pattern detector.
#[derive(Default)]
struct Counting(std::sync::atomic::AtomicUsize);

impl mxr_privacy::detect::Detector for Counting {
    fn detect(&self, text: &str) -> Vec<mxr_privacy::detect::Span> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        mxr_privacy::detect::Detector::detect(&mxr_privacy::detect::PatternDetector, text)
    }
}

#[test]
fn the_detector_is_warmed_when_the_runtime_starts() {
    use mxr_sandbox::{PluginRuntime, RuntimeConfig};
    let counting = Arc::new(Counting::default());
    let _rt = PluginRuntime::new(RuntimeConfig { detector: counting.clone(), ..RuntimeConfig::default() }).unwrap();
    // Its automata are compiled by that first detection, before any plugin's deadline.
    assert_eq!(counting.0.load(std::sync::atomic::Ordering::SeqCst), 1, "one warming detection at start");
}

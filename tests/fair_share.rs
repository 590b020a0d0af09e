//! The fair share of plugin workers: a free worker goes to the tenant with the fewest
//! calls running; a tenant that keeps misbehaving, or none of whose calls has gone
//! well yet, runs one call at a time, on a worker the others do not need, and the
//! failing plugin is then isolated; the clock of a call starts only once it has a
//! worker.

use mxr_sandbox::fair_share::{Conduct, FORGIVEN_PER_SUCCESS, FairShare, ISOLATE_AT, Refused, THROTTLE_AT};
use mxr_sandbox::{FailureClass, LoadedPlugin, PluginFailure, SandboxLimits, StageCall};
use mxr_tests::{CLEAN, LIVENESS, component, input, wait_until};
use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier};
use std::time::Duration;

fn name(s: &str) -> Arc<str> {
    Arc::from(s)
}

/// Queues a call for `party` on its own thread; it reports its party once it has a
/// worker, and holds the worker until `release` lets it go.
fn queue_call(
    share: &Arc<FairShare>,
    party: &'static str,
    got: &std::sync::mpsc::Sender<&'static str>,
    release: &Arc<Barrier>,
) -> std::thread::JoinHandle<()> {
    let (share, got, release) = (share.clone(), got.clone(), release.clone());
    std::thread::spawn(move || {
        let _worker = share.enter(&name(party), &name("p")).unwrap();
        got.send(party).unwrap();
        release.wait();
    })
}

/// Takes `party` off probation: one call that goes well.
fn prove(share: &FairShare, party: &str) {
    drop(share.enter(&name(party), &name("p")).unwrap());
}

#[test]
fn a_free_worker_goes_to_the_tenant_with_the_fewest_calls_running() {
    let share = Arc::new(FairShare::new(1, 100));
    prove(&share, "a");
    prove(&share, "b");
    let (got, order) = channel();
    let holder = share.enter(&name("a"), &name("p")).unwrap();
    // Each queued call holds its worker until the test has seen who got it.
    let release = Arc::new(Barrier::new(2));
    let mut threads: Vec<_> = (0..3).map(|_| queue_call(&share, "a", &got, &release)).collect();
    wait_until(LIVENESS, "three calls of tenant a queued", || share.waiting() == 3);
    threads.push(queue_call(&share, "b", &got, &release));
    wait_until(LIVENESS, "tenant b's call queued behind them", || share.waiting() == 4);
    drop(holder);
    let mut seen = vec![];
    for _ in 0..4 {
        seen.push(order.recv_timeout(LIVENESS).unwrap());
        release.wait();
    }
    assert_eq!(seen, ["b", "a", "a", "a"], "b waited behind a's queue (a had used the worker, b not)");
    threads.into_iter().for_each(|t| t.join().unwrap());
}

#[test]
fn a_misbehaving_tenant_runs_one_call_at_a_time_then_its_plugin_is_isolated() {
    let share = FairShare::new(2, 100);
    let (a, b, p) = (name("a"), name("b"), name("p"));
    prove(&share, "b");
    for _ in 0..THROTTLE_AT {
        share.enter(&a, &p).unwrap().record(Conduct::Misbehaved);
    }
    let first = share.enter(&a, &p).unwrap();
    let second = std::thread::scope(|s| {
        let waiter = s.spawn(|| share.enter(&a, &p).map(drop));
        wait_until(LIVENESS, "a's second call to queue", || share.waiting() == 1);
        // Both workers are free, but not for a throttled tenant, whose one call runs on
        // a worker of the throttled: b gets both at once.
        let others = [share.enter(&b, &p), share.enter(&b, &p)].map(|w| w.expect("b is served while a is throttled"));
        assert_eq!(share.running(), 3, "a's throttled call and b's two");
        assert_eq!(share.waiting(), 1, "a's second call ran beside its first");
        drop(others);
        drop(first);
        waiter.join().unwrap()
    });
    assert!(second.is_ok());
    let mut failures = 0;
    while let Ok(mut worker) = share.enter(&a, &p) {
        worker.record(Conduct::Misbehaved);
        failures += 1;
        assert!(failures <= ISOLATE_AT, "not isolated after {failures} failures in a row");
    }
    assert!(matches!(share.enter(&a, &p).map(drop), Err(Refused::Isolated(_))));
    assert!(share.enter(&a, &name("other-plugin")).is_ok(), "only the failing plugin is isolated");
    assert!(share.enter(&b, &p).is_ok(), "another tenant's use of the plugin is not isolated");
}

/// One call of `party` to `plugin`, recorded as `conduct`; whether it ran throttled,
/// or the refusal.
fn call(share: &FairShare, party: &str, plugin: &str, conduct: Conduct) -> Result<bool, Refused> {
    let mut worker = share.enter(&name(party), &name(plugin))?;
    worker.record(conduct);
    Ok(worker.throttled())
}

/// A burning call between good ones is not forgiven by the next good one: a tenant
/// that alternates them is throttled, and its plugin isolated, all the same. A plugin
/// that fails now and then (one call in five) is neither.
#[test]
fn failures_between_good_calls_still_throttle_and_isolate() {
    let share = FairShare::new(2, 100);
    prove(&share, "a");
    let mut pairs = 0;
    while !call(&share, "a", "p", Conduct::Good).unwrap() {
        call(&share, "a", "p", Conduct::Misbehaved).unwrap();
        pairs += 1;
        assert!(pairs <= THROTTLE_AT * FORGIVEN_PER_SUCCESS, "not throttled after {pairs} failures between good calls");
    }
    let mut failures = pairs;
    loop {
        match call(&share, "a", "p", Conduct::Misbehaved) {
            Err(Refused::Isolated(_)) => break,
            Ok(throttled) => assert!(throttled, "still throttled while it keeps failing"),
        }
        call(&share, "a", "p", Conduct::Good).unwrap_or_default();
        failures += 1;
        assert!(failures <= 2 * ISOLATE_AT, "not isolated after {failures} failures between good calls");
    }
    // One failure in five, over many calls: never throttled, never isolated.
    prove(&share, "b");
    for i in 0..200 {
        let conduct = if i % 5 == 0 { Conduct::Misbehaved } else { Conduct::Good };
        assert_eq!(call(&share, "b", "p", conduct), Ok(false), "call {i}");
    }
}

#[test]
fn a_new_tenant_runs_one_call_at_a_time_until_one_goes_well() {
    let share = FairShare::new(2, 100);
    let (a, p) = (name("a"), name("p"));
    let first = share.enter(&a, &p).unwrap();
    assert!(first.throttled(), "a tenant never seen runs on the throttled worker, at the lowest priority");
    std::thread::scope(|s| {
        let second = s.spawn(|| share.enter(&a, &p).map(|w| w.throttled()));
        wait_until(LIVENESS, "a's second call to queue", || share.waiting() == 1);
        assert!(!share.overloaded(), "a tenant on probation waits for its own worker, not the others'");
        assert_eq!(share.running(), 1, "both of the others' workers stay free");
        drop(first); // a call that went well
        assert_eq!(second.join().unwrap(), Ok(false), "the first went well: the queued call runs as any other");
    });
    let (x, y) = (share.enter(&a, &p).unwrap(), share.enter(&a, &p).unwrap());
    assert!(!x.throttled() && !y.throttled(), "proven, it has both workers at once");
    drop((x, y));
    // A tenant whose first call misbehaved is still on probation.
    let mut bad = share.enter(&name("c"), &p).unwrap();
    bad.record(Conduct::Misbehaved);
    drop(bad);
    assert!(share.enter(&name("c"), &p).unwrap().throttled());
}

/// A call that waits for a worker is not charged for the wait: with one worker held
/// by a stuck call for longer than the deadline, a good call queued behind it still
/// gets its whole deadline once it runs.
#[test]
fn waiting_for_a_worker_does_not_count_against_the_deadline() {
    let rt = mxr_tests::runtime_with_workers(
        SandboxLimits { deadline: Duration::from_millis(150), ..SandboxLimits::default() },
        1,
    );
    let stuck = LoadedPlugin::load_file(&rt, &component("loop-forever")).unwrap();
    let good = LoadedPlugin::load_file(&rt, &component("counter")).unwrap();
    let call = |p: &LoadedPlugin| p.call(&StageCall::Data, &input(p.grant, &p.manifest.purpose, CLEAN, ""));
    std::thread::scope(|s| {
        let looping = s.spawn(|| call(&stuck));
        wait_until(LIVENESS, "the looping call to hold the worker", || rt.share().running() == 1);
        let waiting = s.spawn(|| call(&good));
        wait_until(LIVENESS, "the good call to queue", || rt.share().waiting() == 1);
        let failed: Result<_, PluginFailure> = looping.join().unwrap();
        assert_eq!(failed.unwrap_err().class(), FailureClass::Timeout);
        let out = waiting.join().unwrap().expect("the queued call kept its deadline");
        assert_eq!(out.verdict.tags, vec!["count.1"]);
    });
}

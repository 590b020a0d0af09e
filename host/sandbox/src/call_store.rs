//! The wasmtime store of one call: the memory cap, the deadline on the plugin's own
//! time (the epoch only wakes the check; host functions stop the clock), a bare store
//! for calls outside any transaction, and the failure class of what stopped a call.

use super::clock::Overrun;
use super::failure::PluginFailure;
use super::identity::PluginIdentity;
use super::runtime::PluginRuntime;
use super::state::{CallContext, StoreState};
use mxr_mail::Envelope;
use mxr_privacy::{CategorySet, Grant, Pseudonymizer};
use std::sync::Arc;
use std::time::Duration;
use wasmtime::{CallHook, Store, Trap, UpdateDeadline};

/// A store for one call. The epoch only wakes the deadline check; what counts is
/// the plugin's own time ([`PluginClock`](super::clock::PluginClock)), and host
/// functions stop that clock while they run.
pub(crate) fn new_store(
    runtime: &PluginRuntime,
    ctx: CallContext,
    deadline: Duration,
    memory: usize,
) -> Store<StoreState> {
    let mut store = Store::new(&runtime.engine, StoreState::new(ctx, memory, deadline, runtime.ticker.ticking()));
    store.limiter(|s| &mut s.memory);
    let tick = runtime.config.tick;
    store.set_epoch_deadline(ticks_in(deadline, tick));
    store.epoch_deadline_callback(move |ctx| match ctx.data().clock.remaining() {
        Ok(left) => Ok(UpdateDeadline::Continue(ticks_in(left, tick))),
        Err(overrun) => Err(wasmtime::Error::new(overrun)),
    });
    store.call_hook(|mut ctx, hook| {
        match hook {
            CallHook::CallingHost => ctx.data_mut().clock.enter_host(),
            CallHook::ReturningFromHost => ctx.data_mut().clock.leave_host().map_err(wasmtime::Error::new)?,
            CallHook::CallingWasm | CallHook::ReturningFromWasm => {}
        }
        Ok(())
    });
    store
}

/// Whole epoch ticks in `d`, at least one.
fn ticks_in(d: Duration, tick: Duration) -> u64 {
    (d.as_nanos() / tick.as_nanos().max(1)).max(1) as u64
}

/// A store for a call outside any transaction (the manifest, a settings check): no
/// grant, no mail, `config` as the text `config()` returns.
pub(crate) fn bare_store(runtime: &PluginRuntime, plugin: Arc<PluginIdentity>, config: Arc<str>) -> Store<StoreState> {
    let limits = &runtime.config.limits;
    let ctx = CallContext {
        plugin,
        config,
        grant: Grant::NOTHING,
        pseudonyms: Arc::new(Pseudonymizer::derive(&[0; 32], "manifest")),
        detector: runtime.config.detector.clone(),
        envelope: Arc::new(Envelope::default()),
        message: None,
        caps: limits.output,
        max_input_bytes: 0,
        disclosed: CategorySet::default(),
        logs: vec![],
        logs_dropped: 0,
        panic_line: None,
    };
    new_store(runtime, ctx, limits.deadline, limits.memory_bytes)
}

/// Turns a wasmtime error from a call into its failure class.
pub(crate) fn classify(err: wasmtime::Error, state: &StoreState, deadline: Duration) -> PluginFailure {
    if state.memory.hit {
        return PluginFailure::OutOfMemory(state.memory.bytes);
    }
    if let Some(overrun) = err.downcast_ref::<Overrun>() {
        tracing::debug!(plugin = %state.call.plugin, %overrun, clock = ?state.clock, own = ?state.clock.own_time(), "plugin call stopped");
        return PluginFailure::Timeout(overrun.budget());
    }
    if err.downcast_ref::<wasmtime::PoolConcurrencyLimitError>().is_some() {
        return PluginFailure::Capacity(format!("{err:#}"));
    }
    match err.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => PluginFailure::Timeout(deadline),
        Some(Trap::StackOverflow) => PluginFailure::Trap("stack overflow".into()),
        Some(trap) => match panic_text(state) {
            Some(said) => PluginFailure::Trap(format!("{trap}; the plugin said: {said}")),
            None => PluginFailure::Trap(trap.to_string()),
        },
        None => PluginFailure::Trap(format!("{err:#}")),
    }
}

/// Why the plugin trapped, in its own (scrubbed) words: a filter with std writes a
/// panic to stderr; one without (`mxr_sdk::no_std_runtime!`) logs it as an error line
/// starting `panicked` just before it traps, kept even when its log lines ran out.
fn panic_text(state: &StoreState) -> Option<String> {
    let stderr = state.stderr_text();
    if !stderr.is_empty() {
        return Some(super::host_api::scrub(state, &stderr));
    }
    state.call.panic_line.as_deref().map(|line| super::host_api::scrub(state, line))
}

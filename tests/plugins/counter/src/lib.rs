//! Counts calls in a global: with a fresh instance per message, every call sees 1.
//! Tags `body-truncated` when the bodies it could read were cut at 256 KiB. Built
//! without std, so its component imports no WASI (the cheapest instance to start).
#![no_std]
extern crate alloc;
use core::sync::atomic::{AtomicU32, Ordering};
use mxr_sdk::{Envelope, Filter, Message, Verdict};
static CALLS: AtomicU32 = AtomicU32::new(0);
struct Counter;
impl Filter for Counter {
    fn on_data(_env: &Envelope, msg: &Message) -> Verdict {
        let n = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
        let counted = Verdict::next().with_tag(&alloc::format!("count.{n}"));
        if msg.body_truncated() { counted.with_tag("body-truncated") } else { counted }
    }
}
mxr_sdk::export_filter!(Counter, purpose = "statistics", categories = [], stages = [Data]);
mxr_sdk::no_std_runtime!();

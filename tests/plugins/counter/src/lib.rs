//! Counts calls in a global: with a fresh instance per message, every call sees 1.
use mxr_sdk::{Envelope, Filter, Message, Verdict};
use std::sync::atomic::{AtomicU32, Ordering};
static CALLS: AtomicU32 = AtomicU32::new(0);
struct Counter;
impl Filter for Counter {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        let n = CALLS.fetch_add(1, Ordering::SeqCst) + 1;
        Verdict::next().with_tag(&format!("count.{n}"))
    }
}
mxr_sdk::export_filter!(Counter, purpose = "statistics", categories = [], stages = [Data]);

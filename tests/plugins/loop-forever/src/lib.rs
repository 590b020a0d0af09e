//! Never returns from the data hook: the epoch deadline must stop it.
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct LoopForever;
impl Filter for LoopForever {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        let mut n: u64 = 0;
        loop {
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}
mxr_sdk::export_filter!(LoopForever, purpose = "spam-filtering", categories = [], stages = [Data]);

//! Allocates until something stops it: the memory cap must.
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct MemoryBomb;
impl Filter for MemoryBomb {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        let mut hoard: Vec<Vec<u8>> = Vec::new();
        loop {
            hoard.push(vec![1u8; 1 << 20]);
            std::hint::black_box(&hoard);
        }
    }
}
mxr_sdk::export_filter!(MemoryBomb, purpose = "spam-filtering", categories = [], stages = [Data]);

//! Recurses without bound: the engine's wasm stack limit must trap it.
//!
//! Frames hold no large locals, so they live on the wasm stack. (With large locals
//! Rust puts them on its shadow stack in linear memory instead, which overflows into
//! an out-of-bounds access: also a trap, but not the limit this plugin exercises.)
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct DeepRecursion;
#[allow(unconditional_recursion)]
fn depth(n: u64) -> u64 {
    // black_box on the result keeps LLVM from turning this into a loop.
    std::hint::black_box(depth(std::hint::black_box(n + 1))) + 1
}
impl Filter for DeepRecursion {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        Verdict::next().with_score(depth(0) as f64)
    }
}
mxr_sdk::export_filter!(DeepRecursion, purpose = "spam-filtering", categories = [], stages = [Data]);

//! Returns an output the host must refuse; which one is chosen by its config:
//! `huge-tags`, `huge-header`, `foreign-header`, `bad-code`, `nan-score`, `log-flood`.
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct BadOutput;
impl Filter for BadOutput {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        match mxr_sdk::config().trim() {
            "huge-tags" => (0..100_000).fold(Verdict::next(), |v, i| v.with_tag(&format!("t{i}"))),
            "huge-header" => Verdict::next().with_header("X-Bad-Output", &"x".repeat(8 << 20)),
            "foreign-header" => Verdict::next().with_header("Received", "from forged.example"),
            "bad-code" => Verdict::reject(250, "2.0.0", "this is no rejection"),
            "nan-score" => Verdict::next().with_score(f64::NAN),
            "log-flood" => {
                for i in 0..10_000 {
                    mxr_sdk::log(mxr_sdk::Level::Info, &format!("line {i}"));
                }
                Verdict::next()
            }
            other => Verdict::reject(550, "5.7.1", &format!("unknown mode {other}")),
        }
    }
}
mxr_sdk::export_filter!(BadOutput, purpose = "spam-filtering", categories = [], stages = [Data]);

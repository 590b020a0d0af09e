//! Panics, with personal data in the message: the trap is classified and the
//! panic text reaches the log scrubbed. Its settings check panics too: a check that
//! fails refuses the text.
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct Panics;
impl Filter for Panics {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        panic!("cannot handle mail from jan.jansen@example.nl, call 06-12345678");
    }
    fn check_settings(_text: &str) -> Result<(), String> {
        panic!("cannot read settings");
    }
}
mxr_sdk::export_filter!(Panics, purpose = "spam-filtering", categories = [], stages = [Data]);

//! `panics` without std: its component imports no WASI, so the panic message reaches
//! the relay through the SDK's panic handler and the host log, scrubbed all the same.
#![no_std]
extern crate alloc;
use alloc::string::String;
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct Panics;
impl Filter for Panics {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        // `log-flood`: every log line is used up before the panic.
        let flood = if mxr_sdk::config().trim() == "log-flood" { 100 } else { 0 };
        (0..flood).for_each(|_| mxr_sdk::log(mxr_sdk::Level::Info, "busy"));
        panic!("cannot handle mail from jan.jansen@example.nl, call 06-12345678");
    }
    fn check_settings(_text: &str) -> Result<(), String> {
        panic!("cannot read settings");
    }
}
mxr_sdk::export_filter!(Panics, purpose = "spam-filtering", categories = [], stages = [Data]);
mxr_sdk::no_std_runtime!();

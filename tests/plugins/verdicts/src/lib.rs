//! Answers at every stage with the verdict its config names, one `stage = action` line
//! each (e.g. `rcpt = reject`, `data = quarantine`); `continue` otherwise. Also logs a
//! line holding personal data, to prove the host scrubs plugin logs.
use mxr_sdk::{Envelope, Filter, Message, Shown, Verdict};
struct Verdicts;
fn answer(stage: &str) -> Verdict {
    let config = mxr_sdk::config();
    let action = config
        .lines()
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim() == stage)
        .map(|(_, v)| v.trim().to_owned());
    mxr_sdk::log(mxr_sdk::Level::Info, &format!("{stage}: answering for jan.jansen@example.nl at 06-12345678"));
    match action.as_deref() {
        Some("accept") => Verdict::accept(),
        Some("reject") => Verdict::reject(550, "5.7.1", &format!("Rejected at {stage} by test policy")),
        Some("tempfail") => Verdict::tempfail(451, "4.7.1", &format!("Try again later ({stage})")),
        Some("discard") => Verdict::discard(),
        Some("quarantine") => Verdict::quarantine(&format!("quarantined at {stage}")),
        _ => Verdict::next(),
    }
    .with_tag(&format!("seen.{stage}"))
    .with_score(1.0)
    .with_header("X-Verdicts-Stage", stage)
}
impl Filter for Verdicts {
    fn on_connect(_env: &Envelope) -> Verdict {
        answer("connect")
    }
    fn on_mail_from(_env: &Envelope) -> Verdict {
        answer("mail-from")
    }
    fn on_rcpt(_env: &Envelope, _rcpt: Shown) -> Verdict {
        answer("rcpt")
    }
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        answer("data")
    }
}
mxr_sdk::export_filter!(
    Verdicts,
    purpose = "spam-filtering",
    categories = [Content],
    stages = [Connect, MailFrom, Rcpt, Data]
);

//! `sender-policy`: block and allow lists of sender domains, at MAIL FROM, and the
//! sender domain's DMARC policy, at DATA, when the tenant asks for it.
//!
//! Config (one list per line, comma-separated; `*.example` also matches subdomains;
//! an internationalised domain matches in either form, `bücher.example` or
//! `xn--bcher-kva.example`):
//! ```text
//! block = spam.example, *.bad.test
//! allow = partner.example
//! dmarc = enforce
//! ```
//! A blocked domain gets `550 5.7.1`; an allowed one is accepted at this stage and
//! tagged. With `dmarc = enforce`, mail whose From domain publishes `p=reject` and
//! fails DMARC gets `550 5.7.1` (a temporary DMARC error never rejects). Its purpose,
//! `spam-filtering`, shows the sender's domain but pseudonymises the local part, which
//! is all a domain policy needs.
// No std: the component then imports `mxr:filter` alone and starts faster
// (`mxr_sdk::no_std_runtime!` below).
#![no_std]
extern crate alloc;

mod domains;
mod punycode;

use domains::Decision;
use mxr_sdk::auth::{DmarcPolicy, Outcome};
use mxr_sdk::{Envelope, Filter, Message, Verdict};

struct SenderPolicy;

impl Filter for SenderPolicy {
    fn on_mail_from(env: &Envelope) -> Verdict {
        match domains::decide(&mxr_sdk::config(), env.mail_from().domain()) {
            Decision::Block => Verdict::reject(550, "5.7.1", "Sender domain is blocked by the recipient's policy")
                .with_tag("sender-blocked"),
            Decision::Allow => Verdict::accept().with_tag("sender-allowed").with_score(-5.0),
            Decision::Pass => Verdict::next(),
        }
    }
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        let Some(r) = domains::enforces_dmarc(&mxr_sdk::config()).then(mxr_sdk::authentication).flatten() else {
            return Verdict::next();
        };
        match (r.dmarc.result, r.dmarc.policy) {
            (Outcome::Fail, DmarcPolicy::Reject) => {
                Verdict::reject(550, "5.7.1", "Rejected by the sender domain's DMARC policy").with_tag("dmarc-reject")
            }
            (Outcome::Fail, _) => Verdict::next().with_tag("dmarc-fail"),
            _ => Verdict::next(),
        }
    }
}

mxr_sdk::export_filter!(
    SenderPolicy,
    purpose = "spam-filtering",
    categories = [EmailAddress],
    stages = [MailFrom, Data]
);
mxr_sdk::no_std_runtime!();

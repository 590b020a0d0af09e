//! `sender-policy`: block and allow lists of sender domains, at MAIL FROM.
//!
//! Config (one list per line, comma-separated; `*.example` also matches subdomains):
//! ```text
//! block = spam.example, *.bad.test
//! allow = partner.example
//! ```
//! A blocked domain gets `550 5.7.1`; an allowed one is accepted at this stage and
//! tagged. Its purpose, `spam-filtering`, shows the sender's domain but pseudonymises
//! the local part, which is all a domain policy needs.

mod domains;

use domains::Decision;
use mxr_sdk::{Envelope, Filter, Verdict};

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
}

mxr_sdk::export_filter!(SenderPolicy, purpose = "spam-filtering", categories = [EmailAddress], stages = [MailFrom]);

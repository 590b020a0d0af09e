//! `spam-score`: heuristic spam scoring, with thresholds to tag, quarantine or reject.
//!
//! Rules: spam phrases (English and Dutch) in subject and body, shouting capitals,
//! runs of exclamation marks, link-heavy HTML, link text naming another host than its
//! href, suspicious top-level domains, a missing Date or Message-ID, and failed
//! sender authentication (SPF fail 3.0, softfail 1.0; each failed DKIM signature 2.0;
//! DMARC fail 2.0, from the relay's checks). Its purpose,
//! `spam-filtering`, shows the text failing closed (words of the public vocabulary in
//! clear, personal data in its form, any other word a pseudonym) and sender domains in
//! full. It asks for `network` too: host names in links and text are network data,
//! and the link rules judge them.
//!
//! Config (`key = value` lines; defaults shown):
//! ```text
//! tag = 5.0
//! quarantine = 10.0
//! reject = 15.0
//! phrases = extra phrase, another one
//! ```
// No std: the component then imports `mxr:filter` alone and starts faster
// (`mxr_sdk::no_std_runtime!` below).
#![no_std]
extern crate alloc;

mod phrases;
mod rules;
mod settings;

use alloc::{format, string::String, vec::Vec};
use mxr_sdk::{Envelope, Filter, Message, Verdict};
use settings::Settings;

struct SpamScore;

impl Filter for SpamScore {
    fn check_settings(text: &str) -> Result<(), String> {
        settings::check(text)
    }
    fn on_data(_env: &Envelope, msg: &Message) -> Verdict {
        let (settings, warnings) = Settings::parse(&mxr_sdk::config());
        for w in warnings {
            mxr_sdk::log(mxr_sdk::Level::Warn, &w);
        }
        let (subject, text, html) = (msg.subject(), msg.text_body(), msg.html_body());
        let names = msg.header_names();
        let mail = rules::MailText {
            subject: subject.text().unwrap_or_default(),
            text: text.text().unwrap_or_default(),
            html: html.text().unwrap_or_default(),
            header_names: &names,
        };
        let mut hits = rules::score(&mail, &settings.extra_phrases);
        if let Some(r) = mxr_sdk::authentication() {
            use mxr_sdk::auth::Outcome::{Fail, Softfail};
            let checks = rules::SenderChecks {
                spf_fail: r.spf.result == Fail,
                spf_softfail: r.spf.result == Softfail,
                dkim_failed: r.dkim.iter().filter(|d| d.result == Fail).count(),
                dmarc_fail: r.dmarc.result == Fail,
            };
            hits.extend(rules::authentication(&checks));
        }
        // `+ 0.0`: a sum of no floats is -0.0, which would print as "-0.0".
        let score: f64 = hits.iter().map(|h| h.score).sum::<f64>() + 0.0;
        let detail: Vec<String> = hits.iter().map(|h| format!("{}={:.1}", h.rule, h.score)).collect();
        let mut verdict = if score >= settings.reject {
            Verdict::reject(550, "5.7.1", "Message rejected as spam")
        } else if score >= settings.quarantine {
            Verdict::quarantine(&format!("spam score {score:.1}"))
        } else {
            Verdict::next()
        };
        if score >= settings.tag {
            verdict = verdict.with_tag("spam");
        }
        for h in &hits {
            verdict = verdict.with_tag(&format!("spam.{}", h.rule));
        }
        let summary = format!("{score:.1} ({})", if detail.is_empty() { "clean".into() } else { detail.join(" ") });
        verdict.with_score(score).with_header("X-Spam-Score", &summary)
    }
}

mxr_sdk::export_filter!(
    SpamScore,
    purpose = "spam-filtering",
    categories = [Content, EmailAddress, Conversion, Network],
    stages = [Data]
);
mxr_sdk::no_std_runtime!();

//! The message path on untrusted bytes: parse, detect, and render every accessor's
//! view under every purpose of the default policy. Never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mxr_mail::Envelope;
use mxr_privacy::detect::PatternDetector;
use mxr_privacy::render::Renderer;
use mxr_privacy::{Category, Grant, Pseudonymizer, PurposePolicy, ScannedMail, accessors};

fuzz_target!(|raw: &[u8]| {
    let policy = PurposePolicy::default_policy();
    let msg = ScannedMail::parse(raw);
    let env = Envelope {
        client_ip: Some([192, 0, 2, 1].into()),
        helo: Some(String::from_utf8_lossy(&raw[..raw.len().min(40)]).into_owned()),
        mail_from: msg.from().first().and_then(|a| a.address.clone()),
        rcpts: msg.to().iter().filter_map(|a| a.address.clone()).collect(),
        ..Envelope::default()
    };
    for purpose in policy.purpose_ids() {
        let grant = Grant::for_purpose(&policy, purpose, Category::ALL.into_iter().collect()).unwrap();
        let p = Pseudonymizer::derive(&[7; 32], purpose);
        let r = Renderer { grant: &grant, pseudonyms: &p, detector: &PatternDetector };
        let _ = (accessors::client_ip(&r, &env), accessors::helo(&r, &env), accessors::mail_from(&r, &env));
        let _ = accessors::recipients(&r, &env);
        let _ = (accessors::subject(&r, &msg), accessors::text_body(&r, &msg), accessors::html_body(&r, &msg));
        let _ = (accessors::addresses(&r, msg.from()), accessors::addresses(&r, msg.to()));
        for name in accessors::header_names(&r, &msg) {
            let _ = accessors::header(&r, &msg, &name);
        }
        for a in accessors::attachments(&r, &msg) {
            let _ = accessors::attachment_content(&r, &msg, a.index, 1 << 20);
        }
    }
});

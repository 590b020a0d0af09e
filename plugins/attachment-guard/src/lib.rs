//! `attachment-guard`: refuses executable and script attachments, double extensions
//! that hide them, and content whose bytes contradict its declared type; quarantines
//! macro-enabled Office documents.
//!
//! Its purpose, `malware-scanning`, gives it attachments in full and nothing about the
//! people in the mail. Config: `extra_blocked = ext1, ext2` adds extensions.
// No std: the component then imports `mxr:filter` alone and starts faster
// (`mxr_sdk::no_std_runtime!` below).
#![no_std]
extern crate alloc;

mod magic;
mod policy;

use alloc::format;
use mxr_sdk::{Envelope, Filter, Message, Verdict};
use policy::Finding;

struct AttachmentGuard;

impl Filter for AttachmentGuard {
    fn on_data(_env: &Envelope, msg: &Message) -> Verdict {
        let extra = policy::extra_blocked(&mxr_sdk::config());
        let mut verdict = Verdict::next();
        for att in msg.attachments() {
            let content = || msg.attachment_content(att.index).ok();
            match policy::judge(att.name.as_deref(), &att.content_type, content, &extra) {
                Finding::Clean => {}
                Finding::Reject(why) => {
                    return Verdict::reject(554, "5.7.1", &format!("Attachment refused: {why}"))
                        .with_tag("attachment-blocked");
                }
                Finding::Quarantine(why) => verdict = Verdict::quarantine(&why).with_tag("attachment-suspect"),
                Finding::Suspicious(tag, score) => verdict = verdict.with_tag(tag).with_score(score),
            }
        }
        verdict
    }
}

mxr_sdk::export_filter!(
    AttachmentGuard,
    purpose = "malware-scanning",
    categories = [AttachmentMeta, AttachmentContent],
    stages = [Data]
);
mxr_sdk::no_std_runtime!();

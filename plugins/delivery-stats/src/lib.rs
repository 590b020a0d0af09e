//! `delivery-stats`: tags each message with what a statistics purpose may see.
//!
//! Its purpose, `statistics`, gets pseudonyms and domains only; the tags it returns
//! (sender domain, recipient count, size bucket, and the attachment count where the
//! grant shows attachments) are safe to count.
// No std: the component then imports `mxr:filter` alone and starts faster
// (`mxr_sdk::no_std_runtime!` below).
#![no_std]
extern crate alloc;

mod stats_tags;

use mxr_sdk::{Category, Envelope, Filter, Form, Message, Verdict, form_of};

struct DeliveryStats;

impl Filter for DeliveryStats {
    fn on_data(env: &Envelope, msg: &Message) -> Verdict {
        // Counting attachments needs attachment-meta; under a grant that withholds it
        // there is nothing honest to say.
        let attachments = (form_of(Category::AttachmentMeta) != Form::Withheld).then(|| msg.attachments().len());
        let from = env.mail_from();
        let tags = stats_tags::tags(env.recipients().len(), msg.size(), attachments, from.domain());
        tags.iter().fold(Verdict::next(), |v, t| v.with_tag(t))
    }
}

mxr_sdk::export_filter!(
    DeliveryStats,
    purpose = "statistics",
    categories = [EmailAddress, AttachmentMeta],
    stages = [Data]
);
mxr_sdk::no_std_runtime!();

//! `delivery-stats`: tags each message with what a statistics purpose may see.
//!
//! Its purpose, `statistics`, gets pseudonyms and domains only; the tags it returns
//! (sender domain, recipient count, size bucket, attachment count) are safe to count.

use mxr_sdk::{Category, Envelope, Filter, Form, Message, Verdict, form_of};

struct DeliveryStats;

impl Filter for DeliveryStats {
    fn on_data(env: &Envelope, msg: &Message) -> Verdict {
        let rcpts = env.recipients().len();
        let mut verdict = Verdict::next()
            .with_tag(&format!("rcpts.{}", bucket(rcpts as u64, &[1, 2, 5, 10, 50])))
            .with_tag(&format!("size.{}", size_bucket(msg.size())));
        // Counting attachments needs attachment-meta; under a grant that withholds it
        // there is nothing honest to say.
        if form_of(Category::AttachmentMeta) != Form::Withheld {
            verdict = verdict.with_tag(&format!("attachments.{}", msg.attachments().len().min(9)));
        }
        if let Some(domain) = env.mail_from().domain() {
            verdict = verdict.with_tag(&format!("from-domain.{}", tag_safe(domain)));
        } else {
            verdict = verdict.with_tag("from-domain.none");
        }
        verdict
    }
}

/// The smallest bound that is >= n, or `more`.
fn bucket(n: u64, bounds: &[u64]) -> String {
    bounds.iter().find(|b| n <= **b).map_or("more".into(), |b| format!("le{b}"))
}

fn size_bucket(size: u64) -> String {
    bucket(size, &[4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 10 << 20])
}

/// Keeps a tag inside the relay's tag alphabet `[a-z0-9._-]`.
fn tag_safe(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect()
}

mxr_sdk::export_filter!(
    DeliveryStats,
    purpose = "statistics",
    categories = [EmailAddress, AttachmentMeta],
    stages = [Data]
);

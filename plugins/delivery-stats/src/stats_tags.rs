//! The tags, over plain data.

/// Tags for a message: recipient count, size bucket, attachments, sender domain.
use alloc::{format, string::String, vec, vec::Vec};

pub fn tags(rcpts: usize, size: u64, attachments: Option<usize>, from_domain: Option<&str>) -> Vec<String> {
    let mut tags = vec![
        format!("rcpts.{}", bucket(rcpts as u64, &[1, 2, 5, 10, 50])),
        format!("size.{}", bucket(size, &[4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 10 << 20])),
    ];
    if let Some(n) = attachments {
        tags.push(format!("attachments.{}", n.min(9)));
    }
    tags.push(match from_domain {
        Some(d) => format!("from-domain.{}", tag_safe(d)),
        None => "from-domain.none".into(),
    });
    tags
}

/// The smallest bound that is >= n, or `more`.
fn bucket(n: u64, bounds: &[u64]) -> String {
    bounds.iter().find(|b| n <= **b).map_or("more".into(), |b| format!("le{b}"))
}

/// Keeps a tag inside the relay's tag alphabet `[a-z0-9._-]`.
fn tag_safe(s: &str) -> String {
    s.to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
        .collect()
}

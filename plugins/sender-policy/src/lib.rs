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

use mxr_sdk::{Envelope, Filter, Verdict};

struct SenderPolicy;

impl Filter for SenderPolicy {
    fn on_mail_from(env: &Envelope) -> Verdict {
        let from = env.mail_from();
        let Some(domain) = from.domain() else {
            return Verdict::next();
        };
        let config = mxr_sdk::config();
        if listed(&config, "block", domain) {
            Verdict::reject(550, "5.7.1", "Sender domain is blocked by the recipient's policy")
                .with_tag("sender-blocked")
        } else if listed(&config, "allow", domain) {
            Verdict::accept().with_tag("sender-allowed").with_score(-5.0)
        } else {
            Verdict::next()
        }
    }
}

/// True when the `key = a, b` line of `config` has a pattern matching `domain`.
fn listed(config: &str, key: &str, domain: &str) -> bool {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == key)
        .flat_map(|(_, v)| v.split(','))
        .map(|p| p.trim().trim_matches('"').to_ascii_lowercase())
        .any(|p| matches(&p, &domain))
}

fn matches(pattern: &str, domain: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(base) => domain == base || domain.ends_with(&format!(".{base}")),
        None => !pattern.is_empty() && domain == pattern,
    }
}

mxr_sdk::export_filter!(SenderPolicy, purpose = "spam-filtering", categories = [EmailAddress], stages = [MailFrom]);

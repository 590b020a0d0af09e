//! Matching a sender domain against the configured lists, over plain data.

/// What the lists say about a domain.
#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Block,
    Allow,
    Pass,
}

/// Block wins over allow; no domain (the null sender, or withheld) passes.
pub fn decide(config: &str, domain: Option<&str>) -> Decision {
    let Some(domain) = domain else { return Decision::Pass };
    if listed(config, "block", domain) {
        Decision::Block
    } else if listed(config, "allow", domain) {
        Decision::Allow
    } else {
        Decision::Pass
    }
}

/// True when the config has `dmarc = enforce`.
pub fn enforces_dmarc(config: &str) -> bool {
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .any(|(k, v)| k.trim() == "dmarc" && v.trim().trim_matches('"').eq_ignore_ascii_case("enforce"))
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

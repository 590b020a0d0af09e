//! Matching a sender domain against the configured lists, over plain data.

use super::punycode::comparable;

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

/// True when the `key = a, b` line of `config` has a pattern matching `domain`. Both
/// sides are compared in their [`comparable`] form, so an IDN listed as an A-label
/// also catches its U-label, and the other way round.
fn listed(config: &str, key: &str, domain: &str) -> bool {
    let domain = comparable(domain);
    config
        .lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| k.trim() == key)
        .flat_map(|(_, v)| v.split(','))
        .map(|p| p.trim().trim_matches('"'))
        .any(|p| matches(p, &domain))
}

/// True when `pattern` (`a.example`, or `*.a.example` for it and its subdomains)
/// matches `domain`, which is already [`comparable`].
fn matches(pattern: &str, domain: &str) -> bool {
    match pattern.strip_prefix("*.") {
        Some(base) => {
            let base = comparable(base);
            !base.is_empty() && (domain == base || domain.strip_suffix(base.as_str()).is_some_and(|d| d.ends_with('.')))
        }
        None => !pattern.is_empty() && domain == comparable(pattern),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_match_an_idn_in_either_form() {
        let config = "block = xn--bcher-kva.example, *.münchen.test\nallow = *.xn--fiqs8s\n";
        let cases = [
            ("bücher.example", Decision::Block),
            ("xn--bcher-kva.example", Decision::Block),
            ("BÜCHER.example.", Decision::Block),
            ("mail.xn--mnchen-3ya.test", Decision::Block),
            ("münchen.test", Decision::Block),
            ("notmünchen.test", Decision::Pass),
            ("shop.中国", Decision::Allow),
            ("bucher.example", Decision::Pass),
        ];
        for (domain, want) in cases {
            assert_eq!(decide(config, Some(domain)), want, "{domain}");
        }
    }
}

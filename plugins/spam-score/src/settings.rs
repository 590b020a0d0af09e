//! The plugin's config: thresholds and extra phrases, as `key = value` lines.

/// Thresholds and extra phrases.
use alloc::{format, string::String, vec, vec::Vec};

pub struct Settings {
    pub tag: f64,
    pub quarantine: f64,
    pub reject: f64,
    pub extra_phrases: Vec<String>,
}

impl Settings {
    /// Reads `key = value` lines; unknown keys, bad numbers, lines that are no
    /// `key = value` and thresholds out of order (tag ≤ quarantine ≤ reject) are
    /// returned as warnings (the bad lines are ignored). The relay refuses a tenant's
    /// settings that have any ([`check`]).
    pub fn parse(text: &str) -> (Settings, Vec<String>) {
        let mut warnings = Vec::new();
        let mut s = Settings { tag: 5.0, quarantine: 10.0, reject: 15.0, extra_phrases: vec![] };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let Some((k, v)) = line.split_once('=') else {
                warnings.push(format!("spam-score: {line:?} is not `key = value`"));
                continue;
            };
            let (k, v) = (k.trim(), v.trim().trim_matches('"'));
            let number = || v.parse::<f64>().ok().filter(|n| n.is_finite());
            match (k, number()) {
                ("tag", Some(n)) => s.tag = n,
                ("quarantine", Some(n)) => s.quarantine = n,
                ("reject", Some(n)) => s.reject = n,
                ("phrases", _) => {
                    s.extra_phrases.extend(v.split(',').map(|p| p.trim().to_lowercase()).filter(|p| !p.is_empty()))
                }
                ("tag" | "quarantine" | "reject", None) => {
                    warnings.push(format!("spam-score: {k} = {v:?} is not a number"))
                }
                _ => warnings.push(format!("spam-score: ignoring config line {k:?}")),
            }
        }
        if !(s.tag <= s.quarantine && s.quarantine <= s.reject) {
            warnings.push(format!(
                "spam-score: thresholds must rise: tag {} <= quarantine {} <= reject {}",
                s.tag, s.quarantine, s.reject
            ));
        }
        (s, warnings)
    }
}

/// The settings check: the text's warnings, one per line, refuse it.
pub fn check(text: &str) -> Result<(), String> {
    let (_, warnings) = Settings::parse(text);
    if warnings.is_empty() { Ok(()) } else { Err(warnings.join("\n")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_checked_line_by_line() {
        assert_eq!(check(""), Ok(()));
        assert_eq!(check("tag = 3\n# a comment\nphrases = gratis, free money\n"), Ok(()));
        for (text, says) in [
            ("tag = high", "tag = \"high\" is not a number"),
            ("threshold = 3", "ignoring config line \"threshold\""),
            ("tag 3", "is not `key = value`"),
            ("tag = 12\nquarantine = 10", "thresholds must rise"),
            ("reject = NaN", "reject = \"NaN\" is not a number"),
        ] {
            let refused = check(text).unwrap_err();
            assert!(refused.contains(says), "{text:?}: {refused}");
        }
    }
}

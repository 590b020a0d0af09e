//! The plugin's config: thresholds and extra phrases, as `key = value` lines.

/// Thresholds and extra phrases.
pub struct Settings {
    pub tag: f64,
    pub quarantine: f64,
    pub reject: f64,
    pub extra_phrases: Vec<String>,
}

impl Settings {
    /// Reads `key = value` lines; unknown keys and bad numbers are ignored and
    /// returned as warnings.
    pub fn parse(text: &str) -> (Settings, Vec<String>) {
        let mut warnings = Vec::new();
        let mut s = Settings { tag: 5.0, quarantine: 10.0, reject: 15.0, extra_phrases: vec![] };
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let Some((k, v)) = line.split_once('=') else {
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
                _ => warnings.push(format!("spam-score: ignoring config line {k:?}")),
            }
        }
        (s, warnings)
    }
}

//! Device strings in text: what a sender's phone, laptop or browser says of itself.
//!
//! Three shapes, in two patterns (the signature's, and one for the other two, searched
//! only where one of its start words begins):
//! - a signature a mail app adds (`Sent from my iPhone`, `Verzonden vanaf mijn Samsung
//!   Galaxy`, `Envoyé de mon iPad`, `Von meinem iPhone gesendet`): the device is the
//!   rest of the phrase, up to the line's end or a sentence mark, at most five words;
//! - a user-agent or product token (`Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac
//!   OS X) AppleWebKit/605.1.15`, `Thunderbird/128.5.1`, `Safari/604.1`): a listed
//!   product with a version, and every product token and comment after it;
//! - a product or model named with its version or model number (`Chrome 131`,
//!   `Outlook 16.0`, `Windows 11`, `iOS 17.1.2`, `Samsung Galaxy S21`), a maker with a
//!   model number within three words (`Acer Swift 3`, `Nokia G21`), or a device that
//!   is one by its name alone (`iPhone`, `MacBook Air`, `ThinkPad`).
//!
//! Products and brands match in their own capitalisation only, so `exchange 2024` in
//! a sentence is no device. The lead-in of a signature stays readable; the device
//! after it is the span.

use super::triggers::{Gated, Starts};
use super::{Kind, Span};
use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use std::sync::LazyLock;

/// Products and platforms that are named with a version (`Chrome 131`), in their own
/// spelling.
const VERSIONED: &str = r"(?:Chrome|Chromium|Firefox|Safari|Edge|Opera|Outlook|Thunderbird|Windows|Windows NT|Windows Phone|Android|iOS|iPadOS|macOS|Mac OS X|OS X|OS|Ubuntu|Debian|Fedora|Linux|Exchange|Exchange Server|Gmail|Samsung Internet|SamsungBrowser|KMail|Apple Mail|Airmail|eM Client|Mailbird|Postbox|Roundcube|Zimbra|Lotus Notes|iPhone|iPad|Pixel|Xperia|Fairphone|Nokia|Huawei|OnePlus|Xiaomi|Redmi|Lumia)";

/// Devices that are one by name alone (`iPhone`), before any model words.
const NAMED: &str = r"(?:Samsung Galaxy|Galaxy (?:Tab|Note|Watch|Fold|Flip|[A-Z]\d{1,3})|Google Pixel|iPhone|iPad(?: Pro| Air| mini)?|iPod|iMac|Mac ?mini|Mac Studio|MacBook(?: Air| Pro)?|ThinkPad|Lenovo ThinkPad|Lenovo IdeaPad|Lenovo Yoga|IdeaPad|Dell XPS|Dell Latitude|Dell Inspiron|Dell Precision|HP EliteBook|HP ProBook|HP Pavilion|HP Spectre|HP Envy|EliteBook|ProBook|Huawei (?:P|Mate|Nova) ?\d+|Fairphone|OnePlus|Sony Xperia|Xperia|Surface (?:Pro|Laptop|Go|Book)|Chromebook|Apple Watch|BlackBerry|Nokia Lumia)";

/// Makers of phones and computers: with a model number within three words after it
/// (`Acer Swift 3`, `Xiaomi Redmi Note 12`, `Nokia G21`), the name is a device's.
const MAKERS: &str = r"(?:Samsung|Motorola|Moto|OnePlus|Xiaomi|Redmi|Poco|POCO|Oppo|OPPO|Vivo|Realme|Huawei|Honor|HONOR|Nokia|Sony|Fairphone|Asus|ASUS|Acer|Lenovo|Dell|HP|MSI|Razer|Toshiba|LG|Alcatel|TCL|ZTE|BlackBerry|Medion|Gigabyte|Panasonic|Kyocera|Doro|Garmin|Fitbit)";

/// A model word after a device's name: a model number (`S21`, `T14`, `840`, `M2`, `G3`)
/// or one of the words models are named with.
const MODEL: &str = r"(?:[A-Z]{0,3}\d{1,4}[A-Za-z]{0,3}|I{1,3}|IV|VI{0,3}|Pro|Max|mini|Mini|Plus|Ultra|Lite|Air|SE|FE|Fold|Flip|Edge|Carbon|Gen ?\d+|X1|XL|Neo)";

/// A version: digits with dots or underscores (`131`, `16.0`, `17_1_2`, `128.5.1`).
const VERSION: &str = r"\d{1,4}(?:[._]\d{1,6}){0,4}";

/// Products whose user-agent token (`Thunderbird/128.5.1`) starts a device string.
const AGENT_HEADS: &str = r"(?:Mozilla|Thunderbird|Chrome|Safari|Firefox|Edg|Opera|OPR|AppleWebKit|Gecko|Outlook-iOS|Outlook-Android|Dalvik|okhttp|Microsoft-MacOutlook)";

/// Makers named before a versioned product (`Microsoft Outlook 16.0`).
const VENDORS: &str = r"(?:Microsoft|Apple|Google|Samsung|Mozilla|Sony|Motorola)";

struct Patterns {
    /// A lead-in and what follows it on its line.
    signature: Regex,
    /// A user agent, product token, versioned product or named device; searched only
    /// where one of [`start_words`] starts.
    device: Gated,
    /// The start words that begin with a capital, by that capital (`A` first).
    capitalised: [Vec<&'static str>; 26],
    /// Whether some start word begins with this capital (`A` first) and ASCII byte.
    pairs: [[bool; 128]; 26],
    /// The start words that begin in lower case (`iPhone`, `macOS`), found in one pass.
    lower_case: AhoCorasick,
}

static PATTERNS: LazyLock<Patterns> = LazyLock::new(|| {
    let product_token = r"[A-Za-z][A-Za-z0-9_.\-]*/[A-Za-z0-9_.\-+]+";
    let comment = r"\([^()\r\n]{0,200}\)";
    let agent_head = AGENT_HEADS;
    let words = start_words();
    Patterns {
        signature: Regex::new(&format!(r"(?-u:\b)(?:{})[ \t]+[^\r\n]{{1,80}}", LEAD_INS.join("|"))).unwrap(),
        capitalised: std::array::from_fn(|i| words.iter().copied().filter(|w| w.as_bytes()[0] == b'A' + i as u8).collect()),
        pairs: std::array::from_fn(|i| {
            std::array::from_fn(|b| words.iter().any(|w| w.as_bytes()[..2] == [b'A' + i as u8, b as u8]))
        }),
        lower_case: AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(words.iter().filter(|w| !w.as_bytes()[0].is_ascii_uppercase()))
            .unwrap(),
        device: Gated::with_own_edge(&format!(
            r"(?-u:\b){agent_head}/\d[A-Za-z0-9_.\-+]*(?:[ ]+(?:{comment}|{product_token}|Mobile))*|(?-u:\b)(?:{MAKERS}(?:[ ](?:[A-Z][a-z]+[A-Za-z]*|[a-z]+[A-Z][A-Za-z]*)){{0,2}}[ ][A-Z]{{0,3}}\d{{1,4}}[A-Za-z]{{0,3}}(?-u:\b)(?:[ ]{MODEL}(?-u:\b)){{0,2}}|{NAMED}(?:[ ]{MODEL}(?-u:\b)){{0,3}}|(?:{VENDORS} )?{VERSIONED}[ ]v?{VERSION}(?-u:\b)(?:[ ]{MODEL}(?-u:\b)){{0,2}})"
        ))
        .unwrap(),
    }
});

/// Adds the device spans of `text` to `spans`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    find_from(text, &Starts::new(text), spans);
}

/// As [`find`], with the word starts of `text` found already.
pub(super) fn find_from(text: &str, starts: &Starts, spans: &mut Vec<Span>) {
    let p = &*PATTERNS;
    for m in p.signature.find_iter(text) {
        let lead = LEAD_INS.iter().filter(|l| m.as_str().starts_with(*l)).map(|l| l.len()).max();
        let start = m.start() + lead.unwrap_or(0);
        let rest = text[start..m.end()].trim_start_matches([' ', '\t']);
        let start = m.end() - rest.len();
        if let Some(len) = device_phrase(rest) {
            spans.push(Span::new(start..start + len, Kind::Device));
        }
    }
    for m in p.device.matches(text, |at| next_start(text, starts, at)) {
        // A product token takes dots and hyphens; a sentence's full stop is not one.
        let len = text[m.clone()].trim_end_matches(['.', '-']).len();
        spans.push(Span::new(m.start..m.start + len, Kind::Device));
    }
}

/// The parts of `devices` (sorted, non-overlapping) that no span of `found` (sorted,
/// non-overlapping) covers, each holding a letter or digit: a device string holds
/// other data (`Mozilla/5.0 (+31 6 12345678; 1015CJ)`), which keeps its own, stricter
/// form, while the device string around it takes the device's. A name or
/// organisation found inside a device string (`with Motorola Edge 40`, where `with`
/// cues a name) is the device's: drop it from `found` first.
pub(super) fn uncovered(text: &str, devices: Vec<Span>, found: &[Span]) -> Vec<Span> {
    debug_assert!(found.iter().all(|s| !matches!(s.kind, Kind::Name | Kind::Organisation) || !within(&devices, s)));
    let mut out = Vec::new();
    for device in devices {
        let mut at = device.range.start;
        let first = found.partition_point(|s| s.range.end <= device.range.start);
        let inside = found[first..].iter().take_while(|s| s.range.start < device.range.end);
        let ends = inside.map(|s| (s.range.start, s.range.end)).chain([(device.range.end, device.range.end)]);
        for (start, end) in ends {
            let piece = &text[at..start.max(at)];
            let trimmed = piece.trim();
            if trimmed.chars().any(char::is_alphanumeric) {
                let from = at + (piece.len() - piece.trim_start().len());
                out.push(Span::new(from..from + trimmed.len(), Kind::Device));
            }
            at = at.max(end);
        }
    }
    out
}

/// True when `span` lies within one of `devices` (sorted, non-overlapping).
pub(super) fn within(devices: &[Span], span: &Span) -> bool {
    let i = devices.partition_point(|d| d.range.start <= span.range.start);
    i > 0 && devices[i - 1].range.end >= span.range.end
}

/// Where a device match may start at or after `at`: a word that begins with a start
/// word. Those that begin with a capital are among the word starts of `starts`; the
/// few in lower case (`iPhone`) are looked for apart.
fn next_start(text: &str, starts: &Starts, at: usize) -> Option<usize> {
    let p = &*PATTERNS;
    let begins = |b: &[u8], i: usize| {
        let (first, second) = (b[i], b.get(i + 1).copied().unwrap_or(0));
        first.is_ascii_uppercase()
            && second < 0x80
            && p.pairs[usize::from(first - b'A')][usize::from(second)]
            && p.capitalised[usize::from(first - b'A')].iter().any(|w| b[i..].starts_with(w.as_bytes()))
    };
    let capital = starts.first(at, begins);
    let input = aho_corasick::Input::new(text).span(at..capital.unwrap_or(text.len()));
    p.lower_case.find(input).map(|m| m.start()).or(capital)
}

/// The first words of every alternative of the device pattern (`Samsung`, `iPad`,
/// `Mac`, `Outlook-iOS`): a device match starts with one of them. Each is ASCII, of
/// two bytes or more, and holds no byte that ends a word before a capital (the gate
/// for lower-case words stops where the next capitalised one starts).
fn start_words() -> Vec<&'static str> {
    let mut words: Vec<&str> = [AGENT_HEADS, VENDORS, VERSIONED, NAMED, MAKERS]
        .into_iter()
        .flat_map(|alternation| top_level_alternatives(&alternation[3..alternation.len() - 1]))
        .map(|alternative| {
            let end = alternative.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).unwrap_or(alternative.len());
            &alternative[..end]
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    words
}

/// The alternatives of a regex alternation, split at the `|` outside parentheses.
fn top_level_alternatives(alternation: &str) -> Vec<&str> {
    let (mut depth, mut from, mut out) = (0usize, 0, Vec::new());
    for (i, c) in alternation.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            '|' if depth == 0 => {
                out.push(&alternation[from..i]);
                from = i + 1;
            }
            _ => {}
        }
    }
    out.push(&alternation[from..]);
    out
}

/// The phrases a mail app puts before the device it ran on, a longer one before any
/// it starts with. Phrases that also head other sentences (`Verzonden met PostNL`,
/// `Sent with love`) are not here.
const LEAD_INS: [&str; 20] = [
    "Sent from my",
    "Sent from",
    "Typed on my",
    "Verzonden vanaf mijn",
    "Verzonden vanuit",
    "Verstuurd vanaf mijn",
    "Envoyé de mon",
    "Envoyé depuis mon",
    "Envoyé à partir de",
    "Von meinem",
    "Gesendet von meinem",
    "Gesendet von",
    "Enviado desde mi",
    "Enviado desde",
    "Inviato dal mio",
    "Inviato da",
    "Wysłane z mojego",
    "Get Outlook for",
    "Download Outlook voor",
    "Outlook voor",
];

/// How long the device named at the head of `rest` is: up to a sentence mark, a tag,
/// or the line's end, at most five words, with a trailing `gesendet` (German puts the
/// verb last) left out. `None` when nothing like a device stands there (a lower-case
/// word first: `Sent from my desk`, `sent with love`).
fn device_phrase(rest: &str) -> Option<usize> {
    let end = rest.find(['\r', '\n', '<', ',', ';', '!', '?', '(', ')', '"']).unwrap_or(rest.len());
    let end = rest[..end].find(". ").unwrap_or(end);
    let phrase = rest[..end].trim_end_matches(['.', ' ', '\t', ':']);
    let phrase = phrase.strip_suffix(" gesendet").unwrap_or(phrase);
    let words: Vec<&str> = phrase.split_whitespace().collect();
    let first = words.first()?;
    let named = first.chars().next().is_some_and(|c| c.is_uppercase() || c.is_ascii_digit())
        || first.chars().skip(1).any(char::is_uppercase);
    (named && words.len() <= 5).then_some(phrase.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn devices(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        super::super::resolve_overlaps(spans).into_iter().map(|s| &text[s.range]).collect()
    }

    #[test]
    fn what_a_device_string_holds_keeps_its_own_kind() {
        use super::super::{Detector, PatternDetector};
        let ua = "UA: Mozilla/5.0 (Windows NT 10.0; +31 6 12345678; 1015CJ) Gecko/20100101";
        let found: Vec<(&str, Kind)> = PatternDetector.detect(ua).into_iter().map(|s| (&ua[s.range], s.kind)).collect();
        assert!(found.contains(&("+31 6 12345678", Kind::Phone)), "{found:?}");
        assert!(found.contains(&("Mozilla/5.0 (Windows NT 10.0;", Kind::Device)), "{found:?}");
        assert!(found.iter().all(|(s, k)| *k != Kind::Device || !s.contains("12345678")), "{found:?}");
    }

    #[test]
    fn patterns_run_as_lazy_dfas() {
        super::super::assert_lazy_dfa(PATTERNS.signature.as_str());
        super::super::assert_lazy_dfa(PATTERNS.device.as_str());
        assert!(!start_words().is_empty());
    }

    /// The gated search finds exactly what the same pattern finds over the whole text,
    /// on the labelled corpus (every `.eml` file read as text) and on the table.
    #[test]
    fn gated_search_finds_what_a_whole_text_search_finds() {
        let whole = Regex::new(PATTERNS.device.as_str()).unwrap();
        let mut texts = super::super::corpus_texts();
        texts.push(
            "xMozilla/5.0 iPhone iPad Pro MacBook Air M2 Mac mini HP EliteBook 840 Microsoft Outlook 16.0".into(),
        );
        texts.push("éiPhone 13 Zoë Galaxy S21 macOS 14 Outlook-iOS/4.2 xiOS 17 iOS 17".into());
        for text in &texts {
            let starts = Starts::new(text);
            let gated: Vec<_> = PATTERNS.device.matches(text, |at| next_start(text, &starts, at)).collect();
            let found: Vec<_> = whole.find_iter(text).map(|m| m.range()).collect();
            assert_eq!(gated, found, "{text}");
        }
        let words = start_words();
        assert!(words.contains(&"Outlook-iOS") && words.contains(&"Mac"));
        assert!(words.iter().all(|w| w.len() >= 2 && w.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
    }

    #[test]
    fn table() {
        let cases: &[(&str, &[&str])] = &[
            ("Sent from my iPhone", &["iPhone"]),
            ("Verzonden vanaf mijn Samsung Galaxy S21\r\n", &["Samsung Galaxy S21"]),
            ("Typed on my Dell XPS 13, sorry for typos.", &["Dell XPS 13"]),
            ("Von meinem iPhone gesendet", &["iPhone"]),
            ("Envoyé de mon iPad", &["iPad"]),
            ("Verstuurd vanaf mijn Fairphone 4", &["Fairphone 4"]),
            ("Sent from Mail for Windows", &["Mail for Windows"]),
            ("Get Outlook for Android", &["Android"]),
            ("Sent from my desk at home", &[]),
            ("Ik werk nu op een MacBook Air M2.", &["MacBook Air M2"]),
            ("The laptop is a Lenovo ThinkPad T14.", &["Lenovo ThinkPad T14"]),
            ("De laptop is een HP EliteBook 840.", &["HP EliteBook 840"]),
            ("Nieuwe aanmelding vanaf Chrome 131 op Windows 11.", &["Chrome 131", "Windows 11"]),
            ("Outlook 16.0 en Thunderbird/128.5.1", &["Outlook 16.0", "Thunderbird/128.5.1"]),
            ("iPhone OS 17_1_2 with Google Pixel 7", &["iPhone", "OS 17_1_2", "Google Pixel 7"]),
            (
                "Acer Swift 3, Xiaomi Redmi Note 12 and Sony Xperia 10 V",
                &["Acer Swift 3", "Xiaomi Redmi Note 12", "Sony Xperia 10 V"],
            ),
            ("Nokia G21 or ASUS ZenBook 14 or Motorola Edge 40", &["Nokia G21", "ASUS ZenBook 14", "Motorola Edge 40"]),
            (
                "(Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
                &["Android 14", "Pixel 8", "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"],
            ),
            (
                "Browser: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36.",
                &[
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
                ],
            ),
            // Words, not devices.
            ("We exchange 2024 figures with the Office of the mayor.", &[]),
            ("Samsung Electronics and Google Maps; Dell in 2024", &[]),
            ("Your Microsoft 365 plan, Framework Agreement 2024, Google Cloud Next 2025", &[]),
            ("Verzonden met PostNL. Sent with love", &[]),
            ("Read chapter 3 and page 12; Mail 2 days ago, Office 365.", &[]),
            ("Uw pakket wordt verzonden via PostNL. Sent with love", &[]),
            ("text/html and/or application/json", &[]),
        ];
        for (text, want) in cases {
            assert_eq!(devices(text), *want, "{text}");
        }
    }
}

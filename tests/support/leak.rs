//! Whether a value reached a plugin in clear or trivially encoded: the list of
//! trivial decodings (base64, quoted-printable, RFC 2047, HTML entities, tags
//! stripped, %-decoding, whitespace and digit normalisation) applied to what a plugin
//! got, and the value looked for in every result.
//!
//! Two comparisons per decoding, both case-insensitive and on normalised characters
//! (full-width and Arabic-Indic digits as ASCII, no-break spaces as spaces):
//! - as words: every run of non-alphanumerics is one separator, and the value's words
//!   must stand as whole words (so `Bos` is not found in `Bosma`);
//! - compact: all separators removed (`06 - 1680 9762` = `0616809762`), for values
//!   with a digit or of eight letters and more; a value that is only digits must
//!   have no digit on either side (so `2000` is not found in `120004`).

/// What a plugin got, decoded every trivial way and normalised, ready to be searched.
pub struct Decoded {
    words: Vec<String>,
    compact: Vec<String>,
    raw_flat: String,
}

impl Decoded {
    /// Decodes `dump` (what one accessor, or all of them, returned).
    pub fn of(dump: &str) -> Decoded {
        let html_glued = html(dump, "");
        let all = html(&percent(&qp(&encoded_words(&continuations_joined(dump)))), "");
        let variants =
            [dump.to_owned(), html(dump, " "), html_glued, percent(dump), qp(dump), encoded_words(dump), all];
        let joined = dump.replace("=\r\n", "").replace("=\n", "");
        let decoded64 = base64_runs(&joined);
        let variants =
            [variants.as_slice(), &[html(&qp(&decoded64), " "), html(&qp(&decoded64), ""), decoded64.clone()]].concat();
        let norm: Vec<String> = variants.iter().map(|v| normalise(v)).collect();
        Decoded {
            words: norm.iter().map(|v| format!(" {} ", words(v))).collect(),
            compact: norm.iter().map(|v| compact(v)).collect(),
            // Base64 in the text as given, with QP soft breaks joined, and inside
            // what a base64 run decodes to (a link parameter in an encoded body).
            raw_flat: [joined.as_str(), "\u{0}", decoded64.as_str()].concat().split_whitespace().collect(),
        }
    }

    /// Whether `value` (a personal datum of a corpus) stands in any decoding.
    pub fn contains(&self, value: &str) -> bool {
        let v = normalise(value);
        let c = compact(&v);
        let w = format!(" {} ", words(&v));
        (w.trim().len() > 0 && self.words.iter().any(|d| d.contains(&w)))
            || ((c.len() >= 8 || c.bytes().any(|b| b.is_ascii_digit())) && self.compact_has(&c))
            || in_base64(&self.raw_flat, value)
    }

    /// Whether `canary` (a unique token of the spy's messages) stands in any decoding,
    /// compact at any length.
    pub fn contains_token(&self, canary: &str) -> bool {
        let c = compact(&normalise(canary));
        self.compact_has(&c) || in_base64(&self.raw_flat, canary)
    }

    fn compact_has(&self, c: &str) -> bool {
        if c.is_empty() {
            return false;
        }
        // Only a number is made another number by a digit beside it.
        let number = c.bytes().all(|b| b.is_ascii_digit());
        let (digit_start, digit_end) = (number, number);
        self.compact.iter().any(|d| {
            d.match_indices(c).any(|(i, _)| {
                !(digit_start && d[..i].ends_with(|ch: char| ch.is_ascii_digit()))
                    && !(digit_end && d[i + c.len()..].starts_with(|ch: char| ch.is_ascii_digit()))
            })
        })
    }
}

/// Lower case; full-width forms and other digits as ASCII; invisible characters gone.
fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'))
        .map(|c| match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{660}'..='\u{669}' => (b'0' + (c as u32 - 0x660) as u8) as char,
            '\u{6f0}'..='\u{6f9}' => (b'0' + (c as u32 - 0x6f0) as u8) as char,
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words separated by single spaces.
fn words(s: &str) -> String {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

/// Only the letters and digits.
fn compact(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// HTML: tags replaced by `tag`, character references decoded.
fn html(s: &str, tag: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let entity_end = || rest.char_indices().take(12).find(|(_, c)| *c == ';').map(|(i, _)| i);
        let end = if rest.starts_with('<') { rest.find('>') } else { entity_end() };
        match end {
            Some(e) if rest.starts_with('<') => {
                out.push_str(tag);
                rest = &rest[e + 1..];
            }
            Some(e) => {
                out.push_str(&entity(&rest[1..e]).unwrap_or_else(|| rest[..=e].to_owned()));
                rest = &rest[e + 1..];
            }
            None => {
                out.push_str(&rest[..1]);
                rest = &rest[1..];
            }
        }
    }
    out + rest
}

fn entity(name: &str) -> Option<String> {
    let code = match name {
        "amp" => Some('&' as u32),
        "lt" => Some('<' as u32),
        "gt" => Some('>' as u32),
        "quot" => Some('"' as u32),
        "apos" => Some('\'' as u32),
        "nbsp" => Some(0xa0),
        "commat" => Some('@' as u32),
        "period" => Some('.' as u32),
        n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16).ok(),
        n if n.starts_with('#') => n[1..].parse().ok(),
        _ => None,
    };
    code.and_then(char::from_u32).map(String::from)
}

/// %XX sequences decoded (as UTF-8 where they form it).
fn percent(s: &str) -> String {
    String::from_utf8_lossy(&unescape(s.as_bytes(), b'%', false)).into_owned()
}

/// Quoted-printable: soft breaks removed, =XX decoded.
fn qp(s: &str) -> String {
    let joined = s.replace("=\r\n", "").replace("=\n", "");
    String::from_utf8_lossy(&unescape(joined.as_bytes(), b'=', false)).into_owned()
}

/// Bytes with `marker`XX decoded; with `underscore`, `_` as a space (RFC 2047 Q).
fn unescape(s: &[u8], marker: u8, underscore: bool) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i], s.get(i + 1).and_then(|b| hex(*b)), s.get(i + 2).and_then(|b| hex(*b))) {
            (b, Some(h), Some(l)) if b == marker => {
                out.push(h << 4 | l);
                i += 3;
            }
            (b'_', _, _) if underscore => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// RFC 2047 encoded words decoded (B and Q, any charset read as UTF-8), the space
/// between two of them dropped.
fn encoded_words(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("=?") {
        let word = rest[i + 2..].splitn(3, '?').collect::<Vec<_>>();
        let end = (word.len() == 3).then(|| word[2].find("?=")).flatten();
        let (Some(end), [_, enc, tail]) = (end, word.as_slice()) else {
            out.push_str(&rest[..i + 2]);
            rest = &rest[i + 2..];
            continue;
        };
        let text = &tail[..end];
        let bytes = if enc.eq_ignore_ascii_case("b") {
            super::canary::unbase64(text)
        } else {
            unescape(text.as_bytes(), b'=', true)
        };
        let before = &rest[..i];
        out.push_str(if out.ends_with('\u{1}') && before.trim().is_empty() { "" } else { before });
        out.push_str(&String::from_utf8_lossy(&bytes));
        out.push('\u{1}');
        let consumed = i + 2 + word[0].len() + enc.len() + 2 + end + 2;
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    out.replace('\u{1}', "")
}

/// RFC 2231 continuations joined: `; name*1*=` (and `"` around a piece) removed, so
/// `filename*0*=UTF-8''cv_Lot; filename*1*=te.pdf` reads `…cv_Lotte.pdf`.
fn continuations_joined(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(';') {
        out.push_str(rest[..i].trim_end_matches('"'));
        let after = rest[i + 1..].trim_start();
        let name_end =
            after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_')).unwrap_or(after.len());
        let tail = &after[name_end..];
        let digits = tail.strip_prefix('*').map(|t| t.trim_start_matches(|c: char| c.is_ascii_digit()));
        match digits.map(|t| t.strip_prefix('*').unwrap_or(t)).and_then(|t| t.strip_prefix('=')) {
            Some(value) if name_end > 0 && digits.is_some_and(|d| d.len() < tail.len() - 1) => {
                rest = value.trim_start_matches('"');
            }
            _ => {
                out.push(';');
                rest = &rest[i + 1..];
            }
        }
    }
    out + rest
}

/// Whether `value` stands base64-encoded in `flat` (whitespace removed) at any of the
/// three alignments: the characters whose six bits all come from the value, six or
/// more of them.
fn in_base64(flat: &str, value: &str) -> bool {
    (0..3).any(|pad| {
        let mut bytes = vec![b'.'; pad];
        bytes.extend_from_slice(value.as_bytes());
        let enc = super::canary::b64(&bytes);
        let (from, to) = ((8 * pad).div_ceil(6), 8 * (pad + value.len()) / 6);
        to >= from + 6 && flat.contains(&enc[from..to])
    })
}

/// Every run of base64 text (line breaks allowed inside, 16 characters or more)
/// decoded at each alignment, one per line: a body or parameter a plugin was handed still encoded.
fn base64_runs(s: &str) -> String {
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_' | '\r' | '\n');
    let mut out = String::new();
    for run in s.split(|c: char| !is_b64(c)) {
        let clean: String = run.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if clean.len() >= 16 {
            let standard = clean.replace('-', "+").replace('_', "/");
            // The run may begin with a word that is not part of it (`base64` above a
            // body): each of the four alignments.
            for skip in 0..4 {
                out.push_str(&String::from_utf8_lossy(&super::canary::unbase64(&standard[skip..])));
                out.push('\n');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::Decoded;

    #[test]
    fn every_trivial_encoding_is_seen_through() {
        let d = |s: &str| Decoded::of(s);
        assert!(d("mail jan&#64;example.nl").contains("jan@example.nl"));
        assert!(d("<b>1016</b>&nbsp;GV").contains("1016 GV"));
        assert!(d("<span>Lot</span>te de Graaf").contains("Lotte de Graaf"));
        assert!(d("u=jan%40example.nl").contains("jan@example.nl"));
        assert!(d("=?UTF-8?B?TG90dGU=?= =?UTF-8?Q?_de_Graaf?=").contains("Lotte de Graaf"));
        assert!(d("Lot=\r\nte de Gr=61af").contains("Lotte de Graaf"));
        assert!(d("bel ０６-１２３４５６７８").contains("06 - 12345678"));
        assert!(d("x TG90dGUgZGUgR3JhYWY= y").contains("Lotte de Graaf"));
        assert!(d("PHA+THVjJiMxMTU7PGI+eTwvYj48L3A+").contains_token("Lucsy"));
        assert!(d("filename*0*=UTF-8''cv_Lot;\r\n filename*1*=te.pdf").contains_token("cv_Lotte"));
        assert!(d("name*0=\"Lot\"; name*1=\"te\"").contains_token("Lotte"));
        assert!(!d("Bosma en Bosch").contains("Bos"));
        assert!(!d("order 120004").contains("2000"));
        assert!(!d("p.3f9a@example.nl").contains("jan@example.nl"));
    }
}

//! Speakers of a chat pasted into mail, as WhatsApp exports one:
//! `[22-06-2027 21:45:12] Sky: blijf binnen` (iPhone) and `22-06-2027 21:45 - Sky:
//! blijf binnen` (Android), also with `/` or `.` in the date, `, ` before the time, a
//! 12-hour time (`[6/22/27, 9:45:12 PM]`) and the left-to-right mark iPhones put first.
//! The speaker, between the time stamp and the colon, is a name (or a saved phone
//! number, which the phone detector finds too). Such names are often words (`Sky`,
//! `Hope`) that no other cue finds.
//!
//! Found from the stamp's end (`] ` or ` - `, one vectorised search each), read back to
//! the line's start, so the text is not read line by line.

use super::{Kind, Span};

/// Longest speaker (bytes) before the colon.
const LONGEST_SPEAKER: usize = 40;
/// Longest time stamp (bytes) before its end: a left-to-right mark and
/// `[22-06-2027, 10:45:12 PM`.
const LONGEST_STAMP: usize = 30;

/// Adds the speakers of the chat lines in `text`.
pub fn find(text: &str, spans: &mut Vec<Span>) {
    let bytes = text.as_bytes();
    for end in ["] ", " - "] {
        for at in memchr::memmem::find_iter(bytes, end.as_bytes()) {
            if !stamp_before(bytes, at, end == "] ") {
                continue;
            }
            if let Some(speaker) = speaker_at(text, at + end.len()) {
                spans.push(Span::new(speaker, Kind::Name));
            }
        }
    }
}

/// True when a line opens with a date and a time that end at `end`: `[` first when
/// `bracketed`, then only digits, date separators, a comma, one blank and a time.
fn stamp_before(bytes: &[u8], end: usize, bracketed: bool) -> bool {
    let from = end.saturating_sub(LONGEST_STAMP + 1);
    let start = match bytes[from..end].iter().rposition(|b| *b == b'\n') {
        Some(i) => from + i + 1,
        None if from == 0 || bytes[from - 1] == b'\n' => from,
        None => return false, // no line start within reach
    };
    let stamp = &bytes[start..end];
    let stamp = stamp.strip_prefix("\u{200e}".as_bytes()).unwrap_or(stamp);
    let stamp = match bracketed {
        true => match stamp.strip_prefix(b"[") {
            Some(s) => s,
            None => return false,
        },
        false => stamp,
    };
    let Some(blank) = stamp.iter().position(|b| *b == b' ') else { return false };
    let (date, time) = (stamp[..blank].strip_suffix(b",").unwrap_or(&stamp[..blank]), &stamp[blank + 1..]);
    is_date(date) && is_time(time)
}

/// `22-06-2027`, `22/06/27`, `6.22.27`: three groups of digits.
fn is_date(s: &[u8]) -> bool {
    let groups: Vec<&[u8]> = s.split(|b| matches!(b, b'-' | b'/' | b'.')).collect();
    groups.len() == 3 && groups.iter().all(|g| (1..=4).contains(&g.len()) && g.iter().all(u8::is_ascii_digit))
}

/// `21:45`, `21:45:12` or `9:45 PM`.
fn is_time(s: &[u8]) -> bool {
    let s = [b" AM", b" PM", b" am", b" pm"].iter().find_map(|m| s.strip_suffix(&m[..])).unwrap_or(s);
    let groups: Vec<&[u8]> = s.split(|b| *b == b':').collect();
    (2..=3).contains(&groups.len())
        && groups.iter().all(|g| (1..=2).contains(&g.len()) && g.iter().all(u8::is_ascii_digit))
}

/// The speaker starting at `at`: up to a colon and a blank on the same line, starting
/// with a letter.
fn speaker_at(text: &str, at: usize) -> Option<std::ops::Range<usize>> {
    let rest = text.get(at..)?;
    let line = &rest[..rest.find(['\n', '\r']).unwrap_or(rest.len())];
    let colon = line.find(": ").filter(|c| *c <= LONGEST_SPEAKER)?;
    let name = line[..colon].trim_end();
    (name.chars().next()?.is_alphabetic() && !name.contains(['<', '>'])).then(|| at..at + name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speakers(text: &str) -> Vec<&str> {
        let mut spans = Vec::new();
        find(text, &mut spans);
        spans.iter().map(|s| &text[s.range.clone()]).collect()
    }

    #[test]
    fn the_speakers_of_an_exported_chat_are_names() {
        let chat = "Zie hieronder:\n[22-06-2027 21:45:12] Sky: blijf binnen\n[22-06-2027, 21:46] Hope de Wit: ok\n\
                    23/06/2027 08:01 - Bo: weer veilig\n\u{200e}[6/22/27, 9:45:12 PM] Kit: ok\n";
        assert_eq!(speakers(chat), ["Sky", "Hope de Wit", "Kit", "Bo"]);
    }

    #[test]
    fn dashes_and_brackets_elsewhere_are_not_stamps() {
        let prose = "Open 9 - 17 uur: welkom\n[1] Note: see\nMeeting 10:00 - Agenda: budget\n2027 21:45 - Sky: x";
        assert!(speakers(prose).is_empty(), "{:?}", speakers(prose));
        assert!(speakers("[22-06-2027 21:45] <b>: x\n[22-06-2027 21:45] 06-12: x").is_empty());
    }
}

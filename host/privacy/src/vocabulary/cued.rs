//! Values that pass alone but are personal after a cue word, up to the cue's line end
//! ([`WINDOW`] bytes at most, [`BIRTH_WINDOW`] after a birth cue):
//! - a date of birth in words: `geboren op 9 juli 1971`, `Date of birth: 3 May 1990`,
//!   `born in 1958`, a birthday's (`jarig op 9 juli`), a genealogy's `* 4 maart 1938`.
//!   A date in figures is a long number and a pseudonym already (`12-03-1985`); a
//!   day, a month's name and a year each pass alone;
//! - a short code: `code 4417`, `pincode: 0815`, `key safe still 1987`, `code 731 442`.
//!   Numbers of up to four digits pass alone (years, quantities, house numbers). A
//!   code's window closes after its first numbers (`sort code 40-12-76, total 12,50`);
//! - a handle after `@` (`Ping @joy on Slack`, `@hope_bird`): every word of it, to the
//!   end of its run of letters, digits, `_`, `.` and `-`, where the `@` opens a word
//!   (a blank or a bracket before it); an address's `@` has its local part before it.
//! - a number spelled out in seven digit words or more (`nul zes, vier één twee …`,
//!   [`super::spelled`]): every word of it.
//!
//! The window goes on into the next piece of the same text when a piece ends inside it:
//! an HTML cell (`<td>Geboortedatum</td><td>9 juli 1971</td>`, layout between tags
//! not counted), or the text after a detected span. Each kind of cue has a window of
//! its own, so a later cue never closes an earlier one (`Date of birth / PIN: 3 May
//! 1990`).

/// The cue words, lower-case: after the first fourteen a date of birth follows (a
/// birthday's date is one: `Sjoerd is jarig op 9 juli 1998`), after the rest a code (as after every word that ends in `code` or `codes`: `pincode`,
/// `toegangscode`, `Diagnostic-Code`).
const CUE_WORDS: [(&str, Cue); 40] = [
    ("born", Cue::BirthDate),
    ("birthday", Cue::BirthDate),
    ("bday", Cue::BirthDate),
    ("verjaardag", Cue::BirthDate),
    ("jarig", Cue::BirthDate),
    ("anniversaire", Cue::BirthDate),
    ("birth", Cue::BirthDate),
    ("dob", Cue::BirthDate),
    ("geboren", Cue::BirthDate),
    ("geb", Cue::BirthDate),
    ("geboortedatum", Cue::BirthDate),
    ("geboortejaar", Cue::BirthDate),
    ("geburtsdatum", Cue::BirthDate),
    ("geburtstag", Cue::BirthDate),
    ("pin", Cue::Code),
    ("pins", Cue::Code),
    ("safe", Cue::Code),
    ("kluis", Cue::Code),
    ("sleutelkluis", Cue::Code),
    ("lockbox", Cue::Code),
    ("keybox", Cue::Code),
    ("keysafe", Cue::Code),
    ("combination", Cue::Code),
    ("combinatie", Cue::Code),
    ("otp", Cue::Code),
    ("tan", Cue::Code),
    ("password", Cue::Code),
    ("wachtwoord", Cue::Code),
    ("passwort", Cue::Code),
    ("kennwort", Cue::Code),
    // Spanish, Italian, Portuguese, Polish and Turkish (`El código del garaje es
    // 4-8-1-2`), and an alarm's code.
    ("código", Cue::Code),
    ("codigo", Cue::Code),
    ("clave", Cue::Code),
    ("contraseña", Cue::Code),
    ("codice", Cue::Code),
    ("senha", Cue::Code),
    ("kod", Cue::Code),
    ("kodu", Cue::Code),
    ("sifre", Cue::Code),
    ("alarm", Cue::Code),
];

/// The bit of a word in [`CUE_FILTER`], from its first, second and last byte (any
/// case) and its length; the word has three bytes or more.
const fn filter_bit(b: &[u8]) -> usize {
    let (first, second, last) = ((b[0] | 0x20) as usize, (b[1] | 0x20) as usize, (b[b.len() - 1] | 0x20) as usize);
    (first * 31 + second * 7 + last * 3 + b.len()) % 256
}

/// A filter the cue words pass: a token whose bit is clear is none of them, which
/// settles nearly every token (some nine in ten) without comparing it to the list.
const CUE_FILTER: [u64; 4] = {
    let (mut bits, mut i) = ([0u64; 4], 0);
    while i < CUE_WORDS.len() {
        let bit = filter_bit(CUE_WORDS[i].0.as_bytes());
        bits[bit / 64] |= 1 << (bit % 64);
        i += 1;
    }
    bits
};

/// How far after a cue (bytes) its value may reach: a code follows its cue closely
/// (`code: 4417`), a date of birth may stand further on in the sentence (`de
/// verjaardag van Sjoerd (de nieuwe vriend van Fenna) erin gezet: 9 juli 1998`).
const WINDOW: usize = 40;
const BIRTH_WINDOW: usize = 120;

/// Month names and their abbreviations (English, Dutch, German), lower-case.
const MONTHS: [&str; 34] = [
    "jan",
    "january",
    "januari",
    "januar",
    "feb",
    "february",
    "februari",
    "februar",
    "mar",
    "march",
    "maart",
    "märz",
    "apr",
    "april",
    "may",
    "mei",
    "mai",
    "jun",
    "june",
    "juni",
    "jul",
    "july",
    "juli",
    "aug",
    "august",
    "augustus",
    "sep",
    "sept",
    "september",
    "oct",
    "okt",
    "october",
    "oktober",
    "nov",
];

/// More month names: November and December in three languages.
const LAST_MONTHS: [&str; 5] = ["november", "dec", "december", "dez", "dezember"];

/// True for a month's name or abbreviation, in any case.
pub(super) fn is_month(word: &str) -> bool {
    MONTHS.iter().chain(&LAST_MONTHS).any(|m| m.eq_ignore_ascii_case(word))
}

/// What a cue announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    /// A date of birth: numbers of up to four digits and month names.
    BirthDate,
    /// A code: numbers.
    Code,
    /// A handle (`@joy`): every word.
    Handle,
    /// A number spelled out in digit words ([`super::spelled`]): every word.
    Spelled,
}

impl Cue {
    /// The cue `token` is, if any. Called for every token, so most are turned away by
    /// [`CUE_FILTER`] and their last byte.
    #[inline]
    fn of(token: &str) -> Option<Cue> {
        let b = token.as_bytes();
        let (Some(&first), Some(&last)) = (b.first(), b.last()) else { return None };
        // No cue word, nor a word ending in `code`, is shorter than three bytes.
        if b.len() > 32 || b.len() < 3 || !first.is_ascii_alphabetic() {
            return None;
        }
        let bit = filter_bit(b);
        if CUE_FILTER[bit / 64] & 1 << (bit % 64) != 0
            && let Some((_, cue)) = CUE_WORDS.iter().find(|(w, _)| w.as_bytes().eq_ignore_ascii_case(b))
        {
            return Some(*cue);
        }
        let ends_in_code = |n: usize| b.len() >= n && b[b.len() - n..b.len() - n + 4].eq_ignore_ascii_case(b"code");
        let code = match last | 0x20 {
            b'e' => ends_in_code(4),
            b's' => ends_in_code(5),
            _ => false,
        };
        code.then_some(Cue::Code)
    }

    /// True for a token that is part of what the cue announces.
    fn takes(self, token: &str) -> bool {
        let number = token.len() <= 4 && token.bytes().all(|b| b.is_ascii_digit());
        match self {
            Cue::Code => number,
            Cue::Handle | Cue::Spelled => true,
            Cue::BirthDate => number || is_month(token) || super::number_words::is_number_word(token),
        }
    }
}

/// An open window: what its cue announces, and where it ends (bytes into the text; past
/// the text's end when it goes on into the next piece).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Window {
    cue: Cue,
    end: usize,
    /// A number has been read inside the window.
    number: bool,
}

impl Window {
    /// The window of the handle whose first token starts at `start`, right after an
    /// `@` with no letter or digit before it, if one does.
    fn handle_at(text: &str, start: usize) -> Option<Window> {
        let b = text.as_bytes();
        // A handle opens a word: a blank, a bracket or a tag before its `@`. A quoted
        // local part (`"Ailsa Chaudhry"@host`) is an address's.
        // Any non-ASCII character before it (a no-break space, a quote mark) opens one
        // too.
        let opens = |c: u8| c.is_ascii_whitespace() || c >= 0x80 || b"([<>,;:".contains(&c);
        let after_at = start > 0 && b[start - 1] == b'@' && (start < 2 || opens(b[start - 2]));
        let run = || b[start..].iter().take_while(|c| c.is_ascii_alphanumeric() || b"_.-".contains(c)).count();
        after_at.then(|| Window { cue: Cue::Handle, end: start + run(), number: false })
    }

    /// The window of `cue`, whose token ends at `from` in `text`.
    fn after(cue: Cue, text: &str, from: usize) -> Window {
        let budget = if cue == Cue::BirthDate { BIRTH_WINDOW } else { WINDOW };
        let mut end = reach(text, from, budget);
        // A birth cue that ends its line (`date of birth`⏎`3 February 2008`, a form's
        // `Geboortedatum:`⏎) announces the next line.
        let rest = text.get(from..end).unwrap_or_default();
        if cue == Cue::BirthDate && end < text.len() && rest.bytes().all(|b| b" \t\r:.-(".contains(&b)) {
            end = reach(text, end + 1, budget);
        }
        Window { cue, end, number: false }
    }

    /// Notes a token read inside the window, a number or not: the first token after a
    /// code's numbers closes a code's window.
    fn read(&mut self, number: bool) {
        match (self.cue, number) {
            (Cue::Code, true) => self.number = true,
            (Cue::Code, false) if self.number => self.end = 0,
            _ => {}
        }
    }

    /// What is left of this window for the next piece after `text`, if it reaches past
    /// the text's end.
    fn rest_after(self, text: &str) -> Option<usize> {
        self.end.checked_sub(text.len()).filter(|left| *left > 0)
    }

    /// The window `left` bytes long that goes on at the start of `text`.
    fn going_on(cue: Cue, text: &str, left: usize) -> Window {
        Window { cue, end: reach(text, 0, left), number: false }
    }
}

/// The open windows of one text, one per kind of cue.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Windows([Option<Window>; 4]);

/// What is left of a text's windows for its next piece: bytes, per kind of cue.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Open([Option<usize>; 4]);

/// Every kind of cue, in the order of [`Windows`] and [`Open`].
const CUES: [Cue; 4] = [Cue::BirthDate, Cue::Code, Cue::Handle, Cue::Spelled];

impl Windows {
    /// The windows going on at the start of `text` from the piece before.
    pub(super) fn going_on(open: Open, text: &str) -> Windows {
        Windows(std::array::from_fn(|i| open.0[i].map(|left| Window::going_on(CUES[i], text, left))))
    }

    /// Notes the token `text[start..end]`: a cue opens its window after it, and the
    /// first word of a handle or of a spelled number opens the window of its words.
    #[inline]
    pub(super) fn see(&mut self, text: &str, start: usize, end: usize) {
        if let Some(cue) = Cue::of(&text[start..end]) {
            self.0[cue as usize] = Some(Window::after(cue, text, end));
        }
        // Nearly no token follows an `@`: one byte settles it.
        if start > 0
            && text.as_bytes()[start - 1] == b'@'
            && let Some(handle) = Window::handle_at(text, start)
        {
            self.0[Cue::Handle as usize] = Some(handle);
        }
        // A genealogy's birth star (`Henk Snow  *  4 maart 1938`): a number after it.
        if text.as_bytes()[start].is_ascii_digit()
            && (super::birth_stars::star_before(text, start) || super::birth_stars::star_and_place_before(text, start))
        {
            self.0[Cue::BirthDate as usize] = Some(Window::after(Cue::BirthDate, text, start));
        }
        // Most tokens are turned away by their length and first two letters.
        let spelled = &mut self.0[Cue::Spelled as usize];
        if super::spelled::may_be_digit_word(&text.as_bytes()[start..end])
            && spelled.is_none_or(|w| start >= w.end)
            && let Some(number_end) = super::spelled::number_from(text, start, end)
        {
            *spelled = Some(Window { cue: Cue::Spelled, end: number_end, number: false });
        }
    }

    /// True when an open window takes the token `token` at `start`.
    #[inline]
    pub(super) fn take(&self, start: usize, token: &str) -> bool {
        self.0.iter().flatten().any(|w| start < w.end && w.cue.takes(token))
    }

    /// Notes a token read, a number or not ([`Window::read`]).
    #[inline]
    pub(super) fn read(&mut self, number: bool) {
        self.0.iter_mut().flatten().for_each(|w| w.read(number));
    }

    /// What is left of each window for the next piece after `text`.
    pub(super) fn rest_after(&self, text: &str) -> Open {
        Open(self.0.map(|w| w?.rest_after(text)))
    }
}

/// Where `budget` bytes from `from` in `text` end: at the first line break, else at
/// `from + budget`, which may lie past the text's end.
fn reach(text: &str, from: usize, budget: usize) -> usize {
    let limit = (from + budget).min(text.len());
    memchr::memchr(b'\n', &text.as_bytes()[from..limit]).map_or(from + budget, |i| from + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cue_opens_a_window_to_its_line_end() {
        let text = "Geboren op 9 juli 1971 te Utrecht\nVolgende regel";
        assert_eq!(Cue::of("Geboren"), Some(Cue::BirthDate));
        assert_eq!(Window::after(Cue::BirthDate, text, 7).end, 33);
        let window = Window::after(Cue::BirthDate, "Date of birth: 3 May 1990", 13);
        assert_eq!((window.end, window.rest_after("Date of birth: 3 May 1990")), (133, Some(108)));
        assert_eq!(Cue::of("Birthday"), Some(Cue::BirthDate), "a birthday's date is a date of birth");
        assert_eq!(Window::after(Cue::Code, "code 4417", 4).end, 44, "a code follows its cue closely");
        assert!(["9", "juli", "1971", "May", "DEC"].into_iter().all(|t| Cue::BirthDate.takes(t)));
        assert!(!["te", "12345", "Utrecht"].into_iter().any(|t| Cue::BirthDate.takes(t)));
    }

    #[test]
    fn codes_follow_their_cues() {
        for cue in ["code", "Code", "PINCODE", "toegangscode", "codes", "PIN", "safe", "Diagnostic-Code"] {
            let last = cue.rsplit('-').next().unwrap_or(cue);
            assert_eq!(Cue::of(last), Some(Cue::Code), "{cue}");
        }
        for word in ["cod", "decoder", "coder", "pine", "safety", "o", "1code"] {
            assert_eq!(Cue::of(word), None, "{word}");
        }
        assert!(Cue::Code.takes("4417") && !Cue::Code.takes("May") && !Cue::Code.takes("door"));
        let text = "code 731 442, total 12";
        let mut window = Window::after(Cue::Code, text, 4);
        window.read(true);
        window.read(true);
        assert_eq!(window.end, 44);
        window.read(false);
        assert_eq!((window.end, window.rest_after(text)), (0, None));
    }

    #[test]
    fn a_later_cue_leaves_an_earlier_window_open() {
        for text in [
            "Geboortedatum/postcode: 9 juli 1971",
            "Date of birth / PIN: 3 May 1990",
            "Geboren (zie @mama) 9 juli 1971",
        ] {
            let mut windows = Windows::default();
            let mut taken = Vec::new();
            let words: Vec<(usize, &str)> = text
                .split(|c: char| !c.is_alphanumeric())
                .scan(0, |at, w| {
                    let start = text[*at..].find(w).map_or(*at, |i| *at + i);
                    *at = start + w.len();
                    Some((start, w))
                })
                .filter(|(_, w)| !w.is_empty())
                .collect();
            for (start, word) in words {
                windows.see(text, start, start + word.len());
                if windows.take(start, word) {
                    taken.push(word);
                }
                windows.read(word.as_bytes()[0].is_ascii_digit());
            }
            assert!(
                taken.iter().any(|w| w.len() > 2 && w.bytes().all(|b| b.is_ascii_alphabetic())),
                "{text}: {taken:?}"
            );
            assert!(taken.iter().any(|w| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit())), "{text}: {taken:?}");
        }
    }

    #[test]
    fn a_handle_runs_to_its_last_word() {
        let text = "Ping @hope_bird.2 or me@x, or @ home, \"A B\"@host";
        let handle = Window::handle_at(text, 6).expect("a handle");
        assert_eq!((handle.cue, &text[6..handle.end]), (Cue::Handle, "hope_bird.2"));
        assert!(Window::handle_at(text, 23).is_none() && Window::handle_at(text, 0).is_none());
        assert!(Window::handle_at(text, text.len() - 4).is_none(), "a quoted local part's domain");
        assert!(Cue::Handle.takes("bird"));
    }

    #[test]
    fn a_window_goes_on_into_the_next_piece_until_a_line_break() {
        assert_eq!(Window::going_on(Cue::Code, "9 juli\n1971", 30).end, 6);
        assert_eq!(Window::going_on(Cue::Code, "</td><td>", 30).rest_after("</td><td>"), Some(21));
    }
}

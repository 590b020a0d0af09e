//! Reading a DATA body (RFC 5321 §4.1.1.4, §4.5.2): dot-unstuffing and the end marker,
//! as a state machine over bytes with no I/O (the bytes inside a line, which cannot
//! change its state, are copied as one run), so any chunking gives the same result.
//!
//! Line-end policy: lines must end in CRLF. Only `CRLF . CRLF` ends the data, and only
//! a CRLF starts a new line, so a bare LF or CR can never smuggle an end-of-data
//! marker past us (the "SMTP smuggling" desync). A message holding a bare LF or CR is
//! read to its end and then refused.

/// Where the reader is within the current line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a line (after CRLF, or at the very beginning).
    LineStart,
    /// A `.` began the line.
    Dot,
    /// `.` then CR began the line.
    DotCr,
    /// Inside a line.
    InLine,
    /// A CR inside a line.
    Cr,
}

/// What was wrong with a complete message, if anything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DataFlaws {
    /// More bytes than the size limit.
    pub too_big: bool,
    /// A bare LF or CR somewhere.
    pub bare_line_end: bool,
    /// A line longer than the line limit (CRLF included).
    pub long_line: bool,
    /// The body stopped being kept (the shared DATA budget ran out): what was read is
    /// incomplete, and the message must be refused.
    pub not_kept: bool,
    /// A header section over [`MAX_HEADER_BYTES`] or [`MAX_HEADER_FIELDS`].
    pub large_header: bool,
}

/// Most bytes of a message's header section (Exim's `header_maxsize` is 1 MiB too).
pub const MAX_HEADER_BYTES: usize = 1 << 20;
/// Most fields in a message's header section. Each costs the parser an allocation of
/// its own, so a message of nothing but short fields would cost many times its size
/// while it is checked, past what the DATA budget counts.
pub const MAX_HEADER_FIELDS: usize = 10_000;

/// True when the header section of `message` (up to its first empty line) is over
/// [`MAX_HEADER_BYTES`] or holds more than [`MAX_HEADER_FIELDS`] fields.
pub fn header_over_limits(message: &[u8]) -> bool {
    let within = MAX_HEADER_BYTES + 2;
    let end = mxr_mail::header_section_len(message, within).unwrap_or(message.len().min(within));
    if end > MAX_HEADER_BYTES {
        return true;
    }
    let starts_field = |line: &&[u8]| line.first().is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\r'));
    message[..end].split(|&b| b == b'\n').filter(starts_field).count() > MAX_HEADER_FIELDS
}

/// The first allocation for a body; it then doubles, never past the size limit, so
/// a `SIZE=` the client declares reserves nothing up front.
const FIRST_CHUNK: usize = 64 * 1024;

/// Accumulates one message body.
#[derive(Debug)]
pub struct DataReader {
    state: State,
    body: Vec<u8>,
    max_size: usize,
    max_line: usize,
    line_len: usize,
    flaws: DataFlaws,
}

impl DataReader {
    /// A reader with a size limit and a line limit (both in bytes).
    pub fn new(max_size: usize, max_line: usize) -> Self {
        DataReader {
            state: State::LineStart,
            body: Vec::new(),
            max_size,
            max_line,
            line_len: 0,
            flaws: DataFlaws::default(),
        }
    }

    fn out(&mut self, bytes: &[u8]) {
        self.line_len += bytes.len();
        if self.line_len > self.max_line {
            self.flaws.long_line = true;
        }
        if self.flaws.too_big || self.flaws.not_kept {
            return;
        }
        // What fits is kept, so that the body is the first `max_size` bytes of the
        // data however it was chunked into runs.
        let fits = &bytes[..bytes.len().min(self.max_size - self.body.len())];
        if fits.len() < bytes.len() {
            self.flaws.too_big = true;
        }
        let need = self.body.len() + fits.len();
        if need > self.body.capacity() {
            let target = self.grown(self.body.capacity()).max(need);
            self.body.reserve_exact(target - self.body.len());
        }
        self.body.extend_from_slice(fits);
    }

    /// The capacity after `cap` when the body outgrows it: doubled, at least by
    /// [`FIRST_CHUNK`], never past the size limit.
    fn grown(&self, cap: usize) -> usize {
        (cap + cap.max(FIRST_CHUNK)).min(self.max_size)
    }

    /// Bytes the body holds in memory now (its allocation, not only its length).
    pub fn held_bytes(&self) -> usize {
        self.body.capacity()
    }

    /// At most the bytes the body will hold after `extra` more input bytes (input
    /// only shrinks by unstuffing): what to reserve before feeding them.
    pub fn held_after(&self, extra: usize) -> usize {
        if self.flaws.too_big || self.flaws.not_kept {
            return self.body.capacity();
        }
        let need = (self.body.len() + extra).min(self.max_size);
        let mut cap = self.body.capacity();
        while cap < need {
            cap = self.grown(cap).max(need.min(cap + 1));
        }
        cap
    }

    /// Stops keeping the body and frees it; the rest is still read to the final dot
    /// (so the session stays in step), and the message is flagged [`DataFlaws::not_kept`].
    pub fn stop_keeping(&mut self) {
        self.flaws.not_kept = true;
        self.body = Vec::new();
    }

    fn in_line(&mut self, b: u8) {
        match b {
            b'\r' => self.state = State::Cr,
            b'\n' => {
                self.flaws.bare_line_end = true;
                self.out(b"\n");
                self.state = State::InLine;
            }
            _ => {
                self.out(&[b]);
                self.state = State::InLine;
            }
        }
    }

    /// Feeds bytes; returns how many were consumed when the end marker was reached
    /// (the rest belongs to the next command), or `None` if more are needed.
    pub fn feed(&mut self, chunk: &[u8]) -> Option<usize> {
        let mut i = 0;
        while i < chunk.len() {
            if self.state == State::InLine {
                // Inside a line only CR and LF change the state: the bytes up to the
                // next one are kept at once.
                let run = memchr::memchr2(b'\r', b'\n', &chunk[i..]).unwrap_or(chunk.len() - i);
                if run > 0 {
                    self.out(&chunk[i..i + run]);
                    i += run;
                    continue;
                }
            }
            let b = chunk[i];
            i += 1;
            match self.state {
                State::LineStart if b == b'.' => self.state = State::Dot,
                State::LineStart | State::InLine => self.in_line(b),
                State::Dot if b == b'\r' => self.state = State::DotCr,
                State::Dot => self.in_line(b), // a stuffed dot: dropped
                State::DotCr if b == b'\n' => return Some(i),
                State::DotCr => {
                    // ".\r" then something else: the dot was stuffing, the CR is bare.
                    self.flaws.bare_line_end = true;
                    self.out(b"\r");
                    self.in_line(b);
                }
                State::Cr if b == b'\n' => {
                    self.out(b"\r\n");
                    self.line_len = 0;
                    self.state = State::LineStart;
                }
                State::Cr => {
                    self.flaws.bare_line_end = true;
                    self.out(b"\r");
                    self.in_line(b);
                }
            }
        }
        None
    }

    /// The body read (complete only after `feed` returned `Some`), and its flaws.
    pub fn finish(mut self) -> (Vec<u8>, DataFlaws) {
        self.flaws.large_header = header_over_limits(&self.body);
        (self.body, self.flaws)
    }
}

pub use mxr_mail::dot_stuff;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_section_over_1_mib_or_10000_fields_is_over_the_limits() {
        let fields = |n: usize| b"X-F: v\r\n".repeat(n);
        let cases: [(Vec<u8>, bool); 8] = [
            (b"From: a@b\r\nSubject: s\r\n\r\nbody\r\n".to_vec(), false),
            ([fields(MAX_HEADER_FIELDS), b"\r\nbody\r\n".to_vec()].concat(), false),
            ([fields(MAX_HEADER_FIELDS + 1), b"\r\nbody\r\n".to_vec()].concat(), true),
            ([fields(MAX_HEADER_FIELDS + 1)].concat(), true),
            // Folded lines are one field.
            ([b"Received: a\r\n".to_vec(), b"\tb\r\n".repeat(20_000), b"\r\nbody\r\n".to_vec()].concat(), false),
            ([b"X: ".to_vec(), vec![b'v'; MAX_HEADER_BYTES], b"\r\n\r\nbody\r\n".to_vec()].concat(), true),
            ([b"S: s\r\n\r\n".to_vec(), b"X-F: in the body\r\n".repeat(100_000)].concat(), false),
            (b"no header end".to_vec(), false),
        ];
        for (i, (message, over)) in cases.iter().enumerate() {
            assert_eq!(header_over_limits(message), *over, "case {i}");
        }
    }

    #[test]
    fn stuffing_round_trips_through_the_reader() {
        for m in [&b"a\r\n.b\r\n..\r\n"[..], b".\r\n", b"no final line end"] {
            let mut r = DataReader::new(1 << 20, 1000);
            let wire = dot_stuff(m);
            assert_eq!(r.feed(&wire), Some(wire.len()));
            let body = r.finish().0;
            assert!(body.starts_with(m) && body.len() <= m.len() + 2, "{:?}", String::from_utf8_lossy(m));
        }
    }

    /// Feeds `input` in chunks of `chunk` bytes; returns body, flaws and bytes consumed.
    fn read(input: &[u8], chunk: usize) -> Option<(Vec<u8>, DataFlaws, usize)> {
        let mut r = DataReader::new(1 << 20, 1000);
        let mut at = 0;
        for piece in input.chunks(chunk) {
            if let Some(n) = r.feed(piece) {
                let (body, flaws) = r.finish();
                return Some((body, flaws, at + n));
            }
            at += piece.len();
        }
        None
    }

    /// Streams of dots, CRs, LFs and letters, against limits small enough to hit:
    /// every chunking reads the same body, flaws and length as one whole feed.
    #[test]
    fn random_streams_read_the_same_in_every_chunking() {
        let feed = |input: &[u8], chunk: usize| {
            let mut r = DataReader::new(24, 9);
            let mut at = 0;
            for piece in input.chunks(chunk) {
                if let Some(n) = r.feed(piece) {
                    return (Some(at + n), r.finish());
                }
                at += piece.len();
            }
            (None, r.finish())
        };
        let mut seed = 1u32;
        for _ in 0..3000 {
            let input: Vec<u8> = (0..40)
                .map(|_| {
                    seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                    b".\r\n\r\naaa"[(seed >> 16) as usize % 8]
                })
                .collect();
            let whole = feed(&input, input.len());
            for chunk in 1..8 {
                assert_eq!(feed(&input, chunk), whole, "{:?} in chunks of {chunk}", String::from_utf8_lossy(&input));
            }
        }
    }

    #[test]
    fn table_with_every_chunk_size() {
        let clean = DataFlaws::default();
        let bare = DataFlaws { bare_line_end: true, ..DataFlaws::default() };
        type Case<'a> = (&'a [u8], Option<(&'a [u8], &'a DataFlaws)>);
        let cases: &[Case] = &[
            (b"Hi\r\n.\r\n", Some((b"Hi\r\n", &clean))),
            (b".\r\n", Some((b"", &clean))),
            (b"..dot\r\n.\r\n", Some((b".dot\r\n", &clean))),
            (b"a\r\n..\r\n.\r\n", Some((b"a\r\n.\r\n", &clean))),
            (b"a.b\r\n.x\r\n.\r\n", Some((b"a.b\r\nx\r\n", &clean))),
            (b"a\n.\nb\r\n.\r\n", Some((b"a\n.\nb\r\n", &bare))),
            (b"a\n.\r\nb\r\n.\r\n", Some((b"a\n.\r\nb\r\n", &bare))),
            (b"a\r.\r\nb\r\n.\r\n", Some((b"a\r.\r\nb\r\n", &bare))),
            (b"a\r\n.\rX\r\n.\r\n", Some((b"a\r\n\rX\r\n", &bare))),
            (b"no end\r\n", None),
            (b"a\r\n.\n", None),
        ];
        assert!(!cases.is_empty());
        for (input, want) in cases {
            for chunk in 1..=input.len() {
                let got = read(input, chunk);
                match (want, &got) {
                    (None, None) => {}
                    (Some((body, flaws)), Some((b, f, n))) => {
                        assert_eq!(
                            (b.as_slice(), f),
                            (*body, *flaws),
                            "{:?} in chunks of {chunk}",
                            String::from_utf8_lossy(input)
                        );
                        assert_eq!(*n, input.len());
                    }
                    _ => panic!("{:?} in chunks of {chunk}: got {got:?}", String::from_utf8_lossy(input)),
                }
            }
        }
    }

    #[test]
    fn bytes_after_the_end_are_left_for_the_next_command() {
        let mut r = DataReader::new(100, 1000);
        assert_eq!(r.feed(b"x\r\n.\r\nQUIT\r\n"), Some(6));
    }

    #[test]
    fn limits_are_flagged_but_the_data_is_read_to_its_end() {
        let mut r = DataReader::new(10, 1000);
        assert!(r.feed(b"0123456789abcdef\r\n").is_none());
        assert_eq!(r.feed(b".\r\n"), Some(3));
        assert!(r.finish().1.too_big);
        let mut r = DataReader::new(1 << 20, 10);
        r.feed(b"0123456789abcdef\r\n.\r\n");
        assert!(r.finish().1.long_line);
    }

    #[test]
    fn memory_grows_with_the_body_and_never_past_the_limit() {
        let mut r = DataReader::new(100_000, 1000);
        r.feed(b"short line\r\n");
        assert!(r.held_bytes() <= FIRST_CHUNK, "no reservation for the whole size limit up front");
        let line = [b'x'; 998];
        for _ in 0..200 {
            r.feed(&line);
            r.feed(b"\r\n");
        }
        assert!(r.held_bytes() <= 100_000, "held {}", r.held_bytes());
        assert_eq!(r.held_after(1 << 30), r.held_bytes(), "a body past its limit grows no more");
        let fresh = DataReader::new(100_000, 1000);
        assert_eq!(fresh.held_after(10), FIRST_CHUNK);
        assert_eq!(fresh.held_after(FIRST_CHUNK + 1), 100_000, "doubling stops at the size limit");
        let roomy = DataReader::new(1 << 20, 1000);
        assert_eq!(roomy.held_after(FIRST_CHUNK + 1), 2 * FIRST_CHUNK);
        assert_eq!(r.feed(b".\r\n"), Some(3));
        assert!(r.finish().1.too_big);
    }

    #[test]
    fn a_body_no_longer_kept_is_still_read_to_its_end() {
        let mut r = DataReader::new(1 << 20, 1000);
        assert!(r.feed(b"part one\r\n").is_none());
        r.stop_keeping();
        assert_eq!(r.held_bytes(), 0);
        assert_eq!(r.feed(b"part two\r\n.\r\nQUIT\r\n"), Some(13));
        let (body, flaws) = r.finish();
        assert!(body.is_empty() && flaws.not_kept);
    }
}

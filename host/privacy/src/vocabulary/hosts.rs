//! Host names in free text: a dotted run under a known top-level domain passes whole
//! when the network category is granted in full (filters judge links by their hosts),
//! and is words otherwise.

/// Generic top-level domains that pass as hosts (every two-letter country code does
/// too). A dotted run ending in anything else (`lotte.zwanenburg`) is words. `.local`
/// is not here: its names are a computer's own (`Jans-MacBook-Pro.local`), its owner's
/// name and device in one, and nothing a filter could look up.
const GENERIC_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "info",
    "biz",
    "edu",
    "gov",
    "int",
    "mil",
    "io",
    "app",
    "dev",
    "xyz",
    "top",
    "click",
    "online",
    "site",
    "shop",
    "store",
    "club",
    "link",
    "email",
    "live",
    "icu",
    "vip",
    "work",
    "buzz",
    "cloud",
    "tech",
    "amsterdam",
    "frl",
    "brussels",
    "london",
    "test",
    "example",
    "invalid",
    "localhost",
    "arpa",
];

/// True for a top-level domain of the Public Suffix List (`src/tlds.txt`), or one
/// of the names reserved for tests (`test`, `example`), in any case: the domains an
/// address can really have. `kpnmail.nl0623456781` (an address with a phone number
/// glued on, as table cells joined without a blank make it) has none.
pub fn is_tld(label: &str) -> bool {
    static TLDS: std::sync::LazyLock<Vec<&str>> = std::sync::LazyLock::new(|| {
        include_str!("../tlds.txt").lines().filter(|l| !l.is_empty() && !l.starts_with('#')).collect()
    });
    label.len() <= 63 && TLDS.binary_search(&label.to_ascii_lowercase().as_str()).is_ok()
}

/// A DNS host name of two or more labels under a known top-level domain.
pub fn is_host(run: &str) -> bool {
    // Most runs are plain words: no dot, no host. The top-level domain is checked
    // first, as most dotted runs (`sanne.123`, `3.2.1`) fail there.
    let Some((_, tld)) = run.rsplit_once('.') else { return false };
    let generic = || GENERIC_TLDS.iter().any(|g| g.eq_ignore_ascii_case(tld));
    ((tld.len() == 2 && tld.bytes().all(|b| b.is_ascii_alphabetic())) || generic())
        && run.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !long_digits(run)
}

/// True when `s` holds more than four digits in a row, or more than six in a run of
/// digits and hyphens (`0612345678.nl`, `06-1234-5678.example.com`): a number that
/// may be someone's, which no host name shows whole.
pub fn long_digits(s: &str) -> bool {
    let digits = |sep: &dyn Fn(char) -> bool| {
        s.split(|c: char| !(c.is_ascii_digit() || sep(c)))
            .map(|r| r.bytes().filter(u8::is_ascii_digit).count())
            .max()
            .unwrap_or(0)
    };
    digits(&|_| false) > 4 || digits(&|c| c == '-') > 6
}

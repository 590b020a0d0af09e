//! The words of device strings (`X-Mailer`, `User-Agent`): products, platforms and
//! their parts, which pass in clear in a device value shown to a purpose granted the
//! device category. Besides the list, a product name is written in camel case
//! (`KMail`, `iPhone`, `AppleWebKit`) and a model or build mixes letters and digits
//! (`SM-S911B`, `21A329`); a person's name is neither (`Pieternella Vosmaer`), and
//! like any other word there it is a pseudonym, as in any fail-closed text.

/// Lower-case; compared without regard to case.
const WORDS: &[&str] = &[
    "aarch64",
    "airmail",
    "alpine",
    "amd64",
    "android",
    "aol",
    "apple",
    "applewebkit",
    "arm",
    "arm64",
    "blackberry",
    "chrome",
    "chromium",
    "claws",
    "cpu",
    "crios",
    "darwin",
    "debian",
    "edg",
    "edge",
    "em",
    "emclient",
    "eudora",
    "evolution",
    "exchange",
    "exim",
    "fairemail",
    "fedora",
    "firefox",
    "fxios",
    "gecko",
    "geary",
    "gmail",
    "gnus",
    "horde",
    "huawei",
    "i686",
    "intel",
    "ios",
    "ipad",
    "iphone",
    "ipod",
    "java",
    "javamail",
    "k9",
    "khtml",
    "kmail",
    "linux",
    "lotus",
    "mac",
    "macintosh",
    "mailbird",
    "mailchimp",
    "mailgun",
    "microsoft",
    "mozilla",
    "msie",
    "mso",
    "mutt",
    "neomutt",
    "nodemailer",
    "nokia",
    "nt",
    "oneplus",
    "opera",
    "opr",
    "os",
    "outlook",
    "pegasus",
    "php",
    "phpmailer",
    "pixel",
    "postbox",
    "postfix",
    "proton",
    "protonmail",
    "python",
    "qmail",
    "rainloop",
    "roundcube",
    "rv",
    "safari",
    "samsung",
    "samsungbrowser",
    "seamonkey",
    "sendgrid",
    "sendmail",
    "sm",
    "squirrelmail",
    "swiftmailer",
    "sylpheed",
    "thunderbird",
    "trident",
    "tutanota",
    "ubuntu",
    "webkit",
    "webmail",
    "win64",
    "windows",
    "wow64",
    "x11",
    "x64",
    "x86",
    "x86_64",
    "xiaomi",
    "xperia",
    "yahoo",
    "zimbra",
];

/// True for a word of device strings: a listed one (any case), a camel-case product
/// name none of whose capitalised parts starts with a listed first name (`KMail`, not
/// `LotteZwanenburg`), or a short model number (letters and digits, no run of more
/// than four digits: `S911B`, not `Tel0612345678`).
pub fn is_device_word(word: &str) -> bool {
    WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) || camel_case(word) || model(word)
}

fn camel_case(word: &str) -> bool {
    let bytes = word.as_bytes();
    let inner_capital = bytes.iter().skip(1).any(u8::is_ascii_uppercase);
    // The parts a capital starts (`Pieternella`, `Vosmaer` of `pieternellaVosmaer`).
    let starts = (0..bytes.len()).filter(|i| *i == 0 || bytes[*i].is_ascii_uppercase());
    let mut ends = starts.clone().skip(1).chain([bytes.len()]);
    let title = |part: &str| part[..1].to_ascii_uppercase() + &part[1..];
    let names_someone = starts
        .map(|s| (s, ends.next().unwrap_or(bytes.len())))
        .any(|(s, e)| e > s && word.is_ascii() && super::is_listed_name(&title(&word[s..e])));
    word.is_ascii() && inner_capital && bytes.iter().any(u8::is_ascii_lowercase) && !names_someone
}

fn model(word: &str) -> bool {
    let longest_digits = word.split(|c: char| !c.is_ascii_digit()).map(str::len).max().unwrap_or(0);
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let digits = word.chars().filter(char::is_ascii_digit).count();
    word.len() <= 10 && (1..=3).contains(&letters) && (1..=4).contains(&longest_digits) && digits <= 6
}

#[cfg(test)]
mod tests {
    use super::is_device_word;

    #[test]
    fn products_and_models_are_device_words_and_names_are_not() {
        for word in ["Thunderbird", "iPhone", "KMail", "AppleWebKit", "S911B", "x64", "KzmMailer"] {
            assert!(is_device_word(word), "{word}");
        }
        for word in ["Pieternella", "Vosmaer", "LOTTE", "lotte", "0612345678", "PieternellaVosmaer", "LotteZwanenburg"]
        {
            assert!(!is_device_word(word), "{word}");
        }
        for word in ["Tel0612345678", "Pieternella06", "Lotte1", "x0612y3456", "pieternellaVosmaer", "deVries"] {
            assert!(!is_device_word(word), "{word}");
        }
    }
}

//! What purpose limitation costs per message: finding the personal data and building
//! a plugin's view (every accessor a spam filter could call, under the default
//! spam-filtering grant), beside parsing the same message with mail-parser alone,
//! for 4 KB, 64 KB and 1 MB messages. The view column is parse-and-view minus parse,
//! on a fresh message each time, so it is the enforcement's own cost. The prose has a
//! non-ASCII word in it, as real Dutch mail has. Then detection alone over 64 KB of
//! Russian, Greek and Chinese.
//!
//! Run: `cargo bench -p mxr-tests --bench privacy_views` (`-- --quick` for a short run,
//! `-- --size 64` for one size in KB, e.g. under `perf record`; `-- --prose` for the
//! filler row alone; `-- --part names` for one part of the 64 KB row alone, timed over
//! 3,000 runs, e.g. under `perf record`; `-- --runs N` for another number, e.g. 100
//! under callgrind).

use mxr_mail::ParsedMail;
use mxr_privacy::detect::{Detector, PatternDetector};
use mxr_privacy::render::{Renderer, Shown};
use mxr_privacy::{Category, Grant, Pseudonymizer, PurposePolicy, ScannedMail, accessors};
use std::hint::black_box;

/// Prose with personal data in it, about 600 bytes, varied by `n`.
fn paragraph(n: usize) -> String {
    format!(
        "Beste Jan,\r\n\r\nDank voor je bericht van dinsdag over bestelling {n}. Ik heb met Sanne de Vries gesproken; \
         zij belt je op 06-{:08} of mailt naar sanne.{n}@voorbeeld.nl. De factuur gaat naar Keizersgracht {} , \
         1015 CJ Amsterdam, en betaling graag op NL91 ABNA 0417 1643 00. Meer op \
         https://news.example.com/a?utm_source=mail&id={n} of https://www.example.com/faq. De server 192.0.2.{} \
         gaf om 10:30 een fout in het café; versie 3.2.1 lost dat op.\r\n\r\nMet vriendelijke groet,\r\nPieter Bakker\r\n\
         Van Dam Installatietechniek B.V.\r\n\r\n",
        10_000_000 + n,
        n % 300 + 1,
        n % 250 + 1
    )
}

fn message(size: usize) -> Vec<u8> {
    let mut m = String::from(
        "Received: from mail.sender.test (mail.sender.test [198.51.100.7])\r\n\tby mx.test; Tue, 24 Nov 2026 06:30:00 +0000\r\n\
         From: Jan Jansen <jan@sender.test>\r\nTo: Anna Smit <anna@example.nl>, bob@example.nl\r\n\
         Subject: Bestelling en factuur\r\nX-Mailer: Thunderbird 128\r\nMessage-ID: <1@sender.test>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
    );
    let mut n = 0;
    while m.len() < size {
        m.push_str(&paragraph(n));
        n += 1;
    }
    m.truncate(size);
    m.into_bytes()
}

/// The relay benchmark's synthetic message of `size` bytes (`relay_load`): ordinary
/// English lines with no personal data, where the view should cost least.
fn filler(size: usize) -> Vec<u8> {
    let mut m = b"From: Load <load@src.test>\r\nTo: <rcpt@bench.test>\r\nSubject: load\r\n\r\n".to_vec();
    let line = b"The quick brown fox jumps over the lazy dog, again and again and again.....\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m
}

/// Everything a spam filter's accessors would render, through the accessors' own
/// view builder (`mxr_privacy::accessors`).
fn render_view(r: &Renderer, msg: &ScannedMail) -> usize {
    let mut bytes = 0;
    let mut add = |s: Shown| {
        if let Shown::Full(t) | Shown::Pseudonym(t) | Shown::Domain(t) | Shown::Redacted(t) = s {
            bytes += t.len();
        }
    };
    for name in accessors::header_names(r, msg) {
        accessors::header(r, msg, &name).into_iter().for_each(|(_, s)| add(s));
    }
    for (n, x) in accessors::addresses(r, msg.from()).into_iter().chain(accessors::addresses(r, msg.to())) {
        add(n);
        add(x);
    }
    add(accessors::subject(r, msg));
    add(accessors::text_body(r, msg));
    add(accessors::html_body(r, msg));
    bytes
}

/// A line of everyday mail in other scripts, each repeated to 64 KB for detection
/// alone: a text with no Latin word in it must not cost more than a Dutch one.
const SCRIPTS: [(&str, &str); 3] = [
    (
        "russian",
        "Здравствуйте, Иван! Спасибо за ваше письмо о заказе. Я поговорил с Анной Смирновой; она позвонит вам.\r\n",
    ),
    (
        "greek",
        "Καλησπέρα Γιάννη, ευχαριστώ για το μήνυμά σου σχετικά με την παραγγελία. Μίλησα με τη Μαρία σήμερα.\r\n",
    ),
    ("chinese", "王先生，您好！感谢您关于订单的来信。我已经和李女士谈过了，她会打电话给您：13812345678。此致敬礼\r\n"),
];

/// Detection alone over 64 KB of each of [`SCRIPTS`].
fn scripts(detector: &PatternDetector, iterations: usize) {
    println!("detection alone, 64 KB of one script (medians)");
    println!("{:>8} {:>12} {:>10}", "script", "detect µs", "MB/s");
    for (name, line) in SCRIPTS {
        let text = line.repeat((64 << 10) / line.len());
        let detect = p50(iterations, || {
            black_box(detector.detect(&text));
        });
        println!("{:>8} {:>12.1} {:>10.1}", name, detect, text.len() as f64 / detect);
    }
}

/// Each detector family, and the vocabulary rendering, alone over the 64 KB message's
/// text: where the view's time goes.
fn families(pseudonyms: &Pseudonymizer, iterations: usize, part: Option<&str>) {
    use mxr_privacy::detect::{addresses, devices, names, structured, word_runs};
    let raw = message(64 << 10);
    let text = ParsedMail::parse(&raw).text().unwrap_or_default().to_owned();
    let found = PatternDetector.detect(&text);
    let time = |name: &str, f: &mut dyn FnMut()| {
        if part.is_none_or(|p| p == name) {
            println!("{:>12} {:>10.1}", name, p50(iterations, f));
        }
    };
    println!("one part alone over the 64 KB text (medians)");
    println!("{:>12} {:>10}", "part", "µs");
    time("structured", &mut || structured::find(&text, black_box(&mut Vec::new())));
    time("addresses", &mut || addresses::find(&text, black_box(&mut Vec::new())));
    time("names", &mut || names::find(&text, black_box(&mut Vec::new())));
    time("devices", &mut || devices::find(&text, black_box(&mut Vec::new())));
    time("word_runs", &mut || word_runs::find(&text, &found, black_box(&mut Vec::new())));
    time("vocabulary", &mut || {
        mxr_privacy::vocabulary::render_into(&text, pseudonyms, false, black_box(&mut String::new()))
    });
    // The relay benchmark's filler: what enforcement costs a 64 KB message there.
    let prose = String::from_utf8(filler(64 << 10)).expect("ASCII");
    time("vocab prose", &mut || {
        mxr_privacy::vocabulary::render_into(&prose, pseudonyms, true, black_box(&mut String::new()))
    });
    time("detect prose", &mut || {
        black_box(PatternDetector.detect(&prose));
    });
}

/// The median in microseconds.
fn p50(iterations: usize, f: impl FnMut()) -> f64 {
    mxr_tests::timing::percentiles(iterations, f).0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let prose_only = args.iter().any(|a| a == "--prose");
    let part = args.iter().position(|a| a == "--part").and_then(|i| args.get(i + 1)).map(String::as_str);
    if part.is_some() {
        let pseudonyms = Pseudonymizer::derive(&[1; 32], "spam-filtering");
        let runs = args.iter().position(|a| a == "--runs").and_then(|i| args.get(i + 1)?.parse().ok());
        return families(&pseudonyms, runs.unwrap_or(3000), part);
    }
    let only: Option<usize> =
        args.iter().position(|a| a == "--size").and_then(|i| args.get(i + 1)).and_then(|s| s.parse().ok());
    let policy = PurposePolicy::default_policy();
    let grant = Grant::for_purpose(&policy, "spam-filtering", Category::ALL.into_iter().collect()).unwrap();
    let pseudonyms = Pseudonymizer::derive(&[1; 32], "spam-filtering");
    let detector = PatternDetector;
    let r = Renderer::new(&grant, &pseudonyms, &detector);
    println!("detection + view building per message (spam-filtering grant), beside parsing alone (medians)");
    println!(
        "{:>6} {:>12} {:>12} {:>10} {:>12} {:>10} {:>8}",
        "size", "parse µs", "view µs", "view MB/s", "detect µs", "spans", "view/parse"
    );
    let filler_row = (64 << 10, Some(filler(64 << 10)));
    let rows = [4 << 10, 64 << 10, 1 << 20].map(|size| (size, None)).into_iter().chain([filler_row]);
    let wanted = |(s, given): &(usize, Option<Vec<u8>>)| {
        only.is_none_or(|kb| kb << 10 == *s) && (!prose_only || given.is_some())
    };
    for (size, given) in rows.filter(wanted) {
        let iterations = match (size, quick) {
            (s, true) if s >= 1 << 20 => 5,
            (_, true) => 50,
            (s, false) if s >= 1 << 20 => 30,
            (s, false) if s >= 64 << 10 => 300,
            _ => 2000,
        };
        let label = format!("{}KB{}", size >> 10, if given.is_some() { " prose" } else { "" });
        let raw = given.unwrap_or_else(|| message(size));
        let parse = p50(iterations, || {
            black_box(ParsedMail::parse(&raw));
        });
        // A fresh message each time (detection is cached per message), minus parsing.
        let parse_and_view = p50(iterations, || {
            black_box(render_view(&r, &ScannedMail::parse(&raw)));
        });
        let view = (parse_and_view - parse).max(0.001);
        let parsed = ParsedMail::parse(&raw);
        let text = parsed.text().unwrap_or_default().to_owned();
        let detect = p50(iterations, || {
            black_box(detector.detect(&text));
        });
        let spans = detector.detect(&text).len();
        let mbps = size as f64 / view;
        println!(
            "{:>6} {:>12.1} {:>12.1} {:>10.1} {:>12.1} {:>10} {:>7.1}x",
            label,
            parse,
            view,
            mbps,
            detect,
            spans,
            view / parse
        );
    }
    if only.is_none_or(|kb| kb == 64) && !prose_only {
        families(&pseudonyms, if quick { 50 } else { 300 }, None);
    }
    if only.is_none() && !prose_only {
        scripts(&detector, if quick { 50 } else { 300 });
    }
}

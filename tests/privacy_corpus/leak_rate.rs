//! The leak rate of a corpus part: under every purpose of the default policy, every
//! accessor is read for every message (see `mxr_tests::every_view`), and each
//! labelled value of a category the purpose does not get in full is looked for in
//! each accessor's output, in clear or trivially encoded (see `mxr_tests::leak`).
//! Printed per purpose and per category, with every leaked value, its message, the
//! accessor and the purpose; checked against the bar. `MXR_CORPUS_SHOW=nl-003`
//! prints everything each purpose reads of that message.

use mxr_privacy::detect::PatternDetector;
use mxr_privacy::render::Renderer;
use mxr_privacy::{Category, Form, Grant, Pseudonymizer, PurposePolicy, ScannedMail};
use mxr_tests::corpus::{Gold, Labelled};
use mxr_tests::every_view;
use mxr_tests::leak::Decoded;
use std::collections::BTreeMap;

/// The bar: at most this share (per cent) of all labelled values of non-full
/// categories arrives, and at most [`BAR_CATEGORY`] of any one category.
const BAR_ALL: f64 = 0.5;
const BAR_CATEGORY: f64 = 1.0;

/// One purpose's count: (labelled, leaked) per category, and the leaks.
#[derive(Default)]
struct Tally {
    per_category: BTreeMap<Category, (usize, usize)>,
    leaks: Vec<String>,
    /// Values that stand inside a value of a category granted in full.
    inside_full: usize,
}

impl Tally {
    fn total(&self) -> (usize, usize) {
        self.per_category.values().fold((0, 0), |(t, l), (a, b)| (t + a, l + b))
    }
}

fn share(leaked: usize, total: usize) -> f64 {
    if total == 0 { 0.0 } else { 100.0 * leaked as f64 / total as f64 }
}

/// What one purpose lets through of the part.
fn tally(purpose: &str, corpus: &[Labelled]) -> Tally {
    let policy = PurposePolicy::default_policy();
    let grant = Grant::for_purpose(&policy, purpose, Category::ALL.into_iter().collect()).unwrap();
    let pseudonyms = Pseudonymizer::derive(&[4; 32], purpose);
    let r = Renderer::new(&grant, &pseudonyms, &PatternDetector);
    let env = every_view::corpus_envelope();
    let mut t = Tally::default();
    for m in corpus {
        let msg = ScannedMail::parse(&m.raw);
        let read = every_view::read_all(&r, &env, &msg);
        if std::env::var("MXR_CORPUS_SHOW").is_ok_and(|n| n == m.name) {
            read.iter().for_each(|(a, text)| println!("{purpose} {} {a}: {text}", m.name));
        }
        let views: Vec<(String, Decoded)> = read.into_iter().map(|(a, text)| (a, Decoded::of(&text))).collect();
        let full = |g: &&Gold| grant.form(g.label.category()) == Form::Full;
        let granted: Vec<Decoded> = m.gold.iter().filter(full).map(|g| Decoded::of(m.value(g))).collect();
        for g in m.gold.iter().filter(|g| !full(g)) {
            let (category, value) = (g.label.category(), m.value(g));
            // A name inside an address the purpose may read (`jan.jansen@…`) comes
            // with that address: counted apart, not as a leak of the name.
            if granted.iter().any(|d| d.contains(value)) {
                t.inside_full += 1;
                continue;
            }
            let entry = t.per_category.entry(category).or_default();
            entry.0 += 1;
            let accessors: Vec<&str> =
                views.iter().filter(|(_, d)| d.contains(value)).map(|(a, _)| a.as_str()).collect();
            if !accessors.is_empty() {
                entry.1 += 1;
                let form = grant.form(category).name();
                t.leaks.push(format!(
                    "{purpose}: {} {} {value:?} (form {form}) in {}",
                    m.name,
                    g.label.name(),
                    accessors.join(", ")
                ));
            }
        }
    }
    t
}

/// Measures, prints and returns what is over the bar.
pub fn measure(part: &str, corpus: &[Labelled]) -> Vec<String> {
    let policy = PurposePolicy::default_policy();
    let mut purposes: Vec<String> = policy.purpose_ids().map(str::to_owned).collect();
    purposes.sort();
    let tallies: Vec<(String, Tally)> = std::thread::scope(|s| {
        let runs: Vec<_> = purposes.iter().map(|p| s.spawn(move || (p.clone(), tally(p, corpus)))).collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    println!("\nleak rate on {part} ({} messages): labelled values of a non-full category that arrive", corpus.len());
    let mut over = Vec::new();
    for (purpose, t) in &tallies {
        let (total, leaked) = t.total();
        let cats: Vec<String> =
            t.per_category.iter().map(|(c, (n, l))| format!("{} {l}/{n} ({:.2} %)", c.name(), share(*l, *n))).collect();
        let inside = t.inside_full;
        println!("{purpose:<20} {leaked}/{total} ({:.2} %): {}", share(leaked, total), cats.join(", "));
        println!("{:<20} (and {inside} values that stand inside a value granted in full, not counted)", "");
        if share(leaked, total) > BAR_ALL {
            over.push(format!("{part} {purpose}: {leaked}/{total} ({:.2} %)", share(leaked, total)));
        }
        for (c, (n, l)) in &t.per_category {
            if share(*l, *n) > BAR_CATEGORY {
                over.push(format!("{part} {purpose} {}: {l}/{n} ({:.2} %)", c.name(), share(*l, *n)));
            }
        }
    }
    for (_, t) in &tallies {
        for leak in &t.leaks {
            println!("  leak {leak}");
        }
    }
    over
}

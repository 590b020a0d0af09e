//! Builds the public vocabulary that fail-closed text views let through in clear:
//! the lower-case entries of Debian's English and Dutch word lists (packages
//! `wamerican`, `wbritish`, `wdutch`; SCOWL and OpenTaal, see README "Vocabulary").
//! Capitalised entries are proper nouns (names, places) and are left out on purpose,
//! and so are lower-case entries of four letters or more whose capitalised twin stands
//! in the same list (the Dutch list has `bakker` and `Bakker`, `geert` and `Geert`).
//! `src/vocabulary-extra.txt` adds a few mail, web and spam terms the lists lack, and
//! the frequent words the twin rule would drop although they are rarely names.

use std::collections::BTreeSet;
use std::path::Path;

const LISTS: [&str; 3] = ["american-english", "british-english", "dutch"];

/// Shortest lower-case word dropped for having a capitalised twin (a proper noun).
const MIN_TWIN: usize = 4;

fn main() {
    let dir = std::env::var("MXR_DICT_DIR").unwrap_or_else(|_| "/usr/share/dict".into());
    println!("cargo:rerun-if-env-changed=MXR_DICT_DIR");
    let mut words = BTreeSet::new();
    for list in LISTS {
        let mut own = BTreeSet::new();
        let mut proper = BTreeSet::new();
        let path = Path::new(&dir).join(list);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}\nmxr's fail-closed views need Debian's word lists: \
                 apt-get install wamerican wbritish wdutch (scripts/test and scripts/run do this)",
                path.display()
            )
        });
        for w in text.lines() {
            // A capitalised entry is a proper noun; remember it, so that its lower-case
            // twin (Dutch lists `bakker`, `geert`, `dwarsweg` beside the surname, the
            // first name, the street) does not pass as a word either.
            if w.chars().next().is_some_and(char::is_uppercase) && w.chars().skip(1).all(char::is_lowercase) {
                proper.insert(w.to_lowercase());
            }
            // Lower-case entries only: a capital marks a proper noun. Possessives
            // ("cat's") are dropped: the tokenizer splits at the apostrophe anyway.
            if !w.is_empty() && w.chars().all(|c| c.is_lowercase() || c == '-') && !w.starts_with('-') {
                for part in w.split('-').filter(|p| p.chars().count() > 1) {
                    own.insert(part.to_owned());
                }
            }
        }
        // Twins count within one list only: the Dutch list's `Free` (a name) says
        // nothing of English `free`. Short twins (`to`, `in`) are function words.
        own.retain(|w: &String| w.chars().count() < MIN_TWIN || !proper.contains(w));
        words.extend(own);
    }
    // Read when the script runs, not baked in when it is compiled: checkouts that
    // share a target dir share this script's binary.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let extra = Path::new(&manifest_dir).join("src/vocabulary-extra.txt");
    println!("cargo:rerun-if-changed={}", extra.display());
    let extra = std::fs::read_to_string(&extra).expect("src/vocabulary-extra.txt");
    let lines = extra.lines().map(str::trim).filter(|l| !l.starts_with('#'));
    words.extend(lines.flat_map(str::split_whitespace).map(str::to_owned));
    assert!(words.len() > 100_000, "word lists in {dir} look truncated ({} words)", words.len());
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("vocabulary.txt");
    let joined: Vec<&str> = words.iter().map(String::as_str).collect();
    std::fs::write(out, joined.join("\n")).unwrap();
}

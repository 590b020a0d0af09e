//! Builds the public vocabulary that fail-closed text views let through in clear:
//! the lower-case entries of Debian's English and Dutch word lists (packages
//! `wamerican`, `wbritish`, `wdutch`; SCOWL and OpenTaal, see README "Vocabulary").
//! Capitalised entries are proper nouns (names, places) and are left out on purpose.

use std::collections::BTreeSet;
use std::path::Path;

const LISTS: [&str; 3] = ["american-english", "british-english", "dutch"];

fn main() {
    let dir = std::env::var("MXR_DICT_DIR").unwrap_or_else(|_| "/usr/share/dict".into());
    println!("cargo:rerun-if-env-changed=MXR_DICT_DIR");
    let mut words = BTreeSet::new();
    for list in LISTS {
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
            // Lower-case entries only: a capital marks a proper noun. Possessives
            // ("cat's") are dropped: the tokenizer splits at the apostrophe anyway.
            if !w.is_empty() && w.chars().all(|c| c.is_lowercase() || c == '-') && !w.starts_with('-') {
                for part in w.split('-').filter(|p| p.chars().count() > 1) {
                    words.insert(part.to_owned());
                }
            }
        }
    }
    assert!(words.len() > 100_000, "word lists in {dir} look truncated ({} words)", words.len());
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("vocabulary.txt");
    let joined: Vec<&str> = words.iter().map(String::as_str).collect();
    std::fs::write(out, joined.join("\n")).unwrap();
}

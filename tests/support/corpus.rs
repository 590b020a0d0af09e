//! The labelled privacy corpus (`tests/corpus/`): each part is a folder of
//! `NAME.eml` (the raw message), `NAME.txt` (every labelled value, decoded, marked
//! inline as `[[kind|text]]`) and `MANIFEST.tsv` (each message with its label count and
//! classes, written by the part's generator). Loading fails when a listed file is
//! missing, an unlisted one is present, or a label count differs.

use mxr_privacy::detect::Kind;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One labelled value in a message's text.
#[derive(Clone, Debug)]
pub struct Gold {
    /// Byte range in [`Labelled::text`].
    pub range: Range<usize>,
    /// What it is.
    pub label: Kind,
}

/// One message of the corpus.
pub struct Labelled {
    /// `nl-001` and the like.
    pub name: String,
    /// The decoded, labelled text with the marks stripped.
    pub text: String,
    /// The labelled values.
    pub gold: Vec<Gold>,
    /// The raw message.
    pub raw: Vec<u8>,
    /// The classes the generator put in (from the manifest).
    pub classes: Vec<String>,
}

impl Labelled {
    /// The value of one label.
    pub fn value(&self, g: &Gold) -> &str {
        &self.text[g.range.clone()]
    }
}

/// Strips `[[kind|text]]` marks, giving the text and the labelled spans.
pub fn parse(file: &str, marked: &str) -> (String, Vec<Gold>) {
    let mut text = String::with_capacity(marked.len());
    let mut gold = Vec::new();
    let mut rest = marked;
    while let Some(open) = rest.find("[[") {
        text.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        let close = after.find("]]").unwrap_or_else(|| panic!("{file}: unclosed [["));
        let (kind, value) = after[..close].split_once('|').unwrap_or_else(|| panic!("{file}: mark without |"));
        let label = Kind::from_name(kind).unwrap_or_else(|| panic!("{file}: unknown kind {kind}"));
        gold.push(Gold { range: text.len()..text.len() + value.len(), label });
        text.push_str(value);
        rest = &after[close + 2..];
    }
    text.push_str(rest);
    (text, gold)
}

/// The folder of a part, below `tests/corpus/`.
pub fn folder(part: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(part)
}

/// Every message of the part in `dir`, checked against its manifest.
pub fn load(dir: &Path) -> Vec<Labelled> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("the part has a MANIFEST.tsv");
    let mut out = Vec::new();
    for line in manifest.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [name, count, classes] = cols[..] else { panic!("manifest line {line:?}") };
        let marked = std::fs::read_to_string(dir.join(format!("{name}.txt")))
            .unwrap_or_else(|e| panic!("{name}.txt is in the manifest but cannot be read: {e}"));
        let raw = std::fs::read(dir.join(format!("{name}.eml")))
            .unwrap_or_else(|e| panic!("{name}.eml is in the manifest but cannot be read: {e}"));
        let (text, gold) = parse(name, &marked);
        assert_eq!(gold.len().to_string(), count, "{name}: label count differs from the manifest");
        let classes = classes.split(',').map(str::to_owned).collect();
        out.push(Labelled { name: name.to_owned(), text, gold, raw, classes });
    }
    let on_disk = std::fs::read_dir(dir).unwrap().filter(|e| {
        let p = e.as_ref().unwrap().path();
        matches!(p.extension().and_then(|x| x.to_str()), Some("eml" | "txt"))
    });
    assert_eq!(on_disk.count(), 2 * out.len(), "{}: files on disk that the manifest does not list", dir.display());
    out
}

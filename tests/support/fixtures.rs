//! Message fixtures: the `.eml` files shipped inside the mail-parser crate (real-world
//! and RFC samples), found in the cargo registry, and our own in `tests/fixtures/`.

use std::path::{Path, PathBuf};

/// Every `.eml` file shipped with the mail-parser crate this build uses.
pub fn mail_parser_emls() -> Vec<PathBuf> {
    let dir = mail_parser_dir().join("resources").join("eml");
    let mut out = Vec::new();
    collect(&dir, &mut out);
    out.sort();
    out
}

/// Our own fixtures in `tests/fixtures/<name>`.
pub fn ours(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|x| x == "eml") {
            out.push(p);
        }
    }
}

/// The mail-parser source directory in the cargo registry (or vendor folder).
fn mail_parser_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cargo"));
    let lock =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock")).expect("Cargo.lock");
    let version = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"mail-parser\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = \"")))
        .map(|v| v.trim_end_matches('"').to_owned())
        .expect("mail-parser in Cargo.lock");
    let src = home.join("registry").join("src");
    std::fs::read_dir(&src)
        .expect("cargo registry")
        .flatten()
        .map(|index| index.path().join(format!("mail-parser-{version}")))
        .find(|p| p.is_dir())
        .expect("mail-parser sources in the cargo registry")
}

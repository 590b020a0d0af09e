//! Message fixtures: the `.eml` files shipped inside the mail-parser crate (real-world
//! and RFC samples), found in the cargo registry, CPython's email test data, and our
//! own in `tests/fixtures/`.

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

/// CPython's email test messages (`test/test_email/data/*.txt`), or none when this
/// machine's `python3` lacks its test package.
pub fn cpython_messages() -> Vec<PathBuf> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import test.test_email, os; print(os.path.join(os.path.dirname(test.test_email.__file__), 'data'))",
        ])
        .output();
    match out {
        Ok(o) if o.status.success() => files_with(Path::new(String::from_utf8_lossy(&o.stdout).trim()), "txt"),
        _ => Vec::new(),
    }
}

/// The files directly in `dir` whose names end in `.ext`, sorted.
pub fn files_with(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .collect();
    out.sort();
    out
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

//! Reading the Prometheus text format as a scraper does: the real `promtool check
//! metrics` on it, and its samples parsed (name, labels, value) for exact assertions.

use std::io::Write;
use std::process::{Command, Stdio};

/// One sample line: `name{key="value",...} value`.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSample {
    /// The series name, suffixes included (`_total`, `_bucket`, ...).
    pub name: String,
    /// The labels in the order written, values unescaped.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// Runs `promtool check metrics` on `text` (on its stdin); `Err` with what promtool
/// said when it finds a problem. Panics when promtool is not installed: the check is
/// part of the suite, never skipped.
pub fn promtool_check(text: &str) -> Result<String, String> {
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            panic!("promtool is not installed: run scripts/install-test-tools (Debian package prometheus)")
        }
        Err(e) => panic!("cannot run promtool: {e}"),
    };
    child.stdin.take().expect("piped stdin").write_all(text.as_bytes()).expect("writing to promtool");
    let out = child.wait_with_output().expect("promtool ran");
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if out.status.success() { Ok(said) } else { Err(said) }
}

/// Every sample in `text`, in order; comment lines (`# HELP`, `# TYPE`) skipped.
/// Panics on a line it cannot read, naming it.
pub fn samples(text: &str) -> Vec<MetricSample> {
    text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).map(sample).collect()
}

/// The value of the sample named `name` whose labels are exactly `labels` (in any
/// order), if there is one.
pub fn value(samples: &[MetricSample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let same = |s: &MetricSample| {
        s.labels.len() == labels.len() && labels.iter().all(|(k, v)| s.labels.iter().any(|(sk, sv)| sk == k && sv == v))
    };
    samples.iter().find(|s| s.name == name && same(s)).map(|s| s.value)
}

fn sample(line: &str) -> MetricSample {
    let bad = |why: &str| -> ! { panic!("cannot read sample line {line:?}: {why}") };
    let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| bad("no value"));
    let value = value.parse().unwrap_or_else(|_| bad("value is not a number"));
    let Some((name, rest)) = series.split_once('{') else {
        return MetricSample { name: series.to_owned(), labels: vec![], value };
    };
    let body = rest.strip_suffix('}').unwrap_or_else(|| bad("no closing brace"));
    MetricSample { name: name.to_owned(), labels: labels(body).unwrap_or_else(|why| bad(why)), value }
}

/// `key="value",key="value"` with `\\`, `\"` and `\n` escapes in values.
fn labels(mut body: &str) -> Result<Vec<(String, String)>, &'static str> {
    let mut out = Vec::new();
    while !body.is_empty() {
        let (key, rest) = body.split_once("=\"").ok_or("a label without =\"")?;
        let mut value = String::new();
        let mut chars = rest.char_indices();
        let end = loop {
            match chars.next().ok_or("an unterminated label value")? {
                (i, '"') => break i,
                (_, '\\') => match chars.next().ok_or("a dangling escape")?.1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (_, c) => value.push(c),
            }
        };
        out.push((key.to_owned(), value));
        body = rest[end + 1..].strip_prefix(',').unwrap_or(&rest[end + 1..]);
    }
    Ok(out)
}

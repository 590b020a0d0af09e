//! `mxr breach report` and `mxr measures` against a real relay's data dir.

use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mxr(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxr")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// `text` with every RFC 3339 time (`YYYY-MM-DDTHH:MM:SSZ`) replaced by `<time>`.
fn mask_times(text: &str) -> String {
    let b = text.as_bytes();
    let shape = |w: &[u8]| {
        w.len() == 20
            && w.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                19 => *c == b'Z',
                _ => c.is_ascii_digit(),
            })
    };
    let (mut out, mut at) = (String::new(), 0);
    while at < b.len() {
        if b.get(at..at + 20).is_some_and(shape) {
            out.push_str("<time>");
            at += 20;
        } else {
            let c = text[at..].chars().next().unwrap();
            out.push(c);
            at += c.len_utf8();
        }
    }
    out
}

/// The spy reads every category; verdicts quarantines.
const PLUGINS: [(&str, &str); 2] = [("spy", "spam-filtering"), ("verdicts", "spam-filtering")];

async fn relay() -> TestRelay {
    let config = server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + &tenant_toml("held", "held.test", &PLUGINS)
        + &tenant_toml("quiet", "quiet.test", &[]);
    let relay = TestRelay::start(&config, &["spy-spam-filtering", "verdicts"]).await;
    let mut c = relay.client().await;
    for from in ["ann@sender.test", "bob@sender.test"] {
        let msg = format!("Subject: hello\r\n\r\nHi, call me on 06-12345678. {from}\r\n");
        c.send_message(from, &["c@held.test"], msg.as_bytes()).await.assert_code(250, "2.0.0");
    }
    relay
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breach_report_has_every_field_of_article_5_5_from_the_audit_log() {
    let relay = relay().await;
    let dir = relay.data_dir();
    let dir = dir.to_str().unwrap();
    let base = ["breach", "report", "--tenant", "held", "--from", "2000-01-01", "--to", "2100-01-01"];
    let extra = ["--known", "2030-05-06T07:08:09Z", "--cause", "a stolen laptop", "--measures", "keys rotated"];
    let (ok, out) = mxr(&[&base[..], &extra, &["--json", "--data-dir", dir]].concat());
    assert!(ok, "{out}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    let fields = r["fields"].as_array().unwrap();
    assert_eq!(fields.iter().map(|f| f["number"].as_u64().unwrap()).collect::<Vec<_>>(), (1..=10).collect::<Vec<_>>());
    assert_eq!(r["deadline"], "2030-05-07T07:08:09Z", "24 hours after it became known");
    let records = relay.all_audit_records().iter().filter(|r| r.tenant == "held").count();
    assert_eq!(r["records"].as_u64().unwrap() as usize, records);
    let persons = fields[3]["value_en"].as_str().unwrap();
    assert!(persons.ends_with("at most 3 (distinct data subjects in the audit log)"), "ann, bob and c: {persons}");
    assert!(fields[4]["value_en"].is_null(), "the group of persons is for people to describe");
    let shown = mxr(&["audit", "show", "--tenant", "held", "--data-dir", dir]).1;
    assert!(fields[5]["value_en"].as_str().unwrap().contains("network (full)"), "{} {shown}", fields[5]);
    assert_eq!(fields[0]["value_nl"], "a stolen laptop");

    let (ok, text) = mxr(&[&base[..], &extra, &["--data-dir", dir]].concat());
    assert!(ok && text.contains("AAN TE VULLEN") && text.contains("TO COMPLETE"), "{text}");
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/breach-report.txt");
    let masked = mask_times(&text).replace(&format!(": {records}\n"), ": <records>\n");
    if std::env::var_os("MXR_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &masked).unwrap();
    }
    assert_eq!(masked, std::fs::read_to_string(&golden).unwrap(), "MXR_UPDATE_GOLDEN=1 rewrites it");
    let (ok, out) =
        mxr(&["breach", "report", "--tenant", "held", "--from", "2030-01-01", "--to", "2020-01-01", "--data-dir", dir]);
    assert!(!ok && out.contains("--to: is before --from"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measures_are_checked_against_the_data_dir() {
    let relay = relay().await;
    let data = relay.data_dir();
    let dir = data.to_str().unwrap();
    let (ok, out) = mxr(&["measures", "--data-dir", dir, "--config", "/dev/null"]);
    assert!(!ok, "an empty config is refused: {out}");
    let config = data.join("relay.toml");
    let tenants = tenant_toml("held", "held.test", &PLUGINS) + &tenant_toml("quiet", "quiet.test", &[]);
    std::fs::write(&config, server_toml("") + &tenants).unwrap();
    let cfg = config.to_str().unwrap();
    let (ok, out) = mxr(&["measures", "--config", cfg, "--data-dir", dir]);
    assert!(ok && !out.contains("FAILED"), "{out}");
    assert!(
        out.contains("6 spool, quarantine and index files each opened"),
        "2 quarantined messages with their records and index entries: {out}"
    );
    assert!(
        out.contains("audit log verifies") && out.contains("held: [spy=spam-filtering, verdicts=spam-filtering]"),
        "{out}"
    );
    assert!(out.contains("STARTTLS offered"), "{out}");
    assert!(
        out.contains("control of permissions (the last change to each): held: tenant-seed by relay at ")
            && out.contains("; quiet: tenant-seed by relay at "),
        "the last audited change to each tenant's state, the seed's for both: {out}"
    );

    let master = data.join("keys/master.key");
    std::fs::set_permissions(&master, std::fs::Permissions::from_mode(0o644)).unwrap();
    let held = data.join("quarantine/held");
    let msg = std::fs::read_dir(&held)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "msg"))
        .unwrap();
    let mut bytes = std::fs::read(&msg).unwrap();
    bytes[40] ^= 1;
    std::fs::write(&msg, bytes).unwrap();
    let (ok, out) = mxr(&["measures", "--config", cfg, "--data-dir", dir]);
    assert!(!ok && out.contains("master.key has mode 644, not 600"), "{out}");
    assert!(out.contains(&format!("{}: not a complete spool file (does not authenticate)", msg.display())), "{out}");
}

//! The agreement's operations (`mxr subject ...`, `mxr tenant offboard`, `mxr
//! certificate verify`) against a real relay with real mail in its spool and
//! quarantine (and bounces about it), and what is left under the data dir afterwards,
//! byte by byte.

use mxr_tests::test_relay::{NextHop, TestRelay, server_toml, tenant_toml, tenant_toml_via};
use std::path::Path;
use std::process::Command;

fn mxr(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_mxr")).args(args).output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr))
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push((p.clone(), std::fs::read(&p).unwrap())) }
    }
    out
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Two tenants: `stuck` keeps its mail in the spool (its next hop cannot be reached),
/// `held` quarantines everything.
fn config(with_stuck: bool) -> String {
    let stuck = tenant_toml_via(
        "stuck",
        "stuck.test",
        &[("counter", "statistics")],
        NextHop::Maildir(Some("/proc/mxr-no-route")),
    );
    server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + if with_stuck { stuck.as_str() } else { "" }
        + &tenant_toml("held", "held.test", &[("verdicts", "spam-filtering")])
}

const PLUGINS: [&str; 2] = ["counter", "verdicts"];

async fn relay_with_mail() -> TestRelay {
    let relay = TestRelay::start(&config(true), &PLUGINS).await;
    let mut c = relay.client().await;
    let to_ann = b"Subject: Ann's invoice\r\n\r\nAsk carol@friend.test about canary-ann-7f3a.\r\n";
    c.send_message("Ann@Sender.test", &["a@stuck.test"], to_ann).await.assert_code(250, "2.0.0");
    let other = b"Subject: Dave's note\r\n\r\nNothing about anyone else, canary-dave-91b2.\r\n";
    c.send_message("dave@other.test", &["a@stuck.test"], other).await.assert_code(250, "2.0.0");
    let cc = b"Cc: Ann <ann@sender.test>\r\nSubject: copied\r\n\r\nheld canary-held-c0de\r\n";
    c.send_message("bob@sender.test", &["c@held.test"], cc).await.assert_code(250, "2.0.0");
    relay
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_export_and_erase_a_persons_mail_across_spool_and_quarantine() {
    let relay = relay_with_mail().await;
    let data = relay.data_dir();
    let dir = data.to_str().unwrap();
    for (_, bytes) in files_under(&data.join("index")) {
        assert!(!contains(&bytes, "ann@sender.test") && !contains(&bytes, "sender.test"), "index holds no address");
    }

    let (ok, out) = mxr(&["subject", "find", "--tenant", "stuck", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail held: 1") && out.contains("as sender"), "{out}");
    let records = "Audit records naming the persons: 2";
    assert!(out.contains(records), "the counter's disclosure and the copy's history entry: {out}");
    let request = out.lines().find_map(|l| l.strip_prefix("Data-subject request ")).unwrap().to_owned();
    let (ok, out) = mxr(&["subject", "find", "--tenant", "stuck", "carol@friend.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail held: 1") && out.contains("as text"), "named in the text: {out}");
    let (ok, out) = mxr(&["subject", "find", "--tenant", "held", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail held: 1") && out.contains("as address-header"), "Cc: {out}");

    let out_dir = tempfile::tempdir().unwrap();
    let export = out_dir.path().join("export");
    let ex = export.to_str().unwrap();
    let args = ["subject", "export", "--tenant", "stuck", "--request", &request, "--out", ex, "ann@sender.test"];
    let (ok, out) = mxr(&[&args[..], &["--data-dir", dir]].concat());
    assert!(ok && out.contains("exported 1 stored copies, 2 audit records"), "{out}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(export.join("manifest.json")).unwrap()).unwrap();
    let item = &manifest["items"][0];
    let zip_bytes = std::fs::read(export.join("mail.zip")).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
    let name = item["file"].as_str().unwrap().strip_prefix("mail.zip/").unwrap().to_owned();
    let mut eml = Vec::new();
    std::io::Read::read_to_end(&mut zip.by_name(&name).unwrap(), &mut eml).unwrap();
    assert!(contains(&eml, "canary-ann-7f3a") && !contains(&eml, "canary-dave"), "the person's mail only");
    assert_eq!(item["sha256"], mxr_ops::sha256_hex(&eml));
    assert_eq!((item["origin"].as_str(), manifest["request"].as_str()), (Some("spool"), Some(request.as_str())));
    let audit: serde_json::Value = serde_json::from_slice(&std::fs::read(export.join("audit.json")).unwrap()).unwrap();
    assert_eq!(audit.as_array().unwrap().len(), 2, "the disclosure and the copy's history entry");
    assert!(std::fs::read_to_string(export.join("report.txt")).unwrap().contains(&request));
    let inside = data.join("export");
    let (ok, out) = mxr(&[
        "subject",
        "export",
        "--tenant",
        "stuck",
        "--out",
        inside.to_str().unwrap(),
        "ann@sender.test",
        "--data-dir",
        dir,
    ]);
    assert!(!ok && out.contains("outside the data dir") && !inside.exists(), "{out}");

    let (ok, out) =
        mxr(&["subject", "erase", "--tenant", "stuck", "--request", &request, "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail erased: 1") && out.contains("art. 12.3"), "{out}");
    let (ok, out) = mxr(&["subject", "erase", "--tenant", "held", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail erased: 1"), "{out}");

    // Afterwards: only audit records (the disclosure, the history entry, the export and
    // the erasure).
    let (ok, out) = mxr(&["subject", "find", "--tenant", "stuck", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail held: 0") && out.contains("Audit records naming the persons: 4"), "{out}");
    let (ok, out) = mxr(&["subject", "find", "--tenant", "stuck", "dave@other.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail held: 1"), "another person's mail stays: {out}");
    let (ok, out) = mxr(&["audit", "show", "--tenant", "stuck", "--subject", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("subject-export") && out.contains("subject-erase"), "{out}");
    let (ok, out) = mxr(&["subject", "requests", "--tenant", "stuck", "--data-dir", dir]);
    assert!(ok && out.contains(&request) && out.contains("on time") && out.contains("Erase: erased 1"), "{out}");

    // Byte by byte: the erased copies and their index entries are gone, nothing in
    // clear anywhere, and the rest still opens.
    let left = files_under(&data);
    for (path, bytes) in &left {
        for canary in ["canary-ann-7f3a", "canary-held-c0de", "ann@sender.test", "carol@friend.test"] {
            assert!(!contains(bytes, canary), "{} holds {canary}", path.display());
        }
    }
    assert_eq!(relay.quarantined("held").len(), 0);
    assert_eq!(left.iter().filter(|(p, _)| p.starts_with(data.join("index"))).count(), 1, "dave's entry only");
    let spooled: Vec<_> = left
        .iter()
        .filter(|(p, _)| p.starts_with(data.join("spool")) && p.extension().is_some_and(|x| x == "msg"))
        .collect();
    assert_eq!(spooled.len(), 1);
    let (ok, out) = mxr(&["subject", "find", "--tenant", "nobody", "x@y.test", "--data-dir", dir]);
    assert!(!ok && out.contains("has no key in this data dir"), "{out}");
    let (ok, out) = mxr(&["subject", "find", "--tenant", "stuck", "not-an-address", "--data-dir", dir]);
    assert!(!ok && out.contains("ADDRESS: \"not-an-address\" is not an e-mail address"), "{out}");
}

/// A certificate as JSON with what differs from run to run masked: ids, keys,
/// signatures, hashes, sizes (Received lines and tokens vary), times, the operator,
/// the data dir, and how many files it holds.
fn masked_certificate(bytes: &[u8], data_dir: &str) -> String {
    fn mask(v: &mut serde_json::Value, data_dir: &str) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    let variable =
                        ["id", "node_key", "public_key", "value", "sha256", "bytes", "completed", "operator"];
                    if variable.contains(&k.as_str()) {
                        *v = "<masked>".into();
                    } else {
                        mask(v, data_dir);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(|v| mask(v, data_dir)),
            serde_json::Value::String(s) => {
                *s = s.replace(data_dir, "<data_dir>");
                // How many files the data dir holds varies with its databases (and their
                // write-ahead logs): the count is masked, the check's wording is not.
                let digits = s.chars().take_while(char::is_ascii_digit).count();
                if digits > 0 && s[digits..].starts_with(" files under the data dir") {
                    *s = format!("<n>{}", &s[digits..]);
                }
            }
            _ => {}
        }
    }
    let mut v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
    mask(&mut v, data_dir);
    serde_json::to_string_pretty(&v).unwrap() + "\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offboarding_exports_shreds_and_certifies() {
    let relay = relay_with_mail().await;
    let data = relay.data_dir();
    let dir = data.to_str().unwrap().to_owned();
    let files = tempfile::tempdir().unwrap();
    let with = files.path().join("with.toml");
    std::fs::write(&with, config(true)).unwrap();
    let out = files.path().join("handover");
    let offboard = |cfg: &Path, queued: &str| {
        let args = ["tenant", "offboard", "stuck", "--format", "mbox", "--queued", queued, "--out"];
        mxr(&[&args[..], &[out.to_str().unwrap(), "--config", cfg.to_str().unwrap(), "--data-dir", &dir]].concat())
    };
    let stored = || ["spool", "quarantine", "index", "keys"].map(|d| files_under(&data.join(d)).len());
    let before = stored();
    // Offboarding first stops the tenant: its status becomes offboarded in the store the
    // running relay follows, so its recipients are refused from then on, even when the
    // rest is refused because mail still waits for delivery.
    let (ok, text) = offboard(&with, "deliver");
    assert!(!ok && text.contains("2 copies are still waiting for delivery") && !out.exists(), "{text}");
    assert_eq!(stored(), before, "a refused offboarding deletes nothing");
    let mut c = relay.client().await;
    c.cmd("MAIL FROM:<x@sender.test>").await.assert_code(250, "");
    c.cmd("RCPT TO:<a@stuck.test>").await.assert_code(550, "5.1.2");
    let backup = std::fs::read_dir(data.join("spool"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "msg"))
        .unwrap();
    let backup = (backup.file_stem().unwrap().to_str().unwrap().to_owned(), std::fs::read(&backup).unwrap());

    let (ok, text) = offboard(&with, "hand-back");
    assert!(ok && text.contains("2 copies exported and deleted (2 handed back undelivered)"), "{text}");
    let mbox = std::fs::read_to_string(out.join("mail.mbox")).unwrap();
    assert!(
        mbox.contains("canary-ann-7f3a") && mbox.contains("canary-dave-91b2") && !mbox.contains("canary-held"),
        "{mbox}"
    );
    assert_eq!(mbox.matches("\nFrom MAILER-DAEMON ").count() + 1, 2, "two messages");
    let audit: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("audit.json")).unwrap()).unwrap();
    assert!(audit.as_array().unwrap().iter().all(|r| r["tenant"] == "stuck") && audit.as_array().unwrap().len() >= 2);

    // Certificate: valid against the node key, recorded in the log; a changed copy is not.
    let cert_file = out.join("deletion-certificate.json");
    let cert_bytes = std::fs::read(&cert_file).unwrap();
    let cert: serde_json::Value = serde_json::from_slice(&cert_bytes).unwrap();
    assert_eq!(cert["certificate"]["handover"]["files"][0]["sha256"], mxr_ops::sha256_hex(mbox.as_bytes()));
    let (ok, text) = mxr(&["certificate", "verify", cert_file.to_str().unwrap(), "--data-dir", &dir]);
    assert!(ok && text.contains("signature valid") && text.contains("recorded in the node's audit log"), "{text}");
    let node_pub = std::fs::read_to_string(data.join("audit/node.pub")).unwrap();
    let (ok, text) = mxr(&["certificate", "verify", cert_file.to_str().unwrap(), "--key", node_pub.trim()]);
    assert!(ok && text.contains("signature valid"), "{text}");
    let forged = files.path().join("forged.json");
    std::fs::write(&forged, String::from_utf8(cert_bytes.clone()).unwrap().replace("\"copies\": 2", "\"copies\": 1"))
        .unwrap();
    let (ok, text) = mxr(&["certificate", "verify", forged.to_str().unwrap(), "--data-dir", &dir]);
    assert!(!ok && text.contains("does not verify"), "{text}");
    let (ok, text) = mxr(&["audit", "verify", "--data-dir", &dir]);
    assert!(ok && text.contains("intact"), "{text}");

    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/deletion-certificate.json");
    let masked = masked_certificate(&cert_bytes, &dir);
    if std::env::var_os("MXR_UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &masked).unwrap();
    }
    assert_eq!(
        masked,
        std::fs::read_to_string(&golden).unwrap(),
        "the certificate's shape (MXR_UPDATE_GOLDEN=1 rewrites it)"
    );

    // Byte by byte: nothing of the tenant's in clear, no key, no file of its; the
    // other tenant's mail still opens; a kept ciphertext no longer opens.
    for (path, bytes) in files_under(&data) {
        for canary in ["canary-ann-7f3a", "canary-dave-91b2", "Ann's invoice"] {
            assert!(!contains(&bytes, canary), "{} holds {canary}", path.display());
        }
    }
    for gone in ["keys/tenants/stuck.key", "index/stuck", "quarantine/stuck"] {
        assert!(!data.join(gone).exists(), "{gone} is gone");
    }
    assert_eq!(relay.quarantined("held").len(), 1, "the other tenant's quarantine still opens");
    let spool = mxr_store::spool::Spool::open(&data, relay.relay.chain.keys.clone()).unwrap();
    let kept = files.path().join(format!("{}.msg", backup.0));
    std::fs::write(&kept, &backup.1).unwrap();
    let err = spool.read(&kept).unwrap_err().to_string();
    assert!(err.contains("does not authenticate"), "a kept ciphertext of the tenant's no longer opens: {err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bounce_about_a_tenants_mail_is_found_and_erased_with_it() {
    let next_hop = mxr_tests::sink::Sink::start(None).await;
    // The bounce relay is down: the bounce waits in the spool, under the bounce path.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bounce_relay = down.local_addr().unwrap();
    drop(down);
    let config = server_toml("")
        + &format!("[queue]\nretry_base_secs = 1\nbounce_relay = \"{bounce_relay}\"\n")
        + &tenant_toml_via("acme", "acme.test", &[], NextHop::Smtp(next_hop.addr, "none"));
    let relay = TestRelay::start(&config, &[]).await;
    let msg = b"From: ann@sender.test\r\nTo: reject@acme.test\r\nSubject: s\r\n\r\nHello.\r\n";
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["reject@acme.test"], msg).await.assert_code(250, "2.0.0");
    let spool = relay.data_dir().join("spool");
    let bounce_only =
        || std::fs::read_dir(&spool).unwrap().flatten().any(|e| e.file_name().to_string_lossy().ends_with(".dsn.msg"));
    mxr_tests::wait_until_async(mxr_tests::LIVENESS, "the bounce waits in the spool", || {
        bounce_only() && mxr_tests::test_relay::spooled(&spool) == 1
    })
    .await;
    let dir = relay.data_dir();
    let dir = dir.to_str().unwrap();
    let (ok, out) = mxr(&["subject", "find", "--tenant", "acme", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains(".dsn") && out.contains("Stored mail held: 1"), "{out}");
    let (ok, out) = mxr(&["subject", "erase", "--tenant", "acme", "ann@sender.test", "--data-dir", dir]);
    assert!(ok && out.contains("Stored mail erased: 1"), "{out}");
    assert!(!bounce_only(), "the bounce is gone from the spool");
}

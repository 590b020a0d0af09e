//! Crash safety, with the real binary: under load, `mxr serve` is killed with SIGKILL at
//! varying moments, several times, and restarted. Every message that got a `250`
//! reaches the Maildir exactly once (rarely twice, never zero times), and none arrives
//! truncated.

use mxr_tests::serve::Served;
use mxr_tests::smtp_client::Client;
use mxr_tests::test_relay::spooled;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PLUGINS: [&str; 4] = ["spam-score", "attachment-guard", "sender-policy", "delivery-stats"];

/// One message over plain SMTP; true only if the final reply was 250 (a relay that is
/// gone or going answers nothing, or not 250).
async fn send(addr: SocketAddr, id: u32) -> bool {
    let Ok((mut c, greeting)) = Client::try_connect(addr).await else { return false };
    if greeting.code != 220
        || c.ehlo("crash.test").await.code != 250
        || c.mail("load@sender.test").await.code != 250
        || c.rcpt("bob@example.test").await.code != 250
    {
        return false;
    }
    let padding = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwx\r\n".repeat(60);
    let message =
        format!("Subject: load {id}\r\nMessage-ID: <{id}@sender.test>\r\n\r\nBEGIN-{id}\r\n{padding}END-{id}\r\n");
    c.data(message.as_bytes()).await.code == 250
}

#[test]
fn sigkill_under_load_loses_and_truncates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    mxr_tests::install_plugins(&dir.path().join("plugins"), &PLUGINS);
    let mut served = Served::start(env!("CARGO_BIN_EXE_mxr"), dir.path());
    let addr = Arc::new(Mutex::new(served.addr));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let (next, stop) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicBool::new(false)));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let (addr, accepted, next, stop) = (addr.clone(), accepted.clone(), next.clone(), stop.clone());
            std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                while !stop.load(Ordering::Relaxed) {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    let to = *addr.lock().unwrap();
                    if rt.block_on(send(to, id)) {
                        accepted.lock().unwrap().push(id);
                    } else {
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            })
        })
        .collect();
    // Kill at varying moments (a fixed sequence: repeatable), restart each time.
    for delay_ms in [400, 150, 650, 275, 500] {
        std::thread::sleep(Duration::from_millis(delay_ms));
        served.kill(); // SIGKILL
        served = Served::start(env!("CARGO_BIN_EXE_mxr"), dir.path());
        *addr.lock().unwrap() = served.addr;
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.join().unwrap();
    }
    // Let the last instance drain its spool.
    let spool = dir.path().join("spool");
    mxr_tests::wait_until(Duration::from_secs(60), "the spool to drain", || spooled(&spool) == 0);
    served.kill();

    let accepted = accepted.lock().unwrap().clone();
    assert!(accepted.len() > 20, "the load ran: {} accepted", accepted.len());
    let mut seen: HashMap<u32, u32> = HashMap::new();
    let new = dir.path().join("maildir/example/new");
    for e in std::fs::read_dir(&new).unwrap().flatten() {
        let text = String::from_utf8(std::fs::read(e.path()).unwrap()).unwrap();
        let id: u32 = text
            .split("Subject: load ")
            .nth(1)
            .and_then(|r| r.split("\r\n").next())
            .and_then(|n| n.parse().ok())
            .expect("subject");
        assert!(
            text.contains(&format!("BEGIN-{id}\r\n")) && text.ends_with(&format!("END-{id}\r\n")),
            "message {id} truncated"
        );
        *seen.entry(id).or_default() += 1;
    }
    for id in &accepted {
        let n = seen.get(id).copied().unwrap_or(0);
        assert!((1..=2).contains(&n), "message {id} got a 250 and arrived {n} times");
    }
    let dup = seen.values().filter(|n| **n == 2).count();
    eprintln!("crash test: {} accepted, {} delivered, {dup} duplicates, 5 kills", accepted.len(), seen.len());
}

/// A quarantined copy never passes the spool: its disclosure records must be in the
/// audit log before the `250`, not after. A SIGKILL right after that `250` leaves them
/// in an intact log, and a restart signs them. (What a SIGKILL cannot show is the
/// fdatasync the chain adds for such copies: the kernel keeps the written pages of a
/// killed process, so only a power cut would lose records that were never synced.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_right_after_a_quarantine_keeps_its_audit_records() {
    use mxr_audit::{Event, NodeSigner};
    use mxr_store::keys::KeyStore;
    use mxr_tests::test_relay::{server_toml, tenant_toml};

    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let config = root.path().join("mxr.toml");
    let text = server_toml("")
        + "[plugin.verdicts]\nconfig = \"data = quarantine\"\n"
        + &tenant_toml("held", "held.test", &[("verdicts", "spam-filtering")]);
    std::fs::write(&config, text).unwrap();
    mxr_tests::install_plugins(&data.join("plugins"), &["verdicts"]);
    let mut served = Served::start_configured(env!("CARGO_BIN_EXE_mxr"), &data, &config);

    let (mut c, greeting) = Client::connect(served.addr).await;
    greeting.assert_code(220, "");
    c.ehlo("crash.test").await.assert_code(250, "");
    let reply =
        c.send_message("ann@sender.test", &["bob@held.test"], b"Subject: hold me\r\n\r\nheld, not spooled\r\n").await;
    reply.assert_code(250, "2.0.0 Ok: queued as ");
    served.kill(); // SIGKILL, right after the 250
    let txid = reply.lines[0].rsplit(' ').next().unwrap().to_owned();

    let node_key = || {
        let keys = KeyStore::open(&data, &data.join("keys").join("master.key"), false).unwrap();
        NodeSigner::from_seed(&keys.node_signing_seed().unwrap()).public()
    };
    let disclosures = || -> Vec<(String, String)> {
        let log = mxr_audit::dir(&data).join("log");
        mxr_audit::log::read_records(&log)
            .unwrap()
            .into_iter()
            .filter(|e| e.record.queue_id == format!("{txid}.1"))
            .filter_map(|e| match e.record.event {
                Event::Disclosure(d) => Some((d.plugin, d.stage)),
                _ => None,
            })
            .collect()
    };
    let report = mxr_audit::verify_dir(&data, &node_key()).unwrap();
    assert!(report.intact(), "audit log after SIGKILL: {:?}", report.findings);
    let found = disclosures();
    assert!(
        found.iter().any(|(plugin, stage)| plugin == "verdicts" && stage == "data"),
        "the quarantining disclosure of {txid}.1 is in the log: {found:?}"
    );
    assert_eq!(std::fs::read_dir(data.join("quarantine").join("held")).unwrap().count(), 2, "message and record");

    // A restart signs what the killed process left unsigned; the records stay.
    let mut served = Served::start_configured(env!("CARGO_BIN_EXE_mxr"), &data, &config);
    assert!(served.terminate().success());
    let report = mxr_audit::verify_dir(&data, &node_key()).unwrap();
    assert!(report.intact() && report.unsigned == 0, "audit log after a restart: {report:?}");
    assert_eq!(disclosures(), found);
}

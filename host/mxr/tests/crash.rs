//! Crash safety, with the real binary: under load, `mxr serve` is killed with SIGKILL at
//! varying moments, several times, and restarted. Every message that got a `250`
//! reaches the Maildir exactly once (rarely twice, never zero times), and none arrives
//! truncated.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn start(data_dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mxr"))
        .args(["serve", "--data-dir", data_dir.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split_whitespace().nth(3).unwrap_or_else(|| panic!("no address in {line:?}")).to_owned();
    (child, addr)
}

/// One message over plain SMTP; true only if the final reply was 250.
fn send(addr: &str, id: u32) -> bool {
    let attempt = || -> std::io::Result<bool> {
        let s = TcpStream::connect(addr)?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut r = BufReader::new(s.try_clone()?);
        let mut w = s;
        let mut reply = || -> std::io::Result<u16> {
            loop {
                let mut l = String::new();
                if r.read_line(&mut l)? == 0 {
                    return Ok(0);
                }
                if l.as_bytes().get(3) != Some(&b'-') {
                    return Ok(l.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0));
                }
            }
        };
        let padding = "0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwx\r\n".repeat(60);
        let steps = [
            ("", 220),
            ("EHLO crash.test\r\n", 250),
            ("MAIL FROM:<load@sender.test>\r\n", 250),
            ("RCPT TO:<bob@example.test>\r\n", 250),
            ("DATA\r\n", 354),
        ];
        for (cmd, want) in steps {
            w.write_all(cmd.as_bytes())?;
            if reply()? != want {
                return Ok(false);
            }
        }
        w.write_all(
            format!(
                "Subject: load {id}\r\nMessage-ID: <{id}@sender.test>\r\n\r\nBEGIN-{id}\r\n{padding}END-{id}\r\n.\r\n"
            )
            .as_bytes(),
        )?;
        Ok(reply()? == 250)
    };
    attempt().unwrap_or(false)
}

#[test]
fn sigkill_under_load_loses_and_truncates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    for p in ["spam-score", "attachment-guard", "sender-policy", "delivery-stats"] {
        std::fs::copy(mxr_tests::component(p), plugins.join(format!("{}.wasm", p.replace('-', "_")))).unwrap();
    }
    let (mut child, addr) = start(dir.path());
    let addr = Arc::new(Mutex::new(addr));
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let (next, stop) = (Arc::new(AtomicU32::new(0)), Arc::new(AtomicBool::new(false)));
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let (addr, accepted, next, stop) = (addr.clone(), accepted.clone(), next.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    let to = addr.lock().unwrap().clone();
                    if send(&to, id) {
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
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let (c, a) = start(dir.path());
        child = c;
        *addr.lock().unwrap() = a;
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.join().unwrap();
    }
    // Let the last instance drain its spool.
    let spool = dir.path().join("spool");
    let give_up = Instant::now() + Duration::from_secs(60);
    while std::fs::read_dir(&spool).unwrap().flatten().any(|e| e.file_name().to_string_lossy().ends_with(".msg")) {
        assert!(Instant::now() < give_up, "spool never drained");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();

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

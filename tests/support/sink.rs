//! A next hop for tests: a small SMTP server on 127.0.0.1 that records what it
//! accepts and answers each recipient by its name: `defer…` gets 451, `reject…` 550,
//! anyone else 250. It offers PIPELINING and no STARTTLS.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message the sink accepted.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// MAIL FROM.
    pub from: String,
    /// Accepted recipients.
    pub rcpts: Vec<String>,
    /// The message, unstuffed.
    pub data: Vec<u8>,
}

/// A running sink.
pub struct Sink {
    /// Where it listens.
    pub addr: SocketAddr,
    /// What it accepted.
    pub accepted: Arc<Mutex<Vec<Accepted>>>,
    /// Recipients it was asked for, in order (to count attempts).
    pub asked: Arc<Mutex<Vec<String>>>,
    /// When true, `defer…` recipients are accepted too.
    pub relent: Arc<Mutex<bool>>,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    /// When true, the sink hangs up right after each message, without a word (as a
    /// server does whose idle timer ran out), so a client reusing the session finds it
    /// closed.
    pub hang_up: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sink {
    /// Starts a sink on a fresh port (or `addr`).
    pub async fn start(addr: Option<SocketAddr>) -> Sink {
        let listener = TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap())).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let accepted: Arc<Mutex<Vec<Accepted>>> = Arc::default();
        let asked: Arc<Mutex<Vec<String>>> = Arc::default();
        let relent = Arc::new(Mutex::new(false));
        let (connections, hang_up) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let state = (Arc::clone(&accepted), Arc::clone(&asked), Arc::clone(&relent));
        let (counter, hang) = (connections.clone(), hang_up.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let (accepted, asked, relent) = (state.0.clone(), state.1.clone(), state.2.clone());
                let hang = hang.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, accepted, asked, relent, hang).await;
                });
            }
        });
        Sink { addr, accepted, asked, relent, connections, hang_up, task }
    }

    /// Waits (a liveness bound) until `n` messages were accepted; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Accepted> {
        crate::wait_for(crate::LIVENESS, &format!("the sink to get {n} messages"), || {
            let got = self.accepted.lock().unwrap().clone();
            std::future::ready((got.len() >= n).then_some(got))
        })
        .await
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    accepted: Arc<Mutex<Vec<Accepted>>>,
    asked: Arc<Mutex<Vec<String>>>,
    relent: Arc<Mutex<bool>>,
    hang_up: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut rcpts) = (String::new(), Vec::new());
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let upper = line.to_ascii_uppercase();
        let arg =
            || line.split_once('<').and_then(|(_, a)| a.split_once('>')).map(|(a, _)| a.to_owned()).unwrap_or_default();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-sink.test\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL") {
            from = arg();
            rcpts.clear();
            b"250 2.1.0 ok\r\n"
        } else if upper.starts_with("RCPT") {
            let to = arg();
            asked.lock().unwrap().push(to.clone());
            if to.starts_with("reject") {
                b"550 5.1.1 No such user here\r\n"
            } else if to.starts_with("defer") && !*relent.lock().unwrap() {
                b"451 4.2.0 Mailbox busy, try later\r\n"
            } else {
                rcpts.push(to);
                b"250 2.1.5 ok\r\n"
            }
        } else if upper.starts_with("DATA") && rcpts.is_empty() {
            b"554 5.5.1 No valid recipients\r\n"
        } else if upper.starts_with("DATA") {
            w.write_all(b"354 go\r\n").await?;
            let mut raw = Vec::new();
            while !raw.ends_with(b"\r\n.\r\n") && !(raw == b".\r\n") {
                let mut b = [0u8; 1];
                if r.read_exact(&mut b).await.is_err() {
                    return Ok(());
                }
                raw.push(b[0]);
            }
            let body = raw[..raw.len() - 3].to_vec();
            let data = String::from_utf8_lossy(&body).replace("\r\n..", "\r\n.").into_bytes();
            let data = if data.starts_with(b"..") { data[1..].to_vec() } else { data };
            accepted.lock().unwrap().push(Accepted { from: from.clone(), rcpts: rcpts.clone(), data });
            w.write_all(b"250 2.0.0 queued\r\n").await?;
            if hang_up.load(Ordering::SeqCst) {
                return Ok(());
            }
            continue;
        } else if upper.starts_with("QUIT") {
            w.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 2.0.0 ok\r\n"
        };
        w.write_all(reply).await?;
    }
}

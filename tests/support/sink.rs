//! A next hop for tests: a small SMTP server on 127.0.0.1 that records what it
//! accepts and answers each recipient by its name: `defer…` gets 451, `reject…` 550,
//! anyone else 250; or, while busy, 451 to every recipient (a next hop that is busy). It offers PIPELINING and 8BITMIME (and SMTPUTF8 when asked to),
//! and no STARTTLS. It can answer the final dot late, or never (a hanging next hop).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One message the sink accepted.
#[derive(Clone, Debug)]
pub struct Accepted {
    /// MAIL FROM.
    pub from: String,
    /// What followed the address on the MAIL FROM line (`BODY=8BITMIME SMTPUTF8`).
    pub params: String,
    /// Accepted recipients.
    pub rcpts: Vec<String>,
    /// The message, unstuffed, byte for byte.
    pub data: Vec<u8>,
    /// When its final dot was read (for delivery latency in the benchmarks).
    pub received: Instant,
}

/// How the sink answers the final dot of a message it has read whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DotReply {
    /// At once.
    Prompt,
    /// After this delay (a slow next hop). The message counts as accepted before the
    /// wait, as on a server that queues it and then answers: a client that gives up
    /// and sends it again delivers it twice.
    After(Duration),
    /// Never: the session stays open, silent (a hanging next hop). Not accepted.
    Never,
}

/// What every connection of a sink shares.
#[derive(Clone)]
struct Shared {
    accepted: Arc<Mutex<Vec<Accepted>>>,
    asked: Arc<Mutex<Vec<String>>>,
    relent: Arc<Mutex<bool>>,
    hang_up: Arc<AtomicBool>,
    dot: Arc<Mutex<DotReply>>,
    holding: Arc<AtomicUsize>,
    smtputf8: Arc<AtomicBool>,
    eight_bit_mime: Arc<AtomicBool>,
    busy: Arc<AtomicBool>,
    answered: Arc<AtomicUsize>,
    keep: Arc<AtomicBool>,
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
    /// How it answers the final dot (default [`DotReply::Prompt`]).
    pub dot: Arc<Mutex<DotReply>>,
    /// Messages read whole whose final-dot reply is being held back right now.
    pub holding: Arc<AtomicUsize>,
    /// When true, EHLO offers SMTPUTF8 (default false).
    pub smtputf8: Arc<AtomicBool>,
    /// When true, EHLO offers 8BITMIME (default true).
    pub eight_bit_mime: Arc<AtomicBool>,
    /// When true, every recipient gets `451 4.3.2` (default false).
    pub busy: Arc<AtomicBool>,
    /// Messages whose final dot got its `250` (written to the client): what a
    /// throughput benchmark counts as arrived.
    pub answered: Arc<AtomicUsize>,
    /// When false, accepted messages are counted in [`Sink::answered`] and not kept in
    /// [`Sink::accepted`] (a benchmark's thousands of 64 KB messages). Default true.
    pub keep: Arc<AtomicBool>,
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
        let shared = Shared {
            accepted: Arc::default(),
            asked: Arc::default(),
            relent: Arc::default(),
            hang_up: Arc::default(),
            dot: Arc::new(Mutex::new(DotReply::Prompt)),
            holding: Arc::default(),
            smtputf8: Arc::default(),
            eight_bit_mime: Arc::new(AtomicBool::new(true)),
            busy: Arc::default(),
            answered: Arc::default(),
            keep: Arc::new(AtomicBool::new(true)),
        };
        let connections = Arc::new(AtomicUsize::new(0));
        let (s, counter) = (shared.clone(), connections.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, s).await;
                });
            }
        });
        let Shared { accepted, asked, relent, hang_up, dot, holding, smtputf8, eight_bit_mime, busy, answered, keep } =
            shared;
        Sink {
            addr,
            accepted,
            asked,
            relent,
            connections,
            hang_up,
            dot,
            holding,
            smtputf8,
            eight_bit_mime,
            busy,
            answered,
            keep,
            task,
        }
    }

    /// Waits (a liveness bound) until `n` messages were accepted; returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<Accepted> {
        self.wait_for_within(crate::LIVENESS, n).await
    }

    /// Like [`Sink::wait_for`], giving up after `bound`.
    pub async fn wait_for_within(&self, bound: Duration, n: usize) -> Vec<Accepted> {
        crate::wait_for(bound, &format!("the sink to get {n} messages"), || {
            let got = self.accepted.lock().unwrap().clone();
            std::future::ready((got.len() >= n).then_some(got))
        })
        .await
    }
}

fn ehlo(s: &Shared) -> Vec<u8> {
    let mut offers = vec!["sink.test", "PIPELINING"];
    if s.eight_bit_mime.load(Ordering::SeqCst) {
        offers.push("8BITMIME");
    }
    if s.smtputf8.load(Ordering::SeqCst) {
        offers.push("SMTPUTF8");
    }
    let last = offers.len() - 1;
    offers
        .iter()
        .enumerate()
        .map(|(i, o)| format!("250{}{o}\r\n", if i == last { ' ' } else { '-' }))
        .collect::<String>()
        .into_bytes()
}

/// Reads the message after `354` up to the final dot (a `.` line after a CRLF),
/// unstuffed; `None` if the client went away. Line by line from the buffer, so that a
/// benchmark's sink keeps up with its load.
async fn read_data(r: &mut (impl AsyncBufReadExt + Unpin)) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    loop {
        let start = data.len();
        if r.read_until(b'\n', &mut data).await.ok()? == 0 {
            return None;
        }
        if &data[start..] == b".\r\n" && (start == 0 || data[..start].ends_with(b"\r\n")) {
            data.truncate(start);
            return Some(data);
        }
        if data[start] == b'.' {
            data.remove(start);
        }
    }
}

async fn serve(stream: tokio::net::TcpStream, s: Shared) -> std::io::Result<()> {
    // Each reply goes out as it is written. With Nagle's algorithm the reply to a
    // pipelined RCPT waited for the ACK of the reply to MAIL, which the client delays
    // (it waits for all the replies): about 40 ms a message, which capped every relay
    // delivering here at a few hundred messages a second.
    stream.set_nodelay(true)?;
    let (r, mut w) = stream.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 sink.test ESMTP\r\n").await?;
    let (mut from, mut params, mut rcpts) = (String::new(), String::new(), Vec::new());
    loop {
        let mut raw = Vec::new();
        if r.read_until(b'\n', &mut raw).await? == 0 {
            return Ok(());
        }
        let line = String::from_utf8_lossy(&raw).into_owned();
        let upper = line.to_ascii_uppercase();
        let arg =
            || line.split_once('<').and_then(|(_, a)| a.split_once('>')).map(|(a, _)| a.to_owned()).unwrap_or_default();
        let reply: Vec<u8> = if upper.starts_with("EHLO") {
            ehlo(&s)
        } else if upper.starts_with("MAIL") {
            (from, rcpts) = (arg(), Vec::new());
            params = line.rsplit_once('>').map_or("", |(_, p)| p).trim().to_owned();
            b"250 2.1.0 ok\r\n".to_vec()
        } else if upper.starts_with("RCPT") {
            let to = arg();
            s.asked.lock().unwrap().push(to.clone());
            if s.busy.load(Ordering::SeqCst) {
                b"451 4.3.2 Busy, try another host\r\n".to_vec()
            } else if to.starts_with("reject") {
                b"550 5.1.1 No such user here\r\n".to_vec()
            } else if to.starts_with("defer") && !*s.relent.lock().unwrap() {
                b"451 4.2.0 Mailbox busy, try later\r\n".to_vec()
            } else {
                rcpts.push(to);
                b"250 2.1.5 ok\r\n".to_vec()
            }
        } else if upper.starts_with("DATA") && rcpts.is_empty() {
            b"554 5.5.1 No valid recipients\r\n".to_vec()
        } else if upper.starts_with("DATA") {
            w.write_all(b"354 go\r\n").await?;
            let Some(data) = read_data(&mut r).await else { return Ok(()) };
            let (from, params, rcpts, received) = (from.clone(), params.clone(), rcpts.clone(), Instant::now());
            let accepted = Accepted { from, params, rcpts, data, received };
            let dot = *s.dot.lock().unwrap();
            if dot != DotReply::Never && s.keep.load(Ordering::SeqCst) {
                s.accepted.lock().unwrap().push(accepted);
            }
            if dot != DotReply::Prompt {
                s.holding.fetch_add(1, Ordering::SeqCst);
                match dot {
                    DotReply::After(delay) => tokio::time::sleep(delay).await,
                    _ => std::future::pending().await,
                }
                s.holding.fetch_sub(1, Ordering::SeqCst);
            }
            w.write_all(b"250 2.0.0 queued\r\n").await?;
            s.answered.fetch_add(1, Ordering::SeqCst);
            if s.hang_up.load(Ordering::SeqCst) {
                return Ok(());
            }
            continue;
        } else if upper.starts_with("QUIT") {
            w.write_all(b"221 2.0.0 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 2.0.0 ok\r\n".to_vec()
        };
        w.write_all(&reply).await?;
    }
}

//! Tenant A's hostile loads, from 127.0.0.1 (a burst from an address per session),
//! each running until its [`Running`]
//! handle is dropped (its tasks are aborted, their sockets closed): senders that keep
//! a misbehaving plugin busy, a burst of sessions each sending one message, and a
//! slowloris that drips one byte a second on each of its connections.

use super::session;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinHandle;

const VICTIM: &str = "victim@a.test";

/// What a hostile load saw so far.
#[derive(Default)]
pub struct Tally {
    /// Replies to A's messages (or the refusal before them), by code; 0 = no reply.
    pub codes: Mutex<BTreeMap<u16, usize>>,
    /// Slowloris connections greeted with 220 and held.
    pub held: AtomicUsize,
    /// Slowloris connections refused at the greeting (421).
    pub refused: AtomicUsize,
    /// Slowloris connections that failed, or closed or went silent before a greeting.
    pub failed: AtomicUsize,
    /// Held slowloris connections the relay closed later.
    pub closed: AtomicUsize,
}

impl Tally {
    fn count(&self, code: u16) {
        *self.codes.lock().unwrap().entry(code).or_default() += 1;
    }

    /// Replies so far.
    pub fn replies(&self) -> usize {
        self.codes.lock().unwrap().values().sum()
    }

    /// The replies as `451×120 250×3`.
    pub fn codes_text(&self) -> String {
        let codes = self.codes.lock().unwrap();
        codes.iter().map(|(code, n)| format!("{code}×{n}")).collect::<Vec<_>>().join(" ")
    }

    /// Slowloris connections settled (held, refused or failed).
    pub fn settled(&self) -> usize {
        self.held.load(SeqCst) + self.refused.load(SeqCst) + self.failed.load(SeqCst)
    }
}

/// The runtime tenant A's clients run on: its own, on threads at nice 19. They stand
/// for other machines on the Internet; on this 2-core box they would otherwise take
/// the CPU time the relay needs from it, and B's latency would measure the load
/// generator. B's client keeps its normal priority.
fn remote() -> &'static tokio::runtime::Runtime {
    static REMOTE: std::sync::OnceLock<tokio::runtime::Runtime> = std::sync::OnceLock::new();
    REMOTE.get_or_init(|| {
        quiet_missed_replies();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("tenant-a")
            // Linux: the calling thread's own niceness.
            .on_thread_start(|| {
                let _ = rustix::process::setpriority_process(None, 19);
            })
            .enable_all()
            .build()
            .expect("tenant A's runtime")
    })
}

/// Keeps the test client's liveness panic ("reply in time", after 30 s) quiet on A's
/// threads: there it is expected (hundreds of 25 MB sessions at nice 19 wait that long
/// for the cores), `session::send_guarded` counts it as a 0, and the tally reports
/// it. Every other panic, and any panic on B's threads, still prints.
fn quiet_missed_replies() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let on_a = std::thread::current().name() == Some("tenant-a");
        let missed = info.payload().downcast_ref::<String>().is_some_and(|m| m.starts_with("reply in time"));
        if !(on_a && missed) {
            report(info);
        }
    }));
}

/// A hostile load in progress.
pub struct Running {
    /// What it saw.
    pub tally: Arc<Tally>,
    tasks: Vec<JoinHandle<()>>,
}

impl Running {
    fn spawn<F: Future<Output = ()> + Send + 'static>(n: usize, task: impl Fn(Arc<Tally>) -> F) -> Running {
        let tally = Arc::new(Tally::default());
        let tasks = (0..n).map(|_| remote().spawn(task(tally.clone()))).collect();
        Running { tally, tasks }
    }

    /// True when every task has ended on its own.
    pub fn finished(&self) -> bool {
        self.tasks.iter().all(|t| t.is_finished())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// `n` connections at once, each sending small messages to A one after another.
pub fn senders(addr: SocketAddr, n: usize) -> Running {
    let body = session::stuffed(b"Subject: for A\r\n\r\nA small message for tenant A.\r\n");
    Running::spawn(n, move |tally| {
        let body = body.clone();
        async move {
            loop {
                let code = session::send_guarded(addr, None, VICTIM, body.clone()).await;
                tally.count(code);
                if code == 0 || code == 421 {
                    // Refused outright: pause rather than spin on the cores B needs.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    })
}

/// `n` sessions at once, each sending `body` (already stuffed) to A once, each from
/// an address of its own (`127.1.x.y`): from one address only the per-address share
/// of them would get in, and what they test is the relay-wide bound on memory.
pub fn burst(addr: SocketAddr, n: usize, body: Arc<[u8]>) -> Running {
    let next = Arc::new(AtomicUsize::new(0));
    Running::spawn(n, move |tally| {
        let body = body.clone();
        let i = next.fetch_add(1, SeqCst);
        let source = IpAddr::from([127, 1, (i / 250) as u8, (i % 250 + 1) as u8]);
        async move { tally.count(session::send_guarded(addr, Some(source), VICTIM, body).await) }
    })
}

/// `n` connections, each dripping `NOOP\r\n` one byte a second after the greeting.
pub fn slowloris(addr: SocketAddr, n: usize) -> Running {
    Running::spawn(n, move |tally| drip(addr, tally))
}

async fn drip(addr: SocketAddr, tally: Arc<Tally>) {
    let Ok(mut tcp) = TcpStream::connect(addr).await else {
        tally.failed.fetch_add(1, SeqCst);
        return;
    };
    let mut buf = [0u8; 512];
    let greeting = match tokio::time::timeout(Duration::from_secs(60), tcp.read(&mut buf)).await {
        Ok(Ok(n)) => &buf[..n],
        _ => b"",
    };
    if !greeting.starts_with(b"220") {
        let counter = if greeting.starts_with(b"421") { &tally.refused } else { &tally.failed };
        counter.fetch_add(1, SeqCst);
        return;
    }
    tally.held.fetch_add(1, SeqCst);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut bytes = b"NOOP\r\n".iter().cycle();
    loop {
        tokio::select! {
            _ = tick.tick() => if tcp.write_all(&[*bytes.next().unwrap()]).await.is_err() { break },
            // The replies to its NOOPs; the end of the stream is the relay closing it.
            read = tcp.read(&mut buf) => if !matches!(read, Ok(n) if n > 0) { break },
        }
    }
    tally.closed.fetch_add(1, SeqCst);
}

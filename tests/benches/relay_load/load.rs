//! One figure: N messages sent at concurrency C to a peer (a relay, or the sink itself
//! for the ceiling), one message per SMTP session as an MX receives them, timed from
//! the first connection until the last message the peer accepted is answered `250` by
//! the sink.

use mxr_tests::sink::Sink;
use mxr_tests::smtp_client::Client;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long the sink may stay without a new arrival, once the load is sent, before
/// the figure gives up on the messages still missing (a relay that dropped some).
const QUIET: Duration = Duration::from_secs(20);

/// What one figure measured.
pub struct Figure {
    /// Messages per second, first connection to last arrival.
    pub rate: f64,
    /// Messages the peer answered other than `250` after DATA.
    pub refused: usize,
    /// Messages the peer accepted that never reached the sink.
    pub missing: usize,
}

/// Sends `count` messages (message `i` is `messages[i % len]`) to `peer` over
/// `concurrency` sessions at a time, and waits for them at `sink`.
pub async fn figure(
    sink: &Sink,
    peer: SocketAddr,
    messages: Arc<Vec<Vec<u8>>>,
    count: usize,
    concurrency: usize,
) -> Figure {
    sink.answered.store(0, Ordering::SeqCst);
    let start = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let accepted = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (next, accepted, messages) = (next.clone(), accepted.clone(), messages.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return;
                    }
                    if send_one(peer, &messages[i % messages.len()]).await {
                        accepted.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    for w in workers {
        w.await.expect("a load session panicked");
    }
    let accepted = accepted.load(Ordering::SeqCst);
    let (arrived, last) = wait_for_arrivals(sink, accepted).await;
    let took = last.duration_since(start).as_secs_f64();
    Figure { rate: arrived as f64 / took, refused: count - accepted, missing: accepted.saturating_sub(arrived) }
}

/// One session: EHLO, MAIL, RCPT, DATA, QUIT; true when the message got `250`.
async fn send_one(peer: SocketAddr, message: &[u8]) -> bool {
    let (mut c, greeting) = Client::connect(peer).await;
    assert_eq!(greeting.code, 220, "greeting from {peer}: {greeting:?}");
    c.ehlo("load.src.test").await.assert_code(250, "");
    let reply = c.send_message("load@src.test", &["rcpt@bench.test"], message).await;
    c.cmd("QUIT").await;
    reply.code == 250
}

/// Polls the sink until `expected` messages arrived (or it stays quiet for [`QUIET`]);
/// the count and when the last one was seen.
async fn wait_for_arrivals(sink: &Sink, expected: usize) -> (usize, Instant) {
    let (mut seen, mut last) = (sink.answered.load(Ordering::SeqCst), Instant::now());
    while seen < expected && last.elapsed() < QUIET {
        tokio::time::sleep(Duration::from_millis(1)).await;
        let now = sink.answered.load(Ordering::SeqCst);
        if now != seen {
            (seen, last) = (now, Instant::now());
        }
    }
    (seen, last)
}

//! Tenant B's load: messages to `shop@b.test` at a [`Pace`], each on a fresh connection
//! from one of 127.0.0.2 to 127.0.0.17 (its own client IPs, so per-IP limits on A's
//! 127.0.0.1 do not apply, and spread so that B's own thousand messages a phase stay
//! under the per-IP rates). Per message: accept latency (connect → `250` after DATA)
//! and delivery latency (connect → arrival at B's sink).

use super::session;
use mxr_tests::sink::Sink;
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many client addresses B's connections come from.
const SOURCES: usize = 16;

/// The client address of B's message `n`: 127.0.0.2 onwards, [`SOURCES`] of them in
/// turn.
fn source(n: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + (n % SOURCES) as u8))
}

/// How long B's accepted messages may take to reach the sink before they count as
/// undelivered.
const DELIVERY_BOUND: Duration = Duration::from_secs(60);

/// The shape of B's load.
#[derive(Clone, Copy, Debug)]
pub struct Load {
    /// Messages in one phase.
    pub messages: usize,
    /// How they are sent.
    pub pace: Pace,
    /// Bytes per message (about).
    pub size: usize,
}

/// How B's messages follow each other.
#[derive(Clone, Copy, Debug)]
pub enum Pace {
    /// A new message every `1/n` s, each on its own connection, however long the
    /// others take (an open stream, as mail from many senders arrives).
    PerSecond(u32),
    /// This many connections at once, each sending its next message when its last
    /// one is answered: as fast as the relay takes them.
    Closed(usize),
}

impl Pace {
    /// Messages a warm-up sends: two per connection, or a tenth of a second's worth.
    pub fn warm_up(self) -> usize {
        match self {
            Pace::PerSecond(n) => (n as usize / 10).max(1),
            Pace::Closed(c) => 2 * c,
        }
    }
}

/// What one phase of B's load saw.
#[derive(Default, Debug)]
pub struct Sample {
    /// Accept latency of each accepted message.
    pub accept: Vec<Duration>,
    /// Delivery latency of each accepted message that reached the sink in time.
    pub delivery: Vec<Duration>,
    /// Accepted, but not at the sink within the bound.
    pub undelivered: usize,
    /// Replies that refused a message (greeting included), by code.
    pub refusals: BTreeMap<u16, usize>,
    /// Connections refused or closed, and replies that never came.
    pub errors: usize,
}

impl Sample {
    /// Temporary failures: 4xx replies.
    pub fn temp_failures(&self) -> usize {
        self.refusals.range(400..500).map(|(_, n)| n).sum()
    }
}

/// One message sent: its id, when it started, how long until its reply, the code.
type Sent = (String, Instant, Duration, u16);

/// Sends B's message number `n` of phase `tag`, from the address of `n`.
async fn send_one(addr: SocketAddr, n: usize, tag: &str, size: usize) -> Sent {
    let id = format!("{tag}.{n}@b.bench");
    let body = session::stuffed(&session::text("shop@b.test", &id, size));
    let start = Instant::now();
    let code = session::send_guarded(addr, Some(source(n)), "shop@b.test", body).await;
    (id, start, start.elapsed(), code)
}

/// Sends one phase's messages at `load`'s pace; what each saw.
async fn send_all(addr: SocketAddr, load: Load, tag: &str) -> Vec<Sent> {
    let tasks: Vec<tokio::task::JoinHandle<Vec<Sent>>> = match load.pace {
        Pace::PerSecond(rate) => {
            let mut tick = tokio::time::interval(Duration::from_secs(1) / rate);
            let mut tasks = vec![];
            for n in 0..load.messages {
                tick.tick().await;
                let tag = tag.to_owned();
                tasks.push(tokio::spawn(async move { vec![send_one(addr, n, &tag, load.size).await] }));
            }
            tasks
        }
        Pace::Closed(connections) => {
            let next = Arc::new(AtomicUsize::new(0));
            let worker = |(next, tag): (Arc<AtomicUsize>, String)| async move {
                let mut seen = vec![];
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= load.messages {
                        return seen;
                    }
                    seen.push(send_one(addr, n, &tag, load.size).await);
                }
            };
            (0..connections).map(|_| tokio::spawn(worker((next.clone(), tag.to_owned())))).collect()
        }
    };
    let mut all = vec![];
    for task in tasks {
        all.extend(task.await.expect("B's sender"));
    }
    all
}

/// Runs one phase: `load.messages` messages tagged `tag`, then waits for them at `sink`.
pub async fn run(addr: SocketAddr, sink: &Sink, load: Load, tag: &str) -> Sample {
    let mut sample = Sample::default();
    let mut sent = HashMap::new();
    for (id, start, took, code) in send_all(addr, load, tag).await {
        match code {
            250 => {
                sample.accept.push(took);
                sent.insert(id, start);
            }
            0 => sample.errors += 1,
            code => *sample.refusals.entry(code).or_default() += 1,
        }
    }
    (sample.delivery, sample.undelivered) = deliveries(sink, &sent).await;
    sample
}

/// The Message-ID in a delivered message, without its brackets.
fn message_id(data: &[u8]) -> Option<&str> {
    let at = data.windows(13).position(|w| w == b"Message-ID: <")? + 13;
    let len = data[at..].iter().position(|b| *b == b'>')?;
    std::str::from_utf8(&data[at..at + len]).ok()
}

/// Waits (up to [`DELIVERY_BOUND`]) for every message in `sent` at `sink`; the delivery
/// latencies of those that came, and how many did not.
async fn deliveries(sink: &Sink, sent: &HashMap<String, Instant>) -> (Vec<Duration>, usize) {
    let give_up = Instant::now() + DELIVERY_BOUND;
    loop {
        let mut arrived: HashMap<String, Duration> = HashMap::new();
        for a in sink.accepted.lock().unwrap().iter() {
            if let Some((id, start)) = message_id(&a.data).and_then(|id| sent.get_key_value(id)) {
                arrived.entry(id.clone()).or_insert(a.received.saturating_duration_since(*start));
            }
        }
        if arrived.len() == sent.len() || Instant::now() >= give_up {
            let missing = sent.len() - arrived.len();
            return (arrived.into_values().collect(), missing);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The `q` quantile (nearest rank) of `times`, in milliseconds; `None` when empty.
pub fn quantile_ms(times: &[Duration], q: f64) -> Option<f64> {
    let mut sorted = times.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
    sorted.get(rank - 1).map(|d| d.as_secs_f64() * 1e3)
}

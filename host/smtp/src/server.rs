//! The listener: accept, admit each connection by its address's share (over it:
//! `421 4.7.0` after a second, see [`crate::admission`]; at once past the tarpit's
//! [`TARPIT_SLOTS`]), limit concurrent sessions (a full house
//! gets `421 4.3.2`), count each connection admitted or refused (logging a few refusals
//! a minute, see [`RefusalLog`]), and on shutdown stop
//! accepting, tell every session, and wait for running transactions to finish,
//! bounded by the drain time.

use super::session::Session;
use crate::inbound::Inbound;
use crate::reply::Reply;
use mxr_metrics::ConnectionRefusal;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;
use tracing::Instrument;

/// Connections the kernel queues for the listener before it accepts them (capped by
/// `net.core.somaxconn`, 4096 by default). The 128 of a plain `bind` is too few for a
/// connect burst: past it the kernel drops the handshake's last ACK, the client thinks
/// it is connected, and its greeting (or its `421`) waits for the retransmitted
/// SYN-ACK, seconds later, while the accept loop could have answered it at once.
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listener on `addr` with [`LISTEN_BACKLOG`] (and `SO_REUSEADDR`, as `bind` sets
/// it, so a restart does not wait out the old connections' `TIME_WAIT`).
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() { tokio::net::TcpSocket::new_v4()? } else { tokio::net::TcpSocket::new_v6()? };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Serves `listener` until `shutdown` completes, then drains.
pub async fn run<I: Inbound>(
    listener: TcpListener,
    relay: Arc<I>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut sessions = JoinSet::new();
    let mut refusals = Refusals { tarpit: Tarpit::new(TARPIT_SLOTS), log: RefusalLog::default() };
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: back off, keep serving.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                admit(&relay, stream, peer, &stop_rx, &mut refusals, &mut sessions);
            }
            () = &mut shutdown => break,
        }
        while sessions.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    while sessions.try_join_next().is_some() {}
    tracing::info!(sessions = sessions.len(), "shutting down: no new connections; finishing running transactions");
    let drained = tokio::time::timeout(relay.drain(), async { while sessions.join_next().await.is_some() {} }).await;
    if drained.is_err() {
        tracing::warn!(remaining = sessions.len(), "drain time over; closing the remaining sessions");
        sessions.abort_all();
    }
    Ok(())
}

/// Starts a session on a new connection, or refuses it when its address is over
/// its share or the house is full.
fn admit<I: Inbound>(
    relay: &Arc<I>,
    stream: TcpStream,
    peer: SocketAddr,
    stop: &watch::Receiver<bool>,
    refusals: &mut Refusals,
    sessions: &mut JoinSet<()>,
) {
    let counted = &relay.intake().metrics;
    let now = Instant::now();
    let slot = match relay.intake().peers.admit(peer.ip(), now) {
        Ok(slot) => slot,
        Err(why) => {
            if let Some(unlogged) = refusals.log.note(why.counted_as(), now) {
                tracing::warn!(%peer, ?why, unlogged, "over this address's share; refusing");
            }
            counted.refused(why.counted_as());
            // Slowly: an address over its share that reconnects at once is held to
            // one attempt per connection a second, not as many as it can open. At
            // once when the tarpit is full, so that a flood cannot hold the relay's
            // file descriptors.
            let reply = why.reply(relay.hostname());
            match refusals.tarpit.hold() {
                Some(held) => sessions.spawn(async move {
                    let _held = held;
                    refuse_after(TARPIT, stream, reply).await
                }),
                None => sessions.spawn(refuse(stream, reply)),
            };
            return;
        }
    };
    if relay.overloaded() {
        if let Some(unlogged) = refusals.log.note(ConnectionRefusal::PluginBacklog, now) {
            tracing::warn!(%peer, unlogged, "plugin calls are queued past their bound; refusing");
        }
        counted.refused(ConnectionRefusal::PluginBacklog);
        let host = relay.hostname();
        let busy = format!("{host} Too busy, try again later");
        sessions.spawn(refuse(stream, Reply::owned(421, "4.3.2".into(), busy)));
        return;
    }
    let Ok(permit) = relay.intake().connections.semaphore().clone().try_acquire_owned() else {
        if let Some(unlogged) = refusals.log.note(ConnectionRefusal::ServerFull, now) {
            tracing::warn!(%peer, unlogged, "connection limit reached; refusing");
        }
        counted.refused(ConnectionRefusal::ServerFull);
        let host = relay.hostname();
        sessions.spawn(refuse(
            stream,
            Reply::owned(421, "4.3.2".into(), format!("{host} Too many connections, try again later")),
        ));
        return;
    };
    let open = counted.admitted();
    let session = Session::new(relay.clone(), stream, peer, stop.clone());
    let span = tracing::info_span!("session", %peer);
    sessions.spawn(
        async move {
            let _held = (permit, slot, open);
            if let Err(e) = session.run().await {
                tracing::debug!(error = %e, "session ended with an I/O error");
            }
        }
        .instrument(span),
    );
}

/// How long a connection over its address's share waits for its `421`.
const TARPIT: Duration = Duration::from_secs(1);

/// How many refused connections the tarpit holds at once, all addresses together. A
/// connect flood past it is refused at once: each held connection is a file
/// descriptor, and a relay out of them cannot accept anybody's mail.
const TARPIT_SLOTS: usize = 256;

/// What the listener keeps about the connections it refuses.
struct Refusals {
    /// Where connections over their address's share wait for their `421`.
    tarpit: Tarpit,
    /// Which refusals get a log line.
    log: RefusalLog,
}

/// How long the log stays quiet about a reason for refusing after a line about it.
const REFUSAL_LOG_EVERY: Duration = Duration::from_secs(10);

/// The log lines about refused connections: for each reason, the first refusal in
/// [`REFUSAL_LOG_EVERY`], which says how many went unlogged before it. A connect flood
/// thus writes a few lines a minute instead of one a connection; the metrics count
/// every refusal.
#[derive(Default)]
struct RefusalLog(std::collections::HashMap<ConnectionRefusal, (Instant, u64)>);

impl RefusalLog {
    /// Notes a refusal for `reason` at `now`: `Some(unlogged)` when it gets a line,
    /// with the number of refusals for the same reason since the last line.
    fn note(&mut self, reason: ConnectionRefusal, now: Instant) -> Option<u64> {
        match self.0.get_mut(&reason) {
            Some((since, unlogged)) if now.saturating_duration_since(*since) < REFUSAL_LOG_EVERY => {
                *unlogged += 1;
                None
            }
            Some((since, unlogged)) => {
                *since = now;
                Some(std::mem::take(unlogged))
            }
            None => {
                self.0.insert(reason, (now, 0));
                Some(0)
            }
        }
    }
}

/// The places in the tarpit.
struct Tarpit(Arc<Semaphore>);

impl Tarpit {
    fn new(slots: usize) -> Tarpit {
        Tarpit(Arc::new(Semaphore::new(slots)))
    }

    /// A place for one refused connection, held until dropped; `None` when full.
    fn hold(&self) -> Option<OwnedSemaphorePermit> {
        self.0.clone().try_acquire_owned().ok()
    }
}

/// Like [`refuse`], after `delay`.
async fn refuse_after(delay: Duration, stream: TcpStream, reply: Reply) {
    tokio::time::sleep(delay).await;
    refuse(stream, reply).await;
}

/// Answers a connection that is not admitted with `reply`, and closes it.
async fn refuse(mut stream: TcpStream, reply: Reply) {
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(reply.to_wire().as_bytes())).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tarpit_holds_at_most_its_slots_and_frees_them() {
        let tarpit = Tarpit::new(3);
        let held: Vec<_> = (0..3).map(|_| tarpit.hold().expect("a free place")).collect();
        assert!(tarpit.hold().is_none(), "a full tarpit refuses at once");
        drop(held);
        assert!(tarpit.hold().is_some(), "a place comes back when its connection is answered");
    }

    #[tokio::test]
    async fn a_connect_burst_waits_in_the_listeners_queue_not_in_the_clients_retries() {
        let listener = listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        // 400 handshakes before anything is accepted: each completed one is in the
        // queue at once (on loopback the last ACK is handled as it is sent). With a
        // plain `bind`'s 128, the rest would reach it only on the SYN-ACK's retries.
        let clients: Vec<_> = (0..400).map(|_| std::net::TcpStream::connect(addr).unwrap()).collect();
        let queue = listener.into_std().unwrap(); // non-blocking: accepts what is queued
        let mut queued = 0;
        while queue.accept().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, clients.len(), "every connection of the burst is queued for accept");
    }

    #[test]
    fn refusals_get_a_log_line_per_reason_every_ten_seconds_with_the_count_between() {
        let (mut log, t0) = (RefusalLog::default(), Instant::now());
        let full = ConnectionRefusal::ServerFull;
        assert_eq!(log.note(full, t0), Some(0), "the first is logged");
        for ms in 1..=500 {
            assert_eq!(log.note(full, t0 + Duration::from_millis(ms)), None, "a flood stays quiet");
        }
        assert_eq!(log.note(ConnectionRefusal::PluginBacklog, t0), Some(0), "each reason has its own line");
        assert_eq!(log.note(full, t0 + REFUSAL_LOG_EVERY), Some(500), "then one line says how many went unlogged");
        assert_eq!(log.note(full, t0 + REFUSAL_LOG_EVERY * 2), Some(0));
    }
}

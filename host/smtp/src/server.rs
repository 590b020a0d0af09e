//! The listener: accept, limit concurrent sessions (a full house gets `421 4.3.2`),
//! and on shutdown stop accepting, tell every session, and wait for running
//! transactions to finish, bounded by the drain time.

use super::session::Session;
use crate::inbound::Inbound;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tracing::Instrument;

/// Serves `listener` until `shutdown` completes, then drains.
pub async fn run<I: Inbound>(
    listener: TcpListener,
    relay: Arc<I>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut sessions = JoinSet::new();
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
                match relay.connections().clone().try_acquire_owned() {
                    Ok(permit) => {
                        let session = Session::new(relay.clone(), stream, peer, stop_rx.clone());
                        let span = tracing::info_span!("session", %peer);
                        sessions.spawn(async move {
                            let _permit = permit;
                            if let Err(e) = session.run().await {
                                tracing::debug!(error = %e, "session ended with an I/O error");
                            }
                        }.instrument(span));
                    }
                    Err(_) => {
                        tracing::warn!(%peer, "connection limit reached; refusing");
                        sessions.spawn(refuse_busy(stream, relay.hostname().to_owned()));
                    }
                }
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

async fn refuse_busy(mut stream: TcpStream, hostname: String) {
    let reply = format!("421 4.3.2 {hostname} Too many connections, try again later\r\n");
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.write_all(reply.as_bytes())).await;
    let _ = stream.shutdown().await;
}

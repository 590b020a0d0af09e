//! HTTPS for the API listener: TCP connections are accepted and their TLS handshakes
//! run in tasks of their own (bounded in number, per client address, and in time),
//! so a client that stalls its handshake holds up nobody; finished handshakes are
//! handed to axum in order.
//! The certificate is the one [`LiveTls`] holds when the handshake starts, so a
//! reload's new certificate serves the next connection.

use mxr_tls::LiveTls;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio_rustls::server::TlsStream;

/// How long a client has to finish its handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);
/// Handshakes running at once; past it, new connections wait to start theirs.
const MAX_HANDSHAKES: usize = 256;
/// Handshakes one client address may have running at once; more are closed, so one
/// address cannot hold the slots that everyone's handshakes share.
const MAX_HANDSHAKES_PER_ADDRESS: usize = 8;

/// Handshakes running per client address.
#[derive(Default)]
struct PerAddress(std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>);

impl PerAddress {
    /// Counts one more for `ip`; false (nothing counted) when it has its share.
    fn take(&self, ip: std::net::IpAddr) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_default();
        if *n >= MAX_HANDSHAKES_PER_ADDRESS {
            return false;
        }
        *n += 1;
        true
    }

    fn give_back(&self, ip: std::net::IpAddr) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&ip);
            }
        }
    }
}

/// A listener whose connections arrive with their TLS handshake done.
pub struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
    accepting: tokio::task::JoinHandle<()>,
}

impl Drop for TlsListener {
    fn drop(&mut self) {
        self.accepting.abort();
    }
}

impl TlsListener {
    /// Accepts on `listener`, shaking hands with the certificate `tls` holds.
    pub fn new(listener: TcpListener, tls: Arc<LiveTls>) -> std::io::Result<TlsListener> {
        let local = listener.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        let accepting = tokio::spawn(accept_forever(listener, tls, tx));
        Ok(TlsListener { ready, local, accepting })
    }
}

/// Accepts connections and starts a bounded handshake for each, until the listener
/// is dropped.
async fn accept_forever(
    listener: TcpListener,
    tls: Arc<LiveTls>,
    ready: mpsc::Sender<(TlsStream<TcpStream>, SocketAddr)>,
) {
    let handshakes = Arc::new(Semaphore::new(MAX_HANDSHAKES));
    let per_address = Arc::new(PerAddress::default());
    loop {
        let Ok(slot) = handshakes.clone().acquire_owned().await else { return };
        let (tcp, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "API accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(acceptor) = tls.get() else {
            tracing::warn!(%peer, "API TLS is off; closing the connection");
            continue;
        };
        if !per_address.take(peer.ip()) {
            tracing::debug!(%peer, "too many API TLS handshakes from this address; closing");
            continue;
        }
        let (ready, per_address) = (ready.clone(), per_address.clone());
        tokio::spawn(async move {
            let shaken = tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await;
            // The slots go back before the hand-over, which waits while axum is busy.
            drop(slot);
            per_address.give_back(peer.ip());
            match shaken {
                Ok(Ok(stream)) => {
                    let _ = ready.send((stream, peer)).await;
                }
                Ok(Err(e)) => tracing::debug!(%peer, error = %e, "API TLS handshake failed"),
                Err(_) => tracing::debug!(%peer, "API TLS handshake timed out"),
            }
        });
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(accepted) => accepted,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<SocketAddr> {
        Ok(self.local)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_gets_its_share_of_handshakes_and_others_theirs() {
        let (a, b) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        let p = PerAddress::default();
        assert!((0..MAX_HANDSHAKES_PER_ADDRESS).all(|_| p.take(a)));
        assert!(!p.take(a), "past its share");
        assert!(p.take(b), "another address is not held up");
        p.give_back(a);
        assert!(p.take(a), "a finished handshake frees a place");
    }
}

//! One SMTP transaction on its own connection, as both tenants' loads send them: the
//! support crate's [`Client`] with an already dot-stuffed body (shared, so hundreds of
//! 25 MB sessions do not each copy it).

use mxr_tests::smtp_client::{Client, send_declared};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use tokio::task::AbortHandle;

/// A message dot-stuffed once, ending in `CRLF . CRLF`.
pub fn stuffed(message: &[u8]) -> Arc<[u8]> {
    mxr_mail::dot_stuff(message).into()
}

/// Connects (from `source`, or the default 127.0.0.1), then sends `body` to `to` as
/// [`send_declared`] does; the reply code.
pub async fn send(addr: SocketAddr, source: Option<IpAddr>, to: &str, body: &[u8]) -> u16 {
    let connected = match source {
        Some(source) => Client::try_connect_from(addr, source).await,
        None => Client::try_connect(addr).await,
    };
    send_declared(connected, "orders@sender.test", to, body).await
}

/// Like [`send`] in a task of its own, so that a reply that never comes (the client
/// panics after its liveness bound) is a 0, not the end of the caller. The task is
/// aborted when the caller is (a hostile load stopped mid-transaction).
pub async fn send_guarded(addr: SocketAddr, source: Option<IpAddr>, to: &'static str, body: Arc<[u8]>) -> u16 {
    let task = tokio::spawn(async move { send(addr, source, to, &body).await });
    let _abort = AbortOnDrop(task.abort_handle());
    task.await.unwrap_or(0)
}

struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A plain-text message to `to` of about `size` bytes, with Message-ID `<id>`.
pub fn text(to: &str, id: &str, size: usize) -> Vec<u8> {
    let mut m = format!(
        "From: Orders <orders@sender.test>\r\nTo: {to}\r\nSubject: Order {id}\r\nMessage-ID: <{id}>\r\n\
         Date: Mon, 30 Nov 2026 10:00:00 +0100\r\n\r\nHello, I would like to order the blue one, size 42.\r\n"
    )
    .into_bytes();
    let line = b"Please send it to the usual address; we will pay on delivery as before.\r\n";
    while m.len() + line.len() <= size {
        m.extend_from_slice(line);
    }
    m
}

//! STARTTLS: the handshake, bounded by the command timeout; plaintext the client
//! pipelined after the command is dropped, never acted on, and the session starts
//! over (no HELO, no transaction).

use super::Session;
use crate::inbound::Inbound;
use crate::reply::Reply;
use crate::stream::MaybeTls;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::timeout;

impl<I: Inbound, S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Session<I, S> {
    /// STARTTLS; false ends the session (the handshake failed).
    pub(super) async fn starttls(&mut self) -> std::io::Result<bool> {
        let Some(acceptor) = self.inbound.tls() else {
            self.reply(Reply::new(502, "5.5.1", "STARTTLS not available"));
            return Ok(true);
        };
        if self.conn.is_tls() {
            self.reply(Reply::new(503, "5.5.1", "Already in TLS"));
            return Ok(true);
        }
        // As Postfix: the envelope given in plaintext would be dropped by the
        // handshake's reset, which a client that meant to protect it should know.
        if self.tx.is_some() {
            self.reply(Reply::new(503, "5.5.1", "STARTTLS not allowed during a mail transaction; RSET first"));
            return Ok(true);
        }
        self.reply(Reply::new(220, "2.0.0", "Ready to start TLS"));
        self.flush().await?;
        // Anything pipelined after STARTTLS arrived in plaintext: never act on it.
        self.rbuf.clear();
        let MaybeTls::Plain(plain) = std::mem::replace(&mut self.conn, MaybeTls::Switching) else {
            unreachable!("checked above")
        };
        match timeout(self.limits().command_timeout, acceptor.accept(plain)).await {
            Ok(Ok(tls)) => {
                self.conn = MaybeTls::Tls(Box::new(tls));
                self.helo = None;
                self.tx = None;
                Ok(true)
            }
            Ok(Err(e)) => {
                tracing::info!(peer = %self.peer, error = %e, "TLS handshake failed");
                Ok(false)
            }
            Err(_) => Ok(false),
        }
    }
}

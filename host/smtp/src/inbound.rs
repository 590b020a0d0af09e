//! The narrow handle a session has on the rest of the relay: who we are, the limits,
//! STARTTLS, and transactions to begin. The composition root implements it over the
//! filter chain; tests implement it in memory, with no plugins, keys or disk.

use crate::reply::Reply;
use mxr_mail::Envelope;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// Protocol limits of one session, each answered with its own reply code.
#[derive(Debug, Clone)]
pub struct SessionLimits {
    /// Largest message in bytes (`SIZE`; beyond it `552 5.3.4`). Default 25 MiB.
    pub max_message_bytes: usize,
    /// Recipients per transaction (beyond it `452 4.5.3`). Default 100.
    pub max_recipients: usize,
    /// Client errors per session before `421 4.7.0`. Default 10.
    pub max_errors: u32,
    /// Longest DATA line in bytes, CRLF included (RFC 5321: 1000).
    pub max_line_bytes: usize,
    /// Wait for a command before `421 4.4.2`. Default 300 s (RFC 5321 §4.5.3.2).
    pub command_timeout: Duration,
    /// Wait for DATA bytes before `421 4.4.2`. Default 180 s.
    pub data_timeout: Duration,
}

/// What the sessions of a server share.
pub trait Inbound: Send + Sync + 'static {
    /// A transaction from MAIL FROM to the end of DATA.
    type Transaction: InboundTransaction;

    /// This node's name, in the greeting and replies.
    fn hostname(&self) -> &str;
    /// The limits every session of this server keeps.
    fn limits(&self) -> &SessionLimits;
    /// The STARTTLS acceptor, when TLS is offered.
    fn tls(&self) -> Option<&TlsAcceptor>;
    /// Permits for concurrent sessions, shared by every listener; a full house gets
    /// `421 4.3.2`.
    fn connections(&self) -> &Arc<Semaphore>;
    /// How long a stopping server waits for running transactions.
    fn drain(&self) -> Duration;
    /// Begins a transaction for an accepted MAIL FROM; the envelope has no recipients.
    fn begin(&self, envelope: Envelope) -> Self::Transaction;
}

/// One transaction, driven by the session. Its methods may block (plugins run in
/// them), so the session calls them on the blocking pool.
pub trait InboundTransaction: Send + 'static {
    /// The transaction id, for logs and the `250` after DATA.
    fn id(&self) -> &str;
    /// Recipients accepted so far.
    fn recipient_count(&self) -> usize;
    /// Offers a recipient; `Err` is the reply refusing it (an unknown domain gets
    /// `550 5.7.1`: never an open relay).
    fn rcpt(&mut self, rcpt: &str) -> Result<(), Reply>;
    /// The end of DATA with the complete message (dot-unstuffed): the one reply.
    fn finish(self, raw: &[u8], tls: bool) -> Reply;
}

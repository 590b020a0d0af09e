//! The narrow handle a session has on the rest of the relay: who we are, the limits,
//! the shared intake accounting (per-address table, DATA budget), STARTTLS, and
//! transactions to begin. The composition root implements it over the
//! filter chain; tests implement it in memory, with no plugins, keys or disk.

use crate::admission::{PeerLimits, PeerTable};
use crate::budget::DataBudget;
use crate::capacity::Capacity;
use crate::reply::Reply;
use mxr_mail::Envelope;
use mxr_metrics::ConnectionMetrics;
use std::sync::Arc;
use std::time::Duration;
use tokio_rustls::TlsAcceptor;

/// Protocol limits of one session, each answered with its own reply code.
#[derive(Debug, Clone)]
pub struct SessionLimits {
    /// Largest message in bytes (`SIZE`; beyond it `552 5.3.4`). Default 25 MiB.
    pub max_message_bytes: usize,
    /// Recipients per transaction (beyond it `452 4.5.3`). Default 100.
    pub max_recipients: usize,
    /// Client errors per session before `421 4.7.0` (see [`crate::session::JUNK_COMMANDS`]
    /// for what counts). Default 10.
    pub max_errors: u32,
    /// Longest DATA line in bytes, CRLF included (RFC 5321: 1000).
    pub max_line_bytes: usize,
    /// Time for a whole command line to arrive, counted from when the session starts
    /// waiting for it (not per read), before `421 4.4.2`. Default 300 s (RFC 5321
    /// §4.5.3.2.7).
    pub command_timeout: Duration,
    /// Longest wait for more DATA bytes before `421 4.4.2`. Default 180 s (§4.5.3.2.5).
    pub data_timeout: Duration,
    /// Longest a whole DATA phase may take, before `421 4.4.2`. Default 1800 s.
    pub data_total_timeout: Duration,
    /// Lowest average DATA rate in bytes per second once `data_rate_grace` has passed;
    /// slower gets `421 4.4.2`. Default 1024.
    pub data_min_bytes_per_sec: u64,
    /// Time at the start of DATA before the rate is checked. Default 30 s.
    pub data_rate_grace: Duration,
    /// How many times its size a message takes in memory while it is checked and
    /// spooled (the body, its parsed parts, sealed copies): the DATA budget covers
    /// that much before the message is handed on. Default 4.
    pub data_copies: usize,
    /// How long a temporary (4xx) refusal of RCPT or of the message by the transaction
    /// waits before it is sent. Default 1 s; zero sends it at once.
    pub tempfail_delay: Duration,
}

/// The shared limits on intake: sessions in all, each client address's share, and
/// the memory all messages being received may hold; and where connections are counted.
pub struct Intake {
    /// Permits for concurrent sessions; a full house gets `421 4.3.2`.
    pub connections: Arc<Capacity>,
    /// Per-client-address accounting (concurrent sessions; connection, message and
    /// error rates).
    pub peers: Arc<PeerTable>,
    /// The byte budget for buffered DATA.
    pub data_budget: DataBudget,
    /// Where connections admitted (and open) and refused are counted.
    pub metrics: ConnectionMetrics,
}

impl Intake {
    /// `max_connections` sessions in all, `peers` per address, and a DATA budget of
    /// `data_bytes` that holds the largest message's `largest` bytes and that a
    /// growing message waits for at most `data_wait`; connections are counted in
    /// `metrics`.
    pub fn new(
        max_connections: usize,
        peers: PeerLimits,
        data_bytes: usize,
        largest: usize,
        data_wait: Duration,
        metrics: ConnectionMetrics,
    ) -> Intake {
        Intake {
            connections: Capacity::new(max_connections),
            peers: PeerTable::new(peers),
            data_budget: DataBudget::new(data_bytes, largest, data_wait),
            metrics,
        }
    }
}

/// What [`InboundTransaction::authenticate`] returns.
pub type AuthFuture<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send + 'a>>;

/// What the sessions of a server share.
pub trait Inbound: Send + Sync + 'static {
    /// A transaction from MAIL FROM to the end of DATA.
    type Transaction: InboundTransaction;

    /// This node's name, in the greeting and replies.
    fn hostname(&self) -> &str;
    /// The limits a new session keeps to its end (a reload changes them for the
    /// sessions after it).
    fn limits(&self) -> Arc<SessionLimits>;
    /// The STARTTLS acceptor, when TLS is offered (a reload may change it).
    fn tls(&self) -> Option<TlsAcceptor>;
    /// What every listener and session of this server share to keep intake fair.
    fn intake(&self) -> &Intake;
    /// True while the work behind the sessions (plugin calls waiting for a worker) is
    /// past its bound: new connections get `421 4.3.2` until it drains.
    fn overloaded(&self) -> bool {
        false
    }
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
    /// Checks the message's origin (SPF, DKIM, DMARC, iprev) once it is complete and
    /// before [`InboundTransaction::finish`]: the one step of a transaction that waits
    /// on the network, so it runs on the session's task, bounded by its own budget.
    /// The default checks nothing.
    fn authenticate<'a>(&'a mut self, raw: &'a [u8]) -> AuthFuture<'a> {
        let _ = raw;
        Box::pin(std::future::ready(()))
    }
    /// The end of DATA with the complete message (dot-unstuffed): the one reply.
    fn finish(self, raw: &[u8], tls: bool) -> Reply;
}

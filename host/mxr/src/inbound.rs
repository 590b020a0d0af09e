//! The SMTP session's handle on the relay: [`mxr_smtp::Inbound`] over the filter
//! chain, and the chain's answers turned into SMTP replies (the one place that does).

use mxr_chain::{Chain, RcptError, Transaction, Verdict};
use mxr_mail::Envelope;
use mxr_sandbox::SmtpReply;
use mxr_smtp::{Inbound, InboundTransaction, Reply, SessionLimits};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// What the sessions share: the chain, and the server settings from the config.
pub struct RelayInbound {
    /// The filter chain transactions run through.
    pub chain: Arc<Chain>,
    /// STARTTLS, when configured.
    pub tls: Option<TlsAcceptor>,
    /// Permits for concurrent sessions, shared by every listener.
    pub connections: Arc<Semaphore>,
    /// The session limits, from `[limits]`.
    pub limits: SessionLimits,
}

impl Inbound for RelayInbound {
    type Transaction = ChainTransaction;

    fn hostname(&self) -> &str {
        &self.chain.config.hostname
    }
    fn limits(&self) -> &SessionLimits {
        &self.limits
    }
    fn tls(&self) -> Option<&TlsAcceptor> {
        self.tls.as_ref()
    }
    fn connections(&self) -> &Arc<Semaphore> {
        &self.connections
    }
    fn drain(&self) -> Duration {
        self.chain.config.drain
    }
    fn begin(&self, envelope: Envelope) -> ChainTransaction {
        ChainTransaction(Transaction::begin(self.chain.clone(), new_id(), envelope))
    }
}

/// A chain transaction as the session drives it.
pub struct ChainTransaction(Transaction);

impl InboundTransaction for ChainTransaction {
    fn id(&self) -> &str {
        &self.0.id
    }
    fn recipient_count(&self) -> usize {
        self.0.recipient_count()
    }
    fn rcpt(&mut self, rcpt: &str) -> Result<(), Reply> {
        self.0.rcpt(rcpt).map_err(|e| match e {
            RcptError::NotServed => {
                tracing::info!(rcpt_domain = rcpt.rsplit_once('@').map_or("", |(_, d)| d), "relay attempt refused");
                Reply::new(550, "5.7.1", "Relay access denied: this domain is not served here")
            }
            RcptError::Refused(r) => reply(r),
        })
    }
    fn finish(self, raw: &[u8], tls: bool) -> Reply {
        let id = self.0.id.clone();
        match self.0.finish(raw, tls).0 {
            Verdict::Accepted => Reply::owned(250, "2.0.0".into(), format!("Ok: queued as {id}")),
            Verdict::Refused(r) => reply(r),
            Verdict::NoRecipients => Reply::new(554, "5.5.1", "No valid recipients"),
        }
    }
}

/// A plugin's (checked) reply as an SMTP reply.
fn reply(r: SmtpReply) -> Reply {
    Reply::owned(r.code, r.enhanced, r.text)
}

/// The session limits from the config's `[limits]`.
pub fn session_limits(l: &mxr_config::Limits) -> SessionLimits {
    SessionLimits {
        max_message_bytes: l.max_message_bytes,
        max_recipients: l.max_recipients,
        max_errors: l.max_errors,
        max_line_bytes: l.max_line_bytes,
        command_timeout: l.command_timeout,
        data_timeout: l.data_timeout,
    }
}

/// A new unique transaction id: time in microseconds, a sequence and random bits, in
/// upper-case hex (`18C1A2B3C4D5E-0001-9F3A`).
pub fn new_id() -> String {
    static SEQUENCE: AtomicU32 = AtomicU32::new(0);
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    let mut random = [0u8; 2];
    let _ = getrandom::fill(&mut random);
    format!("{micros:X}-{:04X}-{:04X}", SEQUENCE.fetch_add(1, Ordering::Relaxed) & 0xffff, u16::from_be_bytes(random))
}

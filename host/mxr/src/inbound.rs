//! The SMTP session's handle on the relay: [`mxr_smtp::Inbound`] over the filter
//! chain, and the chain's answers turned into SMTP replies (the one place that does).
//!
//! Two recipient rules live here because they need the tenants: `<postmaster>`
//! without a domain (RFC 5321 §4.5.1) is taken as the configured `server.postmaster`
//! address, and sender-routed forms (`user%other@`, `other!user@`, `"user@other"@`)
//! are refused with `550 5.7.1` unless the domain's tenant sets
//! `allow_sender_routing`.

use arc_swap::ArcSwap;
use mxr_chain::{Chain, RcptError, Transaction, Verdict};
use mxr_config::Config;
use mxr_dns::Dns;
use mxr_dns::authenticate::AuthInput;
use mxr_mail::Envelope;
use mxr_metrics::ConnectionMetrics;
use mxr_sandbox::SmtpReply;
use mxr_smtp::address::routes_onward;
use mxr_smtp::admission::PeerLimits;
use mxr_smtp::{AuthFuture, Inbound, InboundTransaction, Intake, Reply, SessionLimits};
use mxr_tls::LiveTls;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio_rustls::TlsAcceptor;

/// What the sessions share: the chain, and the server settings from the config,
/// which a reload may change (a session keeps the limits it began with).
pub struct RelayInbound {
    /// The filter chain transactions run through.
    pub chain: Arc<Chain>,
    /// STARTTLS, when configured.
    pub tls: Arc<LiveTls>,
    /// The resolver that authenticates each message at DATA; `None` when
    /// authentication is off.
    dns: Option<Arc<Dns>>,
    /// The session limits, from `[limits]`.
    limits: ArcSwap<SessionLimits>,
    /// Sessions in all, per client address, and buffered DATA, from `[limits]`.
    pub intake: Intake,
}

/// The per-address limits from the config's `[limits]`.
fn peer_limits(l: &mxr_config::Limits) -> PeerLimits {
    PeerLimits {
        max_connections: l.max_connections_per_ip,
        connections_per_minute: l.connections_per_ip_per_minute,
        messages_per_minute: l.messages_per_ip_per_minute,
        errors_per_minute: l.errors_per_ip_per_minute,
    }
}

impl RelayInbound {
    /// The handle over `chain`, with the limits and budgets of its config, counting
    /// connections in `metrics`.
    pub fn new(
        chain: Arc<Chain>,
        tls: Arc<LiveTls>,
        dns: Option<Arc<Dns>>,
        metrics: ConnectionMetrics,
    ) -> RelayInbound {
        let l = &chain.config.limits;
        RelayInbound {
            tls,
            dns,
            limits: ArcSwap::from_pointee(session_limits(l)),
            intake: Intake::new(
                l.max_connections,
                peer_limits(l),
                l.max_buffered_data_bytes,
                l.largest_message_need(),
                l.data_budget_wait,
                metrics,
            ),
            chain,
        }
    }

    /// Puts reloaded `[limits]` in force: new sessions get the session limits; the
    /// connection, per-address and DATA budgets change at once, and what running
    /// sessions hold beyond a lowered total is taken back as they finish.
    pub fn set_limits(&self, l: &mxr_config::Limits) {
        self.limits.store(Arc::new(session_limits(l)));
        self.intake.connections.resize(l.max_connections);
        self.intake.peers.set_limits(peer_limits(l));
        self.intake.data_budget.resize(l.max_buffered_data_bytes, l.largest_message_need(), l.data_budget_wait);
    }
}

impl Inbound for RelayInbound {
    type Transaction = ChainTransaction;

    fn hostname(&self) -> &str {
        &self.chain.config.hostname
    }
    fn limits(&self) -> Arc<SessionLimits> {
        self.limits.load_full()
    }
    fn tls(&self) -> Option<TlsAcceptor> {
        self.tls.get()
    }
    fn intake(&self) -> &Intake {
        &self.intake
    }
    fn overloaded(&self) -> bool {
        self.chain.plugins.runtime().share().overloaded()
    }
    fn drain(&self) -> Duration {
        self.chain.config.drain
    }
    fn begin(&self, envelope: Envelope) -> ChainTransaction {
        ChainTransaction {
            config: self.chain.config.clone(),
            dns: self.dns.clone(),
            tx: Transaction::begin(self.chain.clone(), new_id(), envelope),
        }
    }
}

/// A chain transaction as the session drives it.
pub struct ChainTransaction {
    /// The config the transaction began on (tenants, postmaster).
    config: Arc<Config>,
    /// The resolver for authentication, when on.
    dns: Option<Arc<Dns>>,
    tx: Transaction,
}

impl ChainTransaction {
    /// The address a recipient stands for (`<postmaster>` is the configured one), or
    /// the refusal of a sender-routed form the domain's tenant does not allow.
    fn resolve<'a>(&'a self, rcpt: &'a str) -> Result<&'a str, Reply> {
        let rcpt = match (rcpt, &self.config.postmaster) {
            ("postmaster", Some(postmaster)) => postmaster.as_str(),
            _ => rcpt,
        };
        let domain = rcpt.rsplit_once('@').map_or("", |(_, d)| d);
        let allowed = self.tx.tenants().for_domain(domain).is_none_or(|t| t.allow_sender_routing);
        if !allowed && routes_onward(rcpt) {
            tracing::info!(rcpt_domain = domain, "sender-routed recipient refused");
            return Err(Reply::new(550, "5.7.1", "Sender-routed addresses are not accepted here"));
        }
        Ok(rcpt)
    }
}

impl InboundTransaction for ChainTransaction {
    fn id(&self) -> &str {
        &self.tx.id
    }
    fn recipient_count(&self) -> usize {
        self.tx.recipient_count()
    }
    fn rcpt(&mut self, rcpt: &str) -> Result<(), Reply> {
        let rcpt = self.resolve(rcpt)?.to_owned();
        let rcpt = rcpt.as_str();
        self.tx.rcpt(rcpt).map_err(|e| match e {
            RcptError::NotServed => {
                tracing::info!(rcpt_domain = rcpt.rsplit_once('@').map_or("", |(_, d)| d), "relay attempt refused");
                Reply::new(550, "5.7.1", "Relay access denied: this domain is not served here")
            }
            RcptError::Suspended => Reply::new(450, "4.7.1", "Mail for this domain is paused here; try again later"),
            RcptError::Offboarded => Reply::new(550, "5.1.2", "This domain is no longer served here"),
            RcptError::Refused(r) => reply(r),
        })
    }
    fn authenticate<'a>(&'a mut self, raw: &'a [u8]) -> AuthFuture<'a> {
        Box::pin(async move {
            let (Some(dns), Some(client_ip)) = (self.dns.clone(), self.tx.envelope().client_ip) else { return };
            let env = self.tx.envelope();
            let (helo, mail_from) = (env.helo.clone().unwrap_or_default(), env.mail_from.clone().unwrap_or_default());
            let hostname = self.config.hostname.clone();
            let input = AuthInput { client_ip, helo: &helo, mail_from: &mail_from, hostname: &hostname, raw };
            let results = dns.authenticate(input).await;
            self.tx.set_authentication(results);
        })
    }
    fn finish(self, raw: &[u8], tls: bool) -> Reply {
        let id = self.tx.id.clone();
        match self.tx.finish(raw, tls).0 {
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
        data_total_timeout: l.data_total_timeout,
        data_min_bytes_per_sec: l.data_min_bytes_per_sec,
        data_rate_grace: l.data_rate_grace,
        data_copies: mxr_config::limits::MESSAGE_COPIES,
        tempfail_delay: l.tempfail_delay,
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

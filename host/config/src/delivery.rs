//! `[delivery]`: how the queue shares out its deliveries, and how long it waits for a
//! next hop at each step. A section of its own, as written ([`DeliveryFile`]) and as
//! validated ([`DeliveryConfig`]), so that a stuck or slow next hop's reach can be set
//! (and tests can make the waits short).

use serde::Deserialize;
use std::time::Duration;

/// `[delivery]` as written; every key is optional and greater than zero.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryFile {
    /// Deliveries running at once, over all next hops.
    pub max_parallel: Option<usize>,
    /// Connections to one next hop (host and port) at once; below `max_parallel`.
    pub max_per_destination: Option<usize>,
    /// Deliveries of one tenant at once; below `max_parallel`.
    pub max_per_tenant: Option<usize>,
    /// Bytes of spooled copies that deliveries hold in memory at once.
    pub max_buffered_bytes: Option<usize>,
    /// TCP connect, in seconds.
    pub connect_timeout_secs: Option<u64>,
    /// The greeting, in seconds (RFC 5321 §4.5.3.2.1).
    pub greeting_timeout_secs: Option<u64>,
    /// MAIL, and EHLO, STARTTLS and RSET, in seconds (§4.5.3.2.2).
    pub mail_timeout_secs: Option<u64>,
    /// Each RCPT, in seconds (§4.5.3.2.3).
    pub rcpt_timeout_secs: Option<u64>,
    /// The `354` to DATA, in seconds (§4.5.3.2.4).
    pub data_timeout_secs: Option<u64>,
    /// Each block of the message sent, in seconds (§4.5.3.2.5).
    pub block_timeout_secs: Option<u64>,
    /// The reply to the final dot, in seconds (§4.5.3.2.6).
    pub final_dot_timeout_secs: Option<u64>,
    /// The port of MX hosts: for tests and unusual networks only (default 25).
    pub mx_port: Option<u16>,
}

/// How the queue shares out deliveries, and its waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryConfig {
    /// Deliveries running at once over all next hops (default 100). A delivery holds
    /// one of these only while it runs, never while it waits for a next hop's slot.
    pub max_parallel: usize,
    /// Connections to one next hop at once (default 10), shared by the tenants that
    /// deliver there; always below `max_parallel`, so one stuck next hop cannot hold
    /// every delivery.
    pub max_per_destination: usize,
    /// Deliveries of one tenant at once (default 10); always below `max_parallel`.
    pub max_per_tenant: usize,
    /// Bytes of spooled copies that deliveries hold in memory at once, over all next
    /// hops (default 512 MiB). A delivery holds [`DELIVERY_COPIES`] times its copy's
    /// size while it runs. A next hop's deliveries, and a tenant's, hold at most their
    /// share ([`DeliveryConfig::share_of`]), so a stuck next hop holds no larger part
    /// of this than of `max_parallel`.
    pub max_buffered_bytes: usize,
    /// How long each step of a delivery waits for the next hop.
    pub timeouts: Timeouts,
    /// The port mail to an MX host goes to (default 25): bounces by MX, and tenant MX
    /// next hops without `next_hop.port`. Another port is for tests and unusual
    /// networks; the MX hosts of the Internet listen on 25.
    pub mx_port: u16,
}

/// How many times its size a spooled copy takes in memory while it is delivered: the
/// copy as read, and, when some recipients are deferred, the copy sealed again for them.
pub const DELIVERY_COPIES: usize = 2;

impl DeliveryConfig {
    /// The bytes of `max_buffered_bytes` that a party allowed `deliveries` of the
    /// `max_parallel` at once may hold: the same part of it, but never less than
    /// [`DeliveryConfig::largest_delivery`] of a message of `max_message_bytes` (nor
    /// more than the whole). A next hop's share is `share_of(max_per_destination, …)`,
    /// which validation keeps at its part; a tenant's `share_of(max_per_tenant, …)`.
    pub fn share_of(&self, deliveries: usize, max_message_bytes: usize) -> usize {
        let part = (self.max_buffered_bytes as u128 * deliveries as u128 / self.max_parallel as u128) as usize;
        part.max(Self::largest_delivery(max_message_bytes)).min(self.max_buffered_bytes)
    }

    /// The memory one delivery of a message of `max_message_bytes` holds: its spool
    /// file (the message, its envelope and the seal: [`SPOOL_OVERHEAD`] at most),
    /// [`DELIVERY_COPIES`] times.
    pub fn largest_delivery(max_message_bytes: usize) -> usize {
        DELIVERY_COPIES.saturating_mul(max_message_bytes.saturating_add(SPOOL_OVERHEAD))
    }
}

/// Bytes a spool file has beside its message, at most: the clear header, the envelope
/// (a thousand recipients of 256 bytes fit) and the seal.
pub const SPOOL_OVERHEAD: usize = 256 << 10;

/// The SMTP port: where mail exchangers listen, and an smtp next hop's default.
pub const SMTP_PORT: u16 = 25;

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            max_parallel: 100,
            max_per_destination: 10,
            max_per_tenant: 10,
            max_buffered_bytes: 512 << 20,
            timeouts: Timeouts::default(),
            mx_port: SMTP_PORT,
        }
    }
}

/// How long each step of an outbound SMTP session may take; the defaults are RFC 5321
/// §4.5.3.2's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// The TCP connect (default 30 s).
    pub connect: Duration,
    /// The greeting (default 5 minutes).
    pub greeting: Duration,
    /// The reply to MAIL, and to EHLO, STARTTLS and RSET (default 5 minutes).
    pub mail: Duration,
    /// The reply to each RCPT (default 5 minutes).
    pub rcpt: Duration,
    /// The reply to DATA (default 2 minutes).
    pub data: Duration,
    /// Sending each block of the message (default 3 minutes).
    pub block: Duration,
    /// The reply to the final dot (default 10 minutes). Long, because a next hop that
    /// times out here has likely accepted the message already: giving up sends it twice.
    pub final_dot: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        let min = |m: u64| Duration::from_secs(m * 60);
        Timeouts {
            connect: Duration::from_secs(30),
            greeting: min(5),
            mail: min(5),
            rcpt: min(5),
            data: min(2),
            block: min(3),
            final_dot: min(10),
        }
    }
}

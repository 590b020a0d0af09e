//! Fair intake per client address (like Postfix's anvil): how many sessions one
//! address holds at once, and how many connections, messages and errors it may have
//! in a minute. Pure bookkeeping with the clock passed in, so it is tested without
//! waiting; the server asks it at accept, the session at MAIL and at each 5xx.
//!
//! IPv6 clients are counted per /64, the smallest block one subscriber is given. The
//! table cannot grow without bound: idle entries whose minute is over are swept (not
//! those still under [`DECLARED_ABANDON_PENALTY`]), and past [`MAX_IDLE_ENTRIES`] idle
//! entries are dropped even inside their minute, penalties and all.

use crate::reply::Reply;
use mxr_metrics::ConnectionRefusal;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The window the per-minute rates count in (fixed, restarted on the first event
/// after it ends).
pub const WINDOW: Duration = Duration::from_secs(60);

/// Entries the table may hold before its first sweep; later sweeps come when it has
/// doubled, and at least this many admissions apart, so sweeping costs O(1) per
/// admission on average.
const FIRST_SWEEP_AT: usize = 4096;

/// Idle entries (no open session) kept at most: beyond it they are dropped, and the
/// rates of those addresses start again from zero.
pub const MAX_IDLE_ENTRIES: usize = 100_000;

/// How long an address that abandoned a DATA phase whose declared SIZE was reserved
/// before the data (cut off, or gone, before the final dot) has no such reservation
/// again: its messages take the budget as their data arrives. One client that
/// declared the largest size and sent nothing, reconnecting every time it was cut
/// off, held the whole large share and refused everyone's large mail.
pub const DECLARED_ABANDON_PENALTY: Duration = Duration::from_secs(600);

/// Per-address limits; every one is greater than zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerLimits {
    /// Sessions one address may hold at once (default 50, as Postfix's
    /// `smtpd_client_connection_count_limit`); more get `421 4.7.0`.
    pub max_connections: u32,
    /// Connections one address may open in a minute (default 600); more get `421 4.7.0`.
    pub connections_per_minute: u32,
    /// MAIL commands one address may give in a minute (default 1200); more get `450 4.7.1`.
    pub messages_per_minute: u32,
    /// 5xx replies one address may earn in a minute (default 30); then its session is
    /// closed, and new ones refused until the minute is over, with `421 4.7.0`.
    pub errors_per_minute: u32,
}

impl Default for PeerLimits {
    fn default() -> Self {
        PeerLimits {
            max_connections: 50,
            connections_per_minute: 600,
            messages_per_minute: 1200,
            errors_per_minute: 30,
        }
    }
}

/// Why a connection was refused at accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The address already holds its share of sessions.
    Connections,
    /// The address opened too many connections this minute.
    ConnectionRate,
    /// The address earned too many errors this minute.
    ErrorRate,
}

impl Refusal {
    /// The reason it is counted under.
    pub fn counted_as(self) -> ConnectionRefusal {
        match self {
            Refusal::Connections => ConnectionRefusal::AddressSessions,
            Refusal::ConnectionRate => ConnectionRefusal::AddressRate,
            Refusal::ErrorRate => ConnectionRefusal::AddressErrors,
        }
    }

    /// The `421 4.7.0` this refusal is answered with.
    pub fn reply(self, host: &str) -> Reply {
        let why = match self {
            Refusal::Connections => "Too many connections from your address",
            Refusal::ConnectionRate => "Too many connections from your address in the last minute",
            Refusal::ErrorRate => "Too many errors from your address in the last minute",
        };
        Reply::owned(421, "4.7.0".into(), format!("{host} {why}, try again later"))
    }
}

/// What one address did in the current window.
#[derive(Debug, Clone, Copy)]
struct Tally {
    /// Sessions open now.
    active: u32,
    /// When the current window began.
    window: Instant,
    connections: u32,
    messages: u32,
    errors: u32,
    /// Messages delivered (answered 250 at the end of DATA) in the window.
    delivered: u32,
    /// When the address last abandoned a DATA phase with its declared SIZE reserved
    /// (kept across windows, for [`DECLARED_ABANDON_PENALTY`]).
    abandoned: Option<Instant>,
}

impl Tally {
    fn new(now: Instant) -> Self {
        Tally { active: 0, window: now, connections: 0, messages: 0, errors: 0, delivered: 0, abandoned: None }
    }

    /// Starts a new window when the current one is over.
    fn roll(&mut self, now: Instant) {
        if now.saturating_duration_since(self.window) >= WINDOW {
            *self = Tally { active: self.active, abandoned: self.abandoned, ..Tally::new(now) };
        }
    }

    fn penalised(&self, now: Instant) -> bool {
        self.abandoned.is_some_and(|at| now.saturating_duration_since(at) < DECLARED_ABANDON_PENALTY)
    }

    fn idle(&self, now: Instant) -> bool {
        self.active == 0 && now.saturating_duration_since(self.window) >= WINDOW && !self.penalised(now)
    }
}

struct Table {
    /// The limits kept (a reload may change them).
    limits: PeerLimits,
    entries: HashMap<IpAddr, Tally>,
    sweep_at: usize,
}

/// The per-address accounting the sessions of a server share.
pub struct PeerTable {
    table: Mutex<Table>,
}

/// One admitted session's hold on its address's share; dropping it frees the share.
pub struct PeerSlot {
    table: Arc<PeerTable>,
    key: IpAddr,
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        if let Some(e) = self.table.lock().entries.get_mut(&self.key) {
            e.active = e.active.saturating_sub(1);
        }
    }
}

/// The address an IP is counted under: itself, or its /64 for IPv6.
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
        },
    }
}

impl PeerTable {
    /// An empty table keeping `limits`.
    pub fn new(limits: PeerLimits) -> Arc<PeerTable> {
        Arc::new(PeerTable { table: Mutex::new(Table { limits, entries: HashMap::new(), sweep_at: FIRST_SWEEP_AT }) })
    }

    /// The limits kept.
    pub fn limits(&self) -> PeerLimits {
        self.lock().limits
    }

    /// Keeps `limits` from now on (a reload); what was counted so far stays counted.
    pub fn set_limits(&self, limits: PeerLimits) {
        self.lock().limits = limits;
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new connection from `ip` at `now`: a slot for its session, or why not. A
    /// refused attempt still counts against the connection rate.
    pub fn admit(self: &Arc<Self>, ip: IpAddr, now: Instant) -> Result<PeerSlot, Refusal> {
        let mut t = self.lock();
        if t.entries.len() >= t.sweep_at {
            sweep(&mut t, now);
        }
        let limits = t.limits;
        let e = t.entries.entry(key(ip)).or_insert_with(|| Tally::new(now));
        e.roll(now);
        e.connections = e.connections.saturating_add(1);
        if e.active >= limits.max_connections {
            return Err(Refusal::Connections);
        }
        if e.errors >= limits.errors_per_minute {
            return Err(Refusal::ErrorRate);
        }
        if e.connections > limits.connections_per_minute {
            return Err(Refusal::ConnectionRate);
        }
        e.active += 1;
        Ok(PeerSlot { table: self.clone(), key: key(ip) })
    }

    /// Counts a MAIL from `ip`; false when it is over the message rate.
    pub fn note_message(&self, ip: IpAddr, now: Instant) -> bool {
        let (n, limits) = self.count(ip, now, |e| &mut e.messages);
        n <= limits.messages_per_minute
    }

    /// Counts a 5xx earned by `ip`; false when it is over the error rate.
    pub fn note_error(&self, ip: IpAddr, now: Instant) -> bool {
        let (n, limits) = self.count(ip, now, |e| &mut e.errors);
        n <= limits.errors_per_minute
    }

    /// Counts one more in `field` of `ip`'s tally: the new count, and the limits.
    fn count(&self, ip: IpAddr, now: Instant, field: impl FnOnce(&mut Tally) -> &mut u32) -> (u32, PeerLimits) {
        let mut t = self.lock();
        let limits = t.limits;
        let e = t.entries.entry(key(ip)).or_insert_with(|| Tally::new(now));
        e.roll(now);
        let n = field(e);
        *n = n.saturating_add(1);
        (*n, limits)
    }

    /// Counts a message of `ip`'s delivered.
    pub fn note_delivered(&self, ip: IpAddr, now: Instant) {
        self.count(ip, now, |e| &mut e.delivered);
    }

    /// Counts a message of `ip`'s refused for its content: as an error while the
    /// address has delivered nothing this window (a source of nothing but refused
    /// mail), else not at all (a mailbox provider passing some spam among its mail).
    /// False when it is over the error rate.
    pub fn note_refused_content(&self, ip: IpAddr, now: Instant) -> bool {
        let mut t = self.lock();
        let limits = t.limits;
        let e = t.entries.entry(key(ip)).or_insert_with(|| Tally::new(now));
        e.roll(now);
        if e.delivered > 0 {
            return true;
        }
        e.errors = e.errors.saturating_add(1);
        e.errors <= limits.errors_per_minute
    }

    /// Notes that `ip` abandoned a DATA phase whose declared SIZE was reserved before
    /// the data.
    pub fn note_abandoned_declaration(&self, ip: IpAddr, now: Instant) {
        let mut t = self.lock();
        let e = t.entries.entry(key(ip)).or_insert_with(|| Tally::new(now));
        e.abandoned = Some(now);
    }

    /// True unless `ip` abandoned a DATA phase with its declared SIZE reserved within
    /// [`DECLARED_ABANDON_PENALTY`]: whether a SIZE it declares is reserved before its
    /// data.
    pub fn may_reserve_declared(&self, ip: IpAddr, now: Instant) -> bool {
        !self.lock().entries.get(&key(ip)).is_some_and(|e| e.penalised(now))
    }

    /// Addresses tracked now (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.lock().entries.len()
    }
}

/// Drops idle entries whose window is over, and every idle entry when more than
/// [`MAX_IDLE_ENTRIES`] remain.
fn sweep(t: &mut Table, now: Instant) {
    t.entries.retain(|_, e| !e.idle(now));
    if t.entries.values().filter(|e| e.active == 0).count() > MAX_IDLE_ENTRIES {
        t.entries.retain(|_, e| e.active > 0);
    }
    // Doubling keeps sweeps rare; past the idle cap the next sweep comes soon enough
    // to drop them, and never sooner than FIRST_SWEEP_AT admissions away.
    let len = t.entries.len();
    t.sweep_at = (len * 2).min(MAX_IDLE_ENTRIES + 1).max(len + FIRST_SWEEP_AT);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(limits: PeerLimits) -> Arc<PeerTable> {
        PeerTable::new(limits)
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn concurrent_sessions_are_capped_per_address_and_freed_on_drop() {
        let t = table(PeerLimits { max_connections: 2, ..PeerLimits::default() });
        let now = Instant::now();
        let first = t.admit(A, now).unwrap();
        let _second = t.admit(A, now).unwrap();
        assert_eq!(t.admit(A, now).err(), Some(Refusal::Connections));
        assert!(t.admit(B, now).is_ok(), "another address has its own share");
        drop(first);
        assert!(t.admit(A, now).is_ok(), "a closed session frees its slot");
    }

    #[test]
    fn connection_rate_holds_for_the_minute_then_resets() {
        let t = table(PeerLimits { connections_per_minute: 3, ..PeerLimits::default() });
        let now = Instant::now();
        for _ in 0..3 {
            drop(t.admit(A, now).unwrap());
        }
        assert_eq!(t.admit(A, now + Duration::from_secs(59)).err(), Some(Refusal::ConnectionRate));
        assert!(t.admit(A, now + WINDOW).is_ok());
    }

    #[test]
    fn message_and_error_rates() {
        let t = table(PeerLimits { messages_per_minute: 2, errors_per_minute: 2, ..PeerLimits::default() });
        let now = Instant::now();
        assert!(t.note_message(A, now) && t.note_message(A, now));
        assert!(!t.note_message(A, now), "the third MAIL in a minute is over the rate");
        assert!(t.note_message(B, now));
        assert!(t.note_message(A, now + WINDOW));
        let later = now + WINDOW;
        assert!(t.note_error(B, later) && t.note_error(B, later));
        assert!(!t.note_error(B, later));
        assert_eq!(t.admit(B, later).err(), Some(Refusal::ErrorRate), "new sessions wait for the minute to end");
        assert!(t.admit(B, later + WINDOW).is_ok());
    }

    #[test]
    fn content_refusals_count_as_errors_only_for_an_address_that_delivered_nothing() {
        let t = table(PeerLimits { errors_per_minute: 2, ..PeerLimits::default() });
        let now = Instant::now();
        assert!(t.note_refused_content(A, now) && t.note_refused_content(A, now));
        assert!(!t.note_refused_content(A, now), "nothing but refused mail: over the error rate");
        t.note_delivered(B, now);
        for _ in 0..10 {
            assert!(t.note_refused_content(B, now), "an address that delivers is not cut off for its spam");
        }
        assert!(t.note_refused_content(A, now + WINDOW), "a new minute, a new count");
    }

    #[test]
    fn an_abandoned_declaration_costs_the_address_its_reservations_for_a_while() {
        let t = table(PeerLimits::default());
        let now = Instant::now();
        assert!(t.may_reserve_declared(A, now));
        t.note_abandoned_declaration(A, now);
        let later = now + DECLARED_ABANDON_PENALTY - Duration::from_secs(1);
        assert!(!t.may_reserve_declared(A, later), "across minute windows too");
        drop(t.admit(A, later));
        assert!(!t.may_reserve_declared(A, later), "a new connection does not clear it");
        assert!(t.may_reserve_declared(B, now), "another address keeps its reservations");
        assert!(t.may_reserve_declared(A, now + DECLARED_ABANDON_PENALTY));
        // An idle penalised address outlives the sweep after its minute.
        let c = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 3));
        t.note_abandoned_declaration(c, now);
        let swept = now + 2 * WINDOW;
        for i in 0..FIRST_SWEEP_AT as u32 {
            drop(t.admit(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)), swept));
        }
        assert!(!t.may_reserve_declared(c, swept), "kept through the sweep");
    }

    #[test]
    fn ipv6_is_counted_per_64() {
        let t = table(PeerLimits { max_connections: 1, ..PeerLimits::default() });
        let now = Instant::now();
        let _one = t.admit("2001:db8:1:2::1".parse().unwrap(), now).unwrap();
        assert!(t.admit("2001:db8:1:2::ffff".parse().unwrap(), now).is_err());
        assert!(t.admit("2001:db8:1:3::1".parse().unwrap(), now).is_ok());
    }

    #[test]
    fn idle_entries_are_swept() {
        let t = table(PeerLimits::default());
        let now = Instant::now();
        let busy = t.admit(A, now).unwrap();
        for i in 0..(FIRST_SWEEP_AT as u32 - 1) {
            drop(t.admit(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)), now));
        }
        assert_eq!(t.tracked(), FIRST_SWEEP_AT, "inside their minute, entries are kept for the rates");
        drop(t.admit(B, now + WINDOW));
        assert_eq!(t.tracked(), 2, "after the minute only the open session and the newcomer remain");
        drop(busy);
    }

    #[test]
    fn too_many_idle_entries_are_dropped_even_inside_their_minute() {
        let t = table(PeerLimits::default());
        let now = Instant::now();
        let busy = t.admit(A, now).unwrap();
        for i in 0..(MAX_IDLE_ENTRIES as u32 + 2 * FIRST_SWEEP_AT as u32) {
            drop(t.admit(IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i)), now));
        }
        assert!(t.tracked() < MAX_IDLE_ENTRIES, "idle entries past the cap were dropped: {}", t.tracked());
        assert!(t.admit(A, now).is_ok() && t.tracked() >= 1, "open sessions are never forgotten");
        drop(busy);
    }
}

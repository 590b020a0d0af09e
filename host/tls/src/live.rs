//! The acceptor in force for a listener, swapped whole on reload: a handshake takes
//! the acceptor current when it starts, so connections already open keep theirs.

use arc_swap::ArcSwapOption;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// A listener's current TLS acceptor, or none when TLS is off.
#[derive(Default)]
pub struct LiveTls {
    current: ArcSwapOption<TlsAcceptor>,
}

impl std::fmt::Debug for LiveTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LiveTls({})", if self.current.load().is_some() { "on" } else { "off" })
    }
}

impl LiveTls {
    /// Starts with `acceptor` (none: TLS off).
    pub fn new(acceptor: Option<TlsAcceptor>) -> LiveTls {
        LiveTls { current: ArcSwapOption::new(acceptor.map(Arc::new)) }
    }

    /// The acceptor for a handshake starting now.
    pub fn get(&self) -> Option<TlsAcceptor> {
        self.current.load_full().map(|a| (*a).clone())
    }

    /// Puts `acceptor` in force for handshakes from now on (none: TLS off).
    pub fn set(&self, acceptor: Option<TlsAcceptor>) {
        self.current.store(acceptor.map(Arc::new));
    }
}

//! What the SMTP listener records: connections admitted (and open while their
//! session runs) and connections refused, by reason.

use crate::labels::ConnectionRefusal;
use crate::series::{ConnectionSeries, RefusalLabels};
use prometheus_client::metrics::gauge::Gauge;

/// The listener's handle on the connection series. Cloning shares them.
#[derive(Clone, Debug)]
pub struct ConnectionMetrics {
    series: ConnectionSeries,
}

/// A session counted as open until this is dropped.
#[derive(Debug)]
pub struct OpenSession {
    open: Gauge,
}

impl Drop for OpenSession {
    fn drop(&mut self) {
        self.open.dec();
    }
}

impl ConnectionMetrics {
    pub(crate) fn new(series: ConnectionSeries) -> ConnectionMetrics {
        ConnectionMetrics { series }
    }

    /// Counts a connection admitted to a session; it counts as open while the
    /// returned guard lives.
    #[must_use = "the session counts as open only while the guard is held"]
    pub fn admitted(&self) -> OpenSession {
        self.series.accepted.inc();
        self.series.open.inc();
        OpenSession { open: self.series.open.clone() }
    }

    /// Counts a connection refused at accept.
    pub fn refused(&self, reason: ConnectionRefusal) {
        self.series.refused.get_or_create(&RefusalLabels { reason }).inc();
    }
}

//! The series read when scraped: the delivery queue's depth and oldest age, and how
//! far the audit log's signed checkpoints lag behind its records. Each is read from a
//! source the composition root hands in once the part exists.

use crate::series::{AUDIT_CHECKPOINT_AGE, AUDIT_UNSIGNED, Pulled, QUEUE_COPIES, QUEUE_OLDEST_AGE};
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::gauge::ConstGauge;
use std::sync::OnceLock;
use std::time::Duration;

/// The delivery queue at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueState {
    /// Copies queued, in an attempt, or waiting to retry.
    pub copies: usize,
    /// How long the oldest of them has been in the spool (zero when there are none).
    pub oldest: Duration,
}

/// The audit log's checkpoints at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CheckpointState {
    /// Records no signed checkpoint covers yet.
    pub unsigned: u64,
    /// How long the oldest of them has waited (zero when there are none).
    pub waiting: Duration,
}

/// A reading taken at each scrape.
type Source<T> = OnceLock<Box<dyn Fn() -> T + Send + Sync>>;

/// The sources of the pulled series; a series whose source is not set is not shown.
#[derive(Default)]
pub(crate) struct Sources {
    pub(crate) queue: Source<QueueState>,
    pub(crate) audit: Source<CheckpointState>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("queue", &self.queue.get().is_some())
            .field("audit", &self.audit.get().is_some())
            .finish()
    }
}

/// Writes one gauge.
fn gauge<N>(encoder: &mut DescriptorEncoder, series: &Pulled, value: N) -> std::fmt::Result
where
    ConstGauge<N>: EncodeMetric,
{
    let g = ConstGauge::new(value);
    let help = format!("{}.", series.help);
    g.encode(encoder.encode_descriptor(series.name, &help, None, g.metric_type())?)
}

impl Collector for Sources {
    fn encode(&self, mut encoder: DescriptorEncoder) -> std::fmt::Result {
        if let Some(read) = self.queue.get() {
            let q = read();
            gauge(&mut encoder, &QUEUE_COPIES, i64::try_from(q.copies).unwrap_or(i64::MAX))?;
            gauge(&mut encoder, &QUEUE_OLDEST_AGE, q.oldest.as_secs_f64())?;
        }
        if let Some(read) = self.audit.get() {
            let a = read();
            gauge(&mut encoder, &AUDIT_UNSIGNED, i64::try_from(a.unsigned).unwrap_or(i64::MAX))?;
            gauge(&mut encoder, &AUDIT_CHECKPOINT_AGE, a.waiting.as_secs_f64())?;
        }
        Ok(())
    }
}

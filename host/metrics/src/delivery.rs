//! What delivery records: each recipient of each attempt, by result and enhanced
//! status code.

use crate::labels::{DeliveryResult, EnhancedStatus};
use crate::series::{DeliveryLabels, DeliverySeries};

/// Delivery's handle on its series. Cloning shares them.
#[derive(Clone, Debug)]
pub struct DeliveryMetrics {
    series: DeliverySeries,
}

impl DeliveryMetrics {
    pub(crate) fn new(series: DeliverySeries) -> DeliveryMetrics {
        DeliveryMetrics { series }
    }

    /// Counts `recipients` recipients of one attempt that ended in `result` with `status`.
    pub fn record(&self, result: DeliveryResult, status: EnhancedStatus, recipients: u64) {
        self.series.get_or_create(&DeliveryLabels { result, status }).inc_by(recipients);
    }
}

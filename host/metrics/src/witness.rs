//! What the relay's checkpoint task records of its witnesses: each submission by
//! outcome, and how many records the newest cosigned checkpoint of each covers.

use crate::labels::{IdLabel, WitnessOutcome};
use crate::series::{WitnessIdLabel, WitnessLabels, WitnessSeries};

/// The checkpoint task's handle on the witness series. Cloning shares them.
#[derive(Clone, Debug)]
pub struct WitnessMetrics {
    series: WitnessSeries,
}

impl WitnessMetrics {
    pub(crate) fn new(series: WitnessSeries) -> WitnessMetrics {
        WitnessMetrics { series }
    }

    /// Shows `witness` (its key id) at zero for every outcome before its first submission.
    pub fn register(&self, witness: &IdLabel) {
        for outcome in WitnessOutcome::ALL {
            let _ =
                self.series.submissions.get_or_create(&WitnessLabels { witness: witness.clone(), outcome: *outcome });
        }
    }

    /// Counts one submission to `witness` that ended in `outcome`.
    pub fn submitted(&self, witness: &IdLabel, outcome: WitnessOutcome) {
        self.series.submissions.get_or_create(&WitnessLabels { witness: witness.clone(), outcome }).inc();
    }

    /// Notes that `witness` cosigned a checkpoint of `size` records.
    pub fn witnessed(&self, witness: &IdLabel, size: u64) {
        let size = i64::try_from(size).unwrap_or(i64::MAX);
        self.series.witnessed.get_or_create(&WitnessIdLabel { witness: witness.clone() }).set(size);
    }
}

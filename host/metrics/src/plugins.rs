//! What the filter chain records of each plugin call, per tenant, plugin, stage and
//! purpose: the call, the plugin's own time, its verdict or failure class, and each
//! category it read with the form it got.

use crate::labels::{FailureClass, VerdictKind};
use crate::series::{CallLabels, DisclosureLabels, FailureLabels, PluginSeries, VerdictLabels};
use mxr_privacy::{Category, Form};
use std::time::Duration;

/// The chain's handle on the plugin series. Cloning shares them.
#[derive(Clone, Debug)]
pub struct PluginMetrics {
    series: PluginSeries,
}

/// How one plugin call ended, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallEnd {
    /// A checked verdict.
    Verdict(VerdictKind),
    /// No verdict, for this reason.
    Failed(FailureClass),
}

impl PluginMetrics {
    pub(crate) fn new(series: PluginSeries) -> PluginMetrics {
        PluginMetrics { series }
    }

    /// Counts one call: how it ended, the plugin's own time when it ran in a sandbox
    /// (`None` when it was not run, such as an isolated plugin's), and each category
    /// it read with its form. Creates a label set's series the first time it is seen;
    /// after that a call costs a few hash lookups and atomic adds.
    pub fn record(
        &self,
        call: &CallLabels,
        end: CallEnd,
        own_time: Option<Duration>,
        disclosed: impl IntoIterator<Item = (Category, Form)>,
    ) {
        let s = &self.series;
        s.calls.get_or_create(call).inc();
        if let Some(t) = own_time {
            s.own_time.get_or_create(call).observe(t.as_secs_f64());
        }
        match end {
            CallEnd::Verdict(verdict) => {
                s.verdicts.get_or_create(&VerdictLabels { call: call.clone(), verdict }).inc();
            }
            CallEnd::Failed(class) => {
                s.failures.get_or_create(&FailureLabels { call: call.clone(), class }).inc();
            }
        }
        for (category, form) in disclosed {
            s.disclosures.get_or_create(&DisclosureLabels { call: call.clone(), category, form }).inc();
        }
    }
}

//! Every series the relay exports, in one place: its name, help text, unit and label
//! set. Names are final as exposed: counters get `_total` and units their suffix when
//! registered (`mxr_plugin_calls` is scraped as `mxr_plugin_calls_total`,
//! `mxr_plugin_own_time` as `mxr_plugin_own_time_seconds`).
//!
//! Labels are ids and closed sets only ([`crate::labels`]): tenant, plugin, stage,
//! purpose, verdict, failure class, category, form, delivery result, enhanced status
//! code, refusal reason. Never an address or a domain.

use crate::labels::{
    ConnectionRefusal, DeliveryResult, EnhancedStatus, FailureClass, HookStage, IdLabel, VerdictKind, WitnessOutcome,
};
use mxr_privacy::{Category, Form};
use prometheus_client::encoding::{EncodeLabel, EncodeLabelSet, LabelSetEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};
use std::fmt;

/// Upper bounds of the own-time histogram buckets, in seconds: 100 µs to 2.5 s (the
/// default deadline is 200 ms of the plugin's own time).
pub const OWN_TIME_BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// A series read when scraped rather than counted as things happen.
#[derive(Debug)]
pub struct Pulled {
    /// Its name, unit suffix included.
    pub name: &'static str,
    /// Its help text, without the final full stop.
    pub help: &'static str,
}

/// `mxr_queue_copies`: copies in the delivery queue.
pub const QUEUE_COPIES: Pulled = Pulled {
    name: "mxr_queue_copies",
    help: "Spooled copies the delivery queue holds: waiting for their turn, in an attempt, or waiting to retry",
};
/// `mxr_queue_oldest_age_seconds`: how long the oldest copy has waited.
pub const QUEUE_OLDEST_AGE: Pulled = Pulled {
    name: "mxr_queue_oldest_age_seconds",
    help: "Seconds since the oldest copy in the delivery queue was spooled (0 when the queue is empty)",
};
/// `mxr_audit_checkpoint_age_seconds`: how long records have waited for a checkpoint.
pub const AUDIT_CHECKPOINT_AGE: Pulled = Pulled {
    name: "mxr_audit_checkpoint_age_seconds",
    help: "Seconds the oldest audit record not yet covered by a signed checkpoint has waited (0 when all are covered); checkpoints follow writes within a minute, so a value that keeps growing means signing fails",
};
/// `mxr_audit_unsigned_records`: records no checkpoint covers yet.
pub const AUDIT_UNSIGNED: Pulled =
    Pulled { name: "mxr_audit_unsigned_records", help: "Audit records written since the last signed checkpoint" };

/// One plugin call's labels: whose chain, which plugin, at which stage, for which
/// purpose. Every per-plugin series carries these.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallLabels {
    /// The tenant whose chain made the call.
    pub tenant: IdLabel,
    /// The plugin, as it labels itself.
    pub plugin: PluginLabels,
    /// The stage.
    pub stage: HookStage,
}

/// A plugin's part of [`CallLabels`], made once when it is loaded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PluginLabels {
    /// Its name.
    pub plugin: IdLabel,
    /// Its declared purpose.
    pub purpose: IdLabel,
}

/// [`CallLabels`] and the verdict.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VerdictLabels {
    /// The call.
    pub call: CallLabels,
    /// What the verdict asked for.
    pub verdict: VerdictKind,
}

/// [`CallLabels`] and the failure's class.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FailureLabels {
    /// The call.
    pub call: CallLabels,
    /// How it failed.
    pub class: FailureClass,
}

/// [`CallLabels`], a category the plugin read, and the form it got it in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DisclosureLabels {
    /// The call.
    pub call: CallLabels,
    /// What kind of data.
    pub category: Category,
    /// In which form.
    pub form: Form,
}

/// One recipient's delivery result and its enhanced status code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DeliveryLabels {
    /// Delivered, deferred or failed.
    pub result: DeliveryResult,
    /// A refusal's own enhanced code, else `class.0.0`.
    pub status: EnhancedStatus,
}

/// Why a connection was refused.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RefusalLabels {
    /// The reason.
    pub reason: ConnectionRefusal,
}

/// One witness (by its key id in hex: an id, never a host name) and an outcome.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WitnessLabels {
    /// The witness's key id, 8 hex digits.
    pub witness: IdLabel,
    /// How the submission ended.
    pub outcome: WitnessOutcome,
}

/// One witness, by its key id in hex.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WitnessIdLabel {
    /// The witness's key id, 8 hex digits.
    pub witness: IdLabel,
}

/// Writes one `key="value"` pair.
fn put(encoder: &mut LabelSetEncoder, key: &'static str, value: &str) -> fmt::Result {
    (key, value).encode(encoder.encode_label())
}

impl EncodeLabelSet for CallLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        put(e, "tenant", self.tenant.as_str())?;
        put(e, "plugin", self.plugin.plugin.as_str())?;
        put(e, "stage", self.stage.name())?;
        put(e, "purpose", self.plugin.purpose.as_str())
    }
}

impl EncodeLabelSet for VerdictLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        self.call.encode(e)?;
        put(e, "verdict", self.verdict.name())
    }
}

impl EncodeLabelSet for FailureLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        self.call.encode(e)?;
        put(e, "class", self.class.name())
    }
}

impl EncodeLabelSet for DisclosureLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        self.call.encode(e)?;
        put(e, "category", self.category.name())?;
        put(e, "form", self.form.name())
    }
}

impl EncodeLabelSet for DeliveryLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        put(e, "result", self.result.name())?;
        ("status", self.status).encode(e.encode_label())
    }
}

impl EncodeLabelSet for WitnessLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        put(e, "witness", self.witness.as_str())?;
        put(e, "outcome", self.outcome.name())
    }
}

impl EncodeLabelSet for WitnessIdLabel {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        put(e, "witness", self.witness.as_str())
    }
}

impl EncodeLabelSet for RefusalLabels {
    fn encode(&self, e: &mut LabelSetEncoder) -> fmt::Result {
        put(e, "reason", self.reason.name())
    }
}

/// A histogram of the plugin's own time, in [`OWN_TIME_BUCKETS`].
pub(crate) fn own_time_histogram() -> Histogram {
    Histogram::new(OWN_TIME_BUCKETS)
}

/// The per-plugin series, counted by the chain.
#[derive(Clone, Debug)]
pub(crate) struct PluginSeries {
    pub(crate) calls: Family<CallLabels, Counter>,
    pub(crate) own_time: Family<CallLabels, Histogram, fn() -> Histogram>,
    pub(crate) verdicts: Family<VerdictLabels, Counter>,
    pub(crate) failures: Family<FailureLabels, Counter>,
    pub(crate) disclosures: Family<DisclosureLabels, Counter>,
}

/// The connection series, counted by the SMTP listener.
#[derive(Clone, Debug)]
pub(crate) struct ConnectionSeries {
    pub(crate) open: Gauge,
    pub(crate) accepted: Counter,
    pub(crate) refused: Family<RefusalLabels, Counter>,
}

/// The witness series, counted by the relay's checkpoint task.
#[derive(Clone, Debug, Default)]
pub(crate) struct WitnessSeries {
    pub(crate) submissions: Family<WitnessLabels, Counter>,
    pub(crate) witnessed: Family<WitnessIdLabel, Gauge>,
}

/// Makes the witness series and registers them in `r`.
pub(crate) fn register_witnesses(r: &mut Registry) -> WitnessSeries {
    let w = WitnessSeries::default();
    r.register(
        "mxr_audit_witness_submissions",
        "Audit checkpoints sent to a witness, by the witness's key id and outcome (a witness that is down is retried with the next checkpoint; mail never waits for it)",
        w.submissions.clone(),
    );
    r.register(
        "mxr_audit_witnessed_records",
        "Records covered by the newest checkpoint each witness cosigned, by the witness's key id",
        w.witnessed.clone(),
    );
    w
}

/// The delivery series, counted by delivery.
pub(crate) type DeliverySeries = Family<DeliveryLabels, Counter>;

/// Makes every series counted as things happen, and registers it in `r`.
pub(crate) fn register(r: &mut Registry) -> (PluginSeries, DeliverySeries, ConnectionSeries) {
    let plugins = PluginSeries {
        calls: Family::default(),
        own_time: Family::new_with_constructor(own_time_histogram),
        verdicts: Family::default(),
        failures: Family::default(),
        disclosures: Family::default(),
    };
    r.register("mxr_plugin_calls", "Plugin calls made, failed and isolated ones included", plugins.calls.clone());
    r.register_with_unit(
        "mxr_plugin_own_time",
        "The plugin's own CPU time per call that ran in a sandbox (host functions and waiting for a core not counted)",
        Unit::Seconds,
        plugins.own_time.clone(),
    );
    r.register("mxr_plugin_verdicts", "Checked verdicts of plugin calls, by action", plugins.verdicts.clone());
    r.register("mxr_plugin_failures", "Plugin calls that gave no verdict, by class", plugins.failures.clone());
    r.register(
        "mxr_plugin_disclosures",
        "Plugin calls that read a category of data, by category and the form it was shown in (as the audit log records them)",
        plugins.disclosures.clone(),
    );
    let deliveries = DeliverySeries::default();
    r.register(
        "mxr_deliveries",
        "Recipients per delivery attempt, by result and enhanced status code (a refusal's own code, else class.0.0; 2.0.0 when delivered, 4.4.7 when given up on)",
        deliveries.clone(),
    );
    let connections =
        ConnectionSeries { open: Gauge::default(), accepted: Counter::default(), refused: Family::default() };
    r.register("mxr_connections_open", "SMTP sessions open now", connections.open.clone());
    r.register("mxr_connections_accepted", "SMTP connections admitted to a session", connections.accepted.clone());
    r.register(
        "mxr_connections_refused",
        "SMTP connections answered 421 and closed at accept, by reason",
        connections.refused.clone(),
    );
    for reason in ConnectionRefusal::ALL {
        // Every reason shows, at zero, before its first refusal.
        let _ = connections.refused.get_or_create(&RefusalLabels { reason: *reason });
    }
    (plugins, deliveries, connections)
}

//! The relay's metrics, in the Prometheus text format.
//!
//! One [`Metrics`] per relay, holding its own registry: nothing is global, so several
//! relays in one process (as the tests run them) count apart. The parts that record
//! get a narrow handle each: the chain [`PluginMetrics`], delivery
//! [`DeliveryMetrics`], the SMTP listener [`ConnectionMetrics`], the audit checkpoint
//! task [`WitnessMetrics`]. What is read rather
//! than counted (queue depth and age, audit checkpoint lag) comes from sources handed
//! in with [`Metrics::observe_queue`] and [`Metrics::observe_audit`].
//!
//! - [`series`]: every series' name, help text and label set;
//! - [`labels`]: the values a label may take, ids and closed sets only, so that no
//!   address or domain can reach a label.

#![deny(missing_docs)]

pub mod delivery;
pub mod intake;
pub mod labels;
pub mod plugins;
pub mod pulled;
pub mod series;
pub mod witness;

pub use delivery::DeliveryMetrics;
pub use intake::{ConnectionMetrics, OpenSession};
pub use labels::{
    ConnectionRefusal, DeliveryResult, EnhancedStatus, FailureClass, HookStage, IdLabel, VerdictKind, WitnessOutcome,
};
pub use plugins::{CallEnd, PluginMetrics};
pub use pulled::{CheckpointState, QueueState};
pub use series::{CallLabels, PluginLabels};
pub use witness::WitnessMetrics;

use prometheus_client::registry::Registry;
use std::sync::Arc;

/// The `Content-Type` of [`Metrics::render`]'s text: the Prometheus text format 0.0.4.
pub const CONTENT_TYPE: &str = prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

/// One relay's metrics: its registry and the handles on it.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    plugins: PluginMetrics,
    delivery: DeliveryMetrics,
    connections: ConnectionMetrics,
    witnesses: WitnessMetrics,
    sources: Arc<pulled::Sources>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every series, all at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::default();
        let (plugins, delivery, connections) = series::register(&mut registry);
        let witnesses = WitnessMetrics::new(series::register_witnesses(&mut registry));
        let sources = Arc::new(pulled::Sources::default());
        registry.register_collector(Box::new(sources.clone()));
        Metrics {
            registry,
            plugins: PluginMetrics::new(plugins),
            delivery: DeliveryMetrics::new(delivery),
            connections: ConnectionMetrics::new(connections),
            witnesses,
            sources,
        }
    }

    /// The chain's handle.
    pub fn plugins(&self) -> PluginMetrics {
        self.plugins.clone()
    }

    /// Delivery's handle.
    pub fn delivery(&self) -> DeliveryMetrics {
        self.delivery.clone()
    }

    /// The SMTP listener's handle.
    pub fn connections(&self) -> ConnectionMetrics {
        self.connections.clone()
    }

    /// The audit checkpoint task's handle on the witness series.
    pub fn witnesses(&self) -> WitnessMetrics {
        self.witnesses.clone()
    }

    /// Reads the queue's state at each scrape from `read`. The first source given
    /// stays; a later one is ignored (a relay has one queue).
    pub fn observe_queue(&self, read: impl Fn() -> QueueState + Send + Sync + 'static) {
        let _ = self.sources.queue.set(Box::new(read));
    }

    /// Reads the audit log's checkpoint state at each scrape from `read`. The first
    /// source given stays.
    pub fn observe_audit(&self, read: impl Fn() -> CheckpointState + Send + Sync + 'static) {
        let _ = self.sources.audit.set(Box::new(read));
    }

    /// Every series now, in the Prometheus text format ([`CONTENT_TYPE`]).
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail, and no label encoder here returns an error.
        prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
            .expect("encoding metrics into a String");
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxr_privacy::{Category, Form};
    use std::time::Duration;

    fn id(s: &str) -> IdLabel {
        IdLabel::new(Arc::from(s)).unwrap()
    }

    fn call(tenant: &str) -> CallLabels {
        let plugin = PluginLabels { plugin: id("spam-score"), purpose: id("spam-filtering") };
        CallLabels { tenant: id(tenant), plugin, stage: HookStage::Data }
    }

    /// The value of the sample line that starts with `series{labels}` or `series `.
    fn sample(text: &str, start: &str) -> Option<f64> {
        text.lines().find(|l| l.starts_with(start)).and_then(|l| l.rsplit(' ').next()?.parse().ok())
    }

    #[test]
    fn two_relays_count_apart() {
        let (a, b) = (Metrics::new(), Metrics::new());
        let verdict = CallEnd::Verdict(VerdictKind::Reject);
        let disclosed = [(Category::Content, Form::Full), (Category::EmailAddress, Form::Pseudonym)];
        a.plugins().record(&call("t1"), verdict, Some(Duration::from_micros(300)), disclosed);
        a.plugins().record(&call("t1"), CallEnd::Failed(FailureClass::Timeout), Some(Duration::from_millis(200)), []);
        let (ta, tb) = (a.render(), b.render());
        let base = r#"tenant="t1",plugin="spam-score",stage="data",purpose="spam-filtering""#;
        assert_eq!(sample(&ta, &format!("mxr_plugin_calls_total{{{base}}}")), Some(2.0), "{ta}");
        assert_eq!(sample(&ta, &format!("mxr_plugin_verdicts_total{{{base},verdict=\"reject\"}}")), Some(1.0));
        assert_eq!(sample(&ta, &format!("mxr_plugin_failures_total{{{base},class=\"timeout\"}}")), Some(1.0));
        let pseudonym = format!("mxr_plugin_disclosures_total{{{base},category=\"email-address\",form=\"pseudonym\"}}");
        assert_eq!(sample(&ta, &pseudonym), Some(1.0));
        assert_eq!(sample(&ta, &format!("mxr_plugin_own_time_seconds_bucket{{{base},le=\"0.0005\"}}")), Some(1.0));
        assert_eq!(sample(&ta, &format!("mxr_plugin_own_time_seconds_count{{{base}}}")), Some(2.0));
        assert_eq!(sample(&tb, "mxr_plugin_calls_total{"), None, "the other relay counted nothing: {tb}");
    }

    #[test]
    fn sessions_count_as_open_while_held_and_pulled_series_are_read_at_render() {
        let m = Metrics::new();
        assert_eq!(sample(&m.render(), "mxr_queue_copies "), None, "no queue source, no queue series");
        m.observe_queue(|| QueueState { copies: 3, oldest: Duration::from_secs(90) });
        m.observe_audit(|| CheckpointState { unsigned: 7, waiting: Duration::from_millis(1500) });
        let c = m.connections();
        let held = c.admitted();
        c.refused(ConnectionRefusal::ServerFull);
        let text = m.render();
        assert_eq!(sample(&text, "mxr_connections_open "), Some(1.0));
        assert_eq!(sample(&text, "mxr_connections_refused_total{reason=\"server-full\"}"), Some(1.0));
        assert_eq!(sample(&text, "mxr_connections_refused_total{reason=\"plugin-backlog\"}"), Some(0.0));
        assert_eq!(sample(&text, "mxr_queue_copies "), Some(3.0));
        assert_eq!(sample(&text, "mxr_queue_oldest_age_seconds "), Some(90.0));
        assert_eq!(sample(&text, "mxr_audit_unsigned_records "), Some(7.0));
        assert_eq!(sample(&text, "mxr_audit_checkpoint_age_seconds "), Some(1.5));
        drop(held);
        let text = m.render();
        assert_eq!(sample(&text, "mxr_connections_open "), Some(0.0));
        assert_eq!(sample(&text, "mxr_connections_accepted_total "), Some(1.0));
    }

    #[test]
    fn deliveries_are_counted_by_result_and_status() {
        let m = Metrics::new();
        let d = m.delivery();
        d.record(DeliveryResult::Deferred, EnhancedStatus::parse("4.2.2").unwrap(), 2);
        d.record(DeliveryResult::Failed, EnhancedStatus::EXPIRED, 1);
        let text = m.render();
        assert_eq!(sample(&text, r#"mxr_deliveries_total{result="deferred",status="4.2.2"}"#), Some(2.0), "{text}");
        assert_eq!(sample(&text, r#"mxr_deliveries_total{result="failed",status="4.4.7"}"#), Some(1.0));
    }
}

//! `[server.limits]`: every limit greater than zero, named by its key when not, and
//! the DATA budget large enough for one message of the largest size.

use super::{duration, invalid, positive};
use crate::file::LimitsFile;
use crate::{ConfigError, Limits};
use std::time::Duration;

/// The limits, each from its key or its default.
pub(super) fn limits(l: &LimitsFile) -> Result<Limits, ConfigError> {
    let d = Limits::default();
    let secs = |key: &str, v, default: Duration| duration(key, v, default.as_secs(), 1);
    let key = |name: &str| format!("server.limits.{name}");
    let limits = Limits {
        max_connections: positive(&key("max_connections"), l.max_connections, d.max_connections)?,
        max_message_bytes: positive(&key("max_message_bytes"), l.max_message_bytes, d.max_message_bytes)?,
        max_recipients: positive(&key("max_recipients"), l.max_recipients, d.max_recipients)?,
        max_errors: positive(&key("max_errors"), l.max_errors, d.max_errors)?,
        max_line_bytes: positive(&key("max_line_bytes"), l.max_line_bytes, d.max_line_bytes)?,
        command_timeout: secs(&key("command_timeout_secs"), l.command_timeout_secs, d.command_timeout)?,
        data_timeout: secs(&key("data_timeout_secs"), l.data_timeout_secs, d.data_timeout)?,
        data_total_timeout: secs(&key("data_total_secs"), l.data_total_secs, d.data_total_timeout)?,
        data_min_bytes_per_sec: positive(
            &key("data_min_bytes_per_sec"),
            l.data_min_bytes_per_sec,
            d.data_min_bytes_per_sec,
        )?,
        data_rate_grace: secs(&key("data_rate_grace_secs"), l.data_rate_grace_secs, d.data_rate_grace)?,
        max_buffered_data_bytes: positive(
            &key("max_buffered_data_bytes"),
            l.max_buffered_data_bytes,
            d.max_buffered_data_bytes,
        )?,
        data_budget_wait: Duration::from_millis(positive(
            &key("data_budget_wait_ms"),
            l.data_budget_wait_ms,
            d.data_budget_wait.as_millis() as u64,
        )?),
        max_connections_per_ip: positive(
            &key("max_connections_per_ip"),
            l.max_connections_per_ip,
            d.max_connections_per_ip,
        )?,
        connections_per_ip_per_minute: positive(
            &key("connections_per_ip_per_minute"),
            l.connections_per_ip_per_minute,
            d.connections_per_ip_per_minute,
        )?,
        messages_per_ip_per_minute: positive(
            &key("messages_per_ip_per_minute"),
            l.messages_per_ip_per_minute,
            d.messages_per_ip_per_minute,
        )?,
        errors_per_ip_per_minute: positive(
            &key("errors_per_ip_per_minute"),
            l.errors_per_ip_per_minute,
            d.errors_per_ip_per_minute,
        )?,
    };
    if limits.max_buffered_data_bytes < limits.max_message_bytes {
        return Err(invalid(
            key("max_buffered_data_bytes"),
            format!(
                "must be at least max_message_bytes ({}), or no message of that size fits",
                limits.max_message_bytes
            ),
        ));
    }
    Ok(limits)
}

//! `[server.limits]`: every limit greater than zero, named by its key when not, and
//! the DATA budget large enough for one message of the largest size.

use super::{duration, invalid, positive};
use crate::file::LimitsFile;
use crate::{ConfigError, Limits};
use std::time::Duration;

/// The full key of a `[server.limits]` entry.
fn key(name: &str) -> String {
    format!("server.limits.{name}")
}

/// [`positive`] under `server.limits.<name>`.
fn limit<T: PartialOrd + Default + Copy>(name: &str, v: Option<T>, default: T) -> Result<T, ConfigError> {
    positive(&key(name), v, default)
}

/// A number of seconds under `server.limits.<name>`.
fn secs(name: &str, v: Option<u64>, default: Duration) -> Result<Duration, ConfigError> {
    duration(&key(name), v, default.as_secs(), 1)
}

/// The limits, each from its key or its default.
pub(super) fn limits(l: &LimitsFile) -> Result<Limits, ConfigError> {
    let d = Limits::default();
    let session = Limits {
        max_connections: limit("max_connections", l.max_connections, d.max_connections)?,
        max_message_bytes: limit("max_message_bytes", l.max_message_bytes, d.max_message_bytes)?,
        max_recipients: limit("max_recipients", l.max_recipients, d.max_recipients)?,
        max_errors: limit("max_errors", l.max_errors, d.max_errors)?,
        max_line_bytes: limit("max_line_bytes", l.max_line_bytes, d.max_line_bytes)?,
        command_timeout: secs("command_timeout_secs", l.command_timeout_secs, d.command_timeout)?,
        ..d.clone()
    };
    let limits = per_address(l, data(l, session)?)?;
    let needed = limits.largest_message_need();
    if limits.max_buffered_data_bytes < needed {
        return Err(invalid(
            key("max_buffered_data_bytes"),
            format!(
                "must be at least {} x max_message_bytes ({needed}), the memory one message of that size takes \
                 while it is checked and spooled",
                crate::limits::MESSAGE_COPIES
            ),
        ));
    }
    Ok(limits)
}

/// The DATA phase: its deadlines, and the budget all messages share.
fn data(l: &LimitsFile, d: Limits) -> Result<Limits, ConfigError> {
    let wait_ms = d.data_budget_wait.as_millis() as u64;
    Ok(Limits {
        data_timeout: secs("data_timeout_secs", l.data_timeout_secs, d.data_timeout)?,
        data_total_timeout: secs("data_total_secs", l.data_total_secs, d.data_total_timeout)?,
        data_min_bytes_per_sec: limit("data_min_bytes_per_sec", l.data_min_bytes_per_sec, d.data_min_bytes_per_sec)?,
        data_rate_grace: secs("data_rate_grace_secs", l.data_rate_grace_secs, d.data_rate_grace)?,
        max_buffered_data_bytes: limit(
            "max_buffered_data_bytes",
            l.max_buffered_data_bytes,
            d.max_buffered_data_bytes,
        )?,
        data_budget_wait: Duration::from_millis(limit("data_budget_wait_ms", l.data_budget_wait_ms, wait_ms)?),
        ..d
    })
}

/// Each client address's share: sessions at once, and rates per minute.
fn per_address(l: &LimitsFile, d: Limits) -> Result<Limits, ConfigError> {
    Ok(Limits {
        max_connections_per_ip: limit("max_connections_per_ip", l.max_connections_per_ip, d.max_connections_per_ip)?,
        connections_per_ip_per_minute: limit(
            "connections_per_ip_per_minute",
            l.connections_per_ip_per_minute,
            d.connections_per_ip_per_minute,
        )?,
        messages_per_ip_per_minute: limit(
            "messages_per_ip_per_minute",
            l.messages_per_ip_per_minute,
            d.messages_per_ip_per_minute,
        )?,
        errors_per_ip_per_minute: limit(
            "errors_per_ip_per_minute",
            l.errors_per_ip_per_minute,
            d.errors_per_ip_per_minute,
        )?,
        tempfail_delay: l.tempfail_delay_ms.map_or(d.tempfail_delay, Duration::from_millis),
        ..d
    })
}

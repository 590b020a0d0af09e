//! `[delivery]`: each number greater than zero, the per-destination and per-tenant caps
//! below the global one, and a next hop's part of `max_buffered_bytes` large enough for
//! one delivery of the largest message.

use super::{duration, invalid, positive};
use crate::ConfigError;
use crate::delivery::{DELIVERY_COPIES, DeliveryConfig, DeliveryFile, SPOOL_OVERHEAD, Timeouts};
use std::time::Duration;

/// `[delivery]` validated; an error names the key. `max_message_bytes` (from
/// `[server.limits]`) is what a next hop's share of the buffered bytes must hold.
pub(super) fn delivery(f: &DeliveryFile, max_message_bytes: usize) -> Result<DeliveryConfig, ConfigError> {
    let d = DeliveryConfig::default();
    let max_parallel = positive("delivery.max_parallel", f.max_parallel, d.max_parallel)?;
    let below = |key: &str, v: Option<usize>, default: usize| {
        let v = positive(key, v, default)?;
        if v >= max_parallel {
            let why = format!(
                "{v} must be below delivery.max_parallel ({max_parallel}), so that one stuck next hop or tenant cannot hold every delivery"
            );
            return Err(invalid(key, why));
        }
        Ok(v)
    };
    let config = DeliveryConfig {
        max_parallel,
        max_per_destination: below("delivery.max_per_destination", f.max_per_destination, d.max_per_destination)?,
        max_per_tenant: below("delivery.max_per_tenant", f.max_per_tenant, d.max_per_tenant)?,
        max_buffered_bytes: positive("delivery.max_buffered_bytes", f.max_buffered_bytes, d.max_buffered_bytes)?,
        timeouts: timeouts(f)?,
        mx_port: positive("delivery.mx_port", f.mx_port, d.mx_port)?,
    };
    // A next hop's share is its part of the budget, as its slots are of the permits:
    // then stuck next hops hold no larger part of the memory than of the permits.
    let needed = DeliveryConfig::largest_delivery(max_message_bytes);
    let part = config.max_buffered_bytes as u128 * config.max_per_destination as u128 / max_parallel as u128;
    if part < needed as u128 {
        let why = format!(
            "{} is too small: a next hop's part of it (x max_per_destination / max_parallel = {part}) must hold \
             one delivery of the largest message ({DELIVERY_COPIES} x (max_message_bytes + {SPOOL_OVERHEAD}) = \
             {needed}), so that it needs at least {}",
            config.max_buffered_bytes,
            (needed as u128 * max_parallel as u128).div_ceil(config.max_per_destination as u128)
        );
        return Err(invalid("delivery.max_buffered_bytes", why));
    }
    Ok(config)
}

fn timeouts(f: &DeliveryFile) -> Result<Timeouts, ConfigError> {
    let d = Timeouts::default();
    let secs = |key: &str, v, default: Duration| duration(&format!("delivery.{key}"), v, default.as_secs(), 1);
    Ok(Timeouts {
        connect: secs("connect_timeout_secs", f.connect_timeout_secs, d.connect)?,
        greeting: secs("greeting_timeout_secs", f.greeting_timeout_secs, d.greeting)?,
        mail: secs("mail_timeout_secs", f.mail_timeout_secs, d.mail)?,
        rcpt: secs("rcpt_timeout_secs", f.rcpt_timeout_secs, d.rcpt)?,
        data: secs("data_timeout_secs", f.data_timeout_secs, d.data)?,
        block: secs("block_timeout_secs", f.block_timeout_secs, d.block)?,
        final_dot: secs("final_dot_timeout_secs", f.final_dot_timeout_secs, d.final_dot)?,
    })
}

//! `[plugins]` (the runtime, and the purpose policy loaded once) and `[plugin.<name>]`.

use super::{invalid, positive};
use crate::file::{PluginSettingsFile, PluginsFile};
use crate::limits::{PluginLimits, SandboxLimits};
use crate::names::PluginName;
use crate::{ConfigError, PluginSettings, PluginsConfig, Tenant};
use mxr_privacy::PurposePolicy;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Plugin instances alive at once without `plugins.max_instances`.
const DEFAULT_MAX_INSTANCES: u32 = 256;

/// `[plugins]`: the folder, the purpose policy (read and validated here, once), and
/// the per-call limits.
pub(super) fn runtime(p: &PluginsFile, base: &Path, data_dir: &Path) -> Result<PluginsConfig, ConfigError> {
    let policy_file = p.policy.as_ref().map(|f| base.join(f));
    let policy = match &policy_file {
        Some(path) => PurposePolicy::load(path).map_err(|e| invalid("plugins.policy", e.to_string()))?,
        None => PurposePolicy::default_policy(),
    };
    let sd = SandboxLimits::default();
    let deadline_ms = positive("plugins.deadline_ms", p.deadline_ms, sd.deadline.as_millis() as u64)?;
    let memory_mb = positive("plugins.memory_mb", p.memory_mb, sd.memory_bytes >> 20)?;
    let sandbox = SandboxLimits {
        deadline: Duration::from_millis(deadline_ms),
        memory_bytes: mebibytes("plugins.memory_mb", memory_mb)?,
        ..sd
    };
    Ok(PluginsConfig {
        dir: data_dir.join(p.dir.clone().unwrap_or_else(|| PathBuf::from("plugins"))),
        policy: Arc::new(policy),
        policy_file,
        sandbox,
        max_instances: positive("plugins.max_instances", p.max_instances, DEFAULT_MAX_INSTANCES)?,
        workers: positive("plugins.workers", p.workers, cores())?,
        max_waiting: positive("plugins.max_waiting", p.max_waiting, 64 * p.workers.unwrap_or_else(cores))?,
    })
}

/// The number of cores this process may use (2 when that cannot be told).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// `mb` MiB in bytes, refused when that does not fit in memory at all.
fn mebibytes(key: &str, mb: usize) -> Result<usize, ConfigError> {
    mb.checked_mul(1 << 20).ok_or_else(|| invalid(key, format!("{mb} MiB is more than this machine can address")))
}

/// Every `[plugin.<name>]`; its limits may only lower the runtime's.
pub(super) fn settings(
    files: &BTreeMap<PluginName, PluginSettingsFile>,
    sandbox: &SandboxLimits,
    base: &Path,
) -> Result<BTreeMap<PluginName, PluginSettings>, ConfigError> {
    let one = |(name, ps): (&PluginName, &PluginSettingsFile)| {
        let key = format!("plugin.{name}");
        let settings = PluginSettings {
            config: plugin_config(&key, ps, base)?,
            failure_policy: ps.failure_policy.unwrap_or_default(),
            limits: plugin_limits(&key, ps, sandbox)?,
        };
        Ok((name.clone(), settings))
    };
    files.iter().map(one).collect()
}

/// The text a plugin reads: `config` or the contents of `config_file`, not both.
fn plugin_config(key: &str, ps: &PluginSettingsFile, base: &Path) -> Result<Arc<str>, ConfigError> {
    match (&ps.config, &ps.config_file) {
        (Some(_), Some(_)) => Err(invalid(key, "give config or config_file, not both")),
        (Some(text), None) => Ok(text.as_str().into()),
        (None, Some(f)) => std::fs::read_to_string(base.join(f))
            .map(Into::into)
            .map_err(|e| invalid(format!("{key}.config_file"), e.to_string())),
        (None, None) => Ok("".into()),
    }
}

/// A plugin's own deadline and memory cap: each from 1 to the runtime's.
fn plugin_limits(key: &str, ps: &PluginSettingsFile, sandbox: &SandboxLimits) -> Result<PluginLimits, ConfigError> {
    let max_ms = sandbox.deadline.as_millis() as u64;
    let deadline = match ps.deadline_ms {
        Some(ms) if ms == 0 || ms > max_ms => {
            return Err(invalid(format!("{key}.deadline_ms"), format!("must be 1 to plugins.deadline_ms ({max_ms})")));
        }
        other => other.map(Duration::from_millis),
    };
    let max_mb = sandbox.memory_bytes >> 20;
    let memory_bytes = match ps.memory_mb {
        Some(mb) if mb == 0 || mb > max_mb => {
            return Err(invalid(format!("{key}.memory_mb"), format!("must be 1 to plugins.memory_mb ({max_mb})")));
        }
        other => other.map(|mb| mb << 20),
    };
    Ok(PluginLimits { deadline, memory_bytes })
}

/// Warnings for settings of plugins that no tenant's chain names.
pub(super) fn unused(settings: &BTreeMap<PluginName, PluginSettings>, tenants: &[Arc<Tenant>]) -> Vec<String> {
    let used = |name: &PluginName| tenants.iter().any(|t| t.plugins.contains(name));
    settings.keys().filter(|n| !used(n)).map(|n| format!("plugin.{n}: no tenant uses plugin {n}")).collect()
}

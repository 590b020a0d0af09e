//! Shared test support: the built plugin components, a runtime sized for tests, and
//! message fixtures (ours and the ones shipped inside the mail-parser crate). Every test
//! talks SMTP through [`smtp_client::Client`], delivers to a [`sink::Sink`], runs the
//! relay in process with [`test_relay::TestRelay`] or as the `mxr serve` binary with
//! [`serve::Served`], builds its config with [`test_relay`]'s TOML helpers, waits
//! with [`wait`], reads metrics with [`exposition`] (and the real promtool), drives
//! the console in headless Chromium with [`browser::Browser`], and forges audit logs
//! with the node key as an insider could ([`forge`]).

pub mod browser;
pub mod canary;
pub mod canary_places;
pub mod corpus;
pub mod dkim;
pub mod dns;
pub mod every_view;
pub mod exposition;
pub mod fixtures;
pub mod forge;
pub mod http;
pub mod leak;
pub mod serve;
pub mod sink;
pub mod smtp_client;
pub mod test_relay;
pub mod timing;
pub mod tls;
pub mod wait;

pub use wait::{LIVENESS, wait_for, wait_until, wait_until_async};

use mxr_mail::Envelope;
use mxr_privacy::Pseudonymizer;
use mxr_sandbox::{CallInput, PluginRuntime, RuntimeConfig, SandboxLimits};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The `.wasm` file of a plugin crate built by build.rs (`spam-score` → `spam_score.wasm`).
pub fn component(crate_name: &str) -> PathBuf {
    let path = PathBuf::from(env!("MXR_COMPONENTS_DIR")).join(format!("{}.wasm", crate_name.replace('-', "_")));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Copies the named plugin crates' components into a relay's plugins folder.
pub fn install_plugins(dir: &Path, plugins: &[&str]) {
    std::fs::create_dir_all(dir).unwrap();
    for p in plugins {
        std::fs::copy(component(p), dir.join(format!("{}.wasm", p.replace('-', "_")))).unwrap();
    }
}

/// A runtime with a small pool and test-friendly limits.
pub fn runtime() -> Arc<PluginRuntime> {
    runtime_with(SandboxLimits {
        deadline: Duration::from_millis(300),
        memory_bytes: 32 << 20,
        ..SandboxLimits::default()
    })
}

/// A runtime with the given limits and four plugin workers, whatever the machine.
pub fn runtime_with(limits: SandboxLimits) -> Arc<PluginRuntime> {
    runtime_with_workers(limits, 4)
}

/// A runtime with the given limits and number of plugin workers.
pub fn runtime_with_workers(limits: SandboxLimits, workers: usize) -> Arc<PluginRuntime> {
    let config = RuntimeConfig { limits, max_instances: 16, workers, ..RuntimeConfig::default() };
    PluginRuntime::new(config).expect("runtime")
}

/// A call input for a message, under `grant`, with a fixed test key.
pub fn input(grant: mxr_privacy::Grant, purpose: &str, raw: &[u8], config: &str) -> CallInput {
    let envelope = Envelope {
        client_ip: Some("192.0.2.44".parse().unwrap()),
        helo: Some("mx.sender.test".into()),
        mail_from: Some("alice@sender.test".into()),
        rcpts: vec!["bob@example.test".into()],
        ..Envelope::default()
    };
    CallInput {
        envelope: Arc::new(envelope),
        message: Some(Arc::new(mxr_privacy::ScannedMail::parse(raw))),
        grant,
        pseudonyms: Arc::new(Pseudonymizer::derive(&[3; 32], purpose)),
        config: Arc::from(config),
        limits: Default::default(),
        party: Arc::from("test"),
    }
}

/// A plain, clean test message.
pub const CLEAN: &[u8] = b"From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nSubject: Lunch on Friday\r\n\
Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <1@sender.test>\r\n\r\nShall we meet at noon?\r\n";

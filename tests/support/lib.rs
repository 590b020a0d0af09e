//! Shared test support: the built plugin components, a runtime sized for tests, and
//! message fixtures (ours and the ones shipped inside the mail-parser crate).

pub mod canary;
pub mod fixtures;
pub mod sink;
pub mod smtp_client;
pub mod test_relay;
pub mod timing;

use mxr_mail::Envelope;
use mxr_privacy::Pseudonymizer;
use mxr_sandbox::{CallInput, PluginRuntime, RuntimeConfig, SandboxLimits};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The `.wasm` file of a plugin crate built by build.rs (`spam-score` → `spam_score.wasm`).
pub fn component(crate_name: &str) -> PathBuf {
    let path = PathBuf::from(env!("MXR_COMPONENTS_DIR")).join(format!("{}.wasm", crate_name.replace('-', "_")));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// A runtime with a small pool and test-friendly limits.
pub fn runtime() -> Arc<PluginRuntime> {
    runtime_with(SandboxLimits {
        deadline: Duration::from_millis(300),
        memory_bytes: 32 << 20,
        ..SandboxLimits::default()
    })
}

/// A runtime with the given limits.
pub fn runtime_with(limits: SandboxLimits) -> Arc<PluginRuntime> {
    PluginRuntime::new(RuntimeConfig { limits, max_instances: 16, ..RuntimeConfig::default() }).expect("runtime")
}

/// A call input for a message, under `grant`, with a fixed test key.
pub fn input(grant: mxr_privacy::Grant, purpose: &str, raw: &[u8], config: &str) -> CallInput {
    let envelope = Envelope {
        client_ip: Some("192.0.2.44".parse().unwrap()),
        helo: Some("mx.sender.test".into()),
        mail_from: Some("alice@sender.test".into()),
        rcpts: vec!["bob@example.test".into()],
    };
    CallInput {
        envelope: Arc::new(envelope),
        message: Some(Arc::new(mxr_privacy::ScannedMail::parse(raw))),
        grant,
        pseudonyms: Arc::new(Pseudonymizer::derive(&[3; 32], purpose)),
        config: Arc::from(config),
        limits: Default::default(),
    }
}

/// A plain, clean test message.
pub const CLEAN: &[u8] = b"From: Alice <alice@sender.test>\r\nTo: bob@example.test\r\nSubject: Lunch on Friday\r\n\
Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <1@sender.test>\r\n\r\nShall we meet at noon?\r\n";

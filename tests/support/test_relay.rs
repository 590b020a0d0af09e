//! A real relay for tests: its own data dir, the chosen plugin components, a listener
//! on `127.0.0.1:0`, and a stop switch.

use crate::smtp_client::{Client, Reply};
use mxr::Relay;
use mxr_config::validate;
use mxr_store::quarantine::QuarantineRecord;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Where a test tenant's mail goes.
#[derive(Clone, Copy, Debug)]
pub enum NextHop<'a> {
    /// The Maildir under the data dir (`maildir/<tenant>`), or at this path.
    Maildir(Option<&'a str>),
    /// SMTP to this address (a [`crate::sink::Sink`]), with `tls` = "none",
    /// "opportunistic" or "required"; region "nl".
    Smtp(SocketAddr, &'a str),
    /// The MX hosts of this domain (kind "mx"), without TLS; region "nl". The port is
    /// the config's `delivery.mx_port`.
    Mx(&'a str),
}

/// A tenant block for a test config: `(plugin, purpose)` pairs in chain order,
/// delivering into its Maildir under the data dir.
pub fn tenant_toml(id: &str, domain: &str, plugins: &[(&str, &str)]) -> String {
    tenant_toml_via(id, domain, plugins, NextHop::Maildir(None))
}

/// Like [`tenant_toml`], delivering to `next_hop`.
pub fn tenant_toml_via(id: &str, domain: &str, plugins: &[(&str, &str)], next_hop: NextHop) -> String {
    let names: Vec<String> = plugins.iter().map(|(p, _)| format!("{p:?}")).collect();
    let mut t = format!("[[tenant]]\nid = {id:?}\ndomains = [{domain:?}]\nplugins = [{}]\n", names.join(", "));
    t.push_str("[tenant.authorise]\n");
    for (p, purpose) in plugins {
        t.push_str(&format!("{p} = {purpose:?}\n"));
    }
    t.push_str("[tenant.next_hop]\n");
    match next_hop {
        NextHop::Maildir(None) => t.push_str("kind = \"maildir\"\n"),
        NextHop::Maildir(Some(path)) => t.push_str(&format!("kind = \"maildir\"\npath = {path:?}\n")),
        NextHop::Smtp(addr, tls) => t.push_str(&format!(
            "kind = \"smtp\"\nhost = \"{}\"\nport = {}\ntls = \"{tls}\"\nregion = \"nl\"\n",
            addr.ip(),
            addr.port()
        )),
        NextHop::Mx(domain) => {
            t.push_str(&format!("kind = \"mx\"\ndomain = {domain:?}\ntls = \"none\"\nregion = \"nl\"\n"))
        }
    }
    t
}

/// The server part of a test config, with `limits` lines added under `[server.limits]`.
pub fn server_toml(limits: &str) -> String {
    server_toml_with("", limits)
}

/// Like [`server_toml`], with `server` lines (such as `master_key = ...`) added under
/// `[server]`.
pub fn server_toml_with(server: &str, limits: &str) -> String {
    format!(
        "version = 1\n[server]\nhostname = \"mx.test\"\nregion = \"nl\"\ndrain_secs = 10\n{server}[server.tls]\nself_signed = true\n[server.limits]\n{limits}\n"
    )
}

/// Hermetic DNS for a config a test validated: naming no servers, it asks an empty
/// server of its own (no `.test` name exists; anything else is refused, at once). A
/// test that reloads a file applies it too, so the reload changes no `[dns]`.
pub fn hermetic(config: &mut mxr_config::Config) {
    if config.dns.servers.is_empty() {
        config.dns.servers = vec![crate::dns::TestDns::empty().addr];
    }
}

/// A running relay.
pub struct TestRelay {
    /// Where it listens.
    pub addr: SocketAddr,
    /// The relay.
    pub relay: Arc<Relay>,
    /// Its data dir (kept alive with the relay).
    pub dir: tempfile::TempDir,
    /// Where the HTTP API listens, when the config has `[api]`.
    pub api_addr: Option<SocketAddr>,
    generation: u64,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    api_task: Option<JoinHandle<std::io::Result<()>>>,
}

/// The `[api]` table a test config adds to serve the API (on a free port).
pub const API_TOML: &str = "[api]\nlisten = \"127.0.0.1:0\"\n";

impl TestRelay {
    /// Starts a relay from config text (no `data_dir`: a temp dir is used) with the
    /// named plugin crates' components in its plugins folder.
    pub async fn start(config: &str, plugins: &[&str]) -> TestRelay {
        Self::start_in(tempfile::tempdir().unwrap(), config, plugins).await
    }

    /// Like [`TestRelay::start`], in an existing folder (to restart on the same data).
    pub async fn start_in(dir: tempfile::TempDir, config: &str, plugins: &[&str]) -> TestRelay {
        Self::start_tuned(dir, config, plugins, |_| {}).await
    }

    /// Like [`TestRelay::start_in`], with `tune` applied to the validated config
    /// (for what the config file does not offer, such as output caps).
    pub async fn start_tuned(
        dir: tempfile::TempDir,
        config: &str,
        plugins: &[&str],
        tune: impl FnOnce(&mut mxr_config::Config),
    ) -> TestRelay {
        let (mut config, _warnings) = validate(config, dir.path()).unwrap_or_else(|e| panic!("test config: {e}"));
        hermetic(&mut config);
        tune(&mut config);
        crate::install_plugins(&config.plugins.dir, plugins);
        let relay = Relay::start(config).unwrap_or_else(|e| panic!("relay: {e}"));
        let listener = mxr_smtp::server::listen("127.0.0.1:0".parse().unwrap()).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(mxr_smtp::server::run(listener, relay.inbound.clone(), async move {
            let _ = stopped.await;
        }));
        let generation = relay.registry.snapshot().generation;
        let (api_addr, api_task) = match &relay.config.api {
            Some(api) => {
                let listener = tokio::net::TcpListener::bind(api.listen).await.unwrap();
                let bound = listener.local_addr().unwrap();
                let scheme = if relay.api_tls.is_some() { "https" } else { "http" };
                relay.digests.set_console_url(&format!("{scheme}://{bound}/"));
                let serving = mxr_api::serve(listener, relay.api_tls.clone(), relay.api(), std::future::pending());
                (Some(bound), Some(tokio::spawn(serving)))
            }
            None => (None, None),
        };
        TestRelay { addr, relay, dir, api_addr, generation, stop: Some(stop), task: Some(task), api_task }
    }

    /// A new API token for `scope` (`operator` or `tenant:<id>`): its secret.
    pub fn token(&self, scope: &str) -> String {
        let scope = scope.parse().expect("a scope");
        self.relay.tenants.create_token(&mxr_tenants::Actor::Relay, scope, "test").expect("a token").secret
    }

    /// One API request with `token`; the relay must serve the API.
    /// Over HTTPS (trusting the relay's self-signed pair) when the config has
    /// `[api.tls]`.
    pub async fn api(&self, method: &str, path: &str, token: Option<&str>, body: Option<&str>) -> crate::http::Answer {
        let addr = self.api_addr.expect("the config has [api]");
        match &self.relay.api_tls {
            Some(_) => {
                let ca = self.relay.config.data_dir.join("tls/cert.pem");
                crate::http::request_tls(addr, &ca, method, path, token, body).await
            }
            None => crate::http::request(addr, method, path, token, body).await,
        }
    }

    /// Sends the quarantine digests due `later` from now (as the relay's minute task
    /// does at that time); the tenants one went out for.
    pub fn send_digests(&self, later: std::time::Duration) -> Vec<String> {
        self.relay.digests.send_due(unix_now() + later.as_secs())
    }

    /// A connected client past the greeting and EHLO.
    pub async fn client(&self) -> Client {
        let (mut c, greeting) = Client::connect(self.addr).await;
        greeting.assert_code(220, "");
        c.ehlo("client.test").await.assert_code(250, "");
        c
    }

    /// Like [`TestRelay::client`], from another local address (another client as
    /// far as per-address limits go).
    pub async fn client_from(&self, from: &str) -> Client {
        let (mut c, greeting) = Client::connect_from(self.addr, from.parse().expect("an IP address")).await;
        greeting.assert_code(220, "");
        c.ehlo("client.test").await.assert_code(250, "");
        c
    }

    /// The data dir.
    pub fn data_dir(&self) -> PathBuf {
        self.relay.config.data_dir.clone()
    }

    /// Waits (a liveness bound, not a speed check) until the spool is empty: every
    /// accepted copy has been delivered.
    pub fn wait_for_delivery(&self) {
        let spool = self.data_dir().join("spool");
        crate::wait_until(crate::LIVENESS, "every copy to leave the spool", || spooled(&spool) == 0);
    }

    /// The messages delivered to a tenant's Maildir, oldest first (after the spool drained).
    pub fn delivered(&self, tenant: &str) -> Vec<Vec<u8>> {
        self.wait_for_delivery();
        let dir = self.data_dir().join("maildir").join(tenant).join("new");
        let mut files: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }

    /// A tenant's quarantined messages with their records, opened with its key.
    pub fn quarantined(&self, tenant: &str) -> Vec<(Vec<u8>, QuarantineRecord)> {
        let q = &self.relay.quarantine;
        q.list(tenant).unwrap().into_iter().map(|r| (q.message(tenant, &r.queue_id).unwrap(), r)).collect()
    }

    /// Stops the relay and hands back its folder, to start again on the same data.
    pub async fn into_dir(mut self) -> tempfile::TempDir {
        self.stop().await;
        let TestRelay { dir, relay, .. } = self;
        drop(relay);
        dir
    }

    /// Asks the server to stop; returns once it has drained. Then checks the audit
    /// log, as every test that stops a relay thereby does: it verifies intact, and it
    /// holds one record for every plugin invocation (counted by the plugins' own
    /// statistics, independently of the audit code).
    pub async fn stop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(api) = self.api_task.take() {
            api.abort();
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap().unwrap();
            self.relay.stop();
            self.check_audit();
        }
    }

    /// The audit records of disclosures and of actions on stored mail, in order
    /// (without tenant-state changes and copies' history entries).
    pub fn audit_records(&self) -> Vec<mxr_audit::AuditRecord> {
        let kept = |r: &mxr_audit::AuditRecord| {
            matches!(r.event, mxr_audit::Event::Disclosure(_) | mxr_audit::Event::Operator(_))
        };
        self.all_audit_records().into_iter().filter(kept).collect()
    }

    /// Every audit record, the tenant-state changes (seeding the store) included.
    pub fn all_audit_records(&self) -> Vec<mxr_audit::AuditRecord> {
        let path = mxr_audit::dir(&self.data_dir()).join("log");
        mxr_audit::log::read_records(&path).unwrap().into_iter().map(|e| e.record).collect()
    }

    fn check_audit(&self) {
        let keys = &self.relay.chain.keys;
        let key = mxr_audit::NodeSigner::from_seed(&keys.node_signing_seed().unwrap()).public();
        let report = mxr_audit::verify_dir(&self.data_dir(), &key).unwrap();
        assert!(report.intact(), "audit log: {:?}", report.findings);
        assert_eq!(report.unsigned, 0, "the stop signs a checkpoint over every record");
        let set = self.relay.registry.snapshot();
        if set.generation == self.generation {
            let calls: u64 = set.iter().map(|p| p.stats.snapshot().calls).sum();
            let disclosures =
                self.audit_records().iter().filter(|r| matches!(r.event, mxr_audit::Event::Disclosure(_))).count()
                    as u64;
            assert_eq!(disclosures, calls, "one audit record per plugin invocation");
        }
    }
}

/// The clock in Unix seconds.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// How many copies wait in a spool folder.
pub fn spooled(spool: &std::path::Path) -> usize {
    std::fs::read_dir(spool)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".msg"))
        .count()
}

/// The part of a delivered message after the headers mxr prepended: everything from
/// the first line that is not one of ours (the Maildir's Return-Path and
/// Delivered-To, our one Received with its folds, Authentication-Results, X-Mxr-*,
/// and the plugins' X- headers named in `plugin_headers`).
pub fn original_part<'a>(delivered: &'a [u8], plugin_headers: &[&str]) -> &'a [u8] {
    let mut at = 0;
    let mut in_ours = false;
    let mut received = false;
    while at < delivered.len() {
        let end = delivered[at..].windows(2).position(|w| w == b"\r\n").map_or(delivered.len(), |i| at + i + 2);
        let line = &delivered[at..end];
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        let name = line
            .split(|b| *b == b':')
            .next()
            .map(|n| String::from_utf8_lossy(n).to_ascii_lowercase())
            .unwrap_or_default();
        let trace = !received && (name == "return-path" || name == "delivered-to");
        let first_received = !received && name == "received";
        received |= first_received;
        let ours = trace
            || first_received
            || name == "authentication-results"
            || name.starts_with("x-mxr-")
            || plugin_headers.iter().any(|h| h.eq_ignore_ascii_case(&name));
        if ours || (continuation && in_ours) {
            in_ours = true;
            at = end;
        } else {
            break;
        }
    }
    &delivered[at..]
}

/// Shorthand for a reply's check in a chain of DSL calls.
pub fn codes(replies: &[Reply]) -> Vec<u16> {
    replies.iter().map(|r| r.code).collect()
}

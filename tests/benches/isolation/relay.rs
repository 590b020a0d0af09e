//! The relay under test: the release `mxr serve` as its own process, started by
//! [`Served`] on a config file written to a temp dir. Tenant A (`a.test`) runs the
//! case's plugins and delivers to its Maildir or to a next hop that never answers the
//! final dot; tenant B (`b.test`) runs `spam-score` and delivers to a [`Sink`].

use mxr_tests::serve::Served;
use mxr_tests::sink::{DotReply, Sink};
use mxr_tests::test_relay::{NextHop, server_toml, tenant_toml_via};

/// What tenant A runs, and where its mail goes.
#[derive(Clone, Copy, Default)]
pub struct TenantA {
    /// `(plugin, purpose)` in chain order.
    pub plugins: &'static [(&'static str, &'static str)],
    /// `[plugin.NAME]` sections for A's plugins.
    pub settings: &'static str,
    /// Deliver to a next hop that reads each message and never answers its final dot.
    pub hanging_hop: bool,
}

/// A running relay with B's sink (and A's hanging next hop). Dropping it kills the
/// relay (by its own handle), then stops the sinks and removes the temp dir.
pub struct Relay {
    /// The `mxr serve` process.
    pub served: Served,
    /// Tenant B's next hop.
    pub b_sink: Sink,
    /// Tenant A's next hop, when it hangs.
    pub a_sink: Option<Sink>,
    _dir: tempfile::TempDir,
}

impl Relay {
    /// Writes the config for tenant A as given and tenant B, installs the plugins, and
    /// starts the release binary on it.
    pub async fn start(a: TenantA) -> Relay {
        // `MXR_BENCH_DATA=/dev/shm` keeps the data dir off the disk: the cases measure
        // what one tenant does to another, and a disk that stalls now and then decides
        // a p99 by itself.
        let dir = match std::env::var_os("MXR_BENCH_DATA") {
            Some(parent) => tempfile::tempdir_in(parent),
            None => tempfile::tempdir(),
        }
        .expect("temp dir");
        let b_sink = Sink::start(None).await;
        let a_sink = if a.hanging_hop {
            let sink = Sink::start(None).await;
            *sink.dot.lock().unwrap() = DotReply::Never;
            Some(sink)
        } else {
            None
        };
        let a_hop = a_sink.as_ref().map_or(NextHop::Maildir(None), |s| NextHop::Smtp(s.addr, "none"));
        let b_plugins = [("spam-score", "spam-filtering")];
        // DNS on loopback (no name exists): B's latency measures isolation, not the
        // machine's resolver.
        let config = server_toml("")
            + &format!("[dns]\nservers = [\"{}\"]\n", mxr_tests::dns::TestDns::empty().addr)
            + a.settings
            + &tenant_toml_via("tenant-a", "a.test", a.plugins, a_hop)
            + &tenant_toml_via("tenant-b", "b.test", &b_plugins, NextHop::Smtp(b_sink.addr, "none"));
        let path = dir.path().join("mxr.toml");
        std::fs::write(&path, config).expect("write the config");
        let data = dir.path().join("data");
        let mut plugins: Vec<&str> = a.plugins.iter().map(|(p, _)| *p).collect();
        plugins.push("spam-score");
        mxr_tests::install_plugins(&data.join("plugins"), &plugins);
        let served = Served::start_configured(&binary(), &data, &path);
        Relay { served, b_sink, a_sink, _dir: dir }
    }

    /// An error naming `when` if the relay process has exited.
    pub fn check_alive(&mut self, when: &str) -> Result<(), String> {
        if self.served.running() { Ok(()) } else { Err(format!("the relay exited {when}")) }
    }
}

/// The release binary: `$MXR_BIN`, else `mxr` in the profile folder this bench was
/// built into (`<target>/release/deps/isolation-…` → `<target>/release/mxr`).
pub fn binary() -> String {
    if let Ok(bin) = std::env::var("MXR_BIN") {
        return bin;
    }
    let exe = std::env::current_exe().expect("own path");
    let bin = exe.parent().and_then(|deps| deps.parent()).expect("profile folder").join("mxr");
    assert!(bin.is_file(), "{} is missing: run `cargo build --release -p mxr` or set MXR_BIN", bin.display());
    bin.to_string_lossy().into_owned()
}

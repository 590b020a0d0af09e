//! `mxr serve`: run the relay until SIGTERM or ctrl-c, then drain.

use super::relay_args::RelayArgs;
use anyhow::Context;
use mxr::relay::Relay;
use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

/// Arguments of `mxr serve`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    relay: RelayArgs,
    /// Listen here instead of the config's addresses.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Serve the HTTP API and console here instead of at `[api] listen`.
    #[arg(long, value_name = "ADDR")]
    api_listen: Option<SocketAddr>,
}

/// Starts the relay on every listen address and serves until told to stop.
pub fn run(args: Args, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let mut config = args.relay.load(explicit_data_dir)?;
    if let Some(addr) = args.listen {
        config.listen = vec![addr];
    }
    if let (Some(addr), Some(api)) = (args.api_listen, config.api.as_mut()) {
        api.listen = addr;
    }
    // Before anything opens the stores: a second relay on the same data would re-queue
    // (and at start, clean up) the first one's spool files under it.
    let _pid_file = PidFile::take(&config.data_dir)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("mxr").build()?;
    runtime.block_on(async move {
        // Before the listen line: a stop signal sent once it is printed is never lost.
        let stop_signal = stop_signal();
        let relay = Relay::start(config)?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut servers = tokio::task::JoinSet::new();
        for addr in relay.config.listen.clone() {
            let listener = mxr_smtp::server::listen(addr).with_context(|| format!("listening on {addr}"))?;
            let mut stop = stop_rx.clone();
            let shutdown = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let bound = listener.local_addr()?;
            println!("mxr: listening on {bound} (data dir {})", relay.config.data_dir.display());
            tracing::info!(addr = %bound, plugins = relay.registry.snapshot().len(), "listening");
            servers.spawn(mxr_smtp::server::run(listener, relay.inbound.clone(), shutdown));
        }
        if let Some(api) = &relay.config.api {
            let listener = tokio::net::TcpListener::bind(api.listen)
                .await
                .with_context(|| format!("API listening on {}", api.listen))?;
            let bound = listener.local_addr()?;
            let scheme = if relay.api_tls.is_some() { "https" } else { "http" };
            relay.digests.set_console_url(&format!("{scheme}://{bound}/"));
            // Not println!: a closed stdout (a reader that took the first line) is no error.
            let _ = writeln!(
                std::io::stdout(),
                "mxr: console and API at {scheme}://{bound}/ (sign in with a token from `mxr tenant token create`)"
            );
            let mut stop = stop_rx.clone();
            let shutdown = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let (router, api_tls) = (relay.api(), relay.api_tls.clone());
            tokio::spawn(async move {
                if let Err(e) = mxr_api::serve(listener, api_tls, router, shutdown).await {
                    tracing::error!(error = %e, "the API listener stopped");
                }
            });
        }
        reload_on_hangup(&relay, &args.relay, explicit_data_dir, stop_signal).await;
        tracing::info!("stop requested");
        let _ = stop_tx.send(true);
        while let Some(done) = servers.join_next().await {
            done??;
        }
        relay.stop();
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The file under the data dir holding a serving relay's process id (`mxr reload`).
pub const PID_FILE: &str = "mxr.pid";

/// The data dir's [`PID_FILE`], locked (`flock`) for as long as this relay serves, so
/// that a second `mxr serve` on the same data refuses to start; removed when dropped.
/// The kernel drops the lock with the process, so a relay killed with SIGKILL leaves
/// no stale lock, only a stale number, which the next start overwrites.
struct PidFile {
    /// Holds the lock while open.
    _locked: std::fs::File,
    path: std::path::PathBuf,
}

impl PidFile {
    fn take(data_dir: &std::path::Path) -> anyhow::Result<PidFile> {
        use rustix::fs::{FlockOperation, flock};
        std::fs::create_dir_all(data_dir).with_context(|| data_dir.display().to_string())?;
        let path = data_dir.join(PID_FILE);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .with_context(|| path.display().to_string())?;
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            anyhow::bail!(
                "{} is in use by another mxr serve (process {}): two relays on one data dir would deliver each other's mail twice",
                data_dir.display(),
                holder.trim()
            );
        }
        file.set_len(0)
            .and_then(|()| writeln!(file, "{}", std::process::id()))
            .with_context(|| path.display().to_string())?;
        Ok(PidFile { _locked: file, path })
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reloads the config file on every SIGHUP until `stop` completes. A file that does
/// not validate is refused with its key named, and the running state stays.
#[cfg(unix)]
async fn reload_on_hangup(relay: &Relay, args: &RelayArgs, explicit_data_dir: bool, stop: impl Future<Output = ()>) {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup()).expect("SIGHUP handler");
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            _ = hup.recv() => {}
        }
        if args.config.is_none() {
            tracing::warn!("SIGHUP: no config file to reload (the ready default is running)");
            continue;
        }
        match args
            .load(explicit_data_dir)
            .map_err(|e| format!("{e:#}"))
            .and_then(|c| relay.reload(&c).map_err(|e| e.to_string()))
        {
            Ok(restart) if restart.is_empty() => tracing::info!("config reloaded"),
            Ok(restart) => {
                tracing::warn!(keys = ?restart, "config reloaded; changes to these keys take effect at the next restart")
            }
            Err(e) => tracing::error!(error = %e, "config refused on reload; the running state stays"),
        }
    }
}

/// Waits for `stop` (no SIGHUP elsewhere).
#[cfg(not(unix))]
async fn reload_on_hangup(_: &Relay, _: &RelayArgs, _: bool, stop: impl Future<Output = ()>) {
    stop.await
}

/// Installs the SIGTERM and SIGINT handlers now, and returns what waits for either.
#[cfg(unix)]
fn stop_signal() -> impl Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("SIGTERM handler");
    let mut int = signal(SignalKind::interrupt()).expect("SIGINT handler");
    async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
}

/// Waits for Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> impl Future<Output = ()> {
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

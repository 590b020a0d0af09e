//! `mxr serve`: run the relay until SIGTERM or ctrl-c, then drain.

use super::relay_args::RelayArgs;
use anyhow::Context;
use mxr::relay::Relay;
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
}

/// Starts the relay on every listen address and serves until told to stop.
pub fn run(args: Args, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let mut config = args.relay.load(explicit_data_dir)?;
    if let Some(addr) = args.listen {
        config.listen = vec![addr];
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().thread_name("mxr").build()?;
    runtime.block_on(async move {
        // Before the listen line: a stop signal sent once it is printed is never lost.
        let stop_signal = stop_signal();
        let relay = Relay::start(config)?;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut servers = tokio::task::JoinSet::new();
        for addr in relay.config.listen.clone() {
            let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
            let mut stop = stop_rx.clone();
            let shutdown = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let bound = listener.local_addr()?;
            relay.digests.set_console_url(&format!("http://{bound}/"));
            println!("mxr: listening on {bound} (data dir {})", relay.config.data_dir.display());
            tracing::info!(addr = %bound, plugins = relay.registry.snapshot().len(), "listening");
            servers.spawn(mxr_smtp::server::run(listener, relay.inbound.clone(), shutdown));
        }
        if let Some(api) = &relay.config.api {
            let listener = tokio::net::TcpListener::bind(api.listen)
                .await
                .with_context(|| format!("API listening on {}", api.listen))?;
            let bound = listener.local_addr()?;
            println!("mxr: console and API at http://{bound}/ (sign in with a token from `mxr tenant token create`)");
            let mut stop = stop_rx.clone();
            let shutdown = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            let router = relay.api();
            tokio::spawn(async move {
                if let Err(e) = mxr_api::serve(listener, router, shutdown).await {
                    tracing::error!(error = %e, "the API listener stopped");
                }
            });
        }
        stop_signal.await;
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

//! `mxr audit witness`: runs a witness for other nodes' audit logs (C2SP
//! `tlog-witness`), on another mxr node or on a tenant's own machine; and `mxr audit
//! vkey`: this node's log key, for a witness's `--log`.

use super::relay_args::RelayArgs;
use super::stored::keys;
use anyhow::Context;
use mxr_audit::NodeSigner;
use mxr_audit::note::{KeyName, NoteSigner, SigType};
use mxr_audit::witness::{Witness, key_seed};
use mxr_config::witness::{KeyKind, VerifierKey};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// What `mxr audit witness` runs.
#[derive(clap::Args, Debug)]
pub struct WitnessArgs {
    /// The witness's key name, a schema-less URL such as `witness.example.org/w1`.
    #[arg(long)]
    name: String,
    /// Its Ed25519 key (32 bytes), made on first use.
    #[arg(long, value_name = "FILE")]
    key: PathBuf,
    /// Where it keeps the newest checkpoint it cosigned for each log.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:7380")]
    listen: SocketAddr,
    /// A log to witness: its verifier key, as `mxr audit vkey` prints it (repeatable).
    #[arg(long = "log", value_name = "VKEY")]
    logs: Vec<String>,
    /// Print the witness's verifier key (for `[[audit.witness]].key`) and exit.
    #[arg(long)]
    print_key: bool,
}

/// Runs (or, with `--print-key`, names) a witness.
pub fn witness(args: WitnessArgs) -> anyhow::Result<ExitCode> {
    let name = KeyName::try_from(args.name.as_str()).with_context(|| format!("--name {:?}", args.name))?;
    let seed = key_seed(&args.key)?;
    let signer = NoteSigner::new(name, SigType::Cosignature, &seed);
    if args.print_key {
        println!("{}", signer.public().vkey());
        return Ok(ExitCode::SUCCESS);
    }
    let state = args.state.context("--state DIR is needed to run a witness")?;
    let mut logs = Vec::new();
    for l in &args.logs {
        let key = l.parse::<VerifierKey>().and_then(|k| k.of_kind(KeyKind::Ed25519));
        let key = key.with_context(|| format!("--log {l:?}"))?;
        logs.push(mxr::witness::note_key(&key).with_context(|| format!("--log {l:?}"))?);
    }
    anyhow::ensure!(!logs.is_empty(), "name at least one log to witness with --log VKEY");
    let witness = Arc::new(Witness::open(&state, signer, logs)?);
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen).await.with_context(|| format!("{}", args.listen))?;
        let addr = listener.local_addr()?;
        tracing::info!(key = %witness.key().vkey(), %addr, "witness listening");
        println!("witness {} listening on {addr}", witness.key().vkey());
        tokio::select! {
            served = mxr::witness::serve(listener, witness) => served.context("serving")?,
            _ = tokio::signal::ctrl_c() => {}
        }
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Prints this node's audit log verifier key (for a witness's `--log`).
pub fn vkey(relay: &RelayArgs, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let config = relay.load(explicit_data_dir)?;
    let seed = keys(&config)?.node_signing_seed()?;
    println!("{}", mxr_audit::node_note_key(&NodeSigner::from_seed(&seed).public()).vkey());
    Ok(ExitCode::SUCCESS)
}

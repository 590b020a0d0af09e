//! `mxr reload`: validates the config file, then asks the serving relay (its process
//! id is in `<data_dir>/mxr.pid`) to reload it with SIGHUP. A file that does not
//! validate is refused here, with the key named, and the relay is not disturbed.

use super::relay_args::RelayArgs;
use anyhow::{Context, bail};
use std::process::ExitCode;

/// Arguments of `mxr reload`.
#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    relay: RelayArgs,
}

/// Validates and signals.
pub fn run(args: Args, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    if args.relay.config.is_none() {
        bail!("give the relay's --config FILE: the ready default has no file to reload");
    }
    let config = args.relay.load(explicit_data_dir)?;
    let pid_file = config.data_dir.join(super::serve::PID_FILE);
    let text =
        std::fs::read_to_string(&pid_file).with_context(|| format!("{}: is the relay serving?", pid_file.display()))?;
    let pid: i32 = text.trim().parse().with_context(|| format!("{}: not a process id", pid_file.display()))?;
    let pid = rustix::process::Pid::from_raw(pid).context("not a process id")?;
    rustix::process::kill_process(pid, rustix::process::Signal::HUP)
        .with_context(|| format!("signalling process {pid:?} from {}", pid_file.display()))?;
    println!("config valid; relay {} asked to reload it (its log says what changed)", pid.as_raw_nonzero());
    Ok(ExitCode::SUCCESS)
}

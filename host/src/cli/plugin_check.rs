//! `mxr plugin check FILE.wasm`: validate a plugin and print its data label.

use super::{PolicyArg, local_runtime};
use mxr_host::plugin::LoadedPlugin;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mxr plugin check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The plugin component.
    file: PathBuf,
    #[command(flatten)]
    policy: PolicyArg,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// Loads the plugin exactly as the relay would; a refusal exits 1 with the reason.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = local_runtime(args.policy.policy.as_deref())?;
    let plugin = match LoadedPlugin::load_file(&runtime, &args.file) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("mxr: {} refused: {e}", args.file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let label = super::view_report::DataLabel::of(&plugin);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&label)?);
    } else {
        print!("{label}");
    }
    Ok(ExitCode::SUCCESS)
}

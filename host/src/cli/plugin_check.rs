//! `mxr plugin check FILE.wasm`: validate a plugin and print its data label.

use super::{PolicyArg, load_plugin};
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
    let Some((_runtime, plugin)) = load_plugin(&args.policy, &args.file)? else {
        return Ok(ExitCode::FAILURE);
    };
    let label = super::view_report::DataLabel::of(&plugin);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&label)?);
    } else {
        print!("{label}");
    }
    Ok(ExitCode::SUCCESS)
}

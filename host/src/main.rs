//! The `mxr` command: the relay and its operator and plugin-author tools.

mod cli;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    cli::init_logging(args.log_format, args.verbose);
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mxr: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

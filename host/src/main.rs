//! The `mxr` command: the relay and its operator and plugin-author tools.

mod cli;

use clap::{CommandFactory, FromArgMatches};

fn main() -> std::process::ExitCode {
    let matches = cli::Cli::command().get_matches();
    let explicit_data_dir = matches
        .subcommand()
        .and_then(|(_, m)| {
            m.try_get_one::<std::path::PathBuf>("data_dir").ok().flatten().and_then(|_| m.value_source("data_dir"))
        })
        .is_some_and(|s| s == clap::parser::ValueSource::CommandLine);
    let args = match cli::Cli::from_arg_matches(&matches) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    cli::init_logging(args.log_format, args.verbose);
    match cli::run(args, explicit_data_dir) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("mxr: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

//! The `mxr` command: the relay and its operator and plugin-author tools.

mod cli;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

/// True when `--data-dir` was given on the command line, at any subcommand depth.
fn data_dir_given(m: &ArgMatches) -> bool {
    let here = m.try_get_one::<std::path::PathBuf>("data_dir").ok().flatten().is_some()
        && m.value_source("data_dir") == Some(clap::parser::ValueSource::CommandLine);
    here || m.subcommand().is_some_and(|(_, sub)| data_dir_given(sub))
}

fn main() -> std::process::ExitCode {
    mxr::allocation::return_large_blocks();
    let matches = cli::Cli::command().get_matches();
    let explicit_data_dir = data_dir_given(&matches);
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

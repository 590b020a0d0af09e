//! Command-line parsing and dispatch for `mxr`.

mod audit;
mod audit_prove;
mod audit_witness;
mod check_config;
mod offboard;
mod plugin_check;
mod plugin_run;
mod relay_args;
mod reload;
mod reports;
mod serve;
mod stored;
mod subject;
mod tenant;
mod view_report;

use clap::{Parser, Subcommand, ValueEnum};
use mxr_privacy::PurposePolicy;
use mxr_sandbox::{LoadedPlugin, PluginRuntime, RuntimeConfig};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

/// mxr: an MX relay whose filters are sandboxed WebAssembly components.
#[derive(Parser, Debug)]
#[command(name = "mxr", version, about)]
pub struct Cli {
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Human, global = true)]
    pub log_format: LogFormat,
    /// More log output (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    command: Command,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    /// For people.
    Human,
    /// One JSON object per line.
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the relay (with no config: the ready-to-try default).
    Serve(serve::Args),
    /// Validate a config file.
    CheckConfig(check_config::Args),
    /// Validate the config file and have the serving relay reload it (SIGHUP).
    Reload(reload::Args),
    /// Tools for plugin authors.
    #[command(subcommand)]
    Plugin(PluginCommand),
    /// Mail waiting for delivery.
    #[command(subcommand)]
    Queue(stored::QueueCommand),
    /// Quarantined mail.
    #[command(subcommand)]
    Quarantine(stored::QuarantineCommand),
    /// The audit log of disclosures and operator actions.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Tenants in the live tenant store, and their API tokens.
    #[command(subcommand)]
    Tenant(tenant::TenantCommand),
    /// API tokens (the operator's included).
    #[command(subcommand)]
    Token(tenant::TokenCommand),
    /// Data-subject requests: find, export or erase a person's data (art. 7, 9).
    #[command(subcommand)]
    Subject(subject::SubjectCommand),
    /// Deletion certificates.
    #[command(subcommand)]
    Certificate(offboard::CertificateCommand),
    /// Breach notifications (art. 5).
    #[command(subcommand)]
    Breach(reports::BreachCommand),
    /// Which measures of art. 6.2 are in force on this node, each checked.
    Measures(reports::MeasuresArgs),
}

#[derive(Subcommand, Debug)]
enum PluginCommand {
    /// Validate a plugin component and show what data its purpose would get.
    Check(plugin_check::Args),
    /// Run every hook of a plugin on a message, locally, and show its verdict and view.
    Run(plugin_run::Args),
}

/// Sets up tracing on stderr; `RUST_LOG` overrides the level.
pub fn init_logging(format: LogFormat, verbose: u8) {
    use tracing_subscriber::EnvFilter;
    let default = match verbose {
        0 => "info,wasmtime=warn,cranelift=warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Human => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Runs the parsed command; `explicit_data_dir` says whether `--data-dir` was given.
pub fn run(cli: Cli, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve::run(args, explicit_data_dir),
        Command::CheckConfig(args) => check_config::run(args),
        Command::Reload(args) => reload::run(args, explicit_data_dir),
        Command::Queue(cmd) => stored::queue(cmd, explicit_data_dir),
        Command::Quarantine(cmd) => stored::quarantine(cmd, explicit_data_dir),
        Command::Audit(cmd) => audit::run(cmd, explicit_data_dir),
        Command::Tenant(cmd) => tenant::tenant(cmd, explicit_data_dir),
        Command::Token(cmd) => tenant::token(cmd, explicit_data_dir),
        Command::Subject(cmd) => subject::run(cmd, explicit_data_dir),
        Command::Certificate(cmd) => offboard::certificate(cmd, explicit_data_dir),
        Command::Breach(cmd) => reports::breach(cmd, explicit_data_dir),
        Command::Measures(args) => reports::measures(args, explicit_data_dir),
        Command::Plugin(PluginCommand::Check(args)) => plugin_check::run(args),
        Command::Plugin(PluginCommand::Run(args)) => plugin_run::run(args),
    }
}

/// A runtime for one-off local use: the given policy, no cache.
fn local_runtime(policy: Arc<PurposePolicy>) -> anyhow::Result<Arc<PluginRuntime>> {
    let config = RuntimeConfig { policy, max_instances: 4, ..RuntimeConfig::default() };
    Ok(PluginRuntime::new(config)?)
}

/// Loads a plugin exactly as the relay would, under `policy`. A refusal is printed
/// with the file and the reason, and gives `None`.
fn load_plugin(policy: Arc<PurposePolicy>, file: &Path) -> anyhow::Result<Option<(Arc<PluginRuntime>, LoadedPlugin)>> {
    let runtime = local_runtime(policy)?;
    match LoadedPlugin::load_file(&runtime, file) {
        Ok(p) => Ok(Some((runtime, p))),
        Err(e) => {
            eprintln!("mxr: {} refused: {e}", file.display());
            Ok(None)
        }
    }
}

/// The `--policy` option shared by the plugin commands.
#[derive(clap::Args, Debug)]
struct PolicyArg {
    /// A purpose policy file instead of the shipped default.
    #[arg(long, value_name = "FILE")]
    policy: Option<PathBuf>,
}

impl PolicyArg {
    /// The `--policy` file, read and validated; without one, `otherwise` (a config's
    /// policy) or else the shipped default.
    fn load(&self, otherwise: Option<Arc<PurposePolicy>>) -> anyhow::Result<Arc<PurposePolicy>> {
        Ok(match (&self.policy, otherwise) {
            (Some(path), _) => {
                Arc::new(PurposePolicy::load(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?)
            }
            (None, Some(policy)) => policy,
            (None, None) => Arc::new(PurposePolicy::default_policy()),
        })
    }
}

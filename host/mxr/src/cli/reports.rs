//! `mxr breach report` and `mxr measures`: the draft breach notification of art. 5.5
//! and the checked statement of measures of art. 2.2 and 6.2, made by `mxr-ops`.

use super::relay_args::RelayArgs;
use super::subject::{node, tenant_id};
use anyhow::Context;
use mxr_config::TenantId;
use mxr_ops::{breach, measures};
use std::process::ExitCode;

/// `mxr breach …`.
#[derive(clap::Subcommand, Debug)]
pub enum BreachCommand {
    /// Draft the notification to the controller with every field of art. 5.5, filled
    /// from the audit log where it can be, in Dutch and English.
    Report(BreachArgs),
}

/// What `mxr breach report` takes.
#[derive(clap::Args, Debug)]
pub struct BreachArgs {
    /// The tenant (controller) whose data is concerned.
    #[arg(long, value_parser = tenant_id)]
    tenant: TenantId,
    /// The start of the period: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or epoch seconds.
    #[arg(long, value_name = "TIME")]
    from: String,
    /// The end of the period (inclusive), same formats.
    #[arg(long, value_name = "TIME")]
    to: String,
    /// When the breach became known (default now): the 24 hours run from here.
    #[arg(long, value_name = "TIME")]
    known: Option<String>,
    /// The (suspected) cause.
    #[arg(long)]
    cause: Option<String>,
    /// Measures taken or proposed.
    #[arg(long)]
    measures: Option<String>,
    /// Contact details for follow-up.
    #[arg(long)]
    contact: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    relay: RelayArgs,
}

/// What `mxr measures` takes.
#[derive(clap::Args, Debug)]
pub struct MeasuresArgs {
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    relay: RelayArgs,
}

fn time(name: &str, v: &str) -> anyhow::Result<u64> {
    mxr_mail::date::parse_utc(v)
        .with_context(|| format!("--{name} {v:?}: expected YYYY-MM-DD[THH:MM:SSZ] or epoch seconds"))
}

/// Runs a breach command.
pub fn breach(cmd: BreachCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let BreachCommand::Report(a) = cmd;
    let node = node(&a.relay.load(explicit_data_dir)?)?;
    let incident = breach::Incident {
        tenant: a.tenant,
        from: time("from", &a.from)?,
        to: time("to", &a.to)?,
        known: a.known.as_deref().map(|k| time("known", k)).transpose()?.unwrap_or_else(mxr_ops::now),
        cause: a.cause,
        measures: a.measures,
        contact: a.contact,
    };
    let report = breach::draft(&node, &incident)?;
    match a.json {
        true => println!("{}", serde_json::to_string_pretty(&report)?),
        false => print!("{}", breach::text(&report)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The tenants as the relay serves them: from the live tenant store once the relay
/// has made one (read only), else the config file's.
fn live_tenants(config: &mxr_config::Config) -> anyhow::Result<Vec<std::sync::Arc<mxr_config::Tenant>>> {
    use mxr_tenants::TenantStore;
    let db = config.data_dir.join(mxr_tenants::DB_FILE);
    if !db.is_file() {
        return Ok(config.tenants.clone());
    }
    let stored = mxr_tenants::SqliteStore::open_read_only(&db)?.load()?;
    let key = |i: usize| format!("{}: tenant {i}", db.display());
    let (tenants, _) = mxr_config::validate_tenants(&stored.tenants, &config.data_dir, &config.plugins.policy, &key)?;
    Ok(tenants)
}

/// Runs `mxr measures`: exit status 1 when a measure failed its check.
pub fn measures(a: MeasuresArgs, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let mut config = a.relay.load(explicit_data_dir)?;
    config.tenants = live_tenants(&config)?;
    let all = measures::check(&node(&config)?, &config)?;
    match a.json {
        true => println!("{}", serde_json::to_string_pretty(&all)?),
        false => print!("{}", measures::text(&all)),
    }
    let failed = all.iter().any(|m| m.status == measures::Status::Failed);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

//! `mxr plugin check FILE.wasm [--config C --tenant T] [--settings S]`: validate a
//! plugin and print its data label; with a tenant, also whether it runs for that
//! tenant and the grant table after the tenant's tightening; with a settings file,
//! whether the plugin's own check accepts it (exit 1 when it does not).

use super::{PolicyArg, load_plugin};
use mxr_config::Config;
use mxr_privacy::{Category, Form};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mxr plugin check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The plugin component.
    file: PathBuf,
    #[command(flatten)]
    policy: PolicyArg,
    /// A relay config: its purpose policy applies (unless `--policy` is given).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// With `--config`: the tenant whose authorisation and tightening apply.
    #[arg(long, requires = "config")]
    tenant: Option<String>,
    /// A settings text to ask the plugin's own check about, as the API does before
    /// it stores a tenant's settings.
    #[arg(long, value_name = "FILE")]
    settings: Option<PathBuf>,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

/// What a plugin gets for one tenant.
#[derive(Serialize)]
struct TenantGrant {
    tenant: String,
    /// The purpose the tenant authorised for this plugin, if any.
    authorised: Option<String>,
    /// True when the plugin runs for the tenant (authorised for its declared purpose).
    runs: bool,
    /// Category → (policy form, form after the tenant's tightening).
    grant: Vec<(Category, Form, Form)>,
}

/// Loads the plugin exactly as the relay would; a refusal exits 1 with the reason.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => Some(Config::load(path).map_err(|e| anyhow::anyhow!("config {}: {e}", path.display()))?.0),
        None => None,
    };
    let policy = args.policy.load(config.as_ref().map(|c| c.plugins.policy.clone()))?;
    let Some((_runtime, plugin)) = load_plugin(policy, &args.file)? else {
        return Ok(ExitCode::FAILURE);
    };
    let label = super::view_report::DataLabel::of(&plugin);
    let tenant = match (&config, &args.tenant) {
        (Some(config), Some(id)) => {
            let Some(t) = config.tenants.iter().find(|t| &t.id == id) else {
                anyhow::bail!("no tenant {id:?} in the config");
            };
            let name = plugin.manifest.name.as_str();
            let decided = t.grant_for(name, &plugin.manifest.purpose, plugin.grant);
            // Shown even when it does not run: what it would get once it does.
            let tightened = t.tighten.get(name).map_or(plugin.grant, |o| plugin.grant.tighten(o));
            Some(TenantGrant {
                tenant: id.clone(),
                runs: decided.is_ok(),
                authorised: t.authorise.get(name).cloned(),
                grant: Category::ALL.into_iter().map(|c| (c, plugin.grant.form(c), tightened.form(c))).collect(),
            })
        }
        _ => None,
    };
    if args.json {
        let mut json = serde_json::to_value(&label)?;
        if let Some(t) = &tenant {
            json["tenant"] = serde_json::to_value(t)?;
        }
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{label}");
    if let Some(t) = tenant {
        print_tenant(&t, &plugin.manifest.purpose);
    }
    match &args.settings {
        Some(path) => check_settings(&plugin, path),
        None => Ok(ExitCode::SUCCESS),
    }
}

/// Asks the plugin's settings check about the text in `path`.
fn check_settings(plugin: &mxr_sandbox::LoadedPlugin, path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| anyhow::anyhow!("--settings {}: {e}", path.display()))?;
    println!();
    if !plugin.checks_settings() {
        println!("settings: the plugin has no settings check; any text is taken as given");
        return Ok(ExitCode::SUCCESS);
    }
    match plugin.check_settings(&text) {
        Ok(()) => {
            println!("settings: accepted by the plugin's check");
            Ok(ExitCode::SUCCESS)
        }
        Err(refused) => {
            println!("settings: refused: {refused}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn print_tenant(t: &TenantGrant, purpose: &str) {
    println!();
    match (&t.authorised, t.runs) {
        (_, true) => println!("tenant {}: authorised for {purpose}; it runs", t.tenant),
        (Some(other), false) if other != purpose => {
            println!("tenant {}: authorised for {other}, not {purpose}: it does NOT run", t.tenant)
        }
        (Some(_), false) => println!("tenant {}: authorised, but not in the tenant's chain: it does NOT run", t.tenant),
        (None, _) => println!("tenant {}: not authorised: it does NOT run", t.tenant),
    }
    println!("  {:<20} {:<10} for this tenant", "category", "policy");
    for (c, policy, tenant) in &t.grant {
        let note = if policy != tenant { "  (tightened)" } else { "" };
        println!("  {:<20} {:<10} {}{note}", c.name(), policy.name(), tenant.name());
    }
}

//! `mxr check-config FILE`: validate a config, and warn about plugins that a tenant
//! names but the plugins folder does not provide.

use anyhow::Context;
use mxr_config::{Config, NotRun};
use mxr_sandbox::{PluginRegistry, PluginRuntime, RuntimeConfig};
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `mxr check-config`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The config file.
    file: PathBuf,
}

/// Exits 1 with the error (naming the key) for a bad config; prints warnings otherwise.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let (config, mut warnings) = match Config::load(&args.file) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("mxr: {}: {e}", args.file.display());
            return Ok(ExitCode::FAILURE);
        }
    };
    let policy = config.plugins.policy.clone();
    let runtime = PluginRuntime::new(RuntimeConfig { policy, max_instances: 4, ..RuntimeConfig::default() })
        .context("plugin runtime")?;
    let registry = PluginRegistry::open(runtime, &config.plugins.dir);
    let set = registry.snapshot();
    for (path, why) in registry.refused_files() {
        warnings.push(format!("plugins.dir: {} is refused: {why}", path.display()));
    }
    for (i, t) in config.tenants.iter().enumerate() {
        for (j, name) in t.plugins.iter().enumerate() {
            match set.get(name) {
                None => warnings.push(format!(
                    "tenant[{i}].plugins[{j}]: no loaded plugin is named {name} (in {}); its failure policy will apply",
                    config.plugins.dir.display()
                )),
                Some(p) => {
                    if let Err(NotRun::OtherPurpose { authorised }) = t.grant_for(name, &p.manifest.purpose, p.grant) {
                        warnings.push(format!(
                            "tenant[{i}].authorise.{name}: authorises {authorised}, but {} declares {}; it will not run",
                            p.identity, p.manifest.purpose
                        ))
                    }
                }
            }
        }
    }
    for w in &warnings {
        println!("warning: {w}");
    }
    println!(
        "{}: ok ({} tenants, {} plugins loaded, {} warnings)",
        args.file.display(),
        config.tenants.len(),
        set.len(),
        warnings.len()
    );
    Ok(ExitCode::SUCCESS)
}

//! `--config FILE` / `--data-dir DIR`: how every command that works on a relay's data
//! finds it, the same way everywhere.

use anyhow::Context;
use mxr_config::Config;
use std::path::PathBuf;

/// Which relay's data a command works on.
#[derive(clap::Args, Debug, Clone)]
pub struct RelayArgs {
    /// The relay's config file; without one, the ready-to-try default.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data directory (overrides the config's `server.data_dir`).
    #[arg(long, value_name = "DIR", default_value = "./mxr-data")]
    pub data_dir: PathBuf,
}

impl RelayArgs {
    /// The config: the file's, or the ready default; `--data-dir` applied when given
    /// explicitly or when there is no file.
    pub fn load(&self, explicit_data_dir: bool) -> anyhow::Result<Config> {
        match &self.config {
            Some(path) => {
                let (mut config, warnings) =
                    Config::load(path).with_context(|| format!("config {}", path.display()))?;
                for w in warnings {
                    tracing::warn!("{w}");
                }
                if explicit_data_dir {
                    config.rebase_data_dir(&self.data_dir);
                }
                Ok(config)
            }
            None => Ok(Config::ready_default(Some(&self.data_dir), None)),
        }
    }
}

//! `mxr queue list|show` and `mxr quarantine list|show`: reading a relay's stored mail,
//! opened with its keys, whether or not the relay is running. Showing a waiting copy,
//! and showing, releasing or deleting a quarantined message, is recorded in the audit
//! log first.

use super::relay_args::RelayArgs;
use anyhow::{Context, bail};
use mxr_audit::OperatorVerb;
use mxr_config::Config;
use mxr_mail::ParsedMail;
use mxr_store::keys::KeyStore;
use mxr_store::quarantine::{Quarantine, QuarantineRecord};
use mxr_store::spool::Spool;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// `mxr queue …`.
#[derive(clap::Subcommand, Debug)]
pub enum QueueCommand {
    /// Every copy waiting for delivery.
    List(RelayArgs),
    /// One copy's envelope and headers.
    Show {
        /// Its queue id.
        id: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Retry everything waiting now (a running relay acts within a second).
    Flush(RelayArgs),
}

/// `mxr quarantine …`.
#[derive(clap::Subcommand, Debug)]
pub enum QuarantineCommand {
    /// A tenant's quarantined messages.
    List {
        /// The tenant.
        #[arg(long)]
        tenant: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// One message's record, headers and a text preview.
    Show {
        /// Its queue id.
        id: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Deliver a quarantined message to its recipients after all.
    Release {
        /// Its queue id.
        id: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Delete a quarantined message.
    Delete {
        /// Its queue id.
        id: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
}

pub(super) fn keys(config: &Config) -> anyhow::Result<Arc<KeyStore>> {
    let master = &config.master_key.path;
    if !master.is_file() {
        bail!("no master key at {}: is this the relay's data dir?", master.display());
    }
    Ok(Arc::new(KeyStore::open(&config.data_dir, master, false)?))
}

fn age(secs: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let s = now.saturating_sub(secs);
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

fn headers_of(message: &[u8]) -> String {
    let end = message.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(message.len().min(8192));
    String::from_utf8_lossy(&message[..end]).into_owned()
}

/// Runs a queue command.
pub fn queue(cmd: QueueCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let relay = match &cmd {
        QueueCommand::List(r) | QueueCommand::Show { relay: r, .. } | QueueCommand::Flush(r) => r,
    };
    let config = relay.load(explicit_data_dir)?;
    let keys = keys(&config)?;
    let spool = Spool::open(&config.data_dir, keys.clone())?;
    match cmd {
        QueueCommand::List(_) => {
            let entries = spool.entries();
            for (env, size) in &entries {
                println!(
                    "{:<28} {:<12} {:>6} {:>9} bytes {:>3} rcpts",
                    env.queue_id,
                    env.tenant,
                    age(env.received),
                    size,
                    env.rcpts.len()
                );
            }
            println!("{} in the queue", entries.len());
        }
        QueueCommand::Show { id, .. } => {
            let (env, message) = spool.read(&spool.path(&id)).with_context(|| format!("queue id {id}"))?;
            let mut subjects = vec![env.mail_from.as_str()];
            subjects.extend(env.rcpts.iter().map(String::as_str));
            let verb = OperatorVerb::QueueShow;
            super::audit::record_operator_action(&config, &keys, verb, &env.tenant, &env.queue_id, &subjects)?;
            println!(
                "queue id  {}\ntenant    {}\nreceived  {} ago\nfrom      <{}>",
                env.queue_id,
                env.tenant,
                age(env.received),
                env.mail_from
            );
            for r in &env.rcpts {
                println!("to        <{r}>");
            }
            println!("size      {} bytes\n\n{}", message.len(), headers_of(&message));
        }
        QueueCommand::Flush(_) => {
            let marker = spool.dir().join(mxr_delivery::FLUSH_MARKER);
            std::fs::write(&marker, b"").with_context(|| marker.display().to_string())?;
            println!("flush requested: a running relay retries everything waiting within a second");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Finds a quarantined message's record and writes the audit record of `verb` on it.
fn audited(
    config: &Config,
    keys: &KeyStore,
    q: &Quarantine,
    id: &str,
    verb: OperatorVerb,
) -> anyhow::Result<QuarantineRecord> {
    let tenant = q.tenant_of(id).with_context(|| format!("no quarantined message {id}"))?;
    let record = q.list(&tenant)?.into_iter().find(|r| r.queue_id == id).context("record")?;
    let mut subjects = vec![record.mail_from.as_str()];
    subjects.extend(record.rcpts.iter().map(String::as_str));
    super::audit::record_operator_action(config, keys, verb, &tenant, id, &subjects)?;
    Ok(record)
}

/// Runs a quarantine command.
pub fn quarantine(cmd: QuarantineCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let relay = match &cmd {
        QuarantineCommand::List { relay, .. }
        | QuarantineCommand::Show { relay, .. }
        | QuarantineCommand::Release { relay, .. }
        | QuarantineCommand::Delete { relay, .. } => relay,
    };
    let config = relay.load(explicit_data_dir)?;
    let keys = keys(&config)?;
    let q = Quarantine::new(&config.data_dir, keys.clone());
    match cmd {
        QuarantineCommand::List { tenant, .. } => {
            let records = q.list(&tenant)?;
            for r in &records {
                println!("{:<28} {:>6} {:<18} {:>6.1}  {}", r.queue_id, age(r.time), r.plugin, r.score, r.reason);
            }
            println!("{} quarantined for {tenant}", records.len());
        }
        QuarantineCommand::Show { id, .. } => {
            let record = audited(&config, &keys, &q, &id, OperatorVerb::QuarantineShow)?;
            let tenant = record.tenant.clone();
            let message = q.message(&tenant, &id)?;
            println!(
                "queue id  {}\ntenant    {}\nplugin    {}\nreason    {}\nscore     {:.1}\nheld      {} ago\nfrom      <{}>\nto        {}\n\n{}",
                record.queue_id,
                record.tenant,
                record.plugin,
                record.reason,
                record.score,
                age(record.time),
                record.mail_from,
                record.rcpts.join(", "),
                headers_of(&message)
            );
            let text = ParsedMail::parse(&message).text().unwrap_or_default().chars().take(600).collect::<String>();
            println!("\n--- text preview ---\n{text}");
        }
        QuarantineCommand::Release { id, .. } => {
            audited(&config, &keys, &q, &id, OperatorVerb::QuarantineRelease)?;
            let spool = Spool::open(&config.data_dir, keys)?;
            let env = q.release(&id, &spool)?;
            println!(
                "released {id} as {} to {} recipients; a running relay delivers it within a second",
                env.queue_id,
                env.rcpts.len()
            );
        }
        QuarantineCommand::Delete { id, .. } => {
            audited(&config, &keys, &q, &id, OperatorVerb::QuarantineDelete)?;
            q.delete(&id)?;
            println!("deleted {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

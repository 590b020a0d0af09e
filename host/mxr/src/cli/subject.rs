//! `mxr subject find|export|erase|requests`: data-subject requests (agreement art. 7
//! and 9) on a relay's data dir, carried out by `mxr-ops`. Each request gets an id and
//! a durable record of when it arrived and what was done when.

use super::relay_args::RelayArgs;
use anyhow::Context;
use mxr_config::{Config, TenantId};
use mxr_ops::request::{self, Request, RequestKind};
use mxr_ops::{Node, subject};
use std::path::PathBuf;
use std::process::ExitCode;

/// `mxr subject …`.
#[derive(clap::Subcommand, Debug)]
pub enum SubjectCommand {
    /// List everything held about these persons: stored mail naming them, audit records.
    Find(Target),
    /// Write what is held about them into a new folder: mail.zip, manifest.json,
    /// audit.json, report.txt.
    Export {
        #[command(flatten)]
        target: Target,
        /// The new folder to write (outside the data dir).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Remove their mail from the spool and the quarantine (audit records stay).
    Erase(Target),
    /// A tenant's requests: when each arrived, its deadline, and when it was done.
    Requests {
        /// The tenant (controller).
        #[arg(long, value_parser = tenant_id)]
        tenant: TenantId,
        #[command(flatten)]
        relay: RelayArgs,
    },
}

/// Whose data, for which request.
#[derive(clap::Args, Debug)]
pub struct Target {
    /// The tenant (controller) that forwarded the request.
    #[arg(long, value_parser = tenant_id)]
    tenant: TenantId,
    /// Continue this request (from an earlier `subject find`); without it, a new one.
    #[arg(long, value_name = "ID")]
    request: Option<String>,
    /// When the controller's request arrived, for a new request: `YYYY-MM-DD`,
    /// `YYYY-MM-DDTHH:MM:SSZ` or epoch seconds (default: now).
    #[arg(long, value_name = "TIME")]
    received: Option<String>,
    /// The persons' e-mail addresses.
    #[arg(required = true, value_name = "ADDRESS")]
    addresses: Vec<String>,
    #[command(flatten)]
    relay: RelayArgs,
}

/// Parses `--tenant` into a tenant id, naming the shape on error.
pub fn tenant_id(s: &str) -> Result<TenantId, String> {
    TenantId::try_from(s)
}

/// The node of a config: its data dir, master key and region.
pub fn node(config: &Config) -> anyhow::Result<Node> {
    Ok(Node::open(&config.data_dir, &config.master_key.path, &config.region)?)
}

fn request_for(node: &Node, t: &Target) -> anyhow::Result<Request> {
    let arrived = match (&t.request, &t.received) {
        (None, Some(v)) => mxr_mail::date::parse_utc(v)
            .with_context(|| format!("--received {v:?}: expected YYYY-MM-DD[THH:MM:SSZ] or epoch seconds"))?,
        _ => mxr_ops::now(),
    };
    Ok(request::for_addresses(node, &t.tenant, &t.addresses, t.request.as_deref(), arrived)?)
}

fn finish(node: &Node, r: &mut Request, kind: RequestKind, summary: String) -> anyhow::Result<()> {
    request::record_step(node, r, kind, summary)?;
    let on_time = if r.on_time() { "within" } else { "PAST" };
    println!("request {}: done {on_time} its deadline {}", r.id, mxr_audit::record_time(r.deadline));
    Ok(())
}

/// Runs a subject command.
pub fn run(cmd: SubjectCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        SubjectCommand::Find(t) => {
            let node = node(&t.relay.load(explicit_data_dir)?)?;
            let mut r = request_for(&node, &t)?;
            let f = subject::find(&node, &t.tenant, &t.addresses)?;
            print!("{}", subject::report_text(&f, &r, false));
            let summary = format!("found {} stored copies, {} audit records", f.mail.len(), f.audit.len());
            finish(&node, &mut r, RequestKind::Find, summary)?;
        }
        SubjectCommand::Export { target: t, out } => {
            let node = node(&t.relay.load(explicit_data_dir)?)?;
            let mut r = request_for(&node, &t)?;
            let e = mxr_ops::export::export(&node, &t.tenant, &t.addresses, &out, &r)?;
            for w in &e.files {
                println!("wrote {}/{}  sha256 {}  {} bytes", out.display(), w.path, w.sha256, w.bytes);
            }
            let summary =
                format!("exported {} stored copies, {} audit records", e.findings.mail.len(), e.findings.audit.len());
            println!("{summary}");
            finish(&node, &mut r, RequestKind::Export, summary)?;
        }
        SubjectCommand::Erase(t) => {
            let node = node(&t.relay.load(explicit_data_dir)?)?;
            let mut r = request_for(&node, &t)?;
            let f = subject::erase(&node, &t.tenant, &t.addresses)?;
            print!("{}", subject::report_text(&f, &r, true));
            let summary = format!("erased {} stored copies; {} audit records kept", f.mail.len(), f.audit.len());
            finish(&node, &mut r, RequestKind::Erase, summary)?;
        }
        SubjectCommand::Requests { tenant, relay } => {
            let node = node(&relay.load(explicit_data_dir)?)?;
            for r in request::list(&node, &tenant)? {
                let last = r.steps.last();
                let done = last.map_or("open".to_owned(), |s| mxr_audit::record_time(s.done));
                let state = if r.on_time() {
                    "on time"
                } else if last.is_some() {
                    "LATE"
                } else {
                    "open"
                };
                let t = mxr_audit::record_time;
                println!("{}  arrived {}  deadline {}  done {done}  {state}", r.id, t(r.arrived), t(r.deadline));
                for s in &r.steps {
                    println!("    {} {:?}: {}", t(s.done), s.kind, s.summary);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

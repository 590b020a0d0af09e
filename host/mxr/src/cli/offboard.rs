//! `mxr tenant offboard` and `mxr certificate verify`: ending a tenant's contract
//! (agreement art. 11.4) with an export, crypto-shredding and a signed deletion
//! certificate, carried out by `mxr-ops`; and checking such a certificate.

use super::relay_args::RelayArgs;
use super::subject::{node, tenant_id};
use anyhow::Context;
use mxr_config::{TenantId, TenantStatus};
use mxr_ops::archive::Format;
use mxr_ops::offboard::{self, Intake, Plan, Queued};
use mxr_tenants::{Actor, ApplyError, Tenants};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// What `mxr tenant offboard` takes.
#[derive(clap::Args, Debug)]
pub struct OffboardArgs {
    /// The tenant.
    #[arg(value_parser = tenant_id)]
    tenant: TenantId,
    /// The export's format.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Mail still waiting for delivery: `deliver` refuses while any waits (let the
    /// relay deliver it first); `hand-back` exports it and deletes it undelivered.
    #[arg(long, value_enum, default_value_t = QueuedArg::Deliver)]
    queued: QueuedArg,
    /// The new folder for the export and the certificate (outside the data dir).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    relay: RelayArgs,
}

/// `--format`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FormatArg {
    Maildir,
    Mbox,
    EmlZip,
}

/// `--queued`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum QueuedArg {
    Deliver,
    HandBack,
}

/// `mxr certificate …`.
#[derive(clap::Subcommand, Debug)]
pub enum CertificateCommand {
    /// Check a deletion certificate's signature against the node key, and that the
    /// node's audit log recorded it.
    Verify {
        /// The certificate file.
        file: PathBuf,
        /// Check against this node public key (hex) alone, without a data dir.
        #[arg(long, value_name = "HEX")]
        key: Option<String>,
        #[command(flatten)]
        relay: RelayArgs,
    },
}

/// Intake as the live tenant store decides it: the tenant's status becomes
/// `offboarded`, and a running relay (which follows the store) refuses its RCPTs with
/// `550 5.1.2` from its next transaction on.
struct StoreIntake(Arc<Tenants>);

impl Intake for StoreIntake {
    fn stop_accepting(&self, tenant: &TenantId) -> Result<(), String> {
        if self.0.file(tenant).is_none_or(|f| f.status == TenantStatus::Offboarded) {
            return Ok(());
        }
        let actor = Actor::Os(mxr_audit::os_operator());
        let stop = |f: &mut mxr_config::file::TenantFile| {
            f.status = TenantStatus::Offboarded;
            Ok::<(), ApplyError>(())
        };
        self.0.update(&actor, tenant, stop).map_err(|e| e.to_string())?;
        // A running relay reads the store's revision every WATCH_EVERY.
        std::thread::sleep(mxr_tenants::sqlite::WATCH_EVERY * 4);
        Ok(())
    }
}

/// Runs `mxr tenant offboard`.
pub fn run(a: OffboardArgs, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let (config, tenants) = super::tenant::open(&a.relay, explicit_data_dir)?;
    let node = node(&config)?;
    println!("Offboarding {}: its status becomes offboarded, so the relay refuses its mail (550 5.1.2).", a.tenant);
    let plan = Plan {
        format: match a.format {
            FormatArg::Maildir => Format::Maildir,
            FormatArg::Mbox => Format::Mbox,
            FormatArg::EmlZip => Format::EmlZip,
        },
        queued: match a.queued {
            QueuedArg::Deliver => Queued::Deliver,
            QueuedArg::HandBack => Queued::HandBack,
        },
        out: a.out.clone(),
        delivered_mail: vec![config.data_dir.join("maildir").join(a.tenant.as_str())],
    };
    let done = offboard::offboard(&node, &a.tenant, &StoreIntake(tenants), &plan)?;
    let c = &done.certificate.certificate;
    for f in &c.handover.files {
        println!("exported {}/{}  sha256 {}  {} bytes", a.out.display(), f.path, f.sha256, f.bytes);
    }
    for check in &c.verification.checks {
        println!("verified: {check}");
    }
    println!(
        "{} copies exported and deleted ({} handed back undelivered), {} files removed, key destroyed",
        c.media.copies, c.handover.handed_back, c.media.files_deleted
    );
    println!(
        "certificate {} written to {}, signed and recorded in the audit log",
        c.id,
        done.certificate_file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Runs a certificate command.
pub fn certificate(cmd: CertificateCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let CertificateCommand::Verify { file, key, relay } = cmd;
    let bytes = std::fs::read(&file).with_context(|| file.display().to_string())?;
    let (public, node) = match key {
        Some(hex_key) => {
            let raw: [u8; 32] =
                hex::decode(&hex_key).ok().and_then(|b| b.try_into().ok()).context("--key: 64 hex digits")?;
            (ed25519_dalek_key(&raw)?, None)
        }
        None => {
            let node = node(&relay.load(explicit_data_dir)?)?;
            (node.signer()?.public(), Some(node))
        }
    };
    let signed = match mxr_ops::certificate::verify(&bytes, &public) {
        Ok(s) => s,
        Err(e) => {
            println!("NOT valid: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let c = &signed.certificate;
    println!("certificate {}: signature valid (node key {})", c.id, signed.signature.public_key);
    if let Some(node) = node {
        if !mxr_ops::certificate::in_audit_log(&node, c)? {
            println!("NOT valid: the node's audit log holds no record of this certificate");
            return Ok(ExitCode::from(1));
        }
        println!("recorded in the node's audit log");
    }
    println!(
        "tenant {}: {} copies, method {}, completed {}",
        c.media.tenant, c.media.copies, c.sanitisation.method, c.sanitisation.completed
    );
    Ok(ExitCode::SUCCESS)
}

fn ed25519_dalek_key(raw: &[u8; 32]) -> anyhow::Result<mxr_ops::certificate::PublicKey> {
    mxr_ops::certificate::PublicKey::from_bytes(raw).context("--key: not an ed25519 public key")
}

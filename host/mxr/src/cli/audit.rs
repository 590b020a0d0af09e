//! `mxr audit verify|show|prove|vkey|witness`: checking the audit log's integrity
//! (against its own checkpoints and against what witnesses cosigned), proving records
//! and growth to others, running a witness, and answering a controller's questions
//! from the log (agreement articles 5 and 9): which disclosures concern this tenant,
//! this message, this data subject, in this period.

use super::relay_args::RelayArgs;
use super::stored::keys;
use anyhow::{Context, bail};
use mxr_audit::{self as audit, AuditLog, AuditRecord, Event, NodeSigner, OperatorVerb};
use mxr_config::witness::{KeyKind, VerifierKey};
use mxr_mail::date::parse_utc;
use mxr_privacy::TenantPseudonyms;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::ExitCode;

/// `mxr audit …`.
#[derive(clap::Subcommand, Debug)]
pub enum AuditCommand {
    /// Check the log: any changed, removed, inserted or reordered record, any
    /// truncation behind a signed checkpoint, and (with --witness) any rewrite or cut
    /// that a witness's cosigned checkpoint contradicts, is reported with where it is.
    Verify(VerifyArgs),
    /// The records of one tenant, narrowed by message, data subject or time.
    Show(ShowArgs),
    /// Inclusion and consistency proofs (RFC 6962) from the log.
    #[command(subcommand)]
    Prove(super::audit_prove::ProveCommand),
    /// This node's audit log verifier key, for a witness's --log.
    Vkey(RelayArgs),
    /// Run a witness that cosigns other nodes' audit checkpoints (C2SP tlog-witness).
    Witness(super::audit_witness::WitnessArgs),
}

/// What `mxr audit verify` checks against.
#[derive(clap::Args, Debug)]
pub struct VerifyArgs {
    /// A witness's verifier key: the log must reach every checkpoint it cosigned
    /// (repeatable; at least one cosigned checkpoint of each must be found).
    #[arg(long = "witness", value_name = "VKEY")]
    witnesses: Vec<String>,
    /// A cosigned checkpoint kept outside the node (a witness's state file, or one a
    /// tenant saved), besides those in the audit folder (repeatable).
    #[arg(long = "cosigned", value_name = "FILE")]
    cosigned: Vec<PathBuf>,
    #[command(flatten)]
    relay: RelayArgs,
}

/// What `mxr audit show` selects.
#[derive(clap::Args, Debug)]
pub struct ShowArgs {
    /// The tenant (controller).
    #[arg(long)]
    tenant: String,
    /// Only this queue id (a tenant's copy of a message).
    #[arg(long)]
    queue_id: Option<String>,
    /// Only records about this e-mail address (matched by its audit pseudonym).
    #[arg(long, value_name = "ADDRESS")]
    subject: Option<String>,
    /// From this time on: `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ` or epoch seconds.
    #[arg(long, value_name = "TIME")]
    from: Option<String>,
    /// Up to this time (inclusive), same formats.
    #[arg(long, value_name = "TIME")]
    to: Option<String>,
    /// One JSON object per record, for machines.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    relay: RelayArgs,
}

/// Runs an audit command.
pub fn run(cmd: AuditCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        AuditCommand::Verify(args) => verify(&args, explicit_data_dir),
        AuditCommand::Show(args) => show(&args, explicit_data_dir),
        AuditCommand::Prove(cmd) => super::audit_prove::prove(cmd, explicit_data_dir),
        AuditCommand::Vkey(relay) => super::audit_witness::vkey(&relay, explicit_data_dir),
        AuditCommand::Witness(args) => super::audit_witness::witness(args),
    }
}

fn verify(args: &VerifyArgs, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let config = args.relay.load(explicit_data_dir)?;
    let seed = keys(&config)?.node_signing_seed()?;
    let mut witnesses = Vec::new();
    for w in &args.witnesses {
        let key = w.parse::<VerifierKey>().and_then(|k| k.of_kind(KeyKind::Cosignature));
        let key = key.with_context(|| format!("--witness {w:?}"))?;
        witnesses.push(mxr::witness::note_key(&key).with_context(|| format!("--witness {w:?}"))?);
    }
    let mut kept = Vec::new();
    for f in &args.cosigned {
        kept.push(std::fs::read(f).with_context(|| format!("--cosigned {}", f.display()))?);
    }
    let public = NodeSigner::from_seed(&seed).public();
    let report = audit::verify_dir_witnessed(&config.data_dir, &public, &witnesses, &kept)?;
    for f in &report.findings {
        println!("BROKEN: {f}");
    }
    for w in &report.witnessed {
        println!("witness {} cosigned the first {} records at {}", w.witness, w.size, audit::record_time(w.time));
    }
    println!(
        "{} records, {} signed checkpoints, {} records after the last checkpoint: {}",
        report.records,
        report.checkpoints,
        report.unsigned,
        if report.intact() { "intact" } else { "NOT intact" }
    );
    Ok(if report.intact() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn time_arg(name: &str, value: &Option<String>) -> anyhow::Result<Option<u64>> {
    value
        .as_deref()
        .map(|v| {
            parse_utc(v).with_context(|| format!("--{name} {v:?}: expected YYYY-MM-DD[THH:MM:SSZ] or epoch seconds"))
        })
        .transpose()
}

fn show(args: &ShowArgs, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    let config = args.relay.load(explicit_data_dir)?;
    let keys = keys(&config)?;
    if !keys.has_tenant(&args.tenant) {
        bail!("tenant {:?} has no key in {}: it never had mail here", args.tenant, config.data_dir.display());
    }
    let (from, to) = (time_arg("from", &args.from)?, time_arg("to", &args.to)?);
    let subject = match &args.subject {
        Some(a) => Some(TenantPseudonyms::new(keys.tenant(&args.tenant)?.pseudonym_root()).audit_subject(a)),
        None => None,
    };
    let path = audit::dir(&config.data_dir).join("log");
    let selected: Vec<AuditRecord> = audit::log::read_records(&path)?
        .into_iter()
        .map(|e| e.record)
        .filter(|r| r.tenant == args.tenant)
        .filter(|r| args.queue_id.as_ref().is_none_or(|q| &r.queue_id == q))
        .filter(|r| subject.as_ref().is_none_or(|s| r.subjects.contains(s)))
        .filter(|r| from.is_none_or(|f| r.time >= f) && to.is_none_or(|t| r.time <= t))
        .collect();
    for r in &selected {
        if args.json {
            println!("{}", serde_json::to_string(&mxr_ops::records::record_json(r))?);
        } else {
            println!("{}", line_of(r));
        }
    }
    if !args.json {
        print_summary(&selected);
    }
    Ok(ExitCode::SUCCESS)
}

fn line_of(r: &AuditRecord) -> String {
    let when = audit::record_time(r.time);
    match &r.event {
        Event::Disclosure(d) => {
            let forms: Vec<String> = d.forms.iter().map(|(c, f)| format!("{}={}", c.name(), f.name())).collect();
            format!(
                "{when} {} {:<28} {:<9} {}@{} ({}) purpose={} read=[{}] {}",
                r.region,
                r.queue_id,
                d.stage,
                d.plugin,
                d.version,
                &d.sha256[..d.sha256.len().min(12)],
                d.purpose,
                forms.join(", "),
                d.outcome
            )
        }
        Event::Operator(o) => {
            format!("{when} {} {:<28} {:<9} by {}", r.region, r.queue_id, o.action.name(), o.operator)
        }
        Event::Control(c) => {
            format!("{when} {} {:<28} {:<9} by {} after={}", r.region, r.tenant, c.action, c.actor, c.after)
        }
        Event::Outcome(o) => format!(
            "{when} {} {:<28} {:<9} {} by={} score={:.1} tags=[{}]",
            r.region,
            r.queue_id,
            o.outcome,
            o.code,
            o.plugin.as_deref().unwrap_or("-"),
            o.score,
            o.tags.join(", ")
        ),
        Event::Deletion(c) => format!("{when} {} deletion certificate {} sha256={}", r.region, c.id, c.sha256),
    }
}

/// The figures a breach report (art. 5.5) or a subject request (art. 9) needs.
fn print_summary(records: &[AuditRecord]) {
    let subjects: BTreeSet<&String> = records.iter().flat_map(|r| &r.subjects).collect();
    let messages: BTreeSet<&String> = records.iter().map(|r| &r.queue_id).collect();
    let mut categories: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut plugins = BTreeSet::new();
    for r in records {
        if let Event::Disclosure(d) = &r.event {
            plugins.insert(format!("{}@{} ({})", d.plugin, d.version, d.purpose));
            for (c, f) in &d.forms {
                categories.entry(c.name()).or_default().insert(f.name());
            }
        }
    }
    let period = match (records.iter().map(|r| r.time).min(), records.iter().map(|r| r.time).max()) {
        (Some(a), Some(b)) => format!("{} to {}", audit::record_time(a), audit::record_time(b)),
        _ => "none".into(),
    };
    println!(
        "\n{} records, {} messages, {} distinct data subjects, period {period}",
        records.len(),
        messages.len(),
        subjects.len()
    );
    for (c, forms) in &categories {
        println!("  disclosed {c:<18} as {}", forms.iter().copied().collect::<Vec<_>>().join(", "));
    }
    for p in &plugins {
        println!("  to {p}");
    }
}

/// Records an operator's action on a stored message before it is carried out, and
/// makes the record durable; an action that cannot be recorded is not carried out.
pub fn record_operator_action(
    config: &mxr_config::Config,
    keys: &mxr_store::keys::KeyStore,
    verb: OperatorVerb,
    tenant: &str,
    queue_id: &str,
    addresses: &[&str],
) -> anyhow::Result<()> {
    let signer = NodeSigner::from_seed(&keys.node_signing_seed()?);
    let log = AuditLog::open(&config.data_dir, &config.region, signer)?;
    let pseudonyms = TenantPseudonyms::new(keys.tenant(tenant)?.pseudonym_root());
    let subjects = addresses.iter().filter(|a| !a.is_empty()).map(|a| pseudonyms.audit_subject(a)).collect();
    log.record_operator_action(tenant, queue_id, subjects, verb).context("writing the audit record")?;
    Ok(())
}

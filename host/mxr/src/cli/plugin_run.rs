//! `mxr plugin run FILE.wasm --eml MESSAGE.eml`: every hook, locally, with the verdicts
//! and the exact data view the plugin's purpose receives.

use super::view_report::{DataLabel, ViewReport, renderer};
use super::{PolicyArg, load_plugin};
use anyhow::Context;
use mxr_mail::Envelope;
use mxr_privacy::Pseudonymizer;
use mxr_privacy::ScannedMail;
use mxr_sandbox::{CallInput, LoadedPlugin, StageCall};
use serde::Serialize;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The key pseudonyms are made with here: a fixed local one, so output is repeatable.
/// The relay uses each tenant's own secret key instead.
const LOCAL_KEY: [u8; 32] = *b"mxr plugin run: local demo key!!";

/// Arguments of `mxr plugin run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The plugin component.
    file: PathBuf,
    /// The message to run it on.
    #[arg(long, value_name = "MESSAGE.eml")]
    eml: PathBuf,
    /// A file whose text the plugin reads through `config()`.
    #[arg(long, value_name = "PLUGIN_CONFIG")]
    config: Option<PathBuf>,
    /// Envelope sender (default: the message's From address).
    #[arg(long, value_name = "ADDRESS")]
    mail_from: Option<String>,
    /// Envelope recipient, repeatable (default: the message's To addresses).
    #[arg(long, value_name = "ADDRESS")]
    rcpt: Vec<String>,
    /// Client IP address of the simulated connection.
    #[arg(long, default_value = "192.0.2.10")]
    client_ip: IpAddr,
    /// HELO name of the simulated connection.
    #[arg(long, default_value = "client.example.test")]
    helo: String,
    #[command(flatten)]
    policy: PolicyArg,
    /// Machine-readable output.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct StageReport {
    stage: String,
    outcome: serde_json::Value,
    disclosed: Vec<&'static str>,
    logs: Vec<(String, String)>,
    micros: u128,
}

#[derive(Serialize)]
struct RunReport {
    plugin: DataLabel,
    stages: Vec<StageReport>,
    view: ViewReport,
}

/// Runs connect, mail-from, each rcpt, and data in turn.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Some((runtime, plugin)) = load_plugin(args.policy.load(None)?, &args.file)? else {
        return Ok(ExitCode::FAILURE);
    };
    let raw = std::fs::read(&args.eml).with_context(|| format!("reading {}", args.eml.display()))?;
    let msg = Arc::new(ScannedMail::parse(&raw));
    let config: Arc<str> = match &args.config {
        Some(p) => std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?.into(),
        None => "".into(),
    };
    let mail_from =
        args.mail_from.clone().or_else(|| msg.from().first().and_then(|a| a.address.clone())).unwrap_or_default();
    let rcpts = if args.rcpt.is_empty() {
        msg.to().iter().filter_map(|a| a.address.clone()).collect()
    } else {
        args.rcpt.clone()
    };
    let pseudonyms = Arc::new(Pseudonymizer::derive(&LOCAL_KEY, &plugin.manifest.purpose));
    let mut env = Envelope {
        client_ip: Some(args.client_ip),
        helo: Some(args.helo.clone()),
        mail_from: None,
        rcpts: vec![],
        ..Envelope::default()
    };
    let mut stages = Vec::new();
    let mut call = |stage: StageCall, env: &Envelope, message: Option<Arc<ScannedMail>>| {
        let input = CallInput {
            envelope: Arc::new(env.clone()),
            message,
            grant: plugin.grant,
            pseudonyms: pseudonyms.clone(),
            config: config.clone(),
            limits: Default::default(),
            party: Arc::from("plugin-run"),
        };
        stages.push(report(&plugin, &stage, &input));
    };
    call(StageCall::Connect, &env, None);
    env.mail_from = Some(mail_from);
    call(StageCall::MailFrom, &env, None);
    for r in rcpts {
        call(StageCall::Rcpt(r.clone()), &env, None);
        env.rcpts.push(r);
    }
    call(StageCall::Data, &env, Some(msg.clone()));
    let failed = stages.iter().any(|s| s.outcome.get("failure").is_some());
    let view = ViewReport::build(&renderer(&plugin.grant, &pseudonyms, &*runtime.config().detector), &env, &msg);
    let report = RunReport { plugin: DataLabel::of(&plugin), stages, view };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_human(&report);
    }
    Ok(if failed { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

fn report(plugin: &LoadedPlugin, stage: &StageCall, input: &CallInput) -> StageReport {
    let name = mxr_sandbox::types_api::stage_name(stage.stage()).to_owned();
    match plugin.call(stage, input) {
        Ok(o) => StageReport {
            stage: name,
            outcome: serde_json::to_value(&o.verdict).unwrap_or_default(),
            disclosed: o.disclosed.iter().map(|c| c.name()).collect(),
            logs: o.logs,
            micros: o.elapsed.as_micros(),
        },
        Err(f) => StageReport {
            stage: name,
            outcome: serde_json::json!({ "failure": f.class().name(), "reason": f.to_string() }),
            disclosed: vec![],
            logs: vec![],
            micros: 0,
        },
    }
}

fn print_human(r: &RunReport) {
    print!("{}", r.plugin);
    println!("\nverdicts:");
    for s in &r.stages {
        println!("  {:<10} {}  ({} µs)", s.stage, s.outcome, s.micros);
        if !s.disclosed.is_empty() {
            println!("  {:<10} read: {}", "", s.disclosed.join(", "));
        }
        for (level, line) in &s.logs {
            println!("  {:<10} log {level}: {line}", "");
        }
    }
    println!("\nthe view this plugin's purpose receives (pseudonyms use a local demo key):");
    print!("{}", r.view);
}

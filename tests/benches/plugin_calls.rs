//! What the sandbox costs per message, and how fast a new plugin version serves.
//!
//! 1. For each example plugin, on a 10 KB and a 100 KB message: a fresh instance plus
//!    the hook call (what the relay does per message), beside the same filter logic
//!    compiled natively and fed the same granted view. The native side includes the
//!    host's rendering of the view, so the ratio isolates the sandbox itself.
//! 2. Hot reload: a new version written into a watched folder → that version serving.
//!
//! Run: `cargo bench -p mxr-tests --bench plugin_calls`; after `--`, `--quick` for a short
//! run `--only NAME` for one plugin and `--iterations N` for a longer loop (e.g. under
//! `perf record`).

// The plugins' own source files, compiled natively; the bench only black-boxes some
// of what they return.
#![allow(dead_code, unused_imports)]

// spam-score's rules reach their sibling as `super::phrases`.
#[path = "../../plugins/spam-score/src/phrases.rs"]
mod phrases;
#[path = "../../plugins/spam-score/src/rules.rs"]
mod spam_rules;
#[path = "../../plugins/spam-score/src/settings.rs"]
mod spam_settings;
// attachment-guard's policy reaches its sibling as `super::magic`.
#[path = "../../plugins/attachment-guard/src/magic.rs"]
mod magic;
#[path = "../../plugins/attachment-guard/src/policy.rs"]
mod policy;
// sender-policy's domains reach their sibling as `super::punycode`.
#[path = "../../plugins/sender-policy/src/punycode.rs"]
mod punycode;
#[path = "../../plugins/sender-policy/src/domains.rs"]
mod sender_domains;
#[path = "../../plugins/delivery-stats/src/stats_tags.rs"]
mod stats_tags;

extern crate alloc;

use mxr_mail::{Envelope, ParsedMail};
use mxr_privacy::detect::PatternDetector;
use mxr_privacy::render::{Renderer, Shown};
use mxr_privacy::{Category, Form, Pseudonymizer};
use mxr_sandbox::registry::PluginRegistry;
use mxr_sandbox::{CallInput, LoadedPlugin, PluginRuntime, RuntimeConfig, StageCall, watch};
use mxr_tests::component;
use mxr_tests::timing::percentiles;
use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let only = args.iter().position(|a| a == "--only").and_then(|i| args.get(i + 1)).cloned();
    let iterations = match args.iter().position(|a| a == "--iterations").and_then(|i| args.get(i + 1)) {
        Some(n) => n.parse().expect("--iterations takes a number"),
        None if quick => 300,
        None => 3000,
    };
    let runtime = PluginRuntime::new(RuntimeConfig { max_instances: 64, ..RuntimeConfig::default() }).unwrap();
    println!("per-message cost: fresh instance + hook call, beside the same logic natively ({iterations} iterations)");
    println!(
        "{:<18} {:>6} {:>12} {:>12} {:>12} {:>8}",
        "plugin", "size", "sandbox p50", "sandbox p99", "native p50", "ratio"
    );
    for size_kb in [10, 100] {
        let raw = message(size_kb * 1024);
        let names = ["spam-score", "attachment-guard", "sender-policy", "delivery-stats", "counter"];
        for name in names.into_iter().filter(|n| only.as_deref().is_none_or(|o| o == *n)) {
            let plugin = LoadedPlugin::load_file(&runtime, &component(name)).unwrap();
            let input = call_input(&plugin, &raw);
            let stage = if name == "sender-policy" { StageCall::MailFrom } else { StageCall::Data };
            let sandbox = percentiles(iterations, || {
                black_box(plugin.call(&stage, &input).unwrap());
            });
            let native = percentiles(iterations, || native_call(name, &plugin, &input));
            println!(
                "{:<18} {:>4}KB {:>10.1}µs {:>10.1}µs {:>10.1}µs {:>7.1}x",
                name,
                size_kb,
                sandbox.0,
                sandbox.1,
                native.0,
                sandbox.0 / native.0.max(0.001)
            );
        }
    }
    if only.is_none() {
        reload_latency(if quick { 10 } else { 40 });
    }
}

/// (median, p99) in microseconds.
fn call_input(p: &LoadedPlugin, raw: &[u8]) -> CallInput {
    let envelope = Envelope {
        client_ip: Some("198.51.100.7".parse().unwrap()),
        helo: Some("mx.sender.test".into()),
        mail_from: Some("newsletter@shop.test".into()),
        rcpts: vec!["bob@example.test".into(), "carol@example.test".into()],
        ..Envelope::default()
    };
    CallInput {
        envelope: Arc::new(envelope),
        message: Some(Arc::new(mxr_privacy::ScannedMail::parse(raw))),
        grant: p.grant,
        pseudonyms: Arc::new(Pseudonymizer::derive(&[1; 32], &p.manifest.purpose)),
        config: Arc::from("block = spam.example\nallow = partner.example\n"),
        limits: Default::default(),
        party: Arc::from("test"),
    }
}

fn text(s: &Shown) -> &str {
    match s {
        Shown::Full(t) | Shown::Pseudonym(t) | Shown::Domain(t) | Shown::Redacted(t) => t,
        Shown::Withheld => "",
    }
}

/// The plugin's logic run natively on the view its grant gives, rendered by the host
/// exactly as the sandboxed accessors render it.
fn native_call(name: &str, p: &LoadedPlugin, input: &CallInput) {
    let detector = PatternDetector;
    let r = Renderer::new(&p.grant, &input.pseudonyms, &detector);
    let msg = input.message.as_ref().unwrap();
    let env = &input.envelope;
    match name {
        "spam-score" => {
            let (settings, _) = spam_settings::Settings::parse(&input.config);
            let subject = msg.subject().map_or(Shown::Withheld, |s| r.text(Category::Content, s));
            let body = msg.text().map_or(Shown::Withheld, |s| r.text(Category::Content, s));
            let html = msg.html().map_or(Shown::Withheld, |s| r.text(Category::Content, s));
            let names: Vec<String> = msg.headers().iter().map(|(n, _)| n.clone()).collect();
            let mail = spam_rules::MailText {
                subject: text(&subject),
                text: text(&body),
                html: text(&html),
                header_names: &names,
            };
            let hits = spam_rules::score(&mail, &settings.extra_phrases);
            let total: f64 = hits.iter().map(|h| h.score).sum();
            let detail: Vec<String> = hits.iter().map(|h| format!("{}={:.1}", h.rule, h.score)).collect();
            black_box((total >= settings.reject, format!("{total:.1} ({})", detail.join(" "))));
        }
        "attachment-guard" => {
            let extra = policy::extra_blocked(&input.config);
            for a in msg.attachments() {
                let content = || Some(a.bytes.clone());
                black_box(policy::judge(a.name.as_deref(), &a.content_type, content, &extra));
            }
        }
        "sender-policy" => {
            let from = r.address(env.mail_from.as_deref().unwrap());
            let domain = text(&from).rsplit_once('@').map(|(_, d)| d);
            black_box(sender_domains::decide(&input.config, domain));
        }
        "delivery-stats" => {
            let from = r.address(env.mail_from.as_deref().unwrap());
            let rcpts: Vec<Shown> = env.rcpts.iter().map(|a| r.address(a)).collect();
            let attachments =
                (p.grant.form(Category::AttachmentMeta) != Form::Withheld).then(|| msg.attachments().len());
            black_box(stats_tags::tags(
                rcpts.len(),
                msg.size(),
                attachments,
                text(&from).rsplit_once('@').map(|(_, d)| d),
            ));
        }
        _ => {
            black_box(format!("count.{}", 1));
        }
    }
}

/// A realistic newsletter-like message of about `size` bytes: text and HTML parts
/// with links and a little personal data, and a small PDF attachment.
fn message(size: usize) -> Vec<u8> {
    let para = "Dear customer, our winter collection is here. Visit https://shop.test/winter?utm_source=mail \
                or call 020-1234567. Questions? Mail support@shop.test.\r\n";
    let html_para = "<p>Our <b>winter collection</b> is here: <a href=\"https://shop.test/w\">shop.test</a></p>\r\n";
    let head = "From: Shop <newsletter@shop.test>\r\nTo: bob@example.test\r\nSubject: Winter sale\r\n\
                Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <bench@shop.test>\r\nMIME-Version: 1.0\r\n\
                Content-Type: multipart/mixed; boundary=\"M\"\r\n\r\n";
    let pdf = "JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoKdHJhaWxlcjw8Pj4KJSVFT0YK\r\n";
    let fixed = head.len() + pdf.len() + 400;
    let each = (size.saturating_sub(fixed)) / 2;
    let text: String = para.repeat(each / para.len() + 1)[..each].to_owned();
    let html: String = html_para.repeat(each / html_para.len() + 1)[..each].to_owned();
    format!(
        "{head}--M\r\nContent-Type: multipart/alternative; boundary=\"A\"\r\n\r\n--A\r\nContent-Type: text/plain\r\n\r\n{text}\r\n\
         --A\r\nContent-Type: text/html\r\n\r\n{html}\r\n--A--\r\n--M\r\nContent-Type: application/pdf\r\n\
         Content-Disposition: attachment; filename=\"terms.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{pdf}--M--\r\n"
    )
    .into_bytes()
}

/// File written (atomically, as an operator's deploy does) → new version serving.
fn reload_latency(rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let runtime = PluginRuntime::new(RuntimeConfig { max_instances: 8, ..RuntimeConfig::default() }).unwrap();
    let registry = PluginRegistry::open(runtime, dir.path());
    let _watch = watch::watch(registry.clone()).unwrap();
    let versions =
        [std::fs::read(component("spam-score")).unwrap(), std::fs::read(component("delivery-stats")).unwrap()];
    let names = ["spam-score", "delivery-stats"];
    let file = dir.path().join("filter.wasm");
    let mut times = Vec::new();
    for round in 0..rounds {
        let i = round % 2;
        let tmp = dir.path().join(".filter.wasm.part");
        std::fs::write(&tmp, &versions[i]).unwrap();
        let start = Instant::now();
        std::fs::rename(&tmp, &file).unwrap();
        while registry.snapshot().get(names[i]).is_none() {
            assert!(start.elapsed() < Duration::from_secs(30), "reload never happened");
            std::thread::sleep(Duration::from_micros(200));
        }
        times.push(start.elapsed());
        std::thread::sleep(Duration::from_millis(100));
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let p99 = times[((times.len() as f64 * 0.99) as usize).min(times.len() - 1)];
    println!(
        "\nhot reload, write → new version serving ({rounds} swaps, compile included): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        ms(times[times.len() / 2]),
        ms(p99),
        ms(*times.last().unwrap())
    );
}

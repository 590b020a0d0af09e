//! The spy test: a plugin that returns everything every accessor gives it, built once
//! per purpose of the default policy, run over 1,000 generated messages with a unique
//! canary for every category at every place a category occurs. No canary of a
//! category its grant does not give in full reaches it, in any encoding; every value
//! the grant allows arrives, in exactly its granted form. Then 300 messages with
//! canaries hidden inside other values (`canary_places`): field names, encoded words
//! and file names, forwarded messages, vCards, invitations, HTML entities and tags,
//! link parameters, DKIM `z=`, X-Mailer and User-Agent, HELO literals. Then the same
//! through the SMTP path, with a tenant that tightens the grant.

use mxr_mail::Envelope;
use mxr_privacy::{Category, Form, Grant, Pseudonymizer, PurposePolicy};
use mxr_sandbox::{CallInput, LoadedPlugin, OutputCaps, SandboxLimits, StageCall};
use mxr_tests::canary::{self, CanaryMessage, Place, unbase64};
use mxr_tests::canary_places;
use mxr_tests::leak::Decoded;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};
use mxr_tests::{component, runtime_with};
use std::sync::Arc;
use std::time::Duration;

const MESSAGES: usize = 1000;
/// Messages with canaries hidden inside other values, three HELO forms in turn.
const LOCATED: usize = 300;
const PURPOSES: [&str; 5] = ["delivery", "spam-filtering", "malware-scanning", "statistics", "conversion-tracking"];

fn big_output() -> OutputCaps {
    OutputCaps { total_bytes: 4 << 20, tags: 32, headers: 4096 }
}

/// The spy's report from the headers it returned, in order.
fn dump_of(headers: &[(String, String)]) -> String {
    let mut by_stage: Vec<(&str, String)> = Vec::new();
    for (name, value) in headers {
        let stage = name.rsplit_once('-').map_or("", |(s, _)| s);
        match by_stage.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, v)) => v.push_str(value),
            None => by_stage.push((stage, value.clone())),
        }
    }
    by_stage.iter().map(|(_, b64)| String::from_utf8_lossy(&unbase64(b64)).into_owned()).collect::<Vec<_>>().join("\n")
}

/// Categories whose own canaries are not personal data: "redacted" content is text
/// with the personal data taken out, so only "withheld" keeps their canaries away.
fn carrier(c: Category) -> bool {
    matches!(c, Category::Content | Category::AttachmentMeta | Category::AttachmentContent)
}

/// True when free text of category `c` fails closed under `grant`: some personal
/// category is less than full, so only vocabulary passes and every other word
/// (every canary) arrives as its pseudonym.
fn fails_closed(grant: &Grant, c: Category) -> bool {
    matches!(c, Category::Content | Category::AttachmentMeta)
        && !mxr_privacy::render::IN_FREE_TEXT.iter().all(|p| grant.form(*p) == Form::Full)
}

/// Every way the dump disagrees with the grant, for one message.
fn check(dump: &str, m: &CanaryMessage, grant: &Grant, pseudonyms: &Pseudonymizer, what: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let content = grant.form(Category::Content);
    let decoded = Decoded::of(dump);
    for c in &m.canaries {
        let form = grant.form(c.category);
        let visible =
            c.place == Place::Structure || content == Form::Full || (carrier(c.category) && content != Form::Withheld);
        let mut allowed = visible && if carrier(c.category) { form != Form::Withheld } else { form == Form::Full };
        if allowed && fails_closed(grant, c.category) {
            // Free text fails closed: the canary is no word, so only its pseudonym may come.
            let token = pseudonyms.token("word", &c.value.to_lowercase());
            if !dump.contains(&token) {
                wrong.push(format!("{what}: {} {:?} should arrive as its word pseudonym", c.category.name(), c.value));
            }
            allowed = false;
        }
        match (allowed, decoded.contains_token(&c.value)) {
            (false, true) => {
                wrong.push(format!("{what}: {} {:?} leaked (form {})", c.category.name(), c.value, form.name()))
            }
            (true, false) => {
                wrong.push(format!("{what}: {} {:?} missing (form {})", c.category.name(), c.value, form.name()))
            }
            _ => {}
        }
    }
    // Values in a transformed form arrive in exactly that form.
    let ip = m.client_ip.to_string();
    let net24 = format!("{}.0/24", ip.rsplit_once('.').unwrap().0);
    let expected: Vec<(Category, Form, String)> = vec![
        (Category::EmailAddress, Form::Pseudonym, pseudonyms.address(&m.mail_from)),
        (Category::EmailAddress, Form::Domain, m.mail_from.split_once('@').unwrap().1.to_owned()),
        (Category::Network, Form::Domain, net24),
        // The results reach the purposes that get them (the spy imports the interface):
        // SPF's domain is the MAIL FROM domain, here and through the relay alike.
        (Category::Authentication, Form::Full, format!("auth.spf\tfull\t{}", m.mail_from.split_once('@').unwrap().1)),
        (Category::Conversion, Form::Domain, "<tracking:t.kzl.test>".into()),
        (Category::NameAddress, Form::Redacted, "<name>".into()),
        (Category::Organisation, Form::Redacted, "<organisation>".into()),
    ];
    for (c, form, value) in expected {
        // An identity of the results shows only where its address's domain would.
        let domain_shown = !matches!(grant.form(Category::EmailAddress), Form::Redacted | Form::Withheld);
        if grant.form(c) == form && (c != Category::Authentication || domain_shown) && !dump.contains(&value) {
            wrong.push(format!("{what}: {} in form {} should arrive as {value:?}", c.name(), form.name()));
        }
    }
    wrong
}

/// Authentication results whose identities are the message's own canary-bearing
/// values: the sender's domain for SPF (as the relay checks it) and DMARC, the HELO
/// as the PTR name, as a DKIM signer's domain (an attacker picks `d=`) and selector.
fn canary_auth(m: &CanaryMessage) -> std::sync::Arc<mxr_mail::auth::AuthResults> {
    use mxr_mail::auth::{AuthResult, AuthResults, DkimCheck, DmarcCheck, IprevCheck, SpfCheck};
    let domain = m.mail_from.rsplit_once('@').map_or("", |(_, d)| d).to_owned();
    std::sync::Arc::new(AuthResults {
        spf: SpfCheck { result: AuthResult::Pass, domain: domain.clone(), helo: false },
        dkim: vec![DkimCheck { result: AuthResult::Fail, domain: m.helo.clone(), selector: m.helo.clone() }],
        dmarc: DmarcCheck { result: AuthResult::Fail, domain, ..DmarcCheck::default() },
        iprev: IprevCheck { result: AuthResult::Pass, name: m.helo.clone() },
        client_ip: m.client_ip.to_string(),
    })
}

fn calls(m: &CanaryMessage, rcpt: &str) -> Vec<(StageCall, Envelope, bool)> {
    let base = Envelope {
        client_ip: Some(m.client_ip),
        helo: Some(m.helo.clone()),
        mail_from: None,
        rcpts: vec![],
        ..Envelope::default()
    };
    let with_from = Envelope { mail_from: Some(m.mail_from.clone()), ..base.clone() };
    let full = Envelope { rcpts: vec![rcpt.to_owned()], auth: Some(canary_auth(m)), ..with_from.clone() };
    vec![
        (StageCall::Connect, base, false),
        (StageCall::MailFrom, with_from.clone(), false),
        (StageCall::Rcpt(rcpt.to_owned()), with_from, false),
        (StageCall::Data, full, true),
    ]
}

/// Each message through the spy of every purpose (all four stages), checked by
/// `check(dump, message, grant, pseudonyms, label)`; every problem found.
fn run_spies(
    messages: &[CanaryMessage],
    check: impl Fn(&str, &CanaryMessage, &Grant, &Pseudonymizer, &str) -> Vec<String> + Sync,
) -> Vec<String> {
    let policy = PurposePolicy::default_policy();
    let mut known: Vec<&str> = policy.purpose_ids().collect();
    known.sort();
    let mut ours = PURPOSES.to_vec();
    ours.sort();
    assert_eq!(known, ours, "a spy is built for each purpose of the default policy (tests/build.rs)");
    let runtime = runtime_with(SandboxLimits {
        deadline: Duration::from_secs(2),
        memory_bytes: 64 << 20,
        output: big_output(),
        ..SandboxLimits::default()
    });
    std::thread::scope(|s| {
        let runs: Vec<_> = PURPOSES
            .iter()
            .map(|purpose| {
                let (runtime, check) = (&runtime, &check);
                s.spawn(move || {
                    let spy = LoadedPlugin::load_file(runtime, &component(&format!("spy-{purpose}"))).unwrap();
                    assert_eq!(spy.manifest.purpose, *purpose);
                    let pseudonyms = Arc::new(Pseudonymizer::derive(&[5; 32], purpose));
                    let mut wrong = Vec::new();
                    for (n, m) in messages.iter().enumerate() {
                        let dump = spy_dump(&spy, m, &pseudonyms, &format!("{purpose} #{n}"));
                        wrong.extend(check(&dump, m, &spy.grant, &pseudonyms, &format!("{purpose} #{n}")));
                    }
                    wrong
                })
            })
            .collect();
        runs.into_iter().flat_map(|r| r.join().unwrap()).collect()
    })
}

/// What the spy reported of one message over all its stages.
fn spy_dump(spy: &LoadedPlugin, m: &CanaryMessage, pseudonyms: &Arc<Pseudonymizer>, what: &str) -> String {
    let parsed = Arc::new(mxr_privacy::ScannedMail::parse(&m.raw));
    let mut headers = Vec::new();
    for (stage, env, data) in calls(m, &format!("{}@acme.test", m.rcpt_local)) {
        let input = CallInput {
            envelope: Arc::new(env),
            message: data.then(|| parsed.clone()),
            grant: spy.grant,
            pseudonyms: pseudonyms.clone(),
            config: Arc::from(""),
            limits: Default::default(),
            party: Arc::from("test"),
        };
        let out = spy.call(&stage, &input).unwrap_or_else(|e| panic!("{what}: {e}"));
        headers.extend(out.verdict.headers);
    }
    dump_of(&headers)
}

#[test]
fn no_plugin_receives_more_than_its_purpose_allows() {
    let messages: Vec<CanaryMessage> = (0..MESSAGES).map(canary::message).collect();
    let problems = run_spies(&messages, check);
    assert!(problems.is_empty(), "{} problems, first: {:#?}", problems.len(), &problems[..problems.len().min(20)]);
}

/// The problems with `messages`' [`Place::Inside`] canaries: not found in their own
/// source (the check could not see them), or arrived at a purpose without their
/// category in full.
fn hidden_canaries_leak(messages: &[CanaryMessage]) -> Vec<String> {
    for (n, m) in messages.iter().enumerate() {
        let source = Decoded::of(&format!("{}\n{}", m.helo, String::from_utf8_lossy(&m.raw)));
        let unseen: Vec<&str> =
            m.canaries.iter().filter(|c| !source.contains_token(&c.value)).map(|c| c.value.as_str()).collect();
        assert!(unseen.is_empty(), "#{n}: canaries not found in the source: {unseen:?}");
    }
    run_spies(messages, |dump, m, grant, _, what| {
        let decoded = Decoded::of(dump);
        let hidden = m.canaries.iter().filter(|c| c.place == Place::Inside && grant.form(c.category) != Form::Full);
        hidden
            .filter(|c| decoded.contains_token(&c.value))
            .map(|c| {
                format!("{what}: {} {:?} leaked (form {})", c.category.name(), c.value, grant.form(c.category).name())
            })
            .collect()
    })
}

/// Canaries hidden inside other values (see `canary_places`): none of a category
/// the purpose does not get in full arrives, in clear or trivially encoded.
#[test]
fn no_canary_hidden_inside_another_value_reaches_a_purpose_without_its_category() {
    let messages: Vec<CanaryMessage> = (0..LOCATED).map(canary_places::located).collect();
    assert!(messages.iter().all(|m| m.canaries.len() >= 30), "every location is planted in every message");
    let problems = hidden_canaries_leak(&messages);
    assert!(problems.is_empty(), "{} leaks, first: {:#?}", problems.len(), &problems[..problems.len().min(40)]);
}

/// HTML whose pieces between tags and entities are each harmless (a word, a host, a
/// short number) but whose whole is an address or a phone number.
#[test]
fn html_split_into_harmless_pieces_reaches_no_purpose_without_its_category() {
    let messages: Vec<CanaryMessage> = (0..100).map(canary_places::split_into_harmless_pieces).collect();
    let problems = hidden_canaries_leak(&messages);
    assert!(problems.is_empty(), "{} leaks, first: {:#?}", problems.len(), &problems[..problems.len().min(40)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_smtp_a_tenant_tightened_grant_is_what_the_spy_gets() {
    let config = server_toml("")
        + &tenant_toml("acme", "acme.test", &[("spy", "spam-filtering")])
        + "[tenant.tighten.spy]\nnetwork = \"domain\"\ncontent = \"redacted\"\nattachment-content = \"withheld\"\n";
    let dir = tempfile::tempdir().unwrap();
    let mut relay = TestRelay::start_tuned(dir, &config, &["spy-spam-filtering"], |c| {
        c.plugins.sandbox.output = big_output();
    })
    .await;
    let key = relay.relay.chain.keys.tenant("acme").unwrap();
    let pseudonyms = mxr_privacy::TenantPseudonyms::new(key.pseudonym_root()).purpose("spam-filtering");
    let policy = PurposePolicy::default_policy();
    let all = Category::ALL.into_iter().collect();
    let tightened = relay.relay.config.tenants[0].tighten["spy"].clone();
    let grant = Grant::for_purpose(&policy, "spam-filtering", all).unwrap().tighten(&tightened);
    assert_eq!(grant.form(Category::Network), Form::Domain);
    let mut c = relay.client().await;
    let mut checked = 0;
    for n in (0..MESSAGES).step_by(50) {
        let m = canary::message(n);
        let rcpt = format!("{}@acme.test", m.rcpt_local);
        c.send_message(&m.mail_from, &[&rcpt], &m.raw).await.assert_code(250, "2.0.0");
        let delivered = relay.delivered("acme").pop().unwrap();
        let head = &delivered[..delivered.windows(4).position(|w| w == b"\r\n\r\n").unwrap()];
        let headers: Vec<(String, String)> = String::from_utf8_lossy(head)
            .split("\r\n")
            .filter_map(|l| l.split_once(": "))
            .filter(|(k, _)| k.starts_with("X-Spy-"))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert!(!headers.is_empty(), "the spy's report is in the delivered message");
        // The relay is the client here: the envelope canaries come from our session.
        let m = CanaryMessage { client_ip: "127.0.0.1".parse().unwrap(), helo: "client.test".into(), ..m };
        let wrong = check(&dump_of(&headers), &m, &grant, &pseudonyms, &format!("smtp #{n}"));
        let wrong: Vec<String> =
            wrong.into_iter().filter(|w| !w.contains("should arrive as \"127.0.0.0/24\"")).collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
        checked += 1;
        std::fs::remove_dir_all(relay.data_dir().join("maildir/acme/new")).unwrap();
    }
    assert_eq!(checked, MESSAGES / 50);
    relay.stop().await;
}

//! Authentication of incoming mail against a real DNS server on loopback
//! (`support/dns.rs`): SPF, DKIM (signed here with a key the test zone publishes),
//! DMARC and iprev each pass, fail, or give `temperror` for a domain the server
//! refuses. The delivered copy carries one `Authentication-Results` under the node's
//! name (a sender's forgery of it is gone), and the example plugins act on the
//! results: sender-policy rejects a forged From whose domain publishes `p=reject`.

use mxr_tests::dkim::{key_record, signed};
use mxr_tests::dns::TestDns;
use mxr_tests::test_relay::{TestRelay, server_toml, tenant_toml};

fn zones() -> TestDns {
    let sender = format!(
        "@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n{}_dmarc TXT \"v=DMARC1; p=reject\"\nmx A 127.0.0.1\n",
        key_record()
    );
    TestDns::start(&[
        ("sender.test", &sender),
        ("forged.test", "@ TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n_dmarc TXT \"v=DMARC1; p=reject\"\n"),
        ("0.0.127.in-addr.arpa", "1 PTR mx.sender.test.\n"),
    ])
}

async fn relay(dns: &TestDns, sender_policy: &str) -> TestRelay {
    let config = server_toml("")
        + &format!("[dns]\nservers = [\"{}\"]\ntimeout_ms = 500\n", dns.addr)
        + &format!("[plugin.sender-policy]\nconfig = {sender_policy:?}\n")
        + &tenant_toml("acme", "acme.test", &[("sender-policy", "spam-filtering"), ("spam-score", "spam-filtering")]);
    TestRelay::start(&config, &["sender-policy", "spam-score"]).await
}

/// The delivered copy's `Authentication-Results` field, unfolded.
fn results_header(delivered: &[u8]) -> String {
    let text = String::from_utf8_lossy(delivered).replace("\r\n\t", " ");
    let ours: Vec<&str> = text.lines().filter(|l| l.starts_with("Authentication-Results:")).collect();
    assert_eq!(ours.len(), 1, "one header, ours: {text}");
    ours[0].to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_message_passes_and_its_results_are_delivered() {
    let dns = zones();
    let relay = relay(&dns, "").await;
    let message = "From: Ann <ann@sender.test>\r\nTo: bob@acme.test\r\nSubject: Invoice\r\n\
                   Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <1@sender.test>\r\n\r\nSee you at noon.\r\n";
    // A forgery under the node's own name comes first; it must not survive.
    let raw = [
        b"Authentication-Results: mx.test; spf=pass; dkim=pass; dmarc=pass\r\n".as_slice(),
        &signed("sender.test", message),
    ]
    .concat();
    relay.client().await.send_message("ann@sender.test", &["bob@acme.test"], &raw).await.assert_code(250, "2.0.0");
    relay.wait_for_delivery();
    let delivered = relay.delivered("acme").pop().expect("delivered");
    let header = results_header(&delivered);
    for want in [
        "Authentication-Results: mx.test;",
        "iprev=pass policy.iprev=127.0.0.1;",
        "spf=pass smtp.mailfrom=sender.test;",
        "dkim=pass header.d=sender.test header.s=sel;",
        "dmarc=pass (p=reject) header.from=sender.test",
    ] {
        assert!(header.contains(want), "{want:?} in {header}");
    }
    let text = String::from_utf8_lossy(&delivered);
    assert!(text.contains("X-Spam-Score: 0.0 (clean)"), "spam-score found nothing to score: {text}");
    // The same message with a signed header changed after signing: DKIM fails, DMARC
    // still passes on SPF. (A changed body alone gives `neutral` in mail-auth.)
    let tampered =
        String::from_utf8(signed("sender.test", message)).unwrap().replace("Subject: Invoice", "Subject: Invoice paid");
    let mut c = relay.client().await;
    c.send_message("ann@sender.test", &["bob@acme.test"], tampered.as_bytes()).await.assert_code(250, "2.0.0");
    relay.wait_for_delivery();
    let header = results_header(
        &relay.delivered("acme").into_iter().find(|m| m.windows(12).any(|w| w == b"Invoice paid")).unwrap(),
    );
    assert!(header.contains("dkim=fail header.d=sender.test header.s=sel;"), "{header}");
    assert!(header.contains("dmarc=pass (p=reject)"), "aligned SPF still passes: {header}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_from_fails_and_the_example_plugins_act_on_it() {
    let dns = zones();
    let message = b"From: Boss <ceo@forged.test>\r\nTo: bob@acme.test\r\nSubject: Wire transfer\r\n\r\nPay now.\r\n";
    // Without `dmarc = enforce` it is delivered, scored for SPF and DMARC failing.
    let lenient = relay(&dns, "").await;
    lenient.client().await.send_message("ceo@forged.test", &["bob@acme.test"], message).await.assert_code(250, "2.0.0");
    lenient.wait_for_delivery();
    let delivered = lenient.delivered("acme").pop().expect("delivered");
    let header = results_header(&delivered);
    assert!(header.contains("spf=fail smtp.mailfrom=forged.test;"), "{header}");
    assert!(header.contains("dkim=none;"), "{header}");
    assert!(header.contains("dmarc=fail (p=reject) header.from=forged.test"), "{header}");
    let text = String::from_utf8_lossy(&delivered);
    assert!(text.contains("spf-fail=3.0") && text.contains("dmarc-fail=2.0"), "spam-score scored the failures: {text}");
    // With it, sender-policy refuses the message.
    let strict = relay(&dns, "dmarc = enforce").await;
    let reply = strict.client().await.send_message("ceo@forged.test", &["bob@acme.test"], message).await;
    reply.assert_code(550, "5.7.1");
    assert!(reply.text().contains("DMARC"), "{}", reply.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_that_fail_give_temperror_and_the_mail_is_still_taken() {
    let dns = zones();
    let relay = relay(&dns, "dmarc = enforce").await;
    // slow.example is not served: every lookup for it is refused.
    let message = signed("slow.example", "From: x@slow.example\r\nTo: bob@acme.test\r\nSubject: Hello\r\n\r\nHi.\r\n");
    relay.client().await.send_message("x@slow.example", &["bob@acme.test"], &message).await.assert_code(250, "2.0.0");
    relay.wait_for_delivery();
    let header = results_header(&relay.delivered("acme").pop().expect("delivered"));
    assert!(header.contains("spf=temperror smtp.mailfrom=slow.example;"), "{header}");
    assert!(header.contains("dkim=temperror header.d=slow.example header.s=sel;"), "{header}");
    assert!(header.contains("dmarc=temperror"), "{header}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_checks_off_no_header_is_added_and_a_forged_one_still_goes() {
    let config = server_toml("")
        + "[dns]\nauthenticate = false\n"
        + &tenant_toml("acme", "acme.test", &[("spam-score", "spam-filtering")]);
    let relay = TestRelay::start(&config, &["spam-score"]).await;
    let raw = b"Authentication-Results: MX.TEST; dmarc=pass\r\nAuthentication-Results: other.test; spf=pass\r\n\
                From: x@sender.test\r\nSubject: Hi\r\n\r\nHi.\r\n";
    relay.client().await.send_message("x@sender.test", &["bob@acme.test"], raw).await.assert_code(250, "2.0.0");
    relay.wait_for_delivery();
    let text = String::from_utf8(relay.delivered("acme").pop().expect("delivered")).unwrap();
    assert!(!text.contains("MX.TEST"), "the forgery under the node's name is gone: {text}");
    assert!(text.contains("Authentication-Results: other.test; spf=pass\r\n"), "another host's stays: {text}");
    assert_eq!(text.matches("Authentication-Results:").count(), 1, "and none is added: {text}");
}

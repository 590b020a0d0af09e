//! What the fixtures under `tests/fixtures/config/` do not show: names and closed sets
//! are refused under their key, the policy is loaded once and named when bad, and no
//! text makes validation panic.

use crate::{ConfigError, NextHop, READY_DEFAULT_TOML, TlsMode, validate};
use std::path::Path;

fn error(text: &str) -> String {
    match validate(text, Path::new("/nonexistent")) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn tenant(body: &str) -> String {
    format!("version = 1\n[[tenant]]\n{body}")
}

const HOP: &str = "[tenant.next_hop]\nkind = \"maildir\"\n";

#[test]
fn names_are_refused_under_their_key_with_the_line() {
    let e = error(&tenant(&format!("id = \"Acme\"\ndomains = [\"a.test\"]\n{HOP}")));
    assert_eq!(e, "config: tenant[0].id: \"Acme\" is not an id of [a-z0-9-] (1 to 64 characters) (line 3)");
    let e = error(&tenant(&format!("id = \"a\"\ndomains = [\"a.test\"]\nplugins = [\"ok\", \"No\"]\n{HOP}")));
    assert!(e.starts_with("config: tenant[0].plugins[1]: \"No\" is not a plugin name"), "{e}");
    let e = error("version = 1\n[plugin.\"Spam Score\"]\nconfig = \"\"\n");
    assert!(e.starts_with("config: plugin.Spam Score: \"Spam Score\" is not a plugin name"), "{e}");
}

#[test]
fn next_hops_are_typed() {
    let smtp = "[tenant.next_hop]\nkind = \"smtp\"\nhost = \"mx.a.test\"\nregion = \"de\"\ntls = \"opportunistic\"\n";
    let (config, _) =
        validate(&tenant(&format!("id = \"a\"\ndomains = [\"a.test\"]\n{smtp}")), Path::new("/")).unwrap();
    match &config.tenants[0].next_hop {
        NextHop::Smtp { port, tls, region, .. } => {
            assert_eq!((*port, *tls, region.as_str()), (25, TlsMode::Opportunistic, "de"));
        }
        other => panic!("{other:?}"),
    }
    let e =
        error(&tenant("id = \"a\"\ndomains = [\"a.test\"]\n[tenant.next_hop]\nkind = \"maildir\"\ntls = \"none\"\n"));
    assert_eq!(e, "config: tenant[0].next_hop: host, domain, port and tls belong to kind = \"smtp\" or \"mx\"");
}

/// A tenant `id` at `domain` whose next hop is the MX of `hop_domain`, with `extra`
/// lines in its next hop table and `consent` recorded when given.
fn mx_tenant(id: &str, domain: &str, hop_domain: &str, extra: &str) -> String {
    format!(
        "[[tenant]]\nid = \"{id}\"\ndomains = [\"{domain}\"]\n[tenant.next_hop]\nkind = \"mx\"\ndomain = \"{hop_domain}\"\n{extra}"
    )
}

#[test]
fn an_mx_next_hop_names_a_domain_not_served_here_and_declares_its_region() {
    let text = format!(
        "version = 1\n[delivery]\nmx_port = 2525\n{}",
        mx_tenant("a", "a.test", "Mail.Acme.example.", "region = \"de\"\n")
    );
    let (config, _) = validate(&text, Path::new("/")).unwrap();
    assert_eq!(config.delivery.mx_port, 2525);
    match &config.tenants[0].next_hop {
        NextHop::Mx { domain, port, tls, region, .. } => {
            assert_eq!(
                (domain.as_str(), *port, *tls, region.as_str()),
                ("mail.acme.example", None, TlsMode::Required, "de")
            );
        }
        other => panic!("{other:?}"),
    }
    let cases = [
        (
            mx_tenant("a", "a.test", "b.example", ""),
            "config: tenant[0].next_hop.region: an mx next hop must declare the country its MX hosts are in (agreement art. 3.1)",
        ),
        (
            mx_tenant("a", "a.test", "b.example", "region = \"us\"\n"),
            "config: tenant[0].next_hop.region: us is outside the EU; record the tenant's consent in tenant[0].transfer_consent first (agreement art. 3.1)",
        ),
        (
            "[[tenant]]\nid = \"a\"\ndomains = [\"a.test\"]\n[tenant.next_hop]\nkind = \"mx\"\nregion = \"nl\"\n"
                .into(),
            "config: tenant[0].next_hop.domain: an mx next hop needs a domain",
        ),
        (
            mx_tenant("a", "a.test", "not a domain", "region = \"nl\"\n"),
            "config: tenant[0].next_hop.domain: \"not a domain\" is not a domain name",
        ),
        (
            mx_tenant("a", "a.test", "b.example", "host = \"mx.b.example\"\nregion = \"nl\"\n"),
            "config: tenant[0].next_hop: an mx next hop names a domain; host and path belong to other kinds",
        ),
        (
            mx_tenant("a", "a.test", "A.test.", "region = \"nl\"\n"),
            "config: tenant[0].next_hop.domain: a.test is served here (by tenant a): its MX would send the mail back to this relay",
        ),
        (
            mx_tenant("a", "a.test", "b.test", "region = \"nl\"\n")
                + &mx_tenant("b", "b.test", "c.example", "region = \"nl\"\n"),
            "config: tenant[0].next_hop.domain: b.test is served here (by tenant b): its MX would send the mail back to this relay",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(error(&format!("version = 1\n{body}")), want, "{body}");
    }
    let consented = mx_tenant("a", "a.test", "b.example", "region = \"us\"\n")
        .replace("[tenant.next_hop]", "transfer_consent = \"DPA 2026-4\"\n[tenant.next_hop]");
    assert!(validate(&format!("version = 1\n{consented}"), Path::new("/")).is_ok());
    let e = error("version = 1\n[delivery]\nmx_port = 0\n");
    assert_eq!(e, "config: delivery.mx_port: must be greater than zero");
}

#[test]
fn the_policy_is_loaded_at_validation_and_named_when_bad() {
    let (config, _) = validate(READY_DEFAULT_TOML, Path::new("/")).unwrap();
    assert!(config.plugins.policy.purpose("spam-filtering").is_some());
    assert_eq!(config.plugins.policy_file, None);
    match validate("version = 1\n[plugins]\npolicy = \"missing.toml\"\n", Path::new("/nonexistent")) {
        Err(ConfigError::Invalid { key, .. }) => assert_eq!(key, "plugins.policy"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn numbers_too_large_are_refused_or_saturate_never_panic() {
    let e = error("version = 1\n[plugins]\nmemory_mb = 18446744073709551615\n");
    assert!(e.starts_with("config: plugins.memory_mb: "), "{e}");
    let (config, _) = validate("version = 1\n[queue]\nmax_age_hours = 18446744073709551615\n", Path::new("/")).unwrap();
    assert_eq!(config.queue.max_age.as_secs(), u64::MAX);
}

#[test]
fn no_prefix_of_the_ready_default_panics() {
    let text = READY_DEFAULT_TOML;
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        if let Err(e) = validate(&text[..end], Path::new("/nonexistent")) {
            assert!(!e.to_string().is_empty());
        }
    }
}

#[test]
fn delivery_has_rfc_5321_waits_by_default_and_caps_below_the_global_one() {
    use crate::delivery::{DeliveryConfig, Timeouts};
    use std::time::Duration;
    let (config, _) = validate("version = 1\n", Path::new("/")).unwrap();
    assert_eq!(config.delivery, DeliveryConfig::default());
    assert_eq!(config.delivery.timeouts.final_dot, Duration::from_secs(600), "RFC 5321 §4.5.3.2.6");
    let text = "version = 1\n[delivery]\nmax_parallel = 4\nmax_per_tenant = 3\nmax_per_destination = 2\nfinal_dot_timeout_secs = 7\n";
    let (config, _) = validate(text, Path::new("/")).unwrap();
    let d = config.delivery;
    assert_eq!((d.max_parallel, d.max_per_tenant, d.max_per_destination), (4, 3, 2));
    assert_eq!(d.timeouts, Timeouts { final_dot: Duration::from_secs(7), ..Timeouts::default() });
    let e = error("version = 1\n[delivery]\nmax_per_destination = 1\nmax_per_tenant = 2\nmax_parallel = 2\n");
    assert!(e.starts_with("config: delivery.max_per_tenant: 2 must be below delivery.max_parallel (2)"), "{e}");
    assert!(error("version = 1\n[delivery]\nfinal_dot_secs = 7\n").starts_with("config: delivery.final_dot_secs"));
}

#[test]
fn delivery_memory_is_shared_like_the_deliveries_and_a_next_hops_part_holds_the_largest() {
    use crate::delivery::DeliveryConfig;
    let d = DeliveryConfig::default();
    let largest = crate::Limits::default().max_message_bytes;
    assert_eq!(d.share_of(d.max_per_destination, largest), d.max_buffered_bytes / 10, "10 of 100 deliveries");
    assert_eq!(DeliveryConfig::largest_delivery(largest), 2 * (largest + (256 << 10)));
    assert_eq!(d.share_of(1, largest), DeliveryConfig::largest_delivery(largest), "never below one delivery");
    let e = error("version = 1\n[delivery]\nmax_buffered_bytes = 500000000\n");
    assert_eq!(
        e,
        "config: delivery.max_buffered_bytes: 500000000 is too small: a next hop's part of it (x max_per_destination \
         / max_parallel = 50000000) must hold one delivery of the largest message (2 x (max_message_bytes + 262144) \
         = 52953088), so that it needs at least 529530880"
    );
    let e = error("version = 1\n[server.limits]\nmax_message_bytes = 50000000\nmax_buffered_data_bytes = 200000000\n");
    assert!(e.starts_with("config: delivery.max_buffered_bytes: 536870912 is too small"), "{e}");
    let small =
        "version = 1\n[server.limits]\nmax_message_bytes = 2000000\n[delivery]\nmax_buffered_bytes = 50000000\n";
    let (config, _) = validate(small, Path::new("/")).unwrap();
    assert_eq!(config.delivery.share_of(10, 2_000_000), 5_000_000);
    assert!(
        error("version = 1\n[delivery]\nmax_buffered_bytes = 0\n").starts_with("config: delivery.max_buffered_bytes")
    );
}

#[test]
fn intake_limits_are_named_when_bad() {
    let limits = |line: &str| error(&format!("version = 1\n[server.limits]\n{line}\n"));
    for key in [
        "data_total_secs",
        "data_min_bytes_per_sec",
        "data_rate_grace_secs",
        "max_buffered_data_bytes",
        "data_budget_wait_ms",
        "max_connections_per_ip",
        "connections_per_ip_per_minute",
        "messages_per_ip_per_minute",
        "errors_per_ip_per_minute",
    ] {
        let e = limits(&format!("{key} = 0"));
        assert_eq!(e, format!("config: server.limits.{key}: must be greater than zero"), "{key}");
    }
    let e = limits("max_message_bytes = 2000\nmax_buffered_data_bytes = 1000");
    assert!(e.starts_with("config: server.limits.max_buffered_data_bytes: must be at least"), "{e}");
    let e = limits("max_connections_per_ip = -1");
    assert!(e.starts_with("config: server.limits.max_connections_per_ip:"), "{e}");
}

#[test]
fn the_tempfail_delay_may_be_zero() {
    use std::time::Duration;
    let delay = |text: &str| validate(text, Path::new("/")).unwrap().0.limits.tempfail_delay;
    assert_eq!(delay("version = 1\n"), Duration::from_secs(1));
    assert_eq!(delay("version = 1\n[server.limits]\ntempfail_delay_ms = 0\n"), Duration::ZERO);
    assert_eq!(delay("version = 1\n[server.limits]\ntempfail_delay_ms = 250\n"), Duration::from_millis(250));
    let e = error("version = 1\n[server.limits]\ntempfail_delay_ms = -1\n");
    assert!(e.starts_with("config: server.limits.tempfail_delay_ms:"), "{e}");
}

#[test]
fn postmaster_and_sender_routing_are_checked() {
    let one = format!("id = \"a\"\ndomains = [\"a.test\"]\n{HOP}");
    let (config, warnings) = validate(&tenant(&one), Path::new("/")).unwrap();
    assert_eq!(config.postmaster.as_deref(), Some("postmaster@a.test"));
    assert!(warnings.iter().any(|w| w.starts_with("server.postmaster:")), "{warnings:?}");
    assert!(!config.tenants[0].allow_sender_routing, "refused unless the tenant allows it");
    let with = |server: &str| format!("version = 1\n[server]\n{server}\n[[tenant]]\n{one}");
    let (config, _) = validate(&with("postmaster = \"abuse@a.test\""), Path::new("/")).unwrap();
    assert_eq!(config.postmaster.as_deref(), Some("abuse@a.test"));
    let e = error(&with("postmaster = \"root@elsewhere.test\""));
    assert!(e.starts_with("config: server.postmaster: \"root@elsewhere.test\" is not an address at a served"), "{e}");
    let e = error(&tenant(&format!("id = \"a\"\ndomains = [\"a.test\"]\nallow_sender_routing = \"yes\"\n{HOP}")));
    assert!(e.starts_with("config: tenant[0].allow_sender_routing:"), "{e}");
    let allowed = format!("id = \"a\"\ndomains = [\"a.test\"]\nallow_sender_routing = true\n{HOP}");
    assert!(validate(&tenant(&allowed), Path::new("/")).unwrap().0.tenants[0].allow_sender_routing);
}

/// A cosignature verifier key for `name` (seed all `seed`), as a witness prints it.
fn witness_vkey(name: &str, seed: u8) -> String {
    use base64::Engine;
    use sha2::Digest;
    let public = ed25519_dalek::SigningKey::from_bytes(&[seed; 32]).verifying_key();
    let material = [&[0x04][..], public.as_bytes()].concat();
    let id = sha2::Sha256::digest([name.as_bytes(), b"\n", &material].concat());
    format!("{name}+{}+{}", hex_of(&id[..4]), base64::engine::general_purpose::STANDARD.encode(material))
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn witnesses_are_checked_and_named_by_their_key() {
    let w = |url: &str, key: &str| format!("version = 1\n[[audit.witness]]\nurl = \"{url}\"\nkey = \"{key}\"\n");
    let good = witness_vkey("w.example/one", 1);
    let (config, _) = validate(&w("http://127.0.0.1:7380", &good), Path::new("/")).unwrap();
    assert_eq!(config.witnesses.len(), 1);
    assert_eq!(config.witnesses[0].key.0.name, "w.example/one");
    assert_eq!(config.witnesses[0].url.add_checkpoint(), "http://127.0.0.1:7380/add-checkpoint");
    let e = error(&w("https://w.example:443", &good));
    assert!(e.starts_with("config: audit.witness[0].url: \"https://w.example:443\" is not http://"), "{e}");
    let tampered = good.replacen("+", "+0", 1).replacen("+0", "+", 1).replace("w.example/one", "w.example/two");
    let e = error(&w("http://127.0.0.1:7380", &tampered));
    assert!(e.starts_with("config: audit.witness[0].key: key id"), "{e}");
    let e = error(&w("http://127.0.0.1:7380", "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"));
    assert!(e.starts_with("config: audit.witness[0].key: a witness cosignature (type 0x04) key is needed"), "{e}");
    let twice = w("http://127.0.0.1:7380", &good) + &w("http://127.0.0.1:7381", &good)[12..];
    assert!(error(&twice).starts_with("config: audit.witness[1].key: a second witness named"), "{}", error(&twice));
    let e = error("version = 1\n[[audit.witness]]\nurl = \"http://a:1\"\nkey = \"x\"\nport = 1\n");
    assert!(e.contains("audit.witness[0]"), "{e}");
}

#[test]
fn dns_servers_take_a_default_port_and_bad_keys_are_named() {
    use std::time::Duration;
    let (config, _) = validate("version = 1\n", Path::new("/")).unwrap();
    assert_eq!(config.dns, crate::dns::DnsConfig::default());
    assert!(config.dns.servers.is_empty(), "the system resolver by default");
    let text = "version = 1\n[dns]\nservers = [\"127.0.0.1:5353\", \"::1\"]\ntimeout_ms = 300\nauthenticate = false\n";
    let (config, _) = validate(text, Path::new("/")).unwrap();
    let servers: Vec<String> = config.dns.servers.iter().map(|s| s.to_string()).collect();
    assert_eq!(servers, ["127.0.0.1:5353", "[::1]:53"]);
    assert_eq!((config.dns.timeout, config.dns.authenticate), (Duration::from_millis(300), false));
    let e = error("version = 1\n[dns]\nservers = [\"127.0.0.1\", \"ns.example\"]\n");
    assert!(e.starts_with("config: dns.servers[1]: \"ns.example\" is not an IP address"), "{e}");
    assert!(error("version = 1\n[dns]\ntimeout_ms = 0\n").starts_with("config: dns.timeout_ms: must be greater"));
    let e = error("version = 1\n[dns]\ntimeout_ms = 5000\nauth_budget_ms = 1000\n");
    assert!(e.starts_with("config: dns.timeout_ms: 5000 ms is longer than dns.auth_budget_ms"), "{e}");
    assert!(error("version = 1\n[dns]\nserver = []\n").starts_with("config: dns.server"));
}

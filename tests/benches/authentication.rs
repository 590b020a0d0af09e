//! What authenticating a message costs at DATA: SPF, DKIM (Ed25519), DMARC and iprev
//! through mxr's resolver against a real DNS server on loopback, for a message from a
//! domain not seen before (every lookup made: the sender's SPF, key, DMARC tree walk,
//! PTR and its address) and from one seen already (answers cached within their TTL).
//! A remote DNS adds its round trips to the first column only.
//!
//! Run: `cargo bench -p mxr-tests --bench authentication` (`-- --quick` for a short run).

use mxr_config::dns::DnsConfig;
use mxr_dns::Dns;
use mxr_dns::authenticate::AuthInput;
use mxr_tests::dkim::{key_record, signed};
use mxr_tests::dns::TestDns;
use std::cell::Cell;
use std::hint::black_box;

fn message(domain: &str) -> Vec<u8> {
    let text = format!(
        "From: Ann <ann@{domain}>\r\nTo: bob@acme.test\r\nSubject: Invoice\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\
         Message-ID: <1@{domain}>\r\n\r\n{}",
        "See you at noon, the invoice is attached.\r\n".repeat(100)
    );
    signed(domain, &text)
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let iterations = if quick { 50 } else { 500 };
    // Fresh domains for every timed and warm-up run of the first column.
    let domains: Vec<String> = (0..iterations * 2).map(|i| format!("d{i}.test")).collect();
    let records = format!("@ TXT \"v=spf1 ip4:127.0.0.0/8 -all\"\n{}_dmarc TXT \"v=DMARC1; p=reject\"\n", key_record());
    let mut zones: Vec<(&str, &str)> = domains.iter().map(|d| (d.as_str(), records.as_str())).collect();
    zones.push(("0.0.127.in-addr.arpa", "1 PTR mx.d0.test.\n"));
    zones.push(("d0.test", "mx A 127.0.0.1\n"));
    let server = TestDns::start(&zones);
    let dns = Dns::new(&DnsConfig { servers: vec![server.addr], ..DnsConfig::default() }).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let messages: Vec<(String, Vec<u8>)> = domains.iter().map(|d| (format!("ann@{d}"), message(d))).collect();
    let authenticate = |(from, raw): &(String, Vec<u8>)| {
        let input = AuthInput {
            client_ip: "127.0.0.1".parse().unwrap(),
            helo: "mx.d0.test",
            mail_from: from,
            hostname: "mx.test",
            raw,
        };
        black_box(runtime.block_on(dns.authenticate(input)));
    };
    let next = Cell::new(1);
    let cold = mxr_tests::timing::percentiles(iterations, || {
        authenticate(&messages[next.get()]);
        next.set(next.get() + 1);
    });
    let warm = mxr_tests::timing::percentiles(iterations, || authenticate(&messages[1]));
    println!("authentication per message (SPF, DKIM ed25519, DMARC, iprev; 4.4 KB signed message)");
    println!("{:>28} {:>10} {:>10}", "", "p50 µs", "p99 µs");
    println!("{:>28} {:>10.0} {:>10.0}", "new domain (all lookups)", cold.0, cold.1);
    println!("{:>28} {:>10.0} {:>10.0}", "seen domain (cached)", warm.0, warm.1);
}

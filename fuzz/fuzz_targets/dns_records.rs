//! Any bytes as a TXT record a sender's DNS publishes (SPF, DKIM key, DMARC) and as a
//! message mail-auth reads at DATA: each parser takes it or refuses it, and nothing
//! panics. These run on every message from anyone, so a panic would be a remote crash.
//! Seed with seeds/dns_records/ and the .eml files of tests/fixtures.
#![no_main]

use mail_auth::common::parse::TxtRecordParser;

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    let _ = mail_auth::spf::Spf::parse(bytes);
    let _ = mail_auth::common::verify::DomainKey::parse(bytes);
    let _ = mail_auth::dmarc::Dmarc::parse(bytes);
    let _ = mail_auth::AuthenticatedMessage::parse(bytes);
});

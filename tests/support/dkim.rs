//! DKIM signing for the tests and benchmarks: mail-auth's published Ed25519 example key
//! pair, the TXT record that publishes it, and a signer.

use base64::Engine;
use mail_auth::common::crypto::Ed25519Key;
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;

const SEED: &str = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
const PUBLIC: &str = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

/// The zone line that publishes the key under selector `sel` (relative to the zone).
pub fn key_record() -> String {
    format!("sel._domainkey TXT \"v=DKIM1; k=ed25519; p={PUBLIC}\"\n")
}

/// `message` with a DKIM-Signature of `domain`, selector `sel`, over From, To and
/// Subject.
pub fn signed(domain: &str, message: &str) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = Ed25519Key::from_seed_and_public_key(&b64.decode(SEED).unwrap(), &b64.decode(PUBLIC).unwrap()).unwrap();
    let signature = DkimSigner::from_key(key)
        .domain(domain)
        .selector("sel")
        .headers(["From", "To", "Subject"])
        .sign(message.as_bytes())
        .unwrap();
    format!("{}{message}", signature.to_header()).into_bytes()
}

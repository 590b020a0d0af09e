//! The boundaries the build holds: each host crate may depend only on the crates its
//! row allows, so a forbidden `use` (privacy → smtp, storage → protocol, the sandbox
//! → sessions, audit → plugins) cannot compile, and this test fails the moment
//! someone declares such a dependency in a manifest. The data flow reads one way:
//! smtp (session) → chain → store (spool) → delivery, wired only by the `mxr` root.

use std::collections::BTreeSet;
use std::path::Path;

/// crate → the host crates it may depend on (normal dependencies).
const ALLOWED: &[(&str, &[&str])] = &[
    ("durable", &[]),
    ("mail", &[]),
    ("privacy", &["mail"]),
    ("config", &["privacy"]),
    // metrics: the label vocabulary (categories and forms come from privacy).
    ("metrics", &["privacy"]),
    ("sandbox", &["mail", "privacy", "config", "durable", "metrics"]),
    ("store", &["durable"]),
    // durable: the one definition of a private file and folder (0600/0700).
    ("audit", &["mail", "privacy", "durable", "metrics"]),
    ("chain", &["mail", "privacy", "config", "sandbox", "store", "audit", "metrics"]),
    // dns: the one resolver (authentication at DATA, MX hosts for delivery).
    ("dns", &["mail", "config"]),
    ("delivery", &["mail", "config", "store", "durable", "metrics", "dns"]),
    ("smtp", &["mail", "metrics"]),
    // tls: certificates for the listeners; it knows no protocol.
    ("tls", &[]),
    // The live tenant state: validated by config's rules, every change audited. The
    // chain and delivery read it only through config's narrow `TenantSource`.
    ("tenants", &["privacy", "config", "audit"]),
    // The HTTP API: acts only through the tenant store and the stores' own handles.
    ("api", &["mail", "privacy", "config", "sandbox", "store", "audit", "tenants", "digest", "tls", "ops"]),
    // The quarantine digest: reads tenants and the quarantine, spools through store's
    // handles (the bounce path), never delivery or a protocol itself.
    ("digest", &["mail", "privacy", "config", "store", "audit", "tenants"]),
    // ops: the agreement's operations on stored data; never the sandbox or a protocol.
    ("ops", &["audit", "config", "durable", "mail", "privacy", "store"]),
    (
        "mxr",
        &[
            "mail", "privacy", "config", "sandbox", "store", "audit", "chain", "delivery", "smtp", "metrics",
            "tenants", "api", "ops", "digest", "tls", "dns",
        ],
    ),
];

/// External crates that only some host crates may use: wasmtime only in the sandbox
/// (and the root), an async runtime never in privacy, storage, audit or the chain,
/// and the Prometheus client only behind the metrics' narrow handles.
const CONFINED: &[(&str, &[&str])] = &[
    ("wasmtime", &["sandbox"]),
    ("wasmtime-wasi", &["sandbox"]),
    ("tokio", &["smtp", "delivery", "tenants", "api", "dns", "mxr"]),
    // DNS and the authentication protocols: one resolver, in one crate.
    ("mail-auth", &["dns"]),
    ("prometheus-client", &["metrics"]),
];

fn dependencies(krate: &str) -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host").join(krate).join("Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let manifest: toml::Table = text.parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    manifest.get("dependencies").and_then(|d| d.as_table()).map_or_else(BTreeSet::new, |d| d.keys().cloned().collect())
}

#[test]
fn every_host_crate_is_in_the_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../host");
    let mut found: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut listed: Vec<String> = ALLOWED.iter().map(|(c, _)| c.to_string()).collect();
    listed.sort();
    assert_eq!(found, listed, "a new host crate needs its row in ALLOWED");
}

#[test]
fn host_crates_depend_only_on_what_their_boundary_allows() {
    let mut wrong = Vec::new();
    for (krate, allowed) in ALLOWED {
        for dep in dependencies(krate) {
            if let Some(inner) = dep.strip_prefix("mxr-") {
                if !allowed.contains(&inner) {
                    wrong.push(format!("mxr-{krate} → {dep}"));
                }
            } else if let Some((_, only)) = CONFINED.iter().find(|(name, _)| *name == dep) {
                if !only.contains(krate) && *krate != "mxr" {
                    wrong.push(format!("mxr-{krate} → {dep}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "forbidden dependencies: {wrong:?}");
}

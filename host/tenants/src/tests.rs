//! The live state over a real database file and a real audit log.

use crate::{Actor, ApplyError, Change, Scope, SqliteStore, TenantStore, Tenants};
use mxr_audit::{AuditLog, Event, NodeSigner};
use mxr_config::file::TenantFile;
use mxr_config::{Config, TenantSource, TenantStatus, validate};
use std::path::Path;
use std::sync::Arc;

const CONFIG: &str = r#"
version = 1
[[tenant]]
id = "acme"
domains = ["acme.test"]
plugins = ["spam-score"]
[tenant.authorise]
spam-score = "spam-filtering"
[tenant.next_hop]
kind = "maildir"
"#;

struct Node {
    dir: tempfile::TempDir,
    config: Config,
    audit: Arc<AuditLog>,
}

fn node() -> Node {
    let dir = tempfile::tempdir().unwrap();
    let (config, _) = validate(CONFIG, dir.path()).unwrap();
    let audit = Arc::new(AuditLog::open(&config.data_dir, "nl", NodeSigner::from_seed(&[7; 32])).unwrap());
    Node { dir, config, audit }
}

fn open(n: &Node) -> Arc<Tenants> {
    let store = SqliteStore::open(&n.dir.path().join("tenants.db")).unwrap();
    Tenants::open(Arc::new(store), n.audit.clone(), &n.config).unwrap()
}

fn tenant(id: &str, domain: &str) -> TenantFile {
    let mut t: TenantFile = serde_json::from_value(serde_json::json!({
        "id": id, "domains": [domain], "next_hop": {"kind": "maildir"}
    }))
    .unwrap();
    t.plugins = vec![];
    t
}

fn controls(audit: &AuditLog, path: &Path) -> Vec<mxr_audit::ControlChange> {
    let _ = audit.sync();
    let records = mxr_audit::log::read_records(&path.join("audit").join("log")).unwrap();
    records
        .into_iter()
        .filter_map(|e| match e.record.event {
            Event::Control(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn the_config_seeds_the_store_once_and_changes_outlive_a_restart() {
    let n = node();
    let live = open(&n);
    assert_eq!(live.current().for_domain("acme.test").unwrap().id, "acme");
    live.create(&Actor::Os("ops".into()), tenant("beta", "beta.test")).unwrap();
    drop(live);
    let again = open(&n);
    let state = again.current();
    assert_eq!(state.len(), 2, "seeded once; the created tenant stayed");
    assert_eq!(state.revision, 2);
    let actions: Vec<String> = controls(&n.audit, &n.config.data_dir).into_iter().map(|c| c.action).collect();
    assert_eq!(actions, ["tenant-seed", "tenant-put"]);
}

#[test]
fn a_change_that_breaks_a_rule_names_the_field_and_changes_nothing() {
    let n = node();
    let live = open(&n);
    let before = (live.current().revision, n.audit.record_count());
    let err = live.create(&Actor::Relay, tenant("beta", "ACME.test")).unwrap_err();
    let ApplyError::Invalid(mxr_config::ConfigError::Invalid { key, problem }) = err else { panic!("{err}") };
    assert_eq!(key, "tenant.domains[0]");
    assert!(problem.contains("already belongs to tenant acme"), "{problem}");
    let err = live
        .update(&Actor::Relay, "acme", |t| {
            t.authorise.insert("spam-score".try_into().unwrap(), "no-such-purpose".into());
            Ok::<(), ApplyError>(())
        })
        .unwrap_err();
    assert!(err.to_string().contains("tenant.authorise.spam-score"), "{err}");
    assert_eq!((live.current().revision, n.audit.record_count()), before, "no change, no record");
    assert!(matches!(live.create(&Actor::Relay, tenant("acme", "x.test")), Err(ApplyError::Exists(_))));
}

#[test]
fn every_change_is_audited_with_who_before_and_after() {
    let n = node();
    let live = open(&n);
    live.update(&Actor::Os("ops".into()), "acme", |t| {
        t.status = TenantStatus::Suspended;
        Ok::<(), ApplyError>(())
    })
    .unwrap();
    assert_eq!(live.current().get("acme").unwrap().status, TenantStatus::Suspended);
    let last = controls(&n.audit, &n.config.data_dir).pop().unwrap();
    assert_eq!(last.actor, "os-user ops");
    assert!(!last.before.contains("suspended") && last.after.contains("\"status\":\"suspended\""), "{last:?}");
}

#[test]
fn a_change_by_another_writer_is_picked_up_by_reload() {
    let n = node();
    let (relay, cli) = (open(&n), open(&n));
    cli.apply(&Actor::Os("ops".into()), Change::Delete("acme".try_into().unwrap())).unwrap();
    assert!(relay.current().get("acme").is_some(), "not yet reloaded");
    assert!(relay.reload().unwrap());
    assert!(relay.current().is_empty());
    // The relay's own next change is made on the latest state, not on its stale copy.
    relay.create(&Actor::Relay, tenant("beta", "beta.test")).unwrap();
    let stored = SqliteStore::open(&n.dir.path().join("tenants.db")).unwrap().load().unwrap();
    assert_eq!(stored.tenants.len(), 1);
}

#[test]
fn tokens_authenticate_until_revoked_or_their_tenant_is_gone() {
    let n = node();
    let live = open(&n);
    let ops = Actor::Os("ops".into());
    let t = live.create_token(&ops, Scope::Tenant("acme".try_into().unwrap()), "console").unwrap();
    let op = live.create_token(&ops, Scope::Operator, "ci").unwrap();
    assert_eq!(live.authenticate(&t.secret).unwrap().unwrap().scope.to_string(), "tenant:acme");
    assert!(live.authenticate("mxr_0000").unwrap().is_none());
    assert!(live.create_token(&ops, Scope::Tenant("nobody".try_into().unwrap()), "x").is_err());
    live.revoke_token(&ops, &op.record.id).unwrap().unwrap();
    assert!(live.authenticate(&op.secret).unwrap().is_none(), "revoked");
    live.apply(&ops, Change::Delete("acme".try_into().unwrap())).unwrap();
    assert!(live.authenticate(&t.secret).unwrap().is_none(), "its tenant is gone");
    let audited = controls(&n.audit, &n.config.data_dir);
    assert!(audited.iter().all(|c| !c.after.contains(&t.secret[4..]) && !c.before.contains(&t.secret[4..])));
    assert_eq!(audited.iter().filter(|c| c.action.starts_with("token-")).count(), 3);
}

#[test]
fn the_database_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let n = node();
    let _live = open(&n);
    let mode = std::fs::metadata(n.dir.path().join("tenants.db")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn an_edited_config_file_is_put_in_again_and_an_unchanged_one_is_not() {
    let mut n = node();
    let live = open(&n);
    live.update(&Actor::Os("ops".into()), "acme", |t| {
        t.settings.insert("spam-score".try_into().unwrap(), "tag = 4.0".into());
        t.digest = Some(mxr_config::digest::DigestFile { to: "jan@acme.test".into(), every_hours: 24 });
        Ok::<(), ApplyError>(())
    })
    .unwrap();
    drop(live);
    let kept = open(&n);
    assert!(kept.current().get("acme").unwrap().settings.contains_key("spam-score"), "the same file: the edit stays");
    let audited = controls(&n.audit, &n.config.data_dir).pop().unwrap().after;
    assert!(!audited.contains("tag = 4.0") && audited.contains("\"spam-score\":\"sha256:"), "{audited}");
    assert!(!audited.contains("jan@") && audited.contains("\"to\":\"sha256:"), "{audited}");
    drop(kept);
    let edited = CONFIG.replace("acme.test\"]", "acme.test\", \"acme.example\"]");
    n.config = validate(&edited, n.dir.path()).unwrap().0;
    let reseeded = open(&n);
    let acme = reseeded.current().get("acme").unwrap().clone();
    assert_eq!(acme.domains, ["acme.test", "acme.example"], "the edited file's table is put in");
    assert!(acme.settings.is_empty(), "a file-managed tenant follows its file");
}

/// A store where another writer commits just before this process's first change.
struct Raced {
    inner: SqliteStore,
    other: std::sync::Mutex<Option<Change>>,
}

impl TenantStore for Raced {
    fn load(&self) -> Result<crate::Stored, crate::StoreError> {
        self.inner.load()
    }
    fn apply(&self, expected: u64, change: &Change) -> Result<u64, crate::StoreError> {
        if let Some(other) = self.other.lock().unwrap().take() {
            self.inner.apply(expected, &other)?;
        }
        self.inner.apply(expected, change)
    }
    fn watch(&self) -> tokio::sync::watch::Receiver<u64> {
        self.inner.watch()
    }
    fn add_token(&self, token: &crate::TokenRecord) -> Result<(), crate::StoreError> {
        self.inner.add_token(token)
    }
    fn token(&self, hash: &crate::token::TokenHash) -> Result<Option<crate::TokenRecord>, crate::StoreError> {
        self.inner.token(hash)
    }
    fn revoke_token(&self, id: &str, at: u64) -> Result<Option<crate::TokenRecord>, crate::StoreError> {
        self.inner.revoke_token(id, at)
    }
    fn tokens(&self) -> Result<Vec<crate::TokenRecord>, crate::StoreError> {
        self.inner.tokens()
    }
}

#[test]
fn a_change_beaten_by_another_writer_is_withdrawn_in_the_audit_log_and_made_again() {
    let n = node();
    let inner = SqliteStore::open(&n.dir.path().join("tenants.db")).unwrap();
    let other = Some(Change::Put(vec![tenant("beta", "beta.test")]));
    let live = Tenants::open(Arc::new(Raced { inner, other: std::sync::Mutex::new(None) }), n.audit.clone(), &n.config)
        .unwrap();
    drop(live);
    let inner = SqliteStore::open(&n.dir.path().join("tenants.db")).unwrap();
    let live =
        Tenants::open(Arc::new(Raced { inner, other: std::sync::Mutex::new(other) }), n.audit.clone(), &n.config)
            .unwrap();
    live.create(&Actor::Os("ops".into()), tenant("gamma", "gamma.test")).unwrap();
    assert!(live.current().get("beta").is_some() && live.current().get("gamma").is_some(), "both changes stand");
    let actions: Vec<String> = controls(&n.audit, &n.config.data_dir).into_iter().map(|c| c.action).collect();
    assert_eq!(actions, ["tenant-seed", "tenant-put", "tenant-put-withdrawn", "tenant-put"]);
}

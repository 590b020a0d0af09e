//! [`Tenants`]: the validated tenant state in force, swapped whole on every change,
//! and the one way to change it (validate, audit, commit, swap).

use crate::change::{Actor, Change};
use crate::store::{StoreError, TenantStore};
use crate::token::{NewToken, Scope, TokenRecord, hash};
use arc_swap::ArcSwap;
use mxr_audit::{AuditError, AuditLog, ControlChange};
use mxr_config::file::TenantFile;
use mxr_config::{Config, ConfigError, TenantSet, TenantSource, validate_tenants};
use mxr_privacy::PurposePolicy;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// How often a change is retried when another writer moved the store on meanwhile.
const RETRIES: usize = 5;

/// Why a change was not applied. Nothing changed in any case.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The result breaks a rule; the key names the field (`tenant.domains[0]` for the
    /// tenant being changed, `tenant <id>.…` for another one it collides with).
    #[error(transparent)]
    Invalid(#[from] ConfigError),
    /// No tenant has this id.
    #[error("no tenant {0}")]
    NoSuchTenant(String),
    /// A tenant with this id exists already.
    #[error("tenant {0} exists already")]
    Exists(String),
    /// The store.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The audit record could not be written, so the change was not made.
    #[error("audit log: {0}")]
    Audit(#[from] AuditError),
    /// No randomness for a token.
    #[error("no randomness for a token: {0}")]
    Random(getrandom::Error),
}

/// The live tenant state of one node.
pub struct Tenants {
    store: Arc<dyn TenantStore>,
    audit: Arc<AuditLog>,
    data_dir: PathBuf,
    policy: Arc<PurposePolicy>,
    /// The validated state in force.
    state: ArcSwap<TenantSet>,
    /// The same tenants as stored (what the API shows and edits).
    files: ArcSwap<Vec<TenantFile>>,
    /// One local writer at a time (other writers are caught by the revision check).
    writing: Mutex<()>,
}

impl TenantSource for Tenants {
    fn current(&self) -> Arc<TenantSet> {
        self.state.load_full()
    }
}

/// Describes `files` for the audit log. Settings texts may hold a customer's allow
/// and block lists (addresses), and a digest goes to an address, and the audit log holds
/// no raw personal data: each is recorded as its SHA-256, which still shows that and
/// when it changed.
fn json(files: &[&TenantFile]) -> String {
    use sha2::{Digest, Sha256};
    let hash = |text: &mut serde_json::Value| {
        let digest = Sha256::digest(text.as_str().unwrap_or_default().as_bytes());
        *text = format!("sha256:{}", hex::encode(digest)).into();
    };
    let described = |f: &&TenantFile| {
        let mut v = serde_json::to_value(f).expect("a tenant always encodes");
        if let Some(settings) = v.get_mut("settings").and_then(|s| s.as_object_mut()) {
            settings.values_mut().for_each(hash);
        }
        if let Some(to) = v.get_mut("digest").and_then(|d| d.get_mut("to")) {
            hash(to);
        }
        v
    };
    match files {
        [] => "null".into(),
        [one] => described(one).to_string(),
        many => serde_json::Value::Array(many.iter().map(described).collect()).to_string(),
    }
}

impl Tenants {
    /// Opens the state in `store`, first putting in the config file's tenant tables if
    /// they are new or changed since they were last put in ([`Tenants::seed`]). Fails
    /// when what is stored does not validate under this config (its purpose policy,
    /// its data dir).
    pub fn open(
        store: Arc<dyn TenantStore>,
        audit: Arc<AuditLog>,
        config: &Config,
    ) -> Result<Arc<Tenants>, ApplyError> {
        let tenants = Arc::new(Tenants {
            store,
            audit,
            data_dir: config.data_dir.clone(),
            policy: config.plugins.policy.clone(),
            state: ArcSwap::from_pointee(TenantSet::default()),
            files: ArcSwap::from_pointee(vec![]),
            writing: Mutex::new(()),
        });
        tenants.seed(config)?;
        tenants.reload()?;
        Ok(tenants)
    }

    /// Puts in the config file's tenant tables when they differ from those last put in
    /// (audited as the relay's change); true when it did.
    pub fn seed(&self, config: &Config) -> Result<bool, ApplyError> {
        if self.store.load()?.seed == crate::change::seed_hash(&config.tenant_files) {
            return Ok(false);
        }
        self.apply(&Actor::Relay, Change::Seed(config.tenant_files.clone()))?;
        Ok(true)
    }

    /// Validates `files` with the config file's rules; the tenants touched by a change
    /// are named `tenant`, the others `tenant <id>`.
    fn validate(&self, files: &[TenantFile], touched: &[&str]) -> Result<Vec<Arc<mxr_config::Tenant>>, ConfigError> {
        let key_of = |i: usize| {
            let id = files[i].id.as_str();
            if touched.contains(&id) { "tenant".to_owned() } else { format!("tenant {id}") }
        };
        validate_tenants(files, &self.data_dir, &self.policy, &key_of).map(|(t, _)| t)
    }

    /// Loads the store again if it moved on (a change by another process or node);
    /// true when the state in force changed. A stored state that does not validate is
    /// refused and the state in force stays.
    pub fn reload(&self) -> Result<bool, ApplyError> {
        let stored = self.store.load()?;
        if stored.revision == self.state.load().revision && !self.files.load().is_empty() {
            return Ok(false);
        }
        let valid = self.validate(&stored.tenants, &[])?;
        self.state.store(Arc::new(TenantSet::new(stored.revision, valid)));
        self.files.store(Arc::new(stored.tenants));
        Ok(true)
    }

    /// Follows changes made by other writers until the store's watch ends.
    pub async fn follow(self: Arc<Self>) {
        let mut revisions = self.store.watch();
        while revisions.changed().await.is_ok() {
            match self.reload() {
                Ok(true) => tracing::info!(revision = self.state.load().revision, "tenant state reloaded"),
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "stored tenant state refused; the state in force stays"),
            }
        }
    }

    /// Applies a change: validated on the latest stored state, audited (durably),
    /// committed at that state's revision, then put in force. Returns the new revision.
    /// When the commit fails, a `<action>-withdrawn` record follows the one that did
    /// not take; when another writer committed first, the change is then made again
    /// on the new state.
    pub fn apply(&self, actor: &Actor, change: Change) -> Result<u64, ApplyError> {
        let _one = self.writing.lock().unwrap_or_else(|p| p.into_inner());
        let mut attempt = 0;
        loop {
            let stored = self.store.load()?;
            let touched: Vec<String> = change.tenant_ids().iter().map(|i| i.to_string()).collect();
            let after = change.applied_to(&stored.tenants);
            let touched_refs: Vec<&str> = touched.iter().map(String::as_str).collect();
            let valid = self.validate(&after, &touched_refs)?;
            let pick = |files: &[TenantFile]| -> Vec<TenantFile> {
                files.iter().filter(|f| touched_refs.contains(&f.id.as_str())).cloned().collect()
            };
            let (before_files, after_files) = (pick(&stored.tenants), pick(&after));
            let record = ControlChange {
                actor: actor.to_string(),
                action: change.name().into(),
                before: json(&before_files.iter().collect::<Vec<_>>()),
                after: json(&after_files.iter().collect::<Vec<_>>()),
            };
            let tenant = touched.first().map_or("", String::as_str);
            self.audit.record_control_change(tenant, record)?;
            let err = match self.store.apply(stored.revision, &change) {
                Ok(revision) => {
                    self.state.store(Arc::new(TenantSet::new(revision, valid)));
                    self.files.store(Arc::new(after));
                    return Ok(revision);
                }
                Err(e) => e,
            };
            // The record above describes a change that was not made: say so, before it
            // is tried again on another writer's newer state, or given up.
            let withdrawn = ControlChange {
                actor: actor.to_string(),
                action: format!("{}-withdrawn", change.name()),
                before: "null".into(),
                after: "null".into(),
            };
            self.audit.record_control_change(tenant, withdrawn)?;
            match err {
                StoreError::Conflict { .. } if attempt < RETRIES => attempt += 1,
                e => return Err(e.into()),
            }
        }
    }

    /// Creates tenant `file` (refused if its id exists).
    pub fn create(&self, actor: &Actor, file: TenantFile) -> Result<u64, ApplyError> {
        if self.file(&file.id).is_some() {
            return Err(ApplyError::Exists(file.id.to_string()));
        }
        self.apply(actor, Change::Put(vec![file]))
    }

    /// Changes tenant `id` by `edit` on its stored form, then applies the result as
    /// one change. `edit` may refuse, and then nothing changes.
    pub fn update<E: From<ApplyError>>(
        &self,
        actor: &Actor,
        id: &str,
        edit: impl FnOnce(&mut TenantFile) -> Result<(), E>,
    ) -> Result<u64, E> {
        let mut file = self.file(id).ok_or_else(|| ApplyError::NoSuchTenant(id.to_owned()))?;
        edit(&mut file)?;
        Ok(self.apply(actor, Change::Put(vec![file]))?)
    }

    /// Tenant `id` as stored.
    pub fn file(&self, id: &str) -> Option<TenantFile> {
        self.files.load().iter().find(|f| f.id == id).cloned()
    }

    /// Every tenant as stored.
    pub fn files(&self) -> Arc<Vec<TenantFile>> {
        self.files.load_full()
    }

    /// The purpose policy changes are validated against.
    pub fn policy(&self) -> &Arc<PurposePolicy> {
        &self.policy
    }

    /// Makes a token for `scope` (audited, without its secret); the secret is in the
    /// result and nowhere else.
    pub fn create_token(&self, actor: &Actor, scope: Scope, label: &str) -> Result<NewToken, ApplyError> {
        if let Some(t) = scope.tenant()
            && self.file(t).is_none()
        {
            return Err(ApplyError::NoSuchTenant(t.to_string()));
        }
        let token = NewToken::generate(scope, label, mxr_audit::now()).map_err(ApplyError::Random)?;
        let r = &token.record;
        let after = serde_json::json!({"id": r.id, "scope": r.scope.to_string(), "label": r.label}).to_string();
        let change =
            ControlChange { actor: actor.to_string(), action: "token-create".into(), before: "null".into(), after };
        self.audit.record_control_change(r.scope.tenant().map_or("", |t| t.as_str()), change)?;
        self.store.add_token(r)?;
        Ok(token)
    }

    /// Revokes token `id` (audited); the token as it was, if there was one.
    pub fn revoke_token(&self, actor: &Actor, id: &str) -> Result<Option<TokenRecord>, ApplyError> {
        let Some(t) = self.store.tokens()?.into_iter().find(|t| t.id == id) else { return Ok(None) };
        let before = serde_json::json!({"id": t.id, "scope": t.scope.to_string(), "label": t.label}).to_string();
        let change =
            ControlChange { actor: actor.to_string(), action: "token-revoke".into(), before, after: "null".into() };
        self.audit.record_control_change(t.scope.tenant().map_or("", |t| t.as_str()), change)?;
        Ok(self.store.revoke_token(id, mxr_audit::now())?)
    }

    /// The live token whose secret this is: known, not revoked, and for a tenant that
    /// still exists.
    pub fn authenticate(&self, secret: &str) -> Result<Option<TokenRecord>, StoreError> {
        let Some(t) = self.store.token(&hash(secret))? else { return Ok(None) };
        let tenant_gone = t.scope.tenant().is_some_and(|id| self.file(id).is_none());
        Ok((t.revoked.is_none() && !tenant_gone).then_some(t))
    }

    /// Every token (hashes only), oldest first.
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.store.tokens()
    }
}

//! The quarantine: per tenant, each message sealed with the tenant's key, beside its
//! sealed record (reason, plugin, score, time).

use super::keys::KeyStore;
use super::spool::SpoolError;
use super::subject_index::{IndexEntry, Place, SubjectIndex};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::Arc;

/// Why and when a message was quarantined.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuarantineRecord {
    /// The copy's queue id.
    pub queue_id: String,
    /// The id of the tenant whose quarantine holds it.
    pub tenant: String,
    /// The plugin that asked for it.
    pub plugin: String,
    /// The reason the plugin gave.
    pub reason: String,
    /// The copy's total score, summed over the plugins that ran.
    pub score: f64,
    /// When it was quarantined (Unix seconds).
    pub time: u64,
    /// MAIL FROM (empty for the null sender).
    pub mail_from: String,
    /// The copy's recipients.
    pub rcpts: Vec<String>,
}

/// The quarantine folders under `<data_dir>/quarantine/`.
#[derive(Clone)]
pub struct Quarantine {
    dir: PathBuf,
    keys: Arc<KeyStore>,
}

impl Quarantine {
    /// The quarantine of a data dir.
    pub fn new(data_dir: &std::path::Path, keys: Arc<KeyStore>) -> Self {
        Quarantine { dir: data_dir.join("quarantine"), keys }
    }

    fn aad(tenant: &str, queue_id: &str, what: &str) -> Vec<u8> {
        format!("mxr/quarantine/v1/{tenant}/{queue_id}/{what}").into_bytes()
    }

    /// Keeps a message, durably.
    pub fn put(&self, record: &QuarantineRecord, message: &[&[u8]]) -> Result<(), SpoolError> {
        let key = self.keys.tenant(&record.tenant)?;
        let dir = self.dir.join(&record.tenant);
        let meta = postcard::to_allocvec(record).expect("record serialises");
        let sealed_msg = key.sealer().seal(&Self::aad(&record.tenant, &record.queue_id, "message"), &message.concat());
        let sealed_meta = key.sealer().seal(&Self::aad(&record.tenant, &record.queue_id, "record"), &meta);
        let io = |e| SpoolError::Io(dir.clone(), e);
        super::write_durably(&dir, &format!("{}.msg", record.queue_id), &[&sealed_msg]).map_err(io)?;
        super::write_durably(&dir, &format!("{}.rec", record.queue_id), &[&sealed_meta]).map_err(io)?;
        Ok(())
    }

    /// The records of a tenant's quarantine, oldest first.
    pub fn list(&self, tenant: &str) -> Result<Vec<QuarantineRecord>, SpoolError> {
        let key = self.keys.tenant(tenant)?;
        let mut out = Vec::new();
        for e in std::fs::read_dir(self.dir.join(tenant)).into_iter().flatten().flatten() {
            let path = e.path();
            let Some(qid) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".rec")) else {
                continue;
            };
            let sealed = std::fs::read(&path).map_err(|e| SpoolError::Io(path.clone(), e))?;
            let plain = key
                .sealer()
                .open(&Self::aad(tenant, qid, "record"), &sealed)
                .map_err(|_| SpoolError::Broken(path.clone(), "does not authenticate"))?;
            out.push(postcard::from_bytes(&plain).map_err(|_| SpoolError::Broken(path.clone(), "bad record"))?);
        }
        out.sort_by(|a: &QuarantineRecord, b| (a.time, &a.queue_id).cmp(&(b.time, &b.queue_id)));
        Ok(out)
    }

    /// The tenant whose quarantine holds `queue_id`.
    pub fn tenant_of(&self, queue_id: &str) -> Option<String> {
        std::fs::read_dir(&self.dir).into_iter().flatten().flatten().find_map(|e| {
            e.path().join(format!("{queue_id}.rec")).is_file().then(|| e.file_name().to_string_lossy().into_owned())
        })
    }

    /// Moves a message into the spool for delivery to its recipients (as queue id
    /// `<id>.r`), then removes it from the quarantine. A crash in between leaves it in
    /// both: released twice at worst, never lost.
    pub fn release(
        &self,
        queue_id: &str,
        spool: &super::spool::Spool,
    ) -> Result<super::spool::SpoolEnvelope, SpoolError> {
        let tenant = self
            .tenant_of(queue_id)
            .ok_or_else(|| SpoolError::Broken(self.dir.join(queue_id), "no such quarantined message"))?;
        let record = self
            .list(&tenant)?
            .into_iter()
            .find(|r| r.queue_id == queue_id)
            .ok_or_else(|| SpoolError::Broken(self.dir.join(queue_id), "no record"))?;
        let message = self.message(&tenant, queue_id)?;
        let index = spool.index();
        let held = index.get(&tenant, Place::Quarantine, queue_id)?;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        // The record keeps no SMTPUTF8 or 8BITMIME flag: each is set wherever the bytes
        // could need it, and delivery asks the next hop only for what they do need.
        let eight_bit = !message.is_ascii();
        let utf8_addresses = !record.mail_from.is_ascii() || record.rcpts.iter().any(|r| !r.is_ascii());
        let env = super::spool::SpoolEnvelope {
            tenant: tenant.clone(),
            queue_id: format!("{queue_id}.r"),
            mail_from: record.mail_from,
            rcpts: record.rcpts,
            received: now,
            attempts: 0,
            smtputf8: eight_bit || utf8_addresses,
            eight_bit,
        };
        if let Some(entry) = held {
            index.put(&IndexEntry { place: Place::Spool, queue_id: env.queue_id.clone(), time: now, ..entry })?;
        }
        spool.write(&env, &[&message])?;
        self.delete(queue_id)?;
        Ok(env)
    }

    /// Removes a quarantined message and its record, then its index entry.
    pub fn delete(&self, queue_id: &str) -> Result<(), SpoolError> {
        let tenant = self
            .tenant_of(queue_id)
            .ok_or_else(|| SpoolError::Broken(self.dir.join(queue_id), "no such quarantined message"))?;
        let dir = self.dir.join(&tenant);
        for ext in ["rec", "msg"] {
            let p = dir.join(format!("{queue_id}.{ext}"));
            std::fs::remove_file(&p).map_err(|e| SpoolError::Io(p, e))?;
        }
        mxr_durable::sync_dir(&dir).map_err(|e| SpoolError::Io(dir.clone(), e))?;
        self.index().remove(&tenant, Place::Quarantine, queue_id)
    }

    /// The index of the addresses each quarantined copy names (written before the copy
    /// by whoever quarantines it; removed here with the copy).
    pub fn index(&self) -> SubjectIndex {
        SubjectIndex::new(self.dir.parent().unwrap_or(&self.dir), self.keys.clone())
    }

    /// The folder of a tenant's quarantine.
    pub fn tenant_dir(&self, tenant: &str) -> PathBuf {
        self.dir.join(tenant)
    }

    /// Deletes every message held longer than `retention`; returns how many.
    pub fn purge(&self, retention: std::time::Duration) -> usize {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let mut purged = 0;
        for tenant in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            let tenant = tenant.file_name().to_string_lossy().into_owned();
            let Ok(records) = self.list(&tenant) else { continue };
            for r in records.iter().filter(|r| now.saturating_sub(r.time) >= retention.as_secs()) {
                match self.delete(&r.queue_id) {
                    Ok(()) => purged += 1,
                    Err(e) => tracing::warn!(queue_id = %r.queue_id, error = %e, "cannot purge a quarantined message"),
                }
            }
        }
        if purged > 0 {
            tracing::info!(purged, retention_days = retention.as_secs() / 86_400, "quarantine retention purge");
        }
        purged
    }

    /// A quarantined message's bytes.
    pub fn message(&self, tenant: &str, queue_id: &str) -> Result<Vec<u8>, SpoolError> {
        let key = self.keys.tenant(tenant)?;
        let path = self.dir.join(tenant).join(format!("{queue_id}.msg"));
        let sealed = std::fs::read(&path).map_err(|e| SpoolError::Io(path.clone(), e))?;
        key.sealer()
            .open(&Self::aad(tenant, queue_id, "message"), &sealed)
            .map_err(|_| SpoolError::Broken(path, "does not authenticate"))
    }
}

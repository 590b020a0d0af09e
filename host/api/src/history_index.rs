//! Message history kept as the audit log grows. Each history request first reads
//! only the frames appended since the one before, so a page costs what was written
//! since, not the whole log: no tenant can make the API read the log end to end
//! again and again; the log is read a chunk ([`CHUNK`]) at a time. Per tenant the
//! newest [`MAX_COPIES`] copies are kept, each with
//! the keyed subject tokens of its records (never an address), its outcome and what
//! each plugin saw.

use mxr_audit::log::{RawFrame, decode_entry, frames};
use mxr_audit::{AuditRecord, Event};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Copies kept per tenant; older ones drop out of the history.
pub const MAX_COPIES: usize = 10_000;

/// One copy's history, built from its records in log order.
#[derive(Default, Clone)]
pub(crate) struct Copy {
    /// Its latest record's time (Unix seconds).
    pub time: u64,
    /// The subject tokens its records name.
    pub subjects: BTreeSet<String>,
    /// Its outcome, once decided.
    pub outcome: Option<Value>,
    /// What each plugin was shown.
    pub disclosures: Vec<Value>,
}

#[derive(Default)]
struct TenantCopies {
    copies: HashMap<String, Copy>,
    /// (time, queue id) of every copy, for the newest first and for eviction.
    by_time: BTreeSet<(u64, String)>,
}

impl TenantCopies {
    fn fold(&mut self, r: &AuditRecord) {
        let copy = self.copies.entry(r.queue_id.clone()).or_default();
        self.by_time.remove(&(copy.time, r.queue_id.clone()));
        copy.time = copy.time.max(r.time);
        copy.subjects.extend(r.subjects.iter().cloned());
        match &r.event {
            Event::Disclosure(d) => {
                let forms: BTreeMap<&str, &str> = d.forms.iter().map(|(c, f)| (c.name(), f.name())).collect();
                copy.disclosures.push(json!({"plugin": d.plugin, "version": d.version, "stage": d.stage,
                    "purpose": d.purpose, "forms": forms, "call": d.outcome}));
            }
            Event::Outcome(o) => {
                copy.outcome = Some(json!({"outcome": o.outcome, "code": o.code, "plugin": o.plugin,
                    "score": o.score, "tags": o.tags}));
            }
            Event::Operator(_) | Event::Control(_) | Event::Deletion(_) => {}
        }
        self.by_time.insert((copy.time, r.queue_id.clone()));
        while self.by_time.len() > MAX_COPIES {
            let Some((_, oldest)) = self.by_time.pop_first() else { break };
            self.copies.remove(&oldest);
        }
    }
}

#[derive(Default)]
struct State {
    /// How far the log has been read, in bytes (whole frames only).
    offset: u64,
    tenants: HashMap<String, TenantCopies>,
}

/// The history of every tenant, read incrementally from one audit log file.
pub(crate) struct HistoryIndex {
    log: PathBuf,
    /// Bytes read into memory at once ([`CHUNK`]).
    chunk: usize,
    state: Mutex<State>,
}

impl HistoryIndex {
    /// An index of the log at `log`, read on first use.
    pub(crate) fn new(log: PathBuf) -> HistoryIndex {
        HistoryIndex { log, chunk: CHUNK, state: Mutex::new(State::default()) }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Up to `limit` of `tenant`'s copies, newest first, naming `subject` when given.
    /// Reads what was appended since the last call first (blocking I/O).
    pub(crate) fn copies(
        &self,
        tenant: &str,
        subject: Option<&str>,
        limit: usize,
    ) -> std::io::Result<Vec<(String, Copy)>> {
        let mut state = self.lock();
        catch_up(&self.log, &mut state, self.chunk)?;
        let Some(t) = state.tenants.get(tenant) else { return Ok(vec![]) };
        Ok(t.by_time
            .iter()
            .rev()
            .filter_map(|(_, qid)| Some((qid, t.copies.get(qid)?)))
            .filter(|(_, c)| subject.is_none_or(|s| c.subjects.contains(s)))
            .take(limit)
            .map(|(qid, c)| (qid.clone(), c.clone()))
            .collect())
    }
}

/// The most of the log read into memory at once, in bytes (a frame longer than this
/// is read whole all the same).
const CHUNK: usize = 4 << 20;

/// Folds the whole frames appended to `log` since `state.offset`, a chunk at a time,
/// so memory stays bounded however long the log. A log shorter than what was read
/// (rewritten) is read again from its start; a frame that does not decode is
/// skipped, never read again.
fn catch_up(log: &Path, state: &mut State, chunk: usize) -> std::io::Result<()> {
    let mut file = match std::fs::File::open(log) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len < state.offset {
        *state = State::default();
    }
    let mut want = chunk;
    while state.offset < len {
        file.seek(SeekFrom::Start(state.offset))?;
        let mut bytes = Vec::with_capacity(want.min((len - state.offset) as usize));
        (&mut file).take(want as u64).read_to_end(&mut bytes)?;
        let before = state.offset;
        for frame in frames(&bytes) {
            let RawFrame::Whole { offset, body, .. } = frame else { break };
            state.offset = before + (offset + 4 + body.len() + 32) as u64;
            fold(state, body);
        }
        if state.offset == before {
            // Not one whole frame in the chunk: a torn tail, or a frame longer than it.
            if (bytes.len() as u64) < len - before {
                want = want.saturating_mul(2);
                continue;
            }
            break;
        }
        want = chunk;
    }
    Ok(())
}

/// Folds one frame's record into its tenant's history.
fn fold(state: &mut State, body: &[u8]) {
    let Ok(entry) = decode_entry(body) else { return };
    let r = &entry.record;
    if !r.queue_id.is_empty() && matches!(r.event, Event::Disclosure(_) | Event::Outcome(_)) {
        state.tenants.entry(r.tenant.clone()).or_default().fold(r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxr_audit::{AuditLog, CopyDone, NodeSigner};

    fn outcome(tenant: &str, qid: &str, time: u64, subject: &str) -> AuditRecord {
        AuditRecord {
            time,
            region: "nl".into(),
            tenant: tenant.into(),
            queue_id: qid.into(),
            subjects: vec![subject.into()],
            event: Event::Outcome(CopyDone {
                outcome: "queued".into(),
                code: 250,
                plugin: None,
                score: 0.0,
                tags: vec![],
            }),
        }
    }

    #[test]
    fn history_is_read_as_the_log_grows_newest_first_by_tenant_and_subject() {
        let dir = tempfile::tempdir().unwrap();
        let log = AuditLog::open(dir.path(), "nl", NodeSigner::from_seed(&[7; 32])).unwrap();
        // A chunk smaller than one frame: the log is read a frame at a time, each read
        // growing until the frame fits.
        let index = HistoryIndex { chunk: 64, ..HistoryIndex::new(mxr_audit::dir(dir.path()).join("log")) };
        assert!(index.copies("t", None, 10).unwrap().is_empty(), "an empty log has no history");
        log.append(&outcome("t", "q1", 100, "s-a")).unwrap();
        log.append(&outcome("u", "q2", 101, "s-a")).unwrap();
        log.append(&outcome("t", "q3", 102, "s-b")).unwrap();
        let ids = |list: Vec<(String, Copy)>| list.into_iter().map(|(q, _)| q).collect::<Vec<_>>();
        assert_eq!(ids(index.copies("t", None, 10).unwrap()), ["q3", "q1"], "newest first, tenant t only");
        let read = index.lock().offset;
        log.append(&outcome("t", "q4", 103, "s-a")).unwrap();
        assert_eq!(ids(index.copies("t", Some("s-a"), 10).unwrap()), ["q4", "q1"], "by subject token");
        assert!(index.lock().offset > read, "only the new frame was read");
        assert_eq!(ids(index.copies("t", None, 1).unwrap()), ["q4"], "limited");
    }

    #[test]
    fn a_tenant_keeps_its_newest_copies_only() {
        let mut t = TenantCopies::default();
        for i in 0..(MAX_COPIES as u64 + 5) {
            t.fold(&outcome("t", &format!("q{i}"), i, "s"));
        }
        assert_eq!((t.copies.len(), t.by_time.len()), (MAX_COPIES, MAX_COPIES));
        assert!(!t.copies.contains_key("q4") && t.copies.contains_key("q5"), "the oldest five dropped out");
    }
}

//! The audit log's witnesses over HTTP (C2SP `tlog-witness`).
//!
//! [`router`] serves `POST /add-checkpoint` for a [`Witness`] (`mxr audit witness`):
//! the decisions and the durable state are `mxr-audit`'s, this is only the transport.
//! [`Witnesses`] is the relay's side: after each checkpoint it sends the newest one,
//! with a consistency proof from what each witness last cosigned, and stores the
//! cosignature beside the checkpoint (`audit/cosigned`). A witness that is down, slow
//! or refusing is logged and counted, and tried again with the next checkpoint; mail
//! never waits for it: submissions run on their own task, one round at a time.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use mxr_audit::add_checkpoint::{self, AddCheckpoint, MAX_BODY_BYTES, SIZE_CONTENT_TYPE};
use mxr_audit::note::{NoteKey, SigType, Verdict};
use mxr_audit::tree_head::SignedTreeHead;
use mxr_audit::witness::{Refusal, Witness};
use mxr_config::witness::KeyKind;
use mxr_metrics::{IdLabel, WitnessMetrics, WitnessOutcome};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long one submission may take before the witness counts as unreachable.
pub const SUBMIT_TIMEOUT: Duration = Duration::from_secs(10);

/// The witness's HTTP interface: `POST /add-checkpoint`.
pub fn router(witness: Arc<Witness>) -> axum::Router {
    axum::Router::new()
        .route("/add-checkpoint", axum::routing::post(add))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(witness)
}

async fn add(State(witness): State<Arc<Witness>>, body: Bytes) -> Response {
    let answer = tokio::task::spawn_blocking(move || witness.add_checkpoint(&body, mxr_audit::now())).await;
    match answer {
        Ok(Ok(line)) => (StatusCode::OK, line.line()).into_response(),
        Ok(Err(Refusal::Conflict { known })) => {
            (StatusCode::CONFLICT, [(header::CONTENT_TYPE, SIZE_CONTENT_TYPE)], format!("{known}\n")).into_response()
        }
        Ok(Err(refusal)) => {
            tracing::warn!(%refusal, "add-checkpoint refused");
            let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, format!("{refusal}\n")).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("{e}\n")).into_response(),
    }
}

/// Serves `witness` on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, witness: Arc<Witness>) -> std::io::Result<()> {
    axum::serve(listener, router(witness)).await
}

/// One configured witness, as the relay knows it.
struct Peer {
    url: String,
    key: NoteKey,
    /// Its key id in hex: the metrics label.
    label: IdLabel,
    /// The size it last cosigned, once known.
    known: Mutex<Option<u64>>,
}

/// The relay's witnesses, and the state of its submissions to them.
pub struct Witnesses {
    data_dir: PathBuf,
    origin: String,
    peers: Vec<Peer>,
    metrics: WitnessMetrics,
    client: Client<HttpConnector, Full<Bytes>>,
    /// Held while a round runs: a round still waiting on a slow witness is not joined.
    round: tokio::sync::Mutex<()>,
}

/// How one submission ended, before it is counted.
enum Sent {
    Cosigned(u64),
    Refused(String),
    Unreachable(String),
}

impl Witnesses {
    /// The witnesses of `config`, for the log whose origin is `origin`.
    pub fn new(config: &mxr_config::Config, origin: &str, metrics: WitnessMetrics) -> Witnesses {
        let peers: Vec<Peer> = config.witnesses.iter().filter_map(|w| peer(w, &metrics)).collect();
        let client = Client::builder(TokioExecutor::new()).build_http();
        let (data_dir, origin) = (config.data_dir.clone(), origin.to_owned());
        Witnesses { data_dir, origin, peers, metrics, client, round: tokio::sync::Mutex::new(()) }
    }

    /// Sends the newest checkpoint to every witness that has not cosigned it, unless a
    /// round is already running. Never fails: each witness's outcome is logged and counted.
    pub async fn submit_latest(&self) {
        if let Ok(_round) = self.round.try_lock() {
            self.run_round().await;
        }
    }

    /// As [`Witnesses::submit_latest`], after a round already running has ended.
    pub async fn submit_latest_now(&self) {
        let _round = self.round.lock().await;
        self.run_round().await;
    }

    async fn run_round(&self) {
        if self.peers.is_empty() {
            return;
        }
        let path = mxr_audit::dir(&self.data_dir).join(mxr_audit::log::TREE_HEADS);
        let latest = tokio::task::spawn_blocking(move || mxr_audit::log::latest_tree_head(&path)).await;
        let Ok(Ok(Some(latest))) = latest else { return };
        if latest.head.origin != self.origin {
            return;
        }
        for p in &self.peers {
            let outcome = self.submit(p, &latest).await;
            self.count(p, outcome);
        }
    }

    fn count(&self, p: &Peer, outcome: Option<Sent>) {
        let (name, url) = (p.key.name.as_str(), p.url.as_str());
        match outcome {
            None => {}
            Some(Sent::Cosigned(size)) => {
                tracing::info!(witness = name, size, "audit checkpoint cosigned");
                self.metrics.submitted(&p.label, WitnessOutcome::Cosigned);
                self.metrics.witnessed(&p.label, size);
            }
            Some(Sent::Refused(why)) => {
                tracing::error!(witness = name, url, why, "witness refused the audit checkpoint");
                self.metrics.submitted(&p.label, WitnessOutcome::Refused);
            }
            Some(Sent::Unreachable(why)) => {
                tracing::warn!(witness = name, url, why, "witness unreachable; retried with the next checkpoint");
                self.metrics.submitted(&p.label, WitnessOutcome::Unreachable);
            }
        }
    }

    /// One witness: `None` when it already cosigned this checkpoint.
    async fn submit(&self, p: &Peer, latest: &SignedTreeHead) -> Option<Sent> {
        let known = *p.known.lock().unwrap_or_else(|e| e.into_inner());
        let mut old = match known {
            Some(known) => known,
            None => self.cosigned_before(&p.key).await,
        };
        // A 409 names the size the witness holds: one more try from there.
        for _ in 0..2 {
            if old == latest.head.size {
                set_known(p, old);
                return None;
            }
            let proof = self.proof(old, latest.head.size).await;
            let Some(proof) = proof else {
                return Some(Sent::Refused(format!("the witness holds size {old}, beyond this log's")));
            };
            let body = AddCheckpoint { old, proof, checkpoint: latest.note.to_bytes() }.to_bytes();
            match self.post(&p.url, body).await {
                Err(why) => return Some(Sent::Unreachable(why)),
                Ok((200, body)) => return Some(self.keep(p, latest, &body)),
                Ok((409, body)) => match add_checkpoint::parse_size(&body) {
                    Ok(size) => old = size,
                    Err(e) => return Some(Sent::Unreachable(format!("409 with {e}"))),
                },
                Ok((status, body)) => {
                    return Some(Sent::Refused(format!("{status}: {}", String::from_utf8_lossy(&body).trim())));
                }
            }
        }
        set_known(p, old);
        Some(Sent::Refused(format!("conflict: the witness holds size {old}")))
    }

    /// Stores the checkpoint with the witness's cosignature from a 200 answer.
    fn keep(&self, p: &Peer, latest: &SignedTreeHead, body: &[u8]) -> Sent {
        let lines = match add_checkpoint::parse_cosignatures(body) {
            Ok(lines) => lines,
            Err(e) => return Sent::Unreachable(format!("200 with {e}")),
        };
        let mut note = latest.note.clone();
        note.signatures.extend(lines.into_iter().filter(|l| l.name == p.key.name && l.id == p.key.id()));
        if !matches!(p.key.check(&note), Verdict::Signed { time: Some(_) }) {
            return Sent::Unreachable("200 without a valid cosignature".into());
        }
        if let Err(e) = mxr_audit::store_cosigned(&self.data_dir, &note) {
            return Sent::Unreachable(format!("cosigned, but storing it failed: {e}"));
        }
        set_known(p, latest.head.size);
        Sent::Cosigned(latest.head.size)
    }

    /// The largest size `key` cosigned among the stored cosigned checkpoints (0: none).
    async fn cosigned_before(&self, key: &NoteKey) -> u64 {
        let dir = self.data_dir.clone();
        let stored = tokio::task::spawn_blocking(move || mxr_audit::read_cosigned(&dir)).await;
        let stored = stored.ok().and_then(Result::ok).unwrap_or_default();
        stored
            .iter()
            .filter(|c| matches!(key.check(&c.note), Verdict::Signed { .. }))
            .map(|c| c.head.size)
            .max()
            .unwrap_or(0)
    }

    /// The consistency proof from `old` to `new` records, from the log file.
    async fn proof(&self, old: u64, new: u64) -> Option<Vec<mxr_audit::tree::Hash>> {
        let path = mxr_audit::dir(&self.data_dir).join("log");
        let proof = tokio::task::spawn_blocking(move || {
            let bytes = std::fs::read(&path).ok()?;
            mxr_audit::proof::consistency(&bytes, old, new).ok()
        });
        proof.await.ok().flatten()
    }

    /// POSTs an add-checkpoint body; the status and the (bounded) answer.
    async fn post(&self, url: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), String> {
        let req = hyper::Request::post(url)
            .header(header::CONTENT_TYPE, "text/plain")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| e.to_string())?;
        let exchange = async {
            let resp = self.client.request(req).await.map_err(|e| e.to_string())?;
            let status = resp.status().as_u16();
            let body = Limited::new(resp.into_body(), MAX_BODY_BYTES).collect().await.map_err(|e| e.to_string())?;
            Ok((status, body.to_bytes().to_vec()))
        };
        tokio::time::timeout(SUBMIT_TIMEOUT, exchange).await.map_err(|_| "timed out".to_owned())?
    }
}

fn set_known(p: &Peer, size: u64) {
    *p.known.lock().unwrap_or_else(|e| e.into_inner()) = Some(size);
}

/// The peer of a configured witness, shown in the metrics at zero.
fn peer(w: &mxr_config::witness::WitnessConfig, metrics: &WitnessMetrics) -> Option<Peer> {
    let key = note_key(&w.key.0)?;
    let label = IdLabel::new(Arc::from(format!("{:08x}", key.id()))).ok()?;
    metrics.register(&label);
    Some(Peer { url: w.url.add_checkpoint(), key, label, known: Mutex::new(None) })
}

/// The audit crate's view of a verifier key from the config (its checks already passed).
pub fn note_key(k: &mxr_config::witness::VerifierKey) -> Option<NoteKey> {
    let kind = match k.kind {
        KeyKind::Ed25519 => SigType::Ed25519,
        KeyKind::Cosignature => SigType::Cosignature,
    };
    NoteKey::new(&k.name, kind, k.public).ok()
}

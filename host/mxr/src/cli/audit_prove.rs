//! `mxr audit prove`: RFC 6962 proofs from this node's audit log, each checked before
//! it is printed. An inclusion proof shows a record is in the tree a checkpoint signs;
//! a consistency proof shows one checkpoint's tree is a prefix of another's, so that
//! whoever kept the older checkpoint (a tenant, a witness) can check the log only grew.

use super::relay_args::RelayArgs;
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use mxr_audit::tree::{self, Hash, leaf_hash};
use mxr_audit::tree_head::SignedTreeHead;
use std::process::ExitCode;

/// What to prove.
#[derive(clap::Subcommand, Debug)]
pub enum ProveCommand {
    /// That record N (from 0, as `mxr audit show` counts) is in a checkpoint's tree.
    Inclusion {
        /// The record's position in the log.
        #[arg(long, value_name = "N")]
        record: u64,
        /// The tree size of the checkpoint to prove against (default: the newest).
        #[arg(long, value_name = "SIZE")]
        size: Option<u64>,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// That the tree of OLD records is a prefix of the tree of NEW records.
    Consistency {
        /// The older tree size (a checkpoint someone kept).
        #[arg(long, value_name = "SIZE")]
        old: u64,
        /// The newer tree size (default: the newest checkpoint's).
        #[arg(long, value_name = "SIZE")]
        new: Option<u64>,
        #[command(flatten)]
        relay: RelayArgs,
    },
}

/// The log's bytes and its signed checkpoints, read once.
struct Audit {
    log: Vec<u8>,
    heads: Vec<SignedTreeHead>,
}

impl Audit {
    fn read(relay: &RelayArgs, explicit_data_dir: bool) -> anyhow::Result<Audit> {
        let dir = mxr_audit::dir(&relay.load(explicit_data_dir)?.data_dir);
        let log = std::fs::read(dir.join("log")).with_context(|| format!("{}", dir.join("log").display()))?;
        let heads = mxr_audit::log::read_tree_heads(&dir.join(mxr_audit::log::TREE_HEADS))?;
        Ok(Audit { log, heads })
    }

    /// `size`, or the newest checkpoint's.
    fn size_or_newest(&self, size: Option<u64>) -> anyhow::Result<u64> {
        match (size, self.heads.last()) {
            (Some(s), _) => Ok(s),
            (None, Some(h)) => Ok(h.head.size),
            (None, None) => bail!("the log has no signed checkpoint yet; give the tree size"),
        }
    }

    /// The root of the tree of `size` records, from the log; printed with the signed
    /// checkpoint of that size, which must agree.
    fn root(&self, size: u64) -> anyhow::Result<Hash> {
        let root = mxr_audit::proof::tree_of(&self.log, size)?.root();
        match self.heads.iter().find(|h| h.head.size == size) {
            Some(h) if h.head.root != root => bail!("the log's first {size} records do not hash to the signed root"),
            Some(h) => print!("checkpoint:\n{}", String::from_utf8_lossy(&h.note.to_bytes())),
            None => println!("root {} (no signed checkpoint of size {size})", B64.encode(root)),
        }
        Ok(root)
    }
}

/// Runs `mxr audit prove …`.
pub fn prove(cmd: ProveCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        ProveCommand::Inclusion { record, size, relay } => {
            let audit = Audit::read(&relay, explicit_data_dir)?;
            let size = audit.size_or_newest(size)?;
            let entries = mxr_audit::proof::entries(&audit.log);
            let entry = entries.get(record as usize).with_context(|| format!("no record {record}"))?;
            let proof = mxr_audit::proof::inclusion(&audit.log, record, size)?;
            println!("inclusion of record {record} in the tree of {size} records (RFC 6962 2.1.1)");
            println!("leaf {}", B64.encode(leaf_hash(entry)));
            print_hashes(&proof);
            let root = audit.root(size)?;
            tree::verify_inclusion(entry, record, size, &root, &proof).context("the proof does not verify")?;
        }
        ProveCommand::Consistency { old, new, relay } => {
            let audit = Audit::read(&relay, explicit_data_dir)?;
            let new = audit.size_or_newest(new)?;
            let proof = mxr_audit::proof::consistency(&audit.log, old, new)?;
            println!("consistency of the tree of {old} records with the tree of {new} (RFC 6962 2.1.2)");
            print_hashes(&proof);
            let old_root = audit.root(old)?;
            let new_root = audit.root(new)?;
            tree::verify_consistency(old, &old_root, new, &new_root, &proof).context("the proof does not verify")?;
        }
    }
    println!("verified");
    Ok(ExitCode::SUCCESS)
}

fn print_hashes(proof: &[Hash]) {
    for h in proof {
        println!("proof {}", B64.encode(h));
    }
}

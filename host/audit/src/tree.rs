//! The RFC 6962 Merkle tree over the log's entries: a leaf is a record's frame body
//! (the postcard `Entry`, the same bytes the hash chain hashes), its hash
//! `SHA-256(0x00 || body)`, an inner node `SHA-256(0x01 || left || right)`.
//!
//! Two halves. [`Frontier`] is what a writer keeps: the roots of the perfect subtrees
//! the tree so far splits into (at most 64 hashes), enough for the root hash at any
//! size it reaches, without holding the leaves. [`Tree`] is what a prover builds from a
//! log file: `ct-merkle`'s memory-backed tree, for inclusion and consistency proofs
//! (RFC 6962 §2.1.1, §2.1.2) and their verification. The two are checked against each
//! other and against the transparency-dev known answers below.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};
use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// The root of the empty tree: SHA-256 of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The leaf hash of an entry: `SHA-256(0x00 || entry)`.
pub fn leaf_hash(entry: &[u8]) -> Hash {
    let mut h = Sha256::new_with_prefix([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// An inner node's hash: `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new_with_prefix([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The right edge of a growing tree: for each set bit of the size, from the highest,
/// the root of that perfect subtree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// `(height, root)`, heights strictly falling.
    peaks: Vec<(u32, Hash)>,
}

impl Frontier {
    /// The empty tree's frontier.
    pub fn new() -> Self {
        Frontier::default()
    }

    /// How many leaves it covers.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Adds the leaf whose leaf hash is `leaf`.
    pub fn push(&mut self, leaf: Hash) {
        let mut node = (0u32, leaf);
        while let Some(&(height, left)) = self.peaks.last() {
            if height != node.0 {
                break;
            }
            self.peaks.pop();
            node = (height + 1, node_hash(&left, &node.1));
        }
        self.peaks.push(node);
        self.size += 1;
    }

    /// The tree's root hash (RFC 6962 MTH): the peaks folded from the right.
    pub fn root(&self) -> Hash {
        let mut peaks = self.peaks.iter().rev();
        let Some(&(_, mut acc)) = peaks.next() else { return empty_root() };
        for (_, left) in peaks {
            acc = node_hash(left, &acc);
        }
        acc
    }
}

/// Why a proof cannot be made or does not hold.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// A size or index beyond the leaves there are.
    #[error("the tree has {have} leaves; {asked} asked for")]
    OutOfRange {
        /// Leaves there are.
        have: u64,
        /// What was asked (a size, or an index plus one).
        asked: u64,
    },
    /// A consistency proof from an empty tree or to a smaller one (RFC 6962 defines none).
    #[error("no consistency proof from size {old} to size {new}")]
    NoProof {
        /// The older size.
        old: u64,
        /// The newer size.
        new: u64,
    },
    /// The proof does not lead to the root it should.
    #[error("the proof does not verify")]
    Invalid,
}

/// A tree over the first leaves of a log, for proofs.
pub struct Tree {
    inner: MemoryBackedTree<Sha256, Vec<u8>>,
}

impl Tree {
    /// The tree whose leaves are `entries`, in order.
    pub fn new<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut inner = MemoryBackedTree::new();
        for e in entries {
            inner.push(e.to_vec());
        }
        Tree { inner }
    }

    /// How many leaves it holds.
    pub fn size(&self) -> u64 {
        self.inner.len()
    }

    /// Its root hash.
    pub fn root(&self) -> Hash {
        if self.inner.is_empty() { empty_root() } else { (*self.inner.root().as_bytes()).into() }
    }

    /// The audit path of leaf `index` in this tree (RFC 6962 §2.1.1).
    pub fn prove_inclusion(&self, index: u64) -> Result<Vec<Hash>, ProofError> {
        if index >= self.size() {
            return Err(ProofError::OutOfRange { have: self.size(), asked: index + 1 });
        }
        Ok(split(self.inner.prove_inclusion(index as usize).as_bytes()))
    }

    /// The consistency proof from its first `old` leaves to all of it (RFC 6962 §2.1.2).
    pub fn prove_consistency(&self, old: u64) -> Result<Vec<Hash>, ProofError> {
        let new = self.size();
        if old == 0 || old > new {
            return Err(ProofError::NoProof { old, new });
        }
        if old == new {
            return Ok(vec![]);
        }
        Ok(split(self.inner.prove_consistency((new - old) as usize).as_bytes()))
    }
}

fn split(bytes: &[u8]) -> Vec<Hash> {
    bytes.chunks_exact(32).map(|c| c.try_into().expect("32 bytes")).collect()
}

/// Checks that `entry` is leaf `index` of the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(entry: &[u8], index: u64, size: u64, root: &Hash, proof: &[Hash]) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange { have: size, asked: index + 1 });
    }
    let head = RootHash::<Sha256>::new((*root).into(), size);
    let proof = InclusionProof::<Sha256>::from_digests(proof.iter().map(|h| h.into()));
    head.verify_inclusion(&entry, index, &proof).map_err(|_| ProofError::Invalid)
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of the tree of
/// `new` leaves with root `new_root`. Equal sizes need equal roots and an empty proof;
/// the empty tree is a prefix of any tree, with an empty proof.
pub fn verify_consistency(
    old: u64,
    old_root: &Hash,
    new: u64,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::NoProof { old, new });
    }
    if old == 0 || old == new {
        let same = old == 0 || old_root == new_root;
        return if same && proof.is_empty() { Ok(()) } else { Err(ProofError::Invalid) };
    }
    let (older, newer) = (RootHash::<Sha256>::new((*old_root).into(), old), RootHash::new((*new_root).into(), new));
    let proof = ConsistencyProof::<Sha256>::from_digests(proof.iter().map(|h| h.into()));
    newer.verify_consistency(&older, &proof).map_err(|_| ProofError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// transparency-dev/merkle's reference leaves and the roots of their prefixes.
    const LEAVES: [&str; 8] =
        ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    const ROOTS: [&str; 8] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ];

    fn leaves() -> Vec<Vec<u8>> {
        LEAVES.iter().map(|l| hex::decode(l).unwrap()).collect()
    }

    #[test]
    fn frontier_and_tree_give_the_reference_roots() {
        let leaves = leaves();
        let mut f = Frontier::new();
        assert_eq!(hex::encode(f.root()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        for (n, want) in ROOTS.iter().enumerate() {
            f.push(leaf_hash(&leaves[n]));
            assert_eq!(hex::encode(f.root()), *want, "frontier at size {}", n + 1);
            let t = Tree::new(leaves[..=n].iter().map(Vec::as_slice));
            assert_eq!(hex::encode(t.root()), *want, "tree at size {}", n + 1);
        }
    }

    #[test]
    fn the_reference_consistency_proof_from_1_to_8() {
        let leaves = leaves();
        let t = Tree::new(leaves.iter().map(Vec::as_slice));
        let want = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ];
        let got: Vec<String> = t.prove_consistency(1).unwrap().iter().map(hex::encode).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn every_proof_of_every_size_verifies_and_a_changed_one_does_not() {
        let entries: Vec<Vec<u8>> = (0..40u32).map(|i| i.to_be_bytes().to_vec()).collect();
        let mut f = Frontier::new();
        let mut roots = vec![empty_root()];
        for e in &entries {
            f.push(leaf_hash(e));
            roots.push(f.root());
        }
        for new in 1..=entries.len() as u64 {
            let t = Tree::new(entries[..new as usize].iter().map(Vec::as_slice));
            assert_eq!(t.root(), roots[new as usize], "frontier and ct-merkle agree at {new}");
            for i in 0..new {
                let p = t.prove_inclusion(i).unwrap();
                verify_inclusion(&entries[i as usize], i, new, &roots[new as usize], &p).unwrap();
                assert!(verify_inclusion(b"other", i, new, &roots[new as usize], &p).is_err());
            }
            for old in 0..=new {
                let p = if old == 0 { vec![] } else { t.prove_consistency(old).unwrap() };
                verify_consistency(old, &roots[old as usize], new, &roots[new as usize], &p).unwrap();
                if old > 0 && old < new {
                    let other = leaf_hash(b"rewritten");
                    assert!(verify_consistency(old, &other, new, &roots[new as usize], &p).is_err());
                }
            }
        }
        assert_eq!(verify_consistency(3, &roots[3], 2, &roots[2], &[]), Err(ProofError::NoProof { old: 3, new: 2 }));
        assert_eq!(verify_consistency(2, &roots[3], 2, &roots[2], &[]), Err(ProofError::Invalid));
    }
}

//! The record caches `mail-auth` consults before it asks the resolver: parsed SPF,
//! DKIM and DMARC records, MX sets, addresses and PTR names, each kept until the
//! expiry its DNS answer's TTL gave and never past it.
//!
//! Bounded: a full cache first drops what has expired, then, if still full, starts
//! afresh. A cache miss costs one more lookup, so a flood of distinct sender domains
//! costs lookups, never memory.

use mail_auth::{MX, RecordSet, ResolverCache, Txt};
use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Instant;

/// One kind of record, by name, each with the instant it expires.
pub struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> TtlCache<K, V> {
    /// An empty cache of at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        TtlCache { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    /// Entries held now, expired ones included until the next insert clears them.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Hash + Eq, V: Clone> ResolverCache<K, V> for TtlCache<K, V> {
    fn get<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(name).filter(|(_, until)| *until > Instant::now()).map(|(v, _)| v.clone())
    }

    fn remove<Q>(&self, name: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.lock().unwrap_or_else(|p| p.into_inner()).remove(name).map(|(v, _)| v)
    }

    fn insert(&self, key: K, value: V, valid_until: Instant) {
        let now = Instant::now();
        if valid_until <= now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            entries.retain(|_, (_, until)| *until > now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (value, valid_until));
    }
}

/// The caches, one per kind of record.
pub struct Caches {
    /// SPF, DKIM and DMARC records, parsed.
    pub txt: TtlCache<Box<str>, Txt>,
    /// MX sets.
    pub mx: TtlCache<Box<str>, RecordSet<MX>>,
    /// A records.
    pub ipv4: TtlCache<Box<str>, RecordSet<Ipv4Addr>>,
    /// AAAA records.
    pub ipv6: TtlCache<Box<str>, RecordSet<Ipv6Addr>>,
    /// PTR names.
    pub ptr: TtlCache<IpAddr, RecordSet<Box<str>>>,
}

impl Caches {
    /// Empty caches of `capacity` entries each.
    pub fn new(capacity: usize) -> Self {
        Caches {
            txt: TtlCache::new(capacity),
            mx: TtlCache::new(capacity),
            ipv4: TtlCache::new(capacity),
            ipv6: TtlCache::new(capacity),
            ptr: TtlCache::new(capacity),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn entries_live_until_their_expiry_and_a_full_cache_stays_bounded() {
        let c: TtlCache<Box<str>, u32> = TtlCache::new(2);
        let later = Instant::now() + Duration::from_secs(60);
        c.insert("a".into(), 1, later);
        assert_eq!(c.get("a"), Some(1));
        c.insert("gone".into(), 2, Instant::now() - Duration::from_secs(1));
        assert_eq!(c.get("gone"), None, "an answer already expired is not kept");
        c.insert("b".into(), 2, later);
        c.insert("c".into(), 3, later);
        assert!(c.len() <= 2, "bounded: {}", c.len());
        assert_eq!(c.get("c"), Some(3));
        assert_eq!(c.remove("c"), Some(3));
        assert_eq!(c.get("c"), None);
    }
}

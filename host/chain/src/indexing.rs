//! Indexing each stored copy for data-subject requests (agreement art. 9): before a copy
//! is spooled or quarantined, the keyed tokens of every address it names go into the
//! tenant's sealed subject index ([`mxr_store::subject_index`]), so that a person's mail
//! can later be found by address without keeping any address in a list.
//!
//! An address counts wherever it appears: the envelope, any header (decoded address
//! headers, and address-shaped words of every other header), and the text and HTML as
//! the detector finds them. A copy whose entry cannot be written is not stored: mail
//! that a subject request could not find is not accepted.

use crate::Chain;
use mxr_mail::Envelope;
use mxr_privacy::detect::Kind;
use mxr_privacy::{ScannedMail, TenantPseudonyms};
use mxr_store::spool::SpoolError;
use mxr_store::subject_index::{IndexEntry, Place, Role};
use std::collections::BTreeSet;

/// Every address a copy names, with the part it plays, lower-cased and deduplicated.
pub fn named_addresses(env: &Envelope, rcpts: &[String], message: &ScannedMail, chain: &Chain) -> Vec<(Role, String)> {
    let mut out: BTreeSet<(Role, String)> = BTreeSet::new();
    let mut add = |role, a: &str| {
        let a = a.trim().trim_matches(['<', '>']).to_lowercase();
        if a.contains('@') {
            out.insert((role, a));
        }
    };
    env.mail_from.iter().for_each(|a| add(Role::Sender, a));
    rcpts.iter().for_each(|a| add(Role::Recipient, a));
    for list in [message.from(), message.to(), message.cc(), message.reply_to()] {
        list.iter().filter_map(|e| e.address.as_deref()).for_each(|a| add(Role::Header, a));
    }
    for (_, value) in message.headers() {
        address_words(value).for_each(|a| add(Role::Header, a));
    }
    let detector = chain.plugins.runtime().config().detector.clone();
    for (text, spans) in
        [(message.text_view(), message.text_spans(&*detector)), (message.html_view(), message.html_spans(&*detector))]
    {
        let Some(text) = text else { continue };
        for s in spans.iter().filter(|s| s.kind == Kind::Email) {
            text.get(s.range.clone()).into_iter().for_each(|a| add(Role::Body, a));
        }
    }
    out.into_iter().collect()
}

/// The address-shaped words of a header value: `local@domain.tld` between separators.
fn address_words(value: &str) -> impl Iterator<Item = &str> {
    value
        .split(|c: char| c.is_whitespace() || "<>,;:()\"'[]".contains(c))
        .filter(|w| w.split_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.')))
}

impl Chain {
    /// Writes (and flushes) the index entry of a copy under `place`.
    pub(crate) fn index_copy(
        &self,
        tenant: &str,
        place: Place,
        queue_id: &str,
        addresses: &[(Role, String)],
    ) -> Result<(), SpoolError> {
        self.spool.index().put(&self.index_entry(tenant, place, queue_id, addresses)?)
    }

    /// The index entry of a copy to be stored at `place`: the keyed token of each
    /// address it names.
    pub(crate) fn index_entry(
        &self,
        tenant: &str,
        place: Place,
        queue_id: &str,
        addresses: &[(Role, String)],
    ) -> Result<IndexEntry, SpoolError> {
        let pseudonyms = TenantPseudonyms::new(self.keys.tenant(tenant)?.pseudonym_root());
        let mut tokens: Vec<(Role, String)> =
            addresses.iter().map(|(r, a)| (*r, pseudonyms.index_subject(a))).collect();
        tokens.dedup();
        Ok(IndexEntry {
            tenant: tenant.to_owned(),
            place,
            queue_id: queue_id.to_owned(),
            time: mxr_audit::now(),
            tokens,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::address_words;

    #[test]
    fn address_words_are_found_between_separators_and_nothing_else() {
        let words: Vec<&str> = address_words("\"Ann\" <ann@a.test>, bob@b.test; (x@y) not-an@address").collect();
        assert_eq!(words, ["ann@a.test", "bob@b.test"]);
        let words: Vec<&str> = address_words("from h ([1.2.3.4]) by mx for <c@held.test>;").collect();
        assert_eq!(words, ["c@held.test"]);
    }
}

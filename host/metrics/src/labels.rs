//! The values a label may take: ids checked to be ids ([`IdLabel`]), and closed sets
//! as enums. No free text reaches a label, so no address, domain or message text can:
//! an id has neither `@` nor `.`, and every other value is one of a fixed few.

use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};
use std::fmt::{self, Write};
use std::sync::Arc;

/// Text that is an id: 1 to 64 characters of `[a-z0-9-]` (a tenant id, a plugin name,
/// a purpose). Cloning shares the text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdLabel(Arc<str>);

/// Text that is not an id, refused as a label value. Its text is not kept: it might
/// be the very address a label must never carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a label value must be 1 to 64 characters of [a-z0-9-]; this one ({len} bytes) is not")]
pub struct NotAnId {
    /// Its length in bytes.
    pub len: usize,
}

impl IdLabel {
    /// Checks `text` and keeps it without copying.
    pub fn new(text: Arc<str>) -> Result<IdLabel, NotAnId> {
        let ok = (1..=64).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok { Ok(IdLabel(text)) } else { Err(NotAnId { len: text.len() }) }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The shared text, for others that key by the same id without a copy.
    pub fn shared(&self) -> &Arc<str> {
        &self.0
    }
}

impl EncodeLabelValue for IdLabel {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        encoder.write_str(&self.0)
    }
}

/// An enum whose members are label values: `name()` gives each one's text.
macro_rules! closed_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every member, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The member's label value (kebab-case).
            pub fn name(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }

        impl EncodeLabelValue for $name {
            fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
                encoder.write_str(self.name())
            }
        }
    };
}

closed_set! {
    /// The SMTP stage a plugin hook runs at.
    HookStage {
        /// After connect.
        Connect => "connect",
        /// After MAIL FROM.
        MailFrom => "mail-from",
        /// For each RCPT TO.
        Rcpt => "rcpt",
        /// After DATA.
        Data => "data",
    }
}

closed_set! {
    /// What a plugin's checked verdict asked for (the action, without its reply).
    VerdictKind {
        /// No opinion.
        Continue => "continue",
        /// Accept; skip the rest of the stage.
        Accept => "accept",
        /// Refuse permanently.
        Reject => "reject",
        /// Refuse temporarily.
        Tempfail => "tempfail",
        /// Accept and drop.
        Discard => "discard",
        /// Accept into quarantine.
        Quarantine => "quarantine",
    }
}

closed_set! {
    /// Why a plugin call gave no verdict: the class of its failure, for counters and
    /// logs (the sandbox's `PluginFailure` has one variant per class).
    FailureClass {
        /// Its own time (or a host or wall backstop) passed the deadline.
        Timeout => "timeout",
        /// It tried to grow its memory past the cap.
        OutOfMemory => "out-of-memory",
        /// A wasm trap: a panic, a stack overflow, an `unreachable`.
        Trap => "trap",
        /// It returned something the host refuses.
        InvalidOutput => "invalid-output",
        /// It does not implement the interface this host speaks (or is not loaded).
        Incompatible => "incompatible",
        /// No sandbox slot was free.
        Capacity => "capacity",
        /// Not run: it failed too often for this tenant and is cooling down.
        Isolated => "isolated",
    }
}

impl FailureClass {
    /// True for the failures that are the plugin's own doing, which earn it strikes.
    pub fn is_misbehaviour(self) -> bool {
        matches!(
            self,
            FailureClass::Timeout | FailureClass::OutOfMemory | FailureClass::Trap | FailureClass::InvalidOutput
        )
    }
}

closed_set! {
    /// What became of one recipient in one delivery attempt.
    DeliveryResult {
        /// The next hop (or the Maildir) took it.
        Delivered => "delivered",
        /// To be tried again (4xx, or no answer).
        Deferred => "deferred",
        /// Refused for good (5xx), or given up on after the queue's maximum age: bounced.
        Failed => "failed",
    }
}

closed_set! {
    /// Why a connection was answered `421` and closed at accept.
    ConnectionRefusal {
        /// Its client address already holds its share of sessions (`421 4.7.0`).
        AddressSessions => "address-sessions",
        /// Its client address opened too many connections this minute (`421 4.7.0`).
        AddressRate => "address-rate",
        /// Its client address earned too many errors this minute (`421 4.7.0`).
        AddressErrors => "address-errors",
        /// Plugin calls are queued past their bound (`421 4.3.2`).
        PluginBacklog => "plugin-backlog",
        /// Every session permit is taken (`421 4.3.2`).
        ServerFull => "server-full",
    }
}

closed_set! {
    /// How one submission of an audit checkpoint to a witness ended.
    WitnessOutcome {
        /// The witness cosigned it; the cosignature is stored.
        Cosigned => "cosigned",
        /// The witness answered and refused it (a conflict, a bad proof, an unknown log).
        Refused => "refused",
        /// No answer, or one that is not the protocol's (down, timed out, garbled).
        Unreachable => "unreachable",
    }
}

/// An RFC 3463 enhanced status code, `class.subject.detail`, as a label value. Only
/// well-formed codes of the RFC's classes and subjects are kept (class 2, 4 or 5,
/// subject 0 to 7, detail 0 to 99), so a next hop's reply cannot grow the label set
/// without bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnhancedStatus {
    class: u8,
    subject: u8,
    detail: u8,
}

impl EnhancedStatus {
    /// `X.4.7`: delivery time expired (a deferred copy given up on).
    pub const EXPIRED: EnhancedStatus = EnhancedStatus { class: 4, subject: 4, detail: 7 };

    /// Parses `2.0.0`, `4.7.1`, `5.1.10`; `None` for anything else.
    pub fn parse(text: &str) -> Option<EnhancedStatus> {
        let mut parts = text.split('.');
        let mut number = |max: u8| {
            let digits = |p: &&str| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
            let p = parts.next().filter(digits).filter(|p| p.len() == 1 || !p.starts_with('0'))?;
            p.parse::<u8>().ok().filter(|n| *n <= max)
        };
        let (class, subject, detail) = (number(5)?, number(7)?, number(99)?);
        let whole = parts.next().is_none() && matches!(class, 2 | 4 | 5);
        whole.then_some(EnhancedStatus { class, subject, detail })
    }

    /// `class.0.0`, the code that says only the class: for a reply without one.
    pub fn of_class(result: DeliveryResult) -> EnhancedStatus {
        let class = match result {
            DeliveryResult::Delivered => 2,
            DeliveryResult::Deferred => 4,
            DeliveryResult::Failed => 5,
        };
        EnhancedStatus { class, subject: 0, detail: 0 }
    }

    /// The class digit: 2 (success), 4 (transient) or 5 (permanent).
    pub fn class(self) -> u8 {
        self.class
    }
}

impl fmt::Display for EnhancedStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl EncodeLabelValue for EnhancedStatus {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> fmt::Result {
        write!(encoder, "{self}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_ids_and_nothing_else() {
        for good in ["t1", "spam-score", "malware-scanning", &"a".repeat(64)] {
            assert_eq!(IdLabel::new(Arc::from(good)).unwrap().as_str(), good);
        }
        for bad in ["", "jan@example.nl", "example.nl", "Tenant", "a b", "t1\n", &"a".repeat(65)] {
            assert_eq!(IdLabel::new(Arc::from(bad)), Err(NotAnId { len: bad.len() }), "{bad:?}");
        }
    }

    #[test]
    fn enhanced_codes_are_parsed_strictly() {
        for (text, want) in [("2.0.0", "2.0.0"), ("4.7.1", "4.7.1"), ("5.1.10", "5.1.10"), ("5.7.99", "5.7.99")] {
            assert_eq!(EnhancedStatus::parse(text).map(|s| s.to_string()).as_deref(), Some(want));
        }
        for bad in ["", "5.7", "5.7.1.2", "3.0.0", "5.8.0", "5.7.100", "5.7.x", "x@y.z", "05.7.1", "+5.7.1"] {
            assert_eq!(EnhancedStatus::parse(bad), None, "{bad:?}");
        }
        assert_eq!(EnhancedStatus::of_class(DeliveryResult::Deferred).to_string(), "4.0.0");
        assert_eq!(EnhancedStatus::EXPIRED.to_string(), "4.4.7");
    }

    #[test]
    fn member_names_are_distinct_kebab_case() {
        let names: Vec<&str> = (HookStage::ALL.iter().map(|s| s.name()))
            .chain(VerdictKind::ALL.iter().map(|v| v.name()))
            .chain(FailureClass::ALL.iter().map(|c| c.name()))
            .chain(ConnectionRefusal::ALL.iter().map(|r| r.name()))
            .collect();
        for n in &names {
            assert!(IdLabel::new(Arc::from(*n)).is_ok(), "{n} is not kebab-case");
        }
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "a name is used twice: {names:?}");
    }
}

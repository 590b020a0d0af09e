//! What one audit record says. No raw personal data: data subjects appear as
//! pseudonyms under the tenant's audit key, and values never appear at all.

use mxr_privacy::{Category, Form};
use serde::{Deserialize, Serialize};

/// One audited event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Seconds since the Unix epoch.
    pub time: u64,
    /// The region of the node that processed the data (agreement art. 3.1).
    pub region: String,
    /// The tenant (controller) whose data it was.
    pub tenant: String,
    /// The queue id of the tenant's copy.
    pub queue_id: String,
    /// Audit pseudonyms of the data subjects: the sender and the recipients.
    pub subjects: Vec<String>,
    /// What happened.
    pub event: Event,
}

/// What happened to the data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Event {
    /// A plugin was given a view of the data.
    Disclosure(Disclosure),
    /// An operator acted on stored mail.
    Operator(OperatorAction),
    /// The tenant state or its tokens changed. (New variants go last, so older logs
    /// still decode.)
    Control(ControlChange),
    /// What became of a tenant's copy at the end of DATA: its message history entry.
    Outcome(CopyDone),
    /// A tenant's data was deleted and its key destroyed; the signed deletion
    /// certificate is this record's evidence.
    Deletion(DeletionCertificate),
}

/// What became of one copy. No reply text: a plugin's text may carry what it was shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CopyDone {
    /// `queued`, `quarantined`, `discarded` or `refused`.
    pub outcome: String,
    /// The reply code the copy got (250, or the refusal's).
    pub code: u16,
    /// The plugin whose verdict decided, if one did.
    pub plugin: Option<String>,
    /// The summed score.
    pub score: f64,
    /// The plugins' tags, in order.
    pub tags: Vec<String>,
}

/// A change to the live tenant state: who, what, before, after. Holds configuration
/// (ids, domains, plugin sets, settings), never a token's secret or anyone's mail.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlChange {
    /// Who made it: `os-user <name>`, `token <id> (<scope>)` or `relay`.
    pub actor: String,
    /// What was done, e.g. `tenant-put`, `token-create`.
    pub action: String,
    /// The state before, as JSON (`null` when there was none).
    pub before: String,
    /// The state after, as JSON (`null` when there is none).
    pub after: String,
}

/// The audit log's copy of a deletion certificate's identity (the certificate itself
/// is a signed file handed to the controller).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DeletionCertificate {
    /// The certificate's id.
    pub id: String,
    /// SHA-256 of the certificate's signed body, hex.
    pub sha256: String,
}

/// One plugin invocation and what it was shown.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Disclosure {
    /// Plugin name.
    pub plugin: String,
    /// Plugin version.
    pub version: String,
    /// SHA-256 of the component file, hex.
    pub sha256: String,
    /// The purpose it ran for.
    pub purpose: String,
    /// The SMTP stage.
    pub stage: String,
    /// Each category the plugin read, with the form it was disclosed in.
    pub forms: Vec<(Category, Form)>,
    /// How the call ended: `ok` or a failure class.
    pub outcome: String,
}

/// An operator's action on a stored message.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OperatorAction {
    /// What was done.
    pub action: OperatorVerb,
    /// Who did it: the operating-system user running the command.
    pub operator: String,
}

/// The operator actions that touch personal data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OperatorVerb {
    /// `mxr quarantine show`: headers and text were displayed.
    QuarantineShow,
    /// `mxr quarantine release`: the message was sent on.
    QuarantineRelease,
    /// `mxr quarantine delete`.
    QuarantineDelete,
    /// `mxr queue show`: a waiting copy's envelope and headers were displayed.
    /// (Last, so that logs written before it still decode.)
    QueueShow,
    /// The quarantine's list (senders, recipients, subjects) was shown.
    QuarantineList,
    /// Message history was searched by a person's address.
    HistorySearch,
    /// `mxr subject export`: a stored copy was exported for a data-subject request.
    SubjectExport,
    /// `mxr subject erase`: a stored copy was erased for a data-subject request.
    SubjectErase,
    /// `mxr tenant offboard`: a stored copy was exported and deleted at offboarding.
    TenantOffboard,
}

impl OperatorVerb {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            OperatorVerb::QuarantineShow => "quarantine-show",
            OperatorVerb::QuarantineRelease => "quarantine-release",
            OperatorVerb::QuarantineDelete => "quarantine-delete",
            OperatorVerb::QueueShow => "queue-show",
            OperatorVerb::QuarantineList => "quarantine-list",
            OperatorVerb::HistorySearch => "history-search",
            OperatorVerb::SubjectExport => "subject-export",
            OperatorVerb::SubjectErase => "subject-erase",
            OperatorVerb::TenantOffboard => "tenant-offboard",
        }
    }
}

impl Event {
    /// A one-word summary: the stage of a disclosure, or the operator action.
    pub fn kind(&self) -> &str {
        match self {
            Event::Disclosure(d) => &d.stage,
            Event::Operator(o) => o.action.name(),
            Event::Control(c) => &c.action,
            Event::Outcome(o) => &o.outcome,
            Event::Deletion(_) => "deletion-certificate",
        }
    }
}

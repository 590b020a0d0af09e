//! `mxr:filter/types`: conversions between the host's privacy types and the WIT ones.
//! The interface has no functions, so the host trait is empty.

use super::bindings::types as wit;
use super::state::StoreState;
use mxr_metrics::HookStage;
use mxr_privacy::render::Shown;
use mxr_privacy::{Category, Form};

impl wit::Host for StoreState {}

impl From<Shown> for wit::Shown {
    fn from(s: Shown) -> Self {
        match s {
            Shown::Full(v) => wit::Shown::Full(v),
            Shown::Pseudonym(v) => wit::Shown::Pseudonym(v),
            Shown::Domain(v) => wit::Shown::Domain(v),
            Shown::Redacted(v) => wit::Shown::Redacted(v),
            Shown::Withheld => wit::Shown::Withheld,
        }
    }
}

impl From<wit::Category> for Category {
    fn from(c: wit::Category) -> Self {
        match c {
            wit::Category::NameAddress => Category::NameAddress,
            wit::Category::EmailAddress => Category::EmailAddress,
            wit::Category::PhoneNumber => Category::PhoneNumber,
            wit::Category::Organisation => Category::Organisation,
            wit::Category::Conversion => Category::Conversion,
            wit::Category::Device => Category::Device,
            wit::Category::Network => Category::Network,
            wit::Category::Content => Category::Content,
            wit::Category::AttachmentMeta => Category::AttachmentMeta,
            wit::Category::AttachmentContent => Category::AttachmentContent,
        }
    }
}

/// The WIT category of a host category; `None` for `authentication`, which the WIT
/// enum (fixed for plugins already built) does not name.
pub(crate) fn wit_category(c: Category) -> Option<wit::Category> {
    Some(match c {
        Category::NameAddress => wit::Category::NameAddress,
        Category::EmailAddress => wit::Category::EmailAddress,
        Category::PhoneNumber => wit::Category::PhoneNumber,
        Category::Organisation => wit::Category::Organisation,
        Category::Conversion => wit::Category::Conversion,
        Category::Device => wit::Category::Device,
        Category::Network => wit::Category::Network,
        Category::Content => wit::Category::Content,
        Category::AttachmentMeta => wit::Category::AttachmentMeta,
        Category::AttachmentContent => wit::Category::AttachmentContent,
        Category::Authentication => return None,
    })
}

impl From<Form> for wit::Form {
    fn from(f: Form) -> Self {
        match f {
            Form::Full => wit::Form::Full,
            Form::Pseudonym => wit::Form::Pseudonym,
            Form::Domain => wit::Form::Domain,
            Form::Redacted => wit::Form::Redacted,
            Form::Withheld => wit::Form::Withheld,
        }
    }
}

impl From<wit::Stage> for HookStage {
    fn from(s: wit::Stage) -> Self {
        match s {
            wit::Stage::Connect => HookStage::Connect,
            wit::Stage::MailFrom => HookStage::MailFrom,
            wit::Stage::Rcpt => HookStage::Rcpt,
            wit::Stage::Data => HookStage::Data,
        }
    }
}

/// The host's name for a WIT stage (as logs, the audit log and metric labels spell it).
pub fn stage_name(s: wit::Stage) -> &'static str {
    HookStage::from(s).name()
}

//! `mxr:filter/data`: the envelope and message resources.
//!
//! Every accessor renders its value through the call's grant at the moment it is
//! called (by `mxr_privacy::accessors`, the one view builder, which `mxr plugin run`
//! shares), records the category as disclosed, and returns only the rendered form:
//! the raw value is never copied into the plugin's memory.

use super::bindings::data::{AccessError, Host, HostEnvelope, HostMessage};
use super::bindings::types as wit;
use super::state::StoreState;
use super::types_api::wit_category;
use mxr_mail::AddressEntry;
use mxr_privacy::accessors::{self, ContentRefusal};
use mxr_privacy::render::Shown;
use mxr_privacy::{Category, ScannedMail};
use std::sync::Arc;
use wasmtime::component::Resource;

/// The `envelope` resource: a handle to the call's envelope.
pub struct EnvelopeView;

/// The `message` resource: a handle to the call's parsed message.
pub struct MessageView;

impl StoreState {
    /// Records the candidate recipient handed to an rcpt hook as disclosed.
    pub(super) fn disclose_rcpt(&mut self, shown: Shown) -> wit::Shown {
        self.shown(Category::EmailAddress, shown)
    }

    fn shown(&mut self, category: Category, shown: Shown) -> wit::Shown {
        if shown != Shown::Withheld {
            self.call.disclosed.insert(category);
        }
        shown.into()
    }

    fn message(&self) -> wasmtime::Result<Arc<ScannedMail>> {
        self.call.message.clone().ok_or_else(|| wasmtime::format_err!("no message at this stage"))
    }

    fn addresses(&mut self, list: &[AddressEntry]) -> Vec<wit::MailAddress> {
        let shown = accessors::addresses(&self.call.renderer(), list);
        shown
            .into_iter()
            .map(|(name, address)| wit::MailAddress {
                name: self.shown(Category::NameAddress, name),
                address: self.shown(Category::EmailAddress, address),
            })
            .collect()
    }
}

impl Host for StoreState {
    fn granted(&mut self) -> wasmtime::Result<Vec<wit::Grant>> {
        let entries = self.call.grant.entries();
        let grants = entries.filter_map(|(c, f)| Some(wit::Grant { category: wit_category(c)?, form: f.into() }));
        Ok(grants.collect())
    }

    fn form_of(&mut self, category: wit::Category) -> wasmtime::Result<wit::Form> {
        Ok(self.call.grant.form(category.into()).into())
    }
}

impl HostEnvelope for StoreState {
    fn client_ip(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<wit::Shown> {
        let shown = accessors::client_ip(&self.call.renderer(), &self.call.envelope);
        Ok(self.shown(Category::Network, shown))
    }

    fn helo(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<wit::Shown> {
        let shown = accessors::helo(&self.call.renderer(), &self.call.envelope);
        Ok(self.shown(Category::Network, shown))
    }

    fn mail_from(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<wit::Shown> {
        let shown = accessors::mail_from(&self.call.renderer(), &self.call.envelope);
        Ok(self.shown(Category::EmailAddress, shown))
    }

    fn recipients(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<Vec<wit::Shown>> {
        let shown = accessors::recipients(&self.call.renderer(), &self.call.envelope);
        Ok(shown.into_iter().map(|s| self.shown(Category::EmailAddress, s)).collect())
    }

    fn drop(&mut self, rep: Resource<EnvelopeView>) -> wasmtime::Result<()> {
        self.table().delete(rep)?;
        Ok(())
    }
}

impl HostMessage for StoreState {
    fn size(&mut self, _: Resource<MessageView>) -> wasmtime::Result<u64> {
        Ok(self.message()?.size())
    }

    fn header_names(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<String>> {
        let msg = self.message()?;
        let names = accessors::header_names(&self.call.renderer(), &msg);
        if names.iter().ne(msg.headers().iter().map(|(n, _)| n)) {
            self.call.disclosed.insert(Category::Content);
        }
        Ok(names)
    }

    fn header(&mut self, _: Resource<MessageView>, name: String) -> wasmtime::Result<Vec<wit::Shown>> {
        let msg = self.message()?;
        let values = accessors::header(&self.call.renderer(), &msg, &name);
        Ok(values.into_iter().map(|(category, shown)| self.shown(category, shown)).collect())
    }

    fn from(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<wit::MailAddress>> {
        let msg = self.message()?;
        Ok(self.addresses(msg.from()))
    }

    fn to(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<wit::MailAddress>> {
        let msg = self.message()?;
        Ok(self.addresses(msg.to()))
    }

    fn cc(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<wit::MailAddress>> {
        let msg = self.message()?;
        Ok(self.addresses(msg.cc()))
    }

    fn reply_to(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<wit::MailAddress>> {
        let msg = self.message()?;
        Ok(self.addresses(msg.reply_to()))
    }

    fn subject(&mut self, _: Resource<MessageView>) -> wasmtime::Result<wit::Shown> {
        let shown = accessors::subject(&self.call.renderer(), &*self.message()?);
        Ok(self.shown(Category::Content, shown))
    }

    fn text_body(&mut self, _: Resource<MessageView>) -> wasmtime::Result<wit::Shown> {
        let shown = accessors::text_body(&self.call.renderer(), &*self.message()?);
        Ok(self.shown(Category::Content, shown))
    }

    fn html_body(&mut self, _: Resource<MessageView>) -> wasmtime::Result<wit::Shown> {
        let shown = accessors::html_body(&self.call.renderer(), &*self.message()?);
        Ok(self.shown(Category::Content, shown))
    }

    fn body_truncated(&mut self, _: Resource<MessageView>) -> wasmtime::Result<bool> {
        Ok(self.message()?.body_truncated())
    }

    fn attachments(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<wit::Attachment>> {
        let list = accessors::attachments(&self.call.renderer(), &*self.message()?);
        if !list.is_empty() {
            self.call.disclosed.insert(Category::AttachmentMeta);
        }
        Ok(list
            .into_iter()
            .map(|a| wit::Attachment {
                index: a.index,
                name: a.name,
                content_type: a.content_type,
                size: a.size,
                sha256: a.sha256,
            })
            .collect())
    }

    fn attachment_content(
        &mut self,
        _: Resource<MessageView>,
        index: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, AccessError>> {
        let msg = self.message()?;
        let max = self.call.max_input_bytes;
        match accessors::attachment_content(&self.call.renderer(), &msg, index, max) {
            Ok((category, bytes)) => {
                self.call.disclosed.insert(category);
                Ok(Ok(bytes))
            }
            Err(ContentRefusal::NotGranted) => Ok(Err(AccessError::NotGranted)),
            Err(ContentRefusal::NotFound) => Ok(Err(AccessError::NotFound)),
            Err(ContentRefusal::TooLarge) => Ok(Err(AccessError::TooLarge)),
        }
    }

    fn drop(&mut self, rep: Resource<MessageView>) -> wasmtime::Result<()> {
        self.table().delete(rep)?;
        Ok(())
    }
}

//! `mxr:filter/data`: the envelope and message resources.
//!
//! Every accessor renders its value through the call's grant at the moment it is
//! called, records the category as disclosed, and returns only the rendered form: the
//! raw value is never copied into the plugin's memory.

use super::bindings::data::{AccessError, Host, HostEnvelope, HostMessage};
use super::bindings::types as wit;
use super::state::StoreState;
use mxr_mail::AddressEntry;
use mxr_privacy::ScannedMail;
use mxr_privacy::render::Shown;
use mxr_privacy::view;
use mxr_privacy::{Category, Form};
use std::borrow::Cow;
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
        list.iter()
            .map(|a| {
                let (name, address) = view::address(&self.call.renderer(), a);
                wit::MailAddress {
                    name: self.shown(Category::NameAddress, name),
                    address: self.shown(Category::EmailAddress, address),
                }
            })
            .collect()
    }
}

impl Host for StoreState {
    fn granted(&mut self) -> wasmtime::Result<Vec<wit::Grant>> {
        Ok(self.call.grant.entries().map(|(c, f)| wit::Grant { category: c.into(), form: f.into() }).collect())
    }

    fn form_of(&mut self, category: wit::Category) -> wasmtime::Result<wit::Form> {
        Ok(self.call.grant.form(category.into()).into())
    }
}

impl HostEnvelope for StoreState {
    fn client_ip(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<wit::Shown> {
        let ip = self.call.envelope.client_ip;
        let shown = ip.map_or(Shown::Withheld, |ip| self.call.renderer().ip(ip));
        Ok(self.shown(Category::Network, shown))
    }

    fn helo(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<wit::Shown> {
        let env = self.call.envelope.clone();
        let shown = env.helo.as_deref().map_or(Shown::Withheld, |h| view::helo(&self.call.renderer(), h));
        Ok(self.shown(Category::Network, shown))
    }

    fn mail_from(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<wit::Shown> {
        let env = self.call.envelope.clone();
        let shown = match env.mail_from.as_deref() {
            None => Shown::Withheld,
            Some("") if self.call.grant.form(Category::EmailAddress) != Form::Withheld => Shown::Full(String::new()),
            Some(a) => self.call.renderer().address(a),
        };
        Ok(self.shown(Category::EmailAddress, shown))
    }

    fn recipients(&mut self, _: Resource<EnvelopeView>) -> wasmtime::Result<Vec<wit::Shown>> {
        let env = self.call.envelope.clone();
        Ok(env
            .rcpts
            .iter()
            .map(|a| {
                let s = self.call.renderer().address(a);
                self.shown(Category::EmailAddress, s)
            })
            .collect())
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
        let r = self.call.renderer();
        let names: Vec<String> = msg.headers().iter().filter_map(|(n, _)| view::header_name(&r, n)).collect();
        if names.len() < msg.headers().len() || names.iter().zip(msg.headers()).any(|(a, (b, _))| a != b) {
            self.call.disclosed.insert(Category::Content);
        }
        Ok(names)
    }

    fn header(&mut self, _: Resource<MessageView>, name: String) -> wasmtime::Result<Vec<wit::Shown>> {
        let msg = self.message()?;
        Ok(msg
            .header_values(&name)
            .map(|v| {
                let (category, shown) = view::header(&self.call.renderer(), &name, v);
                self.shown(category, shown)
            })
            .collect())
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
        let msg = self.message()?;
        let shown = msg.subject().map_or(Shown::Withheld, |s| self.call.renderer().text(Category::Content, s));
        Ok(self.shown(Category::Content, shown))
    }

    fn text_body(&mut self, _: Resource<MessageView>) -> wasmtime::Result<wit::Shown> {
        let msg = self.message()?;
        let r = self.call.renderer();
        let spans = || Cow::Borrowed(msg.text_spans(&*self.call.detector));
        let shown = msg.text().map_or(Shown::Withheld, |s| r.text_spanned(Category::Content, s, spans));
        Ok(self.shown(Category::Content, shown))
    }

    fn html_body(&mut self, _: Resource<MessageView>) -> wasmtime::Result<wit::Shown> {
        let msg = self.message()?;
        let r = self.call.renderer();
        let spans = || Cow::Borrowed(msg.html_spans(&*self.call.detector));
        let shown = msg.html().map_or(Shown::Withheld, |s| r.html_spanned(s, spans));
        Ok(self.shown(Category::Content, shown))
    }

    fn attachments(&mut self, _: Resource<MessageView>) -> wasmtime::Result<Vec<wit::Attachment>> {
        if self.call.grant.form(Category::AttachmentMeta) != Form::Full {
            return Ok(vec![]);
        }
        let msg = self.message()?;
        self.call.disclosed.insert(Category::AttachmentMeta);
        let r = self.call.renderer();
        Ok(msg
            .attachments()
            .iter()
            .enumerate()
            .map(|(i, a)| wit::Attachment {
                index: i as u32,
                name: a.name.as_deref().and_then(|n| view::file_name(&r, n)),
                content_type: a.content_type.clone(),
                size: a.bytes.len() as u64,
                sha256: a.sha256.clone(),
            })
            .collect())
    }

    fn attachment_content(
        &mut self,
        _: Resource<MessageView>,
        index: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, AccessError>> {
        if self.call.grant.form(Category::AttachmentContent) != Form::Full {
            return Ok(Err(AccessError::NotGranted));
        }
        let msg = self.message()?;
        let Some(a) = msg.attachments().get(index as usize) else {
            return Ok(Err(AccessError::NotFound));
        };
        if a.bytes.len() > self.call.max_input_bytes {
            return Ok(Err(AccessError::TooLarge));
        }
        match view::textual_part(&self.call.renderer(), &a.content_type, &a.bytes) {
            None => {
                self.call.disclosed.insert(Category::AttachmentContent);
                Ok(Ok(a.bytes.clone()))
            }
            Some(None) => Ok(Err(AccessError::NotGranted)),
            Some(Some(rendered)) => {
                self.call.disclosed.insert(Category::Content);
                Ok(Ok(rendered))
            }
        }
    }

    fn drop(&mut self, rep: Resource<MessageView>) -> wasmtime::Result<()> {
        self.table().delete(rep)?;
        Ok(())
    }
}

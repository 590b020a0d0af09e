//! What the plugin commands print: a plugin's data label (purpose → categories →
//! form) and the exact view of a message that its grant yields.

use mxr_mail::Envelope;
use mxr_privacy::render::{Renderer, Shown};
use mxr_privacy::scan::BODY_VIEW_BYTES;
use mxr_privacy::{Category, Form, Grant, ScannedMail, accessors};
use mxr_sandbox::LoadedPlugin;
use serde::Serialize;
use std::fmt;

/// A plugin's identity and its grant.
#[derive(Serialize)]
pub struct DataLabel {
    name: String,
    version: String,
    sha256: String,
    purpose: String,
    stages: Vec<&'static str>,
    requested: Vec<Category>,
    grant: Vec<(Category, Form)>,
}

impl DataLabel {
    /// The label of a loaded plugin under the runtime's policy.
    pub fn of(p: &LoadedPlugin) -> Self {
        DataLabel {
            name: p.identity.name.clone(),
            version: p.identity.version.clone(),
            sha256: p.identity.sha256.clone(),
            purpose: p.manifest.purpose.clone(),
            stages: p.manifest.stage_names(),
            requested: p.manifest.categories.iter().collect(),
            grant: p.grant.entries().collect(),
        }
    }
}

impl fmt::Display for DataLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "plugin   {} {}", self.name, self.version)?;
        writeln!(f, "sha256   {}", self.sha256)?;
        writeln!(f, "purpose  {}", self.purpose)?;
        writeln!(f, "stages   {}", self.stages.join(", "))?;
        let asked: Vec<&str> = self.requested.iter().map(|c| c.name()).collect();
        writeln!(f, "asks for {}", if asked.is_empty() { "nothing".into() } else { asked.join(", ") })?;
        writeln!(f, "grant (category → form):")?;
        for (c, form) in &self.grant {
            let note = if self.requested.contains(c) { "" } else { "  (not asked for)" };
            writeln!(f, "  {:<20} {}{note}", c.name(), form.name())?;
        }
        Ok(())
    }
}

/// Every value of a transaction as one grant renders it.
#[derive(Serialize)]
pub struct ViewReport {
    client_ip: Shown,
    helo: Shown,
    mail_from: Shown,
    recipients: Vec<Shown>,
    size: u64,
    body_truncated: bool,
    subject: Shown,
    from: Vec<(Shown, Shown)>,
    to: Vec<(Shown, Shown)>,
    cc: Vec<(Shown, Shown)>,
    reply_to: Vec<(Shown, Shown)>,
    headers: Vec<(String, Shown)>,
    text_body: Shown,
    html_body: Shown,
    attachments: Vec<String>,
}

impl ViewReport {
    /// Renders everything a plugin with grant `r.grant` could read, through the same
    /// functions its accessors call (`mxr_privacy::accessors`).
    pub fn build(r: &Renderer, env: &Envelope, msg: &ScannedMail) -> Self {
        let content = r.grant.form(Category::AttachmentContent) == Form::Full;
        let attachments = accessors::attachments(r, msg)
            .into_iter()
            .map(|a| {
                format!(
                    "{} ({}, {} bytes, sha256 {}){}",
                    a.name.unwrap_or_else(|| "(no name)".into()),
                    a.content_type,
                    a.size,
                    &a.sha256[..16],
                    if content { ", content readable" } else { "" }
                )
            })
            .collect();
        ViewReport {
            client_ip: accessors::client_ip(r, env),
            helo: accessors::helo(r, env),
            mail_from: accessors::mail_from(r, env),
            recipients: accessors::recipients(r, env),
            size: msg.size(),
            body_truncated: msg.body_truncated(),
            subject: accessors::subject(r, msg),
            from: accessors::addresses(r, msg.from()),
            to: accessors::addresses(r, msg.to()),
            cc: accessors::addresses(r, msg.cc()),
            reply_to: accessors::addresses(r, msg.reply_to()),
            headers: accessors::all_headers(r, msg),
            text_body: accessors::text_body(r, msg),
            html_body: accessors::html_body(r, msg),
            attachments,
        }
    }
}

fn show(s: &Shown) -> String {
    let clip = |t: &str| {
        let one: String = t.chars().map(|c| if c == '\n' || c == '\r' { '⏎' } else { c }).take(100).collect();
        if t.chars().count() > 100 { format!("{one}…") } else { one }
    };
    match s {
        Shown::Full(v) => format!("full      {}", clip(v)),
        Shown::Pseudonym(v) => format!("pseudonym {}", clip(v)),
        Shown::Domain(v) => format!("domain    {}", clip(v)),
        Shown::Redacted(v) => format!("redacted  {}", clip(v)),
        Shown::Withheld => "withheld".into(),
    }
}

impl fmt::Display for ViewReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "  client-ip   {}", show(&self.client_ip))?;
        writeln!(f, "  helo        {}", show(&self.helo))?;
        writeln!(f, "  mail-from   {}", show(&self.mail_from))?;
        for r in &self.recipients {
            writeln!(f, "  rcpt        {}", show(r))?;
        }
        writeln!(f, "  size        {} bytes", self.size)?;
        if self.body_truncated {
            writeln!(f, "  body-truncated: only the first {} bytes of each body are shown", BODY_VIEW_BYTES)?;
        }
        writeln!(f, "  subject     {}", show(&self.subject))?;
        for (label, list) in [("from", &self.from), ("to", &self.to), ("cc", &self.cc), ("reply-to", &self.reply_to)] {
            for (name, addr) in list {
                writeln!(f, "  {label:<11} name {} | address {}", show(name), show(addr))?;
            }
        }
        writeln!(f, "  text-body   {}", show(&self.text_body))?;
        writeln!(f, "  html-body   {}", show(&self.html_body))?;
        for a in &self.attachments {
            writeln!(f, "  attachment  {a}")?;
        }
        writeln!(f, "  headers:")?;
        for (n, v) in &self.headers {
            writeln!(f, "    {n}: {}", show(v))?;
        }
        Ok(())
    }
}

/// The grant a renderer is built on, for callers that only have a plugin.
pub fn renderer<'a>(
    grant: &'a Grant,
    p: &'a mxr_privacy::Pseudonymizer,
    d: &'a dyn mxr_privacy::detect::Detector,
) -> Renderer<'a> {
    Renderer::new(grant, p, d)
}

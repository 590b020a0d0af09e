//! Building a [`Verdict`]: constructors for each action, then score, tags and headers.

use crate::{Action, Header, Reply, Verdict};
use alloc::vec::Vec;

impl Verdict {
    fn of(action: Action) -> Self {
        Verdict { action, score: 0.0, tags: Vec::new(), headers: Vec::new() }
    }

    /// No opinion: the chain goes on with the next filter.
    pub fn next() -> Self {
        Self::of(Action::Continue)
    }

    /// Accept; skip the remaining filters at this stage.
    pub fn accept() -> Self {
        Self::of(Action::Accept)
    }

    /// Refuse permanently, e.g. `Verdict::reject(550, "5.7.1", "spam")`.
    /// The relay checks that `code` is 5xx and `enhanced` is `5.x.y`.
    pub fn reject(code: u16, enhanced: &str, text: &str) -> Self {
        Self::of(Action::Reject(Reply { code, enhanced: enhanced.into(), text: text.into() }))
    }

    /// Refuse temporarily, e.g. `Verdict::tempfail(451, "4.7.1", "try later")`.
    pub fn tempfail(code: u16, enhanced: &str, text: &str) -> Self {
        Self::of(Action::Tempfail(Reply { code, enhanced: enhanced.into(), text: text.into() }))
    }

    /// Accept and silently drop the message.
    pub fn discard() -> Self {
        Self::of(Action::Discard)
    }

    /// Route the message to the tenant's quarantine.
    pub fn quarantine(reason: &str) -> Self {
        Self::of(Action::Quarantine(reason.into()))
    }

    /// Adds to the score this verdict contributes.
    pub fn with_score(mut self, score: f64) -> Self {
        self.score += score;
        self
    }

    /// Adds a tag, `[a-z0-9._-]`.
    pub fn with_tag(mut self, tag: &str) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds a header; its name must be `X-<filter name>` or start with `X-<filter name>-`.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push(Header { name: name.into(), value: value.into() });
        self
    }

    /// True when the verdict expresses no opinion on the transaction.
    pub fn is_continue(&self) -> bool {
        matches!(self.action, Action::Continue)
    }
}

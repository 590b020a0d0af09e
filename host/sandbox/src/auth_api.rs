//! `mxr:filter/authentication`: the message's SPF, DKIM, DMARC and iprev results,
//! rendered through the call's grant by the one view builder
//! (`mxr_privacy::authentication`), and recorded as disclosed when given.
//!
//! A component asks for the `authentication` category by importing this interface
//! ([`imports_authentication`]); one that does not is never granted it.

use super::bindings::authentication::{self as wit, Host};
use super::bindings::types as wit_types;
use super::state::StoreState;
use crate::manifest::INTERFACE_VERSION;
use mxr_mail::auth::{AuthResult, DmarcPolicy};
use mxr_privacy::Category;
use mxr_privacy::authentication::{AuthShown, authentication};
use wasmtime::Engine;
use wasmtime::component::Component;

/// True when `component` imports this interface, at this host's version.
pub(crate) fn imports_authentication(engine: &Engine, component: &Component) -> bool {
    let (major, minor, patch) = INTERFACE_VERSION;
    let name = format!("mxr:filter/authentication@{major}.{minor}.{patch}");
    component.component_type().imports(engine).any(|(import, _)| import == name)
}

impl Host for StoreState {
    fn results(&mut self) -> wasmtime::Result<Option<wit::Checks>> {
        let shown = authentication(&self.call.renderer(), &self.call.envelope);
        if shown.is_some() {
            self.call.disclosed.insert(Category::Authentication);
        }
        Ok(shown.map(results))
    }
}

fn results(a: AuthShown) -> wit::Checks {
    let s = |v: mxr_privacy::render::Shown| -> wit_types::Shown { v.into() };
    wit::Checks {
        spf: wit::SpfResult { result: outcome(a.spf.result), domain: s(a.spf.domain), helo: a.spf.helo },
        dkim: a
            .dkim
            .into_iter()
            .map(|d| wit::DkimResult { result: outcome(d.result), domain: s(d.domain), selector: s(d.selector) })
            .collect(),
        dmarc: wit::DmarcResult {
            result: outcome(a.dmarc.result),
            policy: match a.dmarc.policy {
                DmarcPolicy::Unspecified => wit::DmarcPolicy::Unspecified,
                DmarcPolicy::None => wit::DmarcPolicy::None,
                DmarcPolicy::Quarantine => wit::DmarcPolicy::Quarantine,
                DmarcPolicy::Reject => wit::DmarcPolicy::Reject,
            },
            spf_aligned: a.dmarc.spf_aligned,
            dkim_aligned: a.dmarc.dkim_aligned,
            domain: s(a.dmarc.domain),
        },
        iprev: wit::IprevResult { result: outcome(a.iprev.result), name: s(a.iprev.name) },
    }
}

fn outcome(r: AuthResult) -> wit::Outcome {
    match r {
        AuthResult::None => wit::Outcome::None,
        AuthResult::Pass => wit::Outcome::Pass,
        AuthResult::Fail => wit::Outcome::Fail,
        AuthResult::SoftFail => wit::Outcome::Softfail,
        AuthResult::Neutral => wit::Outcome::Neutral,
        AuthResult::TempError => wit::Outcome::Temperror,
        AuthResult::PermError => wit::Outcome::Permerror,
    }
}

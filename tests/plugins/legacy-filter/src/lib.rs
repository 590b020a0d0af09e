//! A filter built against the `filter` world alone, as every plugin was before the
//! optional `settings` export, and against the WIT as it was before the
//! `authentication` interface (a frozen copy in `wit/`): it must keep loading and
//! running, and any settings text is taken as given for it. It tags each message with
//! the settings it got.
wit_bindgen::generate!({ path: "wit", world: "filter" });

use exports::mxr::filter::hooks::{Envelope, Guest, Message};
use mxr::filter::types::{Action, Manifest, Shown, Stage, Verdict};

struct Legacy;

fn next(tags: Vec<String>) -> Verdict {
    Verdict { action: Action::Continue, score: 0.0, tags, headers: vec![] }
}

impl Guest for Legacy {
    fn manifest() -> Manifest {
        let (name, version) = ("legacy-filter".into(), "0.1.0".into());
        Manifest { name, version, purpose: "statistics".into(), categories: vec![], stages: vec![Stage::Data] }
    }
    fn on_connect(_env: &Envelope) -> Verdict {
        next(vec![])
    }
    fn on_mail_from(_env: &Envelope) -> Verdict {
        next(vec![])
    }
    fn on_rcpt(_env: &Envelope, _rcpt: Shown) -> Verdict {
        next(vec![])
    }
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        next(vec![format!("settings.{}", mxr::filter::host::config().len())])
    }
}

export!(Legacy);

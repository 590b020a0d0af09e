//! What a purpose sees of the message's authentication results (`mxr:filter/
//! authentication`): the result words as they are (they say nothing of a person),
//! each identity (the domain SPF checked, a DKIM signer, the From domain DMARC
//! judged, the client's confirmed PTR name) in the form the grant gives the
//! `authentication` category. A DKIM selector is shown only in full.

use crate::render::{Renderer, Shown};
use crate::{Category, Form};
use mxr_mail::Envelope;
use mxr_mail::auth::{AuthResult, DmarcPolicy};

/// SPF as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpfShown {
    /// The result.
    pub result: AuthResult,
    /// The domain checked.
    pub domain: Shown,
    /// True when the domain is the HELO name.
    pub helo: bool,
}

/// One DKIM signature as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DkimShown {
    /// The result.
    pub result: AuthResult,
    /// The signing domain.
    pub domain: Shown,
    /// The selector: in full, or withheld.
    pub selector: Shown,
}

/// DMARC as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DmarcShown {
    /// The result.
    pub result: AuthResult,
    /// The From domain's policy.
    pub policy: DmarcPolicy,
    /// SPF passed aligned.
    pub spf_aligned: bool,
    /// DKIM passed aligned.
    pub dkim_aligned: bool,
    /// The From domain.
    pub domain: Shown,
}

/// iprev as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IprevShown {
    /// The result.
    pub result: AuthResult,
    /// The confirmed PTR name (withheld when it did not pass).
    pub name: Shown,
}

/// Every result as shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthShown {
    /// SPF.
    pub spf: SpfShown,
    /// DKIM, one per signature.
    pub dkim: Vec<DkimShown>,
    /// DMARC.
    pub dmarc: DmarcShown,
    /// iprev.
    pub iprev: IprevShown,
}

/// The results in the grant's forms; `None` before DATA, when nothing was checked,
/// or when the grant withholds the category.
pub fn authentication(r: &Renderer, env: &Envelope) -> Option<AuthShown> {
    let auth = env.auth.as_deref()?;
    if r.grant.form(Category::Authentication) == Form::Withheld {
        return None;
    }
    let identity = |v: &str| if v.is_empty() { Shown::Withheld } else { r.value(Category::Authentication, v) };
    let selector = |v: &str| match r.grant.form(Category::Authentication) {
        Form::Full if !v.is_empty() => Shown::Full(v.to_owned()),
        _ => Shown::Withheld,
    };
    Some(AuthShown {
        spf: SpfShown { result: auth.spf.result, domain: identity(&auth.spf.domain), helo: auth.spf.helo },
        dkim: auth
            .dkim
            .iter()
            .map(|d| DkimShown { result: d.result, domain: identity(&d.domain), selector: selector(&d.selector) })
            .collect(),
        dmarc: DmarcShown {
            result: auth.dmarc.result,
            policy: auth.dmarc.policy,
            spf_aligned: auth.dmarc.spf_aligned,
            dkim_aligned: auth.dmarc.dkim_aligned,
            domain: identity(&auth.dmarc.domain),
        },
        iprev: IprevShown { result: auth.iprev.result, name: identity(&auth.iprev.name) },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::PatternDetector;
    use crate::{CategorySet, Grant, Pseudonymizer, PurposePolicy};
    use mxr_mail::auth::{AuthResults, DkimCheck, IprevCheck, SpfCheck};
    use std::sync::Arc;

    fn shown(purpose: &str, asked: &[Category]) -> Option<AuthShown> {
        let asked: CategorySet = asked.iter().copied().collect();
        let grant = Grant::for_purpose(&PurposePolicy::default_policy(), purpose, asked).unwrap();
        let p = Pseudonymizer::derive(&[7; 32], purpose);
        let r = Renderer { grant: &grant, pseudonyms: &p, detector: &PatternDetector };
        let auth = AuthResults {
            spf: SpfCheck { result: AuthResult::Pass, domain: "mail.sender.example".into(), helo: false },
            dkim: vec![DkimCheck { result: AuthResult::Fail, domain: "sender.example".into(), selector: "s1".into() }],
            iprev: IprevCheck { result: AuthResult::Pass, name: "host-7.dsl.provider.example".into() },
            ..Default::default()
        };
        authentication(&r, &Envelope { auth: Some(Arc::new(auth)), ..Envelope::default() })
    }

    #[test]
    fn each_purpose_sees_the_identities_in_its_form() {
        let spam = shown("spam-filtering", &[Category::Authentication]).unwrap();
        assert_eq!(spam.spf.domain, Shown::Full("mail.sender.example".into()));
        assert_eq!(spam.dkim[0].selector, Shown::Full("s1".into()));
        assert_eq!(spam.dkim[0].result, AuthResult::Fail);
        let stats = shown("statistics", &[Category::Authentication]).unwrap();
        assert_eq!(stats.iprev.name, Shown::Domain("provider.example".into()), "the domain of a host name");
        assert_eq!(stats.dkim[0].selector, Shown::Withheld, "a selector only in full");
        assert_eq!(stats.dmarc.domain, Shown::Withheld, "nothing checked, nothing shown");
        assert_eq!(shown("malware-scanning", &[Category::Authentication]), None, "not in its policy");
        assert_eq!(shown("spam-filtering", &[Category::Content]), None, "not asked for: withheld");
    }
}

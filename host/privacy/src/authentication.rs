//! What a purpose sees of the message's authentication results (`mxr:filter/
//! authentication`): the result words as they are (they say nothing of a person),
//! each identity (the domain SPF checked, a DKIM signer, the From domain DMARC
//! judged, the client's confirmed PTR name) in the form the grant gives the
//! `authentication` category, or the stricter form of the category it came from
//! ([`identity`]). A DKIM selector is shown only in full, and so is an identity that
//! is no real domain (see [`crate::vocabulary::is_host`]).

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
    let form = r.grant.form(Category::Authentication);
    let selector = |v: &str| match form {
        Form::Full if !v.is_empty() => Shown::Full(v.to_owned()),
        _ => Shown::Withheld,
    };
    let helo_or_mail = if auth.spf.helo { Category::Network } else { Category::EmailAddress };
    Some(AuthShown {
        spf: SpfShown {
            result: auth.spf.result,
            domain: identity(r, &auth.spf.domain, helo_or_mail),
            helo: auth.spf.helo,
        },
        dkim: auth
            .dkim
            .iter()
            .map(|d| DkimShown {
                result: d.result,
                domain: identity(r, &d.domain, Category::EmailAddress),
                selector: selector(&d.selector),
            })
            .collect(),
        dmarc: DmarcShown {
            result: auth.dmarc.result,
            policy: auth.dmarc.policy,
            spf_aligned: auth.dmarc.spf_aligned,
            dkim_aligned: auth.dmarc.dkim_aligned,
            domain: identity(r, &auth.dmarc.domain, Category::EmailAddress),
        },
        iprev: IprevShown { result: auth.iprev.result, name: identity(r, &auth.iprev.name, Category::Network) },
    })
}

/// An identity in the stricter of two forms: `authentication`'s, and that of the
/// category it came from, so that no value leaks through the results that its own
/// accessor would not give. A HELO name or PTR name (`source` network) takes
/// network's form when stricter; a domain of an address (`source` email-address) is
/// withheld when addresses are redacted or withheld, since every other form of an
/// address shows its domain. An identity that is no real domain (a HELO such as
/// `LOTTE-PC`, naming a person's machine) passes only in full.
fn identity(r: &Renderer, value: &str, source: Category) -> Shown {
    let value = value.trim_end_matches('.');
    let auth = r.grant.form(Category::Authentication);
    let (form, category) = match (source, r.grant.form(source)) {
        (Category::Network, network) if network > auth => (network, Category::Network),
        (Category::EmailAddress, Form::Redacted | Form::Withheld) => (Form::Withheld, source),
        _ => (auth, Category::Authentication),
    };
    match form {
        _ if value.is_empty() => Shown::Withheld,
        Form::Withheld => Shown::Withheld,
        Form::Full => Shown::Full(value.to_owned()),
        _ if crate::vocabulary::is_host(value) => r.value(category, value),
        _ => Shown::Withheld,
    }
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
        let r = Renderer::new(&grant, &p, &PatternDetector);
        let auth = AuthResults {
            spf: SpfCheck { result: AuthResult::Pass, domain: "LOTTE-PC".into(), helo: true },
            dkim: vec![DkimCheck { result: AuthResult::Fail, domain: "sender.example".into(), selector: "s1".into() }],
            iprev: IprevCheck { result: AuthResult::Pass, name: "host-7.dsl.provider.example".into() },
            ..Default::default()
        };
        authentication(&r, &Envelope { auth: Some(Arc::new(auth)), ..Envelope::default() })
    }

    #[test]
    fn each_purpose_sees_the_identities_in_its_form() {
        use Category::{Authentication as A, EmailAddress as E, Network as N};
        let spam = shown("spam-filtering", &[A, E, N]).unwrap();
        assert_eq!(spam.spf.domain, Shown::Full("LOTTE-PC".into()), "spam-filtering sees the HELO as network does");
        assert_eq!(spam.dkim[0].selector, Shown::Full("s1".into()));
        assert_eq!(spam.dkim[0].result, AuthResult::Fail);
        let stats = shown("statistics", &[A, E, N]).unwrap();
        assert_eq!(stats.iprev.name, Shown::Domain("provider.example".into()), "the domain of a host name");
        assert_eq!(stats.dkim[0].selector, Shown::Withheld, "a selector only in full");
        assert_eq!(stats.dmarc.domain, Shown::Withheld, "nothing checked, nothing shown");
        assert_eq!(stats.spf.domain, Shown::Withheld, "a HELO that names a machine, not a domain");
        assert_eq!(stats.dkim[0].domain, Shown::Domain("sender.example".into()));
        assert_eq!(shown("malware-scanning", &[A, E, N]), None, "not in its policy");
        assert_eq!(shown("spam-filtering", &[Category::Content]), None, "not asked for: withheld");
    }

    #[test]
    fn an_identity_takes_the_stricter_form_of_where_it_came_from() {
        // Results asked for, but neither addresses nor network: no identity passes.
        let alone = shown("spam-filtering", &[Category::Authentication]).unwrap();
        assert_eq!(alone.spf.domain, Shown::Withheld, "the HELO is network data");
        assert_eq!(alone.iprev.name, Shown::Withheld, "the PTR name is network data");
        assert_eq!(alone.dkim[0].domain, Shown::Withheld, "a signer's domain is an address's domain");
        assert_eq!(alone.dkim[0].result, AuthResult::Fail, "the result words still come");
    }
}

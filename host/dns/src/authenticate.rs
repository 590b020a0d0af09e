//! Authentication of one incoming message at DATA: iprev, SPF and DKIM side by side,
//! then DMARC from their outputs, all within `dns.auth_budget_ms`. Whatever has not
//! finished when the budget runs out is `temperror`: the message is judged (and the
//! session answered) on time, and a sender's slow DNS costs only that sender.

use crate::Dns;
use crate::cache::TtlCache;
use mail_auth::{
    AuthenticatedMessage, DkimOutput, DkimResult, DmarcResult, IprevResult, MX, Parameters, RecordSet, SpfResult, Txt,
    dmarc::Policy, dmarc::verify::DmarcParameters, spf::verify::SpfParameters,
};
use mxr_mail::auth::{AuthResult, AuthResults, DkimCheck, DmarcCheck, DmarcPolicy, IprevCheck, SpfCheck};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What authentication needs of the transaction.
#[derive(Clone, Copy, Debug)]
pub struct AuthInput<'a> {
    /// The client's address.
    pub client_ip: IpAddr,
    /// The EHLO/HELO name.
    pub helo: &'a str,
    /// The MAIL FROM address; empty for the null sender.
    pub mail_from: &'a str,
    /// This node's host name (SPF's `%{r}`).
    pub hostname: &'a str,
    /// The message as received.
    pub raw: &'a [u8],
}

type Cached<'x, P> = Parameters<
    'x,
    P,
    TtlCache<Box<str>, Txt>,
    TtlCache<Box<str>, RecordSet<MX>>,
    TtlCache<Box<str>, RecordSet<Ipv4Addr>>,
    TtlCache<Box<str>, RecordSet<Ipv6Addr>>,
    TtlCache<IpAddr, RecordSet<Box<str>>>,
>;

impl Dns {
    /// `params` with this resolver's caches.
    pub(crate) fn cached<P>(&self, params: P) -> Cached<'_, P> {
        let c = &self.caches;
        Parameters::new(params)
            .with_txt_cache(&c.txt)
            .with_mx_cache(&c.mx)
            .with_ipv4_cache(&c.ipv4)
            .with_ipv6_cache(&c.ipv6)
            .with_ptr_cache(&c.ptr)
    }

    /// SPF, DKIM, DMARC and iprev for one message, within the budget.
    pub async fn authenticate(&self, input: AuthInput<'_>) -> AuthResults {
        let message = AuthenticatedMessage::parse(input.raw);
        let mut results = unfinished(&input, message.as_ref());
        let checks = self.check(&input, message.as_ref(), &mut results);
        if tokio::time::timeout(self.auth_budget, checks).await.is_err() {
            tracing::info!(
                budget_ms = self.auth_budget.as_millis() as u64,
                "authentication ran out of time: temperror"
            );
        }
        results
    }

    /// Fills `results` in as each check ends.
    async fn check(
        &self,
        input: &AuthInput<'_>,
        message: Option<&AuthenticatedMessage<'_>>,
        results: &mut AuthResults,
    ) {
        let from_domain = input.mail_from.rsplit_once('@').map_or("", |(_, d)| d);
        let spf_params = SpfParameters::verify(input.client_ip, input.helo, input.hostname, input.mail_from);
        let spf = self.resolver.verify_spf(self.cached(spf_params));
        let iprev = self.resolver.verify_iprev(self.cached(input.client_ip));
        let dkim = async {
            match message {
                Some(m) => self.resolver.verify_dkim(self.cached(m)).await,
                None => Vec::new(),
            }
        };
        let (spf, iprev, dkim) = tokio::join!(spf, iprev, dkim);
        results.spf = SpfCheck {
            result: spf_result(spf.result()),
            domain: spf.domain().to_owned(),
            helo: from_domain.is_empty() || !spf.domain().eq_ignore_ascii_case(from_domain),
        };
        results.iprev = IprevCheck {
            result: iprev_result(&iprev.result),
            name: match (&iprev.result, &iprev.ptr) {
                (IprevResult::Pass, Some(names)) => names.first().map(|n| n.trim_end_matches('.').to_owned()),
                _ => None,
            }
            .unwrap_or_default(),
        };
        results.dkim = dkim.iter().map(dkim_check).collect();
        let Some(message) = message else {
            results.dmarc.result = AuthResult::PermError;
            return;
        };
        let mail_domain = if from_domain.is_empty() { input.helo } else { from_domain };
        let dmarc =
            self.resolver.verify_dmarc(self.cached(DmarcParameters::new(message, &dkim, mail_domain, &spf))).await;
        results.dmarc = DmarcCheck {
            result: dmarc_result(&dmarc.result()),
            policy: match dmarc.policy() {
                Policy::None => DmarcPolicy::None,
                Policy::Quarantine => DmarcPolicy::Quarantine,
                Policy::Reject => DmarcPolicy::Reject,
                Policy::Unspecified => DmarcPolicy::Unspecified,
            },
            spf_aligned: *dmarc.spf_result() == DmarcResult::Pass,
            dkim_aligned: *dmarc.dkim_result() == DmarcResult::Pass,
            domain: dmarc.domain().to_owned(),
        };
    }
}

/// The results as they stand before any lookup: every check `temperror`, and one
/// DKIM entry per signature header, so that a check cut off by the budget says so.
fn unfinished(input: &AuthInput<'_>, message: Option<&AuthenticatedMessage<'_>>) -> AuthResults {
    let from_domain = input.mail_from.rsplit_once('@').map_or("", |(_, d)| d);
    let temp = AuthResult::TempError;
    AuthResults {
        spf: SpfCheck {
            result: temp,
            domain: if from_domain.is_empty() { input.helo } else { from_domain }.to_owned(),
            helo: from_domain.is_empty(),
        },
        dkim: message
            .map(|m| {
                let check = |h: &mail_auth::common::headers::Header<'_, mail_auth::dkim::Signature>| DkimCheck {
                    result: temp,
                    domain: h.header.d.clone(),
                    selector: h.header.s.clone(),
                };
                m.dkim_headers.iter().map(check).collect()
            })
            .unwrap_or_default(),
        dmarc: DmarcCheck { result: temp, ..Default::default() },
        iprev: IprevCheck { result: temp, name: String::new() },
        client_ip: input.client_ip.to_string(),
    }
}

fn dkim_check(d: &DkimOutput<'_>) -> DkimCheck {
    let (domain, selector) = d.signature().map_or((String::new(), String::new()), |s| (s.d.clone(), s.s.clone()));
    let result = match d.result() {
        DkimResult::Pass => AuthResult::Pass,
        DkimResult::Neutral(_) => AuthResult::Neutral,
        DkimResult::Fail(_) => AuthResult::Fail,
        DkimResult::PermError(_) => AuthResult::PermError,
        DkimResult::TempError(_) => AuthResult::TempError,
        DkimResult::None => AuthResult::None,
    };
    DkimCheck { result, domain, selector }
}

fn spf_result(r: SpfResult) -> AuthResult {
    match r {
        SpfResult::Pass => AuthResult::Pass,
        SpfResult::Fail => AuthResult::Fail,
        SpfResult::SoftFail => AuthResult::SoftFail,
        SpfResult::Neutral => AuthResult::Neutral,
        SpfResult::TempError => AuthResult::TempError,
        SpfResult::PermError => AuthResult::PermError,
        SpfResult::None => AuthResult::None,
    }
}

fn dmarc_result(r: &DmarcResult) -> AuthResult {
    match r {
        DmarcResult::Pass => AuthResult::Pass,
        DmarcResult::Fail(_) => AuthResult::Fail,
        DmarcResult::TempError(_) => AuthResult::TempError,
        DmarcResult::PermError(_) => AuthResult::PermError,
        DmarcResult::None => AuthResult::None,
    }
}

fn iprev_result(r: &IprevResult) -> AuthResult {
    match r {
        IprevResult::Pass => AuthResult::Pass,
        IprevResult::Fail(_) => AuthResult::Fail,
        IprevResult::TempError(_) => AuthResult::TempError,
        IprevResult::PermError(_) => AuthResult::PermError,
        IprevResult::None => AuthResult::None,
    }
}

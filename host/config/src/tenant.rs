//! A customer as the relay serves it, and the one rule deciding which of its plugins
//! run with what grant.

use crate::names::{PluginName, Region, TenantId, TenantStatus, TlsMode};
use mxr_privacy::{Category, Form, Grant};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A customer.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Its id, unique in the config.
    pub id: TenantId,
    /// Its domains: lower-case, without a trailing dot, each owned by this tenant only.
    pub domains: Vec<String>,
    /// Its plugins, in the order they run.
    pub plugins: Vec<PluginName>,
    /// Plugin → the purpose the tenant authorises it for; every key is in `plugins`
    /// and every purpose is in the loaded purpose policy.
    pub authorise: BTreeMap<PluginName, String>,
    /// Plugin → categories whose form the tenant tightens; each form applies to its
    /// category. Applied by [`Tenant::grant_for`], which never widens.
    pub tighten: BTreeMap<PluginName, BTreeMap<Category, Form>>,
    /// Where its mail goes.
    pub next_hop: NextHop,
    /// Whether sender-routed recipients (`user%other@`, `other!user@`, a quoted local
    /// part holding `@`, `%` or `!`) are accepted for its domains (default false: they
    /// get `550 5.7.1`, as Postfix's `allow_untrusted_routing = no`).
    pub allow_sender_routing: bool,
    /// Plugin → the tenant's own settings text for it, which the plugin reads through
    /// `config()` instead of the operator's default ([`Tenant::plugin_config`]).
    pub settings: BTreeMap<PluginName, Arc<str>>,
    /// Whether its mail is taken.
    pub status: TenantStatus,
}

/// Why a plugin does not run for a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotRun {
    /// The tenant's chain does not name the plugin.
    NotInChain,
    /// The tenant authorises no purpose for the plugin.
    NotAuthorised,
    /// The tenant authorises another purpose than the one the plugin declares.
    OtherPurpose {
        /// What the tenant authorised.
        authorised: String,
    },
}

impl Tenant {
    /// The one place that decides whether plugin `name`, which declares `purpose` and
    /// whose policy grant is `policy_grant`, runs for this tenant, and with what grant:
    /// only if the tenant's chain names it and the tenant authorises exactly that
    /// purpose; then with the policy grant tightened by the tenant (never widened).
    pub fn grant_for(&self, name: &str, purpose: &str, policy_grant: Grant) -> Result<Grant, NotRun> {
        if !self.plugins.iter().any(|p| p == name) {
            return Err(NotRun::NotInChain);
        }
        match self.authorise.get(name) {
            None => Err(NotRun::NotAuthorised),
            Some(a) if a != purpose => Err(NotRun::OtherPurpose { authorised: a.clone() }),
            Some(_) => Ok(self.tighten.get(name).map_or(policy_grant, |t| policy_grant.tighten(t))),
        }
    }
}

impl Tenant {
    /// The settings text plugin `name` reads for this tenant: the tenant's own, else
    /// the operator's `default`.
    pub fn plugin_config(&self, name: &str, default: &Arc<str>) -> Arc<str> {
        self.settings.get(name).unwrap_or(default).clone()
    }
}

/// Where a tenant's accepted mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextHop {
    /// A local Maildir (the ready default's stand-in for the customer's server);
    /// default `<data_dir>/maildir/<tenant>`.
    Maildir(PathBuf),
    /// The customer's SMTP server.
    Smtp {
        /// A host name or an IP address.
        host: String,
        /// Port (default 25).
        port: u16,
        /// TLS mode (default required).
        tls: TlsMode,
        /// Its country; outside the EU only with the tenant's recorded transfer consent.
        region: Region,
        /// Extra trusted CA certificates (PEM), besides the public roots.
        ca_file: Option<PathBuf>,
    },
    /// The mail exchangers of a domain (RFC 5321 §5.1), looked up at each delivery:
    /// its MX hosts in preference order, or the domain's own addresses without MX.
    Mx {
        /// The domain whose MX records are asked: lower-case, no trailing dot, and
        /// never a domain any tenant of this relay serves.
        domain: String,
        /// Port; `None` means `delivery.mx_port` (default 25).
        port: Option<u16>,
        /// TLS mode (default required), checked against each MX host's name.
        tls: TlsMode,
        /// The country the tenant declares its MX hosts are in. This is what the
        /// transfer rule (agreement art. 3.1) reads: mxr checks the declaration and the
        /// consent, and cannot check where the addresses DNS returns really are.
        region: Region,
        /// Extra trusted CA certificates (PEM), besides the public roots.
        ca_file: Option<PathBuf>,
    },
}

//! `[[tenant]]`: ids and domains unique across tenants, a chain whose purposes are in
//! the loaded policy, tightening that applies, and a next hop the tenant may send to
//! (in the EU or with consent; an MX next hop never at a domain this relay serves).

use super::invalid;
use crate::delivery::SMTP_PORT;
use crate::file::{NextHopFile, TenantFile};
use crate::names::{NextHopKind, PluginName, is_domain};
use crate::{ConfigError, MAX_SETTINGS_BYTES, NextHop, Tenant};
use mxr_privacy::PurposePolicy;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every tenant, in file order; warnings for plugins that will not run. `key_of(i)`
/// names the `i`th tenant in errors (`tenant[i]` in the config file).
pub(crate) fn tenants(
    files: &[TenantFile],
    data_dir: &Path,
    policy: &PurposePolicy,
    warnings: &mut Vec<String>,
    key_of: &dyn Fn(usize) -> String,
) -> Result<Vec<Arc<Tenant>>, ConfigError> {
    let mut owner = HashMap::new();
    let mut tenants: Vec<Arc<Tenant>> = Vec::new();
    for (i, t) in files.iter().enumerate() {
        let key = key_of(i);
        if tenants.iter().any(|seen| seen.id == t.id) {
            return Err(invalid(format!("{key}.id"), format!("tenant id {} is used twice", t.id)));
        }
        let domains = domains(&key, t, &mut owner)?;
        chain(&key, t, policy, warnings)?;
        tighten(&key, t)?;
        let next_hop = next_hop(&format!("{key}.next_hop"), &t.next_hop, data_dir, &t.id)?;
        transfer(&key, t, &next_hop)?;
        if let Some(d) = &t.digest {
            d.check(&format!("{key}.digest"))?;
        }
        tenants.push(Arc::new(Tenant {
            id: t.id.clone(),
            domains,
            plugins: t.plugins.clone(),
            authorise: t.authorise.clone(),
            tighten: t.tighten.clone(),
            next_hop,
            allow_sender_routing: t.allow_sender_routing,
            settings: settings(&key, t)?,
            status: t.status,
        }));
    }
    no_loop(&tenants, key_of)?;
    if tenants.is_empty() {
        warnings.push("tenant: no tenants: every recipient will be refused".into());
    }
    Ok(tenants)
}

/// At least one domain, each a domain name, lower-cased, and not another tenant's.
/// `owner` maps each domain seen so far to its tenant.
fn domains(key: &str, t: &TenantFile, owner: &mut HashMap<String, String>) -> Result<Vec<String>, ConfigError> {
    if t.domains.is_empty() {
        return Err(invalid(format!("{key}.domains"), "a tenant needs at least one domain"));
    }
    let mut domains = Vec::new();
    for (j, d) in t.domains.iter().enumerate() {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        if !is_domain(&d) {
            return Err(invalid(format!("{key}.domains[{j}]"), format!("{d:?} is not a domain name")));
        }
        if let Some(other) = owner.insert(d.clone(), t.id.to_string()) {
            return Err(invalid(format!("{key}.domains[{j}]"), format!("{d} already belongs to tenant {other}")));
        }
        domains.push(d);
    }
    Ok(domains)
}

/// The chain and its authorisations: every authorised plugin is in the chain, and
/// every purpose is in the policy. A plugin without a purpose is only warned about:
/// it stays in the chain, and does not run.
fn chain(key: &str, t: &TenantFile, policy: &PurposePolicy, warnings: &mut Vec<String>) -> Result<(), ConfigError> {
    for (j, p) in t.plugins.iter().enumerate() {
        if !t.authorise.contains_key(p) {
            warnings
                .push(format!("{key}.plugins[{j}]: tenant {} authorises no purpose for {p}; it will not run", t.id));
        }
    }
    for (plugin, purpose) in &t.authorise {
        let key = format!("{key}.authorise.{plugin}");
        if !t.plugins.contains(plugin) {
            return Err(invalid(key, format!("{plugin} is not in this tenant's plugins")));
        }
        if policy.purpose(purpose).is_none() {
            return Err(invalid(key, format!("purpose {purpose:?} is not in the purpose policy")));
        }
    }
    Ok(())
}

/// Settings only for plugins in the chain, each at most [`MAX_SETTINGS_BYTES`].
fn settings(key: &str, t: &TenantFile) -> Result<BTreeMap<PluginName, Arc<str>>, ConfigError> {
    let mut out = BTreeMap::new();
    for (plugin, text) in &t.settings {
        let key = format!("{key}.settings.{plugin}");
        if !t.plugins.contains(plugin) {
            return Err(invalid(key, format!("{plugin} is not in this tenant's plugins")));
        }
        if text.len() > MAX_SETTINGS_BYTES {
            return Err(invalid(key, format!("{} bytes; at most {MAX_SETTINGS_BYTES}", text.len())));
        }
        out.insert(plugin.clone(), Arc::from(text.as_str()));
    }
    Ok(out)
}

/// Every tightened form applies to its category.
fn tighten(key: &str, t: &TenantFile) -> Result<(), ConfigError> {
    for (plugin, forms) in &t.tighten {
        if let Some((c, f)) = forms.iter().find(|(c, f)| !c.allowed_forms().contains(f)) {
            return Err(invalid(format!("{key}.tighten.{plugin}.{c}"), format!("form {f} does not apply to {c}")));
        }
    }
    Ok(())
}

/// No MX next hop names a domain some tenant (itself included) has here: its MX is
/// this relay, so the mail would come straight back.
fn no_loop(tenants: &[Arc<Tenant>], key_of: &dyn Fn(usize) -> String) -> Result<(), ConfigError> {
    for (i, t) in tenants.iter().enumerate() {
        let NextHop::Mx { domain, .. } = &t.next_hop else { continue };
        if let Some(owner) = tenants.iter().find(|o| o.domains.contains(domain)) {
            return Err(invalid(
                format!("{}.next_hop.domain", key_of(i)),
                format!(
                    "{domain} is served here (by tenant {}): its MX would send the mail back to this relay",
                    owner.id
                ),
            ));
        }
    }
    Ok(())
}

/// Outside the EU only with the tenant's recorded consent (agreement art. 3.1). For
/// an MX next hop the region is the one the tenant declares for its MX hosts: DNS may
/// name any address, so the declaration and the consent are what is checked.
fn transfer(key: &str, t: &TenantFile, next_hop: &NextHop) -> Result<(), ConfigError> {
    let (NextHop::Smtp { region, .. } | NextHop::Mx { region, .. }) = next_hop else { return Ok(()) };
    let consent = t.transfer_consent.as_deref().is_some_and(|c| !c.trim().is_empty());
    if region.is_eu() || consent {
        return Ok(());
    }
    Err(invalid(
        format!("{key}.next_hop.region"),
        format!(
            "{region} is outside the EU; record the tenant's consent in {key}.transfer_consent first (agreement art. 3.1)"
        ),
    ))
}

/// `[tenant.next_hop]`: a Maildir under the data dir, an SMTP server with a host and
/// the country it is in, or the MX hosts of a domain and the country declared for them.
fn next_hop(key: &str, n: &NextHopFile, data_dir: &Path, tenant: &str) -> Result<NextHop, ConfigError> {
    let ca_file = n.ca_file.as_ref().map(|f| data_dir.join(f));
    match n.kind {
        NextHopKind::Maildir => {
            if n.host.is_some() || n.domain.is_some() || n.port.is_some() || n.tls.is_some() {
                return Err(invalid(key, "host, domain, port and tls belong to kind = \"smtp\" or \"mx\""));
            }
            let path = n.path.clone().unwrap_or_else(|| PathBuf::from("maildir").join(tenant));
            Ok(NextHop::Maildir(data_dir.join(path)))
        }
        NextHopKind::Smtp => {
            if n.domain.is_some() {
                return Err(invalid(
                    format!("{key}.domain"),
                    "domain belongs to kind = \"mx\"; an smtp next hop has a host",
                ));
            }
            let host = n.host.clone().ok_or_else(|| invalid(format!("{key}.host"), "an smtp next hop needs a host"))?;
            if !is_domain(&host) && host.parse::<std::net::IpAddr>().is_err() {
                return Err(invalid(format!("{key}.host"), format!("{host:?} is not a host name or address")));
            }
            let region = region(key, n, "an smtp next hop must say where it is (agreement art. 3.1)")?;
            Ok(NextHop::Smtp {
                host,
                port: n.port.unwrap_or(SMTP_PORT),
                tls: n.tls.unwrap_or_default(),
                region,
                ca_file,
            })
        }
        NextHopKind::Mx => {
            if n.host.is_some() || n.path.is_some() {
                return Err(invalid(key, "an mx next hop names a domain; host and path belong to other kinds"));
            }
            let domain =
                n.domain.as_deref().ok_or_else(|| invalid(format!("{key}.domain"), "an mx next hop needs a domain"))?;
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            if !is_domain(&domain) {
                return Err(invalid(format!("{key}.domain"), format!("{domain:?} is not a domain name")));
            }
            let why = "an mx next hop must declare the country its MX hosts are in (agreement art. 3.1)";
            Ok(NextHop::Mx {
                domain,
                port: n.port,
                tls: n.tls.unwrap_or_default(),
                region: region(key, n, why)?,
                ca_file,
            })
        }
    }
}

/// `next_hop.region`, which an smtp or mx next hop must give (`why` says so).
fn region(key: &str, n: &NextHopFile, why: &str) -> Result<crate::Region, ConfigError> {
    n.region.clone().ok_or_else(|| invalid(format!("{key}.region"), why))
}

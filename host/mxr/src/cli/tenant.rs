//! `mxr tenant ...` and `mxr token ...`: the live tenant state and API tokens, from
//! the command line. Changes go through the same validation and audit as the API's,
//! into the same database; a running relay picks them up within a second.

use super::relay_args::RelayArgs;
use anyhow::Context;
use mxr_audit::{AuditLog, NodeSigner};
use mxr_config::{Config, TenantId, TenantStatus};
use mxr_store::keys::KeyStore;
use mxr_tenants::{Actor, Change, Scope, SqliteStore, Tenants};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// `mxr tenant ...`.
#[derive(clap::Subcommand, Debug)]
pub enum TenantCommand {
    /// Every tenant: id, status, domains, plugins.
    List(RelayArgs),
    /// One tenant as stored (JSON, the shape of a `[[tenant]]` table).
    Show {
        /// The tenant's id.
        tenant: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Create or replace the tenants in a TOML file of `[[tenant]]` tables.
    Import {
        /// The file.
        file: PathBuf,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Delete a tenant (its stored mail stays until offboarded).
    Delete {
        /// The tenant's id.
        tenant: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Pause a tenant's mail: RCPT gets 450 4.7.1 until it is resumed.
    Suspend {
        /// The tenant's id.
        tenant: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Resume a suspended tenant.
    Resume {
        /// The tenant's id.
        tenant: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// The tenant's API tokens.
    #[command(subcommand)]
    Token(TenantTokenCommand),
    /// End a tenant (agreement art. 11.4): stop taking its mail (550 5.1.2), export its
    /// mail and audit records, delete its files, destroy its key, and write a signed
    /// deletion certificate.
    Offboard(super::offboard::OffboardArgs),
}

/// `mxr tenant token ...`.
#[derive(clap::Subcommand, Debug)]
pub enum TenantTokenCommand {
    /// Make a token for a tenant; its secret is printed once and stored only hashed.
    Create {
        /// The tenant's id.
        tenant: String,
        /// What the token is for.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
}

/// `mxr token ...`: every token, the operator's included.
#[derive(clap::Subcommand, Debug)]
pub enum TokenCommand {
    /// Make an operator token (all tenants, tokens, plugins, queue, metrics).
    CreateOperator {
        /// What the token is for.
        #[arg(long, default_value = "")]
        label: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
    /// Every token: id, scope, label, made, revoked (never a secret).
    List(RelayArgs),
    /// Revoke a token by its id.
    Revoke {
        /// The token's id.
        id: String,
        #[command(flatten)]
        relay: RelayArgs,
    },
}

/// The live state of the relay whose data `relay` names (keys made as the relay makes
/// them, if this is the first use of the data dir).
pub(super) fn open(relay: &RelayArgs, explicit_data_dir: bool) -> anyhow::Result<(Config, Arc<Tenants>)> {
    let config = relay.load(explicit_data_dir)?;
    std::fs::create_dir_all(&config.data_dir).with_context(|| config.data_dir.display().to_string())?;
    let master = &config.master_key;
    let keys = KeyStore::open(&config.data_dir, &master.path, !master.named)?;
    let audit = AuditLog::open(&config.data_dir, &config.region, NodeSigner::from_seed(&keys.node_signing_seed()?))?;
    let store = SqliteStore::open(&config.data_dir.join(mxr_tenants::DB_FILE))?;
    let tenants = Tenants::open(Arc::new(store), Arc::new(audit), &config)?;
    Ok((config, tenants))
}

fn id(s: &str) -> anyhow::Result<TenantId> {
    TenantId::try_from(s).map_err(anyhow::Error::msg)
}

fn operator() -> Actor {
    Actor::Os(mxr_audit::os_operator())
}

/// Runs a tenant command.
pub fn tenant(cmd: TenantCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        TenantCommand::List(relay) => {
            let (_, tenants) = open(&relay, explicit_data_dir)?;
            for t in tenants.files().iter() {
                let plugins: Vec<&str> = t.plugins.iter().map(|p| p.as_str()).collect();
                println!(
                    "{:<16} {:<10} {:<40} {}",
                    t.id,
                    format!("{:?}", t.status).to_lowercase(),
                    t.domains.join(","),
                    plugins.join(",")
                );
            }
        }
        TenantCommand::Show { tenant, relay } => {
            let (_, tenants) = open(&relay, explicit_data_dir)?;
            let file = tenants.file(&tenant).with_context(|| format!("no tenant {tenant}"))?;
            println!("{}", serde_json::to_string_pretty(&file)?);
        }
        TenantCommand::Import { file, relay } => {
            let (_, tenants) = open(&relay, explicit_data_dir)?;
            let text = std::fs::read_to_string(&file).with_context(|| file.display().to_string())?;
            let full = format!("version = 1\n{text}");
            let (parsed, _) = mxr_config::validate(&full, file.parent().unwrap_or(std::path::Path::new(".")))
                .with_context(|| format!("{}", file.display()))?;
            let n = parsed.tenant_files.len();
            let revision = tenants.apply(&operator(), Change::Put(parsed.tenant_files))?;
            println!("imported {n} tenants (revision {revision})");
        }
        TenantCommand::Delete { tenant, relay } => {
            let (_, tenants) = open(&relay, explicit_data_dir)?;
            tenants.file(&tenant).with_context(|| format!("no tenant {tenant}"))?;
            let revision = tenants.apply(&operator(), Change::Delete(id(&tenant)?))?;
            println!("deleted {tenant} (revision {revision})");
        }
        TenantCommand::Suspend { tenant, relay } => {
            set_status(&relay, explicit_data_dir, &tenant, TenantStatus::Suspended)?
        }
        TenantCommand::Resume { tenant, relay } => {
            set_status(&relay, explicit_data_dir, &tenant, TenantStatus::Active)?
        }
        TenantCommand::Offboard(args) => return super::offboard::run(args, explicit_data_dir),
        TenantCommand::Token(TenantTokenCommand::Create { tenant, label, relay }) => {
            create_token(&relay, explicit_data_dir, Scope::Tenant(id(&tenant)?), &label)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn set_status(relay: &RelayArgs, explicit: bool, tenant: &str, status: TenantStatus) -> anyhow::Result<()> {
    let (_, tenants) = open(relay, explicit)?;
    let revision = tenants.update(&operator(), tenant, |f| {
        f.status = status;
        Ok::<(), mxr_tenants::ApplyError>(())
    })?;
    println!("{tenant} is {} (revision {revision})", format!("{status:?}").to_lowercase());
    Ok(())
}

fn create_token(relay: &RelayArgs, explicit: bool, scope: Scope, label: &str) -> anyhow::Result<()> {
    let (_, tenants) = open(relay, explicit)?;
    let made = tenants.create_token(&operator(), scope, label)?;
    eprintln!("token {} for {} (shown once; store it now):", made.record.id, made.record.scope);
    println!("{}", made.secret);
    Ok(())
}

/// Runs a token command.
pub fn token(cmd: TokenCommand, explicit_data_dir: bool) -> anyhow::Result<ExitCode> {
    match cmd {
        TokenCommand::CreateOperator { label, relay } => {
            create_token(&relay, explicit_data_dir, Scope::Operator, &label)?
        }
        TokenCommand::List(relay) => {
            let (_, tenants) = open(&relay, explicit_data_dir)?;
            for t in tenants.tokens()? {
                let revoked = t.revoked.map_or("-".to_owned(), mxr_audit::record_time);
                println!(
                    "{}  {:<20} {:<20} made {} revoked {revoked}",
                    t.id,
                    t.scope,
                    t.label,
                    mxr_audit::record_time(t.created)
                );
            }
        }
        TokenCommand::Revoke { id, relay } => {
            let (_, tenants) = open(&relay, explicit_data_dir)?;
            tenants.revoke_token(&operator(), &id)?.with_context(|| format!("no token {id}"))?;
            println!("revoked {id}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

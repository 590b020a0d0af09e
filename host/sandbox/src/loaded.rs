//! A loaded plugin: compiled once, checked once, then instantiated fresh for every call.

use super::bindings::{FilterPre, types as wit};
use super::call_store::{bare_store, classify, new_store};
use super::failure::{FailureClass, PluginFailure};
use super::fair_share::Conduct;
use super::hook_exports::HookExports;
use super::identity::PluginIdentity;
use super::manifest::{IncompatibleInterface, InvalidManifest, PluginManifest, check_interface_version, clip};
use super::runtime::PluginRuntime;
use super::settings_api::{SettingsCheck, SettingsRefused};
use super::state::{CallContext, StoreState};
use super::stats::PluginStats;
use super::verdict::{self, Action, FilterVerdict};
use mxr_config::limits::PluginLimits;
use mxr_mail::Envelope;
use mxr_metrics::{IdLabel, PluginLabels};
use mxr_privacy::ScannedMail;
use mxr_privacy::{CategorySet, Grant, Pseudonymizer};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why a plugin file was refused.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read: {0}")]
    Read(#[from] std::io::Error),
    /// Not a valid component (or not complete yet).
    #[error("not a valid wasm component: {0:#}")]
    Compile(wasmtime::Error),
    /// Built against another interface version, or lacking the interface.
    #[error("incompatible interface: {0}")]
    Incompatible(#[from] IncompatibleInterface),
    /// The manifest is invalid or names a purpose the policy does not know.
    #[error("invalid manifest: {0}")]
    Manifest(#[from] InvalidManifest),
}

/// The SMTP stage to call, with its stage-specific input.
#[derive(Clone, Debug)]
pub enum StageCall {
    /// After connect.
    Connect,
    /// After MAIL FROM.
    MailFrom,
    /// For one candidate recipient (the raw address; rendered through the grant).
    Rcpt(String),
    /// After DATA.
    Data,
}

impl StageCall {
    /// The stage's name as WIT spells it.
    pub fn stage_name(&self) -> &'static str {
        super::types_api::stage_name(self.stage())
    }

    /// The WIT stage.
    pub fn stage(&self) -> wit::Stage {
        match self {
            StageCall::Connect => wit::Stage::Connect,
            StageCall::MailFrom => wit::Stage::MailFrom,
            StageCall::Rcpt(_) => wit::Stage::Rcpt,
            StageCall::Data => wit::Stage::Data,
        }
    }
}

/// What one call reads: the transaction's data and the tenant's grant and key.
#[derive(Clone)]
pub struct CallInput {
    /// The envelope so far.
    pub envelope: Arc<Envelope>,
    /// The message, at data.
    pub message: Option<Arc<ScannedMail>>,
    /// The grant (the plugin's default grant, tightened by the tenant).
    pub grant: Grant,
    /// Pseudonym key for this tenant and the plugin's purpose.
    pub pseudonyms: Arc<Pseudonymizer>,
    /// The operator's config text for the plugin.
    pub config: Arc<str>,
    /// The operator's limits for this plugin, within the runtime's.
    pub limits: PluginLimits,
    /// Who the call is charged to in the fair share of workers: the tenant.
    pub party: Arc<str>,
}

/// A successful call.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// The checked verdict.
    pub verdict: FilterVerdict,
    /// The categories the plugin actually read (non-withheld values).
    pub disclosed: CategorySet,
    /// Scrubbed log lines (level, text).
    pub logs: Vec<(String, String)>,
    /// Time the call took, instantiation included.
    pub elapsed: Duration,
}

/// One call as the chain records it: the audit log and the metrics.
#[derive(Debug)]
pub struct Called {
    /// The checked verdict, or why there is none.
    pub result: Result<CallOutcome, PluginFailure>,
    /// The categories the plugin read, which a failed call has disclosed as much as a
    /// successful one.
    pub disclosed: CategorySet,
    /// The plugin's own CPU time ([`super::clock`]), when it ran in a sandbox (`None`
    /// when it was not run: a stage it does not hook, or isolated).
    pub own_time: Option<Duration>,
}

/// What one sandboxed call left: its checked verdict, what it read, its scrubbed log
/// lines, and its own time.
struct Sandboxed {
    verdict: Result<FilterVerdict, PluginFailure>,
    disclosed: CategorySet,
    logs: Logs,
    own_time: Duration,
    /// The call's store, to be dropped by the caller: unmapping its memory (64 MB for
    /// a memory bomb) holds the process's memory-map lock, which every other thread's
    /// page faults and mappings wait for; a nice-19 thread holding it gets the core
    /// back last (priority inversion).
    store: wasmtime::Store<StoreState>,
}

/// A compiled, checked plugin.
pub struct LoadedPlugin {
    /// Name, version, hash.
    pub identity: Arc<PluginIdentity>,
    /// What it declared.
    pub manifest: PluginManifest,
    /// Its grant under the runtime's purpose policy, before tenant tightening.
    pub grant: Grant,
    /// The file it came from.
    pub path: PathBuf,
    /// Its counters.
    pub stats: PluginStats,
    /// Its name and purpose as its calls' metric labels (made once, not per call);
    /// the fair share keys it by the same name.
    pub labels: PluginLabels,
    pre: FilterPre<StoreState>,
    /// Its hooks, found once.
    hooks: HookExports,
    /// Its `settings.check` export, when it has one.
    settings: Option<SettingsCheck>,
    runtime: Arc<PluginRuntime>,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LoadedPlugin({} from {})", self.identity, self.path.display())
    }
}

impl LoadedPlugin {
    /// Reads, compiles and checks a plugin file.
    pub fn load_file(runtime: &Arc<PluginRuntime>, path: &Path) -> Result<LoadedPlugin, LoadError> {
        let bytes = std::fs::read(path)?;
        Self::load_bytes(runtime, path, &bytes)
    }

    /// Compiles and checks a plugin from bytes; `path` names it in logs.
    pub fn load_bytes(runtime: &Arc<PluginRuntime>, path: &Path, bytes: &[u8]) -> Result<LoadedPlugin, LoadError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let component = runtime.compile(bytes, &sha256).map_err(LoadError::Compile)?;
        check_interface_version(&runtime.engine, &component)?;
        let pre = runtime.linker.instantiate_pre(&component).map_err(IncompatibleInterface::Link)?;
        let settings = SettingsCheck::find(&component);
        let pre = FilterPre::new(pre).map_err(IncompatibleInterface::Link)?;
        let hooks = HookExports::find(&component)
            .ok_or_else(|| IncompatibleInterface::Link(wasmtime::format_err!("a hook export is missing")))?;
        let provisional = Arc::new(PluginIdentity { name: "?".into(), version: "?".into(), sha256: sha256.clone() });
        let raw = call_manifest(runtime, &pre, &hooks, provisional).map_err(InvalidManifest::Call)?;
        let mut manifest = PluginManifest::check(raw)?;
        if crate::auth_api::imports_authentication(&runtime.engine, &component) {
            manifest.categories.insert(mxr_privacy::Category::Authentication);
        }
        let grant = Grant::for_purpose(&runtime.config.policy, &manifest.purpose, manifest.categories)
            .map_err(InvalidManifest::Policy)?;
        #[cfg(feature = "unenforced-baseline")]
        let grant = {
            let _policy_grant = grant;
            Grant::EVERYTHING
        };
        let identity =
            Arc::new(PluginIdentity { name: manifest.name.clone(), version: manifest.version.clone(), sha256 });
        let labels = PluginLabels {
            plugin: IdLabel::new(Arc::from(manifest.name.as_str()))
                .map_err(|_| InvalidManifest::Name(clip(&manifest.name)))?,
            purpose: IdLabel::new(Arc::from(manifest.purpose.as_str()))
                .map_err(|_| InvalidManifest::Purpose(clip(&manifest.purpose)))?,
        };
        Ok(LoadedPlugin {
            labels,
            identity,
            manifest,
            grant,
            path: path.to_owned(),
            stats: PluginStats::default(),
            pre,
            hooks,
            settings,
            runtime: runtime.clone(),
        })
    }

    /// Asks the plugin whether it accepts `text` as its settings: `Ok` when it does,
    /// or when it exports no check (then any text is taken as given).
    pub fn check_settings(&self, text: &str) -> Result<(), SettingsRefused> {
        match &self.settings {
            Some(check) => check.run(&self.runtime, self.pre.instance_pre(), self.identity.clone(), text),
            None => Ok(()),
        }
    }

    /// The interfaces the component imports, by full name (`mxr:filter/data@0.1.0`,
    /// `wasi:cli/stderr@0.2.6`): a filter built without std imports `mxr:filter` alone.
    pub fn imports(&self) -> Vec<String> {
        let component = self.pre.instance_pre().component();
        component.component_type().imports(&self.runtime.engine).map(|(name, _)| name.to_owned()).collect()
    }

    /// True when the plugin exports a settings check.
    pub fn checks_settings(&self) -> bool {
        self.settings.is_some()
    }

    /// True when the plugin hooks this stage.
    pub fn hooks(&self, stage: wit::Stage) -> bool {
        self.manifest.stages.contains(&stage)
    }

    /// Calls one hook in a fresh sandbox. A stage the plugin does not hook answers
    /// "continue" without instantiating anything.
    pub fn call(&self, stage: &StageCall, input: &CallInput) -> Result<CallOutcome, PluginFailure> {
        self.call_disclosing(stage, input).result
    }

    /// As [`call`](Self::call), with what the audit record and the metrics need:
    /// the categories the plugin read, and its own time.
    pub fn call_disclosing(&self, stage: &StageCall, input: &CallInput) -> Called {
        let started = Instant::now();
        if !self.hooks(stage.stage()) {
            let nothing = Ok(CallOutcome {
                verdict: FilterVerdict::of(Action::Continue),
                disclosed: CategorySet::default(),
                logs: vec![],
                elapsed: started.elapsed(),
            });
            return Called { result: nothing, disclosed: CategorySet::default(), own_time: None };
        }
        let mut worker = match self.runtime.share.enter(&input.party, self.labels.plugin.shared()) {
            Ok(w) => w,
            Err(refused) => {
                self.stats.record(Err(FailureClass::Isolated), Duration::ZERO);
                return Called { result: Err(refused.into()), disclosed: CategorySet::default(), own_time: None };
            }
        };
        let started = Instant::now(); // the wait for a worker is not the call's time
        let run = || self.sandboxed(stage, input);
        // A tenant that keeps misbehaving runs on a thread of the lowest priority, so
        // that its burning calls take what other tenants' calls leave of the cores.
        let ran = if worker.throttled() {
            std::thread::scope(|s| {
                s.spawn(|| lowest_priority(run)).join().unwrap_or_else(|p| std::panic::resume_unwind(p))
            })
        } else {
            run()
        };
        let elapsed = started.elapsed();
        if ran.verdict.as_ref().is_err_and(|f| f.class().is_misbehaviour()) {
            worker.record(Conduct::Misbehaved);
        }
        self.stats.record(ran.verdict.as_ref().map(|v| &v.action).map_err(|f| f.class()), elapsed);
        let Sandboxed { verdict, disclosed, logs, own_time, store } = ran;
        drop(store); // here, at the caller's priority
        let result = verdict.map(|verdict| CallOutcome { verdict, disclosed, logs, elapsed });
        Called { result, disclosed, own_time: Some(own_time) }
    }

    /// One call in a fresh store on this thread (whose CPU clock measures its own time).
    fn sandboxed(&self, stage: &StageCall, input: &CallInput) -> Sandboxed {
        let limits = &self.runtime.config.limits;
        let ctx = CallContext {
            plugin: self.identity.clone(),
            config: input.config.clone(),
            grant: input.grant,
            pseudonyms: input.pseudonyms.clone(),
            detector: self.runtime.config.detector.clone(),
            envelope: input.envelope.clone(),
            message: input.message.clone(),
            caps: limits.output,
            max_input_bytes: limits.max_input_bytes,
            disclosed: CategorySet::default(),
            logs: vec![],
            logs_dropped: 0,
            panic_line: None,
        };
        let deadline = input.limits.deadline.map_or(limits.deadline, |d| d.min(limits.deadline));
        let memory = input.limits.memory_bytes.map_or(limits.memory_bytes, |m| m.min(limits.memory_bytes));
        let mut store = new_store(&self.runtime, ctx, deadline, memory);
        let result = self.hooks.call(&self.pre, &mut store, stage);
        let state = store.data();
        let outcome = match result {
            // The refusal quotes the plugin's output, which may hold what it was shown.
            Ok(v) => verdict::check(v, &self.manifest.name, &limits.output).map_err(|why| {
                PluginFailure::InvalidOutput(why.scrubbed(|t| super::host_api::scrub(state, t)).to_string())
            }),
            Err(e) => Err(classify(e, state, deadline)),
        };
        if state.call.logs_dropped > 0 {
            tracing::warn!(plugin = %self.identity, dropped = state.call.logs_dropped, "plugin log lines over the cap were dropped");
        }
        let own_time = state.clock.own_time();
        let (disclosed, logs) = (state.call.disclosed, state.call.logs.clone());
        Sandboxed { verdict: outcome, disclosed, logs, own_time, store }
    }
}

/// Log lines of a call: (level, scrubbed text).
type Logs = Vec<(String, String)>;

/// Runs `f` on this thread at nice 19 (the thread is the caller's own, fresh, and
/// ends after `f`, so its priority need never be raised again).
fn lowest_priority<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: setpriority on this thread's own id with a valid `which`; a failure
    // (a platform without per-thread priority) leaves the priority as it was.
    let tid = unsafe { libc::gettid() };
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) };
    f()
}

fn call_manifest(
    runtime: &PluginRuntime,
    pre: &FilterPre<StoreState>,
    hooks: &HookExports,
    plugin: Arc<PluginIdentity>,
) -> Result<wit::Manifest, PluginFailure> {
    let mut store = bare_store(runtime, plugin, Arc::from(""));
    let result = hooks.manifest(pre, &mut store);
    result.map_err(|e| classify(e, store.data(), runtime.config.limits.deadline))
}

//! The plugin runtime: one wasmtime `Engine` (pooling allocator, copy-on-write memory
//! images, epoch interruption), one `Linker` with an empty WASI and the mxr host
//! interfaces, and an epoch ticker thread. Plugins are compiled here, once per file.

use super::artifact_cache::ArtifactCache;
use super::bindings::Filter;
use super::fair_share::FairShare;
use super::state::StoreState;
use super::ticker::Ticker;
use mxr_config::limits::SandboxLimits;
use mxr_privacy::PurposePolicy;
use mxr_privacy::detect::{Detector, PatternDetector};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wasmtime::component::{Component, HasSelf, Linker};
use wasmtime::{Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// Bytes of each memory and table slot kept resident between instances.
const KEEP_RESIDENT: usize = 2 << 20;

/// How the runtime is set up.
#[derive(Clone)]
pub struct RuntimeConfig {
    /// Default limits for every call; a plugin's settings may lower them.
    pub limits: SandboxLimits,
    /// Most plugin instances alive at once (sizes the pooling allocator).
    pub max_instances: u32,
    /// Where compiled plugins are cached; `None` compiles on every load.
    pub cache_dir: Option<PathBuf>,
    /// The epoch tick: deadline granularity.
    pub tick: Duration,
    /// The purpose policy that turns a declared purpose into a grant.
    pub policy: Arc<PurposePolicy>,
    /// The detector of personal data in text.
    pub detector: Arc<dyn Detector>,
    /// Plugin calls running at once, shared fairly between tenants. Default: the
    /// number of cores.
    pub workers: usize,
    /// Calls waiting for a worker past which the relay is overloaded. Default: 64
    /// per worker.
    pub max_waiting: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            limits: SandboxLimits::default(),
            max_instances: 128,
            cache_dir: None,
            tick: Duration::from_millis(1),
            policy: Arc::new(PurposePolicy::default_policy()),
            detector: Arc::new(PatternDetector),
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_waiting: 64 * std::thread::available_parallelism().map_or(2, |n| n.get()),
        }
    }
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// wasmtime refused the configuration.
    #[error("cannot configure the wasm engine: {0:#}")]
    Engine(wasmtime::Error),
    /// The cache folder is unusable.
    #[error("cannot use the plugin cache folder {0}: {1}")]
    Cache(PathBuf, std::io::Error),
    /// The epoch ticker thread could not start.
    #[error("cannot start the epoch ticker: {0}")]
    Ticker(std::io::Error),
}

/// The engine, linker and settings shared by every plugin.
pub struct PluginRuntime {
    pub(super) engine: Engine,
    pub(super) linker: Linker<StoreState>,
    pub(super) config: RuntimeConfig,
    pub(super) cache: Option<ArtifactCache>,
    pub(super) share: FairShare,
    /// Advances the epoch while calls run (their deadline checks); stops with the runtime.
    pub(super) ticker: Ticker,
}

impl PluginRuntime {
    /// Builds the engine and linker and starts the epoch ticker.
    pub fn new(config: RuntimeConfig) -> Result<Arc<Self>, RuntimeError> {
        let engine_err = RuntimeError::Engine;
        let n = config.max_instances.max(1);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(n)
            .total_core_instances(n * 8)
            .total_memories(n * 2)
            .total_tables(n * 8)
            .max_memory_size(config.limits.memory_bytes)
            // A fresh instance per message makes teardown as hot as setup. Keep a
            // slot's pages resident and reset only the dirty ones (PAGEMAP_SCAN, Linux
            // 6.7+, else memset of the low bytes) instead of madvise, which would make
            // the next message fault every page back in.
            .linear_memory_keep_resident(KEEP_RESIDENT)
            .table_keep_resident(KEEP_RESIDENT)
            .pagemap_scan(Enabled::Auto);
        let mut wasm = Config::new();
        wasm.wasm_component_model(true)
            .epoch_interruption(true)
            .memory_init_cow(true)
            .max_wasm_stack(512 << 10)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // Names for the plugins' compiled code in `perf` (feature plugin-profiling).
        #[cfg(feature = "plugin-profiling")]
        wasm.profiler(wasmtime::ProfilingStrategy::PerfMap);
        let engine = Engine::new(&wasm).map_err(engine_err)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(engine_err)?;
        Filter::add_to_linker::<StoreState, HasSelf<StoreState>>(&mut linker, |s| s).map_err(engine_err)?;
        let cache = match &config.cache_dir {
            Some(dir) => Some(ArtifactCache::open(dir).map_err(|e| RuntimeError::Cache(dir.clone(), e))?),
            None => None,
        };
        let ticker = Ticker::start(&engine, config.tick).map_err(RuntimeError::Ticker)?;
        warm(&*config.detector);
        let share = FairShare::new(config.workers.min(n as usize), config.max_waiting);
        Ok(Arc::new(PluginRuntime { engine, linker, config, cache, share, ticker }))
    }

    /// The plugin workers and their fair share between tenants.
    pub fn share(&self) -> &FairShare {
        &self.share
    }

    /// The settings in force.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Compiles a component, or takes it from the cache.
    pub(super) fn compile(&self, bytes: &[u8], sha256: &str) -> wasmtime::Result<Component> {
        if let Some(c) = self.cache.as_ref().and_then(|c| c.get(&self.engine, sha256)) {
            return Ok(c);
        }
        let precompiled = self.engine.precompile_component(bytes)?;
        if let Some(cache) = &self.cache {
            cache.put(&self.engine, sha256, &precompiled);
        }
        // SAFETY: the bytes were produced by `precompile_component` on this engine just now.
        unsafe { Component::deserialize(&self.engine, &precompiled) }
    }
}

/// Loads the vocabulary and compiles the detector's automata now, when plugins load,
/// so that the first message does not pay for them inside a plugin's deadline.
fn warm(detector: &dyn Detector) {
    mxr_privacy::vocabulary::warm();
    let _ =
        detector.detect("Beste Jan Jansen, bel 06-12345678 of mail jan@example.nl, Dorpsstraat 1, 1234 AB Utrecht.");
}

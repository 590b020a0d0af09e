//! The state of one sandbox: an empty WASI context (made on the plugin's first WASI
//! call, since most calls make none), the memory limiter, and the context of the one
//! call it exists for. A store lives for exactly one hook call.

use super::clock::PluginClock;
use super::identity::PluginIdentity;
use mxr_config::limits::OutputCaps;
use mxr_mail::Envelope;
use mxr_privacy::ScannedMail;
use mxr_privacy::detect::Detector;
use mxr_privacy::render::Renderer;
use mxr_privacy::{CategorySet, Grant, Pseudonymizer};
use std::sync::Arc;
use wasmtime::ResourceLimiter;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How much of a plugin's stderr (where a Rust panic message goes) is kept.
const STDERR_CAPTURE: usize = 4096;

/// Everything one call may read, and what it has read so far.
pub struct CallContext {
    /// Who is being called.
    pub plugin: Arc<PluginIdentity>,
    /// The operator's config text for this plugin.
    pub config: Arc<str>,
    /// The grant in force.
    pub grant: Grant,
    /// Pseudonym key for the tenant and the plugin's purpose.
    pub pseudonyms: Arc<Pseudonymizer>,
    /// The personal-data detector.
    pub detector: Arc<dyn Detector>,
    /// The envelope so far, raw: accessors render it through `grant`.
    pub envelope: Arc<Envelope>,
    /// The message, at the data stage.
    pub message: Option<Arc<ScannedMail>>,
    /// Caps on what one call may return (tags, headers, bytes, log lines).
    pub caps: OutputCaps,
    /// Most bytes of input (attachment content) one accessor call may hand over.
    pub max_input_bytes: usize,
    /// Categories disclosed so far in this call (for the audit record).
    pub disclosed: CategorySet,
    /// Log lines the plugin wrote, after scrubbing.
    pub logs: Vec<(String, String)>,
    /// Log lines dropped over the cap.
    pub logs_dropped: u32,
    /// The last error line starting `panicked`, clipped but not yet scrubbed, kept even
    /// over the cap: a filter without std says why it trapped this way.
    pub panic_line: Option<String>,
}

impl CallContext {
    /// A renderer for this call's grant.
    pub fn renderer(&self) -> Renderer<'_> {
        Renderer::new(&self.grant, &self.pseudonyms, &*self.detector)
    }
}

/// Caps linear memory growth and remembers whether the cap was hit, so that the trap
/// that follows is classified as out-of-memory rather than a generic trap.
pub struct MemoryCap {
    /// The cap in bytes.
    pub bytes: usize,
    /// Set when a growth past the cap was refused.
    pub hit: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        if desired > self.bytes {
            self.hit = true;
            wasmtime::bail!("memory cap of {} bytes reached (wanted {desired})", self.bytes);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _max: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 100_000)
    }
}

/// The data of a [`wasmtime::Store`] for one plugin call.
pub struct StoreState {
    /// Made on first use by [`empty_wasi`]; `None` until the plugin calls WASI.
    wasi: Option<WasiCtx>,
    table: ResourceTable,
    /// The linear-memory cap for this call, and whether the plugin hit it.
    pub memory: MemoryCap,
    /// The call's context.
    pub call: CallContext,
    /// The plugin's own time, for the deadline.
    pub clock: PluginClock,
    stderr: MemoryOutputPipe,
    /// Keeps the epoch ticking while the store lives.
    _ticking: crate::ticker::Ticking,
}

impl StoreState {
    /// A sandbox with no files, network, environment or arguments: only clocks and
    /// random numbers, and a small captured stderr for panic messages.
    /// The clock starts now, with `deadline` of the plugin's own time.
    pub fn new(
        call: CallContext,
        memory_cap: usize,
        deadline: std::time::Duration,
        ticking: crate::ticker::Ticking,
    ) -> Self {
        StoreState {
            wasi: None,
            table: ResourceTable::new(),
            memory: MemoryCap { bytes: memory_cap, hit: false },
            call,
            clock: PluginClock::start(deadline),
            stderr: MemoryOutputPipe::new(STDERR_CAPTURE),
            _ticking: ticking,
        }
    }

    /// What the plugin wrote to stderr (a panic message, typically), lossily decoded.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.contents()).trim().to_owned()
    }

    /// The resource table.
    pub fn table(&mut self) -> &mut ResourceTable {
        &mut self.table
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        let ctx = self.wasi.get_or_insert_with(|| empty_wasi(&self.stderr));
        WasiCtxView { ctx, table: &mut self.table }
    }
}

/// A WASI context that gives nothing but clocks, random numbers and `stderr` (into the
/// captured pipe).
fn empty_wasi(stderr: &MemoryOutputPipe) -> WasiCtx {
    WasiCtxBuilder::new().stderr(stderr.clone()).allow_tcp(false).allow_udp(false).allow_ip_name_lookup(false).build()
}

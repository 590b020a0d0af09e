//! What the benchmark reads from the machine (the relay's peak resident memory, the
//! memory available, the load average) and the one thing it does to it: a busy-loop
//! child that keeps a core busy, stopped by its own PID.

use std::process::{Child, Command};

/// A `kB` field of `/proc/<pid>/status` or `/proc/meminfo`, in MB.
fn field_mb(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    let kb: u64 = line[key.len()..].trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb / 1024)
}

/// The peak resident memory of process `pid` so far (`VmHWM`), in MB.
pub fn peak_rss_mb(pid: u32) -> Option<u64> {
    field_mb(&format!("/proc/{pid}/status"), "VmHWM:")
}

/// `MemAvailable`, in MB.
pub fn mem_available_mb() -> Option<u64> {
    field_mb("/proc/meminfo", "MemAvailable:")
}

/// The 1, 5 and 15 minute load averages, as `/proc/loadavg` gives them.
pub fn load_average() -> String {
    let text = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    text.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

/// The argument that makes this bench binary spin instead of benchmarking.
pub const SPIN_ARG: &str = "--busy-loop";

/// Spins forever (the busy-loop child's whole life).
pub fn spin() -> ! {
    let mut n = 0u64;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}

/// A child process (this binary with [`SPIN_ARG`]) keeping one core busy; killed by
/// its own PID when dropped.
pub struct BusyLoop(Child);

impl BusyLoop {
    /// Starts it.
    pub fn start() -> BusyLoop {
        let exe = std::env::current_exe().expect("own path");
        BusyLoop(Command::new(exe).arg(SPIN_ARG).spawn().expect("start the busy loop"))
    }
}

impl Drop for BusyLoop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

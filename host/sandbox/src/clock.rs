//! A plugin's own time. The deadline measures the CPU time of the thread running the
//! call, so waiting for a core is never charged, minus the time spent in host
//! functions (parsing, detection, rendering a view), which is the host's work.
//!
//! Two backstops bound what that leaves open: host time itself (a plugin that calls an
//! expensive accessor in a loop, or a bulk-memory libcall, spends host time) and wall
//! time (a thread that cannot get a core at all).

use std::time::{Duration, Instant};

/// Host time a call may cause, as a multiple of its deadline.
pub const HOST_BUDGET_FACTOR: u32 = 10;
/// Wall time a call may take, as a multiple of its deadline.
pub const WALL_BACKSTOP_FACTOR: u32 = 25;

/// Which budget a call overran.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Overrun {
    /// The plugin's own CPU time passed its deadline (a loop, or just too slow).
    #[error("its own CPU time passed the deadline of {0:?}")]
    OwnTime(Duration),
    /// Host functions it called took longer than the host budget.
    #[error("host functions it called took more than {0:?}")]
    HostTime(Duration),
    /// The call took longer than the wall-clock backstop.
    #[error("the call took more than {0:?} of wall time")]
    WallTime(Duration),
}

impl Overrun {
    /// The budget that was passed.
    pub fn budget(self) -> Duration {
        match self {
            Overrun::OwnTime(d) | Overrun::HostTime(d) | Overrun::WallTime(d) => d,
        }
    }
}

/// The clock of one call; started when the call starts (after it got a worker).
#[derive(Debug)]
pub struct PluginClock {
    deadline: Duration,
    cpu_start: Duration,
    wall_start: Instant,
    /// Time spent in host functions so far.
    host: Duration,
    /// When the current host function was entered, while in one.
    in_host_since: Option<Instant>,
}

impl PluginClock {
    /// Starts the clock of a call whose own time may reach `deadline`.
    pub fn start(deadline: Duration) -> PluginClock {
        PluginClock {
            deadline,
            cpu_start: thread_cpu_time(),
            wall_start: Instant::now(),
            host: Duration::ZERO,
            in_host_since: None,
        }
    }

    /// The plugin's own time so far: this thread's CPU time minus host time.
    pub fn own_time(&self) -> Duration {
        thread_cpu_time().saturating_sub(self.cpu_start).saturating_sub(self.host)
    }

    /// The plugin calls into the host.
    pub fn enter_host(&mut self) {
        self.in_host_since = Some(Instant::now());
    }

    /// The host returns to the plugin; an error when host time is over its budget.
    pub fn leave_host(&mut self) -> Result<(), Overrun> {
        if let Some(since) = self.in_host_since.take() {
            self.host += since.elapsed();
        }
        let budget = self.deadline * HOST_BUDGET_FACTOR;
        if self.host > budget { Err(Overrun::HostTime(budget)) } else { Ok(()) }
    }

    /// How much own time is left, or which budget is gone.
    pub fn remaining(&self) -> Result<Duration, Overrun> {
        let backstop = self.deadline * WALL_BACKSTOP_FACTOR;
        if self.wall_start.elapsed() > backstop {
            return Err(Overrun::WallTime(backstop));
        }
        let own = self.own_time();
        if own >= self.deadline { Err(Overrun::OwnTime(self.deadline)) } else { Ok(self.deadline - own) }
    }
}

/// CPU time consumed by the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the clock id is a constant Linux and
    // every POSIX system with thread CPU clocks supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    debug_assert_eq!(rc, 0, "CLOCK_THREAD_CPUTIME_ID is always available on Linux");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spin(d: Duration) {
        let start = thread_cpu_time();
        while thread_cpu_time() - start < d {
            std::hint::black_box(0u64);
        }
    }

    #[test]
    fn sleeping_is_not_own_time_and_spinning_is() {
        let clock = PluginClock::start(Duration::from_millis(50));
        std::thread::sleep(Duration::from_millis(60));
        assert!(clock.remaining().is_ok(), "60 ms asleep used up a 50 ms CPU deadline");
        spin(Duration::from_millis(55));
        assert_eq!(clock.remaining(), Err(Overrun::OwnTime(Duration::from_millis(50))));
    }

    #[test]
    fn host_time_is_not_own_time_but_has_its_own_budget() {
        let mut clock = PluginClock::start(Duration::from_millis(5));
        clock.enter_host();
        spin(Duration::from_millis(20));
        assert_eq!(clock.leave_host(), Ok(()));
        assert!(clock.remaining().is_ok(), "host work was charged to the plugin: {:?}", clock.own_time());
        clock.enter_host();
        spin(Duration::from_millis(35));
        assert_eq!(clock.leave_host(), Err(Overrun::HostTime(Duration::from_millis(50))));
    }

    #[test]
    fn wall_time_has_a_backstop() {
        let clock = PluginClock::start(Duration::from_millis(2));
        std::thread::sleep(Duration::from_millis(2 * WALL_BACKSTOP_FACTOR as u64 + 5));
        assert_eq!(clock.remaining(), Err(Overrun::WallTime(Duration::from_millis(50))));
    }
}

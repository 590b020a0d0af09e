//! Group commit: many transactions share one flush to disk, whichever store (the spool,
//! the subject index) they write to.
//!
//! A writer puts its file in place (written, renamed, but not fsynced) and then asks
//! for a commit; one `syncfs` of each filesystem involved makes every such file durable
//! at once. A request that arrives while a flush runs waits for the next one, since its
//! data may postdate the flush's start. The `250` waits for the commit, so a crash
//! before it can only leave a file that fails authentication, which recovery removes.
//!
//! The flush runs on a writer's own thread (leader and followers, as in a database's
//! log): the first writer to find no flush running starts one and flushes for everyone
//! who asked before it started; writers who ask meanwhile wait, and one of them leads
//! the next flush. A dedicated committer thread would cost two more wake-ups per flush
//! (writer to committer and back), which under load was about five context switches
//! per message.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::{Condvar, Mutex, MutexGuard};

/// Flushes one set of filesystems for every writer that asks.
pub struct GroupCommit {
    flush: Box<dyn Fn() -> rustix::io::Result<()> + Send + Sync>,
    state: Mutex<Flushes>,
    /// Writers waiting for an even-numbered and an odd-numbered flush: when flush `n`
    /// ends, all of its writers wake, and only one of the next one's (to lead it).
    waiting: [Condvar; 2],
}

/// Flushes counted from the start; a writer needs the first one that starts after it asks.
#[derive(Default)]
struct Flushes {
    /// Flushes started so far; the one running (if any) is number `started`.
    started: u64,
    /// True while flush number `started` runs.
    running: bool,
    /// Flushes ended so far (all of `1..=ended`).
    ended: u64,
    /// The latest flush that failed, and its error: a writer fails if one that could
    /// have covered its data did.
    failed: Option<(u64, rustix::io::Errno)>,
}

impl GroupCommit {
    /// One committer for the filesystems holding `dirs` (one flush per filesystem), so
    /// that the writes of several stores on one filesystem share their flushes too.
    pub fn start(dirs: &[&Path]) -> std::io::Result<Self> {
        let mut fds: Vec<OwnedFd> = Vec::new();
        let mut devices = Vec::new();
        for dir in dirs {
            let f = std::fs::File::open(dir)?;
            let dev = std::os::unix::fs::MetadataExt::dev(&f.metadata()?);
            if !devices.contains(&dev) {
                devices.push(dev);
                fds.push(f.into());
            }
        }
        Ok(Self::with_flush(move || fds.iter().try_for_each(rustix::fs::syncfs)))
    }

    /// A committer whose flush is `flush` (tests count and slow it down).
    fn with_flush(flush: impl Fn() -> rustix::io::Result<()> + Send + Sync + 'static) -> Self {
        GroupCommit { flush: Box::new(flush), state: Mutex::default(), waiting: [Condvar::new(), Condvar::new()] }
    }

    /// Returns once everything written before the call is on disk.
    pub fn commit(&self) -> std::io::Result<()> {
        let mut s = self.lock();
        // The next flush to start begins after this call, so it covers what was written.
        let needed = s.started + 1;
        while s.ended < needed {
            if s.running {
                s = self.waiting[(needed % 2) as usize].wait(s).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            s.started += 1;
            s.running = true;
            let number = s.started;
            drop(s);
            let result = (self.flush)();
            s = self.lock();
            s.running = false;
            s.ended = number;
            if let Err(e) = result {
                s.failed = Some((number, e));
            }
            self.waiting[(number % 2) as usize].notify_all();
            self.waiting[((number + 1) % 2) as usize].notify_one();
        }
        match s.failed {
            // A failed flush at or after `needed` may have lost this writer's data (a
            // later success does not say the failed pages reached the disk).
            Some((number, e)) if number >= needed => Err(e.into()),
            _ => Ok(()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Flushes> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    #[test]
    fn concurrent_writers_all_complete_through_shared_flushes() {
        let dir = tempfile::tempdir().unwrap();
        let gc = Arc::new(GroupCommit::start(&[dir.path(), dir.path()]).unwrap());
        let writers: Vec<_> = (0..16)
            .map(|i| {
                let (gc, dir) = (gc.clone(), dir.path().to_owned());
                std::thread::spawn(move || {
                    for j in 0..20 {
                        std::fs::write(dir.join(format!("{i}-{j}")), b"x").unwrap();
                        gc.commit().unwrap();
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 320);
    }

    /// A clock of events: writes and flush starts take numbers from it, so a test can
    /// tell whether a flush started after a write.
    fn slow_counting_flush(clock: Arc<AtomicU64>, starts: Arc<Mutex<Vec<u64>>>) -> GroupCommit {
        GroupCommit::with_flush(move || {
            starts.lock().unwrap().push(clock.fetch_add(1, Ordering::SeqCst));
            std::thread::sleep(Duration::from_millis(2));
            Ok(())
        })
    }

    #[test]
    fn every_commit_waits_for_a_flush_that_started_after_its_write_and_flushes_are_shared() {
        let clock = Arc::new(AtomicU64::new(0));
        let starts = Arc::new(Mutex::new(Vec::new()));
        let gc = Arc::new(slow_counting_flush(clock.clone(), starts.clone()));
        let writers: Vec<_> = (0..8)
            .map(|_| {
                let (gc, clock, starts) = (gc.clone(), clock.clone(), starts.clone());
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        let written = clock.fetch_add(1, Ordering::SeqCst);
                        gc.commit().unwrap();
                        let covered = starts.lock().unwrap().iter().any(|s| *s > written);
                        assert!(covered, "commit returned with no flush started after write {written}");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        let flushes = starts.lock().unwrap().len();
        assert!(flushes < 200, "{flushes} flushes for 200 commits: none was shared");
    }

    #[test]
    fn a_failed_flush_fails_the_writers_it_covered_and_not_later_ones() {
        let calls = Arc::new(AtomicU64::new(0));
        let c = calls.clone();
        let gc = GroupCommit::with_flush(move || match c.fetch_add(1, Ordering::SeqCst) {
            0 => Err(rustix::io::Errno::IO),
            _ => Ok(()),
        });
        assert_eq!(gc.commit().unwrap_err().raw_os_error(), Some(rustix::io::Errno::IO.raw_os_error()));
        gc.commit().unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 2, "each commit had its own flush");
    }
}

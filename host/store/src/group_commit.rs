//! Group commit: many transactions share one flush to disk, whichever store (the spool,
//! the subject index) they write to.
//!
//! A writer puts its file in place (written, renamed, but not fsynced) and then asks
//! for a commit; one `syncfs` of the spool's filesystem makes every such file durable
//! at once, and each waiting writer is answered. A request that arrives while a flush
//! runs waits for the next one, since its data may postdate the flush's start. The
//! `250` waits for the commit, so a crash before it can only leave a file that fails
//! authentication, which recovery removes.

use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::mpsc;

type Waiter = mpsc::SyncSender<rustix::io::Result<()>>;

/// The committer thread's mailbox.
pub struct GroupCommit {
    requests: mpsc::Sender<Waiter>,
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
        let (tx, rx) = mpsc::channel::<Waiter>();
        std::thread::Builder::new().name("mxr-group-commit".into()).spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut batch = vec![first];
                batch.extend(rx.try_iter());
                let result = fds.iter().try_for_each(rustix::fs::syncfs);
                for waiter in batch {
                    let _ = waiter.send(result);
                }
            }
        })?;
        Ok(GroupCommit { requests: tx })
    }

    /// Returns once everything written before the call is on disk.
    pub fn commit(&self) -> std::io::Result<()> {
        let (tx, rx) = mpsc::sync_channel(1);
        self.requests.send(tx).map_err(|_| std::io::Error::other("group commit thread is gone"))?;
        rx.recv().map_err(|_| std::io::Error::other("group commit thread is gone"))?.map_err(std::io::Error::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

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
}

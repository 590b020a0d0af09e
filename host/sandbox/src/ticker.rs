//! The epoch ticker: it advances the engine's epoch every tick while plugin calls
//! run, so that their deadline checks wake, and sleeps while none runs. A relay with
//! no mail to check used to wake a thousand times a second for nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread::Thread;
use std::time::Duration;
use wasmtime::Engine;

/// The ticker thread and the count of calls that need it.
pub struct Ticker {
    shared: Arc<Shared>,
}

struct Shared {
    /// Stores alive now (each a call, or a manifest or settings check).
    running: AtomicUsize,
    /// Epochs advanced so far.
    ticks: AtomicU64,
    /// Turns of the thread's loop (each a wake-up), for the test that it sleeps.
    turns: AtomicU64,
    stop: AtomicBool,
    thread: Thread,
}

/// Held by a store while it lives: the ticker ticks while any is held.
pub struct Ticking {
    shared: Arc<Shared>,
}

impl Ticker {
    /// Starts the ticker thread for `engine`, one epoch per `tick`.
    pub fn start(engine: &Engine, tick: Duration) -> std::io::Result<Ticker> {
        let weak = engine.weak();
        let (tx, rx) = std::sync::mpsc::sync_channel::<Arc<Shared>>(1);
        let thread = std::thread::Builder::new().name("mxr-epoch".into()).spawn(move || {
            let Ok(shared) = rx.recv() else { return };
            while !shared.stop.load(Ordering::Acquire) {
                shared.turns.fetch_add(1, Ordering::Relaxed);
                if shared.running.load(Ordering::Acquire) == 0 {
                    // A call that starts now unparks this thread; an unpark that comes
                    // before the park makes it return at once, so none is missed.
                    std::thread::park();
                    continue;
                }
                std::thread::sleep(tick);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
                shared.ticks.fetch_add(1, Ordering::Relaxed);
            }
        })?;
        let shared = Arc::new(Shared {
            running: AtomicUsize::new(0),
            ticks: AtomicU64::new(0),
            turns: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            thread: thread.thread().clone(),
        });
        tx.send(shared.clone()).map_err(|_| std::io::Error::other("the epoch ticker ended at once"))?;
        Ok(Ticker { shared })
    }

    /// Counts a store as running until the guard is dropped.
    pub fn ticking(&self) -> Ticking {
        if self.shared.running.fetch_add(1, Ordering::AcqRel) == 0 {
            self.shared.thread.unpark();
        }
        Ticking { shared: self.shared.clone() }
    }
}

impl Drop for Ticking {
    fn drop(&mut self) {
        self.shared.running.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.thread.unpark();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_only_while_a_call_runs() {
        let engine = Engine::new(wasmtime::Config::new().epoch_interruption(true)).unwrap();
        let ticker = Ticker::start(&engine, Duration::from_millis(1)).unwrap();
        let (ticks, turns) =
            (|| ticker.shared.ticks.load(Ordering::Relaxed), || ticker.shared.turns.load(Ordering::Relaxed));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(ticks(), 0, "no call, no tick");
        let guard = ticker.ticking();
        std::thread::sleep(Duration::from_millis(100));
        assert!(ticks() > 0, "a running call is ticked for");
        drop(guard);
        // A tick already under way may still land, and the thread then parks.
        std::thread::sleep(Duration::from_millis(50));
        let (after, woke) = (ticks(), turns());
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(ticks(), after, "no tick once no call runs");
        assert_eq!(turns(), woke, "asleep, not polling, once no call runs");
    }
}

//! Plugin workers shared fairly between tenants.
//!
//! A call first waits for a worker; its clock starts only once it has one. There are
//! as many workers as cores by default, so a running plugin never waits for a core
//! behind other plugins, and at most that many sandboxes (plus the throttled parties'
//! [`THROTTLED_WORKERS`]) hold memory at once.
//!
//! A free worker goes to the party (the tenant) with the fewest calls running; among
//! equals, to the one that has used the workers least (time held, counted from when
//! it last became active, so a newcomer gets no credit for the past), then its oldest
//! call. A tenant with hundreds of calls queued delays another tenant's call by at
//! most one call's time. A party whose calls keep
//! failing (timeouts, traps, memory caps, invalid output) earns strikes: from
//! [`THROTTLE_AT`] it runs one call at a time, on a thread at the lowest CPU priority
//! (nice 19), on a worker of the throttled parties' own ([`THROTTLED_WORKERS`]) and
//! not on one of the others' (whose calls would otherwise queue behind its burning
//! one), and a plugin of it that reaches
//! [`ISOLATE_AT`] is not run at all for a cool-down, after which one trial call
//! decides. A success takes away a quarter of a strike ([`FORGIVEN_PER_SUCCESS`]), so
//! a plugin that fails more than one call in five gains strikes whatever it does in
//! between: a burning call between good ones is not forgiven at once.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// Strikes from which a party runs one call at a time, at the lowest CPU priority.
pub const THROTTLE_AT: u32 = 2;
/// Workers the throttled parties share, beside the others': one call of theirs at a
/// time, at the lowest CPU priority, so it holds one more sandbox's memory and takes
/// little of the cores.
pub const THROTTLED_WORKERS: usize = 1;
/// Strikes from which one of a party's plugins is isolated.
pub const ISOLATE_AT: u32 = 5;
/// How many calls that go well take one strike away. A failure costs a deadline and
/// a good call next to nothing, so one good call between failures must not undo one:
/// with 4, a plugin failing one call in five holds its strikes and one failing more
/// often gains them.
pub const FORGIVEN_PER_SUCCESS: u32 = 4;
/// The first isolation; each one that follows a failed trial doubles, up to
/// [`MAX_COOL_DOWN`].
pub const COOL_DOWN: Duration = Duration::from_secs(10);
/// The longest isolation.
pub const MAX_COOL_DOWN: Duration = Duration::from_secs(300);

/// Why a call was not given a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The party's plugin failed too often; it is not run until the cool-down ends.
    #[error("isolated after repeated failures, for {0:?} more")]
    Isolated(Duration),
}

/// How a finished call went, for the strike count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conduct {
    /// A verdict, or a failure that is not the plugin's doing.
    Good,
    /// A timeout, trap, memory cap or invalid output.
    Misbehaved,
}

/// The workers and the parties' queues and strikes.
pub struct FairShare {
    workers: usize,
    max_waiting: usize,
    state: Mutex<Shares>,
}

#[derive(Default)]
struct Shares {
    /// Calls on the workers of the parties in good standing.
    running: usize,
    /// Calls on the [`THROTTLED_WORKERS`].
    running_throttled: usize,
    next_ticket: u64,
    parties: HashMap<Arc<str>, Party>,
    /// Parties one of whose calls has gone well: off probation for good (one entry
    /// per tenant, so bounded by the config).
    proven: HashSet<Arc<str>>,
    plugins: HashMap<(Arc<str>, Arc<str>), Isolation>,
    /// The threads of the calls asleep for a worker, by ticket. A freed worker wakes
    /// only the call it goes to: waking every waiter to let each check whether it is
    /// next cost a context switch per waiter per call.
    asleep: HashMap<u64, Thread>,
}

#[derive(Default)]
struct Party {
    running: usize,
    /// Worker time used since the party became active.
    used: Duration,
    waiting: VecDeque<u64>,
    /// Strikes in units of a success ([`FORGIVEN_PER_SUCCESS`] to a strike).
    strikes: Strikes,
    /// No call of the party has gone well yet.
    on_probation: bool,
}

#[derive(Default)]
struct Isolation {
    strikes: Strikes,
    until: Option<Instant>,
    cool_down: Duration,
}

/// A worker held by one call; dropping it frees the worker.
pub struct Worker<'a> {
    share: &'a FairShare,
    party: Arc<str>,
    plugin: Arc<str>,
    conduct: Conduct,
    since: Instant,
    throttled: bool,
}

impl FairShare {
    /// `workers` calls run at once (at least one); past `max_waiting` calls waiting,
    /// [`overloaded`](Self::overloaded) says so.
    pub fn new(workers: usize, max_waiting: usize) -> FairShare {
        FairShare { workers: workers.max(1), max_waiting, state: Mutex::default() }
    }

    /// True while more calls wait for a worker than the bound: the relay then turns
    /// new connections away (`421 4.3.2`) rather than let the queue, and every
    /// reply, grow without end. Throttled parties' calls do not count: they wait for
    /// workers of their own.
    pub fn overloaded(&self) -> bool {
        let s = self.lock();
        s.parties.values().filter(|p| !p.throttled()).map(|p| p.waiting.len()).sum::<usize>() > self.max_waiting
    }

    /// The number of workers.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// True while `plugin` is isolated for `party` (its cool-down not over).
    pub fn is_isolated(&self, party: &str, plugin: &str) -> bool {
        let key = (Arc::from(party), Arc::from(plugin));
        self.lock().plugins.get(&key).and_then(|i| i.until).is_some_and(|until| until > Instant::now())
    }

    /// Calls holding a worker now (the throttled parties' own included).
    pub fn running(&self) -> usize {
        let s = self.lock();
        s.running + s.running_throttled
    }

    /// Calls waiting for a worker, over all parties.
    pub fn waiting(&self) -> usize {
        self.lock().parties.values().map(|p| p.waiting.len()).sum()
    }

    /// Waits for a worker for `party`'s call of `plugin`; refused at once while that
    /// plugin is isolated for that party.
    pub fn enter(&self, party: &Arc<str>, plugin: &Arc<str>) -> Result<Worker<'_>, Refused> {
        let mut s = self.lock();
        s.check_isolation(party, plugin, false)?;
        let ticket = s.next_ticket;
        s.next_ticket += 1;
        if !s.parties.contains_key(party) {
            let used = s.parties.values().map(|p| p.used).min().unwrap_or_default();
            let on_probation = !s.proven.contains(party);
            s.parties.insert(party.clone(), Party { used, on_probation, ..Party::default() });
        }
        s.parties.get_mut(party).expect("inserted above").waiting.push_back(ticket);
        while !s.may_run(ticket, party, self.workers) {
            // Registered under the lock, so a wake-up meant for this call is never
            // missed (an unpark before the park makes the park return at once).
            s.asleep.insert(ticket, std::thread::current());
            drop(s);
            std::thread::park();
            s = self.lock();
        }
        s.asleep.remove(&ticket);
        let p = s.parties.get_mut(party).expect("the party waits");
        p.waiting.pop_front();
        // The plugin may have been isolated while this call waited.
        let isolated = s.check_isolation(party, plugin, true);
        let p = s.parties.get_mut(party).expect("the party waits");
        let throttled = p.throttled();
        if isolated.is_ok() {
            p.running += 1;
            *s.pool(throttled) += 1;
        }
        // Another waiter may be next now (a worker was free for two).
        self.wake_next(s);
        isolated?;
        let (party, plugin) = (party.clone(), plugin.clone());
        Ok(Worker { share: self, party, plugin, conduct: Conduct::Good, since: Instant::now(), throttled })
    }

    fn lock(&self) -> MutexGuard<'_, Shares> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn leave(&self, w: &Worker) {
        let mut s = self.lock();
        *s.pool(w.throttled) -= 1;
        let misbehaved = w.conduct == Conduct::Misbehaved;
        if let Some(p) = s.parties.get_mut(&w.party) {
            p.running -= 1;
            p.used += w.since.elapsed();
            p.strikes.record(misbehaved);
            let proven = !misbehaved && std::mem::take(&mut p.on_probation);
            if p.running == 0 && p.waiting.is_empty() && p.strikes.none() {
                s.parties.remove(&w.party);
            }
            if proven {
                s.proven.insert(w.party.clone());
            }
        }
        s.record(&w.party, &w.plugin, misbehaved);
        self.wake_next(s);
    }

    /// Unlocks and, for each kind of worker with one free, wakes the call it goes to.
    fn wake_next(&self, s: MutexGuard<'_, Shares>) {
        let good = (s.running < self.workers).then(|| s.next_in_line(false)).flatten();
        let throttled = (s.running_throttled < THROTTLED_WORKERS).then(|| s.next_in_line(true)).flatten();
        let threads: Vec<Thread> =
            [good, throttled].into_iter().flatten().filter_map(|t| s.asleep.get(&t).cloned()).collect();
        drop(s);
        threads.into_iter().for_each(|t| t.unpark());
    }
}

impl Worker<'_> {
    /// True when the party was throttled (one call at a time, on a worker of the
    /// throttled parties) as the call began, for its strikes or on probation: the
    /// call should also run at the lowest CPU priority.
    pub fn throttled(&self) -> bool {
        self.throttled
    }

    /// Records how the call went; a call never recorded counts as good.
    pub fn record(&mut self, conduct: Conduct) {
        self.conduct = conduct;
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        self.share.leave(self);
    }
}

impl Party {
    /// True from [`THROTTLE_AT`] strikes, or on probation: one call at a time, on a
    /// throttled worker.
    fn throttled(&self) -> bool {
        self.strikes.at_least(THROTTLE_AT) || self.on_probation
    }
}

impl Shares {
    /// The count of calls running on the throttled parties' workers, or on the others'.
    fn pool(&mut self, throttled: bool) -> &mut usize {
        match throttled {
            true => &mut self.running_throttled,
            false => &mut self.running,
        }
    }

    /// True when `party`'s call `ticket` may take a worker now: one of its kind is
    /// free and the call is next in line for it.
    fn may_run(&self, ticket: u64, party: &Arc<str>, workers: usize) -> bool {
        let throttled = self.parties.get(party).is_some_and(Party::throttled);
        let free = match throttled {
            true => self.running_throttled < THROTTLED_WORKERS,
            false => self.running < workers,
        };
        free && self.next_in_line(throttled) == Some(ticket)
    }

    /// The ticket a free worker of the throttled parties (`throttled`), or of the
    /// others, goes to: of those parties with a call waiting and room under their cap,
    /// the one with the fewest running, then the least used, then the oldest call.
    fn next_in_line(&self, throttled: bool) -> Option<u64> {
        self.parties
            .values()
            .filter(|p| p.throttled() == throttled && (!throttled || p.running == 0))
            .filter_map(|p| p.waiting.front().map(|t| (p.running, p.used, *t)))
            .min()
            .map(|(_, _, t)| t)
    }

    /// `Err` while the plugin is isolated for the party. Once the cool-down is over,
    /// the first call that gets a worker (`running`) is the trial, and the isolation
    /// is renewed until its result is known.
    fn check_isolation(&mut self, party: &Arc<str>, plugin: &Arc<str>, running: bool) -> Result<(), Refused> {
        let Some(iso) = self.plugins.get_mut(&(party.clone(), plugin.clone())) else { return Ok(()) };
        match iso.until {
            Some(until) if until > Instant::now() => Err(Refused::Isolated(until - Instant::now())),
            Some(_) if running => {
                iso.until = Some(Instant::now() + iso.cool_down);
                Ok(())
            }
            Some(_) | None => Ok(()),
        }
    }

    fn record(&mut self, party: &Arc<str>, plugin: &Arc<str>, misbehaved: bool) {
        let key = (party.clone(), plugin.clone());
        if !misbehaved {
            if let Some(iso) = self.plugins.get_mut(&key) {
                iso.strikes.record(false);
                if iso.until.is_some() || iso.strikes.none() {
                    self.plugins.remove(&key); // a good trial ends the isolation
                }
            }
            return;
        }
        let iso = self.plugins.entry(key).or_default();
        iso.strikes.record(true);
        if iso.until.is_some() {
            iso.cool_down = (iso.cool_down * 2).min(MAX_COOL_DOWN);
            iso.until = Some(Instant::now() + iso.cool_down);
        } else if iso.strikes.at_least(ISOLATE_AT) {
            iso.cool_down = COOL_DOWN;
            iso.until = Some(Instant::now() + COOL_DOWN);
            tracing::warn!(tenant = %party, %plugin, cool_down = ?COOL_DOWN, "plugin isolated for this tenant after repeated failures");
        }
    }
}

/// A strike count in which a success forgives a [`FORGIVEN_PER_SUCCESS`]th of a strike.
#[derive(Clone, Copy, Debug, Default)]
struct Strikes(u32);

impl Strikes {
    /// A failure adds a strike; a call that went well takes a part of one away.
    fn record(&mut self, misbehaved: bool) {
        self.0 = match misbehaved {
            true => self.0.saturating_add(FORGIVEN_PER_SUCCESS),
            false => self.0.saturating_sub(1),
        };
    }

    /// True from `strikes` whole strikes.
    fn at_least(self, strikes: u32) -> bool {
        self.0 >= strikes * FORGIVEN_PER_SUCCESS
    }

    /// True when nothing is left to forgive.
    fn none(self) -> bool {
        self.0 == 0
    }
}

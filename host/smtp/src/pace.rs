//! The deadlines a DATA phase must meet, as a pure function of when it began and how
//! many bytes came so far: no read may wait longer than the idle timeout, the whole
//! phase ends at the total timeout, and after a grace period the average rate must
//! stay at or above the minimum. A client dripping a byte now and then therefore
//! meets its cut-off however often it sends.

use std::time::{Duration, Instant};

/// Which bound a DATA phase ran into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cutoff {
    /// No byte for the idle timeout.
    Idle,
    /// The whole phase took longer than its total timeout.
    Total,
    /// The average rate fell below the minimum after the grace period.
    TooSlow,
}

impl Cutoff {
    /// The text of the `421 4.4.2` this cut-off is answered with.
    pub fn text(self) -> &'static str {
        match self {
            Cutoff::Idle => "Timeout exceeded during DATA, closing connection",
            Cutoff::Total => "DATA took too long, closing connection",
            Cutoff::TooSlow => "DATA arrives too slowly, closing connection",
        }
    }
}

/// The bounds on one DATA phase.
#[derive(Debug, Clone, Copy)]
pub struct DataPace {
    /// When the phase began (the `354` was sent).
    pub started: Instant,
    /// Longest wait for the next bytes.
    pub idle: Duration,
    /// Longest the whole phase may take.
    pub total: Duration,
    /// Time before the rate is checked.
    pub grace: Duration,
    /// Lowest average rate after the grace period, in bytes per second.
    pub min_bytes_per_sec: u64,
}

impl DataPace {
    /// The instant the next read must have returned by, with `received` bytes so far
    /// and the last bytes at `now`, and the bound that instant belongs to.
    pub fn deadline(&self, received: u64, now: Instant) -> (Instant, Cutoff) {
        let idle = (now + self.idle, Cutoff::Idle);
        let total = (self.started + self.total, Cutoff::Total);
        // The average falls below the minimum once elapsed > received / rate.
        let earned = Duration::from_secs_f64(received as f64 / self.min_bytes_per_sec.max(1) as f64);
        let slow = (self.started + self.grace.max(earned), Cutoff::TooSlow);
        [idle, total, slow].into_iter().min_by_key(|(at, _)| *at).expect("three bounds")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pace(started: Instant) -> DataPace {
        DataPace {
            started,
            idle: Duration::from_secs(180),
            total: Duration::from_secs(1800),
            grace: Duration::from_secs(30),
            min_bytes_per_sec: 1000,
        }
    }

    #[test]
    fn a_fresh_phase_is_bounded_by_the_grace_period() {
        let t0 = Instant::now();
        assert_eq!(pace(t0).deadline(0, t0), (t0 + Duration::from_secs(30), Cutoff::TooSlow));
    }

    #[test]
    fn bytes_earn_time_at_the_minimum_rate() {
        let t0 = Instant::now();
        let at = t0 + Duration::from_secs(40);
        assert_eq!(pace(t0).deadline(50_000, at), (t0 + Duration::from_secs(50), Cutoff::TooSlow));
    }

    #[test]
    fn a_drip_meets_its_cut_off_however_often_it_sends() {
        let t0 = Instant::now();
        let p = pace(t0);
        // One byte a second, each arriving in time for the idle bound.
        let mut now = t0;
        let mut received = 0;
        loop {
            let (deadline, why) = p.deadline(received, now);
            if now + Duration::from_secs(1) > deadline {
                assert_eq!(why, Cutoff::TooSlow);
                assert!(deadline <= t0 + Duration::from_secs(31));
                break;
            }
            now += Duration::from_secs(1);
            received += 1;
        }
    }

    #[test]
    fn the_idle_and_total_bounds_apply() {
        let t0 = Instant::now();
        let p = DataPace { idle: Duration::from_secs(5), ..pace(t0) };
        assert_eq!(p.deadline(0, t0).1, Cutoff::Idle);
        let late = t0 + Duration::from_secs(1790);
        assert_eq!(pace(t0).deadline(100_000_000, late), (t0 + Duration::from_secs(1800), Cutoff::Total));
    }
}

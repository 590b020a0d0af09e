//! Timing for the benchmarks: a warm-up, then each run timed on its own.

use std::time::{Duration, Instant};

/// Runs `f` `iterations / 10` times to warm up, then `iterations` times timed; returns
/// the p50 and p99 in microseconds.
pub fn percentiles(iterations: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..iterations / 10 {
        f();
    }
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)].as_secs_f64() * 1e6;
    (at(0.5), at(0.99))
}

//! The one way tests wait for something to happen: poll a condition until it holds,
//! failing the test with `what` once `timeout` has passed. The timeout is a liveness
//! bound, never a speed check.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often a condition is polled.
const POLL: Duration = Duration::from_millis(20);

/// The usual liveness bound.
pub const LIVENESS: Duration = Duration::from_secs(30);

/// Blocks the thread until `cond` holds; panics naming `what` after `timeout`.
#[track_caller]
pub fn wait_until(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let give_up = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < give_up, "gave up after {timeout:?} waiting for: {what}");
        std::thread::sleep(POLL);
    }
}

/// Like [`wait_until`], sleeping on the tokio timer instead of blocking the thread.
pub async fn wait_until_async(timeout: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    wait_for(timeout, what, || std::future::ready(cond().then_some(()))).await
}

/// Awaits `poll()` until it gives `Some`, and returns that; panics naming `what`
/// after `timeout`.
pub async fn wait_for<T, F: Future<Output = Option<T>>>(
    timeout: Duration,
    what: &str,
    mut poll: impl FnMut() -> F,
) -> T {
    let give_up = Instant::now() + timeout;
    loop {
        if let Some(got) = poll().await {
            return got;
        }
        assert!(Instant::now() < give_up, "gave up after {timeout:?} waiting for: {what}");
        tokio::time::sleep(POLL).await;
    }
}

//! The relay's quarantine digest: [`mxr_digest::Digests`] over the relay's parts, and
//! the task that sends what is due every minute.

use mxr_digest::{DigestParts, Digests};
use std::sync::Arc;
use std::time::Duration;

/// How often due digests are looked for.
const TICK: Duration = Duration::from_secs(60);

/// The console's address before its listener is bound: `[api] listen`, or the default.
fn console_url(config: &mxr_config::Config) -> String {
    config.api.as_ref().map_or_else(|| "http://127.0.0.1:8025/".to_owned(), |a| format!("http://{}/", a.listen))
}

/// The digest over `parts`, and its task started.
pub(crate) fn start(parts: DigestParts) -> Result<Arc<Digests>, mxr_digest::DigestError> {
    let url = console_url(&parts.config);
    let digests = Arc::new(Digests::open(parts, &url)?);
    tokio::spawn(send_forever(digests.clone()));
    Ok(digests)
}

/// Sends due digests now and then every [`TICK`].
async fn send_forever(digests: Arc<Digests>) {
    loop {
        let d = digests.clone();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let _ = tokio::task::spawn_blocking(move || d.send_due(now)).await;
        tokio::time::sleep(TICK).await;
    }
}

//! The outbound SMTP client: one delivery attempt of one copy to a tenant's next hop,
//! with PIPELINING when offered, the copy's SMTPUTF8 and 8BITMIME when it has them
//! ([`crate::extensions`]), and a result per recipient (delivered, deferred on 4xx,
//! failed on 5xx).
//!
//! Sessions are pooled per destination ([`ConnectionPool`]). A reused session the
//! server has meanwhile closed fails before MAIL FROM is answered, and that copy is
//! sent again over a fresh connection: nothing was accepted yet. The caller holds the
//! destination's slot; this module opens at most one connection per call.

use crate::extensions;
pub use crate::pool::{ConnectionPool, IDLE_TIME};
pub use crate::session::web_roots;
use crate::session::{self, BLOCK, ClientError, Offers, RemoteReply, Session};
use mxr_config::TlsMode;
use mxr_config::delivery::Timeouts;
use rustls::RootCertStore;
use std::sync::Arc;

/// What became of one recipient in one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RcptResult {
    /// Accepted by the next hop.
    Delivered,
    /// Try again later (4xx, or the connection failed).
    Deferred(String),
    /// Refused for good (5xx, or an extension the copy needs is not offered): bounce.
    Failed(String),
}

/// Where and how to deliver.
#[derive(Clone)]
pub struct Route {
    /// Host name or address: what is connected to (without `address`), and the name
    /// the certificate is checked against.
    pub host: String,
    /// The address to connect to, when DNS already gave it (an MX host's); `None`
    /// resolves `host` at connect time.
    pub address: Option<std::net::IpAddr>,
    /// TCP port (a tenant's `next_hop.port`, the bounce relay's, or `delivery.mx_port`).
    pub port: u16,
    /// Whether STARTTLS is required, used when offered, or never tried.
    pub tls: TlsMode,
    /// Trusted roots for the next hop's certificate.
    pub roots: Arc<RootCertStore>,
    /// The name we give in EHLO.
    pub helo: String,
    /// How long each step waits (`[delivery]`).
    pub timeouts: Timeouts,
    /// Idle sessions to this destination, for reuse.
    pub pool: ConnectionPool,
}

/// One copy as it goes out.
#[derive(Clone, Copy, Debug)]
pub struct Outbound<'a> {
    /// MAIL FROM (empty for the null sender).
    pub from: &'a str,
    /// The recipients.
    pub rcpts: &'a [String],
    /// The message.
    pub message: &'a [u8],
    /// The client declared SMTPUTF8.
    pub smtputf8: bool,
    /// The client declared BODY=8BITMIME.
    pub eight_bit: bool,
}

/// Why a transaction stopped.
enum TxError {
    /// Before MAIL FROM was answered: nothing was accepted, a reused session was stale.
    BeforeMail(ClientError),
    /// Later: the recipients are deferred.
    During(ClientError),
}

/// One attempt to deliver `out` over `route`. Whatever goes wrong before the
/// recipients are answered defers them all.
pub async fn deliver(route: &Route, out: &Outbound<'_>) -> Vec<RcptResult> {
    let reused = match route.pool.take() {
        Some(mut idle) => match transaction(&mut idle.session, idle.offers, out, &route.timeouts, &route.host).await {
            Ok(results) => {
                route.pool.put(idle.session, idle.offers);
                Some(Ok(results))
            }
            Err(TxError::During(why)) => Some(Err(why)),
            Err(TxError::BeforeMail(_)) => None, // closed while idle: start afresh
        },
        None => None,
    };
    let outcome = match reused {
        Some(outcome) => outcome,
        None => fresh(route, out).await,
    };
    match outcome {
        Ok(results) => results,
        Err(why) => out.rcpts.iter().map(|_| RcptResult::Deferred(why.to_string())).collect(),
    }
}

/// A transaction over a new connection, which joins the pool afterwards.
async fn fresh(route: &Route, out: &Outbound<'_>) -> Result<Vec<RcptResult>, ClientError> {
    let (mut session, offers) = session::connect(route).await?;
    match transaction(&mut session, offers, out, &route.timeouts, &route.host).await {
        Ok(results) => {
            route.pool.put(session, offers);
            Ok(results)
        }
        Err(TxError::BeforeMail(why) | TxError::During(why)) => Err(why),
    }
}

/// One mail transaction on an open session, which is left ready for the next one.
async fn transaction(
    s: &mut Session,
    offers: Offers,
    out: &Outbound<'_>,
    t: &Timeouts,
    host: &str,
) -> Result<Vec<RcptResult>, TxError> {
    if let Some(why) = extensions::refusal(out, offers, host) {
        return Ok(out.rcpts.iter().map(|_| RcptResult::Failed(why.clone())).collect());
    }
    let replies = envelope(s, offers, out, t).await?;
    let late = TxError::During;
    let mail = &replies[0];
    if mail.code >= 400 {
        return Ok(all(out.rcpts, mail));
    }
    let mut results: Vec<RcptResult> = replies[1..=out.rcpts.len()].iter().map(classify).collect();
    let data = &replies[out.rcpts.len() + 1];
    if !results.contains(&RcptResult::Delivered) {
        let (line, wait) = if data.code == 354 { (".", t.final_dot) } else { ("RSET", t.mail) };
        s.command(line, wait, "the end of an empty transaction").await.map_err(late)?;
        return Ok(results);
    }
    if data.code != 354 {
        s.command("RSET", t.mail, "RSET").await.map_err(late)?;
        return Ok(all(out.rcpts, data));
    }
    // Stuffed a block at a time: no second whole copy of the message in memory.
    let (mut stuffer, mut block) = (mxr_mail::DotStuffer::new(out.message), Vec::with_capacity(BLOCK + 1024));
    while stuffer.next_block(&mut block, BLOCK) {
        s.send(&block, t.block, "a block of the message").await.map_err(late)?;
    }
    let end = s.reply(t.final_dot, "the reply to the final dot").await.map_err(late)?;
    if end.code >= 400 {
        for r in results.iter_mut().filter(|r| **r == RcptResult::Delivered) {
            *r = classify(&end);
        }
    }
    Ok(results)
}

/// MAIL, each RCPT and DATA, pipelined when offered, each reply within its own
/// timeout: the replies in that order (without pipelining, only up to a refused MAIL).
async fn envelope(
    s: &mut Session,
    offers: Offers,
    out: &Outbound<'_>,
    t: &Timeouts,
) -> Result<Vec<RemoteReply>, TxError> {
    let (early, late) = (TxError::BeforeMail, TxError::During);
    let mut lines = vec![(extensions::mail_from(out, offers), t.mail, "the reply to MAIL")];
    lines.extend(out.rcpts.iter().map(|r| (format!("RCPT TO:<{r}>"), t.rcpt, "the reply to RCPT")));
    lines.push(("DATA".to_owned(), t.data, "the reply to DATA"));
    let mut replies = Vec::new();
    if offers.pipelining {
        let batch: String = lines.iter().map(|(l, ..)| format!("{l}\r\n")).collect();
        s.send(batch.as_bytes(), t.mail, "sending MAIL, RCPT and DATA").await.map_err(early)?;
        for (_, wait, step) in &lines {
            let r = s.reply(*wait, step).await.map_err(if replies.is_empty() { early } else { late })?;
            replies.push(r);
        }
        return Ok(replies);
    }
    for (line, wait, step) in &lines {
        let r = s.command(line, *wait, step).await.map_err(if replies.is_empty() { early } else { late })?;
        let stop = replies.is_empty() && r.code >= 400;
        replies.push(r);
        if stop {
            break;
        }
    }
    Ok(replies)
}

fn classify(r: &RemoteReply) -> RcptResult {
    match r.code {
        200..=299 => RcptResult::Delivered,
        400..=499 => RcptResult::Deferred(format!("{} {}", r.code, r.text)),
        _ => RcptResult::Failed(format!("{} {}", r.code, r.text)),
    }
}

fn all(rcpts: &[String], r: &RemoteReply) -> Vec<RcptResult> {
    rcpts.iter().map(|_| classify(r)).collect()
}

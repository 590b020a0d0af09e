//! The DATA phase: the body read to its final dot under the [`DataPace`] deadlines
//! (idle, total, minimum rate; each cut-off is `421 4.4.2`), its memory taken from
//! the shared [`crate::budget::DataBudget`] before it is allocated.
//!
//! A message whose MAIL FROM declared its SIZE has all of it reserved before `354`, or
//! is refused there with `452 4.3.1` (ending the transaction) before a byte of it is
//! sent: a burst of large messages then costs the relay no reading. The reservation
//! is kept only through the rate grace period; after it, a session holds what it has
//! received, as an undeclared one does.
//!
//! An address that had a size reserved and then got no message delivered with it
//! (cut off, gone, far smaller than declared, or refused for its framing, size or
//! content) has no such reservation for
//! [`DECLARED_ABANDON_PENALTY`](crate::admission::DECLARED_ABANDON_PENALTY): a client
//! that declared 25 MB, sent nothing and reconnected held the large share for good.
//!
//! An undeclared message the budget cannot hold within its short wait is still read
//! to the final dot, so the session stays in step, and refused with `452 4.3.1`.

use super::{Session, is_disconnect};
use crate::budget::Reservation;
use crate::data::{DataFlaws, DataReader, MAX_HEADER_BYTES, MAX_HEADER_FIELDS};
use crate::inbound::{Inbound, InboundTransaction};
use crate::pace::DataPace;
use crate::reply::Reply;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::{Instant, timeout_at};

/// Bytes asked of the stream at a time.
const READ_CHUNK: usize = 64 * 1024;

impl<I: Inbound, S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Session<I, S> {
    /// DATA: false ends the session (the client vanished or was cut off).
    pub(super) async fn data(&mut self) -> std::io::Result<bool> {
        match &self.tx {
            None => {
                self.reply(Reply::new(503, "5.5.1", "Need MAIL before DATA"));
                return Ok(true);
            }
            Some(tx) if tx.recipient_count() == 0 => {
                self.reply(Reply::new(554, "5.5.1", "No valid recipients"));
                return Ok(true);
            }
            Some(_) => {}
        }
        let Some(reservation) = self.reserve_declared().await else {
            // The transaction ends: a client repeating DATA would wait on the large
            // share again and again, its free part held in the wait each time.
            self.tx = None;
            self.reply(Reply::new(452, "4.3.1", "Insufficient system storage for the declared SIZE, try again later"));
            return Ok(true);
        };
        self.reply(Reply::plain(354, vec!["End data with <CR><LF>.<CR><LF>".into()]));
        let (max, line) = (self.limits().max_message_bytes, self.limits().max_line_bytes);
        let mut reader = DataReader::new(max, line);
        let read = match self.flush().await {
            Ok(()) => self.read_data(&mut reader, reservation).await,
            Err(e) => Err(e),
        };
        let reservation = match read {
            Ok(Some(reservation)) => reservation,
            ended => {
                // Reserved before the data that then never came: not again for a while.
                self.abandon_declared();
                self.tx = None;
                return ended.map(|_| false);
            }
        };
        let mut tx = self.tx.take().expect("checked above");
        let (raw, flaws) = reader.finish();
        // Far less than it declared: the reservation was held for nothing, as when the
        // client leaves (and a client could finish a tiny message just before the
        // grace period ends, again and again).
        if self.declared_size.is_some_and(|declared| (raw.len() as u64) < declared / 2) {
            self.abandon_declared();
        }
        if let Some(r) = refusal(&flaws, line) {
            self.abandon_declared();
            self.reply(r);
            return Ok(true);
        }
        // Checking and spooling copy the message: the budget covers that too, so it
        // bounds the memory messages really take.
        let mut reservation = reservation;
        if !reservation.cover(raw.len().saturating_mul(self.limits().data_copies)).await {
            tracing::warn!(peer = %self.peer, bytes = raw.len(), "DATA budget exhausted before checking; refused");
            self.abandon_declared();
            self.reply(Reply::new(452, "4.3.1", "Insufficient system storage, try again later"));
            return Ok(true);
        }
        tx.authenticate(&raw).await;
        let tls = self.conn.is_tls();
        let span = self.tx_span.clone();
        let reply = tokio::task::spawn_blocking(move || span.in_scope(|| tx.finish(&raw, tls)))
            .await
            .map_err(std::io::Error::other)?;
        drop(reservation);
        if reply.code >= 300 {
            // Not delivered: the reservation served nothing the address is owed again.
            self.abandon_declared();
        }
        self.verdict_reply(reply).await;
        Ok(true)
    }

    /// Marks the client's address when this DATA had its declared SIZE reserved before
    /// the data ([`reserve_declared`](Self::reserve_declared) clears the size when it
    /// did not).
    fn abandon_declared(&mut self) {
        if self.declared_size.take().is_some() {
            self.inbound.intake().peers.note_abandoned_declaration(self.peer.ip(), Instant::now().into_std());
        }
    }

    /// A reservation of the budget for the message: what its declared SIZE takes while
    /// checked, when MAIL FROM declared one (waiting at most the budget's wait), else
    /// empty; `None` when the declared size cannot be had.
    async fn reserve_declared(&mut self) -> Option<Reservation> {
        let mut reservation = self.inbound.intake().data_budget.reservation();
        let Some(size) = self.declared_size else { return Some(reservation) };
        let peers = &self.inbound.intake().peers;
        if !peers.may_reserve_declared(self.peer.ip(), Instant::now().into_std()) {
            tracing::info!(peer = %self.peer, size, "this address abandoned a declared DATA lately; its SIZE is not reserved");
            self.declared_size = None;
            return Some(reservation);
        }
        let need = usize::try_from(size).unwrap_or(usize::MAX).saturating_mul(self.limits().data_copies);
        if reservation.cover(need).await {
            return Some(reservation);
        }
        tracing::info!(peer = %self.peer, size, "DATA budget cannot hold the declared SIZE; refused before the data");
        None
    }

    /// A reply the transaction (the filter chain) decided; a temporary refusal waits
    /// [`tempfail_delay`](crate::inbound::SessionLimits::tempfail_delay) first, so that
    /// a sender whose mail cannot be taken now (a tenant's plugin failing or isolated)
    /// retries at that pace, not as fast as it can, on cores other tenants need.
    pub(super) async fn transaction_reply(&mut self, reply: Reply) {
        delay_tempfail(&reply, self.limits().tempfail_delay).await;
        self.reply(reply);
    }

    /// The filter chain's verdict on a whole message, sent as
    /// [`transaction_reply`](Self::transaction_reply) sends a reply, but never counted
    /// as the client's error: the tenant's filters judged the content, and a large
    /// sender whose mail is sometimes spam (a mailbox provider, a forwarder) would
    /// otherwise be cut off for all its mail. Only an address that delivered nothing
    /// this minute has its content refusals counted against its error rate (a source
    /// of nothing but spam still runs out of it). A delivered message clears the
    /// session's errors and junk commands, as Postfix's limits count those made
    /// "without delivering mail".
    async fn verdict_reply(&mut self, reply: Reply) {
        delay_tempfail(&reply, self.limits().tempfail_delay).await;
        let peers = &self.inbound.intake().peers;
        let now = Instant::now().into_std();
        if reply.code < 300 {
            self.errors = 0;
            self.junk_commands = 0;
            peers.note_delivered(self.peer.ip(), now);
        } else if reply.code >= 500 && !peers.note_refused_content(self.peer.ip(), now) {
            self.address_errors = true;
        }
        self.write_reply(&reply);
    }

    /// The deadlines of a DATA phase starting now.
    fn pace(&self) -> DataPace {
        let l = self.limits();
        DataPace {
            started: Instant::now().into_std(),
            idle: l.data_timeout,
            total: l.data_total_timeout,
            grace: l.data_rate_grace,
            min_bytes_per_sec: l.data_min_bytes_per_sec,
        }
    }

    /// Feeds the message through `reader` up to the final dot, growing `budget` as
    /// its body grows, and hands that back; `None` when the client vanished or was cut off (a
    /// cut-off is answered `421`), which ends the session.
    async fn read_data(
        &mut self,
        reader: &mut DataReader,
        mut budget: Reservation,
    ) -> std::io::Result<Option<Reservation>> {
        let pace = self.pace();
        let mut received = 0u64;
        let mut chunk = vec![0u8; READ_CHUNK];
        loop {
            if !budget.cover(reader.held_after(self.rbuf.len())).await {
                tracing::warn!(peer = %self.peer, "DATA budget exhausted; this message will be refused");
                reader.stop_keeping();
            }
            if pace.started.elapsed() > pace.grace {
                budget.shrink_to(reader.held_after(self.rbuf.len()));
            }
            if let Some(used) = reader.feed(&self.rbuf) {
                self.rbuf.drain(..used);
                return Ok(Some(budget));
            }
            self.rbuf.clear();
            let (deadline, cutoff) = pace.deadline(received, std::time::Instant::now());
            match timeout_at(deadline.into(), self.conn.read(&mut chunk)).await {
                Err(_) => {
                    tracing::info!(peer = %self.peer, ?cutoff, received, "DATA cut off");
                    let host = self.inbound.hostname().to_owned();
                    self.reply(Reply::owned(421, "4.4.2".into(), format!("{host} {}", cutoff.text())));
                    return Ok(None);
                }
                Ok(Ok(0)) => {
                    tracing::info!(peer = %self.peer, "client vanished during DATA; nothing was accepted");
                    return Ok(None);
                }
                Ok(Ok(n)) => {
                    received += n as u64;
                    self.rbuf.extend_from_slice(&chunk[..n]);
                }
                Ok(Err(e)) if is_disconnect(&e) => return Ok(None),
                Ok(Err(e)) => return Err(e),
            }
        }
    }
}

/// The refusal a message's flaws earn, if any; `line` is the line-length limit.
fn refusal(flaws: &DataFlaws, line: usize) -> Option<Reply> {
    if flaws.too_big {
        Some(Reply::new(552, "5.3.4", "Message size exceeds fixed maximum message size"))
    } else if flaws.large_header {
        let why = format!("Message header exceeds {MAX_HEADER_BYTES} bytes or {MAX_HEADER_FIELDS} fields");
        Some(Reply::owned(552, "5.3.4".into(), why))
    } else if flaws.not_kept {
        Some(Reply::new(452, "4.3.1", "Insufficient system storage, try again later"))
    } else if flaws.bare_line_end {
        Some(Reply::new(554, "5.6.0", "Message contains a bare CR or LF; lines must end with CRLF"))
    } else if flaws.long_line {
        Some(Reply::owned(
            554,
            "5.6.0".into(),
            format!("Message has a line longer than {line} bytes (RFC 5321 4.5.3.1.6)"),
        ))
    } else {
        None
    }
}

/// Waits `delay` before a temporary refusal is sent.
async fn delay_tempfail(reply: &Reply, delay: std::time::Duration) {
    if (400..500).contains(&reply.code) && !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
}

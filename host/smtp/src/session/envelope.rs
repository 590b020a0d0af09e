//! The envelope commands: the EHLO reply, MAIL FROM (with the per-address message
//! rate, and a declared SIZE checked against the DATA budget left; DATA reserves it)
//! and RCPT TO (with the transaction's SMTPUTF8 rule). The client's name goes
//! into the envelope in its A-label form unless the transaction is SMTPUTF8, so a raw
//! UTF-8 name never reaches a `Received:` line of a non-SMTPUTF8 message.

use super::{RECIPIENT_OVERSHOOT, Session};
use crate::address::helo_ascii;
use crate::inbound::{Inbound, InboundTransaction};
use crate::reply::Reply;
use mxr_mail::Envelope;
use std::borrow::Cow;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};

impl<I: Inbound, S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Session<I, S> {
    pub(super) fn ehlo_reply(&self) -> Reply {
        let mut lines: Vec<Cow<'static, str>> = vec![self.inbound.hostname().to_owned().into()];
        lines.push("PIPELINING".into());
        lines.push(format!("SIZE {}", self.limits().max_message_bytes).into());
        lines.push("8BITMIME".into());
        lines.push("SMTPUTF8".into());
        lines.push("ENHANCEDSTATUSCODES".into());
        if self.offers_starttls() {
            lines.push("STARTTLS".into());
        }
        Reply::plain(250, lines)
    }

    /// True when STARTTLS is offered: a certificate is configured and the session is
    /// still in clear.
    pub(super) fn offers_starttls(&self) -> bool {
        self.inbound.tls().is_some() && !self.conn.is_tls()
    }

    /// The `214` answer to HELP: the commands this session takes now.
    pub(super) fn help_reply(&self) -> Reply {
        let tls = if self.offers_starttls() { " STARTTLS" } else { "" };
        Reply::new(
            214,
            "2.0.0",
            format!("mxr: see RFC 5321; commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP{tls}"),
        )
    }

    pub(super) fn mail(&mut self, from: String, size: Option<u64>, eight_bit: bool, smtputf8: bool) {
        if self.helo.is_none() {
            return self.reply(Reply::new(503, "5.5.1", "Send EHLO or HELO first"));
        }
        if self.tx.is_some() {
            return self.reply(Reply::new(503, "5.5.1", "Nested MAIL command"));
        }
        if size.is_some_and(|s| s > self.limits().max_message_bytes as u64) {
            return self.reply(Reply::new(552, "5.3.4", "Message size exceeds fixed maximum message size"));
        }
        let room = self.inbound.intake().data_budget.available_bytes() as u64;
        if size.is_some_and(|s| s.saturating_mul(self.limits().data_copies as u64) > room) {
            // RFC 1870 §6.1: the declared size does not fit in memory now; later it may.
            return self.reply(Reply::new(452, "4.3.1", "Insufficient system storage, try again later"));
        }
        if !self.inbound.intake().peers.note_message(self.peer.ip(), Instant::now()) {
            tracing::info!(peer = %self.peer, "message rate of this address exceeded");
            return self.reply(Reply::new(450, "4.7.1", "Too many messages from your address, try again later"));
        }
        let helo = match &self.helo {
            Some(name) if smtputf8 => Some(name.clone()),
            Some(name) => helo_ascii(name),
            None => None,
        };
        let envelope = Envelope {
            client_ip: Some(self.peer.ip()),
            helo,
            esmtp: self.esmtp,
            mail_from: Some(from),
            rcpts: vec![],
            smtputf8,
            eight_bit,
            auth: None,
        };
        let tx = self.inbound.begin(envelope);
        self.tx_span = tracing::info_span!("transaction", id = %tx.id());
        self.tx_span.in_scope(|| tracing::debug!(peer = %self.peer, "transaction started"));
        self.tx = Some(tx);
        self.overshoot = 0;
        self.smtputf8 = smtputf8;
        self.declared_size = size;
        self.reply(Reply::new(250, "2.1.0", "Ok"));
    }

    pub(super) async fn rcpt(&mut self, to: String) -> std::io::Result<()> {
        if self.tx.is_none() {
            self.reply(Reply::new(503, "5.5.1", "Need MAIL before RCPT"));
            return Ok(());
        }
        if !self.smtputf8 && !to.is_ascii() {
            // RFC 6531 §3.3, as MAIL FROM is answered.
            self.reply(Reply::new(553, "5.6.7", "Non-ASCII address requires SMTPUTF8"));
            return Ok(());
        }
        let tx = self.tx.take().expect("checked above");
        if tx.recipient_count() >= self.limits().max_recipients {
            self.tx = Some(tx);
            // `4.5.3` asks for the rest in a later transaction and is no error; only
            // a client that keeps sending far past it errs, as Postfix's
            // `smtpd_recipient_overshoot_limit` says.
            self.overshoot += 1;
            if self.overshoot > RECIPIENT_OVERSHOOT {
                self.errors += 1;
            }
            self.reply(Reply::new(452, "4.5.3", "Too many recipients"));
            return Ok(());
        }
        let span = self.tx_span.clone();
        let (tx, result) = tokio::task::spawn_blocking(move || {
            let _in = span.enter();
            let mut tx = tx;
            let r = tx.rcpt(&to);
            (tx, r)
        })
        .await
        .map_err(std::io::Error::other)?;
        self.tx = Some(tx);
        match result {
            Ok(()) => self.reply(Reply::new(250, "2.1.5", "Ok")),
            Err(r) => self.transaction_reply(r).await,
        }
        Ok(())
    }
}

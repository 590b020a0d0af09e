//! One SMTP conversation, generic over its stream so tests can run it in memory.
//!
//! Replies are buffered and flushed only when no further complete command is waiting
//! (RFC 2920 pipelining). Plugin work runs on the blocking pool, never on the I/O
//! threads. STARTTLS drops any plaintext the client pipelined after it.

use super::command::{self, Command, MAX_COMMAND_LINE};
use super::data::{DataFlaws, DataReader};
use super::reply::Reply;
use super::stream::MaybeTls;
use crate::inbound::{Inbound, InboundTransaction, SessionLimits};
use mxr_mail::Envelope;
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::timeout;

/// What reading the next command produced.
enum Input {
    Line(Vec<u8>),
    TooLong,
    Closed,
    TimedOut,
    ShuttingDown,
}

/// The state of one connection.
pub struct Session<I: Inbound, S> {
    inbound: Arc<I>,
    conn: MaybeTls<S>,
    peer: SocketAddr,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    helo: Option<String>,
    tx: Option<I::Transaction>,
    /// The span of the open transaction.
    tx_span: tracing::Span,
    errors: u32,
    shutdown: watch::Receiver<bool>,
}

impl<I: Inbound, S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Session<I, S> {
    /// A session on a fresh connection; `shutdown` turns true when the server stops.
    pub fn new(inbound: Arc<I>, stream: S, peer: SocketAddr, shutdown: watch::Receiver<bool>) -> Self {
        Session {
            inbound,
            conn: MaybeTls::Plain(stream),
            peer,
            rbuf: Vec::new(),
            wbuf: Vec::new(),
            helo: None,
            tx: None,
            tx_span: tracing::Span::none(),
            errors: 0,
            shutdown,
        }
    }

    fn limits(&self) -> &SessionLimits {
        self.inbound.limits()
    }

    fn reply(&mut self, r: Reply) {
        if r.code >= 500 {
            self.errors += 1;
        }
        self.wbuf.extend_from_slice(r.to_wire().as_bytes());
    }

    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.wbuf.is_empty() {
            self.conn.write_all(&self.wbuf).await?;
            self.conn.flush().await?;
            self.wbuf.clear();
        }
        Ok(())
    }

    /// Runs the conversation to its end.
    pub async fn run(mut self) -> std::io::Result<()> {
        let host = self.inbound.hostname().to_owned();
        self.reply(Reply::plain(220, vec![format!("{host} ESMTP mxr").into()]));
        loop {
            let line = match self.next_line().await? {
                Input::Line(l) => l,
                Input::TooLong => {
                    self.reply(Reply::new(500, "5.5.6", "Line too long"));
                    if self.too_many_errors() {
                        break;
                    }
                    continue;
                }
                Input::Closed => {
                    tracing::debug!(peer = %self.peer, in_transaction = self.tx.is_some(), "client went away");
                    return Ok(());
                }
                Input::TimedOut => {
                    self.reply(Reply::new(421, "4.4.2", format!("{host} Timeout exceeded, closing connection")));
                    break;
                }
                Input::ShuttingDown => {
                    self.reply(Reply::new(421, "4.3.2", format!("{host} Service shutting down, try again later")));
                    break;
                }
            };
            let keep_going = match command::parse(&line) {
                Ok(cmd) => self.dispatch(cmd).await?,
                Err(reply) => {
                    self.reply(reply);
                    true
                }
            };
            if !keep_going || self.too_many_errors() {
                break;
            }
            if *self.shutdown.borrow() && self.tx.is_none() {
                self.reply(Reply::new(421, "4.3.2", format!("{host} Service shutting down, try again later")));
                break;
            }
        }
        if matches!(self.conn, MaybeTls::Switching) {
            return Ok(()); // the TLS handshake failed: nothing can be said any more
        }
        self.flush().await?;
        let _ = self.conn.shutdown().await;
        Ok(())
    }

    fn too_many_errors(&mut self) -> bool {
        if self.errors >= self.limits().max_errors {
            let host = self.inbound.hostname();
            let r = Reply::new(421, "4.7.0", format!("{host} Too many errors, closing connection"));
            self.wbuf.extend_from_slice(r.to_wire().as_bytes());
            tracing::info!(peer = %self.peer, errors = self.errors, "closing a session over its error budget");
            return true;
        }
        false
    }

    /// The next command line, flushing replies first if none is already buffered.
    async fn next_line(&mut self) -> std::io::Result<Input> {
        let mut discarding = false;
        loop {
            if let Some(pos) = self.rbuf.iter().position(|b| *b == b'\n') {
                let mut line: Vec<u8> = self.rbuf.drain(..=pos).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(if discarding { Input::TooLong } else { Input::Line(line) });
            }
            if self.rbuf.len() > MAX_COMMAND_LINE * 2 {
                discarding = true;
                self.rbuf.clear();
            }
            self.flush().await?;
            let wait = self.limits().command_timeout;
            let mut shutdown = self.shutdown.clone();
            let idle = self.tx.is_none();
            let mut chunk = [0u8; 4096];
            let read = tokio::select! {
                r = timeout(wait, self.conn.read(&mut chunk)) => r,
                _ = shutdown.wait_for(|s| *s), if idle => return Ok(Input::ShuttingDown),
            };
            match read {
                Err(_) => return Ok(Input::TimedOut),
                Ok(Ok(0)) => return Ok(Input::Closed),
                Ok(Ok(n)) => self.rbuf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) if is_disconnect(&e) => return Ok(Input::Closed),
                Ok(Err(e)) => return Err(e),
            }
        }
    }

    /// Handles one command; false ends the session.
    async fn dispatch(&mut self, cmd: Command) -> std::io::Result<bool> {
        match cmd {
            Command::Ehlo(name) => {
                self.helo = Some(name);
                self.tx = None;
                let reply = self.ehlo_reply();
                self.reply(reply);
            }
            Command::Helo(name) => {
                self.helo = Some(name);
                self.tx = None;
                let host = self.inbound.hostname().to_owned();
                self.reply(Reply::plain(250, vec![host.into()]));
            }
            Command::Mail { from, size, eight_bit, smtputf8 } => self.mail(from, size, eight_bit, smtputf8),
            Command::Rcpt { to } => self.rcpt(to).await?,
            Command::Data => return self.data().await,
            Command::Rset => {
                self.tx = None;
                self.reply(Reply::new(250, "2.0.0", "Ok"));
            }
            Command::Noop => self.reply(Reply::new(250, "2.0.0", "Ok")),
            Command::Vrfy => {
                self.reply(Reply::new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"))
            }
            Command::Help => self.reply(Reply::new(
                214,
                "2.0.0",
                "mxr: see RFC 5321; commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP STARTTLS",
            )),
            Command::Quit => {
                self.reply(Reply::new(221, "2.0.0", "Bye"));
                return Ok(false);
            }
            Command::StartTls => return self.starttls().await,
        }
        Ok(true)
    }

    fn ehlo_reply(&self) -> Reply {
        let mut lines: Vec<Cow<'static, str>> = vec![self.inbound.hostname().to_owned().into()];
        lines.push("PIPELINING".into());
        lines.push(format!("SIZE {}", self.limits().max_message_bytes).into());
        lines.push("8BITMIME".into());
        lines.push("SMTPUTF8".into());
        lines.push("ENHANCEDSTATUSCODES".into());
        if self.inbound.tls().is_some() && !self.conn.is_tls() {
            lines.push("STARTTLS".into());
        }
        Reply::plain(250, lines)
    }

    fn mail(&mut self, from: String, size: Option<u64>, eight_bit: bool, smtputf8: bool) {
        if self.helo.is_none() {
            return self.reply(Reply::new(503, "5.5.1", "Send EHLO or HELO first"));
        }
        if self.tx.is_some() {
            return self.reply(Reply::new(503, "5.5.1", "Nested MAIL command"));
        }
        if size.is_some_and(|s| s > self.limits().max_message_bytes as u64) {
            return self.reply(Reply::new(552, "5.3.4", "Message size exceeds fixed maximum message size"));
        }
        let envelope =
            Envelope { client_ip: Some(self.peer.ip()), helo: self.helo.clone(), mail_from: Some(from), rcpts: vec![], smtputf8, eight_bit };
        let tx = self.inbound.begin(envelope);
        self.tx_span = tracing::info_span!("transaction", id = %tx.id());
        self.tx_span.in_scope(|| tracing::debug!(peer = %self.peer, "transaction started"));
        self.tx = Some(tx);
        self.reply(Reply::new(250, "2.1.0", "Ok"));
    }

    async fn rcpt(&mut self, to: String) -> std::io::Result<()> {
        let Some(tx) = self.tx.take() else {
            self.reply(Reply::new(503, "5.5.1", "Need MAIL before RCPT"));
            return Ok(());
        };
        if tx.recipient_count() >= self.limits().max_recipients {
            self.tx = Some(tx);
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
            Err(r) => self.reply(r),
        }
        Ok(())
    }

    async fn data(&mut self) -> std::io::Result<bool> {
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
        self.reply(Reply::plain(354, vec!["End data with <CR><LF>.<CR><LF>".into()]));
        self.flush().await?;
        let (max, line) = (self.limits().max_message_bytes, self.limits().max_line_bytes);
        let mut reader = DataReader::new(max, line);
        if !self.read_data(&mut reader).await? {
            self.tx = None;
            return Ok(false);
        }
        let tx = self.tx.take().expect("checked above");
        let (raw, flaws) = reader.finish();
        if let Some(r) = refusal(&flaws, line) {
            self.reply(r);
            return Ok(true);
        }
        let tls = self.conn.is_tls();
        let span = self.tx_span.clone();
        let reply = tokio::task::spawn_blocking(move || span.in_scope(|| tx.finish(&raw, tls)))
            .await
            .map_err(std::io::Error::other)?;
        self.reply(reply);
        Ok(true)
    }

    /// Feeds the message through `reader` up to the final dot; false when the client
    /// vanished or timed out (a timeout is answered `421`), which ends the session.
    async fn read_data(&mut self, reader: &mut DataReader) -> std::io::Result<bool> {
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if let Some(used) = reader.feed(&self.rbuf) {
                self.rbuf.drain(..used);
                return Ok(true);
            }
            self.rbuf.clear();
            match timeout(self.limits().data_timeout, self.conn.read(&mut chunk)).await {
                Err(_) => {
                    let host = self.inbound.hostname().to_owned();
                    self.reply(Reply::new(
                        421,
                        "4.4.2",
                        format!("{host} Timeout exceeded during DATA, closing connection"),
                    ));
                    return Ok(false);
                }
                Ok(Ok(0)) => {
                    tracing::info!(peer = %self.peer, "client vanished during DATA; nothing was accepted");
                    return Ok(false);
                }
                Ok(Ok(n)) => self.rbuf.extend_from_slice(&chunk[..n]),
                Ok(Err(e)) if is_disconnect(&e) => return Ok(false),
                Ok(Err(e)) => return Err(e),
            }
        }
    }

    async fn starttls(&mut self) -> std::io::Result<bool> {
        let Some(acceptor) = self.inbound.tls().cloned() else {
            self.reply(Reply::new(502, "5.5.1", "STARTTLS not available"));
            return Ok(true);
        };
        if self.conn.is_tls() {
            self.reply(Reply::new(503, "5.5.1", "Already in TLS"));
            return Ok(true);
        }
        self.reply(Reply::new(220, "2.0.0", "Ready to start TLS"));
        self.flush().await?;
        // Anything pipelined after STARTTLS arrived in plaintext: never act on it.
        self.rbuf.clear();
        let MaybeTls::Plain(plain) = std::mem::replace(&mut self.conn, MaybeTls::Switching) else {
            unreachable!("checked above")
        };
        match timeout(self.limits().command_timeout, acceptor.accept(plain)).await {
            Ok(Ok(tls)) => {
                self.conn = MaybeTls::Tls(Box::new(tls));
                self.helo = None;
                self.tx = None;
                Ok(true)
            }
            Ok(Err(e)) => {
                tracing::info!(peer = %self.peer, error = %e, "TLS handshake failed");
                Ok(false)
            }
            Err(_) => Ok(false),
        }
    }
}

/// The refusal a message's flaws earn, if any; `line` is the line-length limit.
fn refusal(flaws: &DataFlaws, line: usize) -> Option<Reply> {
    if flaws.too_big {
        Some(Reply::new(552, "5.3.4", "Message size exceeds fixed maximum message size"))
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

fn is_disconnect(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof)
}

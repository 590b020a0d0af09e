//! One SMTP conversation, generic over its stream so tests can run it in memory:
//! the command loop and its error budget here; reading a command under its deadline
//! in [`command_phase`], the envelope commands in [`envelope`], DATA in
//! [`data_phase`], STARTTLS in [`starttls`].
//!
//! Replies are buffered and flushed only when no further complete command is waiting
//! (RFC 2920 pipelining). Plugin work runs on the blocking pool, never on the I/O
//! threads. STARTTLS drops any plaintext the client pipelined after it.

mod command_phase;
mod data_phase;
mod envelope;
mod starttls;

use super::command::{self, Command};
use super::reply::Reply;
use super::stream::MaybeTls;
use crate::admission::Refusal;
use crate::inbound::{Inbound, SessionLimits};
use command_phase::Input;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;

/// Commands that move no mail (NOOP, RSET, VRFY, HELP, and EHLO or HELO, which a
/// client could otherwise repeat to keep its slot) a session may give before each
/// further one counts as an error, as Postfix's `smtpd_junk_command_limit` (100).
pub const JUNK_COMMANDS: u32 = 100;

/// Recipients past the limit (each answered `452 4.5.3`) a transaction may give
/// before each further one counts as an error, as Postfix's
/// `smtpd_recipient_overshoot_limit` (1000): a client cannot loop on `452` for ever,
/// and one that pipelines a list of up to a thousand too many is not cut off.
pub const RECIPIENT_OVERSHOOT: u32 = 1000;

/// The state of one connection.
pub struct Session<I: Inbound, S> {
    inbound: Arc<I>,
    /// The limits in force when the session began; it keeps them to its end.
    limits: Arc<SessionLimits>,
    conn: MaybeTls<S>,
    peer: SocketAddr,
    rbuf: Vec<u8>,
    wbuf: Vec<u8>,
    helo: Option<String>,
    /// The client greeted with EHLO, not HELO.
    esmtp: bool,
    tx: Option<I::Transaction>,
    /// The open transaction was begun with SMTPUTF8.
    smtputf8: bool,
    /// The SIZE its MAIL FROM declared (RFC 1870), in bytes.
    declared_size: Option<u64>,
    /// The span of the open transaction.
    tx_span: tracing::Span,
    /// 5xx replies in this session (and junk commands past [`JUNK_COMMANDS`], and
    /// recipients past [`RECIPIENT_OVERSHOOT`]) since it last delivered a message.
    errors: u32,
    /// NOOP, RSET, VRFY, HELP, EHLO and HELO commands since the session last delivered
    /// a message.
    junk_commands: u32,
    /// Recipients past the limit in the open transaction ([`RECIPIENT_OVERSHOOT`]).
    overshoot: u32,
    /// The client's address went over its error rate (all its sessions count).
    address_errors: bool,
    shutdown: watch::Receiver<bool>,
}

impl<I: Inbound, S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Session<I, S> {
    /// A session on a fresh connection; `shutdown` turns true when the server stops.
    pub fn new(inbound: Arc<I>, stream: S, peer: SocketAddr, shutdown: watch::Receiver<bool>) -> Self {
        Session {
            limits: inbound.limits(),
            inbound,
            conn: MaybeTls::Plain(stream),
            peer,
            rbuf: Vec::new(),
            wbuf: Vec::new(),
            helo: None,
            esmtp: false,
            tx: None,
            smtputf8: false,
            declared_size: None,
            tx_span: tracing::Span::none(),
            errors: 0,
            junk_commands: 0,
            overshoot: 0,
            address_errors: false,
            shutdown,
        }
    }

    fn limits(&self) -> &SessionLimits {
        &self.limits
    }

    /// Queues a reply; a 5xx counts against the session's and the address's errors.
    fn reply(&mut self, r: Reply) {
        if r.code >= 500 {
            self.errors += 1;
            if !self.inbound.intake().peers.note_error(self.peer.ip(), Instant::now()) {
                self.address_errors = true;
            }
        }
        self.write_reply(&r);
    }

    /// Queues a reply without counting it.
    fn write_reply(&mut self, r: &Reply) {
        self.wbuf.extend_from_slice(r.to_wire().as_bytes());
    }

    /// Counts a command that moves no mail (NOOP, RSET, VRFY, HELP, EHLO, HELO): past
    /// [`JUNK_COMMANDS`] each is an error of the session's, so a client cannot hold a
    /// connection slot forever with a NOOP every few minutes, or flood it with them.
    fn junk_command(&mut self) {
        self.junk_commands += 1;
        if self.junk_commands > JUNK_COMMANDS {
            self.errors += 1;
        }
    }

    /// Sends the queued replies, within the command timeout: a client that stops
    /// reading would otherwise hold its session, and whatever it reserved, for ever.
    async fn flush(&mut self) -> std::io::Result<()> {
        if !self.wbuf.is_empty() {
            let write = async {
                self.conn.write_all(&self.wbuf).await?;
                self.conn.flush().await
            };
            match tokio::time::timeout(self.limits.command_timeout, write).await {
                Ok(written) => written?,
                Err(_) => {
                    tracing::info!(peer = %self.peer, "client stopped reading its replies; closing");
                    return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, "replies not read"));
                }
            }
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
                    self.reply(Reply::new(500, "5.5.2", "Line too long"));
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

    /// True (with the `421 4.7.0` queued) when the session or its address is over
    /// its error budget.
    fn too_many_errors(&mut self) -> bool {
        if self.address_errors {
            let r = Refusal::ErrorRate.reply(self.inbound.hostname());
            self.wbuf.extend_from_slice(r.to_wire().as_bytes());
            tracing::info!(peer = %self.peer, "closing a session over its address's error rate");
            return true;
        }
        if self.errors >= self.limits().max_errors {
            let host = self.inbound.hostname();
            let r = Reply::new(421, "4.7.0", format!("{host} Too many errors, closing connection"));
            self.wbuf.extend_from_slice(r.to_wire().as_bytes());
            tracing::info!(peer = %self.peer, errors = self.errors, "closing a session over its error budget");
            return true;
        }
        false
    }

    /// Handles one command; false ends the session.
    async fn dispatch(&mut self, cmd: Command) -> std::io::Result<bool> {
        match cmd {
            Command::Ehlo(name) => {
                self.junk_command();
                self.helo = Some(name);
                self.esmtp = true;
                self.tx = None;
                let reply = self.ehlo_reply();
                self.reply(reply);
            }
            Command::Helo(name) => {
                self.junk_command();
                self.helo = Some(name);
                self.esmtp = false;
                self.tx = None;
                let host = self.inbound.hostname().to_owned();
                self.reply(Reply::plain(250, vec![host.into()]));
            }
            Command::Mail { from, size, eight_bit, smtputf8 } => self.mail(from, size, eight_bit, smtputf8),
            Command::Rcpt { to } => self.rcpt(to).await?,
            Command::Data => return self.data().await,
            Command::Rset => {
                self.junk_command();
                self.tx = None;
                self.reply(Reply::new(250, "2.0.0", "Ok"));
            }
            Command::Noop => {
                self.junk_command();
                self.reply(Reply::new(250, "2.0.0", "Ok"));
            }
            Command::Vrfy => {
                self.junk_command();
                self.reply(Reply::new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"))
            }
            Command::Help => {
                self.junk_command();
                self.reply(self.help_reply())
            }
            Command::Quit => {
                self.reply(Reply::new(221, "2.0.0", "Bye"));
                return Ok(false);
            }
            Command::StartTls => return self.starttls().await,
        }
        Ok(true)
    }
}

/// True for the errors that mean the client is gone.
fn is_disconnect(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionReset | ConnectionAborted | BrokenPipe | UnexpectedEof)
}

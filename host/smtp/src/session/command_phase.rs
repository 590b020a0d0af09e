//! Reading the next command line, with the whole line bounded in time: the command
//! timeout counts from when the session starts waiting, not from the last byte, so a
//! client dripping a byte at a time is cut off like one sending nothing.

use super::{Session, is_disconnect};
use crate::command::MAX_COMMAND_LINE;
use crate::inbound::Inbound;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};
use tokio::time::{Instant, timeout_at};

/// What reading the next command produced.
pub(super) enum Input {
    /// A line, without its line end.
    Line(Vec<u8>),
    /// A line longer than the limit (discarded).
    TooLong,
    /// The client closed the connection.
    Closed,
    /// No complete line within the command timeout.
    TimedOut,
    /// The server is stopping and no transaction is open.
    ShuttingDown,
}

impl<I: Inbound, S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Session<I, S> {
    /// The next command line, flushing replies first if none is already buffered.
    pub(super) async fn next_line(&mut self) -> std::io::Result<Input> {
        let mut discarding = false;
        let deadline = Instant::now() + self.limits().command_timeout;
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
            let mut shutdown = self.shutdown.clone();
            let idle = self.tx.is_none();
            let mut chunk = [0u8; 4096];
            let read = tokio::select! {
                r = timeout_at(deadline, self.conn.read(&mut chunk)) => r,
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
}

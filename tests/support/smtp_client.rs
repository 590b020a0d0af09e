//! A small SMTP client DSL for tests: `ehlo`, `send_message`, `assert_code`, over
//! real TCP (and real TLS after `starttls`).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpSocket, TcpStream};

trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// A reply as the client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The code.
    pub code: u16,
    /// All lines, code and separators stripped.
    pub lines: Vec<String>,
}

impl Reply {
    /// The whole reply on one line, for messages.
    pub fn text(&self) -> String {
        self.lines.join(" | ")
    }
    /// Panics unless the reply has this code and begins with `enhanced` (may be "").
    #[track_caller]
    pub fn assert_code(&self, code: u16, enhanced: &str) -> &Self {
        assert!(self.code == code && self.lines[0].starts_with(enhanced), "expected {code} {enhanced}, got {self:?}");
        self
    }
}

/// A client connection.
pub struct Client {
    io: BufReader<Box<dyn Stream>>,
}

/// How long any one reply may take before the test fails (a liveness bound).
const REPLY_WAIT: Duration = Duration::from_secs(30);

impl Client {
    /// Connects and reads the greeting.
    pub async fn connect(addr: SocketAddr) -> (Client, Reply) {
        Client::try_connect(addr).await.expect("connect")
    }

    /// Like [`Client::connect`], with a refused connection as an error, for a server
    /// that may be gone (killed, restarting).
    pub async fn try_connect(addr: SocketAddr) -> std::io::Result<(Client, Reply)> {
        Ok(Client::greeted(TcpStream::connect(addr).await?).await)
    }

    /// Like [`Client::try_connect`], from the local address `source` (on Linux any of
    /// 127/8 reaches a server on 127.0.0.1, so a test can be a second client IP).
    pub async fn try_connect_from(addr: SocketAddr, source: IpAddr) -> std::io::Result<(Client, Reply)> {
        let socket = if source.is_ipv4() { TcpSocket::new_v4()? } else { TcpSocket::new_v6()? };
        socket.bind(SocketAddr::new(source, 0))?;
        Ok(Client::greeted(socket.connect(addr).await?).await)
    }

    async fn greeted(tcp: TcpStream) -> (Client, Reply) {
        let mut c = Client { io: BufReader::new(Box::new(tcp)) };
        let greeting = c.read_reply().await;
        (c, greeting)
    }

    /// Like [`Client::connect`], from the local address `from` (another loopback
    /// address such as 127.0.0.2 stands for another client: Linux routes all of
    /// 127/8 to lo).
    pub async fn connect_from(addr: SocketAddr, from: std::net::IpAddr) -> (Client, Reply) {
        let socket = if from.is_ipv4() { tokio::net::TcpSocket::new_v4() } else { tokio::net::TcpSocket::new_v6() };
        let socket = socket.expect("socket");
        socket.bind(SocketAddr::new(from, 0)).expect("bind the source address");
        let tcp = socket.connect(addr).await.expect("connect");
        let mut c = Client { io: BufReader::new(Box::new(tcp)) };
        let greeting = c.read_reply().await;
        (c, greeting)
    }

    /// A client over any stream (the session's in-memory twin in tests).
    pub fn over(stream: impl AsyncRead + AsyncWrite + Unpin + Send + 'static) -> Client {
        Client { io: BufReader::new(Box::new(stream)) }
    }

    /// True when nothing accepts connections at `addr` any more.
    pub async fn connect_refused(addr: SocketAddr) -> bool {
        TcpStream::connect(addr).await.is_err()
    }

    /// Reads one (possibly multi-line) reply; a closed connection gives code 0.
    pub async fn read_reply(&mut self) -> Reply {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(REPLY_WAIT, self.io.read_line(&mut line))
                .await
                .expect("reply in time")
                .unwrap_or(0);
            if n == 0 {
                return Reply { code: 0, lines: if lines.is_empty() { vec!["<closed>".into()] } else { lines } };
            }
            let line = line.trim_end_matches(['\r', '\n']);
            let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            lines.push(line.get(4..).unwrap_or("").to_owned());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Reply { code, lines };
            }
        }
    }

    /// Sends raw bytes.
    pub async fn write(&mut self, bytes: &[u8]) {
        let _ = self.io.get_mut().write_all(bytes).await;
        let _ = self.io.get_mut().flush().await;
    }

    /// Sends `bytes` one at a time (over and over), `every` apart, until the server
    /// answers or hangs up; then that reply (code 0 when it closed without one) and
    /// how long the drip lasted. Fails the test if the server still listens after
    /// `bound` (a liveness bound).
    pub async fn drip(&mut self, bytes: &[u8], every: Duration, bound: Duration) -> (Reply, Duration) {
        assert!(!bytes.is_empty(), "nothing to drip");
        let started = std::time::Instant::now();
        for b in bytes.iter().cycle() {
            assert!(started.elapsed() < bound, "a dripping client still connected after {bound:?}");
            if self.io.get_mut().write_all(&[*b]).await.is_err() || self.io.get_mut().flush().await.is_err() {
                break;
            }
            // fill_buf is cancel-safe: nothing read is lost when the wait ends first.
            if tokio::time::timeout(every, self.io.fill_buf()).await.is_ok() {
                break;
            }
        }
        let took = started.elapsed();
        (self.read_reply().await, took)
    }

    /// Sends one command line and reads the reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        self.write(format!("{line}\r\n").as_bytes()).await;
        self.read_reply().await
    }

    /// EHLO.
    pub async fn ehlo(&mut self, name: &str) -> Reply {
        self.cmd(&format!("EHLO {name}")).await
    }

    /// MAIL FROM.
    pub async fn mail(&mut self, from: &str) -> Reply {
        self.cmd(&format!("MAIL FROM:<{from}>")).await
    }

    /// RCPT TO.
    pub async fn rcpt(&mut self, to: &str) -> Reply {
        self.cmd(&format!("RCPT TO:<{to}>")).await
    }

    /// DATA with a message (CRLF line ends; dot-stuffed here); the final reply.
    pub async fn data(&mut self, message: &[u8]) -> Reply {
        let go = self.cmd("DATA").await;
        if go.code != 354 {
            return go;
        }
        // The relay's own stuffing; its unstuffing (the DATA reader) is separate code.
        self.write(&mxr_smtp::data::dot_stuff(message)).await;
        self.read_reply().await
    }

    /// MAIL, every RCPT (each must get 250), DATA; the reply to the message.
    pub async fn send_message(&mut self, from: &str, to: &[&str], message: &[u8]) -> Reply {
        self.mail(from).await.assert_code(250, "2.1.0");
        for rcpt in to {
            self.rcpt(rcpt).await.assert_code(250, "2.1.5");
        }
        self.data(message).await
    }

    /// STARTTLS, trusting only `ca_pem`; the connection continues over TLS.
    pub async fn starttls(self, ca_pem: &std::path::Path, server_name: &str) -> (Client, Reply) {
        let mut me = self;
        let go = me.cmd("STARTTLS").await;
        go.assert_code(220, "2.0.0");
        (me.upgrade(ca_pem, server_name).await, go)
    }

    /// The TLS handshake alone (after the server's 220 to STARTTLS).
    pub async fn upgrade(self, ca_pem: &std::path::Path, server_name: &str) -> Client {
        self.try_upgrade(ca_pem, server_name).await.expect("TLS handshake")
    }

    /// Like [`Client::upgrade`], returning the handshake's error (a certificate
    /// `ca_pem` does not vouch for) instead of panicking.
    pub async fn try_upgrade(self, ca_pem: &std::path::Path, server_name: &str) -> std::io::Result<Client> {
        let inner = self.io.into_inner();
        let tls = crate::tls::handshake(inner, ca_pem, server_name, &[]).await?;
        Ok(Client { io: BufReader::new(Box::new(tls)) })
    }
}

/// One transaction as an MTA sends it under load, on a connection just made (or not):
/// EHLO, MAIL from `from` declaring the body's SIZE, RCPT `to`, DATA with `stuffed`
/// (already dot-stuffed and ending in `CRLF . CRLF`, so that many sessions share one
/// body). The reply code to the message, or to the first reply that refused it (the
/// greeting included); 0 when the connection failed or closed.
pub async fn send_declared(connected: std::io::Result<(Client, Reply)>, from: &str, to: &str, stuffed: &[u8]) -> u16 {
    let Ok((mut c, greeting)) = connected else { return 0 };
    if greeting.code != 220 {
        return greeting.code;
    }
    let steps = [
        "EHLO client.test".to_owned(),
        format!("MAIL FROM:<{from}> SIZE={}", stuffed.len()),
        format!("RCPT TO:<{to}>"),
    ];
    for line in steps {
        let reply = c.cmd(&line).await;
        if reply.code != 250 {
            return reply.code;
        }
    }
    let go = c.cmd("DATA").await;
    if go.code != 354 {
        return go.code;
    }
    c.write(stuffed).await;
    c.read_reply().await.code
}

/// LF or mixed line ends to CRLF, as a sending MTA does.
pub fn to_crlf(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 40);
    let mut prev = 0u8;
    for &b in message {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

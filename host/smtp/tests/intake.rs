//! Fair intake in memory: whole-command and DATA-rate deadlines cut a dripping client
//! off, the shared DATA budget refuses what it cannot hold with `452 4.3.1` and stays
//! in step, the per-address message and error rates give their replies, and a
//! temporary refusal from the transaction waits its delay before it is sent.

mod fake;

use fake::{Conn, Fake, Got, limits, uncounted};
use mxr_smtp::admission::PeerLimits;
use mxr_smtp::{Intake, SessionLimits};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

const EHLO: &[u8] = b"EHLO client.test\r\n";
const TX: &[u8] = b"MAIL FROM:<a@sender.test>\r\nRCPT TO:<b@example.test>\r\nDATA\r\n";

/// Sends one byte every 20 ms until the session hangs up (a write fails); how long
/// that took. Fails the test if the session is still there after `bound`. The
/// session's deadline starts a moment before the drip does, so a lower bound on the
/// result allows for that moment.
async fn drip_until_cut_off(c: &mut Conn, bound: Duration) -> Duration {
    let started = Instant::now();
    loop {
        if c.io.get_mut().write_all(b"x").await.is_err() {
            return started.elapsed();
        }
        assert!(started.elapsed() < bound, "a dripping client still connected after {bound:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Greets, opens a transaction and starts DATA.
async fn into_data(c: &mut Conn) {
    expect(c, 220, "").await;
    c.send(EHLO).await;
    c.send(TX).await;
    for code in [250, 250, 250, 354] {
        expect(c, code, "").await;
    }
}

async fn expect(c: &mut Conn, code: u16, start: &str) -> Got {
    let got = c.reply().await.unwrap_or_else(|| panic!("closed; wanted {code} {start}"));
    assert!(got.code == code && got.lines[0].starts_with(start), "wanted {code} {start}, got {got:?}");
    got
}

#[tokio::test]
async fn a_command_dripped_a_byte_at_a_time_is_cut_off_by_the_whole_command_timeout() {
    let mut c = Conn::with(SessionLimits { command_timeout: Duration::from_millis(300), ..limits() }, None);
    expect(&mut c, 220, "").await;
    // Each byte comes well within the timeout; only a whole-line deadline ends this.
    let took = drip_until_cut_off(&mut c, Duration::from_secs(10)).await;
    assert!(took >= Duration::from_millis(200), "cut off before the timeout: {took:?}");
    expect(&mut c, 421, "4.4.2").await;
}

#[tokio::test]
async fn a_message_dripped_below_the_minimum_rate_is_cut_off() {
    let slow = SessionLimits {
        data_min_bytes_per_sec: 1000,
        data_rate_grace: Duration::from_millis(300),
        data_timeout: Duration::from_secs(30),
        ..limits()
    };
    let mut c = Conn::with(slow, None);
    into_data(&mut c).await;
    let took = drip_until_cut_off(&mut c, Duration::from_secs(10)).await;
    assert!(took >= Duration::from_millis(200), "cut off inside the grace period: {took:?}");
    expect(&mut c, 421, "4.4.2").await;
    assert!(c.finished().is_empty(), "nothing half-received is handed on");
}

#[tokio::test]
async fn a_whole_data_phase_is_bounded_in_time_even_at_a_good_rate() {
    let capped = SessionLimits { data_total_timeout: Duration::from_millis(400), ..limits() };
    let mut c = Conn::with(capped, None);
    into_data(&mut c).await;
    drip_until_cut_off(&mut c, Duration::from_secs(10)).await;
    let got = expect(&mut c, 421, "4.4.2").await;
    assert!(got.lines[0].contains("too long"), "{got:?}");
}

#[tokio::test]
async fn a_message_beyond_the_data_budget_gets_452_and_the_session_stays_in_step() {
    let max = SessionLimits { max_message_bytes: 1 << 20, ..limits() };
    let intake = Intake::new(1, PeerLimits::default(), 128 * 1024, 0, Duration::from_millis(50), uncounted());
    let budget = intake.data_budget.clone();
    let mut c = Conn::start(Fake { intake, ..Fake::new(max) });
    into_data(&mut c).await;
    let big = "0123456789".repeat(9).to_string() + "\r\n";
    c.send(big.repeat(3000).as_bytes()).await; // 276 kB: more than the budget
    c.send(b".\r\nNOOP\r\n").await;
    expect(&mut c, 452, "4.3.1").await;
    expect(&mut c, 250, "2.0.0").await;
    assert!(c.finished().is_empty(), "a message not kept whole is not handed on");
    assert_eq!(budget.available_bytes(), 128 * 1024, "the refused message gave its budget back");
    c.send(TX).await;
    c.send(b"Subject: small\r\n\r\nfits\r\n.\r\n").await;
    for code in [250, 250, 354, 250] {
        expect(&mut c, code, "").await;
    }
    assert_eq!(c.finished().len(), 1);
    // A declared size beyond what the budget has left is refused before any DATA.
    c.send(b"MAIL FROM:<a@sender.test> SIZE=200000\r\n").await;
    expect(&mut c, 452, "4.3.1").await;
}

#[tokio::test]
async fn a_declared_size_is_reserved_before_354_or_refused_before_the_data() {
    let max = SessionLimits { max_message_bytes: 1 << 20, ..limits() };
    // 1 MiB; a declared 100 kB message takes 400 kB while it is checked.
    let intake = Intake::new(1, PeerLimits::default(), 1 << 20, 0, Duration::from_millis(50), uncounted());
    let budget = intake.data_budget.clone();
    let mut c = Conn::start(Fake { intake, ..Fake::new(max) });
    expect(&mut c, 220, "").await;
    c.send(EHLO).await;
    c.send(b"MAIL FROM:<a@sender.test> SIZE=100000\r\nRCPT TO:<b@example.test>\r\nDATA\r\n").await;
    for code in [250, 250, 250, 354] {
        expect(&mut c, code, "").await;
    }
    let held = (1 << 20) - budget.available_bytes();
    assert!(held >= 400_000, "the declared size, four times, is held before the data: {held}");
    // About the size declared (a message far smaller would cost the address its
    // reservations for a while).
    let line = [b"x".repeat(98), b"\r\n".to_vec()].concat();
    let body = [&b"Subject: declared\r\n\r\n"[..], &line.repeat(600), b".\r\n"].concat();
    c.send(&body).await;
    expect(&mut c, 250, "").await;
    // Someone else holds all but about 36 KiB of the large share (640 KiB): room
    // enough for MAIL's check, which counts the other shares too, but not for DATA's.
    let mut other = budget.reservation();
    assert!(other.cover((896 << 10) - 300_000).await);
    c.send(b"MAIL FROM:<a@sender.test> SIZE=100000\r\nRCPT TO:<b@example.test>\r\nDATA\r\n").await;
    for code in [250, 250] {
        expect(&mut c, code, "").await;
    }
    expect(&mut c, 452, "4.3.1").await;
    c.send(b"DATA\r\n").await;
    expect(&mut c, 503, "5.5.1").await;
    assert_eq!(c.finished().len(), 1, "only the first message was handed on");
}

#[tokio::test]
async fn the_message_rate_of_an_address_gets_450() {
    let intake = Intake::new(
        1,
        PeerLimits { messages_per_minute: 1, ..PeerLimits::default() },
        1 << 20,
        0,
        Duration::ZERO,
        uncounted(),
    );
    let mut c = Conn::start(Fake { intake, ..Fake::new(limits()) });
    expect(&mut c, 220, "").await;
    c.send(EHLO).await;
    c.send(b"MAIL FROM:<a@sender.test>\r\nRSET\r\nMAIL FROM:<a@sender.test>\r\n").await;
    for (code, start) in [(250, ""), (250, "2.1.0"), (250, "2.0.0"), (450, "4.7.1")] {
        expect(&mut c, code, start).await;
    }
}

#[tokio::test]
async fn the_error_rate_of_an_address_closes_its_session() {
    let intake = Intake::new(
        1,
        PeerLimits { errors_per_minute: 2, ..PeerLimits::default() },
        1 << 20,
        0,
        Duration::ZERO,
        uncounted(),
    );
    let peers = intake.peers.clone();
    let mut c = Conn::start(Fake { intake, ..Fake::new(limits()) });
    expect(&mut c, 220, "").await;
    c.send(b"BOGUS\r\nBOGUS\r\nBOGUS\r\n").await;
    expect(&mut c, 500, "5.5.1").await;
    expect(&mut c, 500, "5.5.1").await;
    expect(&mut c, 500, "5.5.1").await;
    let got = expect(&mut c, 421, "4.7.0").await;
    assert!(got.lines[0].contains("Too many errors from your address"), "{got:?}");
    assert_eq!(c.reply().await, None);
    let ip = "192.0.2.7".parse().unwrap();
    assert!(peers.admit(ip, Instant::now()).is_err(), "new sessions from it are refused for the minute");
}

/// The transaction's temporary refusal of a recipient waits `tempfail_delay` (in
/// tokio's paused clock, which jumps ahead whenever every task waits); a permanent one
/// does not.
#[tokio::test(start_paused = true)]
async fn a_temporary_refusal_from_the_transaction_waits_its_delay() {
    let delay = Duration::from_secs(1);
    let mut c = Conn::with(SessionLimits { tempfail_delay: delay, ..limits() }, None);
    expect(&mut c, 220, "").await;
    c.send(EHLO).await;
    expect(&mut c, 250, "").await;
    c.send(b"MAIL FROM:<a@sender.test>\r\n").await;
    expect(&mut c, 250, "").await;
    let asked = tokio::time::Instant::now();
    c.send(b"RCPT TO:<b@later.test>\r\n").await;
    let got = expect(&mut c, 451, "4.3.0").await;
    assert!(got.lines[0].contains(fake::FAKE_TEMPFAIL), "{got:?}");
    assert!(asked.elapsed() >= delay, "the 451 came after {:?}", asked.elapsed());
    let asked = tokio::time::Instant::now();
    c.send(b"RCPT TO:<b@elsewhere.test>\r\n").await;
    expect(&mut c, 550, "5.7.1").await;
    assert!(asked.elapsed() < delay, "a permanent refusal waited {:?}", asked.elapsed());
}

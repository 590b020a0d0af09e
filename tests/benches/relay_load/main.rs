//! Issue 14's relay throughput benchmark, the load side of `bench/relay-vs-postfix.sh`:
//! a load generator and a counting sink in one process. For each row (message size or
//! real mail, and concurrency) and each peer, it sends N messages, one per SMTP
//! session, and times them from the first connection until every message the peer
//! accepted got its `250` from the sink; peers are measured in turn within each run,
//! the order reversed every other run and each figure after a pause and a `sync`
//! (untimed), and each figure is the median of the runs. Peers are relays that deliver to the sink,
//! or the sink itself (the ceiling: the machine's limit through this generator).
//!
//! `cargo bench -p mxr-tests --bench relay_load -- --sink 127.0.0.1:30025
//! --peer ceiling=sink --peer mxr=30027 --row 4096@20 --row real@20 --n 2000 --runs 3`
//!
//! Each peer first gets 100 messages untimed (a warm-up). It prints one line per row:
//! each peer's msg/s, the last peer's ratio to each other peer, and with three peers or
//! more the first peer's ratio to the second (with a ceiling and Postfix first: how much
//! faster the generator is than Postfix). A peer that refused messages or lost some is
//! reported on stderr. See README.md.

mod business;
mod load;
mod mail;

use mxr_tests::sink::Sink;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// One row: what is sent, and at what concurrency.
struct Row {
    label: String,
    messages: Arc<Vec<Vec<u8>>>,
    concurrency: usize,
}

/// Messages each peer gets, untimed, before the first run.
const WARM_UP: usize = 100;

struct Args {
    sink: SocketAddr,
    peers: Vec<(String, Option<SocketAddr>)>,
    rows: Vec<String>,
    n: usize,
    runs: usize,
}

fn parse() -> Args {
    let mut a = Args { sink: "127.0.0.1:30025".parse().unwrap(), peers: vec![], rows: vec![], n: 2000, runs: 3 };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let Some(value) = it.next().filter(|_| flag.starts_with("--")) else { continue };
        match flag.as_str() {
            "--sink" => a.sink = value.parse().expect("--sink HOST:PORT"),
            "--peer" => {
                let (name, port) = value.split_once('=').expect("--peer NAME=PORT or NAME=sink");
                let addr = (port != "sink").then(|| SocketAddr::new(a.sink.ip(), port.parse().expect("a port")));
                a.peers.push((name.to_owned(), addr));
            }
            "--row" => a.rows.push(value),
            "--n" => a.n = value.parse().expect("--n COUNT"),
            "--runs" => a.runs = value.parse().expect("--runs COUNT"),
            _ => {}
        }
    }
    assert!(!a.peers.is_empty() && !a.rows.is_empty(), "give at least one --peer and one --row");
    a
}

/// A row from `SIZE@CONCURRENCY` or `real@CONCURRENCY`.
fn row(spec: &str) -> Row {
    let (what, conc) = spec.split_once('@').expect("--row SIZE@CONCURRENCY or real@CONCURRENCY");
    let concurrency = conc.parse().expect("a concurrency");
    if what == "real" {
        let (messages, note) = mail::real();
        let avg = messages.iter().map(Vec::len).sum::<usize>() as f64 / messages.len() as f64 / 1024.0;
        println!("real mail: {} messages, {avg:.1} KB on average ({note})", messages.len());
        let label = format!("real {avg:.1}KB @{concurrency}");
        return Row { label, messages: Arc::new(messages), concurrency };
    }
    let size: usize = what.parse().expect("a size in bytes");
    Row {
        label: format!("{}KB @{concurrency}", size / 1024),
        messages: Arc::new(vec![mail::synthetic(size)]),
        concurrency,
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let args = parse();
    let rows: Vec<Row> = args.rows.iter().map(|s| row(s)).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let rates = runtime.block_on(measure(&args, &rows));
    print_table(&args, &rows, &rates);
}

/// Every figure, runs outermost (so that drift touches every peer alike), the order of
/// the peers reversed every other run:
/// `rates[row][peer][run]`.
async fn measure(args: &Args, rows: &[Row]) -> Vec<Vec<Vec<f64>>> {
    let sink = Sink::start(Some(args.sink)).await;
    sink.keep.store(false, Ordering::SeqCst);
    // Untimed: the first connections of a process (and a relay's first plugin calls)
    // are slower than the rest, and would count against whichever peer comes first.
    for (_, addr) in &args.peers {
        let first = &rows[0];
        load::figure(&sink, addr.unwrap_or(sink.addr), first.messages.clone(), WARM_UP, first.concurrency).await;
    }
    let mut rates = vec![vec![Vec::new(); args.peers.len()]; rows.len()];
    for run in 0..args.runs {
        for (r, row) in rows.iter().enumerate() {
            // A peer's file system work left over (removing its queue files after the
            // last 250, journal commits, and on a file system mounted with `discard`
            // the trims of the files it removed) must not be timed as the next peer's:
            // each figure starts after a pause for that work and a sync, untimed. The
            // order also turns round every other run, so that no peer always comes
            // after the same one.
            let order: Vec<usize> = match run % 2 {
                0 => (0..args.peers.len()).collect(),
                _ => (0..args.peers.len()).rev().collect(),
            };
            for p in order {
                let (name, addr) = &args.peers[p];
                let peer = addr.unwrap_or(sink.addr);
                settle_disks().await;
                let f = load::figure(&sink, peer, row.messages.clone(), args.n, row.concurrency).await;
                if f.refused > 0 || f.missing > 0 {
                    eprintln!(
                        "{name}, {}: {} refused, {} accepted and not delivered (quarantined, or lost: the relay's log says which)",
                        row.label, f.refused, f.missing
                    );
                }
                rates[r][p].push(f.rate);
            }
        }
    }
    rates
}

/// Waits for the last peer's removals to be made, then flushes every file system
/// (`sync`), so that a figure starts on a quiet disk.
async fn settle_disks() {
    tokio::time::sleep(SETTLE).await;
    let _ = tokio::task::spawn_blocking(rustix::fs::sync).await;
}

/// The pause before a figure for the previous peer's removals after its last 250.
const SETTLE: std::time::Duration = std::time::Duration::from_secs(1);

fn print_table(args: &Args, rows: &[Row], rates: &[Vec<Vec<f64>>]) {
    let names: Vec<&str> = args.peers.iter().map(|(n, _)| n.as_str()).collect();
    let last = names.len() - 1;
    let mut header = format!("{:<18}", "row");
    for n in &names {
        write_cell(&mut header, n);
    }
    for other in (0..last).rev() {
        write_cell(&mut header, &format!("{}/{}", names[last], names[other]));
    }
    if names.len() >= 3 {
        write_cell(&mut header, &format!("{}/{}", names[0], names[1]));
    }
    println!(
        "N={} per figure, median of {} runs, msg/s until every accepted message reached the sink:",
        args.n, args.runs
    );
    println!("{header}");
    for (row, peers) in rows.iter().zip(rates) {
        let m: Vec<f64> = peers.iter().map(|runs| median(runs.clone())).collect();
        let mut line = format!("{:<18}", row.label);
        for v in &m {
            write_cell(&mut line, &format!("{v:.0}"));
        }
        for other in (0..last).rev() {
            write_cell(&mut line, &format!("{:.2}x", m[last] / m[other]));
        }
        if m.len() >= 3 {
            write_cell(&mut line, &format!("{:.1}x", m[0] / m[1]));
        }
        println!("{line}");
    }
}

fn write_cell(line: &mut String, cell: &str) {
    line.push_str(&format!(" {cell:>14}"));
}

//! Tries every ambient capability WASI might offer and reports each attempt as a tag:
//! `<what>.denied` or `<what>.allowed`. The sandbox test expects only denials (and the
//! clock and random numbers, which are allowed).
use mxr_sdk::{Envelope, Filter, Message, Verdict};
struct WasiEscape;
fn tag(v: Verdict, what: &str, allowed: bool) -> Verdict {
    v.with_tag(&format!("{what}.{}", if allowed { "allowed" } else { "denied" }))
}
impl Filter for WasiEscape {
    fn on_data(_env: &Envelope, _msg: &Message) -> Verdict {
        let mut v = Verdict::next();
        v = tag(v, "fs-read", std::fs::read("/etc/passwd").is_ok() || std::fs::read("Cargo.toml").is_ok());
        v = tag(v, "fs-list", std::fs::read_dir("/").is_ok() || std::fs::read_dir(".").is_ok());
        v = tag(
            v,
            "fs-write",
            std::fs::write("escape.txt", b"x").is_ok() || std::fs::write("/tmp/escape.txt", b"x").is_ok(),
        );
        v = tag(v, "tcp", std::net::TcpStream::connect("127.0.0.1:25").is_ok());
        v = tag(v, "tcp-listen", std::net::TcpListener::bind("127.0.0.1:0").is_ok());
        v = tag(v, "udp", std::net::UdpSocket::bind("127.0.0.1:0").is_ok());
        v = tag(v, "dns", std::net::ToSocketAddrs::to_socket_addrs("example.com:25").is_ok());
        v = tag(v, "env", std::env::vars().next().is_some());
        v = tag(v, "args", std::env::args().next().is_some());
        v = tag(v, "cwd", std::env::current_dir().is_ok_and(|d| d.as_os_str().len() > 1));
        v = tag(v, "clock", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).is_ok());
        let mut buf = [0u8; 16];
        v = tag(
            v,
            "random",
            std::collections::hash_map::RandomState::new().hash_one(1u8) != 0 || buf.iter_mut().all(|b| *b == 0),
        );
        v
    }
}
use std::hash::BuildHasher;
mxr_sdk::export_filter!(WasiEscape, purpose = "spam-filtering", categories = [], stages = [Data]);

//! A real DNS server on loopback for the tests: hickory-server, in-process on a thread
//! of its own, answering over UDP and TCP on one port from zones written as zone-file
//! text. It is authoritative for the whole `.test` top-level domain: a `.test` name
//! outside the given zones does not exist (NXDOMAIN), as on the Internet. Names outside
//! `.test` (`slow.example`) are refused, which resolvers take as a temporary failure:
//! the way to test `temperror`.

use hickory_server::Server;
use hickory_server::proto::rr::{LowerName, Name};
use hickory_server::proto::serialize::txt::Parser;
use hickory_server::store::in_memory::InMemoryZoneHandler;
use hickory_server::zone_handler::{AxfrPolicy, Catalog, ZoneType};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A running DNS server. It lives until the test process ends.
pub struct TestDns {
    /// Where it answers, UDP and TCP.
    pub addr: SocketAddr,
}

impl TestDns {
    /// Serves `zones`, each `(origin, records)`: records in zone-file syntax relative
    /// to the origin (`@ TXT "v=spf1 -all"`); an SOA is added.
    pub fn start(zones: &[(&str, &str)]) -> TestDns {
        let mut catalog = Catalog::new();
        for (origin, records) in [("test", "")].iter().chain(zones) {
            let name = Name::from_ascii(format!("{}.", origin.trim_end_matches('.'))).expect("a zone name");
            let text = format!("$TTL 60\n@ IN SOA ns.{origin}. hostmaster.{origin}. 1 60 60 60 60\n{records}\n");
            let (name, records) =
                Parser::new(text, None, Some(name)).parse().unwrap_or_else(|e| panic!("zone {origin}: {e}"));
            let zone = InMemoryZoneHandler::<hickory_server::net::runtime::TokioRuntimeProvider>::new(
                name.clone(),
                records,
                ZoneType::Primary,
                AxfrPolicy::Deny,
            )
            .unwrap_or_else(|e| panic!("zone {origin}: {e}"));
            catalog.upsert(LowerName::new(&name), vec![Arc::new(zone)]);
        }
        let (ready, addr) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let (udp, tcp) = bind_pair().await;
                ready.send(udp.local_addr().unwrap()).unwrap();
                let mut server = Server::new(catalog);
                server.register_socket(udp);
                server.register_listener(tcp, Duration::from_secs(5), 65_535);
                let _ = server.block_until_done().await;
            });
        });
        TestDns { addr: addr.recv().expect("the DNS server started") }
    }

    /// One server with no zones but `.test`, shared by the tests of a process: every
    /// `.test` name does not exist, and every other lookup is refused, at once.
    pub fn empty() -> &'static TestDns {
        static EMPTY: OnceLock<TestDns> = OnceLock::new();
        EMPTY.get_or_init(|| TestDns::start(&[]))
    }
}

/// A UDP socket and a TCP listener on the same free loopback port.
async fn bind_pair() -> (tokio::net::UdpSocket, tokio::net::TcpListener) {
    loop {
        let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
        if let Ok(tcp) = tokio::net::TcpListener::bind(udp.local_addr().unwrap()).await {
            return (udp, tcp);
        }
    }
}

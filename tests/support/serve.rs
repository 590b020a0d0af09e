//! The one way tests run the real binary as a server: `mxr serve [--config FILE]
//! --data-dir DIR --listen 127.0.0.1:0 --api-listen 127.0.0.1:0`, the address read from the line it prints, its log in
//! `DIR/serve.log`. The binary's path comes from the test (`env!("CARGO_BIN_EXE_mxr")`,
//! which only the mxr crate's tests have). A server still running when its handle
//! drops is killed, so a failing test leaves no process behind.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};

/// A running `mxr serve`.
pub struct Served {
    /// Where it listens.
    pub addr: SocketAddr,
    child: Child,
}

impl Served {
    /// Starts `bin serve` on `data_dir` (the ready default) and waits until it listens.
    pub fn start(bin: &str, data_dir: &Path) -> Served {
        Served::launch(bin, data_dir, &[])
    }

    /// Like [`Served::start`], with the config file `config` (its data dir replaced by
    /// `data_dir`).
    pub fn start_configured(bin: &str, data_dir: &Path, config: &Path) -> Served {
        Served::launch(bin, data_dir, &["--config", config.to_str().unwrap()])
    }

    fn launch(bin: &str, data_dir: &Path, args: &[&str]) -> Served {
        std::fs::create_dir_all(data_dir).unwrap();
        let log = std::fs::OpenOptions::new().create(true).append(true).open(data_dir.join("serve.log")).unwrap();
        let mut child = Command::new(bin)
            .arg("serve")
            .args(args)
            .args(["--data-dir", data_dir.to_str().unwrap(), "--listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{bin}: {e}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let Some(addr) = line.split_whitespace().nth(3).and_then(|a| a.parse().ok()) else {
            let _ = child.kill();
            let status = child.wait();
            let log = std::fs::read_to_string(data_dir.join("serve.log")).unwrap_or_default();
            panic!("no address in {line:?} ({status:?}); its log:\n{log}");
        };
        Served { addr, child }
    }

    /// Its process id (to read `/proc/<pid>/status`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the process has not exited.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL, and the exit reaped.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM; returns how it exited.
    pub fn terminate(&mut self) -> ExitStatus {
        Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        self.child.wait().unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

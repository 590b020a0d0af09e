//! Builds every plugin component the tests run, for wasm32-wasip2, into one shared
//! target directory (`target/test-components`), the way Spin builds its test
//! components: the example plugins from the main workspace, and the misbehaving
//! test-only plugins from `tests/plugins`. Tests find them through
//! `MXR_COMPONENTS_DIR`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The purposes of `host/policy/default-policy.toml`; the privacy test checks that
/// this list and the policy agree.
const SPY_PURPOSES: [&str; 5] = ["delivery", "spam-filtering", "malware-scanning", "statistics", "conversion-tracking"];

const EXAMPLES: [&str; 4] = ["spam-score", "attachment-guard", "sender-policy", "delivery-stats"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_owned();
    let target_dir = root.join("target").join("test-components");
    for watched in ["wit", "sdk", "plugins", "tests/plugins"] {
        rerun_if_changed(&root.join(watched));
    }
    let mut examples = cargo(&target_dir);
    examples.arg("--manifest-path").arg(root.join("Cargo.toml"));
    for p in EXAMPLES {
        examples.args(["-p", p]);
    }
    run(examples, "the example plugins");
    let mut misbehaving = cargo(&target_dir);
    misbehaving.arg("--manifest-path").arg(root.join("tests/plugins/Cargo.toml")).arg("--workspace");
    run(misbehaving, "the test-only plugins");
    let out = target_dir.join("wasm32-wasip2").join("release");
    // The spy once per purpose of the default policy, its purpose fixed at build time.
    for purpose in SPY_PURPOSES {
        let mut spy = cargo(&target_dir);
        spy.arg("--manifest-path").arg(root.join("tests/plugins/Cargo.toml")).args(["-p", "spy"]);
        spy.env("SPY_PURPOSE", purpose);
        run(spy, &format!("the spy for {purpose}"));
        std::fs::copy(out.join("spy.wasm"), out.join(format!("spy_{}.wasm", purpose.replace('-', "_")))).unwrap();
    }
    println!("cargo:rustc-env=MXR_COMPONENTS_DIR={}", out.display());
}

fn cargo(target_dir: &Path) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--release", "--target", "wasm32-wasip2", "--quiet"]).arg("--target-dir").arg(target_dir);
    // The outer build's flags are for the host target; none of them apply here.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(mut cmd: Command, what: &str) {
    let status = cmd.status().unwrap_or_else(|e| panic!("cannot run cargo to build {what}: {e}"));
    if !status.success() {
        panic!("building {what} for wasm32-wasip2 failed (is the target installed? `rustup target add wasm32-wasip2`)");
    }
}

fn rerun_if_changed(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        if name == "target" {
            continue;
        }
        if p.is_dir() {
            rerun_if_changed(&p);
        } else {
            println!("cargo:rerun-if-changed={}", p.display());
        }
    }
}

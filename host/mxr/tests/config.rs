//! Config validation: every invalid fixture gives its expected error text (naming the
//! key), the ready default is valid, and `mxr check-config` and `mxr serve` behave as an
//! operator expects (one relay per data dir).

use mxr_config::{Config, READY_DEFAULT_TOML, validate};
use mxr_tests::fixtures;
use mxr_tests::serve::Served;
use mxr_tests::smtp_client::Client;
use std::path::Path;
use std::process::Command;

#[test]
fn invalid_configs_name_the_key() {
    let dir = fixtures::ours("config");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 20, "config fixtures missing: {}", cases.len());
    for toml in cases {
        let want = std::fs::read_to_string(toml.with_extension("error"))
            .unwrap_or_else(|_| panic!("{} has no .error file", toml.display()));
        let text = std::fs::read_to_string(&toml).unwrap();
        match validate(&text, Path::new("/tmp")) {
            Ok(_) => panic!("{} was accepted", toml.display()),
            Err(e) => assert!(
                e.to_string().contains(want.trim()),
                "{}:\n  got:  {e}\n  want: {}",
                toml.display(),
                want.trim()
            ),
        }
    }
}

#[test]
fn the_ready_default_is_valid_and_complete() {
    let (config, warnings) = validate(READY_DEFAULT_TOML, Path::new("/srv")).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let set = mxr_config::TenantSet::new(0, config.tenants.clone());
    let tenant = set.for_domain("EXAMPLE.test.").expect("example.test is served");
    assert_eq!(tenant.plugins, ["sender-policy", "attachment-guard", "spam-score", "delivery-stats"]);
    assert_eq!(tenant.plugins.len(), tenant.authorise.len(), "every plugin has an authorised purpose");
    let rebased = Config::ready_default(Some(Path::new("/data")), Some("127.0.0.1:2600".parse().unwrap()));
    assert_eq!(rebased.plugins.dir, Path::new("/data/plugins"));
    assert_eq!(rebased.listen, ["127.0.0.1:2600".parse().unwrap()]);
}

#[test]
fn check_config_reports_errors_and_warnings() {
    let mxr = env!("CARGO_BIN_EXE_mxr");
    let bad = fixtures::ours("config/domain-twice.toml");
    let out = Command::new(mxr).args(["check-config", bad.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("tenant[1].domains[0]"));

    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("mxr.toml");
    std::fs::write(&good, READY_DEFAULT_TOML).unwrap();
    let out = Command::new(mxr).args(["check-config", good.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    // No plugins in the folder yet: each plugin of the chain is warned about.
    assert_eq!(stdout.matches("no loaded plugin is named").count(), 4, "{stdout}");
    assert!(stdout.contains("ok (1 tenants, 0 plugins loaded, 4 warnings)"), "{stdout}");
}

#[tokio::test]
async fn serve_runs_the_ready_default_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut served = Served::start(env!("CARGO_BIN_EXE_mxr"), dir.path());
    let (mut conn, greeting) = Client::connect(served.addr).await;
    greeting.assert_code(220, "mxr.localhost ESMTP");
    conn.cmd("QUIT").await.assert_code(221, "2.0.0");
    assert!(
        dir.path().join("tls/cert.pem").is_file() && dir.path().join("plugins").is_dir(),
        "the ready default set up its data dir"
    );
    let status = served.terminate();
    assert!(status.success(), "exit after SIGTERM: {status:?}");
}

#[test]
fn a_second_serve_on_the_same_data_dir_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let mxr = env!("CARGO_BIN_EXE_mxr");
    let mut first = Served::start(mxr, dir.path());
    let pid_file = dir.path().join("mxr.pid");
    assert_eq!(std::fs::read_to_string(&pid_file).unwrap().trim(), first.pid().to_string());
    let second = Command::new(mxr)
        .args(["serve", "--data-dir", dir.path().to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .args(["--api-listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&second.stderr);
    assert!(!second.status.success(), "the second relay exits: {said}");
    assert!(said.contains(&format!("is in use by another mxr serve (process {})", first.pid())), "{said}");
    assert!(first.running(), "the first relay serves on");
    assert_eq!(std::fs::read_to_string(&pid_file).unwrap().trim(), first.pid().to_string(), "its number stays");
    first.kill(); // SIGKILL: the lock goes with the process, the stale number stays
    let mut again = Served::start(mxr, dir.path());
    assert_eq!(std::fs::read_to_string(&pid_file).unwrap().trim(), again.pid().to_string());
    assert!(again.terminate().success());
    assert!(!pid_file.exists(), "removed at a clean stop");
}

#[test]
fn a_non_eu_next_hop_needs_recorded_consent() {
    let hop = |region: &str, consent: &str| {
        format!(
            "version = 1\n[[tenant]]\nid = \"t1\"\ndomains = [\"a.test\"]\n{consent}[tenant.next_hop]\nkind = \"smtp\"\nhost = \"mx.a.test\"\nregion = \"{region}\"\n"
        )
    };
    assert!(validate(&hop("de", ""), Path::new("/tmp")).is_ok(), "inside the EU");
    assert!(validate(&hop("us", ""), Path::new("/tmp")).is_err(), "outside, no consent");
    assert!(validate(&hop("us", "transfer_consent = \"DPA addendum 2026-03, art. 3.1\"\n"), Path::new("/tmp")).is_ok());
    assert!(
        validate(&hop("ch", "transfer_consent = \"  \"\n"), Path::new("/tmp")).is_err(),
        "an empty record is no consent"
    );
}

/// A config of one or two Maildir tenants without plugins, for the reload test.
fn tenants_config(second: Option<&str>) -> String {
    let mut text = "version = 1\n".to_owned();
    for (id, domain) in [("acme", "acme.test")].into_iter().chain(second.map(|d| ("beta", d))) {
        text += &format!("[[tenant]]\nid = {id:?}\ndomains = [{domain:?}]\n[tenant.next_hop]\nkind = \"maildir\"\n");
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_refuses_a_bad_file_by_key_and_puts_a_good_one_in_force_live() {
    let mxr = env!("CARGO_BIN_EXE_mxr");
    let dir = tempfile::tempdir().unwrap();
    let (file, data) = (dir.path().join("mxr.toml"), dir.path().join("data"));
    std::fs::write(&file, tenants_config(None)).unwrap();
    let mut served = Served::start_configured(mxr, &data, &file);
    let reload = || {
        let args = ["reload", "--config", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()];
        let out = Command::new(mxr).args(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
        )
    };
    let rcpt_beta = || async {
        let (mut c, _) = Client::connect(served.addr).await;
        c.ehlo("client.test").await;
        c.mail("a@sender.test").await;
        c.rcpt("b@beta.test").await.code
    };
    std::fs::write(&file, tenants_config(Some("acme.test"))).unwrap();
    let (ok, out) = reload();
    assert!(!ok && out.contains("tenant[1].domains[0]") && out.contains("already belongs to tenant acme"), "{out}");
    assert_eq!(rcpt_beta().await, 550, "the running state stayed");
    std::fs::write(&file, tenants_config(Some("beta.test"))).unwrap();
    let (ok, out) = reload();
    assert!(ok && out.contains("asked to reload"), "{out}");
    let accepted = || async { (rcpt_beta().await == 250).then_some(()) };
    mxr_tests::wait::wait_for(mxr_tests::LIVENESS, "beta's RCPT to be taken after the reload", accepted).await;
    assert!(served.terminate().success());
}

//! `mxr plugin check` and `mxr plugin run`, as a plugin author runs them.

use mxr_tests::{component, fixtures};
use std::process::{Command, Output};

fn mxr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxr")).args(args).output().expect("run mxr")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn check_prints_the_data_label() {
    let spam = component("spam-score");
    let out = mxr(&["plugin", "check", spam.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for line in [
        "plugin   spam-score 0.1.0",
        "purpose  spam-filtering",
        "stages   data",
        "content              full",
        "email-address        pseudonym",
        "attachment-content   withheld  (not asked for)",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in\n{stdout}");
    }
}

#[test]
fn check_json_is_machine_readable() {
    let out = mxr(&["plugin", "check", component("attachment-guard").to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["purpose"], "malware-scanning");
    let grant = v["grant"].as_array().unwrap();
    assert!(grant.contains(&serde_json::json!(["attachment-content", "full"])));
    assert!(grant.contains(&serde_json::json!(["email-address", "withheld"])));
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn check_prints_the_grant_table_a_tenant_gives() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("mxr.toml");
    std::fs::write(
        &config,
        "version = 1\n[server]\nhostname = \"mx.test\"\n\
         [[tenant]]\nid = \"acme\"\ndomains = [\"acme.test\"]\nplugins = [\"spam-score\"]\n\
         [tenant.authorise]\nspam-score = \"spam-filtering\"\n\
         [tenant.tighten.spam-score]\ncontent = \"redacted\"\nemail-address = \"full\"\n\
         [tenant.next_hop]\nkind = \"maildir\"\n\
         [[tenant]]\nid = \"other\"\ndomains = [\"other.test\"]\nplugins = [\"spam-score\"]\n\
         [tenant.authorise]\nspam-score = \"statistics\"\n[tenant.next_hop]\nkind = \"maildir\"\n",
    )
    .unwrap();
    let spam = component("spam-score");
    let check = |tenant: &str| {
        let out =
            mxr(&["plugin", "check", spam.to_str().unwrap(), "--config", config.to_str().unwrap(), "--tenant", tenant]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let acme = check("acme");
    for line in [
        "tenant acme: authorised for spam-filtering; it runs",
        "content              full       redacted  (tightened)",
        // A tenant cannot widen: the policy's pseudonym stays.
        "email-address        pseudonym  pseudonym",
    ] {
        assert!(acme.contains(line), "missing {line:?} in\n{acme}");
    }
    let other = check("other");
    assert!(other.contains("tenant other: authorised for statistics, not spam-filtering: it does NOT run"), "{other}");
    let out =
        mxr(&["plugin", "check", spam.to_str().unwrap(), "--config", config.to_str().unwrap(), "--tenant", "nobody"]);
    assert!(!out.status.success() && text(&out.stderr).contains("no tenant \"nobody\""), "{}", text(&out.stderr));
}

#[test]
fn check_refuses_bad_files_with_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"not wasm at all").unwrap();
    let missing = dir.path().join("missing.wasm");
    let future = component("wrong-version");
    let cases = [
        (garbage.clone(), "not a valid wasm component"),
        (missing.clone(), "cannot read"),
        (future.clone(), "built against mxr:filter@2.0.0"),
    ];
    for (file, why) in &cases {
        let out = mxr(&["plugin", "check", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{}", file.display());
        let stderr = text(&out.stderr);
        assert!(stderr.contains(&*file.to_string_lossy()) && stderr.contains(why), "{stderr}");
    }
}

#[test]
fn check_refuses_a_bad_policy_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "version = 1\n[purposes.spam-filtering.forms]\ncontent = \"domain\"\n").unwrap();
    let out =
        mxr(&["plugin", "check", component("spam-score").to_str().unwrap(), "--policy", policy.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("purposes.spam-filtering.forms.content"), "{}", text(&out.stderr));
}

#[test]
fn run_shows_verdicts_and_the_view_the_purpose_receives() {
    let eml = fixtures::ours("plugins/exe-attachment.eml");
    let out = mxr(&[
        "plugin",
        "run",
        component("attachment-guard").to_str().unwrap(),
        "--eml",
        eml.to_str().unwrap(),
        "--json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stages: Vec<&str> = v["stages"].as_array().unwrap().iter().map(|s| s["stage"].as_str().unwrap()).collect();
    assert_eq!(stages, ["connect", "mail-from", "rcpt", "data"]);
    let data = &v["stages"][3];
    assert_eq!(data["outcome"]["action"]["action"], "reject");
    assert_eq!(data["outcome"]["action"]["detail"]["code"], 554);
    // Refused by its name before the bytes were read: only the metadata was disclosed.
    assert_eq!(data["disclosed"], serde_json::json!(["attachment-meta"]));
    // malware-scanning sees no addresses at all.
    assert_eq!(v["view"]["mail_from"]["form"], "withheld");
    assert_eq!(v["view"]["from"][0][1]["form"], "withheld");
    assert!(v["view"]["attachments"][0].as_str().unwrap().starts_with("setup.exe (application/octet-stream"));
}

#[test]
fn run_human_output_with_plugin_config_and_envelope() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("sender-policy.conf");
    std::fs::write(&config, "block = sender.test\n").unwrap();
    let eml = fixtures::ours("plugins/clean.eml");
    let out = mxr(&[
        "plugin",
        "run",
        component("sender-policy").to_str().unwrap(),
        "--eml",
        eml.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
        "--mail-from",
        "someone@sender.test",
        "--rcpt",
        "a@example.test",
        "--rcpt",
        "b@example.test",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains(r#"mail-from  {"action":{"action":"reject""#), "{stdout}");
    assert!(stdout.contains("the view this plugin's purpose receives"));
    assert!(stdout.contains("mail-from   pseudonym p.") && stdout.contains("@sender.test"), "{stdout}");
    assert!(!stdout.contains("someone@"), "the local part never shows: {stdout}");
    assert_eq!(stdout.matches("  rcpt        pseudonym").count(), 2, "{stdout}");
}

#[test]
fn run_reports_a_failing_plugin_and_exits_2() {
    let out = mxr(&[
        "plugin",
        "run",
        component("panics").to_str().unwrap(),
        "--eml",
        fixtures::ours("plugins/clean.eml").to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["stages"][3]["outcome"]["failure"], "trap");
}

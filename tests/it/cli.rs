//! The command line as an admin meets it: `check`, `try`, exit codes, verbatim diagnostics.

use super::support::{repo, Env};

/// A day whose year the shipped calendar covers, far from the next: `check`'s output does not
/// depend on the day the tests run (see sla::check_names_a_year_whose_holidays_are_missing).
const MARCH: &str = "2026-03-02T02:00:00Z";

#[test]
fn shipped_configuration_rules_and_templates_pass_check() {
    let env = Env::new();
    // On a day the shipped calendar covers (from November it warns about the next year).
    let out = env.suratd_with_env(&[("SURATD_CLOCK_START", MARCH)], &["check"]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.starts_with("ok: "), "{}", out.stdout);
    // And the very file in the repository, as the README runs it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_suratd"))
        .args(["check"])
        .current_dir(repo())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn check_without_config_exits_2() {
    let env = Env::new();
    std::fs::remove_file(env.config()).expect("rm");
    let out = env.suratd(&["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no such file"), "{}", out.stderr);
}

#[test]
fn check_reports_every_template_problem_verbatim() {
    let env = Env::new();
    let tpl = env.path().join("templates");
    std::fs::create_dir_all(&tpl).expect("mkdir");
    for e in std::fs::read_dir(repo().join("templates"))
        .expect("dir")
        .flatten()
    {
        std::fs::copy(e.path(), tpl.join(e.file_name())).expect("copy");
    }
    std::fs::write(
        tpl.join("ack.id.hbs"),
        "Subject: Tanda terima {{tiket}}\n\nHalo {{requester.name}}\n",
    )
    .expect("w");
    std::fs::write(
        tpl.join("selesai.id.hbs"),
        "Subject: x\n\n{{#if complete}}\nbelum ditutup\n",
    )
    .expect("w");
    std::fs::write(tpl.join("catatan.hbs"), "Subject: x\n\ny\n").expect("w");
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    let cfg = cfg.replace(
        &format!("templates = {:?}", repo().join("templates")),
        "templates = \"templates\"",
    );
    std::fs::write(env.config(), cfg).expect("w");
    let out = env.suratd_with_env(&[("SURATD_CLOCK_START", MARCH)], &["check"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let vars = suratd::outbound::context::EmailContext::VARIABLES;
    let expected = format!(
        "templates/ack.id.hbs:1:23: error: unknown variable \"tiket\" (hint: variables: {vars})\n\
         1 | Subject: Tanda terima {{{{tiket}}}}\n  |                       ^\n\
         templates/catatan.hbs: error: template file name has no language (hint: name it catatan.id.hbs or catatan.en.hbs)\n\
         templates/selesai.id.hbs:5:1: error: template syntax: invalid handlebars syntax (hint: every {{{{#if}}}} or {{{{#each}}}} needs its {{{{/if}}}} or {{{{/each}}}}; variables are written {{{{name}}}})\n\
         3 error(s), 0 warning(s)\n"
    );
    // Rule files name the broken templates: they may add their own lines; ours come first.
    let got: String = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with(&format!("{}", repo().join("rules").display())))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(got, expected, "got:\n{}", out.stdout);
}

#[test]
fn check_reports_config_problems_with_position() {
    let env = Env::new();
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    std::fs::write(
        env.config(),
        cfg.replace(
            "address = \"helpdesk@kampus.ac.id\"",
            "address = \"helpdesk\"",
        )
        .replace("kind = \"maildir\"", "kind = \"pop3\""),
    )
    .expect("w");
    let out = env.suratd(&["check"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "daemon.toml:26:11: error: helpdesk address \"helpdesk\" is not an email address (hint: write address = \"helpdesk@kampus.ac.id\")\n\
         26 | address = \"helpdesk\"\n   |           ^\n\
         daemon.toml:46:8: error: unknown source kind \"pop3\" (hint: kinds: maildir, imap)\n\
         46 | kind = \"pop3\"\n   |        ^\n\
         2 error(s), 0 warning(s)\n"
    );
}

#[test]
fn try_json_has_the_documented_schema_and_writes_nothing() {
    let env = Env::new();
    let sample = super::support::emls(&repo().join("samples/inbox/new"))
        .into_iter()
        .next()
        .expect("a sample letter");
    let out = env.suratd(&["try", "--json", sample.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    for key in [
        "kind", "rule", "fields", "missing", "scores", "outbound", "reason", "sources", "invalid",
        "state", "message",
    ] {
        assert!(v.get(key).is_some(), "no {key} in {v}");
    }
    assert!(
        ["new_request", "reply", "approval", "automatic", "unmatched"]
            .contains(&v["kind"].as_str().unwrap_or(""))
    );
    assert!(!env.path().join("var").exists(), "try wrote something");
    // The human form names the kind and the scores.
    let out = env.suratd(&["try", sample.to_str().expect("path")]);
    assert!(
        out.stdout.contains("kind:") && out.stdout.contains("scores:"),
        "{}",
        out.stdout
    );
}

#[test]
fn the_config_examples_in_the_docs_are_valid() {
    let doc = std::fs::read_to_string(repo().join("docs/config.md")).expect("docs/config.md");
    let examples: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .collect();
    assert!(examples.len() >= 3, "only {} examples", examples.len());
    let env = Env::new();
    let shipped = std::fs::read_to_string(env.config()).expect("cfg");
    let head = shipped.split("\n[[source]]").next().expect("head");
    for example in examples {
        // Secrets come from the environment or a file on a real machine; here, inline.
        let example: String = example
            .lines()
            .map(|l| {
                if l.starts_with("password-env") || l.starts_with("password-file") {
                    "password = \"x\"".to_string()
                } else if l.starts_with("ca-file") {
                    String::new()
                } else {
                    l.to_string()
                }
            })
            .map(|l| l + "\n")
            .collect();
        let cfg = format!("{head}\n{example}");
        std::fs::write(env.config(), &cfg).expect("write");
        let out = env.suratd(&["check"]);
        assert_eq!(
            out.code, 0,
            "example does not pass check:\n{cfg}\n{}",
            out.stdout
        );
    }
}

#[test]
fn check_warns_when_a_rule_needs_a_role_nobody_holds() {
    let env = Env::new();
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    let without_kabag = cfg.replace("roles = [\"kabag\"]", "roles = [\"kabag-lama\"]");
    assert_ne!(cfg, without_kabag, "the shipped daemon.toml has a kabag");
    std::fs::write(env.config(), without_kabag).expect("w");
    let out = env.suratd_with_env(&[("SURATD_CLOCK_START", MARCH)], &["check"]);
    assert_eq!(
        out.code, 0,
        "warnings do not fail the check:\n{}",
        out.stdout
    );
    let rules = repo().join("rules");
    assert_eq!(
        out.stdout,
        format!(
            "{r}/cbt.toml: warning: role \"kabag\" is held by nobody: tickets of this SOP will wait at that step (hint: add a [[person]] with roles = [\"kabag\"] to daemon.toml)\n\
             {r}/pengaduan-tik.toml: warning: role \"kabag\" is held by nobody: tickets of this SOP will wait at that step (hint: add a [[person]] with roles = [\"kabag\"] to daemon.toml)\n\
             ok: daemon.toml, 9 rule file(s), 18 template(s), 1 source(s), 2 warning(s)\n",
            r = rules.display()
        )
    );
}

/// The daemon starts itself again with its allocators' settings (mimalloc's commit and purge,
/// one glibc malloc arena; src/main.rs), in place: same pid. An admin's own value of one of
/// them is kept, and the others are set beside it.
#[test]
fn the_daemon_runs_with_its_allocator_settings_in_its_own_process() {
    let env = Env::new();
    let environ_of = |d: &super::support::Daemon, log: &std::path::Path| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while !std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains("suratd started")
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the daemon did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(20)); // polling, not synchronising
        }
        let raw = std::fs::read(format!("/proc/{}/environ", d.0.id())).expect("environ");
        String::from_utf8_lossy(&raw)
            .split('\0')
            .filter(|v| v.starts_with("MALLOC_ARENA_MAX=") || v.starts_with("MIMALLOC_"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let log = env.path().join("a.log");
    let d = env.daemon(None, &log);
    let mut set = environ_of(&d, &log);
    set.sort();
    assert_eq!(
        set,
        [
            "MALLOC_ARENA_MAX=1",
            "MIMALLOC_ARENA_EAGER_COMMIT=0",
            "MIMALLOC_PURGE_DELAY=0"
        ]
    );
    drop(d);

    let log = env.path().join("b.log");
    let d = env.daemon_with_env(&[("MALLOC_ARENA_MAX", "4")], &log);
    let mut set = environ_of(&d, &log);
    set.sort();
    assert_eq!(
        set,
        [
            "MALLOC_ARENA_MAX=4",
            "MIMALLOC_ARENA_EAGER_COMMIT=0",
            "MIMALLOC_PURGE_DELAY=0"
        ]
    );
}

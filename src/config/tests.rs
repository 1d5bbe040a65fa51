//! daemon.toml as admins write it, and every mistake reported with its position.

use super::*;

fn check(src: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
    let file = dir.path().join("daemon.toml");
    match from_str(&file, src) {
        Ok(_) => vec![],
        Err(ds) => ds
            .iter()
            .map(|d| {
                d.headline()
                    .replace(&dir.path().display().to_string(), "DIR")
            })
            .collect(),
    }
}

const GOOD: &str = r#"
[daemon]
database = "var/suratd.db"
rules = "rules"
templates = "templates"

[helpdesk]
address = "helpdesk@kampus.ac.id"
name = "Helpdesk TIK"

[[source]]
name = "inbox"
kind = "maildir"
path = "mail"

[outbox]
transport = "file"
dir = "var/outbox"
"#;

#[test]
fn security_section_is_checked() {
    let short = format!("{GOOD}\n[security]\ntoken-secret = \"short\"\n");
    let errs = check(&short);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(
        errs[0].contains(":20:1:") && errs[0].contains("token secret"),
        "{errs:?}"
    );
    let none = format!("{GOOD}\n[security]\ntoken-days = 3\n");
    assert!(check(&none)[0].contains("needs a token secret"));
    let good = format!(
        "{GOOD}\n[security]\ntoken-secret = \"0123456789abcdef0123\"\ntoken-days = 2\n\
         trusted-authserv-ids = [\"mx.kampus.ac.id\"]\n\n[[person]]\nname = \"K\"\n\
         email = \"K@kampus.ac.id\"\naliases = [\"Kepala@Kampus.ac.id\"]\nroles = [\"pimpinan\"]\n"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("rules")).expect("mkdir");
    std::fs::create_dir_all(dir.path().join("templates")).expect("mkdir");
    let cfg = from_str(&dir.path().join("daemon.toml"), &good).expect("loads");
    assert!(cfg.security.token_secret.is_some());
    assert_eq!(cfg.security.token_days, 2);
    assert!(cfg.security.sender.require_authenticated_sender);
    assert!(cfg
        .security
        .sender
        .is_approver("kepala@kampus.ac.id", "k@kampus.ac.id"));
    assert_eq!(
        cfg.person("KEPALA@kampus.ac.id").map(|p| p.name.as_str()),
        Some("K")
    );
    assert_eq!(cfg.people_with_role("pimpinan").count(), 1);
}

#[test]
fn good_config_loads() {
    assert_eq!(check(GOOD), Vec::<String>::new());
}

#[test]
fn unknown_key_is_reported_with_position() {
    let src = GOOD.replace(
        "name = \"Helpdesk TIK\"",
        "name = \"Helpdesk TIK\"\nadres = \"x\"",
    );
    assert_eq!(
        check(&src),
        vec!["DIR/daemon.toml:10:1: error: unknown field `adres`, expected one of `address`, `name`, `admin` (hint: see the comments in the shipped daemon.toml)"]
    );
}

#[test]
fn semantic_errors_are_all_collected() {
    let src = GOOD
        .replace("helpdesk@kampus.ac.id", "helpdesk")
        .replace("kind = \"maildir\"", "kind = \"pop3\"")
        .replace("rules = \"rules\"", "rules = \"aturan\"");
    assert_eq!(
        check(&src),
        vec![
            "DIR/daemon.toml:4:9: error: rules directory \"DIR/aturan\" does not exist (hint: paths are relative to the directory of daemon.toml)",
            "DIR/daemon.toml:8:11: error: helpdesk address \"helpdesk\" is not an email address (hint: write address = \"helpdesk@kampus.ac.id\")",
            "DIR/daemon.toml:13:8: error: unknown source kind \"pop3\" (hint: kinds: maildir, imap)",
        ]
    );
}

const IMAP_SMTP: &str = r#"
[[source]]
name = "helpdesk"
kind = "imap"
host = "outlook.office365.com"
username = "helpdesk@kampus.ac.id"
password-env = "SURATD_TEST_UNSET_VARIABLE"
after-store = "move"

[outbox]
transport = "smtp"
host = "smtp.kampus.ac.id"
tls = "none"
username = "helpdesk@kampus.ac.id"
"#;

fn with_servers(extra: &str) -> String {
    let base = GOOD
        .split("[[source]]")
        .next()
        .unwrap_or_default()
        .to_string();
    base + extra
}

#[test]
fn imap_and_smtp_problems_are_all_reported() {
    assert_eq!(
        check(&with_servers(IMAP_SMTP)),
        vec![
            "DIR/daemon.toml:17:16: error: environment variable SURATD_TEST_UNSET_VARIABLE is not set (hint: set it in the service's environment, or use password-file)",
            "DIR/daemon.toml:18:15: error: after-store = \"move\" needs move-to (hint: move-to = \"Processed\")",
            "DIR/daemon.toml:23:7: error: tls = \"none\" would send the password in clear to smtp.kampus.ac.id (hint: use \"implicit\" or \"starttls\"; \"none\" is only for a server on 127.0.0.1)",
        ]
    );
}

#[test]
fn imap_and_smtp_defaults() {
    let dir = tempfile::tempdir().expect("tempdir");
    for d in ["rules", "templates"] {
        std::fs::create_dir_all(dir.path().join(d)).expect("mkdir");
    }
    std::fs::write(dir.path().join("imap.pass"), "rahasia\n").expect("write");
    let src = with_servers(
        r#"
[[source]]
name = "helpdesk"
kind = "imap"
host = "imap.gmail.com"
username = "helpdesk@kampus.ac.id"
password-file = "imap.pass"

[outbox]
transport = "smtp"
host = "127.0.0.1"
port = 2525
tls = "none"
"#,
    );
    let cfg = from_str(&dir.path().join("daemon.toml"), &src).expect("valid");
    let SourceKind::Imap(imap) = &cfg.sources[0].kind else {
        panic!("not imap")
    };
    assert_eq!((imap.port, imap.tls), (993, TlsMode::Implicit));
    assert_eq!(imap.password.expose(), "rahasia");
    assert_eq!(format!("{:?}", imap.password), "Secret(***)");
    assert_eq!(imap.folders, vec!["INBOX"]);
    assert_eq!(imap.after_store, AfterStore::Keep);
    assert!(imap.idle);
    let OutboxConfig::Smtp(smtp) = &cfg.outbox else {
        panic!("not smtp")
    };
    assert_eq!(
        (smtp.port, smtp.tls, smtp.username.is_none()),
        (2525, TlsMode::None, true)
    );
}

#[test]
fn indonesian_zones_are_fixed_offsets() {
    assert_eq!(
        Timezone::parse("WITA").map(|t| t.offset.local_minus_utc()),
        Some(8 * 3600)
    );
    assert_eq!(
        Timezone::parse("Asia/Jakarta").map(|t| t.offset.local_minus_utc()),
        Some(7 * 3600)
    );
    assert!(Timezone::parse("Europe/Berlin").is_none());
}

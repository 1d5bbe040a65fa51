//! Language per recipient: the requester reads the language of their letter; a leader or a
//! staff member reads their `[[person]] language`, else the rule's `language`, else the
//! daemon's.

use super::disposition::disposed;
use super::lampiran::approve;
use super::support::{repo, Env};

/// Sets `line` in the `[[person]]` entry whose email is `email` (the shipped daemon.toml).
fn person_says(env: &Env, email: &str, line: &str) {
    let config = std::fs::read_to_string(env.config()).expect("config");
    let at = format!("email = \"{email}\"\n");
    assert!(config.contains(&at), "{email}");
    std::fs::write(env.config(), config.replace(&at, &format!("{at}{line}\n"))).expect("write");
}

/// The installation's own copy of the shipped rules, with `line` added at the top of `file`.
fn own_rules(env: &Env, file: &str, line: &str) {
    let rules = env.path().join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    for e in std::fs::read_dir(repo().join("rules"))
        .expect("rules")
        .flatten()
    {
        let text = std::fs::read_to_string(e.path()).expect("rule");
        let text = if e.file_name() == file {
            text.replacen("threshold = ", &format!("{line}\nthreshold = "), 1)
        } else {
            text
        };
        std::fs::write(rules.join(e.file_name()), text).expect("write");
    }
    let config = std::fs::read_to_string(env.config()).expect("config");
    let shipped = format!("rules = {:?}", repo().join("rules"));
    assert!(config.contains(&shipped));
    std::fs::write(env.config(), config.replace(&shipped, "rules = \"rules\"")).expect("write");
}

fn subject_of(env: &Env, part: &str) -> String {
    let raw = env
        .outbox()
        .into_iter()
        .find(|(n, _)| n.contains(part))
        .unwrap_or_else(|| panic!("no {part} email"))
        .1;
    let text = String::from_utf8_lossy(&raw).replace("\r\n ", " ");
    let msg = mail_parser::MessageParser::default()
        .parse(text.as_bytes())
        .expect("parses");
    msg.subject().unwrap_or_default().to_string()
}

#[test]
fn each_person_reads_their_own_language_and_the_requester_the_letters() {
    let env = Env::new();
    person_says(&env, "kepala.tik@kampus.ac.id", "language = \"en\"");
    let d = disposed(&env);
    assert!(
        subject_of(&env, ".disposisi-").contains("Disposition requested:"),
        "{d}"
    );
    assert!(subject_of(&env, ".ack").contains("Tanda terima permohonan"));
    approve(&env, &d);
    // The staff member has no language of their own: the daemon's (id).
    assert!(subject_of(&env, ".pembuatan-akun-").contains("Tugas layanan"));
}

#[test]
fn a_rule_language_applies_to_people_without_one() {
    let env = Env::new();
    own_rules(&env, "webservice.toml", "language = \"en\"");
    // The leader insists on Indonesian; the staff member takes the rule's English.
    person_says(&env, "kepala.tik@kampus.ac.id", "language = \"id\"");
    let d = disposed(&env);
    assert!(subject_of(&env, ".disposisi-").contains("Mohon disposisi"));
    assert!(subject_of(&env, ".ack").contains("Tanda terima permohonan"));
    approve(&env, &d);
    assert!(subject_of(&env, ".pembuatan-akun-").contains("Service task"));
}

#[test]
fn an_unknown_person_language_is_reported_by_check() {
    let env = Env::new();
    person_says(&env, "staf.tik@kampus.ac.id", "language = \"jawa\"");
    let out = env.suratd(&["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("unknown language \"jawa\""), "{all}");

    // And in a rule file.
    let env = Env::new();
    own_rules(&env, "cbt.toml", "language = \"fr\"");
    let out = env.suratd(&["check"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        all.contains("cbt.toml:") && all.contains("unknown language \"fr\""),
        "{all}"
    );
}

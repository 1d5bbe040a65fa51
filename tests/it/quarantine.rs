//! `suratd quarantine` and `suratd replay`: a letter no rule claims is listed with its reason;
//! after the rule is fixed, replay turns its triage ticket into the request (same number),
//! queues its emails once, records the replay, and a second replay changes nothing.

use super::support::{repo, Env};

/// An installation whose rules are a copy of the shipped ones without `missing`.
fn env_without_rule(missing: &str) -> Env {
    let env = Env::new();
    let rules = env.path().join("rules");
    std::fs::create_dir_all(&rules).expect("mkdir");
    for e in std::fs::read_dir(repo().join("rules"))
        .expect("dir")
        .flatten()
    {
        if e.file_name() != missing {
            std::fs::copy(e.path(), rules.join(e.file_name())).expect("copy");
        }
    }
    let cfg = std::fs::read_to_string(env.config()).expect("cfg");
    let cfg = cfg.replace(
        &format!("rules = {:?}", repo().join("rules")),
        "rules = \"rules\"",
    );
    std::fs::write(env.config(), cfg).expect("w");
    env
}

fn json(out: &super::support::Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn quarantined_letter_is_listed_and_replayed_once_after_the_rule_fix() {
    let env = env_without_rule("zoom-ormawa.toml");
    let letter = std::fs::read(repo().join("samples/inbox/new/0003.zoom-ormawa.eml")).expect("eml");
    env.deliver("0003.eml", &letter);
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(env.outbox().is_empty(), "a triage ticket sends nothing");

    let list = json(&env.suratd(&["quarantine", "--json"]));
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1, "{list:?}");
    let entry = &list[0];
    let id = entry["id"].as_i64().expect("id");
    let ticket = entry["ticket"].as_str().expect("ticket").to_string();
    assert_eq!(entry["ticket_state"], "triage");
    assert!(
        entry["from"].as_str().is_some_and(|f| f.contains('@')),
        "{entry}"
    );
    assert!(
        entry["subject"].as_str().is_some_and(|s| !s.is_empty()),
        "{entry}"
    );
    assert!(entry["date"].is_string(), "{entry}");
    assert!(
        entry["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "{entry}"
    );
    let text = env.suratd(&["quarantine"]);
    assert!(
        text.stdout.contains("1 message(s) in quarantine"),
        "{}",
        text.stdout
    );

    // Replaying before the fix: still triage, nothing queued, the attempt recorded.
    let out = env.suratd(&["replay", &id.to_string(), "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(json(&out)["result"], "still_triage");
    assert!(env.outbox().is_empty());

    // The fix: the rule file comes back.
    std::fs::copy(
        repo().join("rules/zoom-ormawa.toml"),
        env.path().join("rules/zoom-ormawa.toml"),
    )
    .expect("copy");
    let out = env.suratd(&["replay", &id.to_string(), "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let r = json(&out);
    assert_eq!(r["result"], "promoted", "{r}");
    assert_eq!(r["ticket"], ticket.as_str(), "the ticket keeps its number");
    assert_eq!(r["rule"], "zoom-ormawa");
    let queued = r["emails_queued"].as_u64().expect("n");
    assert!(queued >= 1, "{r}");
    // Delivered by the next run, once.
    let out = env.suratd(&["run", "--once"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let sent = env.outbox().len();
    assert_eq!(sent as u64, queued);

    // Out of quarantine; a second replay does nothing and exits 1.
    assert_eq!(
        json(&env.suratd(&["quarantine", "--json"])),
        serde_json::json!([])
    );
    let again = env.suratd(&["replay", &id.to_string()]);
    assert_eq!(again.code, 1, "{}", again.stdout);
    assert!(
        again.stderr.contains("not in quarantine"),
        "{}",
        again.stderr
    );
    env.suratd(&["run", "--once"]);
    assert_eq!(env.outbox().len(), sent, "no email twice");

    let t = json(&env.suratd(&["tickets", &ticket, "--json"]));
    assert_eq!(t["ticket"]["kind"], "request");
    assert_eq!(t["ticket"]["rule_id"], "zoom-ormawa");
    let kinds: Vec<&str> = t["events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == "replayed").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "email_queued").count() as u64,
        queued
    );
    let tickets = json(&env.suratd(&["tickets", "--json"]));
    assert_eq!(
        tickets.as_array().map(Vec::len),
        Some(1),
        "no second ticket"
    );
}

#[test]
fn replay_of_an_unknown_or_processed_message_exits_1() {
    let env = Env::new();
    env.deliver(
        "a.eml",
        &std::fs::read(repo().join("samples/inbox/new/0003.zoom-ormawa.eml")).expect("eml"),
    );
    env.suratd(&["run", "--once"]);
    let out = env.suratd(&["replay", "1"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("new_ticket"), "{}", out.stderr);
    let out = env.suratd(&["replay", "999"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("no message 999"), "{}", out.stderr);
}

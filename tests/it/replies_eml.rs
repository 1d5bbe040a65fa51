//! Reply styles as real mail: each `.eml` of tests/data/replies-eml (Gmail, Thunderbird,
//! Outlook desktop and HTML-only, iPhone, Android; top- and bottom-posted; base64 and
//! quoted-printable) answers a webservice disposition on a scratch installation and goes the
//! whole way: stored raw, classified as an approval by its token, checked, read, decided. Its
//! entry in `expected.toml` says the ticket's state afterwards, the event, the rejection
//! reason and who got the task.

use super::disposition::{disposed, events, message_id, run, state, ticket, token_of};
use super::support::{repo, Env};

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    state: String,
    event: String,
    reason: Option<String>,
    assignee: Option<String>,
}

/// A second staff member, so that "disposisi ke staf Andi" is a choice.
const ANDI: &str = "\n[[person]]\nname = \"Andi Pratama\"\nemail = \"andi.pratama@kampus.ac.id\"\nroles = [\"staf\"]\n";

fn one_reply(name: &str, template: &[u8], want: &Expected) -> Result<(), String> {
    let env = Env::new();
    let mut config = std::fs::read_to_string(env.config()).expect("config");
    config.push_str(ANDI);
    std::fs::write(env.config(), config).expect("config");
    let d = disposed(&env);
    let token = token_of(&d);
    let number = ticket(&env)["ticket"]["number"]
        .as_str()
        .expect("number")
        .to_string();
    let raw = String::from_utf8_lossy(template)
        .replace("@@TOKEN@@", &token)
        .replace("@@PARENT@@", &message_id(&d))
        .replace("@@TICKET@@", &number);
    env.deliver("reply", raw.as_bytes());
    run(&env);
    let mut problems = Vec::new();
    let got = state(&env);
    if got != want.state {
        problems.push(format!("state {got}, want {}", want.state));
    }
    let evs = events(&env);
    let Some(event) = evs.iter().rev().find(|e| e["kind"] == want.event.as_str()) else {
        let kinds: Vec<&serde_json::Value> = evs.iter().map(|e| &e["kind"]).collect();
        return Err(format!("{name}: no {} event in {kinds:?}", want.event));
    };
    if evs.iter().any(|e| e["kind"] == "decision_refused") {
        problems.push("refused".into());
    }
    if let Some(reason) = &want.reason {
        let got = event["detail"]["reason"].as_str().unwrap_or_default();
        if !got.contains(reason.as_str()) {
            problems.push(format!("reason {got:?}, want {reason:?}"));
        }
        // Only the answer, never the quoted disposition.
        if got.contains("Token") || got.contains("Mohon disposisi") || got.contains('>') {
            problems.push(format!("quoted text in the reason {got:?}"));
        }
    }
    let db = suratd::store::Store::open_read_only(&env.path().join("var/suratd.db")).expect("db");
    let t = db.tickets().expect("tickets").remove(0);
    let assignee = db.work_state(t.id).expect("work").assignee;
    if assignee != want.assignee {
        problems.push(format!("assignee {assignee:?}, want {:?}", want.assignee));
    }
    // What the decision sends: the task to the assignee, the refusal to the requester, a
    // clarification request back to the leader.
    let outbox: Vec<String> = env.outbox().into_iter().map(|(n, _)| n).collect();
    let sent = match want.event.as_str() {
        "approved" => ".pembuatan-akun-",
        "rejected" => ".penolakan@",
        _ => ".klarifikasi-",
    };
    if !outbox.iter().any(|n| n.contains(sent)) {
        problems.push(format!("no {sent} email in {outbox:?}"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{name}: {}", problems.join("; ")))
    }
}

#[test]
fn every_reply_style_eml_is_decided_as_expected_through_the_pipeline() {
    let dir = repo().join("tests/data/replies-eml");
    let expected: std::collections::BTreeMap<String, Expected> =
        toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).expect("read"))
            .expect("expected.toml");
    let files = super::support::emls(&dir);
    assert!(files.len() >= 14, "{files:?}");
    let mut failures = Vec::new();
    let mut seen = Vec::new();
    for path in &files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(want) = expected.get(&name) else {
            failures.push(format!("{name}: no entry in expected.toml"));
            continue;
        };
        seen.push(name.clone());
        if let Err(e) = one_reply(&name, &std::fs::read(path).expect("read"), want) {
            failures.push(e);
        }
    }
    for name in expected.keys().filter(|k| !seen.contains(k)) {
        failures.push(format!("{name}: in expected.toml but no .eml"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

//! The golden corpus: every `tests/data/eml/**/NAME.eml` is run through the same code as
//! `suratd try --json` (fixed clock, one known ticket) and compared with `NAME.json`.
//! A mismatch writes `NAME.actual.json` beside it and fails naming it; `SURATD_BLESS=1`
//! rewrites the expected files on purpose. Each message is also run with CRLF line endings
//! turned into LF, which must not change the outcome.
//!
//! `expectations.toml` holds what a person decided each letter must give (kind, rule, the
//! fields plainly in the letter, what is missing or invalid); that is checked too, so a
//! blessed golden file cannot quietly accept a wrong answer.

use super::support::{emls, repo};
use chrono::{DateTime, Utc};
use suratd::classify::{ThreadIndex, TicketRef};
use suratd::clock::ManualClock;
use suratd::store::TicketId;
use suratd::workflow::TicketState;

/// The one ticket the corpus's replies refer to.
struct KnownTicket;

impl KnownTicket {
    fn ticket() -> TicketRef {
        TicketRef {
            id: TicketId(7),
            number: "TIK-2026-000007".into(),
            state: TicketState::AwaitingRequester,
            rule: Some("webservice".into()),
        }
    }
}

impl ThreadIndex for KnownTicket {
    fn by_message_id(&self, id: &str) -> Option<TicketRef> {
        matches!(
            id,
            "surat-7@contoh.ac.id" | "TIK-2026-000007.ack@kampus.ac.id"
        )
        .then(Self::ticket)
    }
    fn by_number(&self, number: &str) -> Option<TicketRef> {
        (number == "TIK-2026-000007").then(Self::ticket)
    }
}

fn clock() -> ManualClock {
    ManualClock::new(
        DateTime::parse_from_rfc3339("2026-03-02T02:00:00Z")
            .expect("time")
            .with_timezone(&Utc),
    )
}

fn loaded() -> suratd::daemon::Loaded {
    let cfg = repo().join("daemon.toml");
    suratd::daemon::load(&cfg).unwrap_or_else(|diags| {
        let text: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
        panic!("shipped configuration does not load:\n{}", text.join(""))
    })
}

fn report_json(loaded: &suratd::daemon::Loaded, raw: &[u8]) -> serde_json::Value {
    let r = suratd::cli::try_letter::report(loaded, raw, &KnownTicket, &clock());
    serde_json::to_value(&r).expect("serialise")
}

fn to_lf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\r' && raw.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// What must not depend on line endings.
fn essence(v: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "kind": v["kind"], "rule": v["rule"], "ticket": v["ticket"], "fields": v["fields"],
        "missing": v["missing"], "invalid": v["invalid"], "state": v["state"],
        "outbound": v["outbound"].as_array().map(|a| a.iter().map(|e| &e["subject"]).collect::<Vec<_>>()),
    })
}

#[test]
fn golden_corpus() {
    let dir = repo().join("tests/data/eml");
    let files = emls(&dir);
    assert!(
        files.len() >= 40,
        "golden corpus has {} messages, expected at least 40 in {}",
        files.len(),
        dir.display()
    );
    let loaded = loaded();
    let bless = std::env::var_os("SURATD_BLESS").is_some();
    let mut failures = Vec::new();
    for eml in &files {
        let raw = std::fs::read(eml).expect("read eml");
        let got = report_json(&loaded, &raw);
        let lf = report_json(&loaded, &to_lf(&raw));
        if essence(&got) != essence(&lf) {
            failures.push(format!(
                "{}: outcome changes with LF line endings:\n  CRLF {}\n  LF   {}",
                eml.display(),
                essence(&got),
                essence(&lf)
            ));
        }
        let expected_path = eml.with_extension("json");
        let actual_path = eml.with_extension("actual.json");
        let pretty = serde_json::to_string_pretty(&got).expect("json") + "\n";
        if bless {
            std::fs::write(&expected_path, &pretty).expect("write golden");
            let _ = std::fs::remove_file(&actual_path);
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != pretty {
            std::fs::write(&actual_path, &pretty).expect("write actual");
            failures.push(format!(
                "{}: differs from {} (see {}; SURATD_BLESS=1 to accept)",
                eml.display(),
                expected_path.display(),
                actual_path.display()
            ));
        } else {
            let _ = std::fs::remove_file(&actual_path);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden messages failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_meets_the_intent_written_by_hand() {
    let dir = repo().join("tests/data/eml");
    let text = std::fs::read_to_string(dir.join("expectations.toml")).expect("expectations.toml");
    let table: toml::Table = toml::from_str(&text).expect("expectations parse");
    assert!(table.len() >= 40, "only {} expectations", table.len());
    let loaded = loaded();
    let mut failures = Vec::new();
    for (name, want) in &table {
        let path = dir.join(format!("{name}.eml"));
        let Ok(raw) = std::fs::read(&path) else {
            failures.push(format!("{name}: no such message {}", path.display()));
            continue;
        };
        let got = report_json(&loaded, &raw);
        let mut fail = |what: String| failures.push(format!("{name}: {what}"));
        let s = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        if let Some(kind) = want.get("kind").and_then(|v| v.as_str()) {
            if s(&got["kind"]).as_deref() != Some(kind) {
                fail(format!(
                    "kind {} (want {kind}; {})",
                    got["kind"], got["reason"]
                ));
                continue;
            }
        }
        if let Some(rule) = want.get("rule").and_then(|v| v.as_str()) {
            if s(&got["rule"]).as_deref() != Some(rule) {
                fail(format!(
                    "rule {} (want {rule}; {})",
                    got["rule"], got["reason"]
                ));
            }
        }
        if let Some(t) = want.get("ticket").and_then(|v| v.as_str()) {
            if s(&got["ticket"]).as_deref() != Some(t) {
                fail(format!("ticket {} (want {t})", got["ticket"]));
            }
        }
        if let Some(fields) = want.get("fields").and_then(|v| v.as_table()) {
            for (k, v) in fields {
                let want_v = v
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string());
                let got_v = s(&got["fields"][k]);
                if got_v.as_deref() != Some(want_v.as_str()) {
                    fail(format!("field {k} = {:?} (want {want_v:?})", got_v));
                }
            }
        }
        for key in ["missing", "invalid"] {
            if let Some(items) = want.get(key).and_then(|v| v.as_array()) {
                let got_items: Vec<String> = got[key]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|i| {
                                if key == "invalid" {
                                    i["field"].as_str().unwrap_or("").to_owned()
                                } else {
                                    i.as_str().unwrap_or("").to_owned()
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                for item in items.iter().filter_map(|i| i.as_str()) {
                    if !got_items.iter().any(|g| g == item) {
                        fail(format!("{key} lacks {item:?} (got {got_items:?})"));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} expectation(s) not met:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

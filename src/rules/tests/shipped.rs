//! The shipped `rules/` and the example in docs/rules.md load without a single diagnostic.

use super::{context, rules_dir, shipped};
use crate::rules::{check_dir, StepKind};

#[test]
fn shipped_rules_load_without_any_diagnostic() {
    let (set, diags) = check_dir(&rules_dir(), &context());
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(diags.is_empty(), "{}", shown.join(""));
    let ids: Vec<&str> = set.rules.iter().map(|r| r.id.0.as_str()).collect();
    assert_eq!(
        ids,
        [
            "cbt",
            "diklat-it",
            "email-institusi",
            "lab-ict",
            "office365",
            "pengaduan-tik",
            "sertifikasi-it",
            "webservice",
            "zoom-ormawa",
        ]
    );
}

#[test]
fn every_shipped_rule_has_the_core_steps() {
    for rule in &shipped().rules {
        let kinds: Vec<StepKind> = rule.steps.iter().map(|s| s.kind).collect();
        assert_eq!(kinds.first(), Some(&StepKind::Submit), "{}", rule.id);
        assert!(kinds.contains(&StepKind::Disposition), "{}", rule.id);
        assert!(kinds.contains(&StepKind::Work), "{}", rule.id);
        for f in &rule.fields {
            assert!(!f.labels.is_empty(), "{}: {}", rule.id, f.name);
        }
    }
}

#[test]
fn shipped_rules_use_the_agreed_field_names() {
    let agreed = crate::rules::labels::WELL_KNOWN_FIELDS;
    for rule in &shipped().rules {
        for f in &rule.fields {
            assert!(agreed.contains(&f.name.as_str()), "{}: {}", rule.id, f.name);
        }
    }
}

#[test]
fn email_institusi_redirects_accounts_that_have_their_own_system() {
    let rule = shipped().get("email-institusi").expect("shipped");
    let redirect = rule
        .steps
        .iter()
        .find(|s| s.kind == StepKind::Redirect)
        .expect("a redirect step");
    let when = redirect.when.as_ref().expect("a condition");
    assert_eq!(when.field, "jenis_akun");
    assert_eq!(when.values, ["mahasiswa", "dosen", "tendik"]);
    // The bare "120" of the seed's "Waktu / menit" column reads as minutes.
    let formulir = rule
        .steps
        .iter()
        .find(|s| s.id == "formulir")
        .expect("step");
    assert_eq!(formulir.sla.calendar_minutes(), Some(120));
}

#[test]
fn docs_example_is_a_valid_rule_file() {
    let doc_path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md");
    let doc = std::fs::read_to_string(&doc_path).expect("docs/rules.md");
    let start_marker = "<!-- example: rules/contoh.toml -->\n```toml\n";
    let start = doc.find(start_marker).expect("the example marker") + start_marker.len();
    let len = doc[start..].find("```").expect("the end of the example");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("contoh.toml");
    std::fs::write(&file, &doc[start..start + len]).expect("write");
    let (set, diags) = check_dir(dir.path(), &context());
    let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    assert!(diags.is_empty(), "{}", shown.join(""));
    assert_eq!(set.rules.len(), 1);
}

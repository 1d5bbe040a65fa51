//! Property tests: scoring, extraction and rule-file checking never panic, whatever the text.

use super::{context, shipped};
use crate::parse::AttachmentKind;
use crate::rules::load::load_str;
use crate::rules::{best, extract, score, Letter};
use proptest::prelude::*;
use std::path::Path;

/// Text that looks a little like letters: labels, separators, digits, tabs, non-ASCII.
fn letterish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("Nama".to_string()),
        Just("NIP".to_string()),
        Just("No. HP/WA".to_string()),
        Just("Email".to_string()),
        Just("Jenis Akun".to_string()),
        Just("Tanggal".to_string()),
        Just("NIM/NIP".to_string()),
        Just(" : ".to_string()),
        Just(":".to_string()),
        Just("/".to_string()),
        Just("\t".to_string()),
        Just("  ".to_string()),
        Just("\n".to_string()),
        Just("1. ".to_string()),
        Just("- ".to_string()),
        Just("> ".to_string()),
        Just("+62 812".to_string()),
        Just("19750819 199903 1 001".to_string()),
        Just("a@b.id".to_string()),
        Just("12 Januari 2026".to_string()),
        Just("zoom ormawa".to_string()),
        Just("Fakultas Teknik".to_string()),
        Just("UPT ".to_string()),
        Just("kami dari ".to_string()),
        Just(" memerlukan".to_string()),
        Just("Hormat kami,".to_string()),
        Just("Terlampir surat dari ".to_string()),
        Just("pada hari Sabtu, ".to_string()),
        Just("pukul 08.00 - ".to_string()),
        Just("untuk kegiatan ".to_string()),
        Just("diikuti oleh 40 peserta".to_string()),
        Just("(PMB)".to_string()),
        Just(" dan ".to_string()),
        Just(",".to_string()),
        "[0-9]{1,20}".prop_map(|s| s),
        "\\PC{0,12}".prop_map(|s| s),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn scoring_and_extraction_never_panic(
        subject in prop_oneof!["\\PC{0,40}", letterish()],
        body in letterish(),
        att in letterish(),
        name in "\\PC{0,20}",
    ) {
        let l = Letter {
            subject: &subject,
            body: &body,
            attachments: vec![(&name, &att)],
            attachment_kinds: vec![(&name, AttachmentKind::Pdf), ("x.bin", AttachmentKind::Other)],
            from: &subject,
            from_name: &name,
            to: vec![&name],
        };
        let (scores, _) = best(shipped(), &l);
        prop_assert_eq!(scores.len(), shipped().rules.len());
        // One automaton for every rule's phrases scores exactly as a finder per phrase.
        for s in &scores {
            let rule = shipped().get(&s.rule.0).expect("scored rule");
            prop_assert_eq!(s, &score(rule, &l));
        }
        for rule in &shipped().rules {
            let ex = extract(rule, &l);
            for v in ex.fields.values() {
                prop_assert!(!v.value.is_empty());
            }
        }
    }

    #[test]
    fn arbitrary_text_as_extraction_input(body in "\\PC{0,300}") {
        let l = Letter { body: &body, ..Letter::default() };
        for rule in &shipped().rules {
            let _ = extract(rule, &l);
        }
    }

    #[test]
    fn checking_a_rule_file_never_panics(source in "\\PC{0,400}") {
        let _ = load_str("x", Path::new("x.toml"), &source, &context());
    }

    #[test]
    fn checking_a_mangled_shipped_file_never_panics(cut in 0usize..4000, insert in "\\PC{0,8}") {
        let text = std::fs::read_to_string(super::rules_dir().join("zoom-ormawa.toml"))
            .unwrap_or_default();
        let mut at = cut.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mangled = format!("{}{}{}", &text[..at], insert, &text[at..]);
        let _ = load_str("zoom-ormawa", Path::new("zoom-ormawa.toml"), &mangled, &context());
    }
}

/// Every `.eml` under `dir`, recursively.
fn emls(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            emls(&p, out);
        } else if p.extension().is_some_and(|x| x == "eml") {
            out.push(p);
        }
    }
}

#[test]
fn the_phrase_automaton_scores_every_corpus_letter_as_a_finder_per_phrase() {
    let mut files = Vec::new();
    emls(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/eml"),
        &mut files,
    );
    assert!(files.len() > 50, "corpus: {} letters", files.len());
    let mut hits = 0;
    for f in files {
        let raw = std::fs::read(&f).expect("letter");
        let Ok(msg) = crate::parse::parse(&raw, &crate::parse::Limits::default()) else {
            continue;
        };
        let l = Letter::from_parsed(&msg);
        let (scores, _) = best(shipped(), &l);
        for s in &scores {
            let rule = shipped().get(&s.rule.0).expect("scored rule");
            assert_eq!(s, &score(rule, &l), "{}", f.display());
            hits += s.hits.len();
        }
    }
    assert!(hits > 100, "only {hits} hits in the corpus");
}

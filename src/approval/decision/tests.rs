//! The decision and completion readers on the replies leaders and staff really write.

use super::completion::looks_secret;
use super::*;
use proptest::prelude::*;

fn approve(staff: Option<&str>, note: Option<&str>) -> Decision {
    Decision::Approve {
        staff: staff.map(str::to_string),
        note: note.map(str::to_string),
    }
}

fn reject(reason: &str) -> Decision {
    Decision::Reject {
        reason: reason.to_string(),
    }
}

fn unclear(why: Unclear) -> Decision {
    Decision::Unclear { why }
}

#[test]
fn patterns_compile() {
    for pattern in [
        &CLOSING,
        &THANKS,
        &REASON_LABEL,
        &STAFF_PHRASE,
        &OUTPUT_LINE,
    ] {
        assert!(!pattern.is_match("\u{0}"));
    }
}

#[test]
fn every_decision_word_alone() {
    for word in [
        "SETUJU",
        "disetujui",
        "Acc",
        "ya",
        "OK",
        "Oke",
        "LANJUTKAN",
        "approve",
        "Approved",
        "yes",
    ] {
        assert_eq!(read_decision(word), approve(None, None), "{word}");
        assert_eq!(
            read_decision(&format!("{word}.")),
            approve(None, None),
            "{word}."
        );
    }
    for word in ["TOLAK", "ditolak", "Tidak", "REJECT", "rejected", "No"] {
        assert_eq!(read_decision(word), reject(""), "{word}");
        assert_eq!(read_decision(&format!("{word}!")), reject(""), "{word}!");
    }
}

#[test]
fn whole_words_only() {
    assert_eq!(
        read_decision("Mohon persetujuan dari Warek dulu"),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(
        read_decision("Accountnya siapa?"),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(read_decision("Sudah di-ACC."), approve(None, None));
}

#[test]
fn reject_reasons() {
    assert_eq!(
        read_decision("TOLAK karena data belum lengkap"),
        reject("karena data belum lengkap")
    );
    assert_eq!(
        read_decision("Ditolak. Alasan: NIP tidak sesuai SIMPEG."),
        reject("NIP tidak sesuai SIMPEG.")
    );
    assert_eq!(
        read_decision("Ditolak.\n\nAlasan: kuota Zoom habis.\n\nSalam,\nBudi"),
        reject("kuota Zoom habis.")
    );
    assert_eq!(
        read_decision(
            "Tolak,\nsurat rekomendasi belum ada\ndan tanggalnya bentrok.\n\nTerima kasih"
        ),
        reject("surat rekomendasi belum ada dan tanggalnya bentrok.")
    );
    assert_eq!(
        read_decision("Permohonan ini ditolak dengan alasan anggaran habis"),
        reject("anggaran habis")
    );
    assert_eq!(
        read_decision("No, the data is incomplete."),
        reject("the data is incomplete.")
    );
    assert_eq!(read_decision("Tolak\n\nSalam"), reject(""));
}

#[test]
fn tidak_in_prose_is_not_a_refusal() {
    assert_eq!(
        read_decision("tidak masalah, lanjutkan"),
        approve(None, None)
    );
    assert_eq!(
        read_decision("setuju, tapi tidak perlu rapat"),
        approve(None, Some("tapi tidak perlu rapat"))
    );
    assert_eq!(
        read_decision("Tidak ada masalah dengan datanya. Silakan diproses"),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(
        read_decision("Tidak keberatan."),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(
        read_decision("No problem"),
        unclear(Unclear::NoDecisionWord)
    );
}

#[test]
fn negated_approval_is_a_refusal() {
    assert_eq!(
        read_decision("Tidak setuju, karena anggaran habis"),
        reject("karena anggaran habis")
    );
    assert_eq!(
        read_decision("Mohon maaf, belum dapat kami setujui sebelum ada surat tugas."),
        reject("sebelum ada surat tugas.")
    );
    assert_eq!(read_decision("Not approved."), reject(""));
    assert_eq!(read_decision("I don't approve."), reject(""));
    assert_eq!(
        read_decision("I can’t approve this yet"),
        reject("this yet")
    );
    assert_eq!(read_decision("Ga setuju"), reject(""));
    assert_eq!(read_decision("Tidak perlu dilanjutkan"), reject(""));
    assert_eq!(
        read_decision("Tolak pak, kuota habis"),
        reject("kuota habis")
    );
    assert_eq!(read_decision("Gak usah, tolak saja"), reject(""));
    assert_eq!(read_decision("tdk acc"), reject(""));
    assert_eq!(
        read_decision("Jangan di-ACC, anggarannya tidak ada"),
        reject("anggarannya tidak ada")
    );
    // A negated refusal is not clearly anything.
    assert_eq!(read_decision("Jangan ditolak"), unclear(Unclear::BothWords));
}

#[test]
fn both_words_on_the_deciding_line() {
    for text in [
        "SETUJU / TOLAK",
        "Setuju atau tolak, silakan helpdesk putuskan",
        "Tidak, setuju",
        "OK, saya tolak",
        "Approve. Reject.",
    ] {
        assert_eq!(read_decision(text), unclear(Unclear::BothWords), "{text}");
    }
}

#[test]
fn first_decision_bearing_line_decides() {
    assert_eq!(
        read_decision("Yth. Helpdesk,\n\nSETUJU\n\nTidak perlu rapat. Tolak yang lain."),
        approve(None, None)
    );
    assert_eq!(
        read_decision(
            "Terima kasih infonya.\nDitolak, sudah ada akun lama.\nSetuju untuk yang baru."
        ),
        reject("sudah ada akun lama. Setuju untuk yang baru.")
    );
}

#[test]
fn ok_and_ya_in_sentences() {
    // Not a decision: not the first word of its clause.
    assert_eq!(
        read_decision("Datanya sudah OK semua"),
        unclear(Unclear::NoDecisionWord)
    );
    // Followed by another word that is not a go-ahead.
    assert_eq!(
        read_decision("Ok saya mengerti"),
        unclear(Unclear::NoDecisionWord)
    );
    // A deferral: acknowledged, not approved.
    for text in [
        "OK, saya cek dulu",
        "Ya, nanti saya pelajari",
        "Ok noted",
        "Oke, tunggu sebentar",
    ] {
        assert_eq!(
            read_decision(text),
            unclear(Unclear::NoDecisionWord),
            "{text}"
        );
    }
    for text in [
        "Ok, silakan",
        "Ya pak, silakan",
        "Yes please proceed",
        "Oke deh",
        "Oke siap",
        "Ya silakan diproses",
        "Baik, silakan dilanjutkan.",
    ] {
        assert!(
            matches!(read_decision(text), Decision::Approve { .. }),
            "{text}"
        );
    }
    // A strong word still decides in a deferring line.
    assert_eq!(
        read_decision("Setuju, nanti saya tanda tangani"),
        approve(None, Some("nanti saya tanda tangani"))
    );
}

#[test]
fn questions_do_not_decide() {
    assert_eq!(
        read_decision("Apakah perlu di-ACC Warek?"),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(read_decision("Setuju? Tidak."), reject(""));
}

#[test]
fn nomor_is_not_no() {
    assert_eq!(
        read_decision("Terima kasih\nBudi\nNo. HP 0812-3456-7890"),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(
        read_decision("Sesuai surat No. 123/UN10/2026"),
        unclear(Unclear::NoDecisionWord)
    );
    assert_eq!(read_decision("No: 45"), unclear(Unclear::NoDecisionWord));
}

#[test]
fn staff_named_in_the_disposition() {
    for (text, staff) in [
        ("SETUJU, disposisi ke staf Andi", "Andi"),
        ("ACC, teruskan ke Pak Budi", "Budi"),
        ("Approved, assign to Rina", "Rina"),
        (
            "Setuju. Didisposisikan kepada Sdr. Andi Pratama untuk dibuatkan akun.",
            "Andi Pratama",
        ),
        (
            "Setuju, mohon ditugaskan ke M. Rizky Hidayat.",
            "M. Rizky Hidayat",
        ),
        ("Setuju.\nStaf: Dewi Lestari", "Dewi Lestari"),
        ("OK, teruskan ke andi@ub.ac.id", "andi@ub.ac.id"),
        ("Disposisi ke Bu Sari, setuju.", "Sari"),
        (
            "Lanjutkan, biar ditangani oleh tim jaringan",
            "tim jaringan",
        ),
    ] {
        match read_decision(text) {
            Decision::Approve { staff: Some(s), .. } => assert_eq!(s, staff, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }
}

#[test]
fn note_leaves_out_the_staff_phrase() {
    assert_eq!(
        read_decision("SETUJU, disposisi ke staf Andi"),
        approve(Some("Andi"), None)
    );
    assert_eq!(
        read_decision("ACC, teruskan ke Pak Budi untuk segera diproses."),
        approve(Some("Budi"), Some("untuk segera diproses."))
    );
    assert_eq!(
        read_decision("Setuju. Mohon diteruskan ke Andi untuk dibuatkan akun."),
        approve(
            Some("Andi"),
            Some("Mohon diteruskan ke Andi untuk dibuatkan akun.")
        )
    );
    assert_eq!(
        read_decision("Acc pak. Diteruskan ke Andi ya."),
        approve(Some("Andi"), None)
    );
    assert_eq!(
        read_decision("Setuju, lanjutkan. Mohon diprioritaskan."),
        approve(None, Some("Mohon diprioritaskan."))
    );
}

#[test]
fn staff_ignored_on_refusal_and_empty_input() {
    assert_eq!(
        read_decision("Tolak, jangan teruskan ke Andi"),
        reject("jangan teruskan ke Andi")
    );
    assert_eq!(read_decision(""), unclear(Unclear::Empty));
    assert_eq!(read_decision(" \n-- \n"), unclear(Unclear::Empty));
}

#[test]
fn greeting_salam_is_not_a_closing() {
    assert_eq!(read_decision("Salam,\n\nSetuju."), approve(None, None));
    assert_eq!(
        read_decision("Terima kasih.\n\nSalam,\nDr. Ya Budi"),
        unclear(Unclear::NoDecisionWord)
    );
}

#[test]
fn long_lines_take_linear_time() {
    // Quadratic work on any of these would take minutes, not milliseconds.
    for unit in ["ok ", "a? ", "teruskan ke ", "tidak ", "ok, ", "x"] {
        let line = unit.repeat(50_000);
        let _ = read_decision(&line);
        let _ = read_decision(&format!("Setuju {line}"));
        let _ = read_completion(&format!("SELESAI {line}\nuser: {line}"), OUTPUTS);
        let _ = crate::parse::reply::new_text(&format!("On {line}\n{line}"));
    }
}

#[test]
fn only_the_first_lines_are_read() {
    let mut text = "Ini paragraf.\n".repeat(MAX_DECISION_LINES);
    text.push_str("Setuju");
    assert_eq!(read_decision(&text), unclear(Unclear::NoDecisionWord));
}

const OUTPUTS: &[&str] = &["user", "lisensi", "password"];

fn done(pairs: &[(&str, &str)], missing: &[&str]) -> Completion {
    Completion::Done {
        outputs: pairs
            .iter()
            .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
            .collect(),
        missing: missing.iter().map(|m| (*m).to_string()).collect(),
        secret_outputs: vec!["password".to_string()],
    }
}

#[test]
fn completion_with_outputs() {
    let text = "SELESAI\n\nuser: budi@ub.ac.id\nLisensi : Office 365 A3\nPassword awal = Rahasia#2026\n\nSalam,\nAndi";
    assert_eq!(
        read_completion(text, OUTPUTS),
        done(
            &[
                ("user", "budi@ub.ac.id"),
                ("lisensi", "Office 365 A3"),
                ("password", "Rahasia#2026")
            ],
            &[]
        )
    );
}

#[test]
fn completion_labels_tolerant_and_missing_listed() {
    let text = "Sudah selesai pak.\n- USER_ID: budi\n2) lisensi\tA1";
    assert_eq!(
        read_completion(text, &["user id", "lisensi", "kata sandi"]),
        Completion::Done {
            outputs: [("user id", "budi"), ("lisensi", "A1")]
                .iter()
                .map(|(k, v)| ((*k).to_string(), (*v).to_string()))
                .collect(),
            missing: vec!["kata sandi".to_string()],
            secret_outputs: vec!["kata sandi".to_string()],
        }
    );
}

#[test]
fn completion_exact_label_before_prefix() {
    let text = "Done\nuser id: u-1\nuser: u-2";
    match read_completion(text, &["user", "user id"]) {
        Completion::Done { outputs, .. } => {
            assert_eq!(outputs.get("user").map(String::as_str), Some("u-2"));
            assert_eq!(outputs.get("user id").map(String::as_str), Some("u-1"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn completion_not_done_and_unclear() {
    assert_eq!(
        read_completion("Belum selesai, server lisensi sedang gangguan.", OUTPUTS),
        Completion::NotDone {
            reason: "Belum selesai, server lisensi sedang gangguan.".to_string()
        }
    );
    assert_eq!(
        read_completion("Gagal: NIM tidak ditemukan di Siakad", OUTPUTS),
        Completion::NotDone {
            reason: "Gagal: NIM tidak ditemukan di Siakad".to_string()
        }
    );
    assert_eq!(
        read_completion("Not yet, waiting for the vendor", OUTPUTS),
        Completion::NotDone {
            reason: "Not yet, waiting for the vendor".to_string()
        }
    );
    assert_eq!(
        read_completion("Sudah, tapi password belum bisa direset", OUTPUTS),
        Completion::Unclear {
            why: Unclear::BothWords
        }
    );
    assert_eq!(
        read_completion("user: budi@ub.ac.id", OUTPUTS),
        Completion::Unclear {
            why: Unclear::NoDecisionWord
        }
    );
    assert_eq!(
        read_completion("  ", OUTPUTS),
        Completion::Unclear {
            why: Unclear::Empty
        }
    );
    assert_eq!(
        read_completion("Sudah selesai?", OUTPUTS),
        Completion::Unclear {
            why: Unclear::NoDecisionWord
        }
    );
}

#[test]
fn completion_word_in_a_non_output_label_line_counts() {
    assert!(matches!(
        read_completion("SELESAI: akun sudah dibuat\nuser: budi", OUTPUTS),
        Completion::Done { .. }
    ));
    // An output's own line is not read for the word.
    assert_eq!(
        read_completion("lisensi: belum ada\nSELESAI", &["lisensi"]),
        Completion::Done {
            outputs: [("lisensi".to_string(), "belum ada".to_string())].into(),
            missing: vec![],
            secret_outputs: vec![],
        }
    );
}

#[test]
fn secrets_are_recognised_and_masked() {
    for name in [
        "password",
        "Password Awal",
        "kata_sandi",
        "PIN",
        "token_vpn",
        "OTP",
    ] {
        assert!(looks_secret(name), "{name}");
    }
    for name in ["user", "pinjaman", "lisensi", "email pribadi"] {
        assert!(!looks_secret(name), "{name}");
    }
    let c = read_completion("SELESAI\npassword: Rahasia#2026\nuser: budi", OUTPUTS);
    let shown = format!("{c:?}");
    assert!(!shown.contains("Rahasia"), "{shown}");
    assert!(shown.contains("budi"), "{shown}");
}

/// One case of the reply corpus, `tests/data/replies/NAME.expected` (TOML).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Expected {
    /// The first line of the new text.
    first_line: String,
    /// approve, reject, unclear, or quote-only (the reply only quoted).
    decision: Option<String>,
    staff: Option<String>,
    note: Option<String>,
    reason: Option<String>,
    /// For unclear: no-decision-word, both-words or empty.
    why: Option<String>,
    /// done, not-done or unclear: a staff member's reply.
    completion: Option<String>,
    /// The SOP's output names.
    #[serde(default)]
    outputs: Vec<String>,
    #[serde(default)]
    found: BTreeMap<String, String>,
    #[serde(default)]
    missing: Vec<String>,
    #[serde(default)]
    secret: Vec<String>,
}

fn unclear_named(why: Option<&str>) -> Result<Unclear, String> {
    match why {
        Some("no-decision-word") => Ok(Unclear::NoDecisionWord),
        Some("both-words") => Ok(Unclear::BothWords),
        Some("empty") => Ok(Unclear::Empty),
        other => Err(format!("unknown why {other:?}")),
    }
}

impl Expected {
    fn decision(&self) -> Result<Decision, String> {
        Ok(match self.decision.as_deref() {
            Some("approve") => Decision::Approve {
                staff: self.staff.clone(),
                note: self.note.clone(),
            },
            Some("reject") => Decision::Reject {
                reason: self.reason.clone().unwrap_or_default(),
            },
            Some("unclear") => Decision::Unclear {
                why: unclear_named(self.why.as_deref())?,
            },
            other => return Err(format!("unknown decision {other:?}")),
        })
    }

    fn completion(&self) -> Result<Completion, String> {
        Ok(match self.completion.as_deref() {
            Some("done") => Completion::Done {
                outputs: self.found.clone(),
                missing: self.missing.clone(),
                secret_outputs: self.secret.clone(),
            },
            Some("not-done") => Completion::NotDone {
                reason: self.reason.clone().unwrap_or_default(),
            },
            Some("unclear") => Completion::Unclear {
                why: unclear_named(self.why.as_deref())?,
            },
            other => return Err(format!("unknown completion {other:?}")),
        })
    }
}

/// The body the parser makes of `content` sent as `text/SUBTYPE`.
fn parsed_body(content: &str, subtype: &str) -> Result<String, String> {
    let raw = format!(
        "From: Pimpinan <kepala@kampus.ac.id>\r\nTo: helpdesk@kampus.ac.id\r\n\
         Subject: Re: [TIK-2026-000042] Disposisi\r\n\
         Date: Mon, 2 Mar 2026 10:00:00 +0700\r\nMessage-ID: <balasan@kampus.ac.id>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/{subtype}; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{content}"
    );
    crate::parse::parse(raw.as_bytes(), &crate::parse::Limits::default())
        .map(|m| m.body)
        .map_err(|e| e.to_string())
}

/// Checks one body against its expectation; the differences, if any.
fn check_case(body: &str, expected: &Expected, outputs: &[&str]) -> Result<(), String> {
    let reply = crate::parse::reply::new_text(body);
    let mut problems = Vec::new();
    let first = reply
        .text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    if first != expected.first_line {
        problems.push(format!("first line {first:?}"));
    }
    let quote_only = expected.decision.as_deref() == Some("quote-only");
    if reply.quote_only != quote_only {
        problems.push(format!("quote_only {}", reply.quote_only));
    }
    if let (Some(text), Some(_)) = (reply.decidable(), &expected.decision) {
        let got = read_decision(text);
        if got != expected.decision()? {
            problems.push(format!("decision {got:?}"));
        }
    }
    if let (Some(text), Some(_)) = (reply.decidable(), &expected.completion) {
        let got = read_completion(text, outputs);
        if got != expected.completion()? {
            problems.push(format!("completion {got:?}"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} (new text {:?})",
            problems.join("; "),
            reply.text
        ))
    }
}

/// The reply corpus: every `tests/data/replies/NAME.txt` (a text/plain body) and
/// `NAME.html` (an HTML-only body) against `NAME.expected`. A text body is read as it is,
/// with CRLF line ends, and through the parser; an HTML body through the parser (which
/// turns it into text), with LF and CRLF.
#[test]
fn reply_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/replies");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt" || x == "html"))
        .collect();
    entries.sort();
    assert!(
        !entries.is_empty(),
        "the reply corpus in {} is empty",
        dir.display()
    );
    let mut failures = Vec::new();
    for path in &entries {
        let result = (|| -> Result<(), String> {
            let content = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            let expected_path = path.with_extension("expected");
            let expected: Expected = toml::from_str(
                &std::fs::read_to_string(&expected_path)
                    .map_err(|e| format!("{}: {e}", expected_path.display()))?,
            )
            .map_err(|e| format!("{}: {e}", expected_path.display()))?;
            let outputs: Vec<&str> = expected.outputs.iter().map(String::as_str).collect();
            let crlf = content.replace('\n', "\r\n");
            let bodies = if path.extension().is_some_and(|x| x == "html") {
                vec![
                    ("html", parsed_body(&content, "html")?),
                    ("html crlf", parsed_body(&crlf, "html")?),
                ]
            } else {
                vec![
                    ("as is", content.clone()),
                    ("crlf", crlf.clone()),
                    ("parsed", parsed_body(&crlf, "plain")?),
                ]
            };
            for (how, body) in bodies {
                check_case(&body, &expected, &outputs).map_err(|e| format!("{how}: {e}"))?;
            }
            Ok(())
        })();
        if let Err(e) = result {
            failures.push(format!("{}: {e}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} replies differ:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panic(
        text in prop_oneof![
            "\\PC{0,200}",
            ".{0,200}",
            prop::collection::vec(prop_oneof![
                Just("SETUJU".to_string()), Just("tidak".to_string()), Just("No.".to_string()),
                Just(" ".to_string()), Just(", ".to_string()), Just("\n".to_string()),
                Just("disposisi ke staf ".to_string()), Just("user: ".to_string()),
                Just("SELESAI".to_string()), Just("belum".to_string()), Just("?".to_string()),
                Just("Alasan:".to_string()), Just("Salam,".to_string()), Just("İ".to_string()),
                "\\PC{0,8}".prop_map(|s| s),
            ], 0..30).prop_map(|v| v.concat()),
        ],
        outputs in prop::collection::vec("\\PC{0,12}", 0..4),
    ) {
        let _ = read_decision(&text);
        let outs: Vec<&str> = outputs.iter().map(String::as_str).collect();
        let _ = read_completion(&text, &outs);
        let _ = read_decision(&crate::parse::reply::new_text(&text).text);
    }
}

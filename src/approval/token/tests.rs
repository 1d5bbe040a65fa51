use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::parse::{parse, Limits};

fn secret() -> TokenSecret {
    match TokenSecret::new(&b"0123456789abcdef-test-secret"[..]) {
        Ok(s) => s,
        Err(e) => panic!("{e}"),
    }
}

fn binding() -> Binding {
    Binding {
        ticket: "TIK-2026-000123".into(),
        step: "disposisi".into(),
        approver: "Kepala.UPT@Kampus.ac.id".into(),
    }
}

fn at(y: i32, mo: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, 0, 0)
        .single()
        .unwrap_or_default()
}

fn expiry() -> DateTime<Utc> {
    at(2026, 3, 10, 9)
}

fn issued() -> (IssuedToken, StoredToken) {
    ApprovalToken::issue(
        &secret(),
        binding(),
        expiry(),
        Nonce::from_bytes([7, 1, 2, 3, 4, 5, 6, 200]),
    )
}

fn presentation<'a>(sender: &'a str) -> Presentation<'a> {
    Presentation {
        now: at(2026, 3, 9, 9),
        sender,
        aliases: &[],
        thread_ticket: Some("TIK-2026-000123"),
    }
}

const APPROVER: &str = "kepala.upt@kampus.ac.id";

#[test]
fn format_fits_a_plus_address() {
    let (t, stored) = issued();
    assert_eq!(t.text.len(), TOKEN_CHARS);
    assert_eq!(TOKEN_CHARS, 34);
    assert!(t.text.starts_with("a-"));
    assert!(t.text[2..]
        .bytes()
        .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
    // RFC 5321 §4.5.3.1.1: a local part is at most 64 octets.
    assert!(format!("helpdesk+{}", t.text).len() <= 64);
    assert_eq!(t.hash, token_hash(&t.text));
    assert_eq!(stored.hash, t.hash);
    assert_eq!(t.hash.len(), 64);
    assert_eq!(stored.used_at, None);
}

#[test]
fn round_trip() {
    let (t, stored) = issued();
    assert_eq!(
        verify(&secret(), &t.text, Some(&stored), &presentation(APPROVER)),
        Ok(())
    );
    let parsed = ApprovalToken::parse(&t.text);
    assert_eq!(parsed.map(|p| p.text()), Ok(t.text.clone()));
}

#[test]
fn issue_is_deterministic_in_its_inputs_and_nonce_matters() {
    let (a, _) = issued();
    let (b, _) = issued();
    assert_eq!(a, b);
    let (c, _) = ApprovalToken::issue(&secret(), binding(), expiry(), Nonce::from_bytes([0; 8]));
    assert_ne!(a.text, c.text);
}

#[test]
fn case_and_whitespace_do_not_matter() {
    let (t, stored) = issued();
    let upper = t.text.to_uppercase();
    assert_eq!(token_hash(&upper), stored.hash);
    assert_eq!(
        verify(
            &secret(),
            &format!("  {upper}\n"),
            Some(&stored),
            &presentation("KEPALA.UPT@KAMPUS.AC.ID")
        ),
        Ok(())
    );
    let mut stored_upper_hash = stored.clone();
    stored_upper_hash.hash = stored.hash.to_uppercase();
    assert_eq!(
        verify(
            &secret(),
            &t.text,
            Some(&stored_upper_hash),
            &presentation(APPROVER)
        ),
        Ok(())
    );
}

#[test]
fn sub_second_expiry_is_cut_to_seconds() {
    let precise = expiry() + chrono::Duration::milliseconds(750);
    let (t, stored) =
        ApprovalToken::issue(&secret(), binding(), precise, Nonce::from_bytes([1; 8]));
    assert_eq!(stored.expires_at, expiry());
    assert_eq!(
        verify(&secret(), &t.text, Some(&stored), &presentation(APPROVER)),
        Ok(())
    );
}

#[test]
fn every_single_character_change_is_refused() {
    let (t, stored) = issued();
    let alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    for (i, orig) in t.text.char_indices().skip(2) {
        for c in alphabet.chars().filter(|&c| c != orig) {
            let mut bad = t.text.clone();
            bad.replace_range(i..i + 1, c.encode_utf8(&mut [0; 4]));
            // Looked up by its own hash, there is no record.
            let r = verify(&secret(), &bad, Some(&stored), &presentation(APPROVER));
            assert!(matches!(r, Err(Refusal::Unknown { .. })), "{bad}: {r:?}");
            // Even if someone planted a record under the changed token's hash, the MAC fails.
            let planted = StoredToken {
                hash: token_hash(&bad),
                ..stored.clone()
            };
            let r = verify(&secret(), &bad, Some(&planted), &presentation(APPROVER));
            assert!(
                matches!(r, Err(Refusal::BadSignature { .. })),
                "{bad}: {r:?}"
            );
        }
    }
}

#[test]
fn a_changed_record_no_longer_matches() {
    let (t, stored) = issued();
    let cases = [
        StoredToken {
            expires_at: expiry() + chrono::Duration::days(30),
            ..stored.clone()
        },
        StoredToken {
            binding: Binding {
                approver: "mallory@kampus.ac.id".into(),
                ..binding()
            },
            ..stored.clone()
        },
        StoredToken {
            binding: Binding {
                step: "kerja".into(),
                ..binding()
            },
            ..stored.clone()
        },
        StoredToken {
            binding: Binding {
                ticket: "TIK-2026-000124".into(),
                ..binding()
            },
            ..stored.clone()
        },
    ];
    for changed in cases {
        let r = verify(&secret(), &t.text, Some(&changed), &presentation(APPROVER));
        assert!(matches!(r, Err(Refusal::BadSignature { .. })), "{r:?}");
    }
    let other = TokenSecret::new(&b"another secret, sixteen+ bytes"[..]);
    let other = other.unwrap_or_else(|e| panic!("{e}"));
    let r = verify(&other, &t.text, Some(&stored), &presentation(APPROVER));
    assert!(matches!(r, Err(Refusal::BadSignature { .. })), "{r:?}");
}

#[test]
fn length_prefixes_keep_fields_apart() {
    // "TIK-1" + "ab" and "TIK-1a" + "b" must not sign the same bytes.
    let n = Nonce::from_bytes([9; 8]);
    let b1 = Binding {
        ticket: "TIK-1".into(),
        step: "ab".into(),
        approver: APPROVER.into(),
    };
    let b2 = Binding {
        ticket: "TIK-1a".into(),
        step: "b".into(),
        approver: APPROVER.into(),
    };
    let (t1, _) = ApprovalToken::issue(&secret(), b1, expiry(), n);
    let (t2, _) = ApprovalToken::issue(&secret(), b2, expiry(), n);
    assert_ne!(t1.text, t2.text);
}

#[test]
fn expired() {
    let (t, stored) = issued();
    let mut p = presentation(APPROVER);
    p.now = expiry();
    assert_eq!(
        verify(&secret(), &t.text, Some(&stored), &p),
        Err(Refusal::Expired {
            expired_at: expiry()
        })
    );
    p.now = expiry() - chrono::Duration::seconds(1);
    assert_eq!(verify(&secret(), &t.text, Some(&stored), &p), Ok(()));
}

#[test]
fn used() {
    let (t, mut stored) = issued();
    let when = at(2026, 3, 9, 8);
    stored.used_at = Some(when);
    assert_eq!(
        verify(&secret(), &t.text, Some(&stored), &presentation(APPROVER)),
        Err(Refusal::AlreadyUsed { used_at: when })
    );
}

#[test]
fn unknown_when_no_record() {
    let (t, _) = issued();
    assert_eq!(
        verify(&secret(), &t.text, None, &presentation(APPROVER)),
        Err(Refusal::Unknown { hash: t.hash })
    );
}

#[test]
fn wrong_approver_and_aliases() {
    let (t, stored) = issued();
    assert_eq!(
        verify(
            &secret(),
            &t.text,
            Some(&stored),
            &presentation("mallory@kampus.ac.id")
        ),
        Err(Refusal::WrongSender {
            expected: APPROVER.into(),
            got: "mallory@kampus.ac.id".into()
        })
    );
    let aliases = vec!["Pak.Kepala@Gmail.com".to_string()];
    let mut p = presentation("pak.kepala@gmail.com");
    p.aliases = &aliases;
    assert_eq!(verify(&secret(), &t.text, Some(&stored), &p), Ok(()));
}

#[test]
fn wrong_ticket() {
    let (t, stored) = issued();
    let mut p = presentation(APPROVER);
    p.thread_ticket = Some("TIK-2026-000999");
    assert_eq!(
        verify(&secret(), &t.text, Some(&stored), &p),
        Err(Refusal::WrongTicket {
            bound: "TIK-2026-000123".into(),
            presented_on: "TIK-2026-000999".into()
        })
    );
    p.thread_ticket = Some("tik-2026-000123");
    assert_eq!(verify(&secret(), &t.text, Some(&stored), &p), Ok(()));
    p.thread_ticket = None;
    assert_eq!(verify(&secret(), &t.text, Some(&stored), &p), Ok(()));
}

#[test]
fn who_and_where_are_reported_before_use_and_time() {
    let (t, mut stored) = issued();
    stored.used_at = Some(at(2026, 3, 9, 8));
    let mut p = presentation("mallory@example.org");
    p.now = expiry() + chrono::Duration::days(1);
    let r = verify(&secret(), &t.text, Some(&stored), &p);
    assert!(matches!(r, Err(Refusal::WrongSender { .. })), "{r:?}");
    let r = verify(&secret(), &t.text, Some(&stored), &presentation(APPROVER));
    assert!(matches!(r, Err(Refusal::AlreadyUsed { .. })), "{r:?}");
}

#[test]
fn malformed_inputs_are_refused_not_panicked_on() {
    let (t, stored) = issued();
    let inputs = [
        String::new(),
        "a-".into(),
        "b-".to_string() + &t.text[2..],
        t.text[..t.text.len() - 1].to_string(),
        format!("{}a", t.text),
        t.text.replace('a', "1"),
        "a-ééééééééééééééééééééééééééééééé".into(),
        "\u{0}\u{ffff}".into(),
    ];
    for input in inputs {
        let r = verify(&secret(), &input, Some(&stored), &presentation(APPROVER));
        assert_eq!(
            r.as_ref().map_err(Refusal::kind),
            Err("malformed"),
            "{input:?}"
        );
    }
}

#[test]
fn refusals_read_well_in_a_log() {
    let r = Refusal::WrongSender {
        expected: APPROVER.into(),
        got: "mallory@example.org".into(),
    };
    assert_eq!(
        r.to_string(),
        "token of approver kepala.upt@kampus.ac.id presented by mallory@example.org"
    );
    assert_eq!(r.kind(), "wrong_sender");
    let long = "x".repeat(500);
    let r = ApprovalToken::parse(&long);
    match r {
        Err(Refusal::Malformed { presented, .. }) => assert!(presented.chars().count() <= 49),
        other => panic!("{other:?}"),
    }
}

#[test]
fn secrets_and_live_texts_stay_out_of_debug() {
    let s = secret();
    assert_eq!(format!("{s:?}"), "TokenSecret(***)");
    let (t, _) = issued();
    let shown = format!("{t:?}");
    assert!(!shown.contains(&t.text[2..]), "{shown}");
    let parsed = ApprovalToken::parse(&t.text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(format!("{parsed:?}"), "ApprovalToken(***)");
    let found = find_tokens(&t.text);
    let f = FoundToken {
        text: found.first().cloned().unwrap_or_default(),
        place: TokenPlace::Body,
    };
    assert!(!format!("{f:?}").contains(&t.text[2..]));
    assert!(matches!(
        TokenSecret::new(&b"short"[..]),
        Err(SecretError::TooShort { len: 5 })
    ));
}

#[test]
fn random_nonces_differ() {
    let a = Nonce::random().unwrap_or_else(|e| panic!("{e}"));
    let b = Nonce::random().unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(a, b);
}

// ---- finding -------------------------------------------------------------------------

#[test]
fn finds_tokens_where_they_travel() {
    let (t, _) = issued();
    let tok = &t.text;
    for text in [
        format!("helpdesk+{tok}@kampus.ac.id"),
        format!(
            "\"Helpdesk\" <HELPDESK+{}@KAMPUS.AC.ID>",
            tok.to_uppercase()
        ),
        format!("Re: [TIK-2026-000123 {tok}] Permohonan lisensi Zoom"),
        format!("RE: [{tok}]"),
        format!("SETUJU\n\n> Token: {tok}\n> Balas email ini."),
        format!("Token:\u{a0}{tok}."),
        tok.clone(),
    ] {
        assert_eq!(find_tokens(&text), vec![tok.clone()], "{text}");
    }
}

#[test]
fn ignores_look_alikes() {
    let (t, _) = issued();
    let tok = &t.text;
    for text in [
        format!("data-{}", &tok[2..]),
        format!("x{tok}"),
        format!("{tok}a"),
        format!("{tok}_"),
        format!("{tok}9"),
        tok[..tok.len() - 1].to_string(),
        format!("a-{}", "1".repeat(32)),
        String::new(),
        "a-".into(),
    ] {
        assert!(find_tokens(&text).is_empty(), "{text}");
    }
}

#[test]
fn finds_several_deduplicated_and_bounded() {
    let (a, _) = issued();
    let (b, _) = ApprovalToken::issue(&secret(), binding(), expiry(), Nonce::from_bytes([3; 8]));
    let text = format!("{} {} {}", a.text, b.text, a.text.to_uppercase());
    assert_eq!(find_tokens(&text), vec![a.text.clone(), b.text.clone()]);
    let many: String = (0..40u8)
        .map(|i| {
            let (t, _) =
                ApprovalToken::issue(&secret(), binding(), expiry(), Nonce::from_bytes([i; 8]));
            t.text + " "
        })
        .collect();
    assert_eq!(find_tokens(&many).len(), MAX_CANDIDATES);
}

#[test]
fn message_tokens_in_order_address_subject_body() {
    let mk = |i: u8| {
        ApprovalToken::issue(&secret(), binding(), expiry(), Nonce::from_bytes([i; 8]))
            .0
            .text
    };
    let (addr, subj, body, delivered) = (mk(1), mk(2), mk(3), mk(4));
    let raw = format!(
        "Delivered-To: helpdesk+{delivered}@kampus.ac.id\r\n\
         From: Kepala UPT <kepala.upt@kampus.ac.id>\r\n\
         To: \"Helpdesk TIK\" <helpdesk+{}@kampus.ac.id>\r\n\
         Subject: Re: [TIK-2026-000123 {subj}] Disposisi\r\n\
         Message-ID: <r1@kampus.ac.id>\r\n\
         \r\n\
         SETUJU\r\n\r\n> Token: {body}\r\n> Token: {addr}\r\n",
        addr.to_uppercase()
    );
    let msg = parse(raw.as_bytes(), &Limits::default()).unwrap_or_else(|e| panic!("{e}"));
    let found = tokens_in_message(&msg);
    let got: Vec<(&str, TokenPlace)> = found.iter().map(|f| (f.text.as_str(), f.place)).collect();
    assert_eq!(
        got,
        vec![
            (delivered.as_str(), TokenPlace::Address),
            (addr.as_str(), TokenPlace::Address),
            (subj.as_str(), TokenPlace::Subject),
            (body.as_str(), TokenPlace::Body),
        ]
    );
}

// ---- properties ----------------------------------------------------------------------

proptest! {
    #[test]
    fn find_and_verify_never_panic(text in any::<String>(), sender in any::<String>()) {
        let (_, stored) = issued();
        for cand in find_tokens(&text) {
            prop_assert_eq!(cand.len(), TOKEN_CHARS);
        }
        let p = Presentation { sender: &sender, ..presentation(APPROVER) };
        let _ = verify(&secret(), &text, Some(&stored), &p);
        let _ = verify(&secret(), &text, None, &p);
        let _ = token_hash(&text);
    }

    #[test]
    fn token_like_noise_never_panics(
        text in "[aA]-[a-zA-Z2-7 ]{0,40}[@ \\]\\.]?.{0,3}"
    ) {
        let (_, stored) = issued();
        let _ = find_tokens(&text);
        let _ = verify(&secret(), &text, Some(&stored), &presentation(APPROVER));
    }

    #[test]
    fn a_mutated_token_never_verifies(
        pos in 0usize..TOKEN_CHARS,
        c in any::<char>(),
        insert in any::<bool>(),
        nonce in any::<[u8; 8]>(),
    ) {
        let (t, stored) =
            ApprovalToken::issue(&secret(), binding(), expiry(), Nonce::from_bytes(nonce));
        let orig = t.text.as_bytes()[pos] as char;
        let mut bad = t.text.clone();
        if insert {
            bad.insert(pos, c);
        } else {
            prop_assume!(!c.to_lowercase().eq(orig.to_lowercase()));
            prop_assume!(!c.is_whitespace());
            bad.replace_range(pos..pos + 1, c.encode_utf8(&mut [0; 4]));
        }
        prop_assume!(token_hash(&bad) != t.hash);
        prop_assert!(verify(&secret(), &bad, Some(&stored), &presentation(APPROVER)).is_err());
        let planted = StoredToken { hash: token_hash(&bad), ..stored.clone() };
        prop_assert!(verify(&secret(), &bad, Some(&planted), &presentation(APPROVER)).is_err());
    }
}

use proptest::prelude::*;

use super::*;

const APPROVER: &str = "kepala.upt@kampus.ac.id";

// Header values as the parser hands them over: unfolded onto one line.
const GMAIL: &str = "mx.google.com; dkim=pass header.i=@kampus.ac.id header.s=google \
    header.b=Xy7aBc9d; arc=pass (i=1 spf=pass spfdomain=kampus.ac.id dkim=pass dkdomain=kampus.ac.id \
    dmarc=pass fromdomain=kampus.ac.id); spf=pass (google.com: domain of kepala.upt@kampus.ac.id \
    designates 209.85.220.41 as permitted sender) smtp.mailfrom=kepala.upt@kampus.ac.id; \
    dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=kampus.ac.id";
const M365: &str = "spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=kampus.ac.id; dkim=pass \
    (signature was verified) header.d=kampus.ac.id;dmarc=pass action=none \
    header.from=kampus.ac.id;compauth=pass reason=100";
const POSTFIX: &str = "mail.kampus.ac.id; dkim=pass (2048-bit key; unprotected) \
    header.d=kampus.ac.id header.i=@kampus.ac.id header.a=rsa-sha256 header.s=sel1 \
    header.b=AbCdEfGh";
const POSTFIX_DMARC: &str = "mail.kampus.ac.id; dmarc=pass (p=none dis=none) \
    header.from=kampus.ac.id";

fn from(email: &str) -> Address {
    Address {
        name: Some("Kepala UPT TIK".into()),
        email: email.into(),
    }
}

fn policy(trusted: &[&str]) -> SenderPolicy {
    SenderPolicy {
        trusted_authserv_ids: trusted.iter().map(|s| s.to_string()).collect(),
        ..SenderPolicy::default()
    }
}

fn headers(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

fn ar(value: &str) -> (&'static str, &str) {
    ("authentication-results", value)
}

// ---- the parser ----------------------------------------------------------------------

#[test]
fn parses_gmail() {
    let a = authres::parse(GMAIL);
    assert_eq!(a.authserv_id.as_deref(), Some("mx.google.com"));
    let methods: Vec<(&str, &str)> = a
        .results
        .iter()
        .map(|r| (r.method.as_str(), r.result.as_str()))
        .collect();
    assert_eq!(
        methods,
        [
            ("dkim", "pass"),
            ("arc", "pass"),
            ("spf", "pass"),
            ("dmarc", "pass")
        ]
    );
    assert_eq!(a.results[0].prop("header.i"), Some("@kampus.ac.id"));
    assert_eq!(a.results[0].prop("header.b"), Some("Xy7aBc9d"));
    assert_eq!(
        a.results[2].prop("smtp.mailfrom"),
        Some("kepala.upt@kampus.ac.id")
    );
    assert_eq!(a.results[3].prop("header.from"), Some("kampus.ac.id"));
}

#[test]
fn parses_microsoft_365_without_authserv_id() {
    let a = authres::parse(M365);
    assert_eq!(a.authserv_id, None);
    let dkim = &a.results[1];
    assert_eq!(
        (dkim.method.as_str(), dkim.result.as_str()),
        ("dkim", "pass")
    );
    assert_eq!(dkim.prop("header.d"), Some("kampus.ac.id"));
    let dmarc = &a.results[2];
    assert_eq!(dmarc.prop("action"), Some("none"));
    assert_eq!(dmarc.prop("header.from"), Some("kampus.ac.id"));
    assert_eq!(a.results[3].method, "compauth");
    assert_eq!(a.results[3].prop("reason"), Some("100"));
}

#[test]
fn parses_postfix_opendkim() {
    let a = authres::parse(POSTFIX);
    assert_eq!(a.authserv_id.as_deref(), Some("mail.kampus.ac.id"));
    assert_eq!(a.results.len(), 1);
    assert_eq!(a.results[0].prop("header.d"), Some("kampus.ac.id"));
    assert_eq!(a.results[0].prop("header.s"), Some("sel1"));
}

#[test]
fn parses_the_rfc_odds_and_ends() {
    // RFC 8601 §6: version, method versions, quoted values, comments anywhere, CFWS around "=".
    let a = authres::parse(
        "Example.COM 1 (the (nested) comment); DKIM/1 = Pass (good \\) sig) \
         header.d = \"kampus.ac.id\" reason=\"valid; signature\"; none",
    );
    assert_eq!(a.authserv_id.as_deref(), Some("example.com"));
    assert_eq!(a.results.len(), 1);
    let r = &a.results[0];
    assert_eq!((r.method.as_str(), r.result.as_str()), ("dkim", "pass"));
    assert_eq!(r.prop("header.d"), Some("kampus.ac.id"));
    assert_eq!(r.prop("reason"), Some("valid; signature"));
    assert_eq!(authres::parse("mx.example; none").results, vec![]);
    assert_eq!(authres::parse("").authserv_id, None);
}

// ---- the decision --------------------------------------------------------------------

#[test]
fn gmail_dkim_and_dmarc_pass() {
    let h = headers(&[("received", "from mail-sor-f41.google.com ..."), ar(GMAIL)]);
    assert_eq!(
        check(&policy(&["mx.google.com"]), &from(APPROVER), &h, APPROVER),
        Ok(())
    );
}

#[test]
fn microsoft_365_counts_only_when_unnamed_headers_are_trusted() {
    let h = headers(&[ar(M365)]);
    let mut p = policy(&[]);
    let r = check(&p, &from(APPROVER), &h, APPROVER);
    assert!(
        matches!(r, Err(SenderRefusal::NoTrustedResults { .. })),
        "{r:?}"
    );
    p.trust_unnamed_authserv = true;
    assert_eq!(check(&p, &from(APPROVER), &h, APPROVER), Ok(()));
}

#[test]
fn postfix_opendkim_and_opendmarc() {
    let p = policy(&["mail.kampus.ac.id"]);
    for value in [POSTFIX, POSTFIX_DMARC] {
        let h = headers(&[ar(value)]);
        assert_eq!(check(&p, &from(APPROVER), &h, APPROVER), Ok(()), "{value}");
    }
}

#[test]
fn forged_header_with_untrusted_id_does_not_count() {
    let h = headers(&[
        ar("mail.kampus.ac.id; dkim=fail (bad signature) header.d=kampus.ac.id; dmarc=fail header.from=kampus.ac.id"),
        ar("evil.example.org; dkim=pass header.d=kampus.ac.id; dmarc=pass header.from=kampus.ac.id"),
    ]);
    let r = check(
        &policy(&["mail.kampus.ac.id"]),
        &from(APPROVER),
        &h,
        APPROVER,
    );
    assert_eq!(
        r.as_ref().map_err(SenderRefusal::kind),
        Err("unauthenticated")
    );
    let text = r.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        text.contains("dkim=fail") && text.contains("dmarc=fail"),
        "{text}"
    );
}

#[test]
fn forged_header_with_the_trusted_id_below_ours_does_not_count() {
    // The forger wrote a header with our id; our server prepended its own above it.
    let h = headers(&[
        ar("mail.kampus.ac.id; spf=softfail smtp.mailfrom=evil.example.org; dkim=none; dmarc=fail header.from=kampus.ac.id"),
        ("received", "from evil.example.org"),
        ar("mail.kampus.ac.id; dkim=pass header.d=kampus.ac.id; dmarc=pass header.from=kampus.ac.id"),
    ]);
    let r = check(
        &policy(&["mail.kampus.ac.id"]),
        &from(APPROVER),
        &h,
        APPROVER,
    );
    assert!(
        matches!(r, Err(SenderRefusal::Unauthenticated { .. })),
        "{r:?}"
    );
}

#[test]
fn only_forged_headers_means_no_trusted_results() {
    let h = headers(&[ar(
        "evil.example.org; dkim=pass header.d=kampus.ac.id; dmarc=pass",
    )]);
    let r = check(&policy(&["mx.google.com"]), &from(APPROVER), &h, APPROVER);
    assert_eq!(
        r,
        Err(SenderRefusal::NoTrustedResults {
            trusted: "mx.google.com".into(),
            found: "evil.example.org".into()
        })
    );
    let r = check(&policy(&[]), &from(APPROVER), &[], APPROVER);
    assert_eq!(
        r.map_err(|e| e.to_string()),
        Err("no Authentication-Results header from a trusted server \
             (trusted: none configured; found: none)"
            .into())
    );
}

#[test]
fn dkim_pass_for_another_domain_is_not_aligned() {
    let h = headers(&[ar(
        "mx.google.com; dkim=pass header.i=@mailer.example.net header.s=s1; \
         spf=pass smtp.mailfrom=bounce@mailer.example.net; dmarc=fail header.from=kampus.ac.id",
    )]);
    let r = check(&policy(&["mx.google.com"]), &from(APPROVER), &h, APPROVER);
    assert_eq!(
        r,
        Err(SenderRefusal::Unauthenticated {
            from: APPROVER.into(),
            reason: "mx.google.com: dkim=pass for \"mailer.example.net\", not aligned with \
                     \"kampus.ac.id\", dmarc=fail"
                .into()
        })
    );
    // dmarc=pass for another From domain does not count either.
    let h = headers(&[ar("mx.google.com; dmarc=pass header.from=example.net")]);
    let r = check(&policy(&["mx.google.com"]), &from(APPROVER), &h, APPROVER);
    assert!(
        matches!(r, Err(SenderRefusal::Unauthenticated { .. })),
        "{r:?}"
    );
    // SPF alone proves nothing about From.
    let h = headers(&[ar(
        "mx.google.com; spf=pass smtp.mailfrom=kepala.upt@kampus.ac.id",
    )]);
    let r = check(&policy(&["mx.google.com"]), &from(APPROVER), &h, APPROVER);
    assert_eq!(
        r.map_err(|e| e.to_string()),
        Err("sender kepala.upt@kampus.ac.id is not authenticated: \
             mx.google.com: no dkim or dmarc result"
            .into())
    );
}

#[test]
fn relaxed_alignment_approximation() {
    assert!(aligned("kampus.ac.id", "kampus.ac.id"));
    assert!(aligned("mail.kampus.ac.id", "kampus.ac.id"));
    assert!(aligned("kampus.ac.id", "fkip.kampus.ac.id"));
    assert!(aligned("KAMPUS.AC.ID.", "kampus.ac.id"));
    assert!(!aligned("evilkampus.ac.id", "kampus.ac.id"));
    assert!(!aligned("kampus.ac.id.evil.org", "kampus.ac.id"));
    assert!(!aligned("id", "kampus.ac.id"));
    assert!(!aligned("", "kampus.ac.id"));
    assert!(!aligned("fkip.kampus.ac.id", "ft.kampus.ac.id"));
}

#[test]
fn case_differences_do_not_matter() {
    let h = headers(&[ar(
        "MX.Google.COM; DKIM=PASS header.d=KAMPUS.AC.ID; DMARC=FAIL",
    )]);
    assert_eq!(
        check(
            &policy(&["mx.google.com"]),
            &from("Kepala.UPT@Kampus.AC.ID"),
            &h,
            "KEPALA.upt@kampus.ac.id"
        ),
        Ok(())
    );
}

#[test]
fn not_the_approver() {
    let h = headers(&[ar(GMAIL)]);
    let r = check(
        &policy(&["mx.google.com"]),
        &from("Sekretaris@kampus.ac.id"),
        &h,
        APPROVER,
    );
    assert_eq!(
        r,
        Err(SenderRefusal::NotTheApprover {
            from: "sekretaris@kampus.ac.id".into(),
            approver: APPROVER.into()
        })
    );
}

#[test]
fn reply_from_an_alias() {
    let mut p = policy(&["mx.google.com"]);
    p.aliases.insert(
        "Kepala.UPT@kampus.ac.id".into(),
        vec!["pak.kepala@gmail.com".into()],
    );
    let h = headers(&[ar(
        "mx.google.com; dkim=pass header.i=@gmail.com header.s=20230601; \
         spf=pass smtp.mailfrom=pak.kepala@gmail.com; dmarc=pass (p=NONE sp=QUARANTINE dis=NONE) \
         header.from=gmail.com",
    )]);
    assert_eq!(
        check(&p, &from("Pak.Kepala@gmail.com"), &h, APPROVER),
        Ok(())
    );
    assert_eq!(p.aliases_of("KEPALA.UPT@KAMPUS.AC.ID").len(), 1);
    // The alias must still be authenticated as itself: kampus.ac.id's DKIM does not cover gmail.com.
    let h = headers(&[ar(POSTFIX)]);
    let p2 = SenderPolicy {
        trusted_authserv_ids: vec!["mail.kampus.ac.id".into()],
        ..p.clone()
    };
    let r = check(&p2, &from("pak.kepala@gmail.com"), &h, APPROVER);
    assert!(
        matches!(r, Err(SenderRefusal::Unauthenticated { .. })),
        "{r:?}"
    );
}

#[test]
fn authentication_can_be_switched_off() {
    let p = SenderPolicy {
        require_authenticated_sender: false,
        ..SenderPolicy::default()
    };
    assert_eq!(check(&p, &from(APPROVER), &[], APPROVER), Ok(()));
    let r = check(&p, &from("x@example.org"), &[], APPROVER);
    assert_eq!(r.map_err(|e| e.kind()), Err("not_the_approver"));
}

#[test]
fn several_trusted_servers() {
    // Mail relayed by Google to the university's own server: both stamp a header.
    let h = headers(&[
        ar("mail.kampus.ac.id; dkim=temperror (no key for signature) header.d=kampus.ac.id"),
        ar(GMAIL),
    ]);
    let p = policy(&["mail.kampus.ac.id", "mx.google.com"]);
    assert_eq!(check(&p, &from(APPROVER), &h, APPROVER), Ok(()));
    assert_eq!(trusted_results(&p, &h).len(), 2);
}

proptest! {
    #[test]
    fn parser_never_panics(value in any::<String>()) {
        let _ = authres::parse(&value);
        let h = vec![("authentication-results".to_string(), value)];
        let _ = check(&policy(&["mx.google.com"]), &from(APPROVER), &h, APPROVER);
    }

    #[test]
    fn parser_never_panics_on_header_like_noise(
        value in "[a-z. ]{0,12}(;? ?[a-z/]{1,6} ?= ?[\"()a-z.@\\\\]{0,12}){0,6}[();\"=\\\\]{0,3}"
    ) {
        let _ = authres::parse(&value);
    }

    #[test]
    fn any_from_with_any_headers_never_panics(
        email in any::<String>(),
        value in any::<String>(),
        approver in any::<String>(),
    ) {
        let h = vec![("authentication-results".to_string(), value)];
        let mut p = policy(&["mx.google.com"]);
        p.trust_unnamed_authserv = true;
        let _ = check(&p, &from(&email), &h, &approver);
    }
}

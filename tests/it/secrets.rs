//! Secrets after sending: the staff member's SELESAI carries an initial password in a base64
//! or quoted-printable body; once the activation email has gone, no byte of the SQLite file
//! (nor its WAL) holds the password, the stored reply decodes to `***` where it stood, keeps
//! its headers, and is marked redacted.

use super::disposition::{message_id, one, run, state, token_of};
use super::lampiran::approve;
use super::support::{repo, Env};

const SECRET: &str = "Ganti-Segera-77";

fn b64(bytes: &[u8]) -> String {
    let mut s = String::from_utf8(suratd::approval::redact::base64_lines(bytes)).expect("ascii");
    s.push_str("\r\n");
    s
}

/// The staff member's SELESAI, its text part in `cte`, as Gmail sends it (with an HTML twin).
fn selesai(token: &str, parent: &str, cte: &str) -> String {
    let text = format!(
        "SELESAI\r\nAkun email: fst@uin-malang.ac.id\r\nPassword awal: {SECRET}\r\n\r\nSalam,\r\nStaf Layanan TIK\r\n"
    );
    let body = match cte {
        "base64" => b64(text.as_bytes()),
        // A soft line break inside the password, as a client wrapping at 76 may put it.
        _ => text.replace("Ganti-Seg", "Ganti-Seg=\r\n"),
    };
    let html = format!("<div>SELESAI<br>Password awal: {SECRET}</div>");
    let html = match cte {
        "base64" => b64(html.as_bytes()),
        _ => html.replace("Ganti-", "Ganti=\r\n-"),
    };
    format!(
        "From: Staf Layanan TIK <staf.tik@kampus.ac.id>\r\nTo: helpdesk+{token}@kampus.ac.id\r\n\
         Subject: Re: tugas\r\nMessage-ID: <selesai-{cte}@kampus.ac.id>\r\nIn-Reply-To: <{parent}>\r\n\
         Authentication-Results: mx.kampus.ac.id; dkim=pass header.d=kampus.ac.id\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"g\"\r\n\r\n\
         --g\r\nContent-Type: text/plain; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}\r\n\
         --g\r\nContent-Type: text/html; charset=\"UTF-8\"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{html}\r\n--g--\r\n"
    )
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_clear_secret_remains_in_the_database_after_sending_base64_or_qp() {
    for cte in ["base64", "quoted-printable"] {
        let env = Env::new();
        let letter =
            std::fs::read(repo().join("tests/data/eml/email-institusi/subdomain-fakultas.eml"))
                .expect("letter");
        env.deliver("1", &letter);
        run(&env);
        approve(&env, &one(&env, ".disposisi-"));
        let task = one(&env, ".pembuatan-akun-");
        env.deliver(
            "3",
            selesai(&token_of(&task), &message_id(&task), cte).as_bytes(),
        );
        run(&env);
        assert_eq!(state(&env), "resolved", "{cte}");
        // The requester got the password, in the file outbox (the delivery medium).
        let act = one(&env, ".informasi-aktivasi@");
        assert!(act.contains(SECRET), "{cte}: {act}");

        let db_path = env.path().join("var/suratd.db");
        let db = suratd::store::Store::open_read_only(&db_path).expect("db");
        let stored = db
            .messages()
            .expect("messages")
            .into_iter()
            .find(|m| m.message_id.as_deref() == Some(&format!("selesai-{cte}@kampus.ac.id")))
            .expect("the reply is stored");
        let raw = db.raw(stored.id).expect("raw").expect("raw");
        let text = String::from_utf8_lossy(&raw);
        assert!(text.starts_with("X-Suratd-Redacted: "), "{cte}: {text}");
        assert!(text.contains("Message-ID: <selesai-"), "{cte}: {text}");
        let msg = mail_parser::MessageParser::default()
            .parse(&raw)
            .expect("still a message");
        let plain = msg.body_text(0).expect("text part").into_owned();
        assert!(plain.contains("Password awal: ***"), "{cte}: {plain}");
        assert!(plain.contains("fst@uin-malang.ac.id"), "{cte}: {plain}");
        let html = msg.body_html(0).expect("html part").into_owned();
        assert!(!html.contains(SECRET), "{cte}: {html}");
        let kinds: Vec<String> = db
            .events(None)
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert!(kinds.iter().any(|k| k == "message_redacted"), "{kinds:?}");
        drop(db);
        // Every byte of the database, its WAL and shared memory: no password in clear or QP.
        for suffix in ["", "-wal", "-shm"] {
            let path = env.path().join(format!("var/suratd.db{suffix}"));
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            assert!(
                !contains(&bytes, SECRET.as_bytes()),
                "{cte}: secret in {}",
                path.display()
            );
            assert!(
                !contains(&bytes, b"Ganti-Seg=\r\nera"),
                "{cte}: QP secret in {}",
                path.display()
            );
        }
    }
}

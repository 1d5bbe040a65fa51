//! TEMPORARY: a minimal reader of leaders' and staff's answers, until `approval::decision`
//! and `parse::reply` (branch `reply`) are merged; then [`read_answer`] maps their results
//! and the rest of this file goes.

use super::disposition::Answer;

/// The new part of a reply: lines before the first quote or attribution.
pub fn new_text(body: &str) -> String {
    let mut out = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        let lower = t.to_lowercase();
        if t.starts_with('>')
            || lower.starts_with("-----original message")
            || lower.starts_with("-----pesan asli")
            || (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || (lower.starts_with("pada ") && lower.ends_with("menulis:"))
            || t == "--"
        {
            break;
        }
        out.push(line);
    }
    out.join("\n")
}

const APPROVE: [&str; 9] = [
    "SETUJU",
    "DISETUJUI",
    "ACC",
    "YA",
    "OK",
    "LANJUTKAN",
    "APPROVE",
    "APPROVED",
    "YES",
];
const REJECT: [&str; 6] = ["TOLAK", "DITOLAK", "TIDAK", "REJECT", "REJECTED", "NO"];
const DONE: [&str; 3] = ["SELESAI", "DONE", "SUDAH"];

fn first_word(line: &str) -> (String, &str) {
    let t = line.trim_start();
    let end = t.find(|c: char| !c.is_alphanumeric()).unwrap_or(t.len());
    (t[..end].to_uppercase(), &t[end..])
}

/// What `text` (the new part of a reply) says, for a disposition (`work == false`) or a task.
pub fn read_answer(text: &str, work: bool) -> Answer {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let Some(first) = lines.next() else {
        return Answer::Unclear {
            why: "the reply is empty".into(),
        };
    };
    let (word, rest) = first_word(first);
    let rest = rest
        .trim_start_matches(|c: char| c.is_whitespace() || ",.:;-!".contains(c))
        .trim();
    if work {
        if !DONE.contains(&word.as_str()) {
            return Answer::Unclear {
                why: "no SELESAI on the first line".into(),
            };
        }
        let outputs = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| {
                (
                    k.trim().to_lowercase().replace([' ', '-'], "_"),
                    v.trim().to_string(),
                )
            })
            .filter(|(k, v)| !k.is_empty() && !v.is_empty())
            .collect();
        return Answer::Done { outputs };
    }
    if APPROVE.contains(&word.as_str()) {
        let lower = rest.to_lowercase();
        let staff = [
            "disposisi ke ",
            "diteruskan ke ",
            "assign to ",
            "ke ",
            "to ",
        ]
        .iter()
        .find_map(|p| {
            lower
                .find(p)
                .map(|i| rest[i + p.len()..].trim().to_string())
        })
        .map(|s| s.trim_end_matches(['.', '!']).to_string())
        .filter(|s| !s.is_empty());
        let note = (!rest.is_empty()).then(|| rest.to_string());
        Answer::Approve { staff, note }
    } else if REJECT.contains(&word.as_str()) {
        let mut reason = rest.to_string();
        if reason.is_empty() {
            reason = lines.next().unwrap_or("").trim().to_string();
        }
        Answer::Reject { reason }
    } else {
        Answer::Unclear {
            why: "no decision word (SETUJU or TOLAK) on the first line".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_answers() {
        assert_eq!(
            read_answer("SETUJU, disposisi ke Staf Layanan TIK\n\n> quoted", false),
            Answer::Approve {
                staff: Some("Staf Layanan TIK".into()),
                note: Some("disposisi ke Staf Layanan TIK".into())
            }
        );
        assert_eq!(
            read_answer("tolak: kuota habis", false),
            Answer::Reject {
                reason: "kuota habis".into()
            }
        );
        assert!(matches!(
            read_answer("Baik, nanti saya cek", false),
            Answer::Unclear { .. }
        ));
        assert_eq!(
            read_answer("SELESAI\nuser: budi\nLisensi: A1", true),
            Answer::Done {
                outputs: vec![
                    ("user".into(), "budi".into()),
                    ("lisensi".into(), "A1".into())
                ]
            }
        );
        assert_eq!(new_text("OK\n\nOn Mon, X wrote:\n> TOLAK"), "OK\n");
    }
}

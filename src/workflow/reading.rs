//! What a leader's or staff member's reply says, as the engine needs it: the new part of the
//! reply ([`crate::parse::reply::new_text`]) read by [`crate::approval::decision`].

use super::disposition::Answer;
use crate::approval::decision::{self, Completion, Decision};

/// The new part of a reply: quotes, attributions and signatures stripped.
pub fn new_text(body: &str) -> String {
    crate::parse::reply::new_text(body).text
}

/// What `text` (the new part of a reply) says to a disposition (`work == false`) or to a
/// task whose step names `outputs`.
pub fn read_answer(text: &str, work: bool, outputs: &[String]) -> Answer {
    if work {
        let names: Vec<&str> = outputs.iter().map(String::as_str).collect();
        return match decision::read_completion(text, &names) {
            Completion::Done {
                outputs: given,
                secret_outputs,
                missing,
            } => {
                let mut outputs: Vec<(String, String)> = given.into_iter().collect();
                outputs.extend(short_labels(text, &missing));
                Answer::Done {
                    outputs,
                    secret: secret_outputs,
                }
            }
            Completion::NotDone { reason } => Answer::NotDone { reason },
            Completion::Unclear { why } => Answer::Unclear {
                why: format!("{why:?}"),
            },
        };
    }
    match decision::read_decision(text) {
        Decision::Approve { staff, note } => Answer::Approve { staff, note },
        Decision::Reject { reason } => Answer::Reject { reason },
        Decision::Unclear { why } => Answer::Unclear {
            why: match why {
                decision::Unclear::NoDecisionWord => {
                    "no decision word (SETUJU or TOLAK) in the first lines".into()
                }
                decision::Unclear::BothWords => "both SETUJU and TOLAK in the same line".into(),
                decision::Unclear::Empty => "the reply is empty".into(),
            },
        },
    }
}

/// Output lines labelled by the first word of a missing output's name ("user: …" for
/// `user_id`), which the decision reader leaves out.
fn short_labels(text: &str, missing: &[String]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((label, value)) = line.split_once(':') else {
            continue;
        };
        let label = label.trim().to_lowercase().replace([' ', '-'], "_");
        let value = value.trim();
        if label.is_empty() || value.is_empty() {
            continue;
        }
        if let Some(m) = missing
            .iter()
            .find(|m| m.starts_with(&format!("{label}_")))
            .filter(|m| !out.iter().any(|(n, _): &(String, String)| n == *m))
        {
            out.push((m.clone(), value.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_usual_answers() {
        assert!(matches!(
            read_answer("SETUJU, disposisi ke Staf Layanan TIK", false, &[]),
            Answer::Approve { staff: Some(s), .. } if s.contains("Layanan TIK")
        ));
        assert!(matches!(
            read_answer("TOLAK kuota habis", false, &[]),
            Answer::Reject { reason } if reason.contains("kuota habis")
        ));
        assert!(matches!(
            read_answer("Baik, nanti saya cek", false, &[]),
            Answer::Unclear { .. }
        ));
        let outs = vec!["user_id".to_string(), "lisensi".to_string()];
        assert!(matches!(
            read_answer("SELESAI\nuser: budi\nlisensi: A1", true, &outs),
            Answer::Done { outputs, .. } if outputs.len() == 2
        ));
        assert!(matches!(
            read_answer("SELESAI\nuser_id: budi\nlisensi: A1", true, &outs),
            Answer::Done { outputs, .. } if outputs.len() == 2
        ));
    }
}

//! Tests of the rules module as a whole: the shipped rule files and the docs example,
//! diagnostics of broken files (verbatim), classification and extraction of realistic
//! letters, and property tests.

use crate::parse::AttachmentKind;
use crate::rules::{load_dir, Letter, RuleContext, RuleSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

mod diagnostics;
mod letters;
mod props;
mod shipped;
mod unstated;

/// The templates and roles the shipped rule files may use.
pub(super) fn context() -> RuleContext {
    let templates = [
        "ack",
        "kelengkapan",
        "disposisi",
        "tugas",
        "aktivasi",
        "balasan",
        "umpan_balik",
        "arahan",
        "penolakan",
        "selesai",
        "eskalasi",
        "pengingat",
    ];
    let roles = ["pemohon", "helpdesk", "pimpinan", "staf", "kepala", "kabag"];
    RuleContext {
        templates: templates.iter().map(|s| s.to_string()).collect(),
        roles: roles.iter().map(|s| s.to_string()).collect(),
    }
}

pub(super) fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// The shipped rules, loaded once for all tests.
pub(super) fn shipped() -> &'static RuleSet {
    static SET: OnceLock<RuleSet> = OnceLock::new();
    SET.get_or_init(|| match load_dir(&rules_dir(), &context()) {
        Ok(set) => set,
        Err(diags) => {
            let shown: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
            panic!("shipped rules do not load:\n{}", shown.join(""))
        }
    })
}

/// A letter with a body and attachments (PDF unless the name says otherwise).
pub(super) fn letter<'a>(
    from: &'a str,
    subject: &'a str,
    body: &'a str,
    attachments: &[(&'a str, &'a str)],
) -> Letter<'a> {
    Letter {
        subject,
        body,
        attachments: attachments.to_vec(),
        attachment_kinds: attachments.iter().map(|(n, _)| (*n, kind_of(n))).collect(),
        from,
        from_name: "",
        to: vec!["helpdesk@kampus.ac.id"],
    }
}

pub(super) fn kind_of(name: &str) -> AttachmentKind {
    let lower = name.to_lowercase();
    if lower.ends_with(".pdf") {
        AttachmentKind::Pdf
    } else if lower.ends_with(".docx") {
        AttachmentKind::Docx
    } else if lower.ends_with(".txt") {
        AttachmentKind::Text
    } else {
        AttachmentKind::Other
    }
}

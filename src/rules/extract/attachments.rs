//! Whether the attachments the rule asks for are there.

use crate::parse::AttachmentKind;
use crate::rules::matching::{find_phrase, normalize};
use crate::rules::{AttachmentSpec, Letter};

/// Names of required attachments that are not there. An attachment counts for a spec when
/// its kind is allowed and, with keywords, its file name contains one or its text has one
/// as a phrase. Each attachment serves one spec: file-name matches are assigned first, then
/// text matches; an attachment already used may serve another spec only by its file name
/// (a combined "permohonan_dan_rekomendasi.pdf").
pub(super) fn missing_attachments(specs: &[AttachmentSpec], letter: &Letter<'_>) -> Vec<String> {
    struct Att<'a> {
        name_norm: String,
        kind: Option<AttachmentKind>,
        text: Option<&'a str>,
        text_norm: Option<String>,
    }
    let mut atts: Vec<Att<'_>> = letter
        .attachment_kinds
        .iter()
        .map(|(name, kind)| Att {
            name_norm: normalize(name),
            kind: Some(*kind),
            text: letter
                .attachments
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, t)| *t),
            text_norm: None,
        })
        .collect();
    for (name, text) in &letter.attachments {
        if !letter.attachment_kinds.iter().any(|(n, _)| n == name) {
            atts.push(Att {
                name_norm: normalize(name),
                kind: None,
                text: Some(text),
                text_norm: None,
            });
        }
    }
    let needs_text = specs.iter().any(|s| !s.keywords.is_empty());
    if needs_text {
        for a in &mut atts {
            a.text_norm = a.text.map(normalize);
        }
    }

    let kind_ok = |spec: &AttachmentSpec, a: &Att<'_>| {
        spec.kinds.is_empty() || a.kind.is_some_and(|k| spec.kinds.contains(&k))
    };
    let by_name = |spec: &AttachmentSpec, a: &Att<'_>| {
        spec.keywords.is_empty()
            || spec
                .keywords
                .iter()
                .any(|k| a.name_norm.contains(normalize(k).as_str()))
    };
    let by_text = |spec: &AttachmentSpec, a: &Att<'_>| {
        a.text_norm.as_deref().is_some_and(|t| {
            spec.keywords
                .iter()
                .any(|k| find_phrase(t, &normalize(k)).is_some())
        })
    };

    let mut used = vec![false; atts.len()];
    let mut served = vec![false; specs.len()];
    type Test<'t, 'a> = &'t dyn Fn(&AttachmentSpec, &Att<'a>) -> bool;
    let passes: [(Test<'_, '_>, bool); 3] =
        [(&by_name, false), (&by_text, false), (&by_name, true)];
    for (test, reuse) in passes {
        for (si, spec) in specs.iter().enumerate() {
            if served[si] {
                continue;
            }
            let pick = atts
                .iter()
                .enumerate()
                .find(|(ai, a)| (reuse || !used[*ai]) && kind_ok(spec, a) && test(spec, a));
            if let Some((ai, _)) = pick {
                used[ai] = true;
                served[si] = true;
            }
        }
    }
    specs
        .iter()
        .zip(served)
        .filter(|(s, served)| s.required && !served)
        .map(|(s, _)| s.name.clone())
        .collect()
}

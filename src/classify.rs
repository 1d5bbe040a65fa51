//! What is this message? In this order, first answer wins:
//!
//! 1. **automatic**: RFC 3834 `Auto-Submitted` other than `no`, a delivery report
//!    (`multipart/report`, RFC 6522), `Precedence: bulk|junk|list`, `List-Id` (RFC 2919), a null
//!    return path, mail from MAILER-DAEMON/postmaster, auto-reply subjects, or mail from suratd
//!    itself. Never answered — answering automatic mail is how mail loops start. When it is on
//!    a ticket's thread it is recorded on that ticket.
//! 2. **approval**: the message carries an approval token (plus-address, subject tag or body):
//!    a leader's decision or a staff member's completion, for the pipeline to check.
//! 3. **reply**: In-Reply-To/References name a message of a ticket's thread, or the subject
//!    carries a known ticket tag like `[TIK-2026-000123]`.
//!    A subject tag naming a ticket that does not exist sends the message to triage.
//! 4. **new request**: the rule files score the letter; the best rule at or above its threshold
//!    wins and its fields are extracted.
//! 5. **unmatched**: nothing claimed it; the helpdesk triages it.
//!
//! Pure: the only outside knowledge, which tickets exist, comes through [`ThreadIndex`].

use crate::parse::ParsedMessage;
use crate::rules::{matching, Extraction, Letter, RuleSet, Score};
use crate::store::TicketId;
use crate::workflow::TicketState;
use serde::Serialize;

/// A ticket as the classifier needs to know it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TicketRef {
    #[serde(skip)]
    pub id: TicketId,
    pub number: String,
    pub state: TicketState,
    pub rule: Option<String>,
}

/// Which tickets exist, by thread Message-ID or by number.
pub trait ThreadIndex {
    fn by_message_id(&self, message_id: &str) -> Option<TicketRef>;
    fn by_number(&self, number: &str) -> Option<TicketRef>;
}

/// No tickets at all (e.g. `suratd try` without a database).
pub struct NoTickets;

impl ThreadIndex for NoTickets {
    fn by_message_id(&self, _: &str) -> Option<TicketRef> {
        None
    }
    fn by_number(&self, _: &str) -> Option<TicketRef> {
        None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    NewRequest,
    Reply,
    Approval,
    Automatic,
    Unmatched,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::NewRequest => "new_request",
            Kind::Reply => "reply",
            Kind::Approval => "approval",
            Kind::Automatic => "automatic",
            Kind::Unmatched => "unmatched",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub kind: Kind,
    /// Why, in words (for logs, `try` and the messages table).
    pub reason: String,
    /// The ticket a reply (or an automatic message) belongs to.
    pub ticket: Option<TicketRef>,
    /// The winning rule of a new request.
    pub rule: Option<String>,
    /// Every rule's score, best first (empty when rules were not consulted).
    pub scores: Vec<Score>,
    /// Fields of a new request.
    pub extraction: Option<Extraction>,
}

/// Addresses that are suratd itself (the helpdesk address and its plus-forms).
pub struct SelfAddress<'a> {
    pub address: &'a str,
}

impl SelfAddress<'_> {
    fn matches(&self, email: &str) -> bool {
        let email = email.trim().to_lowercase();
        let Some((local, domain)) = email.rsplit_once('@') else {
            return false;
        };
        let Some((own_local, own_domain)) = self.address.rsplit_once('@') else {
            return false;
        };
        domain == own_domain && local.split('+').next() == Some(own_local)
    }
}

pub fn classify(
    msg: &ParsedMessage,
    rules: &RuleSet,
    index: &dyn ThreadIndex,
    me: &SelfAddress<'_>,
    ticket_prefix: &str,
) -> Classification {
    let thread = find_thread(msg, index, ticket_prefix);
    if let Some(reason) = automatic_reason(msg, me) {
        return Classification {
            kind: Kind::Automatic,
            reason,
            ticket: thread.map(|(t, _)| t),
            rule: None,
            scores: Vec::new(),
            extraction: None,
        };
    }
    // A token (in the plus-address, the subject tag or the body) makes it a decision or a
    // completion for the pipeline to check; never a new request.
    if !crate::approval::token::tokens_in_message(msg).is_empty() {
        let ticket = thread.map(|(t, _)| t);
        return Classification {
            kind: Kind::Approval,
            reason: match &ticket {
                Some(t) => format!("approval token, on the thread of {}", t.number),
                None => "approval token".to_string(),
            },
            rule: ticket.as_ref().and_then(|t| t.rule.clone()),
            ticket,
            scores: Vec::new(),
            extraction: None,
        };
    }
    if let Some((ticket, via)) = thread {
        // Read the reply with the ticket's rule: it may bring what the letter lacked.
        let rule = ticket.rule.as_deref().and_then(|id| rules.get(id));
        let extraction = rule.map(|r| crate::rules::extract::extract(r, &Letter::from_parsed(msg)));
        return Classification {
            kind: Kind::Reply,
            reason: format!("reply on {} ({via})", ticket.number),
            rule: rule.map(|r| r.id.0.clone()),
            ticket: Some(ticket),
            scores: Vec::new(),
            extraction,
        };
    }
    // A follow-up on a ticket we do not know (another system's, or a typo) is not a new
    // request: the helpdesk must look, rather than suratd open a second case.
    let unknown_tags = ticket_tags(&msg.subject, ticket_prefix);
    if let Some(tag) = unknown_tags.first() {
        return Classification {
            kind: Kind::Unmatched,
            reason: format!("subject names ticket [{tag}], which does not exist"),
            ticket: None,
            rule: None,
            scores: Vec::new(),
            extraction: None,
        };
    }
    let letter = Letter::from_parsed(msg);
    let (scores, winner) = matching::best(rules, &letter);
    match winner {
        Some(rule) => {
            let extraction = crate::rules::extract::extract(rule, &letter);
            let total = scores.first().map_or(0.0, |s| s.total);
            Classification {
                kind: Kind::NewRequest,
                reason: format!(
                    "rule {} scored {total} (threshold {})",
                    rule.id, rule.threshold
                ),
                ticket: None,
                rule: Some(rule.id.0.clone()),
                scores,
                extraction: Some(extraction),
            }
        }
        None => {
            let reason = match scores.first() {
                Some(best) => format!(
                    "no rule reached its threshold (best: {} with {} of {})",
                    best.rule, best.total, best.threshold
                ),
                None => "no rules are loaded".to_string(),
            };
            Classification {
                kind: Kind::Unmatched,
                reason,
                ticket: None,
                rule: None,
                scores,
                extraction: None,
            }
        }
    }
}

/// The ticket whose thread this message is on, and how that was found.
fn find_thread(
    msg: &ParsedMessage,
    index: &dyn ThreadIndex,
    prefix: &str,
) -> Option<(TicketRef, String)> {
    for id in msg.in_reply_to.iter() {
        if let Some(t) = index.by_message_id(id) {
            return Some((t, format!("In-Reply-To <{id}>")));
        }
    }
    // Newest reference last (RFC 5322 §3.6.4): look from the end.
    for id in msg.references.iter().rev() {
        if let Some(t) = index.by_message_id(id) {
            return Some((t, format!("References <{id}>")));
        }
    }
    for number in ticket_tags(&msg.subject, prefix) {
        if let Some(t) = index.by_number(&number) {
            return Some((t, format!("subject tag [{number}]")));
        }
    }
    None
}

/// Ticket numbers tagged in a subject: `[TIK-2026-000123]` (brackets required, so a number
/// quoted in running text is not taken for a tag).
pub fn ticket_tags(subject: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = subject;
    while let Some(open) = rest.find('[') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find(']') else { break };
        // `[TIK-2026-000123]`, or `[TIK-2026-000123 a-…]` with an approval token.
        let inner = rest[..close].split_whitespace().next().unwrap_or("");
        if let Some(n) = parse_ticket_number(inner, prefix) {
            out.push(n);
        }
        rest = &rest[close..];
    }
    out
}

/// `TIK-2026-000123` (prefix case-insensitive) → canonical form.
fn parse_ticket_number(s: &str, prefix: &str) -> Option<String> {
    let mut parts = s.split('-');
    let p = parts.next()?;
    let year = parts.next()?;
    let seq = parts.next()?;
    if parts.next().is_some()
        || !p.eq_ignore_ascii_case(prefix)
        || year.len() != 4
        || !year.bytes().all(|b| b.is_ascii_digit())
        || seq.is_empty()
        || seq.len() > 9
        || !seq.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let seq: u64 = seq.parse().ok()?;
    Some(format!("{prefix}-{year}-{seq:06}"))
}

/// Why a message is automatic, or None for a message a person wrote.
pub fn automatic_reason(msg: &ParsedMessage, me: &SelfAddress<'_>) -> Option<String> {
    // RFC 3834 §5: any value but "no" marks an automatic message.
    if let Some(v) = msg.header("auto-submitted") {
        let token = v.split(';').next().unwrap_or("").trim().to_lowercase();
        if token != "no" && !token.is_empty() {
            return Some(format!("Auto-Submitted: {token}"));
        }
    }
    // RFC 6522: delivery status notifications and other reports.
    if msg.content_type.starts_with("multipart/report") {
        return Some("delivery report (multipart/report)".into());
    }
    if let Some(p) = msg.header("precedence") {
        let p = p.trim().to_lowercase();
        if matches!(p.as_str(), "bulk" | "junk" | "list") {
            return Some(format!("Precedence: {p}"));
        }
    }
    if msg.header("list-id").is_some() {
        return Some("mailing list (List-Id)".into());
    }
    for h in ["x-autoreply", "x-autorespond", "x-autogenerated"] {
        if msg.header(h).is_some() {
            return Some(format!("auto-reply header {h}"));
        }
    }
    // RFC 5321 §4.5.5: a null reverse path is used by bounces and other notifications.
    if msg.return_path.as_deref() == Some("") {
        return Some("null return path <>".into());
    }
    if let Some(from) = &msg.from {
        let local = from
            .normalized()
            .split('@')
            .next()
            .unwrap_or("")
            .to_string();
        if matches!(local.as_str(), "mailer-daemon" | "postmaster") {
            return Some(format!("sender is {local}"));
        }
        if me.matches(&from.email) {
            return Some("sent by suratd itself".into());
        }
    }
    // Auto-replies that carry no header saying so (some Outlook/Exchange setups).
    let subject = msg.subject.trim().to_lowercase();
    for prefix in [
        "automatic reply:",
        "auto reply:",
        "auto-reply:",
        "autoreply:",
        "out of office:",
        "balasan otomatis:",
        "jawaban otomatis:",
    ] {
        if subject.starts_with(prefix) {
            return Some(format!("auto-reply subject \"{}\"", msg.subject.trim()));
        }
    }
    None
}

/// The language a letter is written in, when the words make it clear: `en` or `id`.
/// Counts common function words of each; None when neither clearly wins.
pub fn language(subject: &str, body: &str) -> Option<&'static str> {
    const ID: [&str; 14] = [
        "yang",
        "dengan",
        "dan",
        "untuk",
        "kami",
        "mohon",
        "permohonan",
        "saya",
        "dalam",
        "atas",
        "hormat",
        "terima",
        "kasih",
        "bapak",
    ];
    const EN: [&str; 14] = [
        "the", "and", "for", "with", "please", "request", "dear", "we", "would", "like", "our",
        "regards", "thank", "you",
    ];
    let (mut id, mut en) = (0usize, 0usize);
    if subject.is_ascii() && body.is_ascii() {
        // Nearly every letter: the same words without copying and lower-casing the text
        // (lower-casing ASCII moves no word boundary; the function words are ASCII).
        let words = subject
            .split(|c: char| !c.is_ascii_alphanumeric())
            .chain(body.split(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|w| !w.is_empty())
            .take(2000);
        let mut lower = String::new();
        for w in words {
            // The function words are 2 to 10 letters long.
            if !(2..=10).contains(&w.len()) {
                continue;
            }
            let w = if w.bytes().any(|b| b.is_ascii_uppercase()) {
                lower.clear();
                lower.push_str(w);
                lower.make_ascii_lowercase();
                lower.as_str()
            } else {
                w
            };
            id += usize::from(ID.contains(&w));
            en += usize::from(EN.contains(&w));
        }
    } else {
        let text = format!("{subject} {body}").to_lowercase();
        for w in text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(2000)
        {
            id += usize::from(ID.contains(&w));
            en += usize::from(EN.contains(&w));
        }
    }
    if en >= 3 && en > id * 2 {
        Some("en")
    } else if id >= 3 && id >= en {
        Some("id")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_tags_need_brackets_and_the_prefix() {
        assert_eq!(
            ticket_tags("Re: [TIK-2026-000123] Permohonan", "TIK"),
            vec!["TIK-2026-000123"]
        );
        assert_eq!(
            ticket_tags("Re: [tik-2026-7] x", "TIK"),
            vec!["TIK-2026-000007"]
        );
        assert!(ticket_tags("TIK-2026-000123 without brackets", "TIK").is_empty());
        assert!(ticket_tags("[ABC-2026-000123]", "TIK").is_empty());
        assert!(ticket_tags("[TIK-26-1] [", "TIK").is_empty());
    }

    #[test]
    fn language_by_function_words() {
        assert_eq!(
            language(
                "Permohonan",
                "Dengan hormat, kami mohon untuk dibuatkan akun"
            ),
            Some("id")
        );
        assert_eq!(
            language(
                "Request",
                "Dear helpdesk, we would like to request a licence for our unit"
            ),
            Some("en")
        );
        assert_eq!(language("", "ok"), None);
    }

    proptest::proptest! {
        #[test]
        fn ascii_letters_count_words_as_any_letter(
            subject in "(Mohon|THE|and|kami|you|[a-z]{1,4}|[ ,.:0-9]){0,8}",
            body in "(Dengan|hormat|Dear|please|we|would|like|Saya|[a-z]{1,5}|[ ,.\n0-9]){0,40}",
        ) {
            // A non-ASCII word at the end sends the letter down the general path.
            let general = language(&subject, &format!("{body} é"));
            proptest::prop_assert_eq!(language(&subject, &body), general);
        }
    }

    #[test]
    fn self_address_includes_plus_forms() {
        let me = SelfAddress {
            address: "helpdesk@kampus.ac.id",
        };
        assert!(me.matches("Helpdesk@Kampus.ac.id"));
        assert!(me.matches("helpdesk+a-xyz@kampus.ac.id"));
        assert!(!me.matches("helpdesk@other.ac.id"));
        assert!(!me.matches("budi@kampus.ac.id"));
    }
}

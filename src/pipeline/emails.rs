//! Planning outgoing email for a decision: rendering templates, issuing tokens, building
//! the messages, and queuing them in the transaction of the change that caused them.

use super::*;

impl Pipeline<'_> {
    /// Renders the emails a decision asks for, for ticket `number`. Tokens are shown as a
    /// placeholder that can decide nothing (for `suratd try`); see [`Pipeline::plan_emails_issuing`].
    pub fn plan_emails(&self, d: &Decision, number: &str) -> Vec<Result<PlannedEmail, String>> {
        self.plan(d, number, false)
    }

    /// Renders the emails a decision asks for, issuing real tokens (to be stored when queued).
    pub fn plan_emails_issuing(
        &self,
        d: &Decision,
        number: &str,
    ) -> Vec<Result<PlannedEmail, String>> {
        self.plan(d, number, true)
    }

    pub(super) fn plan(
        &self,
        d: &Decision,
        number: &str,
        issue: bool,
    ) -> Vec<Result<PlannedEmail, String>> {
        let Some(t) = &d.transition else {
            return Vec::new();
        };
        let rule = d
            .classification
            .rule
            .as_deref()
            .and_then(|id| self.rules.get(id));
        let mut out = Vec::new();
        for action in &t.actions {
            let Action::SendEmail {
                template,
                to,
                key,
                token,
            } = action;
            out.push(self.plan_email(d, rule, number, template, to, key, token.as_ref(), issue));
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn plan_email(
        &self,
        d: &Decision,
        rule: Option<&Rule>,
        number: &str,
        template: &str,
        to: &Recipient,
        key: &str,
        token: Option<&TokenFor>,
        issue: bool,
    ) -> Result<PlannedEmail, String> {
        let (address, to_name) = match to {
            Recipient::Requester => (
                d.requester
                    .clone()
                    .ok_or_else(|| "the letter has no sender address to answer".to_string())?,
                d.requester_name.clone(),
            ),
            Recipient::Person { address, name } => (address.clone(), Some(name.clone())),
            Recipient::Address { address } => (address.clone(), d.requester_name.clone()),
        };
        let (token_text, stored) = match token {
            None => (None, None),
            Some(_) if !issue => (Some(format!("a-{}", "0".repeat(32))), None),
            Some(t) => {
                let (issued, stored) = self.issue_token(number, t)?;
                (Some(issued), Some(stored))
            }
        };
        let reply_to = token_text
            .as_deref()
            .map(|t| compose::token_address(&self.config.helpdesk.address, t));
        let requester_address = d.requester.clone().unwrap_or_else(|| address.clone());
        let mut ctx = self.context(d, rule, number, &requester_address);
        ctx.recipient = Person {
            name: to_name.clone().unwrap_or_else(|| address.clone()),
            email: address.clone(),
        };
        if matches!(to, Recipient::Address { .. }) {
            ctx.recipient.name = ctx.requester.name.clone();
        }
        ctx.token = token_text.clone().unwrap_or_default();
        ctx.reply_to = reply_to.clone().unwrap_or_default();
        if template_is_task(token, rule) {
            // The task names the outputs the staff member must give back.
            ctx.outputs = rule
                .and_then(|r| token.and_then(|t| r.steps.iter().find(|s| s.id == t.step)))
                .map(|s| {
                    s.outputs
                        .iter()
                        .map(|o| OutputLine {
                            name: o.clone(),
                            value: String::new(),
                        })
                        .collect()
                })
                .unwrap_or_default();
        }
        // The leader and the staff member get the letter's own files.
        let forwards = template != "klarifikasi"
            && token.is_some_and(|t| {
                rule.is_some_and(|r| {
                    r.steps.iter().any(|s| {
                        s.id == t.step
                            && matches!(
                                s.kind,
                                crate::rules::StepKind::Disposition | crate::rules::StepKind::Work
                            )
                    })
                })
            });
        let (files, lines) = if forwards {
            crate::outbound::attach::within_cap(
                &d.extra.letter_files,
                self.config.limits.forward_attachments_bytes,
            )
        } else {
            (Vec::new(), Vec::new())
        };
        ctx.attachments_kept = lines.iter().any(|l| !l.attached);
        ctx.attachments = lines;
        // The requester reads the letter's language; leaders and staff their own (or the
        // rule's, or the daemon's).
        let lang = match to {
            Recipient::Person { address, .. } => self.person_language(address, rule),
            _ => d.language,
        };
        let rendered = self
            .templates
            .render(template, lang, &ctx)
            .map_err(|e| e.to_string())?;
        let message_id = compose::message_id(number, key, &self.config.helpdesk.domain);
        let raw = compose::build_with(
            &Outgoing {
                from_name: &self.config.helpdesk.name,
                from_address: &self.config.helpdesk.address,
                to_name: to_name.as_deref(),
                to_address: &address,
                message_id: &message_id,
                ticket: number,
                subject: &rendered.subject,
                body: &rendered.body,
                in_reply_to: d.message_id.as_deref(),
                references: &d.references,
                date: self.clock.now(),
                reply_to: reply_to.as_deref(),
                token: token_text.as_deref(),
            },
            &files,
        )
        .map_err(|e| e.to_string())?;
        let subject = match &token_text {
            Some(t) => compose::token_subject(number, t, &rendered.subject),
            None => compose::tagged_subject(number, &rendered.subject),
        };
        Ok(PlannedEmail {
            template: template.to_string(),
            key: key.to_string(),
            to: address,
            to_name,
            subject,
            body: rendered.body,
            message_id,
            raw,
            token: stored,
        })
    }

    /// The language of emails to the person at `address`: theirs, else the rule's, else the
    /// daemon's.
    pub(super) fn person_language<'s>(&'s self, address: &str, rule: Option<&'s Rule>) -> &'s str {
        self.config
            .person(address)
            .and_then(|p| p.language.as_deref())
            .or_else(|| rule.and_then(|r| r.language.as_deref()))
            .unwrap_or(&self.config.language)
    }

    pub(super) fn issue_token(
        &self,
        number: &str,
        t: &TokenFor,
    ) -> Result<(String, crate::approval::token::StoredToken), String> {
        use crate::approval::token::{ApprovalToken, Binding, Nonce};
        let secret = self.config.security.token_secret.as_ref().ok_or_else(|| {
            "no token secret: add [security] token-secret-file to daemon.toml".to_string()
        })?;
        let nonce = Nonce::random().map_err(|e| format!("no randomness for a token: {e}"))?;
        let expires =
            self.clock.now() + chrono::Duration::days(i64::from(self.config.security.token_days));
        let (issued, stored) = ApprovalToken::issue(
            secret,
            Binding {
                ticket: number.to_string(),
                step: t.step.clone(),
                approver: t.holder.clone(),
            },
            expires,
            nonce,
        );
        Ok((issued.text, stored))
    }

    pub(super) fn context(
        &self,
        d: &Decision,
        rule: Option<&Rule>,
        number: &str,
        address: &str,
    ) -> EmailContext {
        let empty = Extraction::default();
        let ex = d.classification.extraction.as_ref().unwrap_or(&empty);
        let title_of = |name: &str| -> String {
            rule.and_then(|r| r.fields.iter().find(|f| f.name == name))
                .map_or_else(|| name.to_string(), |f| f.title.clone())
        };
        let missing_title = |item: &str| -> String {
            if let Some(att) = item.strip_prefix("lampiran:") {
                return rule
                    .and_then(|r| r.attachments.iter().find(|a| a.name == att))
                    .map_or_else(|| att.to_string(), |a| a.title.clone());
            }
            item.split('|')
                .map(title_of)
                .collect::<Vec<_>>()
                .join(" / ")
        };
        let fields = match rule {
            Some(r) => r
                .fields
                .iter()
                .filter_map(|f| {
                    ex.fields.get(&f.name).map(|v| FieldLine {
                        name: f.name.clone(),
                        title: f.title.clone(),
                        value: v.value.clone(),
                    })
                })
                .collect(),
            None => Vec::new(),
        };
        let steps: Vec<StepLine> = rule
            .map(|r| {
                r.steps
                    .iter()
                    .map(|s| StepLine {
                        title: s.title.clone(),
                        actor: s.actor.clone(),
                        sla: s.sla.text.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let next_step = d
            .transition
            .as_ref()
            .and_then(|t| t.step.as_deref())
            .and_then(|id| rule.and_then(|r| r.steps.iter().find(|s| s.id == id)))
            .map(|s| StepLine {
                title: s.title.clone(),
                actor: s.actor.clone(),
                sla: s.sla.text.clone(),
            });
        EmailContext {
            ticket: number.to_string(),
            helpdesk: Person {
                name: self.config.helpdesk.name.clone(),
                email: self.config.helpdesk.address.clone(),
            },
            requester: Person {
                name: d
                    .requester_name
                    .clone()
                    .or_else(|| ex.fields.get("nama").map(|v| v.value.clone()))
                    .unwrap_or_else(|| address.to_string()),
                email: address.to_string(),
            },
            sop: Sop {
                id: rule.map_or_else(String::new, |r| r.id.0.clone()),
                name: rule.map_or_else(String::new, |r| r.name.clone()),
            },
            subject: d.subject.clone(),
            fields,
            missing: ex
                .missing
                .iter()
                .map(|m| MissingLine {
                    name: m.clone(),
                    title: missing_title(m),
                })
                .collect(),
            invalid: ex
                .invalid
                .iter()
                .map(|i| InvalidLine {
                    name: i.field.clone(),
                    title: title_of(&i.field),
                    value: i.value.clone(),
                    message: i.message.clone(),
                })
                .collect(),
            complete: ex.is_complete(),
            steps,
            next_step,
            recipient: Person {
                name: String::new(),
                email: address.to_string(),
            },
            token: String::new(),
            reply_to: String::new(),
            decision: d.extra.decision.clone(),
            assignee: d.extra.assignee.clone().unwrap_or(Person {
                name: String::new(),
                email: String::new(),
            }),
            outputs: d.extra.outputs.clone(),
            access_expires_at: d.extra.access_expires_at.clone(),
            clarification: d.extra.clarification.clone(),
            refusal: d.extra.refusal.clone(),
            attachments: Vec::new(),
            attachments_kept: false,
            sla: d.extra.sla.clone(),
            waiting: d.extra.waiting.clone(),
        }
    }

    /// Renders and queues the emails `d` asks for; one that cannot be made is logged as an
    /// event on the ticket instead (a bad address must not stop the letter's processing).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn queue_planned(
        &self,
        tx: &crate::store::Tx<'_>,
        d: &Decision,
        number: &str,
        ticket: TicketId,
        message: Option<MessageRowId>,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        self.queue_emails(tx, d, number, ticket, message, None, now, stats)
    }

    /// The files that came with the request, re-read from the stored letters byte for byte:
    /// the letter's, then those of the replies added to the ticket since (`current` among
    /// them: the reply being processed now, not yet marked as one), each file once. Replies
    /// of the helpdesk's own people (a leader, staff) bring none: what goes to the leader and
    /// staff is what the requester's side sent.
    fn request_files(
        &self,
        tx: &crate::store::Tx<'_>,
        ticket: TicketId,
        current: Option<MessageRowId>,
    ) -> Result<Vec<crate::outbound::attach::LetterFile>, PipelineError> {
        use crate::outbound::attach;
        let Some(row) = tx.ticket_by_id(ticket)? else {
            return Ok(Vec::new());
        };
        let mut files = Vec::new();
        if let Some(raw) = row.source_message.map(|m| tx.raw(m)).transpose()?.flatten() {
            files = attach::letter_files(&raw);
        }
        let ours = |addr: &str| {
            addr.eq_ignore_ascii_case(&self.config.helpdesk.address)
                || self.config.person(addr).is_some()
        };
        let mut replies = tx.reply_messages(ticket)?;
        replies.extend(current.filter(|m| !replies.contains(m) && Some(*m) != row.source_message));
        for m in replies {
            let Some(raw) = tx.raw(m)? else { continue };
            if attach::sender(&raw).is_some_and(|from| !ours(&from)) {
                attach::add_new(&mut files, attach::letter_files(&raw));
            }
        }
        Ok(files)
    }

    /// The emails of a new ticket `number` made from the letter `raw`, rendered (and their
    /// tokens issued) ahead of its commit. `parsed` is the letter as parsed: when it lists
    /// no MIME attachments, `raw` is not parsed again for files to forward.
    pub(super) fn plan_new_ticket(
        &self,
        d: &Decision,
        number: &str,
        raw: &[u8],
        parsed: Option<&crate::parse::ParsedMessage>,
    ) -> Vec<Result<PlannedEmail, String>> {
        let no_files = parsed.is_some_and(|p| p.mime_attachments == Some(0));
        if !no_files && needs_letter_files(d) {
            let mut d = d.clone();
            d.extra.letter_files = crate::outbound::attach::letter_files(raw);
            return self.plan_emails_issuing(&d, number);
        }
        self.plan_emails_issuing(d, number)
    }

    /// [`Pipeline::queue_planned`], with the emails rendered already when `rendered` is given.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn queue_emails(
        &self,
        tx: &crate::store::Tx<'_>,
        d: &Decision,
        number: &str,
        ticket: TicketId,
        message: Option<MessageRowId>,
        rendered: Option<Vec<Result<PlannedEmail, String>>>,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let mut d = std::borrow::Cow::Borrowed(d);
        let planned = match rendered {
            Some(emails) => emails,
            None => {
                if needs_letter_files(&d) {
                    d.to_mut().extra.letter_files = self.request_files(tx, ticket, message)?;
                }
                self.plan_emails_issuing(&d, number)
            }
        };
        for planned in planned {
            match planned {
                Ok(e) => {
                    if let Some(reason) = self.answer_limit(tx, &d, &e.to, now)? {
                        tracing::warn!(ticket = %number, to = %e.to, template = %e.template, %reason, "answer not sent: loop protection");
                        tx.add_event(
                            Some(ticket),
                            message,
                            "email_suppressed",
                            None,
                            &serde_json::json!({ "template": e.template, "to": e.to, "reason": reason }),
                            now,
                        )?;
                        continue;
                    }
                    if Self::queue_one(tx, ticket, number, &e, now)? {
                        if let Some(t) = &e.token {
                            tx.insert_token(ticket, t, now)?;
                        }
                        tx.add_event(
                            Some(ticket),
                            message,
                            "email_queued",
                            None,
                            &serde_json::json!({"template": e.template, "to": e.to, "message_id": e.message_id}),
                            now,
                        )?;
                        stats.emails_queued += 1;
                    }
                }
                Err(reason) => {
                    tracing::warn!(ticket = %number, %reason, "email not queued");
                    tx.add_event(
                        Some(ticket),
                        message,
                        "email_not_queued",
                        None,
                        &serde_json::json!({ "reason": reason }),
                        now,
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// Whether `d` sends an email with a token (to a leader or staff member, who get the
/// letter's files) and does not carry those files yet.
fn needs_letter_files(d: &Decision) -> bool {
    d.extra.letter_files.is_empty()
        && d.transition.as_ref().is_some_and(|t| {
            t.actions
                .iter()
                .any(|a| matches!(a, Action::SendEmail { token: Some(_), .. }))
        })
}

/// Whether the email for `token` is a staff task (its step is a work step).
pub(super) fn template_is_task(token: Option<&TokenFor>, rule: Option<&Rule>) -> bool {
    let (Some(t), Some(r)) = (token, rule) else {
        return false;
    };
    r.steps
        .iter()
        .any(|s| s.id == t.step && s.kind == crate::rules::StepKind::Work)
}

impl Pipeline<'_> {
    /// Renders `template` for an existing ticket, with the ticket's data, rule and language
    /// (or `lang`), as `suratd render` shows it. A token, where the template has one, is shown
    /// as a placeholder: rendering never issues one.
    pub fn render_for_ticket(
        &self,
        template: &str,
        row: &crate::store::TicketRow,
        lang: Option<&str>,
    ) -> Result<crate::outbound::Rendered, String> {
        let d = self.ticket_as_is(row);
        let rule = row.rule_id.as_deref().and_then(|id| self.rules.get(id));
        let address = row.requester.clone().unwrap_or_default();
        let mut ctx = self.context(&d, rule, &row.number, &address);
        ctx.token = "a-(token)".into();
        let lang = lang.unwrap_or(d.language);
        let mut r = self
            .templates
            .render(template, lang, &ctx)
            .map_err(|e| e.to_string())?;
        r.subject = compose::tagged_subject(&row.number, &r.subject);
        Ok(r)
    }
}

impl Pipeline<'_> {
    /// An email about an existing ticket (an SLA reminder or escalation), rendered and built
    /// but not queued: `extra` adds what the ticket alone does not say.
    pub fn plan_for_ticket(
        &self,
        row: &crate::store::TicketRow,
        template: &str,
        to: &Recipient,
        key: &str,
        extra: EmailExtra,
    ) -> Result<PlannedEmail, String> {
        let mut d = self.ticket_as_is(row);
        d.extra = extra;
        let rule = row.rule_id.as_deref().and_then(|id| self.rules.get(id));
        self.plan_email(&d, rule, &row.number, template, to, key, None, false)
    }

    /// The ticket as it stands, as a decision that changes nothing (for emails about it).
    fn ticket_as_is(&self, row: &crate::store::TicketRow) -> Decision {
        self.ticket_decision(
            row,
            Transition {
                state: row.state,
                step: row.step.clone(),
                actions: Vec::new(),
                events: Vec::new(),
            },
        )
    }

    /// Queues a planned email of `ticket` under dedupe key `ticket:key`, and threads it with
    /// the ticket; false when it was queued before.
    pub fn queue_one(
        tx: &crate::store::Tx<'_>,
        ticket: TicketId,
        number: &str,
        e: &PlannedEmail,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, crate::store::StoreError> {
        let to = vec![e.to.clone()];
        let queued = tx.queue_email(
            &NewEmail {
                dedupe_key: &format!("{number}:{}", e.key),
                ticket: Some(ticket),
                message_id: &e.message_id,
                template: &e.template,
                recipients: &to,
                subject: &e.subject,
                raw: &e.raw,
            },
            now,
        )?;
        if queued {
            tx.add_thread_id(&e.message_id, ticket)?;
        }
        Ok(queued)
    }
}

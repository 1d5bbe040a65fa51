//! Decisions by reply (and by the CLI): tokens checked, senders checked, the decision or the
//! staff member's completion applied, refusals recorded and told to the bound person.

use super::*;

/// Who answers, and through what, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Via<'a> {
    /// The person's address.
    pub actor: &'a str,
    /// `email` or `cli`.
    pub channel: &'static str,
    pub message: Option<MessageRowId>,
}

impl Pipeline<'_> {
    /// A message carrying a token: checked (token, sender, ticket state) and, when every check
    /// holds, applied. A refusal is logged on the bound ticket and told to the bound person's
    /// real address; nothing else happens.
    pub(super) fn apply_approval(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        d: &Decision,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        use crate::approval::{sender, token};
        let c = &d.classification;
        let empty = ApprovalInput::default();
        let input = d.approval.as_ref().unwrap_or(&empty);
        let from = input
            .from
            .as_ref()
            .map(|a| a.normalized())
            .unwrap_or_default();
        let mut found = None;
        for text in &input.tokens {
            if let Some(rec) = tx.token_by_hash(&token::token_hash(text))? {
                found = Some((text, rec));
                break;
            }
        }
        let Some((text, rec)) = found else {
            let ticket = c.ticket.as_ref().map(|t| t.id);
            if let Some(t) = ticket {
                tx.add_event(
                    Some(t),
                    Some(message),
                    "decision_refused",
                    None,
                    &serde_json::json!({ "refusal": "unknown", "from": from }),
                    now,
                )?;
            }
            tx.finish_message(
                message,
                Outcome::Ignored,
                Some("unknown approval token"),
                ticket,
                now,
            )?;
            tracing::warn!(%from, "approval token unknown: ignored");
            stats.ignored += 1;
            return Ok(());
        };
        let binding = rec.token.binding.clone();
        let policy = &self.config.security.sender;
        let Some(secret) = self.config.security.token_secret.as_ref() else {
            return self.refuse(
                tx,
                message,
                &rec,
                "no_secret",
                "no token secret configured",
                &from,
                now,
                stats,
            );
        };
        let presented = token::Presentation {
            now,
            sender: &from,
            aliases: policy.aliases_of(&binding.approver),
            thread_ticket: c.ticket.as_ref().map(|t| t.number.as_str()),
        };
        if let Err(r) = token::verify(secret, text, Some(&rec.token), &presented) {
            return self.refuse(
                tx,
                message,
                &rec,
                r.kind(),
                &r.to_string(),
                &from,
                now,
                stats,
            );
        }
        let checked = match &input.from {
            Some(a) => sender::check(policy, a, &input.headers, &binding.approver),
            None => Err(sender::SenderRefusal::NotTheApprover {
                from: String::new(),
                approver: binding.approver.clone(),
            }),
        };
        if let Err(r) = checked {
            return self.refuse(
                tx,
                message,
                &rec,
                r.kind(),
                &r.to_string(),
                &from,
                now,
                stats,
            );
        }
        let work = self
            .rules
            .get(
                tx.ticket_by_id(rec.ticket)?
                    .and_then(|r| r.rule_id)
                    .as_deref()
                    .unwrap_or(""),
            )
            .and_then(|r| r.steps.iter().find(|s| s.id == binding.step));
        let outputs = work.map(|s| s.outputs.clone()).unwrap_or_default();
        let work = work.is_some_and(|s| s.kind == crate::rules::StepKind::Work);
        let answer = workflow::reading::read_answer(&input.text, work, &outputs);
        let via = Via {
            actor: &binding.approver,
            channel: "email",
            message: Some(message),
        };
        match self.apply_answer(
            tx,
            rec.ticket,
            &binding.step,
            Some(&rec.token.hash),
            &answer,
            via,
            now,
            stats,
        )? {
            Ok(()) => {
                if let Some(mid) = &d.message_id {
                    tx.add_thread_id(mid, rec.ticket)?;
                }
                tx.finish_message(
                    message,
                    Outcome::Approval,
                    Some(&c.reason),
                    Some(rec.ticket),
                    now,
                )?;
                stats.replies += 1;
                Ok(())
            }
            Err((kind, why)) => self.refuse(tx, message, &rec, kind, &why, &from, now, stats),
        }
    }

    /// Logs a refused attempt on the bound ticket and tells the bound person.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn refuse(
        &self,
        tx: &crate::store::Tx<'_>,
        message: MessageRowId,
        rec: &crate::store::approval::TokenRecord,
        kind: &str,
        reason: &str,
        from: &str,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<(), PipelineError> {
        let binding = &rec.token.binding;
        let person = self.person_or_address(&binding.approver);
        // One notice per ticket and person in the window: a flood of forged replies must not
        // become a flood of mail to the leader. Every refusal is logged all the same.
        let minutes = self.config.security.refusal_notice_minutes;
        let window = chrono::Duration::minutes(i64::from(minutes));
        let notify = minutes == 0
            || !tx.queued_since(rec.ticket, "keputusan_ditolak", &person.email, now - window)?;
        tracing::warn!(ticket = %binding.ticket, refusal = kind, %from, notify, "decision refused");
        tx.add_event(
            Some(rec.ticket),
            Some(message),
            "decision_refused",
            None,
            &serde_json::json!({
                "refusal": kind, "reason": reason, "from": from, "step": binding.step,
                "approver": binding.approver, "notified": notify,
            }),
            now,
        )?;
        if let Some(row) = tx.ticket_by_id(rec.ticket)?.filter(|_| notify) {
            let mut notice = self.ticket_decision(
                &row,
                Transition {
                    state: row.state,
                    step: None,
                    actions: vec![Action::SendEmail {
                        template: "keputusan_ditolak".into(),
                        to: Recipient::Person {
                            address: person.email.clone(),
                            name: person.name.clone(),
                        },
                        key: format!("ditolak-{}", message.0),
                        token: None,
                    }],
                    events: Vec::new(),
                },
            );
            notice.extra.refusal = RefusalLine {
                from: from.to_string(),
                kind: kind.to_string(),
                reason: reason.to_string(),
            };
            self.queue_planned(
                tx,
                &notice,
                &row.number,
                rec.ticket,
                Some(message),
                now,
                stats,
            )?;
        }
        tx.finish_message(
            message,
            Outcome::Ignored,
            Some(&format!("decision refused: {kind}")),
            Some(rec.ticket),
            now,
        )?;
        stats.ignored += 1;
        Ok(())
    }

    pub(super) fn person_or_address(&self, address: &str) -> crate::config::Person {
        self.config
            .person(address)
            .cloned()
            .unwrap_or(crate::config::Person {
                name: address.to_string(),
                email: address.to_lowercase(),
                roles: Vec::new(),
                aliases: Vec::new(),
                language: None,
            })
    }

    /// A decision as the ticket speaks: to its requester, in its language, with its data.
    pub(super) fn ticket_decision(&self, row: &crate::store::TicketRow, t: Transition) -> Decision {
        let ex = Extraction {
            fields: serde_json::from_value(row.fields.clone()).unwrap_or_default(),
            missing: serde_json::from_value(row.missing.clone()).unwrap_or_default(),
            invalid: serde_json::from_value(row.invalid.clone()).unwrap_or_default(),
        };
        Decision {
            classification: Classification {
                kind: Kind::Approval,
                reason: String::new(),
                ticket: None,
                rule: row.rule_id.clone(),
                scores: Vec::new(),
                extraction: Some(ex),
            },
            parse_error: None,
            transition: Some(t),
            requester: row.requester.clone(),
            requester_name: row.requester_name.clone(),
            language: if row.language == "en" { "en" } else { "id" },
            subject: row.subject.clone(),
            // Answers to the requester thread with their letter, whatever message caused them.
            message_id: row.letter_message_id.clone(),
            references: row.letter_message_id.iter().cloned().collect(),
            approval: None,
            extra: EmailExtra::default(),
        }
    }

    /// Applies `answer` by `via.actor` to `step` of `ticket` (by email after the token and
    /// sender checks, or from the CLI after the role check). `Err((kind, why))`: refused,
    /// nothing written.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_answer(
        &self,
        tx: &crate::store::Tx<'_>,
        ticket: TicketId,
        step: &str,
        token_hash: Option<&str>,
        answer: &workflow::disposition::Answer,
        via: Via<'_>,
        now: chrono::DateTime<chrono::Utc>,
        stats: &mut ProcessStats,
    ) -> Result<Result<(), (&'static str, String)>, PipelineError> {
        use workflow::disposition::{self, At};
        let Some(row) = tx.ticket_by_id(ticket)? else {
            return Ok(Err(("no_ticket", "the ticket does not exist".into())));
        };
        let Some(rule) = row.rule_id.as_deref().and_then(|id| self.rules.get(id)) else {
            return Ok(Err(("no_rule", "the ticket has no (loaded) rule".into())));
        };
        let key = match via.message {
            Some(m) => m.0.to_string(),
            None => format!("cli-{}", now.timestamp_millis()),
        };
        let at = At {
            state: row.state,
            step: row.step.as_deref(),
            now,
            key: &key,
        };
        if !disposition::awaits(rule, &at, step) {
            return Ok(Err((
                "not_awaiting",
                format!(
                    "ticket {} is {} at step {}, not waiting for an answer at step {step}",
                    row.number,
                    row.state,
                    row.step.as_deref().unwrap_or("-")
                ),
            )));
        }
        let ex = Extraction {
            fields: serde_json::from_value(row.fields.clone()).unwrap_or_default(),
            missing: serde_json::from_value(row.missing.clone()).unwrap_or_default(),
            invalid: serde_json::from_value(row.invalid.clone()).unwrap_or_default(),
        };
        let by = self.person_or_address(via.actor);
        let p = disposition::on_answer(rule, &ex, &self.config.people, &at, step, &by, answer);
        if p.spends_token {
            if let Some(hash) = token_hash {
                if !tx.use_token(hash, now)? {
                    return Ok(Err(("already_used", "token already used".into())));
                }
            }
            // The other approvers' tokens for this step are spent too: one decision per step.
            tx.retire_tokens(ticket, step, now)?;
            let stored_outputs = (!p.outputs.is_empty()).then(|| {
                serde_json::Value::Object(
                    p.outputs
                        .iter()
                        .map(|o| {
                            let v = if o.secret {
                                "***".to_string()
                            } else {
                                o.value.clone()
                            };
                            (o.name.clone(), serde_json::Value::String(v))
                        })
                        .collect(),
                )
            });
            tx.set_ticket_progress(
                ticket,
                p.transition.state,
                p.transition.step.as_deref(),
                &crate::store::approval::WorkState {
                    assignee: p.assignee.clone(),
                    outputs: stored_outputs,
                    access_expires_at: p.access_expires_at.map(|a| a.to_rfc3339()),
                },
                now,
            )?;
        }
        for e in &p.transition.events {
            let mut detail = e.detail.clone();
            if let Some(obj) = detail.as_object_mut() {
                obj.insert("via".into(), via.channel.into());
            }
            tx.add_event(
                Some(ticket),
                via.message,
                e.kind,
                Some(via.actor),
                &detail,
                now,
            )?;
        }
        let work = tx.work_state(ticket)?;
        let mut out = self.ticket_decision(&row, p.transition.clone());
        out.extra = EmailExtra {
            decision: DecisionLine {
                by: by.name.clone(),
                reason: match answer {
                    disposition::Answer::Reject { reason } => reason.clone(),
                    _ => String::new(),
                },
                note: match answer {
                    disposition::Answer::Approve { note, .. } => note.clone().unwrap_or_default(),
                    _ => String::new(),
                },
            },
            assignee: work
                .assignee
                .as_deref()
                .map(|a| self.person_or_address(a))
                .map(|p| Person {
                    name: p.name,
                    email: p.email,
                }),
            outputs: p
                .outputs
                .iter()
                .map(|o| OutputLine {
                    name: o.name.clone(),
                    value: o.value.clone(),
                })
                .collect(),
            access_expires_at: p
                .access_expires_at
                .map(|a| {
                    a.with_timezone(&self.config.timezone.offset)
                        .format("%Y-%m-%d")
                        .to_string()
                })
                .unwrap_or_default(),
            clarification: if p.spends_token {
                String::new()
            } else {
                p.reason.clone().unwrap_or_default()
            },
            refusal: RefusalLine::default(),
            ..EmailExtra::default()
        };
        self.queue_planned(tx, &out, &row.number, ticket, via.message, now, stats)?;
        // Secrets are sent once: the reply that brought them and the emails that carry them
        // keep them no longer than needed.
        let secrets: Vec<String> = p
            .outputs
            .iter()
            .filter(|o| o.secret)
            .map(|o| o.value.clone())
            .collect();
        if !secrets.is_empty() {
            if let Some(m) = via.message {
                if tx.redact_message(m, &secrets)? {
                    tx.add_event(
                        Some(ticket),
                        Some(m),
                        "message_redacted",
                        None,
                        &serde_json::json!({ "secrets": secrets.len() }),
                        now,
                    )?;
                }
            }
            for a in &p.transition.actions {
                let Action::SendEmail { key, .. } = a;
                tx.scrub_after_send(&compose::message_id(
                    &row.number,
                    key,
                    &self.config.helpdesk.domain,
                ))?;
            }
        }
        tracing::info!(ticket = %row.number, state = %p.transition.state, actor = via.actor, channel = via.channel, "answer applied");
        Ok(Ok(()))
    }
}

//! The floor under the processor's commit: the rows suratd writes for one new request with a
//! disposition (a ticket, its number, five events, two queued emails with their bytes, three
//! thread ids, an approval token, the message marked done), written with nothing else, by
//! plain prepared statements, 64 letters a transaction, on suratd's own schema and pragmas.
//! No parsing, no rendering, no decisions: what SQLite itself costs (BENCHMARKS.md, seventh
//! round, "Why 25 % is out of reach").
//!
//! ```sh
//! cargo run --release --example sql_floor                     # checkpoints apart (daemon)
//! CHECKPOINTS=inline cargo run --release --example sql_floor  # inside the commits
//! ```

use rusqlite::{params, Connection, Transaction};
use std::error::Error;
use std::time::Instant;

const LETTERS: usize = 10_000;
const BATCH: usize = 64;
const AT: &str = "2026-11-24T06:00:00.000Z";

fn main() -> Result<(), Box<dyn Error>> {
    let dir = std::env::temp_dir().join(format!("suratd-sql-floor-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("floor.db");
    // suratd's own schema: its migrations, run by its own open.
    drop(suratd::store::Store::open(&path)?);
    let c = Connection::open(&path)?;
    for (name, value) in [
        ("journal_mode", "WAL"),
        ("synchronous", "NORMAL"),
        ("foreign_keys", "ON"),
        ("temp_store", "MEMORY"),
        ("secure_delete", "ON"),
        ("cache_size", "-1024"),
    ] {
        c.pragma_update(None, name, value)?;
    }
    c.set_prepared_statement_cache_capacity(128);
    // The daemon checkpoints on a thread of its own; CHECKPOINTS=inline leaves SQLite's
    // automatic checkpoint (every 1,000 pages) inside the commits.
    let inline = std::env::var("CHECKPOINTS").is_ok_and(|v| v == "inline");
    if !inline {
        c.pragma_update(None, "wal_autocheckpoint", 0)?;
    }
    stored_letters(&c)?;
    let start = Instant::now();
    for first in (0..LETTERS).step_by(BATCH) {
        let tx = c.unchecked_transaction()?;
        for i in first..(first + BATCH).min(LETTERS) {
            one_letter(&tx, i)?;
        }
        tx.commit()?;
    }
    let took = start.elapsed().as_secs_f64();
    println!(
        "{LETTERS} letters: {took:.3} s = {:.1} us per letter (checkpoints {})",
        took * 1e6 / LETTERS as f64,
        if inline { "inline" } else { "apart" }
    );
    drop(c);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The fetcher's rows, as they stand before processing: a message, its bytes, its position.
fn stored_letters(c: &Connection) -> rusqlite::Result<()> {
    let raw = vec![b'x'; 1600];
    let tx = c.unchecked_transaction()?;
    for i in 0..LETTERS {
        tx.execute(
            "INSERT INTO messages (dedupe_key, message_id, size, stored_at) VALUES (?1, ?2, 1600, ?3)",
            params![format!("{:064x}", i * 7919), format!("bench-{i}@unit.kampus.test"), AT],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO message_raw (message, raw) VALUES (?1, ?2)",
            params![id, raw],
        )?;
        tx.execute(
            "INSERT INTO message_sources (source, position, message, seen_at) VALUES ('h/INBOX', ?1, ?2, ?3)",
            params![format!("1:{i}"), id, AT],
        )?;
    }
    tx.commit()?;
    c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
}

/// What the commit writes for letter `i`: a new request awaiting its disposition.
fn one_letter(tx: &Transaction<'_>, i: usize) -> rusqlite::Result<()> {
    let message = i as i64 + 1;
    let last: i64 = tx
        .prepare_cached(
            "INSERT INTO ticket_counters (prefix, year, last) VALUES ('TIK', 2026, 1)
             ON CONFLICT (prefix, year) DO UPDATE SET last = last + 1 RETURNING last",
        )?
        .query_row([], |r| r.get(0))?;
    let number = format!("TIK-2026-{last:06}");
    let fields = format!(
        "{{{}}}",
        (0..6)
            .map(|k| format!(
                "\"f{k}\":{{\"value\":\"nilai ke-{k} dari surat\",\"source\":\"body\"}}"
            ))
            .collect::<Vec<_>>()
            .join(",")
    );
    tx.prepare_cached(
        "INSERT INTO tickets (number, kind, rule_id, state, step, requester, requester_name,
            language, subject, fields, missing, invalid, triage_reason, source_message,
            created_at, updated_at)
         VALUES (?1, 'request', 'webservice', 'awaiting_approval', 'disposisi', ?2, 'Nama Pemohon',
            'id', 'Permohonan akun webservice untuk unit kerja', ?3, '[]', '[]', NULL, ?4, ?5, ?5)",
    )?
    .execute(params![
        number,
        format!("mhs{}@unit.kampus.test", i % 1000),
        fields,
        message,
        AT
    ])?;
    let ticket = tx.last_insert_rowid();
    let event = |kind: &str, detail: &str| -> rusqlite::Result<usize> {
        tx.prepare_cached(
            "INSERT INTO events (ticket_id, message, at, kind, actor, detail)
             VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
        )?
        .execute(params![ticket, message, AT, kind, detail])
    };
    let thread = |message_id: &str| -> rusqlite::Result<usize> {
        tx.prepare_cached(
            "INSERT OR IGNORE INTO thread_ids (message_id, ticket_id) VALUES (?1, ?2)",
        )?
        .execute(params![message_id, ticket])
    };
    event("created", r#"{"fields":6,"rule":"webservice"}"#)?;
    event("verified", r#"{"by":"rules"}"#)?;
    event(
        "disposition_requested",
        r#"{"role":"pimpinan","step":"disposisi","to":["kepala@kampus.test"]}"#,
    )?;
    thread(&format!("bench-{i}@unit.kampus.test"))?;
    let email = vec![b'y'; 1500];
    for template in ["ack", "disposisi"] {
        let message_id = format!("{number}.{template}@kampus.test");
        tx.prepare_cached(
            "INSERT OR IGNORE INTO outbox (dedupe_key, ticket_id, message_id, template,
                recipients, subject, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![
            format!("{template}:{number}"),
            ticket,
            message_id,
            template,
            format!("[\"{template}-{i}@unit.kampus.test\"]"),
            "[TIK] Permohonan akun webservice",
            AT
        ])?;
        tx.prepare_cached("INSERT INTO outbox_raw (outbox, raw) VALUES (?1, ?2)")?
            .execute(params![tx.last_insert_rowid(), email])?;
        thread(&message_id)?;
        event(
            "email_queued",
            &format!(r#"{{"message_id":"{message_id}","template":"{template}","to":"x@y"}}"#),
        )?;
    }
    tx.prepare_cached(
        "INSERT INTO approval_tokens (hash, ticket_id, step, approver, expires_at, used_at, created_at)
         VALUES (?1, ?2, 'disposisi', 'kepala@kampus.test', ?3, NULL, ?3)",
    )?
    .execute(params![format!("{:064x}", i * 104_729 + 1), ticket, AT])?;
    tx.prepare_cached(
        "UPDATE messages SET state = 'done', outcome = 'new_ticket', outcome_detail = NULL,
            ticket_id = ?2, processed_at = ?3 WHERE id = ?1",
    )?
    .execute(params![message, ticket, AT])?;
    Ok(())
}

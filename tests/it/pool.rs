//! The PDF worker pool with the real worker, `suratd __extract-pdf --serve`: one start for
//! many PDFs, a worker killed at the time limit or dead of a hostile file is replaced and
//! fails only its job, workers are recycled after K jobs and when grown, idle ones retire,
//! N jobs at once use N workers and never more, and a worker exits when its stdin closes.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use suratd::parse::sandbox::{Pool, PoolConfig, RunError, RunLimits};

use super::hostile::{letter, slow_pdf, BUDI};
use super::support::{wait_for, Env};

fn pool(size: usize, max_jobs: u32) -> Pool {
    Pool::new(PoolConfig {
        size,
        max_jobs,
        ..PoolConfig::for_program(env!("CARGO_BIN_EXE_suratd").into())
    })
}

fn limits(wall_secs: u64) -> RunLimits {
    RunLimits {
        wall: Duration::from_secs(wall_secs),
        memory_mb: 2048,
        max_output: 1 << 20,
    }
}

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/attachments")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A good PDF's answer: `ok`, then its text.
fn assert_read(answer: &Result<Vec<u8>, RunError>) {
    let answer = answer.as_ref().expect("answered");
    let answer = String::from_utf8_lossy(answer);
    assert!(
        answer.starts_with("ok\n") && answer.contains("PROPOSAL PELAKSANAAN COMPUTER BASED TEST"),
        "{answer}"
    );
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn one_worker_reads_many_pdfs() {
    let pool = pool(2, 1000);
    let pdf = fixture("cbt-pmat-proposal.pdf");
    for _ in 0..20 {
        assert_read(&pool.run(&pdf, limits(30)));
    }
    // A broken PDF is an answer too (an error in words), not a dead worker.
    let broken = pool.run(&fixture("rusak-terpotong.pdf"), limits(30));
    let broken = String::from_utf8_lossy(broken.as_deref().expect("answered")).to_string();
    // (The fast reader refused it first, and the answer says so: `err slow: …`.)
    assert!(
        broken.starts_with("err") && broken.contains("\npdf unreadable"),
        "{broken}"
    );
    let stats = pool.stats();
    assert_eq!((stats.started, stats.answered, stats.live), (1, 21, 1));
    let pids = pool.idle_pids();
    pool.shutdown();
    assert_eq!(pool.stats().live, 0);
    assert!(pids.iter().all(|&p| !alive(p)), "{pids:?} still running");
}

#[test]
fn a_worker_past_the_time_limit_is_killed_and_replaced() {
    let pool = pool(1, 1000);
    let pdf = fixture("cbt-pmat-proposal.pdf");
    // The same limits for every job: a worker only takes jobs of the limits it started with.
    assert_read(&pool.run(&pdf, limits(2)));
    let first = pool.idle_pids();
    let started = Instant::now();
    let out = pool.run(&slow_pdf(400_000), limits(2));
    assert_eq!(out, Err(RunError::TimedOut));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // Killed and reaped: its process is gone, not a zombie.
    assert!(!alive(first[0]), "worker {} still there", first[0]);
    assert_read(&pool.run(&pdf, limits(2)));
    let stats = pool.stats();
    assert_eq!((stats.started, stats.timed_out, stats.live), (2, 1, 1));
    assert_ne!(pool.idle_pids(), first);
}

/// A PDF whose content stream inflates to `mib` MiB of zeros: lopdf inflates it whole.
fn memory_hog_pdf(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    // One MiB of zeros as a byte-aligned, non-final deflate block; repeated, each copy
    // inflates to another MiB (its back-references reach only zeros).
    let zeros = vec![0u8; 1 << 20];
    let mut block = Vec::with_capacity(8 << 10);
    let mut c = Compress::new(Compression::best(), false);
    c.compress_vec(&zeros, &mut block, FlushCompress::Sync)
        .expect("deflate");
    let mut stream = vec![0x78, 0x9c];
    for _ in 0..mib {
        stream.extend_from_slice(&block);
    }
    stream.extend_from_slice(&[0x03, 0x00]); // the final, empty block
    let len = (mib as u64) << 20;
    let adler = ((len % 65521) << 16) | 1; // Adler-32 of zeros: a = 1, b = len
    stream.extend_from_slice(&(adler as u32).to_be_bytes());
    let objects: [&[u8]; 4] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        &[
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                stream.len()
            )
            .as_bytes(),
            &stream,
            b"\nendstream",
        ]
        .concat(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(o);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    pdf
}

#[test]
fn a_worker_that_dies_of_a_memory_hog_fails_only_that_pdf() {
    let pool = pool(1, 1000);
    let hog = RunLimits {
        memory_mb: 256,
        ..limits(30)
    };
    let out = pool.run(&memory_hog_pdf(2048), hog);
    // lopdf inflates 2 GiB into memory: past the 256 MiB address space, the worker aborts.
    match &out {
        Err(RunError::Failed(why)) => assert!(why.contains("stopped by a signal"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(pool.stats().died, 1);
    assert_read(&pool.run(&fixture("cbt-pmat-proposal.pdf"), hog));
    assert_eq!(pool.stats().live, 1);
}

#[test]
fn a_worker_is_recycled_after_max_jobs_and_when_grown() {
    let pool = pool(1, 3);
    let pdf = fixture("cbt-pmat-proposal.pdf");
    for _ in 0..7 {
        assert_read(&pool.run(&pdf, limits(30)));
    }
    let stats = pool.stats();
    // Jobs 1–3, 4–6, 7.
    assert_eq!((stats.started, stats.recycled, stats.live), (3, 2, 1));

    // Resident size is read every 16th job: past max-rss-mb, the worker goes.
    let small = Pool::new(PoolConfig {
        size: 1,
        max_rss_mb: 1,
        ..PoolConfig::for_program(env!("CARGO_BIN_EXE_suratd").into())
    });
    for _ in 0..16 {
        assert_read(&small.run(&pdf, limits(30)));
    }
    let stats = small.stats();
    assert_eq!((stats.started, stats.recycled, stats.live), (1, 1, 0));
    assert!(stats.max_rss_kib > 1024, "{stats:?}");
    eprintln!("worker RSS after 16 small PDFs: {} KiB", stats.max_rss_kib);
}

#[test]
fn idle_workers_retire() {
    let pool = pool(2, 1000);
    assert_read(&pool.run(&fixture("cbt-pmat-proposal.pdf"), limits(30)));
    let pids = pool.idle_pids();
    assert_eq!(pool.retire_idle(Instant::now()), 0);
    assert_eq!(
        pool.retire_idle(Instant::now() + Duration::from_secs(61)),
        1
    );
    assert_eq!(pool.stats().live, 0);
    assert!(!alive(pids[0]));
}

#[test]
fn jobs_at_once_use_every_worker_and_never_more() {
    // Slow PDFs (seconds each in a debug build) so the four jobs overlap: two workers
    // start, the other two jobs wait for them.
    let pool = Arc::new(pool(2, 1000));
    let pdf = Arc::new(slow_pdf(20_000));
    let start = Arc::new(Barrier::new(4));
    let jobs: Vec<_> = (0..4)
        .map(|_| {
            let (pool, pdf, start) = (Arc::clone(&pool), Arc::clone(&pdf), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                pool.run(&pdf, limits(120))
            })
        })
        .collect();
    for j in jobs {
        let out = j.join().expect("job thread");
        assert!(
            // Read by pdf-extract (the fast reader does not know its glyph), and said so.
            out.as_deref()
                .is_ok_and(|a| a.starts_with(b"ok slow: ") && a.contains(&b'\n')),
            "{out:?}"
        );
    }
    let stats = pool.stats();
    assert_eq!((stats.started, stats.answered, stats.live), (2, 4, 2));
    // Four jobs are too few for a size reading on the way; ending the pool takes one.
    assert_eq!(stats.max_rss_kib, 0);
    pool.shutdown();
    assert!(pool.stats().max_rss_kib > 1024, "{:?}", pool.stats());
}

#[test]
fn a_worker_exits_when_its_stdin_closes() {
    // What a worker of a killed daemon sees: the end of its requests.
    let mut child = Command::new(env!("CARGO_BIN_EXE_suratd"))
        .args(["__extract-pdf", "--serve"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start");
    let pdf = fixture("cbt-pmat-proposal.pdf");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&1000u64.to_le_bytes()).expect("write");
    stdin
        .write_all(&(pdf.len() as u64).to_le_bytes())
        .expect("write");
    stdin.write_all(&pdf).expect("write");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut len = [0u8; 8];
    stdout.read_exact(&mut len).expect("answer");
    let mut answer = vec![0; u64::from_le_bytes(len) as usize];
    stdout.read_exact(&mut answer).expect("answer");
    assert!(answer.starts_with(b"ok\nUNIVERSITAS"), "{answer:?}");
    drop(stdin);
    let status = child.wait().expect("exits");
    assert!(status.success(), "{status}");
}

/// The live child processes of `pid` (from every /proc/N/stat's parent pid).
fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|n| {
            std::fs::read_to_string(format!("/proc/{n}/stat")).is_ok_and(|stat| {
                stat.rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok())
                    == Some(pid)
            })
        })
        .collect()
}

/// Running, not exited (a zombie has exited: whoever adopted it reaps it).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
}

#[test]
fn the_workers_of_a_killed_daemon_exit() {
    let env = Env::new();
    let pdf = fixture("cbt-pmat-proposal.pdf");
    for i in 0..2 {
        let mut headers = BUDI;
        let id = format!("Message-ID: <pool-{i}@unsyiah.ac.id>");
        headers[3] = &id;
        env.deliver(
            &format!("pdf-{i}.eml"),
            &letter(
                &headers,
                "Terlampir.\r\n",
                Some(("application/pdf", "p.pdf", &pdf)),
            ),
        );
    }
    let mut daemon = env.daemon(None, &env.path().join("suratd.log"));
    let pid = daemon.0.id();
    // Both letters answered: their PDFs were read, the workers are idle and kept.
    wait_for("the acknowledgements", 60, || env.outbox().len() >= 2);
    let workers = children(pid);
    assert!(!workers.is_empty(), "no pdf worker under the daemon");
    assert!(workers.iter().all(|&w| running(w)));
    // SIGKILL: the daemon closes nothing; its workers see end of file on stdin.
    daemon.0.kill().expect("kill");
    daemon.0.wait().expect("reap");
    wait_for("the workers to exit", 20, || {
        workers.iter().all(|&w| !running(w))
    });
}

/// A worker has no log of its own: when the fast reader hands a PDF to pdf-extract, the
/// worker says why in its answer and the daemon logs it (debug level, `-v`).
#[test]
fn why_pdf_extract_read_a_file_reaches_the_daemons_log() {
    let env = Env::new();
    let file = env.path().join("lambat.eml");
    let raw = letter(
        &BUDI,
        "x\r\n",
        Some(("application/pdf", "cepat.pdf", &slow_pdf(3))),
    );
    std::fs::write(&file, raw).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_suratd"))
        .arg("--config")
        .arg(env.config())
        .args(["try", "--json"])
        .arg(&file)
        .env("RUST_LOG", "suratd=debug")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stderr);
    let line = log
        .lines()
        .find(|l| l.contains("fast pdf reader refused"))
        .unwrap_or_else(|| panic!("no refusal in the log:\n{log}"));
    assert!(line.contains("reason=") && line.contains("glyph"), "{line}");
    // The pool's last line counts the files pdf-extract read.
    let ended = log
        .lines()
        .find(|l| l.contains("pdf workers ended"))
        .unwrap_or_else(|| panic!("no end line in the log:\n{log}"));
    assert!(ended.contains("by_pdf_extract=1"), "{ended}");
    // And the text was read all the same.
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v["message"]["attachments"][0]["error"].is_null(), "{v}");
}

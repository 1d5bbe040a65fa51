//! Test harness: a scratch installation (daemon.toml + Maildir + outbox in a temp dir, the
//! repository's rules and templates) and a runner for the real `suratd` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A scratch installation.
pub struct Env {
    pub dir: tempfile::TempDir,
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    /// The shipped daemon.toml, pointed at the repo's rules/templates and an empty inbox.
    pub fn new() -> Env {
        let dir = tempfile::tempdir().expect("tempdir");
        for sub in ["inbox/new", "inbox/cur", "inbox/tmp"] {
            std::fs::create_dir_all(dir.path().join(sub)).expect("mkdir");
        }
        let shipped = std::fs::read_to_string(repo().join("daemon.toml")).expect("daemon.toml");
        let cfg = shipped
            .replace(
                "rules = \"rules\"",
                &format!("rules = {:?}", repo().join("rules")),
            )
            .replace(
                "templates = \"templates\"",
                &format!("templates = {:?}", repo().join("templates")),
            )
            .replace("path = \"samples/inbox\"", "path = \"inbox\"");
        std::fs::write(dir.path().join("daemon.toml"), cfg).expect("write config");
        Env { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("daemon.toml")
    }

    /// Copies every file of `from` into the inbox's new/.
    pub fn deliver_dir(&self, from: &Path) -> usize {
        let mut n = 0;
        for e in std::fs::read_dir(from).expect("read dir").flatten() {
            let name = e.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            std::fs::copy(e.path(), self.path().join("inbox/new").join(&name)).expect("copy");
            n += 1;
        }
        n
    }

    pub fn deliver(&self, name: &str, raw: &[u8]) {
        std::fs::write(self.path().join("inbox/new").join(name), raw).expect("write");
    }

    pub fn suratd(&self, args: &[&str]) -> Output {
        self.suratd_with_env(&[], args)
    }

    /// [`Env::suratd`] with more environment variables (e.g. the debug-only
    /// `SURATD_CLOCK_START`, for output that depends on the date).
    pub fn suratd_with_env(&self, vars: &[(&str, &str)], args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_suratd"))
            .arg("--config")
            .arg(self.config())
            .args(args)
            .current_dir(self.path())
            .env("RUST_LOG", "suratd=warn")
            .envs(vars.iter().copied())
            .output()
            .expect("run suratd");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `suratd run` in the background, logging at info level into `log`; with `clock_start`,
    /// on the debug-only clock that starts at that instant.
    pub fn daemon(&self, clock_start: Option<&str>, log: &Path) -> Daemon {
        match clock_start {
            Some(t) => self.daemon_with_env(&[("SURATD_CLOCK_START", t)], log),
            None => self.daemon_with_env(&[], log),
        }
    }

    /// [`Env::daemon`] with more environment variables.
    pub fn daemon_with_env(&self, vars: &[(&str, &str)], log: &Path) -> Daemon {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_suratd"));
        cmd.arg("--config")
            .arg(self.config())
            .arg("run")
            .current_dir(self.path())
            .env("RUST_LOG", "suratd=info")
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(log).expect("log"))
            .envs(vars.iter().copied());
        Daemon(cmd.spawn().expect("start suratd run"))
    }

    /// The emails in the outbox, name → content, sorted. (Files being written are hidden
    /// dot-files renamed into place; one can vanish between listing and reading.)
    pub fn outbox(&self) -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(self.path().join("var/outbox"))
            .map(|rd| {
                rd.flatten()
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .filter_map(|e| {
                        let raw = std::fs::read(e.path()).ok()?;
                        Some((e.file_name().to_string_lossy().into_owned(), raw))
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }
}

/// Polls `done` every 20 ms until it holds; fails after `secs` (polling, not synchronising).
pub fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {secs} s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A child process killed when the test ends, passed or not.
pub struct Daemon(pub std::process::Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every `.eml` below `dir`, sorted.
pub fn emls(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

//! The raw fetch limit for the benchmark (bench/run.sh): the smallest IMAP client that can
//! read a folder, so the time it takes is what the server itself needs to hand the messages
//! over. Plain IMAP on one connection: LOGIN, EXAMINE, `UID FETCH 1:* BODY.PEEK[]`, every
//! literal read and thrown away, LOGOUT. Prints one JSON line:
//! `{"messages":N,"bytes":B,"seconds":S}` (the FETCH alone, from command to tagged OK).
//!
//! Standard library only, built by bench/run.sh with `rustc -O` (no crate, no Cargo.lock):
//! `rawfetch HOST PORT USER PASSWORD [FOLDER]`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Instant;

type Result<T> = std::result::Result<T, String>;

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    line: Vec<u8>,
}

impl Conn {
    fn read_line(&mut self) -> Result<()> {
        self.line.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.line)
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("server closed the connection".into());
        }
        Ok(())
    }

    /// The size of the literal announced at the end of the current line (`{123}\r\n`).
    fn literal(&self) -> Option<usize> {
        let l = self.line.strip_suffix(b"\r\n").unwrap_or(&self.line);
        let l = l.strip_suffix(b"}")?;
        let open = l.iter().rposition(|b| *b == b'{')?;
        std::str::from_utf8(&l[open + 1..]).ok()?.parse().ok()
    }

    /// Sends `tag command` and reads to the tagged answer; counts FETCH responses and
    /// literal bytes on the way.
    fn command(&mut self, tag: &str, command: &str) -> Result<(usize, usize)> {
        write!(self.writer, "{tag} {command}\r\n").map_err(|e| format!("write: {e}"))?;
        let mut sink = vec![0u8; 1 << 16];
        let (mut fetches, mut bytes) = (0, 0);
        let done = format!("{tag} ");
        loop {
            self.read_line()?;
            if self.line.starts_with(done.as_bytes()) {
                let ok = self.line[done.len()..].starts_with(b"OK");
                return if ok {
                    Ok((fetches, bytes))
                } else {
                    Err(format!(
                        "{command}: {}",
                        String::from_utf8_lossy(&self.line).trim_end()
                    ))
                };
            }
            if self.line.starts_with(b"* ") && self.line.windows(7).any(|w| w == b" FETCH ") {
                fetches += 1;
            }
            // A literal, then the rest of the response on the line after it.
            while let Some(mut left) = self.literal() {
                bytes += left;
                while left > 0 {
                    let want = left.min(sink.len());
                    self.reader
                        .read_exact(&mut sink[..want])
                        .map_err(|e| format!("read literal: {e}"))?;
                    left -= want;
                }
                self.read_line()?;
            }
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let [host, port, user, password, rest @ ..] = args else {
        return Err("usage: rawfetch HOST PORT USER PASSWORD [FOLDER]".into());
    };
    let folder = rest.first().map_or("INBOX", String::as_str);
    let stream =
        TcpStream::connect(format!("{host}:{port}")).map_err(|e| format!("connect: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let writer = stream.try_clone().map_err(|e| e.to_string())?;
    let mut c = Conn {
        reader: BufReader::with_capacity(1 << 20, stream),
        writer,
        line: Vec::new(),
    };
    c.read_line()?;
    c.command("a", &format!("LOGIN \"{user}\" \"{password}\""))?;
    c.command("b", &format!("EXAMINE \"{folder}\""))?;
    let start = Instant::now();
    let (messages, bytes) = c.command("c", "UID FETCH 1:* (UID BODY.PEEK[])")?;
    let seconds = start.elapsed().as_secs_f64();
    let _ = c.command("d", "LOGOUT");
    println!("{{\"messages\":{messages},\"bytes\":{bytes},\"seconds\":{seconds:.6}}}");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("rawfetch: {e}");
        std::process::exit(1);
    }
}

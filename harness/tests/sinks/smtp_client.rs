//! A small SMTP client for the tests: one command, one reply (multi-line replies
//! joined), every read and write bounded by a timeout; `send` does MAIL, RCPT, DATA
//! with dot-stuffing, as a real server's SMTP transport would.

use std::net::SocketAddr;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::BOUND;

pub struct Smtp {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
}

/// A reply: its code and its text lines joined with `\n`; code 0 when the server closed.
pub type Reply = (u16, String);

impl Smtp {
    /// Connects and reads the greeting.
    pub async fn connect(addr: SocketAddr) -> (Smtp, Reply) {
        let stream = tokio::time::timeout(BOUND, TcpStream::connect(addr))
            .await
            .expect("connect in time")
            .expect("connect");
        let (read, writer) = stream.into_split();
        let mut smtp = Smtp {
            reader: BufReader::new(read),
            writer,
        };
        let greeting = smtp.reply().await;
        (smtp, greeting)
    }

    /// Reads one (possibly multi-line) reply.
    pub async fn reply(&mut self) -> Reply {
        let mut text = Vec::new();
        loop {
            let mut line = String::new();
            let n = tokio::time::timeout(BOUND, self.reader.read_line(&mut line))
                .await
                .expect("a reply in time")
                .unwrap_or(0);
            if n == 0 {
                return (0, text.join("\n"));
            }
            let line = line.trim_end();
            let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
            text.push(line.get(4..).unwrap_or_default().to_string());
            if line.as_bytes().get(3) != Some(&b'-') {
                return (code, text.join("\n"));
            }
        }
    }

    /// Writes raw bytes.
    pub async fn raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        tokio::time::timeout(BOUND, self.writer.write_all(bytes))
            .await
            .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
    }

    /// Sends one command line and reads its reply.
    pub async fn cmd(&mut self, line: &str) -> Reply {
        if self.raw(format!("{line}\r\n").as_bytes()).await.is_err() {
            return (0, String::new());
        }
        self.reply().await
    }

    /// EHLO, then MAIL, RCPT for each recipient, DATA with `message` dot-stuffed; the
    /// final reply (or the first refusal).
    pub async fn send(&mut self, from: &str, to: &[&str], message: &str) -> Reply {
        let r = self.cmd(&format!("MAIL FROM:<{from}>")).await;
        if r.0 != 250 {
            return r;
        }
        for rcpt in to {
            let r = self.cmd(&format!("RCPT TO:<{rcpt}>")).await;
            if r.0 != 250 {
                return r;
            }
        }
        let r = self.cmd("DATA").await;
        if r.0 != 354 {
            return r;
        }
        let mut data = String::with_capacity(message.len() + 64);
        for line in message.split("\r\n") {
            if line.starts_with('.') {
                data.push('.');
            }
            data.push_str(line);
            data.push_str("\r\n");
        }
        data.push_str(".\r\n");
        if self.raw(data.as_bytes()).await.is_err() {
            return (0, String::new());
        }
        self.reply().await
    }
}

/// A plain-text message in the form a server's SMTP transport sends.
pub fn plain(to: &str, subject: &str, body: &str) -> String {
    format!(
        "From: PINsafe <pinsafe@example.test>\r\nTo: {to}\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
}

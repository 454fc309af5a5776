//! One SMTP session (RFC 5321, receiving side only), as a small strict state machine
//! over tokio: EHLO/HELO, MAIL FROM (with `SIZE=` and `BODY=8BITMIME`), RCPT TO, DATA with
//! dot-unstuffing, RSET, NOOP, VRFY, HELP, QUIT; no AUTH or STARTTLS (loopback use).
//! Bounded everywhere: command lines (1,000 bytes, as the RFC says), message size (a
//! message over the cap is read to its end without being kept, then refused with 552),
//! recipients per message, protocol errors per session, and a timeout on every read
//! and write. Each refusal is counted under a name.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::{MailConfig, ReceivedMail, Shared};
use crate::sinks::io::{LineRead, read_line};

/// Longest command line (RFC 5321 §4.5.3.1.4: 512, extensions may add; 1,000 is plenty).
const MAX_COMMAND_LINE: usize = 1000;
/// Longest line inside DATA before the message counts as too large.
const MAX_DATA_LINE: usize = 1 << 20;

/// How a session ended early.
enum End {
    /// The client quit, closed, or the connection failed.
    Closed,
}

struct Session<'a> {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    shared: &'a Shared,
    config: &'a MailConfig,
    peer: SocketAddr,
    greeted: bool,
    from: Option<String>,
    recipients: Vec<String>,
    errors: u32,
    line: Vec<u8>,
}

/// Serves one connection to its end.
pub(super) async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    shared: &Shared,
    config: &MailConfig,
) {
    let (read, write) = stream.into_split();
    let mut session = Session {
        reader: BufReader::with_capacity(16 << 10, read),
        writer: write,
        shared,
        config,
        peer,
        greeted: false,
        from: None,
        recipients: Vec::new(),
        errors: 0,
        line: Vec::new(),
    };
    let greeting = format!("220 {} ESMTP swivel-harness mail sink", config.hostname);
    if session.reply(&greeting).await.is_ok() {
        let _ = session.run().await;
    }
}

impl Session<'_> {
    async fn run(&mut self) -> Result<(), End> {
        loop {
            let idle = self.config.read_timeout;
            match read_line(&mut self.reader, &mut self.line, MAX_COMMAND_LINE, idle).await {
                LineRead::Line => {}
                LineRead::TooLong => {
                    self.count(|c| &c.lines_too_long);
                    self.error("500 5.5.2 Line too long").await?;
                    continue;
                }
                LineRead::TimedOut => return self.timed_out().await,
                LineRead::Partial | LineRead::Eof | LineRead::Failed => return Err(End::Closed),
            }
            let text = String::from_utf8_lossy(&self.line);
            let command = text.trim_end_matches('\r').to_string();
            self.command(&command).await?;
        }
    }

    async fn command(&mut self, command: &str) -> Result<(), End> {
        let (verb, arg) = command.split_once(' ').unwrap_or((command, ""));
        let arg = arg.trim();
        match verb.to_ascii_uppercase().as_str() {
            "EHLO" | "HELO" if arg.is_empty() => {
                self.error("501 5.5.4 A domain or address is required")
                    .await
            }
            "EHLO" => {
                self.greet();
                let host = self.config.hostname.clone();
                let size = self.config.max_message_bytes;
                self.reply(&format!(
                    "250-{host}\r\n250-8BITMIME\r\n250-SIZE {size}\r\n250 PIPELINING"
                ))
                .await
            }
            "HELO" => {
                self.greet();
                let host = self.config.hostname.clone();
                self.reply(&format!("250 {host}")).await
            }
            "MAIL" => self.mail(arg).await,
            "RCPT" => self.rcpt(arg).await,
            "DATA" if !arg.is_empty() => self.error("501 5.5.4 DATA takes no argument").await,
            "DATA" => self.data().await,
            "RSET" => {
                self.reset();
                self.reply("250 2.0.0 Ok").await
            }
            "NOOP" => self.reply("250 2.0.0 Ok").await,
            "VRFY" => self.reply("252 2.5.0 Cannot verify, will accept").await,
            "HELP" => {
                self.reply("214 2.0.0 EHLO HELO MAIL RCPT DATA RSET NOOP QUIT")
                    .await
            }
            "QUIT" => {
                let _ = self.reply("221 2.0.0 Bye").await;
                Err(End::Closed)
            }
            "STARTTLS" | "AUTH" | "BDAT" | "ETRN" | "EXPN" => {
                self.reply("502 5.5.1 Not implemented").await
            }
            _ => {
                self.count(|c| &c.bad_commands);
                self.error("500 5.5.1 Command unrecognized").await
            }
        }
    }

    fn greet(&mut self) {
        self.greeted = true;
        self.reset();
    }

    fn reset(&mut self) {
        self.from = None;
        self.recipients.clear();
    }

    async fn mail(&mut self, arg: &str) -> Result<(), End> {
        if !self.greeted {
            return self.error("503 5.5.1 Send EHLO or HELO first").await;
        }
        if self.from.is_some() {
            return self.error("503 5.5.1 Sender already given").await;
        }
        let Some((from, params)) = path_arg(arg, "FROM:") else {
            return self.error("501 5.5.4 Syntax: MAIL FROM:<address>").await;
        };
        let declared = params.split_ascii_whitespace().find_map(|p| {
            let (key, value) = p.split_once('=')?;
            key.eq_ignore_ascii_case("SIZE")
                .then(|| value.parse::<u64>().ok())?
        });
        if declared.is_some_and(|size| size > self.config.max_message_bytes as u64) {
            self.count(|c| &c.too_large);
            let max = self.config.max_message_bytes;
            return self
                .reply(&format!(
                    "552 5.3.4 Message size exceeds the limit of {max} bytes"
                ))
                .await;
        }
        self.from = Some(from.to_string());
        self.reply("250 2.1.0 Ok").await
    }

    async fn rcpt(&mut self, arg: &str) -> Result<(), End> {
        if self.from.is_none() {
            return self.error("503 5.5.1 Send MAIL FROM first").await;
        }
        let Some((to, _params)) = path_arg(arg, "TO:").filter(|(to, _)| !to.is_empty()) else {
            return self.error("501 5.5.4 Syntax: RCPT TO:<address>").await;
        };
        if self.recipients.len() >= self.config.max_recipients {
            self.count(|c| &c.too_many_recipients);
            return self.reply("452 4.5.3 Too many recipients").await;
        }
        self.recipients.push(to.to_ascii_lowercase());
        self.reply("250 2.1.5 Ok").await
    }

    async fn data(&mut self) -> Result<(), End> {
        if self.recipients.is_empty() {
            return self.error("503 5.5.1 Send RCPT TO first").await;
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let max = self.config.max_message_bytes;
        let idle = self.config.read_timeout;
        let mut message = Vec::new();
        let mut too_large = false;
        loop {
            match read_line(
                &mut self.reader,
                &mut self.line,
                MAX_DATA_LINE.min(max + 2),
                idle,
            )
            .await
            {
                LineRead::Line => {}
                LineRead::TooLong => {
                    too_large = true;
                    message = Vec::new();
                    continue;
                }
                LineRead::TimedOut => return self.timed_out().await,
                LineRead::Partial | LineRead::Eof | LineRead::Failed => return Err(End::Closed),
            }
            let line = self.line.strip_suffix(b"\r").unwrap_or(&self.line);
            if line == b"." {
                break;
            }
            // Dot-unstuffing (RFC 5321 §4.5.2).
            let line = line.strip_prefix(b".").unwrap_or(line);
            if too_large {
                continue;
            }
            if message.len() + line.len() + 2 > max {
                too_large = true;
                message = Vec::new();
                continue;
            }
            message.extend_from_slice(line);
            message.extend_from_slice(b"\r\n");
        }
        let from = self.from.take().unwrap_or_default();
        let recipients = std::mem::take(&mut self.recipients);
        if too_large {
            self.count(|c| &c.too_large);
            return self
                .reply(&format!(
                    "552 5.3.4 Message size exceeds the limit of {max} bytes"
                ))
                .await;
        }
        let seq = self.store(from, recipients, message).await;
        self.reply(&format!("250 2.0.0 Ok: queued as {seq}")).await
    }

    /// Extracts (off the async threads: a message can be megabytes) and stores.
    async fn store(&self, from: String, recipients: Vec<String>, message: Vec<u8>) -> u64 {
        let patterns = self.shared.patterns.clone();
        let size = message.len();
        let extracted = tokio::task::spawn_blocking(move || patterns.extract(&message))
            .await
            .unwrap_or_default();
        let c = &self.shared.counters;
        c.accepted.fetch_add(1, Ordering::Relaxed);
        if extracted.code.is_none() {
            c.without_code.fetch_add(1, Ordering::Relaxed);
        }
        if !extracted.parsed {
            c.unparsable.fetch_add(1, Ordering::Relaxed);
        }
        let peer = self.peer;
        let weight = std::mem::size_of::<ReceivedMail>()
            + extracted.text.len()
            + from.len()
            + recipients.iter().map(String::len).sum::<usize>();
        self.shared.mails.push(weight, |seq| ReceivedMail {
            seq,
            peer,
            from,
            recipients,
            size,
            extracted,
        })
    }

    async fn timed_out(&mut self) -> Result<(), End> {
        self.count(|c| &c.timeouts);
        let _ = self
            .reply("421 4.4.2 Idle too long, closing connection")
            .await;
        Err(End::Closed)
    }

    /// Replies with a protocol error; too many in one session end it.
    async fn error(&mut self, reply: &str) -> Result<(), End> {
        self.errors += 1;
        if self.errors > self.config.max_errors {
            self.count(|c| &c.sessions_ended_for_errors);
            let _ = self
                .reply("421 4.7.0 Too many errors, closing connection")
                .await;
            return Err(End::Closed);
        }
        self.reply(reply).await
    }

    async fn reply(&mut self, reply: &str) -> Result<(), End> {
        let bytes = format!("{reply}\r\n");
        match tokio::time::timeout(
            self.config.read_timeout,
            self.writer.write_all(bytes.as_bytes()),
        )
        .await
        {
            Ok(Ok(())) => Ok(()),
            _ => Err(End::Closed),
        }
    }

    fn count(&self, counter: impl Fn(&super::Counters) -> &std::sync::atomic::AtomicU64) {
        counter(&self.shared.counters).fetch_add(1, Ordering::Relaxed);
    }
}

/// `FROM:<a@b> PARAMS` (keyword case-insensitive, a space after the colon tolerated) →
/// the address and the parameters. `<>` (the null sender) gives an empty address.
fn path_arg<'a>(arg: &'a str, keyword: &str) -> Option<(&'a str, &'a str)> {
    let head = arg.get(..keyword.len())?;
    if !head.eq_ignore_ascii_case(keyword) {
        return None;
    }
    let rest = arg[keyword.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let (address, params) = inner.split_once('>')?;
    if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return None;
    }
    Some((address, params.trim()))
}

#[cfg(test)]
mod tests {
    use super::path_arg;

    #[test]
    fn paths_are_read_strictly() {
        assert_eq!(
            path_arg("FROM:<a@b> SIZE=10", "FROM:"),
            Some(("a@b", "SIZE=10"))
        );
        assert_eq!(path_arg("from: <>", "FROM:"), Some(("", "")));
        assert_eq!(path_arg("TO:<A@B>", "TO:"), Some(("A@B", "")));
        assert_eq!(path_arg("TO:a@b", "TO:"), None);
        assert_eq!(path_arg("TO:<a b@c>", "TO:"), None);
        assert_eq!(path_arg("T", "TO:"), None);
        assert_eq!(path_arg("TÖ:<a>", "TO:"), None);
    }
}

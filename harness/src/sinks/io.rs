//! Bounded line reading over tokio, shared by the syslog (newline framing) and SMTP
//! receivers: a line longer than the cap is skipped to its end and reported, never
//! buffered, and every wait for bytes has a timeout, so neither a flood nor a silent
//! peer can hold memory or a task for long.

use std::time::Duration;

use tokio::io::{AsyncBufRead, AsyncBufReadExt};

/// How a bounded line read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRead {
    /// A whole line (without its `\n`) is in the buffer.
    Line,
    /// A line longer than the cap was read and dropped.
    TooLong,
    /// The peer closed with a partial line in the buffer.
    Partial,
    /// The peer closed between lines.
    Eof,
    /// No byte came within the timeout.
    TimedOut,
    /// The connection failed.
    Failed,
}

/// Reads up to the next `\n` into `line` (cleared first), keeping at most `max` bytes;
/// `idle` bounds each wait for more bytes.
pub async fn read_line<R: AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
    idle: Duration,
) -> LineRead {
    line.clear();
    let mut too_long = false;
    loop {
        let buf = match tokio::time::timeout(idle, reader.fill_buf()).await {
            Err(_) => return LineRead::TimedOut,
            Ok(Err(_)) => return LineRead::Failed,
            Ok(Ok(buf)) => buf,
        };
        if buf.is_empty() {
            return match (too_long, line.is_empty()) {
                (true, _) => LineRead::TooLong,
                (false, true) => LineRead::Eof,
                (false, false) => LineRead::Partial,
            };
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (buf.len(), false),
        };
        if !too_long {
            if line.len() + take > max {
                too_long = true;
                line.clear();
            } else {
                line.extend_from_slice(&buf[..take]);
            }
        }
        reader.consume(take + usize::from(done));
        if done {
            return if too_long {
                LineRead::TooLong
            } else {
                LineRead::Line
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn lines_caps_and_ends() {
        let data: &[u8] = b"ab\nlong-line\ncd\nef";
        let mut r = tokio::io::BufReader::with_capacity(4, data);
        let mut line = Vec::new();
        let idle = Duration::from_secs(1);
        assert_eq!(read_line(&mut r, &mut line, 4, idle).await, LineRead::Line);
        assert_eq!(line, b"ab");
        assert_eq!(
            read_line(&mut r, &mut line, 4, idle).await,
            LineRead::TooLong
        );
        assert_eq!(read_line(&mut r, &mut line, 4, idle).await, LineRead::Line);
        assert_eq!(line, b"cd");
        assert_eq!(
            read_line(&mut r, &mut line, 4, idle).await,
            LineRead::Partial
        );
        assert_eq!(line, b"ef");
        assert_eq!(read_line(&mut r, &mut line, 4, idle).await, LineRead::Eof);
    }
}

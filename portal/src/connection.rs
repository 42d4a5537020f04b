//! The portal's connections. Hyper answers a request it cannot read (a URI
//! over 64 KiB, headers over its buffer, a malformed request line) itself,
//! with an empty body and before any of our code runs; its limits are fixed
//! in its code. Every API error is a problem document, so each connection's
//! writes are watched for exactly that automatic answer, which is replaced
//! by a problem document of the same status. Everything else passes through
//! untouched.

use axum::http::StatusCode;
use gru_web::Problem;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections answer hyper's parse errors with
/// problem documents.
pub struct Listener(pub TcpListener);

impl axum::serve::Listener for Listener {
    type Io = ProblemOnParseError<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // Tokio's listener, with axum's handling of accept errors.
        let (stream, address) = axum::serve::Listener::accept(&mut self.0).await;
        (ProblemOnParseError { inner: stream, replacing: None }, address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

/// A connection whose automatic parse-error answer from hyper is rewritten.
pub struct ProblemOnParseError<Io> {
    inner: Io,
    /// The problem being written in place of hyper's answer, if any.
    replacing: Option<Replacement>,
}

struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    /// The length of hyper's answer: what it is told was written.
    replaced: usize,
}

impl<Io: AsyncWrite + Unpin> ProblemOnParseError<Io> {
    /// Writes the replacement to its end, then tells hyper its own answer went out.
    fn poll_replacement(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let Some(replacement) = &mut self.replacing else { unreachable!("only called while replacing") };
        while replacement.written < replacement.bytes.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &replacement.bytes[replacement.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            replacement.written += n;
        }
        let replaced = replacement.replaced;
        self.replacing = None;
        Poll::Ready(Ok(replaced))
    }
}

impl<Io: AsyncRead + Unpin> AsyncRead for ProblemOnParseError<Io> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<Io: AsyncWrite + Unpin> AsyncWrite for ProblemOnParseError<Io> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() {
            match problem_for(buf) {
                Some(bytes) => self.replacing = Some(Replacement { bytes, written: 0, replaced: buf.len() }),
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        self.poll_replacement(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Hyper's automatic answer is a head alone: one slice.
        let mut filled = bufs.iter().filter(|b| !b.is_empty());
        if let (Some(only), None) = (filled.next(), filled.next())
            && (self.replacing.is_some() || problem_for(only).is_some())
        {
            return self.poll_write(cx, only);
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The problem document to send instead of `written`, when `written` is
/// hyper's automatic answer to an unreadable request: a 400, 414 or 431
/// head with exactly `connection: close`, `content-length: 0` and `date`,
/// and nothing else (an answer of ours always has a type and a body).
fn problem_for(written: &[u8]) -> Option<Vec<u8>> {
    // Hyper's answer is about a hundred bytes: a body or a longer head is
    // passed without reading it.
    if written.len() > 256 || !written.starts_with(b"HTTP/1.") {
        return None;
    }
    let head = std::str::from_utf8(written).ok()?.strip_suffix("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let code = status_line.strip_prefix("HTTP/1.1 ").or_else(|| status_line.strip_prefix("HTTP/1.0 "))?;
    let status = StatusCode::from_bytes(code.get(..3)?.as_bytes()).ok()?;
    let mut date = None;
    let mut others = Vec::new();
    for line in lines {
        match line.split_once(": ") {
            Some((name, _)) if name.eq_ignore_ascii_case("date") => date = Some(line),
            _ => others.push(line.to_ascii_lowercase()),
        }
    }
    others.sort();
    if others != ["connection: close", "content-length: 0"] {
        return None;
    }
    let (kind, title, detail) = match status {
        StatusCode::URI_TOO_LONG => (
            "uri-too-long",
            "Adresse trop longue",
            "L'adresse demandée dépasse 64 Kio : raccourcissez-la (moins de paramètres, des valeurs plus courtes).",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "headers-too-large",
            "En-têtes trop volumineux",
            "Les en-têtes de la requête sont trop volumineux : retirez des cookies ou des en-têtes.",
        ),
        StatusCode::BAD_REQUEST => {
            ("malformed-request", "Requête illisible", "Ce n'est pas une requête HTTP valide.")
        }
        _ => return None,
    };
    let body = serde_json::to_vec(&Problem::new(status, kind, title, detail)).ok()?;
    let mut answer = format!(
        "{status_line}\r\ncontent-type: application/problem+json\r\ncache-control: {}\r\n\
         connection: close\r\ncontent-length: {}\r\n",
        gru_web::NO_STORE,
        body.len()
    );
    if let Some(date) = date {
        answer.push_str(date);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    let mut bytes = answer.into_bytes();
    bytes.extend(body);
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HYPER_414: &[u8] = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: Mon, 07 Dec 2026 08:31:47 GMT\r\n\r\n";

    #[test]
    fn hyper_s_answer_becomes_a_problem_with_its_status_and_date() {
        let answer = String::from_utf8(problem_for(HYPER_414).expect("replaced")).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{head}");
        assert!(head.contains("content-type: application/problem+json"), "{head}");
        assert!(head.contains("date: Mon, 07 Dec 2026 08:31:47 GMT"), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())), "{head}");
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(
            (problem["status"].as_u64(), problem["title"].as_str()),
            (Some(414), Some("Adresse trop longue"))
        );
    }

    #[test]
    fn every_other_answer_passes_untouched() {
        for other in [
            &b"HTTP/1.1 414 URI Too Long\r\ncontent-type: text/plain\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
            b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\n\r\nmore",
            b"\xff\xfe",
        ] {
            assert!(problem_for(other).is_none(), "{}", String::from_utf8_lossy(other));
        }
    }
}

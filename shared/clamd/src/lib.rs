//! clamd adapter of the [`Scanner`] port: the bytes of a file are streamed to
//! a ClamAV daemon with its `INSTREAM` command, over TCP or a Unix socket.
//!
//! The protocol (clamd(8)): the command `zINSTREAM\0`, then the body in
//! chunks, each prefixed by its length as 4 big-endian bytes, then a chunk of
//! length zero; clamd answers one line ended by `\0`:
//!
//! - `stream: OK` when nothing was found;
//! - `stream: <signature> FOUND` when a signature matched;
//! - `<message> ERROR` when clamd could not scan (for instance
//!   `INSTREAM size limit exceeded. ERROR` past its `StreamMaxLength`).
//!
//! A daemon that cannot be reached, breaks the protocol or takes too long is
//! [`ScanError::Unavailable`]: no verdict, the caller asks again later.

use async_trait::async_trait;
use gru_ports::scanner::{ScanError, Scanner, Verdict};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest chunk sent in one frame. clamd accepts bigger ones, but small
/// frames keep its per-connection buffer small and let it stop us early
/// when the stream exceeds its limit.
const CHUNK: usize = 64 * 1024;

/// The longest reply we read: clamd's replies are one short line, so more is
/// not clamd.
const MAX_REPLY: usize = 4096;

/// How long connecting may take: a daemon on the same host or network
/// answers at once, and a dead one should not hold an upload.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// How long a whole scan may take, connection included: generous for the
/// largest attachment, short enough that a stuck daemon is noticed.
const SCAN_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment variable that names the daemon (see [`ClamdScanner::from_env`]).
pub const ADDRESS_VARIABLE: &str = "CLAMD_ADDRESS";

/// The [`Scanner`] port on a clamd daemon. Each scan opens its own
/// connection, so one value serves any number of concurrent scans.
#[derive(Debug, Clone)]
pub struct ClamdScanner {
    address: Address,
    connect_timeout: Duration,
    scan_timeout: Duration,
}

/// Where clamd listens.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Address {
    /// `host:port`, resolved at each connection (a container's name may
    /// change address when it restarts).
    Tcp(String),
    /// The path of a Unix socket (clamd's `LocalSocket`).
    Unix(String),
}

impl Address {
    fn parse(address: String) -> Self {
        if let Some(path) = address.strip_prefix("unix:") {
            Address::Unix(path.to_owned())
        } else if address.starts_with('/') {
            Address::Unix(address)
        } else {
            Address::Tcp(address)
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Address::Tcp(address) => f.write_str(address),
            Address::Unix(path) => write!(f, "unix:{path}"),
        }
    }
}

impl ClamdScanner {
    /// A scanner on the clamd at `address`: `host:port` for TCP (clamd's
    /// `TCPSocket`), or a Unix socket path, either absolute (`/run/clamav/clamd.ctl`)
    /// or prefixed with `unix:`. Nothing is connected until the first scan.
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: Address::parse(address.into()),
            connect_timeout: CONNECT_TIMEOUT,
            scan_timeout: SCAN_TIMEOUT,
        }
    }

    /// The scanner named by `CLAMD_ADDRESS`, or `None` when it is unset or
    /// empty (the deployment has no clamd).
    pub fn from_env() -> Option<Self> {
        std::env::var(ADDRESS_VARIABLE).ok().filter(|a| !a.trim().is_empty()).map(|a| Self::new(a.trim()))
    }

    /// The same scanner with other limits on connecting and on a whole scan
    /// (2 s and 30 s by default).
    pub fn with_timeouts(mut self, connect: Duration, scan: Duration) -> Self {
        self.connect_timeout = connect;
        self.scan_timeout = scan;
        self
    }

    /// Where the daemon is, as given (Unix sockets with a `unix:` prefix).
    pub fn address(&self) -> String {
        self.address.to_string()
    }

    /// Connects and runs one `INSTREAM`, without the overall timeout.
    async fn scan_once(&self, body: &[u8]) -> Result<Verdict, ScanError> {
        let unavailable = |what: &str, e: std::io::Error| {
            ScanError::Unavailable(format!("clamd at {}: {what}: {e}", self.address))
        };
        let connect_timed_out = || {
            ScanError::Unavailable(format!(
                "clamd at {}: no connection within {} ms",
                self.address,
                self.connect_timeout.as_millis()
            ))
        };
        match &self.address {
            Address::Tcp(address) => {
                let stream =
                    tokio::time::timeout(self.connect_timeout, tokio::net::TcpStream::connect(address))
                        .await
                        .map_err(|_| connect_timed_out())?
                        .map_err(|e| unavailable("cannot connect", e))?;
                // The frames are written one by one: without this, the small
                // length prefixes would wait for Nagle's algorithm.
                let _ = stream.set_nodelay(true);
                instream(stream, body, &self.address).await
            }
            #[cfg(unix)]
            Address::Unix(path) => {
                let stream =
                    tokio::time::timeout(self.connect_timeout, tokio::net::UnixStream::connect(path))
                        .await
                        .map_err(|_| connect_timed_out())?
                        .map_err(|e| unavailable("cannot connect", e))?;
                instream(stream, body, &self.address).await
            }
            #[cfg(not(unix))]
            Address::Unix(_) => Err(ScanError::Unavailable(format!(
                "clamd at {}: Unix sockets are not supported on this system",
                self.address
            ))),
        }
    }
}

#[async_trait]
impl Scanner for ClamdScanner {
    fn name(&self) -> &'static str {
        "clamav"
    }

    /// Streams `body` to clamd; `key` is not sent (clamd names every stream
    /// `stream`), so no file name reaches the daemon's logs.
    async fn scan(&self, _key: &str, body: &[u8]) -> Result<Verdict, ScanError> {
        tokio::time::timeout(self.scan_timeout, self.scan_once(body)).await.unwrap_or_else(|_| {
            Err(ScanError::Unavailable(format!(
                "clamd at {}: no verdict within {} s",
                self.address,
                self.scan_timeout.as_secs()
            )))
        })
    }
}

/// Sends `body` with `INSTREAM` on a connected stream and reads the verdict.
async fn instream<S>(mut stream: S, body: &[u8], address: &Address) -> Result<Verdict, ScanError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let sent = send(&mut stream, body).await;
    // clamd answers and closes as soon as the stream exceeds its limit, so
    // our writes may fail with a broken pipe while its reply waits to be
    // read: the reply, when there is one, is what counts.
    let reply = read_reply(&mut stream).await;
    match (reply, sent) {
        (Ok(reply), _) if !reply.is_empty() => parse_reply(&reply).ok_or_else(|| {
            ScanError::Unavailable(format!("clamd at {address}: unexpected reply {:?}", truncate(&reply)))
        }),
        (_, Err(e)) => Err(ScanError::Unavailable(format!("clamd at {address}: cannot send the file: {e}"))),
        (Err(e), Ok(())) => {
            Err(ScanError::Unavailable(format!("clamd at {address}: cannot read the reply: {e}")))
        }
        (Ok(_), Ok(())) => {
            Err(ScanError::Unavailable(format!("clamd at {address}: the connection closed without a reply")))
        }
    }
}

/// Writes the command, the body in length-prefixed chunks and the final
/// zero-length chunk.
async fn send<S: AsyncWrite + Unpin>(stream: &mut S, body: &[u8]) -> std::io::Result<()> {
    // The `z` form: the reply ends with `\0`, so it is delimited even if
    // clamd kept the connection open.
    stream.write_all(b"zINSTREAM\0").await?;
    for chunk in body.chunks(CHUNK) {
        let length = u32::try_from(chunk.len()).expect("a chunk is at most 64 KiB");
        stream.write_all(&length.to_be_bytes()).await?;
        stream.write_all(chunk).await?;
    }
    stream.write_all(&0u32.to_be_bytes()).await?;
    stream.flush().await
}

/// The reply, up to its `\0` or the end of the connection, without the
/// terminator; empty when the connection closed before any byte.
async fn read_reply<S: AsyncRead + Unpin>(stream: &mut S) -> std::io::Result<String> {
    let mut reply = Vec::new();
    let mut buffer = [0u8; 512];
    loop {
        let read = stream.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        if let Some(end) = buffer[..read].iter().position(|&b| b == 0) {
            reply.extend_from_slice(&buffer[..end]);
            break;
        }
        reply.extend_from_slice(&buffer[..read]);
        if reply.len() > MAX_REPLY {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&reply).into_owned())
}

/// The verdict a reply line states, or `None` when it is not one of clamd's
/// three forms.
fn parse_reply(reply: &str) -> Option<Verdict> {
    let reply = reply.trim_end_matches(['\n', '\r', '\0']).trim();
    if reply == "stream: OK" {
        return Some(Verdict::Clean);
    }
    if let Some(signature) = reply.strip_suffix(" FOUND") {
        // A client that sent no stream id gets `stream: `; older versions
        // answered with a numeric id first (`1: stream: ...`).
        let signature = signature.rsplit_once("stream: ").map_or(signature, |(_, s)| s).trim();
        if !signature.is_empty() {
            return Some(Verdict::Infected { signature: signature.to_owned() });
        }
    }
    if let Some(reason) = reply.strip_suffix("ERROR") {
        let reason = reason.trim().trim_start_matches("stream:").trim().trim_end_matches('.');
        let reason = if reason.is_empty() { "clamd could not scan the file" } else { reason };
        return Some(Verdict::Unscannable { reason: reason.to_owned() });
    }
    None
}

/// At most 100 characters of a reply, for error messages.
fn truncate(reply: &str) -> String {
    reply.chars().take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::{TcpListener, TcpStream};

    /// What the fake clamd does once it has read a well-framed INSTREAM.
    enum Behaviour {
        Answer(&'static [u8]),
        /// Closes the connection after reading the command only.
        CloseAfterCommand,
        /// Answers after the first chunk and closes, as clamd does past its
        /// `StreamMaxLength`.
        StopAfterFirstChunk(&'static [u8]),
        /// Reads everything and never answers.
        Silent,
    }

    /// A fake clamd on a free loopback port: checks the command and the
    /// framing (chunks of at most 64 KiB, a final empty chunk), then behaves
    /// as asked. Its task yields the body it received.
    async fn fake_clamd(behaviour: Behaviour) -> (String, tokio::task::JoinHandle<Vec<u8>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let task = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut command = [0u8; 10];
            stream.read_exact(&mut command).await.unwrap();
            assert_eq!(&command, b"zINSTREAM\0");
            match behaviour {
                Behaviour::CloseAfterCommand => return Vec::new(),
                Behaviour::StopAfterFirstChunk(reply) => {
                    let mut length = [0u8; 4];
                    stream.read_exact(&mut length).await.unwrap();
                    let mut chunk = vec![0u8; u32::from_be_bytes(length) as usize];
                    stream.read_exact(&mut chunk).await.unwrap();
                    stream.write_all(reply).await.unwrap();
                    return chunk;
                }
                _ => {}
            }
            let body = read_chunks(&mut stream).await;
            match behaviour {
                Behaviour::Answer(reply) => stream.write_all(reply).await.unwrap(),
                Behaviour::Silent => tokio::time::sleep(Duration::from_secs(60)).await,
                Behaviour::CloseAfterCommand | Behaviour::StopAfterFirstChunk(_) => unreachable!(),
            }
            body
        });
        (address, task)
    }

    async fn read_chunks(stream: &mut TcpStream) -> Vec<u8> {
        let mut body = Vec::new();
        loop {
            let mut length = [0u8; 4];
            stream.read_exact(&mut length).await.unwrap();
            let length = u32::from_be_bytes(length) as usize;
            if length == 0 {
                return body;
            }
            assert!(length <= 64 * 1024, "a chunk of {length} bytes is over 64 KiB");
            let start = body.len();
            body.resize(start + length, 0);
            stream.read_exact(&mut body[start..]).await.unwrap();
        }
    }

    /// 200 000 bytes: four chunks, the last one partial.
    fn big_body() -> Vec<u8> {
        (0..200_000u32).map(|i| (i % 251) as u8).collect()
    }

    #[tokio::test]
    async fn a_clean_file_is_sent_in_chunks_and_is_clean() {
        let (address, server) = fake_clamd(Behaviour::Answer(b"stream: OK\0")).await;
        let scanner = ClamdScanner::new(&address);
        assert_eq!(scanner.name(), "clamav");
        let body = big_body();
        assert_eq!(scanner.scan("requests/R-1/scan.pdf", &body).await.unwrap(), Verdict::Clean);
        assert_eq!(server.await.unwrap(), body, "clamd received the body whole");
    }

    #[tokio::test]
    async fn an_empty_file_is_one_empty_chunk() {
        let (address, server) = fake_clamd(Behaviour::Answer(b"stream: OK\0")).await;
        assert_eq!(ClamdScanner::new(address).scan("a", b"").await.unwrap(), Verdict::Clean);
        assert!(server.await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_signature_found_is_infected() {
        let (address, server) = fake_clamd(Behaviour::Answer(b"stream: Win.Test.Dummy-1 FOUND\0")).await;
        let verdict = ClamdScanner::new(address).scan("a", b"MZ...").await.unwrap();
        assert_eq!(verdict, Verdict::Infected { signature: "Win.Test.Dummy-1".into() });
        assert_eq!(server.await.unwrap(), b"MZ...");
    }

    #[tokio::test]
    async fn an_error_reply_is_unscannable() {
        let (address, _server) =
            fake_clamd(Behaviour::Answer(b"INSTREAM size limit exceeded. ERROR\0")).await;
        let verdict = ClamdScanner::new(address).scan("a", &big_body()).await.unwrap();
        assert_eq!(verdict, Verdict::Unscannable { reason: "INSTREAM size limit exceeded".into() });
    }

    #[tokio::test]
    async fn an_error_reply_while_the_file_is_sent_is_unscannable() {
        let (address, server) =
            fake_clamd(Behaviour::StopAfterFirstChunk(b"INSTREAM size limit exceeded. ERROR\0")).await;
        let body = vec![7u8; 4 * 1024 * 1024];
        let verdict = ClamdScanner::new(address).scan("a", &body).await.unwrap();
        assert_eq!(verdict, Verdict::Unscannable { reason: "INSTREAM size limit exceeded".into() });
        assert_eq!(server.await.unwrap().len(), CHUNK);
    }

    #[tokio::test]
    async fn a_server_closing_early_is_unavailable() {
        let (address, server) = fake_clamd(Behaviour::CloseAfterCommand).await;
        let result = ClamdScanner::new(address).scan("a", &big_body()).await;
        assert!(matches!(result, Err(ScanError::Unavailable(_))), "{result:?}");
        server.await.unwrap();
    }

    #[tokio::test]
    async fn a_reply_that_is_not_clamd_is_unavailable() {
        let (address, _server) = fake_clamd(Behaviour::Answer(b"HTTP/1.1 400 Bad Request\r\n\r\n")).await;
        let result = ClamdScanner::new(address).scan("a", b"x").await;
        assert!(
            matches!(result, Err(ScanError::Unavailable(ref m)) if m.contains("unexpected reply")),
            "{result:?}"
        );
    }

    #[tokio::test]
    async fn an_unreachable_address_is_unavailable() {
        // A port just freed: nothing listens there.
        let address = TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().to_string();
        let result = ClamdScanner::new(address).scan("a", b"x").await;
        assert!(
            matches!(result, Err(ScanError::Unavailable(ref m)) if m.contains("cannot connect")),
            "{result:?}"
        );
        let missing_socket = ClamdScanner::new("unix:/nonexistent/clamd.ctl").scan("a", b"x").await;
        assert!(matches!(missing_socket, Err(ScanError::Unavailable(_))), "{missing_socket:?}");
    }

    #[tokio::test]
    async fn a_silent_server_times_out_as_unavailable() {
        let (address, _server) = fake_clamd(Behaviour::Silent).await;
        let scanner =
            ClamdScanner::new(address).with_timeouts(Duration::from_secs(2), Duration::from_millis(300));
        let result = scanner.scan("a", b"x").await;
        assert!(
            matches!(result, Err(ScanError::Unavailable(ref m)) if m.contains("no verdict")),
            "{result:?}"
        );
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_unix_socket_is_reached_by_path() {
        let dir = std::env::temp_dir().join(format!("gru-clamd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("clamd.ctl");
        let _ = std::fs::remove_file(&path);
        let listener = tokio::net::UnixListener::bind(&path).unwrap();
        let server = tokio::spawn(async move {
            let (mut stream, _) = listener.accept().await.unwrap();
            let mut request = Vec::new();
            // The whole request is 10 + 4 + 3 + 4 bytes.
            while request.len() < 21 {
                let mut buffer = [0u8; 64];
                let read = stream.read(&mut buffer).await.unwrap();
                assert_ne!(read, 0);
                request.extend_from_slice(&buffer[..read]);
            }
            assert_eq!(request, b"zINSTREAM\0\0\0\0\x03abc\0\0\0\0");
            stream.write_all(b"stream: OK\0").await.unwrap();
        });
        let scanner = ClamdScanner::new(path.display().to_string());
        assert_eq!(scanner.address(), format!("unix:{}", path.display()));
        assert_eq!(scanner.scan("a", b"abc").await.unwrap(), Verdict::Clean);
        server.await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn addresses_are_tcp_unless_they_are_paths() {
        assert_eq!(Address::parse("127.0.0.1:3310".into()), Address::Tcp("127.0.0.1:3310".into()));
        assert_eq!(Address::parse("clamav:3310".into()), Address::Tcp("clamav:3310".into()));
        assert_eq!(
            Address::parse("/run/clamav/clamd.ctl".into()),
            Address::Unix("/run/clamav/clamd.ctl".into())
        );
        assert_eq!(Address::parse("unix:/run/clamd.ctl".into()), Address::Unix("/run/clamd.ctl".into()));
    }

    #[test]
    fn replies_are_parsed() {
        assert_eq!(parse_reply("stream: OK"), Some(Verdict::Clean));
        assert_eq!(
            parse_reply("stream: Eicar-Test-Signature.UNOFFICIAL FOUND"),
            Some(Verdict::Infected { signature: "Eicar-Test-Signature.UNOFFICIAL".into() })
        );
        assert_eq!(
            parse_reply("1: stream: Win.Test FOUND\n"),
            Some(Verdict::Infected { signature: "Win.Test".into() })
        );
        assert_eq!(
            parse_reply("INSTREAM size limit exceeded. ERROR"),
            Some(Verdict::Unscannable { reason: "INSTREAM size limit exceeded".into() })
        );
        assert_eq!(
            parse_reply("stream: Can't allocate memory ERROR"),
            Some(Verdict::Unscannable { reason: "Can't allocate memory".into() })
        );
        assert_eq!(parse_reply("PONG"), None);
        assert_eq!(parse_reply("stream:  FOUND"), None);
        assert_eq!(parse_reply(""), None);
    }
}

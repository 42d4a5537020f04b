//! [`OutboxMailer`]: the [`Mailer`] port as a folder of `.eml` files, and a
//! local page listing them ([`router`]) so a developer can open each message
//! and click its links.
//!
//! Each message is written as `<dir>/<UTC timestamp>-<random>.eml`, e.g.
//! `20270328T101500.123456Z-8f3a0c2e9b1d4f67.eml`; the file stem is the
//! message id. Names sort by time, so the newest message sorts last.

use axum::Router;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use gru_ports::mailer::{Email, Mailer, MailerError};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use std::path::{Path, PathBuf};

/// The [`Mailer`] port that writes messages to a folder instead of sending them.
#[derive(Debug, Clone)]
pub struct OutboxMailer {
    dir: PathBuf,
    from: String,
}

impl OutboxMailer {
    /// Messages go to `dir` (created on first send), from the address `from`.
    pub fn new(dir: PathBuf, from: String) -> Self {
        Self { dir, from }
    }
}

#[async_trait::async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, email: &Email) -> Result<String, MailerError> {
        let mime = email.to_mime(&self.from)?;
        let now = Timestamp::now();
        let id = format!(
            "{}.{:06}Z-{:016x}",
            now.strftime("%Y%m%dT%H%M%S"),
            now.subsec_microsecond(),
            rand::random::<u64>()
        );
        let io = |e: std::io::Error| MailerError::Backend(format!("outbox: {e}"));
        tokio::fs::create_dir_all(&self.dir).await.map_err(io)?;
        // Written under a name the listing ignores, then renamed: a reader
        // never sees half a message.
        let tmp = self.dir.join(format!(".{id}.tmp"));
        tokio::fs::write(&tmp, &mime).await.map_err(io)?;
        if let Err(e) = tokio::fs::rename(&tmp, self.dir.join(format!("{id}.eml"))).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io(e));
        }
        Ok(id)
    }
}

/// What the outbox page shows of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// The file name in the outbox folder (`<id>.eml`).
    pub file: String,
    /// When it was written (from the file name).
    pub date: Timestamp,
    /// The `To` header, decoded.
    pub to: String,
    /// The `Subject` header, decoded.
    pub subject: String,
    /// The `http(s)` links of the plain-text part, in order, each once.
    pub links: Vec<String>,
    /// The plain-text part, decoded.
    pub text: String,
    /// The attached files (an appointment's `.ics`), in order, decoded.
    pub attachments: Vec<ParsedAttachment>,
}

/// One file attached to an outbox message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    /// From `Content-Disposition` (`rendez-vous.ics`).
    pub filename: String,
    /// The part's `Content-Type`, parameters included
    /// (`text/calendar; charset=UTF-8; method=REQUEST`).
    pub content_type: String,
    /// The content, its transfer encoding undone, read as UTF-8.
    pub content: String,
}

/// The messages in `dir`, newest first. A missing folder has none.
pub fn outbox_messages(dir: &Path) -> std::io::Result<Vec<OutboxEntry>> {
    let read_dir = match std::fs::read_dir(dir) {
        Ok(read_dir) => read_dir,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut entries = Vec::new();
    for dir_entry in read_dir {
        let dir_entry = dir_entry?;
        let Some(file) = dir_entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some(date) = message_date(&file) else {
            continue;
        };
        let raw = std::fs::read(dir_entry.path())?;
        let raw = String::from_utf8_lossy(&raw);
        let (headers, _) = split_message(&raw);
        let header = |name: &str| find_header(&headers, name).map(decode_header).unwrap_or_default();
        let text = text_part(&raw).unwrap_or_default();
        entries.push(OutboxEntry {
            to: header("to"),
            subject: header("subject"),
            links: links(&text),
            text,
            attachments: attachments(&raw),
            file,
            date,
        });
    }
    // Names start with the time; the random part orders ties arbitrarily but stably.
    entries.sort_by(|a, b| b.file.cmp(&a.file));
    Ok(entries)
}

/// `GET /outbox/`: the page listing the messages; `GET /outbox/{file}`: one
/// message as `text/plain`. For local development only: it has no access
/// control, so it is never merged into a public deployment.
pub fn router(dir: PathBuf) -> Router {
    Router::new()
        .route("/outbox", get(index))
        .route("/outbox/", get(index))
        .route("/outbox/{file}", get(message))
        .with_state(dir)
}

async fn index(State(dir): State<PathBuf>) -> Response {
    let listed = tokio::task::spawn_blocking(move || outbox_messages(&dir)).await;
    match listed {
        Ok(Ok(entries)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            page(&entries),
        )
            .into_response(),
        Ok(Err(e)) => server_error(&e.to_string()),
        Err(e) => server_error(&e.to_string()),
    }
}

async fn message(State(dir): State<PathBuf>, UrlPath(file): UrlPath<String>) -> Response {
    // Only names this mailer writes: no separator, no dot segment, no traversal.
    if message_date(&file).is_none() {
        return not_found();
    }
    match tokio::fs::read(dir.join(&file)).await {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8")),
                (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            bytes,
        )
            .into_response(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => not_found(),
        Err(e) => server_error(&e.to_string()),
    }
}

fn not_found() -> Response {
    crate::problem(
        StatusCode::NOT_FOUND,
        "message-not-found",
        "Message not found",
        "Ce message n'existe pas dans la boîte d'envoi locale.",
    )
}

fn server_error(error: &str) -> Response {
    tracing::error!(error, "outbox cannot be read");
    crate::problem(
        StatusCode::INTERNAL_SERVER_ERROR,
        "outbox-error",
        "Outbox error",
        "La boîte d'envoi locale n'a pas pu être lue.",
    )
}

/// The date in a message file name, or `None` if the name is not one this
/// mailer writes: `YYYYMMDDTHHMMSS.ffffffZ-<16 hex>.eml`.
fn message_date(file: &str) -> Option<Timestamp> {
    let stem = file.strip_suffix(".eml")?;
    let (time, random) = stem.split_once('-')?;
    let (seconds, micros) = time.strip_suffix('Z')?.split_once('.')?;
    let well_formed = seconds.len() == 15
        && seconds.bytes().enumerate().all(|(i, b)| if i == 8 { b == b'T' } else { b.is_ascii_digit() })
        && micros.len() == 6
        && micros.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    if !well_formed {
        return None;
    }
    let civil = DateTime::strptime("%Y%m%dT%H%M%S", seconds).ok()?;
    let at = TimeZone::UTC.to_timestamp(civil).ok()?;
    at.checked_add(jiff::SignedDuration::from_micros(micros.parse().ok()?)).ok()
}

fn page(entries: &[OutboxEntry]) -> String {
    let mut rows = String::new();
    for entry in entries {
        let links = if entry.links.is_empty() {
            "<td>Aucun</td>".to_owned()
        } else {
            let items: String = entry
                .links
                .iter()
                .map(|link| format!("<li><a href=\"{0}\">{0}</a></li>", escape(link)))
                .collect();
            format!("<td><ul>{items}</ul></td>")
        };
        let subject =
            if entry.subject.is_empty() { "(sans objet)".to_owned() } else { escape(&entry.subject) };
        let attached = if entry.attachments.is_empty() {
            String::new()
        } else {
            let names: Vec<String> = entry.attachments.iter().map(|a| escape(&a.filename)).collect();
            format!("<br>Pièce(s) jointe(s) : {}", names.join(", "))
        };
        rows.push_str(&format!(
            "<tr><td><time datetime=\"{datetime}\">{shown}</time></td><td>{to}</td>\
             <td><a href=\"/outbox/{file}\">{subject}</a>{attached}</td>{links}</tr>\n",
            datetime = entry.date,
            shown = entry.date.strftime("%d/%m/%Y %H:%M:%S"),
            to = escape(&entry.to),
            file = escape(&entry.file),
        ));
    }
    let body = if entries.is_empty() {
        "<p>Aucun courriel n'a encore été envoyé.</p>".to_owned()
    } else {
        format!(
            "<table>\n<caption>{count} courriel(s), du plus récent au plus ancien \
             (heures en UTC)</caption>\n<thead><tr><th scope=\"col\">Date (UTC)</th>\
             <th scope=\"col\">Destinataire</th><th scope=\"col\">Objet (message brut)</th>\
             <th scope=\"col\">Liens du message</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>",
            count = entries.len()
        )
    };
    format!(
        "<!doctype html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>Boîte d'envoi locale</title>\n\
         <style>body{{font-family:system-ui,sans-serif;margin:1rem 2rem;line-height:1.5}}\
         table{{border-collapse:collapse}}th,td{{border:1px solid #666;padding:.4rem;text-align:left;vertical-align:top}}\
         ul{{margin:0;padding-left:1.2rem}}a{{word-break:break-all}}a:focus{{outline:3px solid #000;outline-offset:2px}}</style>\n\
         </head>\n<body>\n<main>\n<h1>Boîte d'envoi locale</h1>\n\
         <p>Les courriels de cette instance ne partent pas : ils sont écrits ici, pour le développement.</p>\n\
         {body}\n</main>\n</body>\n</html>\n"
    )
}

/// Escapes text for HTML content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// A small MIME reader: enough for the messages `Email::to_mime` writes
// (headers with RFC 2047 words, nested multiparts, quoted-printable or
// base64 parts, RFC 2231 file names), to show their subject, their links
// and their attachments.

/// Unfolded headers and the body of a message or part.
fn split_message(raw: &str) -> (Vec<(String, String)>, &str) {
    let (head, body) = match raw.find("\r\n\r\n") {
        Some(at) => (&raw[..at], &raw[at + 4..]),
        None => match raw.find("\n\n") {
            Some(at) => (&raw[..at], &raw[at + 2..]),
            None => (raw, ""),
        },
    };
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    (headers, body)
}

fn find_header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The first `text/plain` part that is not an attachment, decoded.
fn text_part(raw: &str) -> Option<String> {
    let (headers, body) = split_message(raw);
    let content_type = find_header(&headers, "content-type").unwrap_or("text/plain");
    if let Some(parts) = multipart_parts(content_type, body) {
        return parts.iter().find_map(|part| text_part(part));
    }
    let attached = find_header(&headers, "content-disposition")
        .is_some_and(|d| d.to_ascii_lowercase().starts_with("attachment"));
    if !content_type.to_ascii_lowercase().starts_with("text/plain") || attached {
        return None;
    }
    Some(String::from_utf8_lossy(&decoded(&headers, body)?).into_owned())
}

/// The parts of a multipart body, each with its headers; `None` when the
/// message is not multipart.
fn multipart_parts(content_type: &str, body: &str) -> Option<Vec<String>> {
    if !content_type.to_ascii_lowercase().starts_with("multipart/") {
        return None;
    }
    let boundary = parameter(content_type, "boundary")?;
    let delimiter = format!("--{boundary}");
    Some(
        body.split(delimiter.as_str())
            .skip(1)
            .take_while(|part| !part.starts_with("--"))
            .map(|part| {
                let part = part.trim_start_matches(['\r', '\n']);
                // The line break before the next delimiter belongs to it.
                let part = part.strip_suffix("\r\n").or_else(|| part.strip_suffix('\n')).unwrap_or(part);
                part.to_owned()
            })
            .collect(),
    )
}

/// The value of `name` in a header's `; name=value` parameters, unquoted.
fn parameter<'v>(value: &'v str, name: &str) -> Option<&'v str> {
    value.split(';').skip(1).find_map(|param| {
        let (key, value) = param.split_once('=')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim().trim_matches('"'))
    })
}

/// A part's body with its `Content-Transfer-Encoding` undone.
fn decoded(headers: &[(String, String)], body: &str) -> Option<Vec<u8>> {
    let encoding = find_header(headers, "content-transfer-encoding").unwrap_or("7bit");
    Some(match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => quoted_printable(body.as_bytes(), false),
        "base64" => STANDARD.decode(body.split_whitespace().collect::<String>()).ok()?,
        _ => body.as_bytes().to_vec(),
    })
}

/// Every part marked as an attachment, depth first.
fn attachments(raw: &str) -> Vec<ParsedAttachment> {
    let (headers, body) = split_message(raw);
    let content_type = find_header(&headers, "content-type").unwrap_or("text/plain");
    if let Some(parts) = multipart_parts(content_type, body) {
        return parts.iter().flat_map(|part| attachments(part)).collect();
    }
    let Some(disposition) = find_header(&headers, "content-disposition") else { return Vec::new() };
    if !disposition.to_ascii_lowercase().starts_with("attachment") {
        return Vec::new();
    }
    let Some(content) = decoded(&headers, body) else { return Vec::new() };
    vec![ParsedAttachment {
        filename: file_name(disposition).unwrap_or_default(),
        content_type: content_type.to_owned(),
        content: String::from_utf8_lossy(&content).into_owned(),
    }]
}

/// The `filename` of a `Content-Disposition`: plain, quoted, or in RFC 2231
/// form (`filename*=utf-8''%C3%A9.ics`, possibly split as `filename*0*=`...).
fn file_name(disposition: &str) -> Option<String> {
    if let Some(plain) = parameter(disposition, "filename") {
        return Some(decode_header(plain));
    }
    let mut pieces: Vec<(usize, bool, &str)> = Vec::new();
    for param in disposition.split(';').skip(1) {
        let Some((key, value)) = param.split_once('=') else { continue };
        let Some(rest) = key.trim().to_ascii_lowercase().strip_prefix("filename*").map(str::to_owned) else {
            continue;
        };
        let (index, extended) = match rest.strip_suffix('*') {
            Some(index) => (index.to_owned(), true),
            None if rest.is_empty() => (String::new(), true),
            None => (rest, false),
        };
        let index = if index.is_empty() { 0 } else { index.parse().ok()? };
        pieces.push((index, extended, value.trim().trim_matches('"')));
    }
    if pieces.is_empty() {
        return None;
    }
    pieces.sort_by_key(|(index, ..)| *index);
    let mut bytes = Vec::new();
    for (n, (_, extended, value)) in pieces.into_iter().enumerate() {
        if !extended {
            bytes.extend_from_slice(value.as_bytes());
            continue;
        }
        // The first extended piece starts with `charset'language'`.
        let value = if n == 0 { value.splitn(3, '\'').nth(2).unwrap_or(value) } else { value };
        bytes.extend(percent_decoded(value));
    }
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

fn percent_decoded(text: &str) -> Vec<u8> {
    let input = text.as_bytes();
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let hex = input.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (input[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// Decodes quoted-printable (RFC 2045), or RFC 2047's `Q` form when `q_word`.
fn quoted_printable(input: &[u8], q_word: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'=' if input[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' if input[i + 1..].starts_with(b"\n") => i += 2,
            b'=' => {
                let hex = input.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        out.push(b'=');
                        i += 1;
                    }
                }
            }
            b'_' if q_word => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// Decodes the RFC 2047 encoded words of a header value; whitespace between
/// two encoded words is dropped, as the RFC says.
fn decode_header(value: &str) -> String {
    let mut out = String::new();
    let mut previous_was_word = false;
    for token in value.split_whitespace() {
        match decode_word(token) {
            Some(decoded) => {
                if !out.is_empty() && !previous_was_word {
                    out.push(' ');
                }
                out.push_str(&decoded);
                previous_was_word = true;
            }
            None => {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(token);
                previous_was_word = false;
            }
        }
    }
    out
}

/// One `=?charset?B|Q?text?=` word in UTF-8 or ASCII, decoded.
fn decode_word(token: &str) -> Option<String> {
    let inner = token.strip_prefix("=?")?.strip_suffix("?=")?;
    let mut parts = inner.splitn(3, '?');
    let (charset, encoding, text) = (parts.next()?, parts.next()?, parts.next()?);
    if !(charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("us-ascii")) {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => STANDARD.decode(text).ok()?,
        "Q" | "q" => quoted_printable(text.as_bytes(), true),
        _ => return None,
    };
    String::from_utf8(bytes).ok()
}

/// The `http://` and `https://` links of a text, each once, in order.
fn links(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(start) = ["https://", "http://"].iter().filter_map(|s| rest.find(s)).min() {
        let tail = &rest[start..];
        let end =
            tail.find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"')).unwrap_or(tail.len());
        let link = tail[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '\'', '»']);
        if !found.iter().any(|f| f == link) {
            found.push(link.to_owned());
        }
        rest = &tail[end..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_only_those_the_mailer_writes() {
        let good = "20270328T101500.123456Z-0123456789abcdef.eml";
        assert_eq!(message_date(good).map(|t| t.to_string()).as_deref(), Some("2027-03-28T10:15:00.123456Z"));
        for bad in [
            "../20270328T101500.123456Z-0123456789abcdef.eml",
            "20270328T101500.123456Z-0123456789abcdef.eml.tmp",
            ".20270328T101500.123456Z-0123456789abcdef.tmp",
            "20270328T101500.123456Z-0123456789ABCDEF.eml",
            "20271328T101500.123456Z-0123456789abcdef.eml",
            "x.eml",
            "..",
        ] {
            assert!(message_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn headers_and_text_parts_are_decoded() {
        let email = Email {
            to: "Zoé Durand <zoe@example.org>".into(),
            subject: "Votre rendez-vous à l'état civil est confirmé — merci".into(),
            text: format!(
                "Bonjour Zoé,\nConfirmez ici : https://mairie.example/confirmer?jeton={}&x=1.\n\
                 Ou (https://mairie.example/annuler).",
                "a".repeat(90)
            ),
            html: Some("<p>Bonjour</p>".into()),
            attachments: Vec::new(),
        };
        let raw = String::from_utf8(email.to_mime("Mairie <noreply@example.org>").unwrap()).unwrap();
        let (headers, _) = split_message(&raw);
        assert_eq!(decode_header(find_header(&headers, "subject").unwrap()), email.subject);
        assert_eq!(decode_header(find_header(&headers, "to").unwrap()), email.to);
        let text = text_part(&raw).expect("a text part");
        assert!(text.contains("Bonjour Zoé"), "{text}");
        assert_eq!(
            links(&text),
            [
                format!("https://mairie.example/confirmer?jeton={}&x=1", "a".repeat(90)),
                "https://mairie.example/annuler".to_owned()
            ]
        );
    }

    #[test]
    fn attachments_are_decoded_whatever_their_transfer_encoding() {
        use gru_ports::EmailAttachment;
        let ics = format!(
            "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nDESCRIPTION:Présentez-vous à l'accueil de l'hôtel de ville\r\n  dix minutes avant{}\r\nEND:VCALENDAR\r\n",
            " l'heure".repeat(8)
        );
        let ascii = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n";
        let email = Email {
            html: Some("<p>Bonjour</p>".into()),
            attachments: vec![
                EmailAttachment {
                    filename: "rendez-vous.ics".into(),
                    content_type: "text/calendar; charset=UTF-8; method=REQUEST".into(),
                    content: ics.clone(),
                },
                EmailAttachment {
                    filename: "récépissé du rendez-vous annulé à la mairie centrale.ics".into(),
                    content_type: "text/calendar; charset=UTF-8; method=CANCEL".into(),
                    content: ascii.into(),
                },
                EmailAttachment {
                    filename: "binaire.txt".into(),
                    content_type: "text/plain; charset=UTF-8".into(),
                    content: "\u{1}\u{2}€".repeat(50),
                },
            ],
            ..Email::new("zoe@example.org", "Votre rendez-vous", "Bonjour,\nhttps://mairie.example/gerer\n")
        };
        let raw = String::from_utf8(email.to_mime("noreply@example.org").unwrap()).unwrap();
        for encoding in ["7bit", "quoted-printable", "base64"] {
            assert!(raw.contains(&format!("Content-Transfer-Encoding: {encoding}")), "{encoding}: {raw}");
        }
        let found = attachments(&raw);
        let expected: Vec<ParsedAttachment> = email
            .attachments
            .iter()
            .map(|a| ParsedAttachment {
                filename: a.filename.clone(),
                // The MIME library writes the charset in lower case.
                content_type: a.content_type.replace("UTF-8", "utf-8"),
                content: a.content.clone(),
            })
            .collect();
        assert_eq!(found, expected, "{raw}");
        let text = text_part(&raw).unwrap().replace("\r\n", "\n");
        assert_eq!(text, "Bonjour,\nhttps://mairie.example/gerer\n", "the body, not a file");

        let dir = tempfile::tempdir().unwrap();
        let name = "20270328T101500.123456Z-0123456789abcdef.eml";
        std::fs::write(dir.path().join(name), &raw).unwrap();
        let entries = outbox_messages(dir.path()).unwrap();
        assert_eq!(entries[0].attachments, expected);
        assert_eq!(entries[0].links, ["https://mairie.example/gerer"]);
        let html = page(&entries);
        assert!(html.contains("Pièce(s) jointe(s) : rendez-vous.ics, récépissé du rendez-vous"), "{html}");
    }

    #[test]
    fn file_names_in_every_form() {
        assert_eq!(file_name("attachment; filename=\"a b.ics\"").as_deref(), Some("a b.ics"));
        assert_eq!(file_name("attachment; filename=a.ics").as_deref(), Some("a.ics"));
        assert_eq!(file_name("attachment; filename*=utf-8''r%C3%A9c.ics").as_deref(), Some("réc.ics"));
        assert_eq!(
            file_name("attachment; filename*0*=utf-8''r%C3%A9; filename*1*=c; filename*2=\".ics\"")
                .as_deref(),
            Some("réc.ics")
        );
        assert_eq!(file_name("attachment"), None);
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(escape(r#"<a href="x">'&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}

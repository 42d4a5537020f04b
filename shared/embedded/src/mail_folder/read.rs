//! Reading a message of the folder back with `mail-parser`: its `To` and
//! `Subject` headers (RFC 2047 words decoded), its plain-text body, the
//! links in that body, and its attachments (RFC 2231 file names, base64 or
//! quoted-printable content decoded).

use super::{OutboxEntry, ParsedAttachment};
use jiff::Timestamp;
use mail_parser::{ContentType, HeaderName, HeaderValue, MessageParser, MessagePart, MimeHeaders, PartType};
use std::fmt::Write;

/// The entry of the message `raw`, found as `file`, written at `date`. A
/// file with no headers reads as a message with nothing in it.
pub(super) fn entry(file: String, date: Timestamp, raw: &[u8]) -> OutboxEntry {
    let mut entry = OutboxEntry {
        file,
        date,
        from: String::new(),
        to: String::new(),
        subject: String::new(),
        links: Vec::new(),
        text: String::new(),
        attachments: Vec::new(),
    };
    // The MIME headers, to find the parts, and the two headers shown, both
    // as text: `From` and `To` as written (its display name decoded), not as addresses.
    let parser = MessageParser::new()
        .with_mime_headers()
        .header_text(HeaderName::From)
        .header_text(HeaderName::To)
        .header_text(HeaderName::Subject);
    let Some(message) = parser.parse(raw) else { return entry };
    let header = |name| message.header(name).and_then(HeaderValue::as_text).unwrap_or_default().to_owned();
    entry.from = header(HeaderName::From);
    entry.to = header(HeaderName::To);
    entry.subject = header(HeaderName::Subject);
    // The first text/plain body; an HTML body is not turned into text.
    entry.text = message
        .text_bodies()
        .find_map(|part| match &part.body {
            PartType::Text(text) => Some(text.clone().into_owned()),
            _ => None,
        })
        .unwrap_or_default();
    entry.links = links(&entry.text);
    // Only the parts marked as attachments: not, say, an inline image.
    entry.attachments = message
        .attachments()
        .filter(|part| part.content_disposition().is_some_and(ContentType::is_attachment))
        .map(|part| ParsedAttachment {
            filename: file_name(part).unwrap_or_default(),
            content_type: part.content_type().map_or_else(|| "text/plain".to_owned(), written),
            content: String::from_utf8_lossy(part.contents()).into_owned(),
        })
        .collect();
    entry
}

/// The `filename` of a part's `Content-Disposition`, decoded.
fn file_name(part: &MessagePart<'_>) -> Option<String> {
    part.content_disposition()?.attribute("filename").map(str::to_owned)
}

/// A `Content-Type` as a header value again: `type/subtype; name=value`...,
/// each value quoted when it is not a plain token.
fn written(content_type: &ContentType<'_>) -> String {
    let mut out = content_type.ctype().to_owned();
    if let Some(subtype) = content_type.subtype() {
        out.push('/');
        out.push_str(subtype);
    }
    for attribute in content_type.attributes().unwrap_or_default() {
        let value = &attribute.value;
        let token = !value.is_empty()
            && value.chars().all(|c| c.is_ascii_graphic() && !"()<>@,;:\\\"/[]?=".contains(c));
        if token {
            let _ = write!(out, "; {}={value}", attribute.name);
        } else {
            let quoted = value.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = write!(out, "; {}=\"{quoted}\"", attribute.name);
        }
    }
    out
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
    use gru_ports::mailer::Email;

    /// `raw` read back.
    fn read(raw: &[u8]) -> OutboxEntry {
        entry(String::new(), Timestamp::UNIX_EPOCH, raw)
    }

    /// The file name of a part with this `Content-Disposition`.
    fn file_name_in(disposition: &str) -> Option<String> {
        let raw = format!("Content-Type: text/plain\r\nContent-Disposition: {disposition}\r\n\r\nx\r\n");
        let message = MessageParser::new().with_mime_headers().parse(raw.as_bytes()).expect("a message");
        file_name(message.root_part())
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
            from_name: None,
        };
        let read = read(&email.to_mime("Mairie <noreply@example.org>").unwrap());
        assert_eq!(read.subject, email.subject);
        assert_eq!(read.to, email.to);
        let text = read.text;
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
        let (email, expected) = super::super::tests::email_with_attachments();
        let raw = String::from_utf8(email.to_mime("noreply@example.org").unwrap()).unwrap();
        for encoding in ["7bit", "quoted-printable", "base64"] {
            assert!(raw.contains(&format!("Content-Transfer-Encoding: {encoding}")), "{encoding}: {raw}");
        }
        let read = read(raw.as_bytes());
        assert_eq!(read.attachments, expected, "{raw}");
        let text = read.text.replace("\r\n", "\n");
        assert_eq!(text, "Bonjour,\nhttps://mairie.example/gerer\n", "the body, not a file");
    }

    #[test]
    fn file_names_in_every_form() {
        assert_eq!(file_name_in("attachment; filename=\"a b.ics\"").as_deref(), Some("a b.ics"));
        assert_eq!(file_name_in("attachment; filename=a.ics").as_deref(), Some("a.ics"));
        assert_eq!(file_name_in("attachment; filename*=utf-8''r%C3%A9c.ics").as_deref(), Some("réc.ics"));
        assert_eq!(
            file_name_in("attachment; filename*0*=utf-8''r%C3%A9; filename*1*=c; filename*2=\".ics\"")
                .as_deref(),
            Some("réc.ics")
        );
        assert_eq!(file_name_in("attachment"), None);
    }
}

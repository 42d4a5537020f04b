//! The mail folder: [`OutboxMailer`], the [`Mailer`] port as a folder of
//! `.eml` files; [`outbox_messages`], those messages read back; and a local
//! page listing them ([`router`]) so a developer can open each message and
//! click its links.
//!
//! Each message is written as `<dir>/<UTC timestamp>-<random>.eml`, e.g.
//! `20270328T101500.123456Z-8f3a0c2e9b1d4f67.eml`; the file stem is the
//! message id. Names sort by time, so the newest message sorts last.

mod page;
mod read;

pub use page::router;

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
    /// The `From` header, decoded (`Ville de … <address>`).
    pub from: String,
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
    /// The part's `Content-Type`, parameters included, as parsed then written
    /// back (`text/calendar; charset=utf-8; method=REQUEST`).
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
        entries.push(read::entry(file, date, &raw));
    }
    // Names start with the time; the random part orders ties arbitrarily but stably.
    entries.sort_by(|a, b| b.file.cmp(&a.file));
    Ok(entries)
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

#[cfg(test)]
mod tests {
    use super::*;
    use gru_ports::EmailAttachment;

    /// An email with three attachments, one per transfer encoding, and
    /// those attachments as they should be read back.
    pub(super) fn email_with_attachments() -> (Email, Vec<ParsedAttachment>) {
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
        let expected = email
            .attachments
            .iter()
            .map(|a| ParsedAttachment {
                filename: a.filename.clone(),
                // The MIME library writes the charset in lower case.
                content_type: a.content_type.replace("UTF-8", "utf-8"),
                content: a.content.clone(),
            })
            .collect();
        (email, expected)
    }

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
    fn messages_are_read_back_from_the_folder_with_their_attachments() {
        let (email, expected) = email_with_attachments();
        let raw = email.to_mime("noreply@example.org").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let name = "20270328T101500.123456Z-0123456789abcdef.eml";
        std::fs::write(dir.path().join(name), &raw).unwrap();
        let entries = outbox_messages(dir.path()).unwrap();
        assert_eq!(entries[0].attachments, expected);
        assert_eq!(entries[0].links, ["https://mairie.example/gerer"]);
    }
}

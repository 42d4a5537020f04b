//! The Scanner port: malware scanning of uploaded files.
//!
//! Self-hosted, clamd scans the bytes it is given (`gru-clamd`). On AWS,
//! GuardDuty Malware Protection for S3 scans every new object by itself and
//! tags it with its verdict; that adapter (`gru-s3`) reads the tag and
//! answers [`Verdict::Pending`] until it is there.

use async_trait::async_trait;

/// What a scanner says of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Clean,
    /// A threat was found; `signature` names it (for agents and logs).
    Infected {
        signature: String,
    },
    /// No verdict yet: ask again later.
    Pending,
    /// The scanner looked at the file and could not decide (unsupported,
    /// too large, access denied).
    Unscannable {
        reason: String,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    /// The scanner could not be reached or broke the protocol: try later.
    #[error("scanner unavailable: {0}")]
    Unavailable(String),
}

/// The Scanner port.
#[async_trait]
pub trait Scanner: Send + Sync {
    /// A short name shown to agents and in the docs (`clamav`, `guardduty`).
    fn name(&self) -> &'static str;

    /// The verdict on the object stored under `key`, whose bytes are `body`
    /// (an adapter that scans by itself, like GuardDuty, reads only `key`).
    async fn scan(&self, key: &str, body: &[u8]) -> Result<Verdict, ScanError>;

    /// Whether [`Scanner::scan`] reads `body`: when not, a caller asking
    /// again for a verdict need not fetch the object.
    fn reads_body(&self) -> bool {
        true
    }
}

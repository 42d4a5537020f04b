//! GuardDuty adapter of the [`Scanner`] port. GuardDuty Malware Protection
//! for S3, enabled on the attachments bucket with tagging on, scans every new
//! object by itself and then tags it `GuardDutyMalwareScanStatus` with its
//! result; this adapter only reads that tag, so the bytes never transit
//! through the function.
//!
//! - no tag yet: [`Verdict::Pending`];
//! - `NO_THREATS_FOUND`: [`Verdict::Clean`];
//! - `THREATS_FOUND`: [`Verdict::Infected`] with the signature `GuardDuty`;
//! - `UNSUPPORTED`, `ACCESS_DENIED`, `FAILED` (or a value added since):
//!   [`Verdict::Unscannable`].
//!
//! GuardDuty gives no threat name in the tag (only in its findings), hence
//! the signature `GuardDuty`. The role running the scan needs
//! `s3:GetObjectTagging` on the bucket.

use crate::{client_from_env, sdk_cause};
use async_trait::async_trait;
use aws_sdk_s3::Client;
use aws_sdk_s3::error::ProvideErrorMetadata;
use gru_ports::files::check_key;
use gru_ports::scanner::{ScanError, Scanner, Verdict};

/// The object tag GuardDuty Malware Protection for S3 sets after a scan.
pub const SCAN_STATUS_TAG: &str = "GuardDutyMalwareScanStatus";

/// The signature of an object GuardDuty found infected: the tag does not
/// name the threat.
pub const GUARDDUTY_SIGNATURE: &str = "GuardDuty";

/// The [`Scanner`] port on a bucket protected by GuardDuty Malware
/// Protection for S3 (with tagging enabled).
#[derive(Debug, Clone)]
pub struct GuardDutyScanner {
    client: Client,
    bucket: String,
}

impl GuardDutyScanner {
    /// The scanner of the objects in `bucket`, through an already configured
    /// client (the same as the bucket's [`crate::S3Files`]; see
    /// [`crate::S3Files::scanner`]).
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    /// The scanner of the bucket named by `ATTACHMENTS_BUCKET`, configured as
    /// [`crate::S3Files::from_env`] is. Call it once per process, outside the
    /// handler.
    pub async fn from_env() -> Result<Self, ScanError> {
        let (client, bucket) = client_from_env().await.map_err(ScanError::Unavailable)?;
        Ok(Self::new(client, bucket))
    }
}

#[async_trait]
impl Scanner for GuardDutyScanner {
    fn name(&self) -> &'static str {
        "guardduty"
    }

    /// GuardDuty reads the object itself: the verdict is a tag.
    fn reads_body(&self) -> bool {
        false
    }

    /// The verdict GuardDuty left on the object stored under `key`; `body`
    /// is not read.
    ///
    /// A missing object is [`ScanError::Unavailable`], not a verdict: there
    /// is nothing to judge, and a verdict would be kept as if a file had
    /// been examined. The caller keeps its attachment unscanned, and stops
    /// asking once the attachment is gone.
    async fn scan(&self, key: &str, _body: &[u8]) -> Result<Verdict, ScanError> {
        check_key(key).map_err(|e| ScanError::Unavailable(format!("GetObjectTagging: {e}")))?;
        let output = match self.client.get_object_tagging().bucket(&self.bucket).key(key).send().await {
            Ok(output) => output,
            Err(e) if e.code() == Some("NoSuchKey") => {
                return Err(ScanError::Unavailable("GetObjectTagging: no such object".into()));
            }
            Err(e) => return Err(ScanError::Unavailable(format!("GetObjectTagging: {}", sdk_cause(&e)))),
        };
        let status = output.tag_set().iter().find(|tag| tag.key() == SCAN_STATUS_TAG).map(|tag| tag.value());
        Ok(verdict(status))
    }
}

/// The verdict a `GuardDutyMalwareScanStatus` tag value states (`None`: no
/// tag yet).
fn verdict(status: Option<&str>) -> Verdict {
    let unscannable = |reason: &str| Verdict::Unscannable { reason: reason.to_owned() };
    match status {
        None => Verdict::Pending,
        Some("NO_THREATS_FOUND") => Verdict::Clean,
        Some("THREATS_FOUND") => Verdict::Infected { signature: GUARDDUTY_SIGNATURE.into() },
        Some("UNSUPPORTED") => unscannable("GuardDuty cannot scan this file (UNSUPPORTED)"),
        Some("ACCESS_DENIED") => unscannable("GuardDuty was denied access to the file (ACCESS_DENIED)"),
        Some("FAILED") => unscannable("GuardDuty's scan failed (FAILED)"),
        // A status added after this was written: not clean until someone
        // looks, like every status that is not NO_THREATS_FOUND.
        Some(other) => Verdict::Unscannable { reason: format!("GuardDuty scan status {other}") },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_status_has_its_verdict() {
        assert_eq!(verdict(None), Verdict::Pending);
        assert_eq!(verdict(Some("NO_THREATS_FOUND")), Verdict::Clean);
        assert_eq!(verdict(Some("THREATS_FOUND")), Verdict::Infected { signature: "GuardDuty".into() });
        for status in ["UNSUPPORTED", "ACCESS_DENIED", "FAILED", "SOMETHING_NEW", ""] {
            assert!(
                matches!(verdict(Some(status)), Verdict::Unscannable { ref reason } if reason.contains(status)),
                "{status}"
            );
        }
    }
}

//! The attachments function: the documents a citizen's case needs, and the
//! files supplied for them. File bodies never cross the function: the
//! browser uploads to and downloads from storage through short-lived grants
//! (S3 presigned URLs on AWS, signed URLs of the portal itself when
//! self-hosted). See docs/attachments.md for the flow.
//!
//! Routes (all under [`PREFIX`]):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /drafts/{draft}` | the draft's owner | the checklist: documents the answers require, their rules, their files |
//! | `POST /drafts/{draft}/files` | the draft's owner | a reservation and an upload grant for one file |
//! | `POST /drafts/{draft}/files/{file}/confirm` | the draft's owner | the file checked (size, bytes, scan) |
//! | `DELETE /drafts/{draft}/files/{file}` | the draft's owner | the file removed |
//! | `POST /drafts/{draft}/files/{file}/download` | the draft's owner | a download grant |
//! | `POST /requests/{reference}/files/{file}/download` | the request's citizen (signed in) | a download grant |
//! | `POST /tracking/files/{file}/download` | holder of the request's tracking link | a download grant |

mod api;

use gru_ports::{Clock, Files, Scanner, Store};
use std::sync::Arc;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/attachments";

/// What the function needs, chosen by its entry point.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub files: Arc<dyn Files>,
    /// The malware scanner; `None` when the portal has none (files are then
    /// marked unscanned, and the site says so).
    pub scanner: Option<Arc<dyn Scanner>>,
    pub clock: Arc<dyn Clock>,
}

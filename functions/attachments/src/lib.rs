//! The attachments function: the documents a citizen's case needs, the
//! files supplied for them, and the files joined to a request's messages.
//! File bodies never cross the function: the browser uploads to and
//! downloads from storage through short-lived grants (S3 presigned URLs on
//! AWS, signed URLs of the portal itself when self-hosted). See
//! docs/attachments.md for the flow.
//!
//! Routes (all under [`PREFIX`]):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /drafts/{draft}` | the draft's owner | the checklist: documents the answers require, their rules, their files |
//! | `POST /drafts/{draft}/files` `{document, name, type, size, replaces?}` | the draft's owner | a reservation and an upload grant for one file |
//! | `POST /drafts/{draft}/files/{file}/confirm` | the draft's owner | the file checked (size, bytes, scan) |
//! | `DELETE /drafts/{draft}/files/{file}` | the draft's owner | the file removed |
//! | `POST /drafts/{draft}/files/{file}/download` | the draft's owner | a download grant |
//! | `POST /requests/{reference}/files/{file}/download` | the request's citizen (signed in) | a download grant |
//! | `POST /tracking/files/{file}/download` `{token}` | holder of the request's tracking link | a download grant |
//! | `POST /requests/{reference}/thread-files` `{name, type, size}` | the request's citizen (signed in) | a reservation and an upload grant for a file of the thread |
//! | `POST /requests/{reference}/thread-files/{file}/confirm` | the request's citizen (signed in) | the file checked |
//! | `POST /tracking/thread-files` `{token, name, type, size}` | holder of the request's tracking link | a reservation and an upload grant for a file of the thread |
//! | `POST /tracking/thread-files/{file}/confirm` `{token}` | holder of the request's tracking link | the file checked |
//! | `POST /agent/requests/{reference}/thread-files` `{name, type, size}` | an agent handling the request's service | a reservation and an upload grant for a file of the thread |
//! | `POST /agent/requests/{reference}/thread-files/{file}/confirm` | an agent handling the request's service | the file checked |
//! | `POST /agent/requests/{reference}/files/{file}/download` | an agent handling the request's service | a download grant (audited) |
//!
//! Modules, by reason to change: `access` (who reaches which case),
//! `checklist` (what a draft's case needs), `thread` (what a request's
//! thread takes), `uploads` (grants and confirmation, one path for every
//! place), `downloads` (download grants), `api` (the routes).

mod access;
mod api;
mod checklist;
mod context;
mod downloads;
mod thread;
mod uploads;
mod words;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/attachments";

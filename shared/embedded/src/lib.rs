//! Embedded adapters: the ports on one machine, for the all-in-one binary
//! (local development, demos, a small commune's single server).
//!
//! - [`SqliteStore`]: the `Store` port on one SQLite file (WAL).
//! - [`LocalFiles`]: the `Files` port on a local folder; its grant URLs are
//!   signed like S3 presigned URLs and served by [`files::router`].
//! - [`OutboxMailer`]: the `Mailer` port writing `.eml` files to a folder,
//!   read back by [`outbox_messages`] and listed for developers by
//!   [`mail_folder::router`].
//!
//! Each adapter passes its port's contract suite (`gru_ports::contract`), so
//! it is interchangeable with its AWS counterpart.

pub mod files;
pub mod mail_folder;
pub mod store;

pub use files::LocalFiles;
pub use mail_folder::{OutboxEntry, OutboxMailer, ParsedAttachment, outbox_messages};
pub use store::SqliteStore;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A problem document (the shared `gru_web::Problem`) as a response.
fn problem(status: StatusCode, slug: &str, title: &str, detail: &str) -> Response {
    gru_web::Problem::new(status, slug, title, detail).into_response()
}

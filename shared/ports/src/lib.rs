//! Ports: the interfaces between the capabilities and the outside world.
//!
//! Every function talks to storage, files, email, the malware scanner and
//! time only through these traits. Each port has a self-hosted adapter
//! (`gru-embedded`, `gru-clamd`) and an AWS adapter (`gru-dynamodb`,
//! `gru-s3`, `gru-ses`); the `contract` feature holds the test suite every
//! adapter of a port must pass, so adapters are interchangeable.

pub mod clock;
pub mod files;
pub mod mailer;
pub mod scanner;
pub mod store;

#[cfg(feature = "contract")]
pub mod contract;

pub use clock::{Clock, FixedClock, SystemClock};
pub use files::{DownloadGrant, Files, FilesError, ObjectMeta, UploadGrant};
pub use mailer::{Email, EmailAttachment, Mailer, MailerError};
pub use scanner::{ScanError, Scanner, Verdict};
pub use store::{
    Condition, Cursor, Index, Item, Key, Page, Query, SortKeyCondition, Store, StoreError, TransactOp,
};

//! Ports: the interfaces between the capabilities and the outside world.
//!
//! Every function talks to storage, files, email and time only through these
//! traits. Each port has an embedded adapter (`gru-embedded`) and an AWS adapter
//! (`gru-dynamodb`, `gru-s3`, `gru-ses`); the `contract` feature holds the test
//! suite every adapter of a port must pass, so adapters are interchangeable.

pub mod clock;
pub mod files;
pub mod mailer;
pub mod store;

#[cfg(feature = "contract")]
pub mod contract;

pub use clock::{Clock, FixedClock, SystemClock};
pub use files::{DownloadGrant, Files, FilesError, ObjectMeta, UploadGrant};
pub use mailer::{Email, Mailer, MailerError};
pub use store::{
    Condition, Cursor, Index, Item, Key, Page, Query, SortKeyCondition, Store, StoreError, TransactOp,
};

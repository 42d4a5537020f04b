//! The portal's typed access to the store: for each aggregate, its keys,
//! the items it is written as, the transactions that change it and the
//! reads that find it (every one a get or a query: see
//! `docs/access-patterns.md`). Every function crate reaches the store
//! through here, so two functions that touch the same items (a request, its
//! files, its thread's counters, an appointment) share one definition of
//! them. The aggregates' rules are `gru_domain`'s; HTTP is the functions'.
//!
//! - [`catalogue`]: the city, categories, services, forms, workflows and
//!   agendas as imported from the city's files.
//! - [`requests`]: drafts, requests, email codes, tracking links and
//!   idempotency records; [`mod@reference`]: requests' references.
//! - [`access`]: who may reach a draft or a request (existence never revealed).
//! - [`case_files`]: a case's files (records, set version, object keys).
//! - [`timeline`]: a request's steps as its citizen sees them.
//! - [`progress`]: a request moved through its workflow or assigned.
//! - [`thread_state`]: a thread's unread counters and email pacing.
//! - [`accounts`], [`agents`]: citizens' and agents' accounts;
//!   [`applications`]: outside applications' keys (Open311).
//! - [`booking`], [`agendas`]: appointments, day ledgers, holds, closures,
//!   and the city's agendas with their free slots.
//! - [`indicators`]: the day's and month's counters each change adds to;
//!   [`recount`]: the requests' counters rebuilt from the requests.

pub mod access;
pub mod accounts;
pub mod agendas;
pub mod agents;
pub mod applications;
pub mod booking;
pub mod case_files;
pub mod catalogue;
pub mod indicators;
mod problems;
pub mod progress;
pub mod recount;
pub mod reference;
pub mod requests;
pub mod thread_state;
pub mod timeline;

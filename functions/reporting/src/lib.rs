//! The reporting function: what the city learns from its requests. The
//! indicators' dashboard for supervisors and admins (docs/tracking.md,
//! « Indicators »), read from the counters the changes keep, and the
//! exports agents take away: the dashboard's figures and the list of a
//! service's requests, as CSV and ODS; and the open data anyone may read.
//!
//! Routes (all under [`PREFIX`]; every one but the open data's needs a
//! signed-in agent, 401 `unauthenticated` otherwise):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /indicators` `?from&to&service&channel` | supervisor or admin (403 otherwise) | the period's figures (default: the month so far) beside the same period a year earlier, by service and channel, and a series by day or month |
//! | `GET /indicators.csv` (same query) | supervisor or admin (403 otherwise) | the same figures as CSV; audited |
//! | `GET /indicators.ods` (same query) | supervisor or admin (403 otherwise) | the same figures as ODS; audited |
//! | `POST /exports` `{service, from, to, fields, format}` | agent of the service (403 otherwise) | 201: the export started, with its progress; audited |
//! | `POST /exports/{id}/next` | the agent who started it (404 otherwise) | the export's next step done: its progress |
//! | `GET /exports/{id}` | the agent who started it (404 otherwise) | its progress; once ready, a download link valid a few minutes |
//! | `GET /open-data` | anyone | the last 24 closed months, each with its file's address |
//! | `GET /open-data/{file}` (`<yyyy-mm>.csv`) | anyone | a closed month's requests received and decided per service and channel, counts from 1 to 4 left blank; 404 for the current month or a malformed one |

mod api;
mod channels;
mod dashboard;
mod exports;
mod indicators;
mod open_data;
mod sheet;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/reporting";

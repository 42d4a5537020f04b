//! The tracking function: agents follow the requests of their services
//! through each service's workflow (statuses, transitions, deadlines),
//! take them or assign them to colleagues, and admins read the audit trail.
//! See docs/tracking.md for the rules and docs/workflows.md for workflows.
//!
//! Routes (all under [`PREFIX`]; every one needs a signed-in agent, 401
//! `unauthenticated` otherwise):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `GET /inbox` `?service&phase&status&assignee&due&channel&sort&q&limit&cursor` | agent (filtered on a `service` they handle, 403 otherwise) | rows of requests of their services (with their threads' unread counts): filters, sorts, search |
//! | `GET /requests/{reference}` | agent of the request's service (404 otherwise) | the request in full, with what the agent may do; audited |
//! | `POST /requests/{reference}/transitions` `{to, version, comment?, reason?}` | agent of the service, as the workflow allows (422 otherwise) | the request moved; 409 on a stale `version` |
//! | `GET /requests/{reference}/letter` | agent of the request's service (404 otherwise) | the letter about where the request stands, to print for a citizen without an email address; audited |
//! | `POST /requests/{reference}/assignee` `{agent?, version}` | agent of the service: take it or release their own; supervisor: anyone | the request; 409 on a stale `version` |
//! | `GET /agents?service=` | agent of the service (403 otherwise) | the colleagues who handle it |
//! | `GET /audit?day=` or `?reference=` | admin (403 otherwise) | audit entries |
//!
//! An agent of another service gets 404 for a request, as for one that does
//! not exist: references are guessable, and the back office does not tell
//! which exist outside the agent's services. Filtering the inbox on such a
//! service is 403 `forbidden`: a service's existence is public.

mod api;
mod inbox;
mod letters;
mod views;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/tracking";

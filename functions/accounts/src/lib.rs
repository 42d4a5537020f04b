//! The accounts function: citizen sign-up (confirmed by an emailed link),
//! sign-in with a password or an emailed one-time link, sessions, password
//! reset and change, and the profile that prefills forms (see
//! `docs/requests.md`); agents' sign-in with a password and a one-time
//! code, and the admins' management of agents (see `docs/agents.md`) and of
//! outside applications' keys (`docs/open311.md`).
//!
//! Routes (all under [`PREFIX`]; bodies are JSON, unknown fields refused;
//! every `POST`/`PUT` needs the `X-GRU-CSRF` header):
//!
//! | route | who | answer |
//! |---|---|---|
//! | `POST /signup` `{email, password, name?}` | anyone | 202, whether or not the email has an account |
//! | `POST /signup/verify` `{token}` | link holder | 201 `{email, profile}` + session cookie; 400 `invalid-token` |
//! | `POST /signin` `{email, password}` | anyone | 200 `{email, profile}` + cookie; 401 `invalid-credentials` |
//! | `POST /signin/link` `{email}` | anyone | 202, always |
//! | `POST /signin/link/confirm` `{token}` | link holder | 200 `{email, profile}` + cookie; 400 `invalid-token` |
//! | `POST /password/reset` `{email}` | anyone | 202, always |
//! | `POST /password/reset/confirm` `{token, password}` | link holder | 200 `{email, profile}` + cookie, other sessions ended; 400 `invalid-token` |
//! | `POST /password/change` `{current, password}` | citizen | 204, other sessions ended |
//! | `POST /signout` | citizen | 204, cookie cleared |
//! | `POST /signout/everywhere` | citizen | 204, every session ended, cookie cleared |
//! | `GET /me` | citizen | 200 `{email, profile: {name, phone, address}}` |
//! | `PUT /me/profile` `{name?, phone?, address?}` | citizen | 200 the profile |
//! | `POST /agents/signin` `{email, password, code}` | anyone | 200 `{id, name, email, role, services}` + `gru_agent` cookie; 401 `invalid-credentials` |
//! | `POST /agents/signout` | agent | 204, cookie cleared |
//! | `GET /agents/me` | agent | 200 `{id, name, email, role, services}` |
//! | `GET /agents` | admin | 200 `[{id, name, email, role, services, active}]`, by name |
//! | `POST /agents` `{email, name, role, services?}` | admin | 201 `{agent, password, totp_secret, totp_uri}` (shown once) |
//! | `PUT /agents/{id}` `{name?, role?, services?, active?}` | admin | 200 the agent; a change of role, services or access ends their sessions |
//! | `GET /applications` | admin | 200 `[{id, name, created_at, created_by, revoked_at?}]`: the outside applications (Open311 apps) |
//! | `POST /applications` `{name}` | admin | 201 `{application, api_key}`: the key is shown once; audited |
//! | `DELETE /applications/{id}` | admin | 200 the application, its key refused from now on; audited; 404 unknown |
//!
//! Invalid fields: 422 `validation` naming each field. No session: 401
//! `unauthenticated`; an agent whose role does not allow the route: 403
//! `forbidden`. Over a rate limit: 429 `rate-limited` with
//! `Retry-After`. Every answer is `Cache-Control: no-store, private`.

pub mod agents;
mod api;
mod applications;
mod emails;
mod password;
mod profile;

pub use api::router;

/// The URL prefix this function owns (one API Gateway route).
pub const PREFIX: &str = "/api/accounts";

//! Pure domain rules of the portal: no I/O beyond reading a city's files,
//! no framework. Everything here is tested exhaustively next to the code.
//!
//! - [`account`]: a citizen's profile, as stored and served.
//! - [`agenda`]: agendas as data (places, appointment types, opening
//!   hours, closures, holidays) and the free slots that follow.
//! - [`appointment`]: an appointment, the slot it takes, its status, its reminder.
//! - [`attachment`]: file formats as their bytes show them, scan statuses,
//!   the limits on a request's files.
//! - [`catalogue`]: the city profile, categories and services as citizens
//!   see them.
//! - [`condition`]: the condition language that shows pages and fields and
//!   asks for documents.
//! - [`form`]: a service's form as data, its visibility, its answers' checks
//!   and its structural problems.
//! - [`city_files`]: a city's catalogue as versioned TOML files, and the
//!   checks that `portal catalogue check` reports with file and line.
//! - [`holidays`]: French public holidays, Easter-based ones and
//!   Alsace-Moselle's included (for agendas and
//!   deadlines).
//! - [`ics`]: one appointment as an iCalendar (`.ics`) object for emails.
//! - [`open311`]: a service offered to Open311 GeoReport v2 apps: its
//!   attributes in the standard's types, a report turned into answers.
//! - [`request`]: drafts and requests (history, assignee, deadline), and the
//!   public phases every request goes through.
//! - [`search`]: accent-, case- and word-order-tolerant service search.
//! - [`steps`]: where a request stands among the steps its service's
//!   page announced.
//! - [`text`]: whether a text shows anything (a text of zero-width spaces
//!   and bidirectional controls does not), and names cleaned for one line.
//! - [`workflow`]: workflows as data (statuses, transitions, emails) and
//!   processing deadlines in working days.

pub mod account;
pub mod agenda;
pub mod appointment;
pub mod attachment;
pub mod catalogue;
pub mod city_files;
pub mod condition;
pub mod form;
pub mod holidays;
pub mod ics;
pub mod indicators;
pub mod open311;
pub mod request;
pub mod search;
pub mod steps;
pub mod text;
pub mod workflow;

//! The list of a service's requests over a period, with the columns an
//! agent chooses, as CSV or ODS. A service can hold tens of thousands of
//! requests: an export is built in steps, each reading at most
//! [`STEP_REQUESTS`] requests through the index of the service's requests
//! by phase and submission date (never a scan), each called by the back
//! office, which shows the progress. No call holds a Lambda long, and an
//! interrupted export resumes where it stopped. The steps' rows wait in
//! the file store; the last step writes the file, kept [`KEEP_HOURS`]
//! hours (as Démarches Simplifiées keeps its exports), downloaded through
//! a short-lived grant.

use crate::api::{Ctx, Inner};
use crate::sheet::{Cell, Format, Sheet};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gru_domain::form::Form;
use gru_domain::request::{Phase, Request};
use gru_domain::workflow::Workflow;
use gru_ports::store::{Condition, Cursor, Item, Key, TransactOp};
use gru_ports::{DownloadGrant, StoreError};
use gru_records::indicators::Family;
use gru_records::progress::Moment;
use gru_web::agent::Agent;
use gru_web::{Json, Problem};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Requests read by one step, at most.
pub(crate) const STEP_REQUESTS: u32 = 200;
/// How long an export is kept.
const KEEP_HOURS: i64 = 32;
/// How long a download link lasts.
const DOWNLOAD_FOR: SignedDuration = SignedDuration::from_mins(5);
/// The longest period of one export, in days.
const MAX_DAYS: i32 = 366;

/// A column an agent may choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Field {
    Reference,
    Submitted,
    Channel,
    Status,
    Assignee,
    Due,
    Decided,
    Citizen,
    Email,
    /// One column per question of the service's form.
    Answers,
}

impl Field {
    fn header(self) -> &'static str {
        match self {
            Field::Reference => "référence",
            Field::Submitted => "reçue le",
            Field::Channel => "canal",
            Field::Status => "statut",
            Field::Assignee => "agent",
            Field::Due => "à traiter avant le",
            Field::Decided => "décidée le",
            Field::Citizen => "demandeur",
            Field::Email => "courriel",
            Field::Answers => "réponses",
        }
    }
}

/// What an agent asks to export.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExportOrder {
    service: String,
    from: Date,
    to: Date,
    fields: Vec<Field>,
    format: Format,
}

/// An export as stored, until it expires.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Export {
    id: String,
    /// The agent who asked: the only one who sees it.
    agent: String,
    service: String,
    from: Date,
    to: Date,
    fields: Vec<Field>,
    format: Format,
    /// The form's questions, when `fields` has the answers: `(id, label)`.
    questions: Vec<(String, String)>,
    /// Where the reading stands: the phase (in [`Phase::ALL`]) and the
    /// position in it.
    phase: usize,
    cursor: Option<Cursor>,
    /// The steps' rows waiting in the file store.
    parts: u32,
    done: u64,
    /// The requests the indicators counted in the period: the progress's end.
    total: u64,
    ready: bool,
    file_name: String,
    expires_at: Timestamp,
}

/// Where an export stands, for the back office.
#[derive(Serialize)]
pub(crate) struct Progress {
    id: String,
    state: &'static str,
    done: u64,
    total: u64,
    file_name: String,
    format: Format,
    /// Once ready: a link valid a few minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    download: Option<DownloadGrant>,
}

/// Starts an export (its first step included): 201 with its progress.
pub(crate) async fn start(
    State(ctx): State<Ctx>,
    agent: Agent,
    Json(order): Json<ExportOrder>,
) -> Result<Response, Problem> {
    agent.require_service(&order.service)?;
    let span = (order.to - order.from).get_days() + 1;
    if span < 1 {
        return Err(Problem::bad_request("invalid-export", "La période finit avant de commencer.")
            .with_field("to", "Une date de fin après la date de début."));
    }
    if span > MAX_DAYS {
        return Err(Problem::bad_request("invalid-export", "La période dépasse un an.")
            .with_field("from", "Une période d'un an au plus."));
    }
    if order.fields.is_empty() {
        return Err(Problem::bad_request("invalid-export", "Aucune colonne choisie.")
            .with_field("fields", "Choisissez au moins une colonne."));
    }
    let Some(service) = ctx.catalogue.service(&order.service).await? else {
        return Err(Problem::bad_request("invalid-export", "Cette démarche n'existe pas.")
            .with_field("service", "Une démarche du catalogue."));
    };
    let questions = match (order.fields.contains(&Field::Answers), &service.service.form) {
        (true, Some(form)) => questions(form),
        _ => Vec::new(),
    };
    let counts = ctx.indicators.counts(Family::Requests, order.from, order.to).await?;
    let total = counts
        .iter()
        .filter(|row| row.service == order.service)
        .filter_map(|row| row.counters.get("received"))
        .sum::<i64>();
    let now = ctx.platform.clock.now();
    let mut fields: Vec<Field> = Vec::new();
    for field in order.fields {
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    let export = Export {
        id: gru_web::tokens::hex_id::<16>(),
        agent: agent.id.clone(),
        file_name: format!(
            "demandes-{}-{}-{}.{}",
            order.service,
            order.from,
            order.to,
            order.format.extension()
        ),
        service: order.service,
        from: order.from,
        to: order.to,
        fields,
        format: order.format,
        questions,
        phase: 0,
        cursor: None,
        parts: 0,
        done: 0,
        total: total.max(0) as u64,
        ready: false,
        expires_at: now + SignedDuration::from_hours(KEEP_HOURS),
    };
    let detail = format!("{} {} {}", export.service, export.from, export.to);
    let audit = ctx.shared().audit.entry(&agent, "requests.export", None, Some(&detail));
    let created = TransactOp::Put { item: export_item(&export, 1)?, condition: Condition::NotExists };
    let expiry = expiry(&export, file_key(&export), "file")?;
    ctx.platform.store.transact(vec![created, audit, expiry]).await?;
    let progress = ctx.step(export, 1).await?;
    Ok((StatusCode::CREATED, axum::Json(progress)).into_response())
}

/// Reads the next requests of an export (or writes its file): its progress.
pub(crate) async fn next(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<axum::Json<Progress>, Problem> {
    let (export, version) = ctx.export_of(&agent, &id).await?;
    Ok(axum::Json(ctx.step(export, version).await?))
}

/// Where an export stands; once ready, with a download link.
pub(crate) async fn progress(
    State(ctx): State<Ctx>,
    agent: Agent,
    Path(id): Path<String>,
) -> Result<axum::Json<Progress>, Problem> {
    let (export, _) = ctx.export_of(&agent, &id).await?;
    Ok(axum::Json(ctx.progress(&export).await?))
}

fn export_key(id: &str) -> Key {
    Key::new(format!("EXPORT#{id}"), "EXPORT")
}

fn export_item(export: &Export, version: u64) -> Result<Item, Problem> {
    let mut item =
        Item::new(export_key(&export.id), serde_json::to_value(export).map_err(Problem::internal)?);
    item.version = version;
    item.expires_at = Some(export.expires_at.as_second());
    Ok(item)
}

/// The deletion of an export's object once the export expires, queued in
/// the outbox with the write that makes it (`what` names the object).
fn expiry(export: &Export, object: String, what: &str) -> Result<TransactOp, Problem> {
    let event = format!("export#{}#{what}", export.id);
    gru_outbox::enqueue_file_deletion(vec![object], &event, export.expires_at).map_err(Problem::internal)
}

/// Where a step's rows wait, and where the file is.
fn part_key(export: &Export, part: u32) -> String {
    format!("exports/{}/part-{part:05}.json", export.id)
}

fn file_key(export: &Export) -> String {
    format!("exports/{}/{}", export.id, export.file_name)
}

/// A row and what sorts it: the submission's instant and the reference.
type Row = (String, Vec<Cell>);

impl Inner {
    /// The agent's own export (404 for anyone else's, or none).
    async fn export_of(&self, agent: &Agent, id: &str) -> Result<(Export, u64), Problem> {
        let unknown = || Problem::not_found("Cet export n'existe pas ou a expiré.");
        if id.len() != 32 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(unknown());
        }
        let item = self.platform.store.get(&export_key(id)).await?.ok_or_else(unknown)?;
        let export: Export = serde_json::from_value(item.data).map_err(Problem::internal)?;
        if export.agent != agent.id || export.expires_at <= self.platform.clock.now() {
            return Err(unknown());
        }
        Ok((export, item.version))
    }

    async fn progress(&self, export: &Export) -> Result<Progress, Problem> {
        let download = if export.ready {
            Some(
                self.files
                    .download_grant(&file_key(export), &export.file_name, DOWNLOAD_FOR)
                    .await
                    .map_err(Problem::internal)?,
            )
        } else {
            None
        };
        Ok(Progress {
            id: export.id.clone(),
            state: if export.ready { "ready" } else { "running" },
            done: export.done,
            total: export.total.max(export.done),
            file_name: export.file_name.clone(),
            format: export.format,
            download,
        })
    }

    /// One step: up to [`STEP_REQUESTS`] requests read and their rows put
    /// aside, or, once every phase is read, the file written. Saved on the
    /// version read: of two steps at once, one is kept and the other
    /// answers where the export stands (both wrote the same part).
    async fn step(&self, mut export: Export, version: u64) -> Result<Progress, Problem> {
        if export.ready {
            return self.progress(&export).await;
        }
        let moment = self.moment().await?;
        let mut rows: Vec<Row> = Vec::new();
        let mut forms = Forms::default();
        let workflow = self.catalogue.workflow_of(&export.service).await?;
        let period = period(&moment, export.from, export.to);
        while export.phase < Phase::ALL.len() && rows.len() < STEP_REQUESTS as usize {
            let want = STEP_REQUESTS - rows.len() as u32;
            let (requests, next) = self
                .repository
                .requests_page(&export.service, Phase::ALL[export.phase], period, export.cursor.take(), want)
                .await?;
            for request in &requests {
                let form = forms.of(self, request).await?;
                rows.push(row(&export, request, &workflow, form.as_ref(), &moment));
            }
            export.done += requests.len() as u64;
            match next {
                Some(cursor) => export.cursor = Some(cursor),
                None => export.phase += 1,
            }
        }
        let finished = export.phase == Phase::ALL.len();
        let mut writes = Vec::new();
        if finished && export.parts == 0 {
            // Everything fit in one step: the file at once.
            self.write_file(&export, rows).await?;
            export.ready = true;
        } else if !rows.is_empty() {
            let part = serde_json::to_vec(&rows).map_err(Problem::internal)?;
            let key = part_key(&export, export.parts);
            self.files.put(&key, part, "application/json").await.map_err(Problem::internal)?;
            // Gone with the export, should it never be finished.
            writes.push(expiry(&export, key, &format!("part-{}", export.parts))?);
            export.parts += 1;
        } else if finished {
            if !self.assemble(&export).await? {
                // Another step assembled it meanwhile, and deleted the parts.
                return self.stored_progress(&export).await;
            }
            export.ready = true;
        }
        match self
            .platform
            .store
            .transact(
                std::iter::once(TransactOp::Put {
                    item: export_item(&export, version + 1)?,
                    condition: Condition::Version(version),
                })
                .chain(writes)
                .collect(),
            )
            .await
        {
            Ok(()) => self.progress(&export).await,
            Err(StoreError::ConditionFailed) => self.stored_progress(&export).await,
            Err(error) => Err(error.into()),
        }
    }

    /// Where `export` stands as stored, after another step went first.
    async fn stored_progress(&self, export: &Export) -> Result<Progress, Problem> {
        let item = self.platform.store.get(&export_key(&export.id)).await?;
        let stored =
            item.map(|item| serde_json::from_value(item.data)).transpose().map_err(Problem::internal)?;
        self.progress(stored.as_ref().unwrap_or(export)).await
    }

    /// The file from the parts the steps put aside, which are then deleted;
    /// `false` when a part is gone: another step assembled the file first.
    async fn assemble(&self, export: &Export) -> Result<bool, Problem> {
        let mut rows: Vec<Row> = Vec::new();
        for part in 0..export.parts {
            let Some(bytes) = self.files.get(&part_key(export, part)).await.map_err(Problem::internal)?
            else {
                return Ok(false);
            };
            rows.extend(serde_json::from_slice::<Vec<Row>>(&bytes).map_err(Problem::internal)?);
        }
        self.write_file(export, rows).await?;
        for part in 0..export.parts {
            self.files.delete(&part_key(export, part)).await.map_err(Problem::internal)?;
        }
        Ok(true)
    }

    async fn write_file(&self, export: &Export, mut rows: Vec<Row>) -> Result<(), Problem> {
        // Oldest first, whatever the phase each was read in.
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        let mut header = Vec::new();
        for field in &export.fields {
            match field {
                Field::Answers => header.extend(export.questions.iter().map(|(_, label)| label.clone())),
                other => header.push(other.header().to_owned()),
            }
        }
        let sheet = Sheet {
            name: "Demandes".to_owned(),
            header,
            rows: rows.into_iter().map(|(_, cells)| cells).collect(),
        };
        self.files
            .put(&file_key(export), sheet.write(export.format), export.format.content_type())
            .await
            .map_err(Problem::internal)
    }
}

/// The forms requests were made with, read once per step.
#[derive(Default)]
struct Forms(HashMap<u32, Option<Form>>);

impl Forms {
    async fn of(&mut self, inner: &Inner, request: &Request) -> Result<Option<Form>, Problem> {
        if let Some(form) = self.0.get(&request.form_version) {
            return Ok(form.clone());
        }
        let form = inner.catalogue.form(&request.service, Some(request.form_version)).await?;
        self.0.insert(request.form_version, form.clone());
        Ok(form)
    }
}

/// The questions of a form, page by page: the answers' columns.
fn questions(form: &Form) -> Vec<(String, String)> {
    form.pages.iter().flat_map(|page| &page.fields).map(|f| (f.id.clone(), f.label.clone())).collect()
}

/// The instants a period of the city's days covers.
fn period(moment: &Moment, from: Date, to: Date) -> (Timestamp, Timestamp) {
    let start = |day: Date| {
        moment.zone.to_ambiguous_timestamp(day.at(0, 0, 0, 0)).compatible().unwrap_or(Timestamp::MAX)
    };
    let after = to.checked_add(1.day()).map(start).unwrap_or(Timestamp::MAX);
    // Inclusive bounds: the last instant before the next day.
    (start(from), after - SignedDuration::from_nanos(1))
}

/// A request's row, with the columns of `export`.
fn row(export: &Export, request: &Request, workflow: &Workflow, form: Option<&Form>, moment: &Moment) -> Row {
    let day = |at: Timestamp| at.to_zoned_datetime(moment.zone.clone()).date();
    let mut cells = Vec::new();
    for field in &export.fields {
        match field {
            Field::Reference => cells.push(Cell::text(&request.reference)),
            Field::Submitted => cells.push(Cell::Date(day(request.submitted_at))),
            Field::Channel => cells.push(Cell::text(crate::channels::label(&request.channel))),
            Field::Status => cells.push(Cell::text(
                workflow.status(&request.status).map_or(request.status.as_str(), |s| s.agent_label.as_str()),
            )),
            Field::Assignee => {
                cells.push(Cell::text(request.assignee.as_ref().map_or("", |a| a.name.as_str())))
            }
            Field::Due => cells.push(request.deadline.as_ref().map_or(Cell::Empty, |d| Cell::Date(d.due))),
            Field::Decided => cells.push(request.decided_at().map_or(Cell::Empty, |at| Cell::Date(day(at)))),
            Field::Citizen => cells.push(Cell::text(request.citizen_name.as_deref().unwrap_or(""))),
            Field::Email => cells.push(Cell::text(&request.email)),
            Field::Answers => {
                let answers: HashMap<String, String> = form
                    .map(|form| form.summary(&request.answers))
                    .unwrap_or_default()
                    .into_iter()
                    .flat_map(|page| page.answers)
                    .map(|answer| (answer.field, answer.value))
                    .collect();
                cells.extend(
                    export
                        .questions
                        .iter()
                        .map(|(id, _)| Cell::text(answers.get(id).map_or("", String::as_str))),
                );
            }
        }
    }
    (format!("{}#{}", request.submitted_at, request.reference), cells)
}

//! The indicators' dashboard and its CSV for supervisors and admins: the
//! period asked (the month so far by default) and the same period a year
//! earlier, read from the counters (`gru_records::indicators`), the
//! figures computed by `crate::indicators`.

use crate::api::{Ctx, Inner};
use crate::channels::CHANNELS;
use crate::indicators;
use crate::sheet::{Cell, Format, Sheet};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use gru_domain::indicators::{DUE, SEARCHES};
use gru_records::indicators::{Counts, Family};
use gru_web::agent::Agent;
use gru_web::{Problem, Query, Role};
use jiff::civil::Date;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IndicatorParams {
    from: Option<Date>,
    to: Option<Date>,
    service: Option<String>,
    channel: Option<String>,
}

/// Periods up to this many days are charted day by day, longer ones by month.
const DAILY_UP_TO: i32 = 62;

/// The dashboard of a period (by default the month so far) and the same
/// period a year earlier, for supervisors and admins.
pub(crate) async fn indicators(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(params): Query<IndicatorParams>,
) -> Result<Response, Problem> {
    let dashboard = ctx.dashboard(&agent, params).await?;
    Ok(axum::Json(dashboard).into_response())
}

/// The dashboard's figures by service and channel as CSV (`;`-separated,
/// UTF-8 with its byte-order mark, as French spreadsheets open it); audited.
pub(crate) async fn indicators_csv(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(params): Query<IndicatorParams>,
) -> Result<Response, Problem> {
    exported(&ctx, &agent, params, Format::Csv).await
}

/// The same figures as an OpenDocument spreadsheet; audited.
pub(crate) async fn indicators_ods(
    State(ctx): State<Ctx>,
    agent: Agent,
    Query(params): Query<IndicatorParams>,
) -> Result<Response, Problem> {
    exported(&ctx, &agent, params, Format::Ods).await
}

async fn exported(
    ctx: &Ctx,
    agent: &Agent,
    params: IndicatorParams,
    format: Format,
) -> Result<Response, Problem> {
    let dashboard = ctx.dashboard(agent, params).await?;
    let (from, to) = (dashboard.period.from, dashboard.period.to);
    ctx.shared().audit.record(agent, "indicators.export", None, Some(&format!("{from} {to}"))).await?;
    let file = format!("indicateurs-{from}-{to}.{}", format.extension());
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, format.content_type().to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        dashboard.sheet().write(format),
    )
        .into_response())
}

/// What the dashboard shows.
#[derive(serde::Serialize)]
struct Dashboard {
    period: indicators::Period,
    previous_period: indicators::Period,
    service: Option<String>,
    channel: Option<String>,
    figures: indicators::Figures,
    previous: indicators::Figures,
    /// Open requests past their due day today (their clock running).
    late_now: i64,
    by_service: Vec<Line>,
    by_channel: Vec<Line>,
    /// Received and decided, day by day for a short period, else month by month.
    series: Vec<Point>,
    series_by: &'static str,
    /// The appointments taking place in the period, and a year earlier
    /// (every agenda, whatever the service and channel chosen).
    appointments: indicators::Appointments,
    previous_appointments: indicators::Appointments,
    by_agenda: Vec<AgendaLine>,
    /// What citizens read and searched on the site (the whole catalogue,
    /// whatever the service and channel chosen).
    catalogue: CatalogueFigures,
}

/// The catalogue's figures of the period, beside a year earlier.
#[derive(serde::Serialize)]
struct CatalogueFigures {
    views: i64,
    previous_views: i64,
    searches: i64,
    previous_searches: i64,
    /// Searches that no service answered.
    searches_empty: i64,
    previous_searches_empty: i64,
    /// Pages read per service, most read first.
    by_service: Vec<Viewed>,
    /// What citizens looked for in vain in the period's months, most
    /// searched first ([`UNANSWERED_SHOWN`] at most).
    unanswered: Vec<Unanswered>,
}

#[derive(serde::Serialize)]
struct Viewed {
    id: String,
    label: String,
    views: i64,
    previous: i64,
}

#[derive(serde::Serialize)]
struct Unanswered {
    words: String,
    count: i64,
}

/// The unanswered searches the dashboard lists.
const UNANSWERED_SHOWN: usize = 20;

/// One agenda's appointments in both periods.
#[derive(serde::Serialize)]
struct AgendaLine {
    id: String,
    label: String,
    figures: indicators::Appointments,
    previous: indicators::Appointments,
    /// How long citizens waited for a slot, every type of the agenda.
    waits: indicators::Waits,
    previous_waits: indicators::Waits,
}

/// One service or channel: its label and both periods' figures.
#[derive(serde::Serialize)]
struct Line {
    id: String,
    label: String,
    figures: indicators::Figures,
    previous: indicators::Figures,
    /// Open requests past their due day today.
    late_now: i64,
}

/// How far back the requests late now are looked for, in days: an open
/// request due more than two years ago is not counted.
const LATE_LOOK_BACK: i64 = 730;

#[derive(serde::Serialize)]
struct Point {
    /// `2026-12` or `2026-12-07`.
    label: String,
    received: i64,
    decided: i64,
    previous_received: i64,
}

impl Inner {
    async fn dashboard(&self, agent: &Agent, params: IndicatorParams) -> Result<Dashboard, Problem> {
        agent.require_role(Role::Supervisor)?;
        let today = self.moment().await?.today;
        let period = indicators::Period {
            from: params.from.unwrap_or_else(|| today.first_of_month()),
            to: params.to.unwrap_or(today),
        };
        let span = (period.to - period.from).get_days() + 1;
        if span < 1 {
            return Err(Problem::bad_request("invalid-query", "La période finit avant de commencer.")
                .with_field("to", "Une date de fin après la date de début."));
        }
        if span > indicators::MAX_DAYS {
            return Err(Problem::bad_request("invalid-query", "La période dépasse un an.")
                .with_field("from", "Une période d'un an au plus."));
        }
        let services = self.catalogue.all_summaries().await?;
        if let Some(service) = &params.service
            && !services.iter().any(|s| &s.slug == service)
        {
            return Err(Problem::bad_request("invalid-query", "Cette démarche n'existe pas.")
                .with_field("service", "Une démarche du catalogue."));
        }
        if let Some(channel) = &params.channel
            && !CHANNELS.iter().any(|(id, _)| id == channel)
        {
            return Err(Problem::bad_request("invalid-query", "Ce canal n'existe pas.")
                .with_field("channel", "online, phone, email, counter, post ou open311."));
        }
        let filter = indicators::Filter { service: params.service.clone(), channel: params.channel.clone() };
        let previous_period = period.a_year_earlier();
        let daily = span <= DAILY_UP_TO;
        let read =
            |family, period: indicators::Period| self.indicators.counts(family, period.from, period.to);
        let read_daily = |period: indicators::Period| async move {
            if daily {
                self.indicators.daily(Family::Requests, period.from, period.to).await
            } else {
                Ok(Vec::new())
            }
        };
        // The reads at once: on SQLite each has its own connection.
        let (now, before, days_now, days_before, booked, booked_before) = tokio::try_join!(
            read(Family::Requests, period),
            read(Family::Requests, previous_period),
            read_daily(period),
            read_daily(previous_period),
            read(Family::Appointments, period),
            read(Family::Appointments, previous_period),
        )?;
        let overdue = indicators::Period {
            from: today.saturating_sub(jiff::Span::new().days(LATE_LOOK_BACK)),
            to: today.yesterday().unwrap_or(today),
        };
        let (site, site_before, unanswered, due, waited, waited_before) = tokio::try_join!(
            read(Family::Catalogue, period),
            read(Family::Catalogue, previous_period),
            self.indicators.unanswered(period.from, period.to),
            read(Family::Due, overdue),
            read(Family::Waits, period),
            read(Family::Waits, previous_period),
        )?;
        let due = indicators::by_service_and_channel(due);
        let late_now =
            |filter: &indicators::Filter| indicators::totals(&due, filter).get(DUE).copied().unwrap_or(0);
        let catalogue = catalogue_figures(&services, &site, &site_before, unanswered);
        let series = if daily {
            series(&days_now, &days_before, &filter, period, daily)
        } else {
            series(&now, &before, &filter, period, daily)
        };
        let now = indicators::by_service_and_channel(now);
        let before = indicators::by_service_and_channel(before);
        let figures_of = |rows: &[Counts], filter: &indicators::Filter| {
            let online = indicators::Filter { channel: Some("online".to_owned()), ..filter.clone() };
            let online = if filter.channel.as_deref().is_some_and(|c| c != "online") {
                0
            } else {
                indicators::totals(rows, &online).get("received").copied().unwrap_or(0)
            };
            indicators::figures(&indicators::totals(rows, filter), online)
        };
        let line = |id: &str, label: &str, filter: indicators::Filter| Line {
            id: id.to_owned(),
            label: label.to_owned(),
            figures: figures_of(&now, &filter),
            previous: figures_of(&before, &filter),
            late_now: late_now(&filter),
        };
        let by_service = services
            .iter()
            .filter(|s| filter.service.as_ref().is_none_or(|only| *only == s.slug))
            .map(|s| {
                line(
                    &s.slug,
                    &s.title,
                    indicators::Filter { service: Some(s.slug.clone()), ..filter.clone() },
                )
            })
            .filter(|l| l.figures.received + l.previous.received + l.figures.decided_total + l.late_now > 0)
            .collect();
        let by_channel = CHANNELS
            .iter()
            .filter(|(id, _)| filter.channel.as_ref().is_none_or(|only| only == id))
            .map(|(id, label)| {
                line(id, label, indicators::Filter { channel: Some((*id).to_owned()), ..filter.clone() })
            })
            .filter(|l| l.figures.received + l.previous.received > 0)
            .collect();
        let everything = indicators::Filter::default();
        let by_agenda = self
            .catalogue
            .agendas()
            .await?
            .into_iter()
            .map(|agenda| {
                // An agenda's counters carry its id where requests carry their service.
                let only = indicators::Filter { service: Some(agenda.id.clone()), channel: None };
                AgendaLine {
                    figures: indicators::appointments(&indicators::totals(&booked, &only)),
                    previous: indicators::appointments(&indicators::totals(&booked_before, &only)),
                    waits: indicators::waits(&indicators::totals(&waited, &only)),
                    previous_waits: indicators::waits(&indicators::totals(&waited_before, &only)),
                    id: agenda.id,
                    label: agenda.title,
                }
            })
            .collect();
        Ok(Dashboard {
            late_now: late_now(&filter),
            catalogue,
            appointments: indicators::appointments(&indicators::totals(&booked, &everything)),
            previous_appointments: indicators::appointments(&indicators::totals(&booked_before, &everything)),
            by_agenda,
            figures: figures_of(&now, &filter),
            previous: figures_of(&before, &filter),
            period,
            previous_period,
            service: params.service,
            channel: params.channel,
            by_service,
            by_channel,
            series,
            series_by: if daily { "day" } else { "month" },
        })
    }
}

/// The catalogue's figures from its counters, now and a year earlier.
fn catalogue_figures(
    services: &[gru_records::catalogue::ServiceSummary],
    now: &[Counts],
    before: &[Counts],
    unanswered: Vec<(String, i64)>,
) -> CatalogueFigures {
    let everything = indicators::Filter::default();
    let searches = indicators::Filter { service: Some(SEARCHES.to_owned()), channel: None };
    let (now_totals, before_totals) =
        (indicators::totals(now, &everything), indicators::totals(before, &everything));
    let (now_searches, before_searches) =
        (indicators::totals(now, &searches), indicators::totals(before, &searches));
    let get =
        |totals: &std::collections::BTreeMap<&str, i64>, name: &str| totals.get(name).copied().unwrap_or(0);
    let mut by_service: Vec<Viewed> = services
        .iter()
        .map(|s| {
            let only = indicators::Filter { service: Some(s.slug.clone()), channel: None };
            Viewed {
                id: s.slug.clone(),
                label: s.title.clone(),
                views: get(&indicators::totals(now, &only), "views"),
                previous: get(&indicators::totals(before, &only), "views"),
            }
        })
        .filter(|line| line.views + line.previous > 0)
        .collect();
    by_service.sort_by(|a, b| b.views.cmp(&a.views).then_with(|| a.label.cmp(&b.label)));
    CatalogueFigures {
        views: get(&now_totals, "views"),
        previous_views: get(&before_totals, "views"),
        searches: get(&now_searches, "searches"),
        previous_searches: get(&before_searches, "searches"),
        searches_empty: get(&now_searches, "searches:empty"),
        previous_searches_empty: get(&before_searches, "searches:empty"),
        by_service,
        unanswered: unanswered
            .into_iter()
            .take(UNANSWERED_SHOWN)
            .map(|(words, count)| Unanswered { words, count })
            .collect(),
    }
}

/// Received and decided per day (`daily`) or per month of `period`, beside
/// the same day or month a year earlier.
fn series(
    now: &[Counts],
    before: &[Counts],
    filter: &indicators::Filter,
    period: indicators::Period,
    daily: bool,
) -> Vec<Point> {
    let label = |date: Date| if daily { date.to_string() } else { date.to_string()[..7].to_owned() };
    let mut labels = Vec::new();
    let mut day = period.from;
    while day <= period.to {
        if labels.last() != Some(&label(day)) {
            labels.push(label(day));
        }
        day = match day.tomorrow() {
            Ok(next) => next,
            Err(_) => break,
        };
    }
    let mut points: Vec<Point> = labels
        .into_iter()
        .map(|label| Point { label, received: 0, decided: 0, previous_received: 0 })
        .collect();
    // One pass over each period's rows; a row's day or month begins with its point's label.
    let width = if daily { 10 } else { 7 };
    let decided = |counters: &std::collections::BTreeMap<String, i64>| -> i64 {
        use std::ops::Bound::Excluded;
        counters.range::<str, _>((Excluded("decided:"), Excluded("decided;"))).map(|(_, n)| n).sum()
    };
    for row in now.iter().filter(|row| filter.keeps(row)) {
        if let Some(point) = points.iter_mut().find(|p| row.period.get(..width) == Some(p.label.as_str())) {
            point.received += row.counters.get("received").copied().unwrap_or(0);
            point.decided += decided(&row.counters);
        }
    }
    for row in before.iter().filter(|row| filter.keeps(row)) {
        // The same day or month a year later.
        let Some(label) = row.period.get(..width) else { continue };
        let year: i32 = label[..4].parse().unwrap_or(0);
        let later = format!("{:04}{}", year + 1, &label[4..]);
        if let Some(point) = points.iter_mut().find(|p| p.label == later) {
            point.previous_received += row.counters.get("received").copied().unwrap_or(0);
        }
    }
    points
}

impl Dashboard {
    /// The figures by service and channel, both periods, as a table.
    fn sheet(&self) -> Sheet {
        let header = [
            "vue",
            "ligne",
            "du",
            "au",
            "formulaires commencés",
            "reçues",
            "dont en ligne",
            "instruites",
            "complément demandé",
            "décidées",
            "acceptées",
            "refusées",
            "classées",
            "délai médian (jours ouvrés)",
            "délai p90 (jours ouvrés)",
            "dans les délais",
            "hors délai",
            "messages des usagers",
            "messages des agents",
            "en retard aujourd'hui",
        ];
        // Late today belongs to no period: on the period's row, not the year before's.
        let row = |view: &str,
                   label: &str,
                   period: indicators::Period,
                   f: &indicators::Figures,
                   late: Option<i64>| {
            let days = |d: Option<u32>| Cell::maybe(d.map(f64::from));
            vec![
                Cell::text(view),
                Cell::text(label),
                Cell::Date(period.from),
                Cell::Date(period.to),
                Cell::count(f.drafts),
                Cell::count(f.received),
                Cell::count(f.online),
                Cell::count(f.instructed),
                Cell::count(f.asked),
                Cell::count(f.decided_total),
                Cell::count(f.decided["accepted"]),
                Cell::count(f.decided["refused"]),
                Cell::count(f.decided["closed"]),
                days(f.days_median["all"]),
                days(f.days_p90["all"]),
                Cell::count(f.in_time),
                Cell::count(f.late),
                Cell::count(f.messages_citizen),
                Cell::count(f.messages_agent),
                late.map_or(Cell::Empty, Cell::count),
            ]
        };
        let mut rows = vec![
            row("total", "toutes", self.period, &self.figures, Some(self.late_now)),
            row("total", "toutes", self.previous_period, &self.previous, None),
        ];
        for (view, lines) in [("démarche", &self.by_service), ("canal", &self.by_channel)] {
            for line in lines {
                rows.push(row(view, &line.label, self.period, &line.figures, Some(line.late_now)));
                rows.push(row(view, &line.label, self.previous_period, &line.previous, None));
            }
        }
        Sheet { name: "Indicateurs".to_owned(), header: header.map(str::to_owned).to_vec(), rows }
    }
}

//! Open data: for each closed month, a CSV file of the requests received and
//! decided per service and channel, published to anyone (no session) as the
//! State's open data asks of cities. Counts only, read from the counters:
//! no request, no person. A count from 1 to [`SMALL`] is left blank (the
//! statistical secret), so that nobody can be singled out from a rare
//! service or channel; no total is published beside the rows, so a blank
//! cannot be worked out by subtraction.

use crate::api::Ctx;
use crate::channels;
use crate::indicators::by_service_and_channel;
use crate::sheet::{Cell, Format, Sheet};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use gru_records::indicators::Family;
use gru_web::{PUBLIC_CATALOGUE, Problem};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// Counts up to this are published blank.
pub(crate) const SMALL: i64 = 4;
/// The months the index lists, the last one first.
const LISTED_MONTHS: i32 = 24;

/// The published months.
#[derive(Serialize)]
pub(crate) struct Index {
    /// What the files hold, for their readers.
    description: &'static str,
    months: Vec<Month>,
}

#[derive(Serialize)]
struct Month {
    month: String,
    url: String,
}

/// The last closed months, each with its file's address.
pub(crate) async fn index(State(ctx): State<Ctx>) -> Result<Response, Problem> {
    let this_month = ctx.moment().await?.today.first_of_month();
    let public_url = &ctx.platform.settings.public_url;
    let months = (1..=LISTED_MONTHS)
        .filter_map(|back| this_month.checked_sub(back.months()).ok())
        .map(|first| {
            let month = month_of(first);
            Month { url: format!("{public_url}{}/open-data/{month}.csv", crate::PREFIX), month }
        })
        .collect();
    let index = Index { description: DESCRIPTION, months };
    Ok(([(header::CACHE_CONTROL, PUBLIC_CATALOGUE)], axum::Json(index)).into_response())
}

const DESCRIPTION: &str = "Demandes reçues et décidées chaque mois, par démarche et par canal. \
Une cellule vide compte de 1 à 4 demandes (secret statistique).";

/// One closed month's file (`2026-11.csv`).
pub(crate) async fn month(State(ctx): State<Ctx>, Path(file): Path<String>) -> Result<Response, Problem> {
    let unknown = || Problem::not_found("Ce fichier n'existe pas : un mois écoulé, par exemple 2026-11.csv.");
    let first = file
        .strip_suffix(".csv")
        .and_then(|month| Date::strptime("%Y-%m-%d", format!("{month}-01")).ok())
        .filter(|first| file.len() == "2026-11.csv".len() && first.year() >= 2000)
        .ok_or_else(unknown)?;
    let this_month = ctx.moment().await?.today.first_of_month();
    if first >= this_month {
        return Err(unknown());
    }
    let rows =
        by_service_and_channel(ctx.indicators.counts(Family::Requests, first, first.last_of_month()).await?);
    let titles = ctx.catalogue.all_summaries().await?;
    let month = month_of(first);
    let mut sheet = Sheet {
        name: format!("Demandes {month}"),
        header: [
            "mois",
            "démarche",
            "intitulé",
            "canal",
            "reçues",
            "acceptées",
            "refusées",
            "classées sans suite",
        ]
        .map(str::to_owned)
        .to_vec(),
        rows: Vec::new(),
    };
    for row in rows {
        let get = |name: &str| published(row.counters.get(name).copied().unwrap_or(0));
        let received = get("received");
        let decided = ["decided:accepted", "decided:refused", "decided:closed"].map(get);
        if received == Cell::count(0) && decided.iter().all(|c| *c == Cell::count(0)) {
            continue;
        }
        let title = titles.iter().find(|s| s.slug == row.service).map_or("", |s| s.title.as_str());
        let mut cells = vec![
            Cell::text(&month),
            Cell::text(&row.service),
            Cell::text(title),
            Cell::text(channels::label(&row.channel)),
            received,
        ];
        cells.extend(decided);
        sheet.rows.push(cells);
    }
    let file = format!("demandes-{month}.csv");
    Ok((
        [
            (header::CONTENT_TYPE, Format::Csv.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
            (header::CACHE_CONTROL, PUBLIC_CATALOGUE.to_owned()),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*".to_owned()),
        ],
        sheet.write(Format::Csv),
    )
        .into_response())
}

/// A count as published: blank from 1 to [`SMALL`].
fn published(count: i64) -> Cell {
    if (1..=SMALL).contains(&count) { Cell::Empty } else { Cell::count(count) }
}

fn month_of(first: Date) -> String {
    format!("{:04}-{:02}", first.year(), first.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_blank_and_the_others_as_they_are() {
        assert_eq!(published(0), Cell::count(0));
        for small in 1..=4 {
            assert_eq!(published(small), Cell::Empty, "{small}");
        }
        assert_eq!(published(5), Cell::count(5));
    }
}

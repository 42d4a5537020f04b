//! The reporting function's state and routes.

use crate::PREFIX;
use crate::{dashboard, exports, open_data};
use axum::Router;
use axum::routing::{get, post};
use gru_ports::Files;
use gru_records::catalogue::CatalogueRepository;
use gru_records::indicators::IndicatorsRepository;
use gru_records::progress::Moment;
use gru_records::requests::Repository;
use gru_web::{Platform, Problem};
use std::sync::Arc;

/// The state every handler shares.
pub(crate) type Ctx = gru_web::Ctx<Inner>;

pub(crate) struct Inner {
    pub(crate) platform: Platform,
    pub(crate) repository: Repository,
    pub(crate) catalogue: CatalogueRepository,
    pub(crate) indicators: IndicatorsRepository,
    /// Where exports wait and are downloaded from.
    pub(crate) files: Arc<dyn Files>,
}

/// The reporting function's routes, under [`PREFIX`].
pub fn router(platform: &Platform, files: Arc<dyn Files>) -> Router {
    let store = &platform.store;
    let ctx = Ctx::new(
        platform,
        Inner {
            repository: Repository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            indicators: IndicatorsRepository::new(store.clone()),
            platform: platform.clone(),
            files,
        },
    );
    let routes = Router::new()
        .route("/indicators", get(dashboard::indicators))
        .route("/indicators.csv", get(dashboard::indicators_csv))
        .route("/indicators.ods", get(dashboard::indicators_ods))
        .route("/exports", post(exports::start))
        .route("/exports/{id}", get(exports::progress))
        .route("/exports/{id}/next", post(exports::next))
        .route("/open-data", get(open_data::index))
        .route("/open-data/{file}", get(open_data::month))
        .with_state(ctx);
    gru_web::mount(PREFIX, routes)
}

impl Inner {
    /// Now, on the city's calendar.
    pub(crate) async fn moment(&self) -> Result<Moment, Problem> {
        Ok(self.catalogue.moment(self.platform.clock.now()).await?)
    }
}

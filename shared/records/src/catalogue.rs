//! The catalogue in the store. Access patterns (no scan):
//!
//! | pattern | key |
//! |---|---|
//! | city profile | get `CATALOGUE` / `CITY` |
//! | categories | query `CATALOGUE`, sort key prefix `CATEGORY#` |
//! | all service summaries (list, search) | query `CATALOGUE`, prefix `SERVICE#` |
//! | one service's presentation (with its current form) | get `SERVICE#<slug>` / `PRESENTATION` |
//! | one version of a service's form | get `SERVICE#<slug>` / `FORM#<version, 6 digits>` |
//! | every appointment agenda (booking) | query `CATALOGUE`, prefix `AGENDA#` |
//! | one appointment agenda | get `CATALOGUE` / `AGENDA#<id>` |
//! | last import, and the catalogue's version | get `CATALOGUE` / `IMPORT` |
//! | one workflow | get `WORKFLOW#<id>` / `WORKFLOW` |
//! | every workflow (import only) | index query `WORKFLOWS` |
//! | the services offered to Open311 apps | index query `OPEN311-SERVICES` |

use gru_domain::agenda::Agenda;
use gru_domain::catalogue::{Category, City, CityCatalogue, Service};
use gru_domain::form::{Form, PageSummary};
use gru_domain::request::Request;
use gru_domain::search::SearchDocument;
use gru_domain::workflow::Workflow;
use gru_ports::store::{Condition, Item, Key, Query, Store, StoreError, TransactOp, query_all};
use jiff::Timestamp;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use std::collections::HashMap;
use std::sync::Arc;

const CATALOGUE: &str = "CATALOGUE";
const CITY: &str = "CITY";
const IMPORT: &str = "IMPORT";
const CATEGORY_PREFIX: &str = "CATEGORY#";
const SERVICE_PREFIX: &str = "SERVICE#";
const PRESENTATION: &str = "PRESENTATION";
const FORM_PREFIX: &str = "FORM#";
const AGENDA_PREFIX: &str = "AGENDA#";
const WORKFLOW_PREFIX: &str = "WORKFLOW#";
const WORKFLOW: &str = "WORKFLOW";
const WORKFLOWS: &str = "WORKFLOWS";
const OPEN311_SERVICES: &str = "OPEN311-SERVICES";

#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored catalogue item cannot be read: {0}")]
    Corrupt(#[from] serde_json::Error),
    /// Nothing the city's dates depend on (its time zone, its holidays) can
    /// be computed before its catalogue is imported.
    #[error("no catalogue is imported: run `portal catalogue import`")]
    NotImported,
    #[error("another import changed the catalogue at the same time; run the import again")]
    ConcurrentImport,
    /// Requests keep the form version they were made with, so a published
    /// version is never rewritten.
    #[error("the form of service {slug} changed but its version is still {version}: raise `version`")]
    FormChangedWithoutNewVersion { slug: String, version: u32 },
    /// The import writes workflows before the services naming them and
    /// removes them after, so this only follows a store changed by hand.
    #[error("service {slug} follows workflow {workflow}, which is not stored: import the catalogue again")]
    MissingWorkflow { slug: String, workflow: String },
}

/// A category as stored and served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredCategory {
    pub slug: String,
    pub title: String,
    pub description: String,
    pub service_count: usize,
    /// Position in the city's list.
    pub order: usize,
}

/// What lists and search need of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceSummary {
    pub slug: String,
    pub title: String,
    pub category: String,
    pub category_title: String,
    pub summary: String,
    pub search: SearchDocument,
}

/// A service's full presentation, with its category's title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredService {
    pub service: Service,
    pub category_title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ImportMarker {
    digest: String,
    services: usize,
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
}

/// The catalogue's typed access to the store.
#[derive(Clone)]
pub struct CatalogueRepository {
    store: Arc<dyn Store>,
}

fn decode<T: DeserializeOwned>(item: Item) -> Result<T, CatalogueError> {
    Ok(serde_json::from_value(item.data)?)
}

impl CatalogueRepository {
    /// The catalogue on `store`.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// The city profile, once a catalogue has been imported.
    pub async fn city(&self) -> Result<Option<City>, CatalogueError> {
        self.get(Key::new(CATALOGUE, CITY)).await
    }

    /// The city profile, which every computation on the city's calendar
    /// needs: [`CatalogueError::NotImported`] before the first import.
    pub async fn imported_city(&self) -> Result<City, CatalogueError> {
        self.city().await?.ok_or(CatalogueError::NotImported)
    }

    /// Now, on the city's calendar: its time zone's today and its holidays.
    pub async fn moment(&self, now: Timestamp) -> Result<crate::progress::Moment, CatalogueError> {
        let city = self.imported_city().await?;
        Ok(crate::progress::Moment::of(&city, now))
    }

    /// Categories in the city's order.
    pub async fn categories(&self) -> Result<Vec<StoredCategory>, CatalogueError> {
        let items =
            query_all(self.store.as_ref(), Query::partition(CATALOGUE).prefix(CATEGORY_PREFIX)).await?;
        let mut categories = items.into_iter().map(decode).collect::<Result<Vec<StoredCategory>, _>>()?;
        categories.sort_by_key(|c| c.order);
        Ok(categories)
    }

    /// Every service's summary (lists, search), in slug order: one query.
    pub async fn all_summaries(&self) -> Result<Vec<ServiceSummary>, CatalogueError> {
        let items =
            query_all(self.store.as_ref(), Query::partition(CATALOGUE).prefix(SERVICE_PREFIX)).await?;
        items.into_iter().map(decode).collect()
    }

    /// The services offered to Open311 apps, in slug order: one index query.
    pub async fn open311_services(&self) -> Result<Vec<StoredService>, CatalogueError> {
        let items = query_all(self.store.as_ref(), Query::secondary(OPEN311_SERVICES)).await?;
        items.into_iter().map(decode).collect()
    }

    /// One service's presentation.
    pub async fn service(&self, slug: &str) -> Result<Option<StoredService>, CatalogueError> {
        self.get(presentation_key(slug)).await
    }

    /// A service's form: the current one, or the given version (every
    /// published version is kept).
    pub async fn form(&self, slug: &str, version: Option<u32>) -> Result<Option<Form>, CatalogueError> {
        match version {
            None => Ok(self.service(slug).await?.and_then(|s| s.service.form)),
            Some(version) => self.get(form_key(slug, version)).await,
        }
    }

    /// A request's answers as people read them, page by page, with the form
    /// version the request was made with (empty if that form is gone).
    pub async fn summary_of(&self, request: &Request) -> Result<Vec<PageSummary>, CatalogueError> {
        let form = self.form(&request.service, Some(request.form_version)).await?;
        Ok(form.map(|form| form.summary(&request.answers)).unwrap_or_default())
    }

    /// Every appointment agenda, in id order: one query.
    pub async fn agendas(&self) -> Result<Vec<Agenda>, CatalogueError> {
        let items = query_all(self.store.as_ref(), Query::partition(CATALOGUE).prefix(AGENDA_PREFIX)).await?;
        items.into_iter().map(decode).collect()
    }

    /// One appointment agenda.
    pub async fn agenda(&self, id: &str) -> Result<Option<Agenda>, CatalogueError> {
        self.get(agenda_key(id)).await
    }

    /// The workflow a service's requests follow: the one it names, or
    /// [`Workflow::standard`] when it names none. A service no longer in the
    /// catalogue gets the standard one too, so its last requests can still
    /// be handled.
    pub async fn workflow_of(&self, service_slug: &str) -> Result<Workflow, CatalogueError> {
        let Some(id) = self.service(service_slug).await?.and_then(|stored| stored.service.workflow) else {
            return Ok(Workflow::standard());
        };
        self.get(workflow_key(&id))
            .await?
            .ok_or_else(|| CatalogueError::MissingWorkflow { slug: service_slug.to_owned(), workflow: id })
    }

    /// The catalogue's version: it changes with every import that changes
    /// anything, and is `None` before the first import. One get.
    pub async fn version(&self) -> Result<Option<u64>, CatalogueError> {
        Ok(self.store.get(&Key::new(CATALOGUE, IMPORT)).await?.map(|marker| marker.version))
    }

    /// The store's [`Store::change_mark`]: while it stays the same, the
    /// catalogue's version has not changed either.
    pub fn change_mark(&self) -> Option<u64> {
        self.store.change_mark()
    }

    /// The digest of the city files last imported.
    pub async fn imported_digest(&self) -> Result<Option<String>, CatalogueError> {
        Ok(self.get::<ImportMarker>(Key::new(CATALOGUE, IMPORT)).await?.map(|m| m.digest))
    }

    async fn get<T: DeserializeOwned>(&self, key: Key) -> Result<Option<T>, CatalogueError> {
        self.store.get(&key).await?.map(decode).transpose()
    }

    /// Makes the stored catalogue exactly `catalogue`: writes what is new or
    /// changed, removes what the files no longer hold, and records `digest`
    /// last, so an interrupted import is done again next time. A service's
    /// summary and presentation change together, in one transaction. Each
    /// write checks the version it read, so two imports at once cannot
    /// interleave silently. Running it twice changes nothing the second time.
    pub async fn import(
        &self,
        catalogue: &CityCatalogue,
        digest: &str,
    ) -> Result<ImportReport, CatalogueError> {
        let forms = self.new_form_versions(catalogue).await?;
        let mut existing: HashMap<Key, Item> = HashMap::new();
        for item in query_all(self.store.as_ref(), Query::partition(CATALOGUE)).await? {
            if let Some(slug) = item.key.sk.strip_prefix(SERVICE_PREFIX) {
                let presentation = presentation_key(slug);
                if let Some(p) = self.store.get(&presentation).await? {
                    existing.insert(presentation, p);
                }
            }
            existing.insert(item.key.clone(), item);
        }
        // Workflows live in their own partitions: the index names the stored
        // ones (to remove those the files dropped), each then read with a get
        // (the index may lag behind a write).
        let mut workflows: Vec<Key> = catalogue.workflows.iter().map(|w| workflow_key(&w.id)).collect();
        for item in query_all(self.store.as_ref(), Query::secondary(WORKFLOWS)).await? {
            if !workflows.contains(&item.key) {
                workflows.push(item.key);
            }
        }
        for key in workflows {
            if let Some(item) = self.store.get(&key).await? {
                existing.insert(key, item);
            }
        }
        let marker = Item::new(
            Key::new(CATALOGUE, IMPORT),
            serde_json::to_value(ImportMarker {
                digest: digest.to_owned(),
                services: catalogue.services.len(),
            })?,
        );
        let marker_before = existing.remove(&marker.key);
        let mut report = ImportReport::default();
        for group in catalogue_items(catalogue)? {
            let ops: Vec<TransactOp> =
                group.into_iter().filter_map(|item| plan_write(item, &mut existing, &mut report)).collect();
            self.apply(ops).await?;
        }
        // What is left was not in the files: remove it, a service's two
        // items together. Workflows go after the services that named them.
        let mut removals: HashMap<String, Vec<TransactOp>> = HashMap::new();
        for (key, old) in existing {
            report.removed += 1;
            // Slugs hold no "/": a service's group never meets another item's.
            let group = key
                .sk
                .strip_prefix(SERVICE_PREFIX)
                .or(key.pk.strip_prefix(SERVICE_PREFIX))
                .map_or_else(|| format!("{}/{}", key.pk, key.sk), str::to_owned);
            removals
                .entry(group)
                .or_default()
                .push(TransactOp::Delete { key, condition: Condition::Version(old.version) });
        }
        let mut removals: Vec<(String, Vec<TransactOp>)> = removals.into_iter().collect();
        removals.sort_by_key(|(group, _)| group.starts_with(WORKFLOW_PREFIX));
        for (_, ops) in removals {
            self.apply(ops).await?;
        }
        for form in forms {
            report.added += 1;
            self.apply(vec![TransactOp::Put { item: form, condition: Condition::NotExists }]).await?;
        }
        let mut previous_marker = HashMap::from_iter(marker_before.map(|m| (m.key.clone(), m)));
        let marker_write = plan_write(marker, &mut previous_marker, &mut ImportReport::default());
        self.apply(marker_write.into_iter().collect()).await?;
        Ok(report)
    }

    /// The form versions the store does not hold yet. Checked before anything
    /// is written: a published version whose content changed stops the import.
    async fn new_form_versions(&self, catalogue: &CityCatalogue) -> Result<Vec<Item>, CatalogueError> {
        let mut new = Vec::new();
        for service in &catalogue.services {
            let Some(form) = &service.form else { continue };
            let item = Item::new(form_key(&service.slug, form.version), serde_json::to_value(form)?);
            match self.store.get(&item.key).await? {
                None => new.push(item),
                Some(stored) if stored.data == item.data => {}
                Some(_) => {
                    return Err(CatalogueError::FormChangedWithoutNewVersion {
                        slug: service.slug.clone(),
                        version: form.version,
                    });
                }
            }
        }
        Ok(new)
    }

    async fn apply(&self, ops: Vec<TransactOp>) -> Result<(), CatalogueError> {
        if ops.is_empty() {
            return Ok(());
        }
        match self.store.transact(ops).await {
            Err(StoreError::ConditionFailed) => Err(CatalogueError::ConcurrentImport),
            other => Ok(other?),
        }
    }
}

/// The write that makes the stored item equal `item`, if any: a put on the
/// version read, or a put where nothing exists yet.
fn plan_write(
    mut item: Item,
    existing: &mut HashMap<Key, Item>,
    report: &mut ImportReport,
) -> Option<TransactOp> {
    let condition = match existing.remove(&item.key) {
        Some(old) if old.data == item.data && old.index_key == item.index_key => {
            report.unchanged += 1;
            return None;
        }
        Some(old) => {
            report.updated += 1;
            item.version = old.version + 1;
            Condition::Version(old.version)
        }
        None => {
            report.added += 1;
            Condition::NotExists
        }
    };
    Some(TransactOp::Put { item, condition })
}

fn form_key(slug: &str, version: u32) -> Key {
    Key::new(format!("{SERVICE_PREFIX}{slug}"), format!("{FORM_PREFIX}{version:06}"))
}

fn workflow_key(id: &str) -> Key {
    Key::new(format!("{WORKFLOW_PREFIX}{id}"), WORKFLOW)
}

fn agenda_key(id: &str) -> Key {
    Key::new(CATALOGUE, format!("{AGENDA_PREFIX}{id}"))
}

fn presentation_key(slug: &str) -> Key {
    Key::new(format!("{SERVICE_PREFIX}{slug}"), PRESENTATION)
}

/// The items that represent a catalogue in the store, in groups written
/// together, in this order: each workflow (before the services that name
/// it), the city, each category, each service (summary and presentation),
/// each agenda.
fn catalogue_items(catalogue: &CityCatalogue) -> Result<Vec<Vec<Item>>, serde_json::Error> {
    let mut groups = Vec::new();
    for workflow in &catalogue.workflows {
        groups.push(vec![
            Item::new(workflow_key(&workflow.id), serde_json::to_value(workflow)?)
                .with_index_key(Key::new(WORKFLOWS, &workflow.id)),
        ]);
    }
    groups.push(vec![Item::new(Key::new(CATALOGUE, CITY), serde_json::to_value(&catalogue.city)?)]);
    for (order, category) in catalogue.categories.iter().enumerate() {
        let Category { slug, title, description } = category.clone();
        let stored =
            StoredCategory { service_count: catalogue.service_count(&slug), slug, title, description, order };
        groups.push(vec![Item::new(
            Key::new(CATALOGUE, format!("{CATEGORY_PREFIX}{}", stored.slug)),
            serde_json::to_value(stored)?,
        )]);
    }
    for service in &catalogue.services {
        let category_title =
            catalogue.category(&service.category).map(|c| c.title.clone()).unwrap_or_default();
        let summary = ServiceSummary {
            slug: service.slug.clone(),
            title: service.title.clone(),
            category: service.category.clone(),
            category_title: category_title.clone(),
            summary: service.summary.clone(),
            search: SearchDocument::new(&service.title, &service.keywords, &service.summary, &category_title),
        };
        groups.push(vec![
            Item::new(
                Key::new(CATALOGUE, format!("{SERVICE_PREFIX}{}", service.slug)),
                serde_json::to_value(summary)?,
            ),
            open311_indexed(
                Item::new(
                    presentation_key(&service.slug),
                    serde_json::to_value(StoredService { service: service.clone(), category_title })?,
                ),
                service,
            ),
        ]);
    }
    for agenda in &catalogue.agendas {
        groups.push(vec![Item::new(agenda_key(&agenda.id), serde_json::to_value(agenda)?)]);
    }
    Ok(groups)
}

/// A service's presentation item, in the index of Open311 services when it
/// is offered to Open311 apps.
fn open311_indexed(item: Item, service: &Service) -> Item {
    match service.open311 {
        Some(_) => item.with_index_key(Key::new(OPEN311_SERVICES, &service.slug)),
        None => item,
    }
}

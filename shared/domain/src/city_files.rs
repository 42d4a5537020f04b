//! A city's catalogue as files, and every check `catalogue check` runs.
//!
//! ```text
//! infra/cities/<city>/
//!   city.toml            the profile: name, logo, colours, contact, links
//!   categories.toml      [[category]] tables, in display order
//!   services/<slug>.toml one service per file, named after its slug
//!   agendas/<id>.toml    one appointment agenda per file, named after its id (optional)
//!   workflows/<id>.toml  one workflow per file, named after its id (optional)
//!   assets/              logo and images the site serves under /city/
//! ```
//!
//! Loading collects every problem it finds (with file and line) instead of
//! stopping at the first, so a city's IT team fixes them in one pass.

use crate::agenda::Agenda;
use crate::catalogue::{Category, City, CityCatalogue, Link, Service, is_valid_slug};
use crate::form::Form;
use crate::workflow::Workflow;
use parser_messages::parser_message_in_french;
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in a city's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoriesFile {
    #[serde(default)]
    category: Vec<Category>,
}

/// One parsed file with its text, so later checks can point at lines.
struct Source<T> {
    path: PathBuf,
    text: String,
    value: T,
}

/// Reads and checks the city in `dir`. Returns the catalogue, or every
/// problem found.
pub fn load(dir: &Path) -> Result<CityCatalogue, Vec<Problem>> {
    let mut problems = Vec::new();
    let city = parse::<City>(&dir.join("city.toml"), &mut problems);
    let categories = parse::<CategoriesFile>(&dir.join("categories.toml"), &mut problems);
    let services = read_services(&dir.join("services"), &mut problems);
    let (agendas, agendas_all_parsed) = read_agendas(&dir.join("agendas"), &mut problems);
    let (workflows, workflow_ids) = read_workflows(&dir.join("workflows"), &mut problems);

    if let Some(city) = &city {
        check_city(city, &mut problems);
    }
    if let Some(categories) = &categories {
        check_categories(categories, &mut problems);
    }
    let category_slugs: Vec<&str> = categories
        .as_ref()
        .map(|c| c.value.category.iter().map(|c| c.slug.as_str()).collect())
        .unwrap_or_default();
    let before_services = problems.len();
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    for service in &services {
        check_service(service, categories.is_some().then_some(&category_slugs[..]), &mut problems);
        check_workflow_of(service, &workflows, &workflow_ids, &mut problems);
        if let Some(first) = seen.insert(&service.value.slug, &service.path) {
            problems.push(Problem {
                file: service.path.clone(),
                line: line_of(&service.text, None, "slug"),
                message: format!(
                    "slug « {} » en double : {} l'utilise déjà",
                    service.value.slug,
                    first.display()
                ),
            });
        }
    }
    // A broken service file would also make its category look empty: only
    // report empty categories once the services themselves are right.
    let services_are_right =
        problems.len() == before_services && services.len() == service_files(&dir.join("services"));
    if let Some(categories) = categories.as_ref().filter(|_| services_are_right) {
        for category in &categories.value.category {
            if !services.iter().any(|s| s.value.category == category.slug) {
                problems.push(Problem {
                    file: categories.path.clone(),
                    line: line_of_entry(&categories.text, "category", &category.slug),
                    message: format!(
                        "la catégorie « {} » n'a aucun service : donnez-la à un service (category = \"{}\") ou retirez-la",
                        category.slug, category.slug
                    ),
                });
            }
        }
    }
    if let Some(city) = &city {
        check_featured(city, &services, &mut problems);
    }
    check_open311_codes(&services, &mut problems);
    check_agenda_services(&agendas, &services, &dir.join("services"), &mut problems);
    check_shared_types(&agendas, &mut problems);
    if agendas_all_parsed {
        for service in &services {
            check_appointment_of(service, &agendas, &mut problems);
        }
    }
    if services.is_empty() && dir.join("services").is_dir() {
        problems.push(Problem {
            file: dir.join("services"),
            line: None,
            message: "aucun service : ajoutez au moins un fichier services/<slug>.toml".into(),
        });
    }

    match (city, categories, problems.is_empty()) {
        (Some(city), Some(categories), true) => {
            let mut services: Vec<Service> = services.into_iter().map(|s| s.value).collect();
            services.sort_by(|a, b| a.slug.cmp(&b.slug));
            let agendas = agendas.into_iter().map(|a| a.value).collect();
            let workflows = workflows.into_iter().map(|w| w.value).collect();
            Ok(CityCatalogue {
                city: city.value,
                categories: categories.value.category,
                services,
                agendas,
                workflows,
            })
        }
        _ => Err(problems),
    }
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path, problems: &mut Vec<Problem>) -> Option<Source<T>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            problems.push(Problem {
                file: path.to_owned(),
                line: None,
                message: format!("impossible de lire le fichier : {}", io_error_in_french(&error)),
            });
            return None;
        }
    };
    match toml::from_str::<T>(&text) {
        Ok(value) => Some(Source { path: path.to_owned(), text, value }),
        Err(error) => {
            // Not TOML at all, or data that do not fit the format.
            let syntax = toml::de::DeTable::parse(&text).is_err();
            let value = error.span().and_then(|span| text.get(span));
            problems.push(Problem {
                file: path.to_owned(),
                line: error.span().map(|span| line_at(&text, span.start)),
                message: parser_message_in_french(error.message(), syntax, value),
            });
            None
        }
    }
}

fn service_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name();
                    let name = name.to_string_lossy();
                    !name.starts_with('.')
                })
                .count()
        })
        .unwrap_or(0)
}

fn read_services(dir: &Path, problems: &mut Vec<Problem>) -> Vec<Source<Service>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) => {
            problems.push(Problem {
                file: dir.to_owned(),
                line: None,
                message: format!("impossible de lire le dossier services : {}", io_error_in_french(&error)),
            });
            return Vec::new();
        }
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
        .collect();
    paths.sort();
    let mut services = Vec::new();
    for path in paths {
        if path.extension().is_none_or(|ext| ext != "toml") {
            problems.push(Problem {
                file: path,
                line: None,
                message: "ce n'est pas un fichier .toml : le dossier services/ contient un fichier <slug>.toml par service"
                    .into(),
            });
            continue;
        }
        if let Some(service) = parse::<Service>(&path, problems) {
            services.push(service);
        }
    }
    services
}

/// The agendas of `dir`, if the city has the folder, each checked: its id
/// is its file's name, and every problem points at its `[[entry]]`; and
/// whether every file parsed (otherwise the types a service books may be
/// in a broken file, which has its own problem).
fn read_agendas(dir: &Path, problems: &mut Vec<Problem>) -> (Vec<Source<Agenda>>, bool) {
    let Ok(entries) = std::fs::read_dir(dir) else { return (Vec::new(), true) };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let count = paths.len();
    let mut agendas = Vec::new();
    for path in paths {
        let Some(agenda) = parse::<Agenda>(&path, problems) else { continue };
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if agenda.value.id != stem {
            problems.push(Problem {
                file: path.clone(),
                line: line_of(&agenda.text, None, "id"),
                message: format!(
                    "id « {} » : l'id est le nom du fichier, écrivez id = \"{stem}\" ou renommez le fichier",
                    agenda.value.id
                ),
            });
        }
        for problem in agenda.value.problems() {
            let line = entry_line(&agenda, problem.entry);
            problems.push(Problem { file: path.clone(), line, message: problem.message });
        }
        agendas.push(agenda);
    }
    let all_parsed = agendas.len() == count;
    (agendas, all_parsed)
}

/// Every service an agenda names must exist: its agents manage the agenda.
/// A service file that does not parse still counts by its name, so it gets
/// its own problems, not a « service inconnu » on top.
fn check_agenda_services(
    agendas: &[Source<Agenda>],
    services: &[Source<Service>],
    services_dir: &Path,
    problems: &mut Vec<Problem>,
) {
    let mut known: Vec<String> = services.iter().map(|s| s.value.slug.clone()).collect();
    if let Ok(entries) = std::fs::read_dir(services_dir) {
        known.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned())),
        );
    }
    for agenda in agendas {
        for service in &agenda.value.services {
            if !known.contains(service) {
                problems.push(Problem {
                    file: agenda.path.clone(),
                    line: line_of(&agenda.text, None, "services"),
                    message: format!(
                        "service inconnu « {service} » dans « services » (il n'y a pas de services/{service}.toml)"
                    ),
                });
            }
        }
    }
}

/// A service's `[appointment]` must name a type some agenda offers.
fn check_appointment_of(service: &Source<Service>, agendas: &[Source<Agenda>], problems: &mut Vec<Problem>) {
    let Some(appointment) = &service.value.appointment else { return };
    let kind = &appointment.appointment_type;
    if agendas.iter().any(|a| a.value.appointment_type(kind).is_some()) {
        return;
    }
    let mut offered: Vec<&str> =
        agendas.iter().flat_map(|a| a.value.appointment_types.iter().map(|t| t.id.as_str())).collect();
    offered.sort_unstable();
    offered.dedup();
    let offered =
        if offered.is_empty() { "aucun, ajoutez agendas/<id>.toml".to_owned() } else { offered.join(", ") };
    problems.push(Problem {
        file: service.path.clone(),
        line: line_of(&service.text, Some("appointment"), "type")
            .or_else(|| line_of_header(&service.text, "appointment")),
        message: format!("aucun agenda ne propose le type de rendez-vous « {kind} » (proposés : {offered})"),
    });
}

/// The workflows of `dir`, if the city has the folder, each checked like an
/// agenda; and the ids the folder's files name, broken ones included (a
/// service naming a broken workflow gets that file's problems, not a
/// « workflow inconnu » on top).
fn read_workflows(dir: &Path, problems: &mut Vec<Problem>) -> (Vec<Source<Workflow>>, Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return (Vec::new(), Vec::new()) };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    paths.sort();
    let mut workflows = Vec::new();
    let mut ids = Vec::new();
    for path in paths {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        ids.push(stem.clone());
        let Some(workflow) = parse::<Workflow>(&path, problems) else { continue };
        if workflow.value.id != stem {
            problems.push(Problem {
                file: path.clone(),
                line: line_of(&workflow.text, None, "id"),
                message: format!(
                    "id « {} » : l'id est le nom du fichier, écrivez id = \"{stem}\" ou renommez le fichier",
                    workflow.value.id
                ),
            });
        }
        for problem in workflow.value.located_problems() {
            let line = entry_line(&workflow, problem.entry);
            problems.push(Problem { file: path.clone(), line, message: problem.message });
        }
        workflows.push(workflow);
    }
    (workflows, ids)
}

/// A service's `workflow` must name a file of `workflows/`, and its
/// presented steps only statuses of that workflow (the standard one when it
/// names none).
fn check_workflow_of(
    service: &Source<Service>,
    workflows: &[Source<Workflow>],
    known: &[String],
    problems: &mut Vec<Problem>,
) {
    let standard = Workflow::standard();
    let workflow = match &service.value.workflow {
        None => &standard,
        Some(id) => match workflows.iter().find(|w| &w.value.id == id && known.contains(id)) {
            Some(workflow) => &workflow.value,
            None if known.contains(id) => return,
            None => {
                let known = if known.is_empty() {
                    "aucun, ajoutez workflows/<id>.toml".to_owned()
                } else {
                    known.join(", ")
                };
                problems.push(Problem {
                    file: service.path.clone(),
                    line: line_of(&service.text, None, "workflow"),
                    message: format!(
                        "workflow inconnu « {id} » : pas de fichier workflows/{id}.toml (connus : {known})"
                    ),
                });
                return;
            }
        },
    };
    for (n, step) in service.value.presentation.steps.iter().enumerate() {
        for status in step.statuses.iter().filter(|s| workflow.status(s).is_none()) {
            let ids: Vec<&str> = workflow.statuses.iter().map(|s| s.id.as_str()).collect();
            problems.push(Problem {
                file: service.path.clone(),
                line: line_of_array_entry(&service.text, "presentation.steps", n),
                message: format!(
                    "l'étape « {} » nomme le statut inconnu « {status} » : le workflow « {} » a {}",
                    step.title,
                    workflow.id,
                    ids.join(", ")
                ),
            });
        }
    }
}

/// A type offered by several agendas is booked through one form (its
/// free slots are combined): its questions and what to bring must agree.
fn check_shared_types(agendas: &[Source<Agenda>], problems: &mut Vec<Problem>) {
    let mut first: HashMap<&str, (&Path, &crate::agenda::AppointmentType)> = HashMap::new();
    for agenda in agendas {
        for (n, kind) in agenda.value.appointment_types.iter().enumerate() {
            match first.get(kind.id.as_str()) {
                Some((path, earlier))
                    if earlier.questions != kind.questions || earlier.bring != kind.bring =>
                {
                    problems.push(Problem {
                        file: agenda.path.clone(),
                        line: line_of_array_entry(&agenda.text, "appointment_types", n),
                        message: format!(
                            "le type « {} » pose d'autres questions ou demande d'apporter autre chose que dans {} : donnez-lui les mêmes questions et le même « bring »",
                            kind.id,
                            path.display()
                        ),
                    });
                }
                Some(_) => {}
                None => {
                    first.insert(&kind.id, (&agenda.path, kind));
                }
            }
        }
    }
}

/// The most services a home page puts first before it stops being a shortcut.
const MAX_FEATURED: usize = 12;

/// `featured` names services of the city, each once, a dozen at most.
fn check_featured(city: &Source<City>, services: &[Source<Service>], problems: &mut Vec<Problem>) {
    let featured = &city.value.featured;
    let mut problem = |message: String| {
        problems.push(Problem {
            file: city.path.clone(),
            line: line_of(&city.text, None, "featured"),
            message,
        })
    };
    if featured.len() > MAX_FEATURED {
        problem(format!("featured nomme {} services : {MAX_FEATURED} au plus", featured.len()));
    }
    for (i, slug) in featured.iter().enumerate() {
        if featured[..i].contains(slug) {
            problem(format!("featured nomme « {slug} » deux fois"));
        } else if !services.iter().any(|s| &s.value.slug == slug) {
            problem(format!(
                "featured nomme « {slug} », qui n'est pas un service de la ville (services/<slug>.toml)"
            ));
        }
    }
}

fn check_city(city: &Source<City>, problems: &mut Vec<Problem>) {
    let c = &city.value;
    let mut required = |table: Option<&str>, key: &str, value: &str| {
        if value.trim().is_empty() {
            problems.push(missing_text(city, table, key));
        }
    };
    required(None, "name", &c.name);
    required(None, "short_name", &c.short_name);
    required(None, "logo", &c.logo);
    required(None, "logo_alt", &c.logo_alt);
    required(Some("contact"), "address", &c.contact.address);
    required(Some("contact"), "phone", &c.contact.phone);
    required(Some("contact"), "email", &c.contact.email);
    required(Some("contact"), "hours", &c.contact.hours);
    if let Some(signature) = &c.emails.signature {
        required(Some("emails"), "signature", signature);
    }
    if let Some(name) = &c.emails.sender_name {
        required(Some("emails"), "sender_name", name);
        if name.contains(['\n', '<', '>', '"']) {
            problems.push(Problem {
                file: city.path.clone(),
                line: line_of(&city.text, Some("emails"), "sender_name"),
                message: format!(
                    "sender_name « {name} » : un nom sur une ligne, sans < > ni guillemets (l'adresse d'envoi est celle du déploiement)"
                ),
            });
        }
    }
    for (key, value) in [
        ("primary", &c.colours.primary),
        ("on_primary", &c.colours.on_primary),
        ("accent", &c.colours.accent),
    ] {
        if !is_hex_colour(value) {
            problems.push(Problem {
                file: city.path.clone(),
                line: line_of(&city.text, Some("colours"), key),
                message: format!(
                    "couleur « {value} » ({key}) : écrivez-la sous la forme #rrggbb, par exemple #1d4f91"
                ),
            });
        }
    }
    let mut malformed = |table: Option<&str>, key: &str, message: String| {
        problems.push(Problem { file: city.path.clone(), line: line_of(&city.text, table, key), message });
    };
    if !c.contact.email.trim().is_empty() && !is_email_address(&c.contact.email) {
        malformed(
            Some("contact"),
            "email",
            format!("« {} » n'est pas une adresse électronique (nom@domaine.fr)", c.contact.email),
        );
    }
    if !c.logo.trim().is_empty() && !is_site_path_or_web_address(&c.logo) {
        malformed(
            None,
            "logo",
            format!(
                "logo « {} » : donnez un chemin du site (/city/logo.svg) ou une adresse https://",
                c.logo
            ),
        );
    }
    // The time zone is checked as it is read (`CityTimeZone`).
    check_links(city, &c.links, problems);
}

/// An address of the form `name@domain.tld`, one line, no display name.
fn is_email_address(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else { return false };
    let allowed = |c: char| !c.is_whitespace() && !c.is_control() && !"<>()[],;:\\\"@".contains(c);
    !local.is_empty()
        && local.chars().all(allowed)
        && domain.split('.').count() >= 2
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_alphanumeric() || c == '-'))
}

/// A path on the portal's own site (`/city/…`) or an `https://` address,
/// without spaces: what a page may load an image from.
fn is_site_path_or_web_address(value: &str) -> bool {
    let web = value.strip_prefix("https://").is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    let path = value.starts_with('/') && !value.starts_with("//");
    (web || path) && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_categories(categories: &Source<CategoriesFile>, problems: &mut Vec<Problem>) {
    if categories.value.category.is_empty() {
        problems.push(Problem {
            file: categories.path.clone(),
            line: None,
            message: "aucune catégorie : ajoutez au moins un [[category]]".into(),
        });
    }
    let mut seen = HashMap::new();
    for category in &categories.value.category {
        let line = line_of_entry(&categories.text, "category", &category.slug);
        let mut problem =
            |message: String| problems.push(Problem { file: categories.path.clone(), line, message });
        if !is_valid_slug(&category.slug) {
            problem(format!("slug « {} » : {SLUG_RULE}", category.slug));
        }
        if seen.insert(category.slug.as_str(), ()).is_some() {
            problem(format!("slug de catégorie « {} » en double", category.slug));
        }
        if category.title.trim().is_empty() {
            problem(format!(
                "texte manquant : le titre (title) de la catégorie « {} » est vide",
                category.slug
            ));
        }
        if category.description.trim().is_empty() {
            problem(format!(
                "texte manquant : la description (description) de la catégorie « {} » est vide",
                category.slug
            ));
        }
    }
}

fn check_service(service: &Source<Service>, categories: Option<&[&str]>, problems: &mut Vec<Problem>) {
    let s = &service.value;
    let stem = service.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if !is_valid_slug(&s.slug) {
        problems.push(Problem {
            file: service.path.clone(),
            line: line_of(&service.text, None, "slug"),
            message: format!("slug « {} » : {SLUG_RULE}", s.slug),
        });
    } else if stem != s.slug {
        problems.push(Problem {
            file: service.path.clone(),
            line: line_of(&service.text, None, "slug"),
            message: format!(
                "le slug « {} » diffère du nom du fichier : nommez le fichier {}.toml",
                s.slug, s.slug
            ),
        });
    }
    if let Some(categories) = categories
        && !categories.contains(&s.category.as_str())
    {
        problems.push(Problem {
            file: service.path.clone(),
            line: line_of(&service.text, None, "category"),
            message: format!("catégorie inconnue « {} » (connues : {})", s.category, categories.join(", ")),
        });
    }
    let p = &s.presentation;
    let texts = [
        (None, "title", &s.title),
        (None, "summary", &s.summary),
        (Some("presentation"), "purpose", &p.purpose),
        (Some("presentation"), "audience", &p.audience),
        (Some("presentation"), "conditions", &p.conditions),
        (Some("presentation"), "process", &p.process),
        (Some("presentation"), "delay", &p.delay),
        (Some("presentation"), "cost", &p.cost),
    ];
    for (table, key, value) in texts {
        if value.trim().is_empty() {
            problems.push(missing_text(service, table, key));
        }
    }
    let headed = |header: &str, empty: bool, what: &str, problems: &mut Vec<Problem>| {
        if empty {
            problems.push(Problem {
                file: service.path.clone(),
                line: line_of_header(&service.text, "presentation"),
                message: format!("la présentation a besoin d'au moins un [[presentation.{header}]] ({what})"),
            });
        }
    };
    headed("steps", p.steps.is_empty(), "les étapes du traitement de la demande", problems);
    headed(
        "channels",
        p.channels.is_empty(),
        "une autre façon de faire la démarche : kind = counter, phone, post ou email",
        problems,
    );
    let entries = p
        .steps
        .iter()
        .map(|e| ("steps", [("title", &e.title), ("description", &e.description)]))
        .chain(
            p.documents.iter().map(|e| ("documents", [("title", &e.title), ("description", &e.description)])),
        )
        .chain(p.channels.iter().map(|e| ("channels", [("label", &e.label), ("details", &e.details)])));
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (array, fields) in entries {
        let n = index.entry(array).or_default();
        for (key, value) in fields {
            if value.trim().is_empty() {
                problems.push(Problem {
                    file: service.path.clone(),
                    line: line_of_array_entry(&service.text, &format!("presentation.{array}"), *n),
                    message: format!(
                        "texte manquant : « {key} » du [[presentation.{array}]] n° {} est vide",
                        *n + 1
                    ),
                });
            }
        }
        *n += 1;
    }
    if let Some(n) = p.documents.iter().position(|d| d.when.as_ref().is_some_and(|w| w.trim().is_empty())) {
        problems.push(Problem {
            file: service.path.clone(),
            line: line_of_array_entry(&service.text, "presentation.documents", n),
            message: "« when » est vide : retirez-le si le document est toujours demandé".into(),
        });
    }
    check_links(service, &p.links, problems);
    if let Some(form) = &s.form {
        check_form(service, form, problems);
    }
    if let Some(open311) = &s.open311 {
        for message in open311.problems(s.form.as_ref()) {
            problems.push(Problem {
                file: service.path.clone(),
                line: line_of_header(&service.text, "open311"),
                message,
            });
        }
    }
}

/// Open311 apps name a service by its code alone: two services offering
/// the same one would make a report's service ambiguous.
fn check_open311_codes(services: &[Source<Service>], problems: &mut Vec<Problem>) {
    let mut seen: HashMap<String, &Path> = HashMap::new();
    for service in services {
        let Some(open311) = &service.value.open311 else { continue };
        for offer in open311.offers(&service.value) {
            if let Some(first) = seen.insert(offer.code.clone(), &service.path) {
                problems.push(Problem {
                    file: service.path.clone(),
                    line: line_of_header(&service.text, "open311"),
                    message: format!(
                        "code Open311 « {} » en double : {} l'offre déjà",
                        offer.code,
                        first.display()
                    ),
                });
            }
        }
    }
}

/// Every problem of the service's form, at the line of what it is about.
fn check_form(service: &Source<Service>, form: &Form, problems: &mut Vec<Problem>) {
    let form_problems = form.problems();
    if form_problems.is_empty() {
        return;
    }
    // The file already parsed once, so it parses again; spans locate paths
    // however the city wrote them (headers, inline tables, dotted keys).
    let document = toml::de::DeTable::parse(&service.text).ok();
    for problem in form_problems {
        problems.push(Problem {
            file: service.path.clone(),
            line: document.as_ref().map(|d| line_at(&service.text, span_of_path(d, &problem.path))),
            message: problem.to_string(),
        });
    }
}

/// Byte offset of the deepest part of `path` (`form.pages[1].fields[0].when`)
/// the document has: the key itself, or the table it is missing from.
fn span_of_path(document: &toml::Spanned<toml::de::DeTable>, path: &str) -> usize {
    let mut steps = path.split('.').flat_map(|part| {
        let mut pieces = part.split('[');
        let key = pieces.next().map(Step::Key);
        key.into_iter().chain(pieces.filter_map(|i| i.trim_end_matches(']').parse().ok().map(Step::Index)))
    });
    let Some(mut current) = steps.next().and_then(|step| match step {
        Step::Key(key) => document.get_ref().get(key),
        Step::Index(_) => None,
    }) else {
        return document.span().start;
    };
    for step in steps {
        let next = match step {
            Step::Key(key) => current.get_ref().get(key),
            Step::Index(index) => current.get_ref().get(index),
        };
        match next {
            Some(next) => current = next,
            None => break,
        }
    }
    current.span().start
}

enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

fn check_links<T>(source: &Source<T>, links: &[Link], problems: &mut Vec<Problem>) {
    for link in links {
        let is_web = link.url.starts_with("https://") || link.url.starts_with("http://");
        if !is_web || link.label.trim().is_empty() || link.url.chars().any(char::is_whitespace) {
            problems.push(Problem {
                file: source.path.clone(),
                line: source.text.lines().position(|l| l.contains(&link.url)).map(|i| i + 1),
                message: format!(
                    "lien « {} » : il faut un libellé (label) et une adresse http(s) sans espace",
                    link.url
                ),
            });
        }
    }
}

fn missing_text<T>(source: &Source<T>, table: Option<&str>, key: &str) -> Problem {
    let qualified = table.map_or(key.to_owned(), |t| format!("{t}.{key}"));
    Problem {
        file: source.path.clone(),
        line: line_of(&source.text, table, key)
            .or_else(|| table.and_then(|t| line_of_header(&source.text, t))),
        message: format!("texte manquant : « {qualified} » est vide"),
    }
}

/// What a slug may hold, for the problems that name one.
const SLUG_RULE: &str = "minuscules sans accent, chiffres et tirets seulement (par exemple etat-civil)";

/// An error reading a file or folder, in French (the system says it in English).
fn io_error_in_french(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "il n'existe pas".to_owned(),
        ErrorKind::PermissionDenied => "lecture non autorisée".to_owned(),
        ErrorKind::InvalidData => "il n'est pas en UTF-8".to_owned(),
        ErrorKind::IsADirectory => "c'est un dossier".to_owned(),
        ErrorKind::NotADirectory => "ce n'est pas un dossier".to_owned(),
        _ => format!("erreur du système ({error})"),
    }
}

fn is_hex_colour(value: &str) -> bool {
    value.len() == 7 && value.starts_with('#') && value[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// 1-based line of a byte offset.
fn line_at(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The table each line belongs to (`None` before any header), with its text.
fn lines_with_tables(text: &str) -> impl Iterator<Item = (usize, Option<String>, &str)> {
    let mut table: Option<String> = None;
    text.lines().enumerate().map(move |(i, line)| {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            table = Some(trimmed.trim_matches(|c| c == '[' || c == ']').trim().to_owned());
        }
        (i + 1, table.clone(), line)
    })
}

fn defines_key(line: &str, key: &str) -> bool {
    line.trim_start().strip_prefix(key).is_some_and(|rest| rest.trim_start().starts_with('='))
}

/// Line where `key` is set in `table` (`None`: at the top level).
fn line_of(text: &str, table: Option<&str>, key: &str) -> Option<usize> {
    lines_with_tables(text)
        .find(|(_, t, line)| t.as_deref() == table && defines_key(line, key))
        .map(|(n, ..)| n)
}

fn line_of_header(text: &str, table: &str) -> Option<usize> {
    text.lines().position(|l| l.trim().trim_matches(|c| c == '[' || c == ']').trim() == table).map(|i| i + 1)
}

/// Line of the `n`-th (0-based) `[[array]]` header.
fn line_of_array_entry(text: &str, array: &str, n: usize) -> Option<usize> {
    let header = format!("[[{array}]]");
    text.lines().enumerate().filter(|(_, l)| l.trim() == header).nth(n).map(|(i, _)| i + 1)
}

/// Line of a domain problem's `[[array]]` entry, if it has one.
fn entry_line<T>(source: &Source<T>, entry: Option<(&str, usize)>) -> Option<usize> {
    entry.and_then(|(array, n)| line_of_array_entry(&source.text, array, n))
}

/// Line of the `slug = "<slug>"` of an `[[array]]` entry.
fn line_of_entry(text: &str, array: &str, slug: &str) -> Option<usize> {
    lines_with_tables(text)
        .find(|(_, t, line)| {
            t.as_deref() == Some(array) && defines_key(line, "slug") && line.contains(&format!("\"{slug}\""))
        })
        .map(|(n, ..)| n)
}

mod parser_messages;

#[cfg(test)]
mod tests;

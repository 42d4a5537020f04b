//! The structural checks of a form that `portal catalogue check` reports
//! (the list ends `docs/forms.md`), so that a broken form never reaches a
//! citizen.

use super::{Bound, Field, FieldKind, Form, Prefill, validate};
use crate::attachment::{Format, MAX_MEGABYTES};
use crate::condition::{Answers, Condition, parse_date};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Past this many combinations of answers, "can this condition ever hold?"
/// is not tried (and the condition is assumed to be able to).
const MAX_COMBINATIONS: usize = 4096;

/// The most files a city file may allow in one request.
const MAX_REQUEST_FILES: u32 = 50;

/// One problem in a form: where (`form.pages[1].fields[0].when`) and what,
/// in French for the city's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub path: String,
    pub message: String,
}

impl fmt::Display for FormProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl Form {
    /// Every structural problem of the form, in the form's order.
    pub fn problems(&self) -> Vec<FormProblem> {
        let mut checker = Checker::new(self);
        checker.run();
        checker.problems
    }
}

/// Where a top-level field sits.
struct Place<'a> {
    field: &'a Field,
    page: usize,
    position: usize,
}

/// What a condition belongs to, which decides the fields it may read.
#[derive(Clone, Copy)]
enum Owner<'a> {
    /// A page's condition reads fields of earlier pages.
    Page(usize),
    /// A field's condition reads fields before it.
    Field { id: &'a str, page: usize, position: usize },
    /// A document's condition reads any field.
    Document,
}

struct Checker<'a> {
    form: &'a Form,
    /// Top-level fields by id (the first, when an id is used twice).
    fields: HashMap<&'a str, Place<'a>>,
    /// The group holding each sub-field.
    groups: HashMap<&'a str, &'a str>,
    problems: Vec<FormProblem>,
}

impl<'a> Checker<'a> {
    fn new(form: &'a Form) -> Self {
        let mut fields = HashMap::new();
        let mut groups = HashMap::new();
        for (page, p) in form.pages.iter().enumerate() {
            for (position, field) in p.fields.iter().enumerate() {
                fields.entry(field.id.as_str()).or_insert(Place { field, page, position });
                for sub in &field.fields {
                    groups.entry(sub.id.as_str()).or_insert(field.id.as_str());
                }
            }
        }
        Checker { form, fields, groups, problems: Vec::new() }
    }

    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(FormProblem { path: path.into(), message: message.into() });
    }

    fn run(&mut self) {
        let form = self.form;
        if form.version == 0 {
            self.problem(
                "form.version",
                "la version est un entier positif : 1, puis 2 à la modification suivante…",
            );
        }
        if form.pages.is_empty() {
            self.problem("form.pages", "le formulaire n'a aucune page : ajoutez au moins un [[form.pages]]");
        }
        let mut page_ids = HashMap::new();
        let mut field_ids = HashMap::new();
        for (p, page) in form.pages.iter().enumerate() {
            let path = format!("form.pages[{p}]");
            self.id(&path, &page.id, &mut page_ids);
            if page.title.trim().is_empty() {
                self.problem(format!("{path}.title"), "le titre de la page est vide");
            }
            if page.fields.is_empty() {
                self.problem(format!("{path}.fields"), "la page n'a aucun champ");
            }
            if let Some(when) = &page.when {
                self.condition(&format!("{path}.when"), when, Owner::Page(p));
            }
            for (position, field) in page.fields.iter().enumerate() {
                let path = format!("{path}.fields[{position}]");
                self.field(&path, field, &mut field_ids);
                if let Some(when) = &field.when {
                    let owner = Owner::Field { id: &field.id, page: p, position };
                    self.condition(&format!("{path}.when"), when, owner);
                }
            }
        }
        let mut document_ids = HashMap::new();
        for (d, document) in form.documents.iter().enumerate() {
            let path = format!("form.documents[{d}]");
            self.id(&path, &document.id, &mut document_ids);
            if document.title.trim().is_empty() {
                self.problem(format!("{path}.title"), "le titre du document est vide");
            }
            if document.description.trim().is_empty() {
                self.problem(format!("{path}.description"), "la description du document est vide");
            }
            if let Some(when) = &document.when {
                self.condition(&format!("{path}.when"), when, Owner::Document);
            }
            if let Some(formats) = &document.formats {
                self.formats(&format!("{path}.formats"), formats);
            }
            let rules = form.file_rules();
            if let Some(size) = document.max_megabytes {
                let max = rules.max_megabytes_per_request.min(MAX_MEGABYTES);
                self.megabytes(&format!("{path}.max_megabytes"), size, max);
            }
            if let Some(count) = document.max_files
                && !(1..=rules.max_files_per_request).contains(&count)
            {
                self.problem(
                    format!("{path}.max_files"),
                    format!(
                        "max_files vaut {count} : de 1 à max_files_per_request ({})",
                        rules.max_files_per_request
                    ),
                );
            }
        }
        if let Some(rules) = &form.files {
            self.formats("form.files.formats", &rules.formats);
            let max = rules.max_megabytes_per_request.min(MAX_MEGABYTES);
            self.megabytes("form.files.max_megabytes", rules.max_megabytes, max);
            let max = MAX_MEGABYTES * MAX_REQUEST_FILES;
            self.megabytes("form.files.max_megabytes_per_request", rules.max_megabytes_per_request, max);
            if rules.max_files_per_request == 0 || rules.max_files_per_request > MAX_REQUEST_FILES {
                self.problem(
                    "form.files.max_files_per_request".to_owned(),
                    format!("max_files_per_request doit aller de 1 à {MAX_REQUEST_FILES}"),
                );
            }
        }
    }

    fn formats(&mut self, path: &str, formats: &[Format]) {
        if formats.is_empty() {
            self.problem(path.to_owned(), "aucun format accepté : indiquez pdf, jpeg ou png");
        }
    }

    /// A size limit in megabytes: from 1 to `max`.
    fn megabytes(&mut self, path: &str, value: u32, max: u32) {
        if value == 0 || value > max {
            self.problem(path.to_owned(), format!("{value} Mo : la limite doit aller de 1 à {max} Mo"));
        }
    }

    /// An id's shape and uniqueness among `seen` (id -> path of its first use).
    fn id(&mut self, path: &str, id: &'a str, seen: &mut HashMap<&'a str, String>) {
        if !is_valid_id(id) {
            self.problem(
                format!("{path}.id"),
                format!("l'identifiant « {id} » doit être en minuscules sans accent : [a-z][a-z0-9_]*"),
            );
        }
        if let Some(first) = seen.get(id) {
            self.problem(
                format!("{path}.id"),
                format!("l'identifiant « {id} » est déjà utilisé par {first}"),
            );
        } else {
            seen.insert(id, path.to_owned());
        }
    }

    fn field(&mut self, path: &str, field: &'a Field, ids: &mut HashMap<&'a str, String>) {
        self.id(path, &field.id, ids);
        let kind = field.kind;
        if field.label.trim().is_empty() {
            self.problem(format!("{path}.label"), "le champ n'a pas de libellé (label)");
        }
        if field.help.trim().is_empty() {
            self.problem(format!("{path}.help"), "le champ n'a pas de texte d'aide (help)");
        }
        // Each constraint, whether it is set, and the types it applies to.
        let rule = |present: bool, name: &'static str, kinds: &'static [FieldKind]| (present, name, kinds);
        use FieldKind::*;
        for (present, name, kinds) in [
            rule(!field.options.is_empty(), "options", &[Choice, Choices]),
            rule(field.min_length.is_some(), "min_length", &[Text, Textarea]),
            rule(field.max_length.is_some(), "max_length", &[Text, Textarea]),
            rule(field.pattern.is_some(), "pattern", &[Text]),
            rule(field.pattern_message.is_some(), "pattern_message", &[Text]),
            rule(field.min.is_some(), "min", &[Number, Date]),
            rule(field.max.is_some(), "max", &[Number, Date]),
            rule(field.integer, "integer", &[Number]),
            rule(field.date.is_some(), "date", &[Date]),
            rule(field.min_items.is_some(), "min_items", &[Choices, Group]),
            rule(field.max_items.is_some(), "max_items", &[Choices, Group]),
            rule(!field.fields.is_empty(), "fields", &[Group]),
        ] {
            if present && !kinds.contains(&kind) {
                self.problem(
                    format!("{path}.{name}"),
                    format!("« {name} » ne s'applique pas à un champ de type {}", kind.name()),
                );
            }
        }
        if matches!(kind, Choice | Choices) {
            self.options(path, field);
        }
        if let Some(prefill) = field.prefill {
            let (name, fits) = match prefill {
                Prefill::Name => ("name", Text),
                Prefill::Email => ("email", Email),
                Prefill::Phone => ("phone", Phone),
                Prefill::Address => ("address", Address),
            };
            if kind != fits {
                self.problem(
                    format!("{path}.prefill"),
                    format!(
                        "prefill = \"{name}\" remplit un champ de type {}, pas {}",
                        fits.name(),
                        kind.name()
                    ),
                );
            }
        }
        self.limits(path, field);
        if kind == Group {
            if field.fields.is_empty() {
                self.problem(
                    format!("{path}.fields"),
                    "un groupe a au moins un champ : ajoutez ses « fields »",
                );
            }
            for (s, sub) in field.fields.iter().enumerate() {
                let sub_path = format!("{path}.fields[{s}]");
                if sub.kind == Group {
                    self.problem(format!("{sub_path}.type"), "un groupe ne peut pas contenir d'autre groupe");
                }
                if sub.when.is_some() {
                    self.problem(format!("{sub_path}.when"), "les champs d'un groupe n'ont pas de condition");
                }
                self.field(&sub_path, sub, ids);
            }
        }
    }

    fn options(&mut self, path: &str, field: &Field) {
        if field.options.is_empty() {
            self.problem(
                format!("{path}.options"),
                format!("un champ de type {} propose des « options »", field.kind.name()),
            );
        }
        let mut seen = HashSet::new();
        for (o, option) in field.options.iter().enumerate() {
            if option.value.trim().is_empty() || option.label.trim().is_empty() {
                self.problem(
                    format!("{path}.options[{o}]"),
                    "une option a une valeur (value) et un libellé (label)",
                );
            }
            if !seen.insert(option.value.as_str()) {
                self.problem(
                    format!("{path}.options[{o}].value"),
                    format!("la valeur « {} » est proposée deux fois", option.value),
                );
            }
        }
    }

    /// Patterns that compile, bounds of the field's type, minimums not above maximums.
    fn limits(&mut self, path: &str, field: &Field) {
        if let Some(pattern) = &field.pattern
            && let Err(error) = regex_lite::Regex::new(&format!("^(?:{pattern})$"))
        {
            self.problem(format!("{path}.pattern"), format!("expression régulière invalide : {error}"));
        }
        if field.pattern_message.is_some() && field.pattern.is_none() {
            self.problem(format!("{path}.pattern_message"), "« pattern_message » accompagne un « pattern »");
        }
        let bound_fits = |bound: &Bound| match (field.kind, bound) {
            (FieldKind::Number, Bound::Number(_)) | (FieldKind::Date, Bound::Date(_)) => true,
            (FieldKind::Number | FieldKind::Date, _) => false,
            // Already reported as not applying to this type.
            _ => true,
        };
        for (name, bound) in [("min", &field.min), ("max", &field.max)] {
            if let Some(bound) = bound.as_ref().filter(|b| !bound_fits(b)) {
                let wanted =
                    if matches!(bound, Bound::Number(_)) { "une date \"AAAA-MM-JJ\"" } else { "un nombre" };
                self.problem(
                    format!("{path}.{name}"),
                    format!("pour un champ de type {}, « {name} » est {wanted}", field.kind.name()),
                );
            }
        }
        let bounds_crossed = match (&field.min, &field.max) {
            (Some(Bound::Number(min)), Some(Bound::Number(max))) => min.as_f64() > max.as_f64(),
            (Some(Bound::Date(min)), Some(Bound::Date(max))) => min > max,
            _ => false,
        };
        if bounds_crossed {
            self.problem(format!("{path}.min"), "« min » est au-dessus de « max »");
        }
        let max_length =
            matches!(field.kind, FieldKind::Text | FieldKind::Textarea).then(|| validate::max_length(field));
        if let (Some(min), Some(max)) = (field.min_length, max_length)
            && min > max
        {
            self.problem(
                format!("{path}.min_length"),
                format!("« min_length » ({min}) dépasse la longueur maximale ({max})"),
            );
        }
        let max_items = match field.kind {
            FieldKind::Choices => Some(field.max_items.unwrap_or(u32::MAX).min(field.options.len() as u32)),
            FieldKind::Group => Some(field.max_items.unwrap_or(validate::GROUP_MAX_ITEMS)),
            _ => None,
        };
        if let (Some(min), Some(max)) = (field.min_items, max_items)
            && min > max
        {
            self.problem(
                format!("{path}.min_items"),
                format!("« min_items » ({min}) dépasse le nombre maximal de réponses ({max})"),
            );
        }
    }

    fn condition(&mut self, path: &str, condition: &Condition, owner: Owner) {
        let before = self.problems.len();
        for leaf in leaves(condition) {
            self.leaf(path, leaf, owner);
        }
        // A condition already wrong would also look unable to hold: say it once.
        if self.problems.len() == before && !self.can_hold(condition) {
            let what = match owner {
                Owner::Page(_) => "cette page ne peut jamais s'afficher",
                Owner::Field { .. } => "ce champ ne peut jamais s'afficher",
                Owner::Document => "ce document ne peut jamais être demandé",
            };
            self.problem(path, format!("{what} : aucune réponse ne rend sa condition vraie"));
        }
    }

    fn leaf(&mut self, path: &str, leaf: &Condition, owner: Owner) {
        let Some(id) = leaf.fields().into_iter().next() else { return };
        let Some(place) = self.fields.get(id) else {
            let message = match self.groups.get(id) {
                Some(group) => format!(
                    "la condition porte sur « {id} », un champ du groupe « {group} » : elle ne peut lire que des champs hors groupe"
                ),
                None => format!("la condition porte sur un champ inconnu « {id} »"),
            };
            return self.problem(path, message);
        };
        let field = place.field;
        let message = match owner {
            Owner::Field { id: own, .. } if own == id => {
                Some(format!("la condition du champ « {id} » porte sur lui-même"))
            }
            Owner::Page(page) if place.page >= page => {
                Some(format!("la condition porte sur « {id} », qui n'est pas sur une page précédente"))
            }
            Owner::Field { page, position, .. } if (place.page, place.position) > (page, position) => {
                Some(format!("la condition porte sur « {id} », qui vient après ce champ"))
            }
            _ => value_problem(leaf, field),
        };
        if let Some(message) = message {
            self.problem(path, message);
        }
    }

    /// Whether some answers to the choice and yes/no fields the condition
    /// reads make it hold. Tries every combination (each option, and no
    /// answer); a field whose answers cannot be listed (text, number...)
    /// leaves its parts undecided, which can hold.
    fn can_hold(&self, condition: &Condition) -> bool {
        let mut ids = condition.fields();
        ids.sort_unstable();
        ids.dedup();
        let domains: Vec<(&str, Vec<Option<Value>>)> =
            ids.into_iter().filter_map(|id| Some((id, answers_of(self.fields.get(id)?.field)?))).collect();
        let combinations = domains
            .iter()
            .try_fold(1usize, |n, (_, d)| n.checked_mul(d.len()).filter(|n| *n <= MAX_COMBINATIONS));
        let Some(combinations) = combinations else {
            return true;
        };
        let listed: HashSet<&str> = domains.iter().map(|(id, _)| *id).collect();
        (0..combinations).any(|mut n| {
            let mut answers = Answers::new();
            for (id, domain) in &domains {
                if let Some(answer) = &domain[n % domain.len()] {
                    answers.insert((*id).to_owned(), answer.clone());
                }
                n /= domain.len();
            }
            may_hold(condition, &answers, &listed) != Some(false)
        })
    }
}

/// Every possible answer of a field (`None`: no answer), when they can be listed.
fn answers_of(field: &Field) -> Option<Vec<Option<Value>>> {
    let values = || field.options.iter().map(|o| Value::String(o.value.clone()));
    match field.kind {
        // Reported on the field; trying only "no answer" would cascade.
        FieldKind::Choice | FieldKind::Choices if field.options.is_empty() => None,
        FieldKind::Yesno => Some(vec![None, Some(Value::Bool(true)), Some(Value::Bool(false))]),
        FieldKind::Choice => Some(std::iter::once(None).chain(values().map(Some)).collect()),
        // Every subset; the empty one is no answer.
        FieldKind::Choices if 1usize.checked_shl(field.options.len() as u32)? <= MAX_COMBINATIONS => {
            let options: Vec<Value> = values().collect();
            Some(
                (0..1usize << options.len())
                    .map(|set| {
                        let chosen: Vec<Value> = options
                            .iter()
                            .enumerate()
                            .filter(|(i, _)| set & (1 << i) != 0)
                            .map(|(_, v)| v.clone())
                            .collect();
                        (!chosen.is_empty()).then_some(Value::Array(chosen))
                    })
                    .collect(),
            )
        }
        _ => None,
    }
}

/// Three-valued evaluation: `None` when the answer depends on fields not in
/// `listed`.
fn may_hold(condition: &Condition, answers: &Answers, listed: &HashSet<&str>) -> Option<bool> {
    match condition {
        Condition::All(conditions) => {
            let results: Vec<_> = conditions.iter().map(|c| may_hold(c, answers, listed)).collect();
            if results.contains(&Some(false)) {
                Some(false)
            } else {
                results.iter().all(Option::is_some).then_some(true)
            }
        }
        Condition::Any(conditions) => {
            let results: Vec<_> = conditions.iter().map(|c| may_hold(c, answers, listed)).collect();
            if results.contains(&Some(true)) {
                Some(true)
            } else {
                results.iter().all(Option::is_some).then_some(false)
            }
        }
        Condition::Not(condition) => may_hold(condition, answers, listed).map(|holds| !holds),
        leaf => leaf.fields().iter().all(|id| listed.contains(id)).then(|| leaf.holds(answers)),
    }
}

/// The comparisons of a condition (everything but all, any and not).
fn leaves(condition: &Condition) -> Vec<&Condition> {
    match condition {
        Condition::All(conditions) | Condition::Any(conditions) => {
            conditions.iter().flat_map(leaves).collect()
        }
        Condition::Not(condition) => leaves(condition),
        leaf => vec![leaf],
    }
}

/// A value the field's answers can never equal, or an operator its answers
/// never satisfy.
fn value_problem(leaf: &Condition, field: &Field) -> Option<String> {
    let id = &field.id;
    let kind = field.kind;
    if matches!(kind, FieldKind::Choice | FieldKind::Choices) && field.options.is_empty() {
        // The missing options are reported on the field: no cascade here.
        return None;
    }
    let is_option = |v: &Value| v.as_str().is_some_and(|v| field.options.iter().any(|o| o.value == v));
    let fits = |v: &Value| match kind {
        FieldKind::Choice => is_option(v),
        FieldKind::Yesno => v.is_boolean(),
        FieldKind::Number => v.is_number(),
        FieldKind::Date => v.as_str().is_some_and(|s| parse_date(s).is_some()),
        FieldKind::Text | FieldKind::Textarea | FieldKind::Email | FieldKind::Phone => v.is_string(),
        FieldKind::Choices | FieldKind::Address | FieldKind::Group => false,
    };
    let values: Vec<&Value> = match leaf {
        Condition::Equals { value, .. } | Condition::NotEquals { value, .. } => vec![value],
        Condition::In { values, .. } => values.iter().collect(),
        Condition::Contains { value, .. } => {
            return if kind != FieldKind::Choices {
                Some(format!(
                    "« contains » s'applique à un champ de type choices, « {id} » est de type {}",
                    kind.name()
                ))
            } else if !is_option(value) {
                Some(format!("{value} n'est pas une des options de « {id} »"))
            } else {
                None
            };
        }
        Condition::Compare { op, value, .. } => {
            let fits = match kind {
                FieldKind::Number => value.is_number(),
                FieldKind::Date => value.is_string(),
                _ => false,
            };
            return (!fits).then(|| {
                format!(
                    "« {} » compare un champ number à un nombre ou un champ date à une date ; « {id} » est de type {}",
                    op.name(),
                    kind.name()
                )
            });
        }
        _ => return None,
    };
    let wrong = values.into_iter().find(|v| !fits(v))?;
    Some(match kind {
        FieldKind::Choice => format!("{wrong} n'est pas une des options de « {id} »"),
        FieldKind::Choices => format!("« {id} » est une liste de réponses : utilisez « contains »"),
        _ => format!("{wrong} ne peut pas être la réponse de « {id} », de type {}", kind.name()),
    })
}

/// `[a-z][a-z0-9_]*`: ids are keys of answers, of paths and of the site's
/// element ids.
fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests;

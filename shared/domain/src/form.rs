//! Forms as data (`docs/forms.md`): a service's pages, fields and supporting
//! documents, read from its city file and served as JSON to the browser, and
//! what the portal does with a citizen's answers: which pages and fields
//! show, which documents are needed, and whether the answers are valid.
//!
//! Visibility walks the form in order. A page shows when its condition holds
//! on the answers of the fields shown so far; a field shows when its page
//! shows and its own condition holds on those answers. A hidden field's
//! answer is left out before any later condition is evaluated, so a stale
//! answer can never make something appear.
//!
//! Strings are trimmed before anything else, so what is stored (trimmed) is
//! evaluated exactly as what was checked.

mod check;
mod summary;
mod validate;

use crate::attachment::{DocumentRules, FileRules, Format, megabytes};
pub use crate::condition::Answers;
use crate::condition::{Condition, is_missing, parse_date};
use crate::text;
pub use check::FormProblem;
use jiff::civil::Date;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
pub use summary::{AnswerSummary, PageSummary};

/// A service's form, from the `[form]` section of its city file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Form {
    /// Raised whenever the form changes: a request keeps the version it was made with.
    pub version: u32,
    pub pages: Vec<Page>,
    /// Supporting documents, each with the case in which it is needed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<FormDocument>,
    /// Limits on the files of a request (`[form.files]`); the defaults of
    /// [`FileRules`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<FileRules>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub id: String,
    pub title: String,
    /// The page shows only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    pub fields: Vec<Field>,
}

/// One question. Which of the optional constraints apply depends on `kind`;
/// [`Form::problems`] reports those that do not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: FieldKind,
    // Label and help default to empty so that a missing one is reported by
    // `problems()` with every other problem, instead of stopping the parse.
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub help: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// The field shows only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// `choice` and `choices`: the answers offered.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ChoiceOption>,
    /// `text` and `textarea`, in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    /// `text` (default 200) and `textarea` (default 5000), in characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    /// `text`: a regular expression the whole answer must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// `text`: the message shown when the answer does not match `pattern`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern_message: Option<String>,
    /// `number`: a number; `date`: a date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Bound>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Bound>,
    /// `number`: only whole numbers.
    #[serde(default, skip_serializing_if = "is_false")]
    pub integer: bool,
    /// `date`: in the past or in the future (today is neither).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<DateRule>,
    /// `choices` and `group`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u32>,
    /// `choices` and `group` (default 10 items).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
    /// `group`: the questions asked for each item.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Filled in from the signed-in citizen's profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<Prefill>,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// The kinds of question, and so the shape of their answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// One line of text.
    Text,
    /// Several lines of text.
    Textarea,
    Number,
    /// `"YYYY-MM-DD"`.
    Date,
    Email,
    Phone,
    /// `{street, complement?, postcode, city, country?}`.
    Address,
    /// One value of `options`.
    Choice,
    /// An array of values of `options`, without duplicates.
    Choices,
    /// `true` or `false`.
    Yesno,
    /// An array of items, each an object keyed by the sub-fields' ids.
    Group,
}

impl FieldKind {
    /// The name city files write in `type`.
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Textarea => "textarea",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
            FieldKind::Address => "address",
            FieldKind::Choice => "choice",
            FieldKind::Choices => "choices",
            FieldKind::Yesno => "yesno",
            FieldKind::Group => "group",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    /// What the answer holds (and conditions compare with).
    pub value: String,
    /// What the citizen reads.
    pub label: String,
}

/// The `min` or `max` of a field: a number for `number` fields, a date for
/// `date` fields. Written `min = 18` or `min = "2000-01-01"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Bound {
    Number(serde_json::Number),
    Date(Date),
}

impl Serialize for Bound {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Bound::Number(number) => number.serialize(serializer),
            Bound::Date(date) => {
                serializer.serialize_str(&format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()))
            }
        }
    }
}

impl<'de> Deserialize<'de> for Bound {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BoundVisitor;
        impl serde::de::Visitor<'_> for BoundVisitor {
            type Value = Bound;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number, or a date in quotes: \"2024-01-31\"")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Bound, E> {
                Ok(Bound::Number(v.into()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Bound, E> {
                Ok(Bound::Number(v.into()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Bound, E> {
                serde_json::Number::from_f64(v)
                    .map(Bound::Number)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Float(v), &self))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Bound, E> {
                parse_date(v)
                    .map(Bound::Date)
                    .ok_or_else(|| E::invalid_value(serde::de::Unexpected::Str(v), &self))
            }
        }
        deserializer.deserialize_any(BoundVisitor)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DateRule {
    Past,
    Future,
}

/// What of the citizen's profile fills a field in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prefill {
    Name,
    Email,
    Phone,
    Address,
}

/// A supporting document, and the case in which it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDocument {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Needed only when this holds; always needed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    /// Accepted formats, when not those of `[form.files]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formats: Option<Vec<Format>>,
    /// Size limit of one file, when not that of `[form.files]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_megabytes: Option<u32>,
    /// How many files it accepts (2 for a recto and a verso); 1 when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<u32>,
}

/// An error in a citizen's answers. `field` is a path: `record_kind`,
/// `children[0].name`, `address.postcode`; `message` is for the citizen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// What the form looks like for some answers, and what is wrong with them.
#[derive(Debug, Clone, Serialize)]
pub struct Evaluation {
    pub form_version: u32,
    /// The visible pages, in order.
    pub pages: Vec<VisiblePage>,
    /// The documents these answers require.
    pub documents: Vec<FormDocument>,
    pub errors: Vec<FieldError>,
}

/// A visible page and the ids of its visible fields, in order.
#[derive(Debug, Clone, Serialize)]
pub struct VisiblePage {
    pub id: String,
    pub title: String,
    pub fields: Vec<String>,
}

/// Shown when an answer is needed and missing: what to do, in words that
/// fit the kind of field (the error summary names the field before it).
fn required(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text | FieldKind::Textarea => "Saisissez une réponse.",
        FieldKind::Number => "Saisissez un nombre.",
        FieldKind::Date => "Saisissez une date.",
        FieldKind::Email => "Saisissez une adresse électronique, par exemple nom@exemple.fr.",
        FieldKind::Phone => "Saisissez un numéro de téléphone.",
        FieldKind::Address => "Saisissez une adresse.",
        FieldKind::Choice | FieldKind::Yesno => "Choisissez une réponse.",
        FieldKind::Choices => "Cochez au moins une réponse.",
        FieldKind::Group => "Ajoutez au moins un élément.",
    }
}
/// Shown on an answer to a field the citizen's case hides.
const NOT_APPLICABLE: &str = "Cette question ne s'applique pas à votre demande.";
/// Shown on an answer to a field the form does not have.
const UNKNOWN: &str = "Question inconnue.";

/// The visible part of a form for some answers.
struct Walk<'a> {
    /// Visible pages (with their index in the form) and their visible fields.
    pages: Vec<(usize, &'a Page, Vec<&'a Field>)>,
    /// The answers of visible fields: what conditions see.
    answers: Answers,
}

impl Form {
    /// The page with this id.
    pub fn page(&self, id: &str) -> Option<&Page> {
        self.pages.iter().find(|p| p.id == id)
    }

    /// Visible pages and fields in order, the documents this case needs, and
    /// the errors of the answers given. "Required" errors only concern the
    /// visible pages up to and including `up_to_page` (all visible pages when
    /// `None`; none when no page has that id, which callers refuse first).
    /// Answers to hidden or unknown fields are ignored here.
    pub fn evaluate(&self, answers: &Answers, today: Date, up_to_page: Option<&str>) -> Evaluation {
        let answers = trimmed(answers);
        let walk = self.walk(&answers);
        let last_required = match up_to_page {
            None => Some(usize::MAX),
            Some(id) => self.pages.iter().position(|p| p.id == id),
        };
        let mut errors = Vec::new();
        for (index, _, fields) in &walk.pages {
            let check = validate::Check { today, require: last_required.is_some_and(|last| *index <= last) };
            for field in fields {
                check.field(field, &field.id, answers.get(&field.id), &mut errors);
            }
        }
        Evaluation {
            form_version: self.version,
            pages: walk
                .pages
                .iter()
                .map(|(_, page, fields)| VisiblePage {
                    id: page.id.clone(),
                    title: page.title.clone(),
                    fields: fields.iter().map(|f| f.id.clone()).collect(),
                })
                .collect(),
            documents: self.documents_for(&walk).into_iter().cloned().collect(),
            errors,
        }
    }

    /// The full check before submission: every visible required field
    /// answered, every answer valid, and no answer to a hidden or unknown
    /// field. Gives back the answers of the visible fields, strings trimmed,
    /// without the missing ones (`null`, `""`, `[]`).
    pub fn validate_submission(&self, answers: &Answers, today: Date) -> Result<Answers, Vec<FieldError>> {
        let answers = trimmed(answers);
        let walk = self.walk(&answers);
        let check = validate::Check { today, require: true };
        let mut errors = Vec::new();
        for field in walk.pages.iter().flat_map(|(_, _, fields)| fields) {
            check.field(field, &field.id, answers.get(&field.id), &mut errors);
        }
        for (id, answer) in &answers {
            if walk.answers.contains_key(id) {
                continue;
            }
            let message = match self.top_level_field(id) {
                None => UNKNOWN,
                // The site may send the empty value of a field it hid: that is no answer.
                Some(_) if is_missing(Some(answer)) => continue,
                Some(_) => NOT_APPLICABLE,
            };
            errors.push(FieldError { field: id.clone(), message: message.into() });
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(walk.answers.into_iter().filter(|(_, answer)| !is_missing(Some(answer))).collect())
    }

    /// The lenient check of a draft save: only unknown fields and size limits
    /// (strings over their maximum length, lists over their maximum count), so
    /// that a half-filled draft, or one holding answers the citizen may yet
    /// need when going back, still saves.
    pub fn check_draft(&self, answers: &Answers) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (id, answer) in &trimmed(answers) {
            match self.top_level_field(id) {
                Some(field) => validate::limits(field, id, answer, &mut errors),
                None => errors.push(FieldError { field: id.clone(), message: UNKNOWN.into() }),
            }
        }
        errors
    }

    /// The limits on a request's files.
    pub fn file_rules(&self) -> FileRules {
        self.files.clone().unwrap_or_default()
    }

    /// The document with this id.
    pub fn document(&self, id: &str) -> Option<&FormDocument> {
        self.documents.iter().find(|d| d.id == id)
    }

    /// What a file for `document` may be: its own rules, else the form's.
    pub fn document_rules(&self, document: &FormDocument) -> DocumentRules {
        let rules = self.file_rules();
        DocumentRules {
            formats: document.formats.clone().unwrap_or(rules.formats),
            max_bytes: megabytes(document.max_megabytes.unwrap_or(rules.max_megabytes)),
            max_files: document.max_files.unwrap_or(1),
        }
    }

    /// The documents these answers require, in the form's order.
    pub fn required_documents(&self, answers: &Answers) -> Vec<&FormDocument> {
        self.documents_for(&self.walk(&trimmed(answers)))
    }

    fn documents_for(&self, walk: &Walk) -> Vec<&FormDocument> {
        self.documents.iter().filter(|d| d.when.as_ref().is_none_or(|c| c.holds(&walk.answers))).collect()
    }

    fn top_level_field(&self, id: &str) -> Option<&Field> {
        self.pages.iter().flat_map(|p| &p.fields).find(|f| f.id == id)
    }

    fn walk(&self, answers: &Answers) -> Walk<'_> {
        let mut walk = Walk { pages: Vec::new(), answers: Answers::new() };
        for (index, page) in self.pages.iter().enumerate() {
            if !page.when.as_ref().is_none_or(|c| c.holds(&walk.answers)) {
                continue;
            }
            let mut fields = Vec::new();
            for field in &page.fields {
                if field.when.as_ref().is_none_or(|c| c.holds(&walk.answers)) {
                    if let Some(answer) = answers.get(&field.id) {
                        walk.answers.insert(field.id.clone(), answer.clone());
                    }
                    fields.push(field);
                }
            }
            walk.pages.push((index, page, fields));
        }
        walk
    }
}

/// The answers with every string, however deep, trimmed of what shows
/// nothing at its ends ([`text::trim_invisible`]: whitespace, zero-width and
/// bidirectional controls…).
fn trimmed(answers: &Answers) -> Answers {
    fn trim(value: &Value) -> Value {
        match value {
            Value::String(s) => Value::String(text::trim_invisible(s).to_owned()),
            Value::Array(items) => Value::Array(items.iter().map(trim).collect()),
            Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), trim(v))).collect()),
            other => other.clone(),
        }
    }
    answers.iter().map(|(k, v)| (k.clone(), trim(v))).collect()
}

#[cfg(test)]
mod tests;

//! A request's answers as people read them: page by page, each answer under
//! its question's label, choices by their labels, dates the French way.
//! What the citizen's follow-up page (and later the agents') shows.

use super::{Answers, Field, FieldKind, Form, trimmed};
use crate::condition::{is_missing, parse_date};
use serde::Serialize;
use serde_json::Value;

/// One page of answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageSummary {
    pub title: String,
    pub answers: Vec<AnswerSummary>,
}

/// One answer, as text (lines separated by `\n`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerSummary {
    pub field: String,
    pub label: String,
    pub value: String,
}

impl Form {
    /// The answers of the visible fields, page by page, in the form's order;
    /// missing answers and pages without any are left out.
    pub fn summary(&self, answers: &Answers) -> Vec<PageSummary> {
        let answers = trimmed(answers);
        self.walk(&answers)
            .pages
            .into_iter()
            .filter_map(|(_, page, fields)| {
                let answers: Vec<AnswerSummary> = fields
                    .into_iter()
                    .filter(|field| !is_missing(answers.get(&field.id)))
                    .map(|field| AnswerSummary {
                        field: field.id.clone(),
                        label: field.label.clone(),
                        value: text(field, &answers[&field.id]),
                    })
                    .collect();
                (!answers.is_empty()).then(|| PageSummary { title: page.title.clone(), answers })
            })
            .collect()
    }
}

/// An answer as text, by its field's type.
fn text(field: &Field, value: &Value) -> String {
    let option = |v: &Value| {
        let value = v.as_str().unwrap_or_default();
        field.options.iter().find(|o| o.value == value).map_or_else(|| value.to_owned(), |o| o.label.clone())
    };
    match (field.kind, value) {
        (FieldKind::Choice, v) => option(v),
        (FieldKind::Choices, Value::Array(items)) => items.iter().map(option).collect::<Vec<_>>().join(", "),
        (FieldKind::Yesno, Value::Bool(yes)) => if *yes { "Oui" } else { "Non" }.to_owned(),
        (FieldKind::Date, Value::String(date)) => {
            parse_date(date).map_or_else(|| date.clone(), |d| d.strftime("%d/%m/%Y").to_string())
        }
        (FieldKind::Address, Value::Object(address)) => {
            let part = |key: &str| address.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
            let town = format!("{} {}", part("postcode"), part("city"));
            [part("street"), part("complement"), town.trim().to_owned(), part("country")]
                .into_iter()
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        }
        (FieldKind::Group, Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let parts: Vec<String> = field
                    .fields
                    .iter()
                    .filter_map(|sub| {
                        let v = item.get(&sub.id).filter(|v| !is_missing(Some(v)))?;
                        Some(format!("{} : {}", sub.label, text(sub, v)))
                    })
                    .collect();
                format!("{}. {}", i + 1, parts.join(" ; "))
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        toml::from_str(
            r#"
version = 1
[[pages]]
id = "p"
title = "Vous"
[[pages.fields]]
id = "kind"
type = "choice"
label = "Acte"
help = "."
options = [{ value = "birth", label = "Naissance" }, { value = "death", label = "Décès" }]
[[pages.fields]]
id = "born"
type = "date"
label = "Né le"
help = "."
[[pages.fields]]
id = "urgent"
type = "yesno"
label = "Urgent"
help = "."
[[pages.fields]]
id = "home"
type = "address"
label = "Adresse"
help = "."
[[pages.fields]]
id = "items"
type = "group"
label = "Objets"
help = "."
[[pages.fields.fields]]
id = "what"
type = "text"
label = "Quoi"
help = "."
[[pages.fields.fields]]
id = "count"
type = "number"
label = "Combien"
help = "."
[[pages]]
id = "empty"
title = "Rien"
[[pages.fields]]
id = "note"
type = "textarea"
label = "Note"
help = "."
"#,
        )
        .unwrap()
    }

    #[test]
    fn answers_read_as_text_page_by_page() {
        let answers = serde_json::json!({
            "kind": "birth", "born": "1990-04-12", "urgent": false,
            "home": { "street": "3 rue des Lilas", "postcode": "41000", "city": "Belleval" },
            "items": [{ "what": "Canapé", "count": 1 }, { "what": "Matelas", "count": 2 }],
            "note": "  "
        });
        let summary = form().summary(answers.as_object().unwrap());
        assert_eq!(summary.len(), 1, "a page without answers is left out");
        let values: Vec<(&str, &str)> =
            summary[0].answers.iter().map(|a| (a.label.as_str(), a.value.as_str())).collect();
        assert_eq!(
            values,
            [
                ("Acte", "Naissance"),
                ("Né le", "12/04/1990"),
                ("Urgent", "Non"),
                ("Adresse", "3 rue des Lilas\n41000 Belleval"),
                ("Objets", "1. Quoi : Canapé ; Combien : 1\n2. Quoi : Matelas ; Combien : 2"),
            ]
        );
    }
}

//! The shared vectors of the condition language, of form visibility and of
//! what text shows nothing, which `static-site/js/conditions.js` and
//! `static-site/js/visible.js` also run (`tests/browser/conditions.test.mjs`):
//! both implementations must agree on every one.

use gru_domain::condition::{Answers, Condition};
use gru_domain::form::Form;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionVector {
    name: String,
    condition: Value,
    answers: Answers,
    holds: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormVector {
    name: String,
    form: Value,
    answers: Answers,
    visible: Visible,
    documents: Vec<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Visible {
    pages: Vec<String>,
    fields: Vec<String>,
}

fn vectors<T: for<'de> Deserialize<'de>>(file: &str) -> Vec<T> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Panics naming every failing vector, not only the first.
fn report(what: &str, failures: Vec<String>) {
    assert!(failures.is_empty(), "{} {what} vector(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn condition_vectors() {
    let vectors: Vec<ConditionVector> = vectors("conditions.json");
    assert!(vectors.len() >= 70, "only {} condition vectors", vectors.len());
    let failures = vectors
        .iter()
        .filter_map(|v| match serde_json::from_value::<Condition>(v.condition.clone()) {
            Err(e) => Some(format!("{:?}: the condition does not parse: {e}", v.name)),
            Ok(condition) if condition.holds(&v.answers) != v.holds => {
                Some(format!("{:?}: expected holds = {}", v.name, v.holds))
            }
            Ok(_) => None,
        })
        .collect();
    report("condition", failures);
}

#[test]
fn form_vectors() {
    let vectors: Vec<FormVector> = vectors("forms.json");
    assert!(vectors.len() >= 12, "only {} form vectors", vectors.len());
    let today = jiff::civil::date(2025, 1, 1);
    let failures = vectors
        .iter()
        .filter_map(|v| {
            let form = match serde_json::from_value::<Form>(v.form.clone()) {
                Ok(form) => form,
                Err(e) => return Some(format!("{:?}: the form does not parse: {e}", v.name)),
            };
            let evaluation = form.evaluate(&v.answers, today, None);
            let visible = Visible {
                pages: evaluation.pages.iter().map(|p| p.id.clone()).collect(),
                fields: evaluation.pages.iter().flat_map(|p| p.fields.clone()).collect(),
            };
            let documents: Vec<String> = evaluation.documents.iter().map(|d| d.id.clone()).collect();
            let required: Vec<String> =
                form.required_documents(&v.answers).iter().map(|d| d.id.clone()).collect();
            if visible != v.visible {
                Some(format!("{:?}: visible {visible:?}, expected {:?}", v.name, v.visible))
            } else if documents != v.documents || required != v.documents {
                Some(format!(
                    "{:?}: documents {documents:?} / {required:?}, expected {:?}",
                    v.name, v.documents
                ))
            } else {
                None
            }
        })
        .collect();
    report("form", failures);
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextVector {
    name: String,
    text: String,
    visible: bool,
    trimmed: String,
}

/// What shows nothing (`gru_domain::text`, `static-site/js/visible.js`):
/// each range's ends, alone and around a letter, and their neighbours.
#[test]
fn text_vectors() {
    use gru_domain::text::{has_visible, trim_invisible};
    let vectors: Vec<TextVector> = vectors("visible.json");
    assert!(vectors.len() >= 150, "only {} text vectors", vectors.len());
    let failures = vectors
        .iter()
        .filter_map(|v| {
            let (visible, trimmed) = (has_visible(&v.text), trim_invisible(&v.text));
            (visible != v.visible || trimmed != v.trimmed)
                .then(|| format!("{:?}: visible {visible}, trimmed {trimmed:?}", v.name))
        })
        .collect();
    report("text", failures);
}

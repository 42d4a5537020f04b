use super::*;
use serde_json::json;

/// The birth-certificate form of the docs, in TOML as a city writes it.
const TOML: &str = r#"
[form]
version = 3

[[form.pages]]
id = "acte"
title = "L'acte demandé"

[[form.pages.fields]]
id = "record_kind"
type = "choice"
label = "Quel acte demandez-vous ?"
help = "L'acte est délivré par la commune où l'événement a eu lieu."
required = true
options = [
  { value = "birth", label = "Acte de naissance" },
  { value = "marriage", label = "Acte de mariage" },
]

[[form.pages.fields]]
id = "for_self"
type = "yesno"
label = "L'acte vous concerne-t-il ?"
help = "Répondez non pour l'acte d'un parent ou d'un enfant."
required = true

[[form.pages.fields]]
id = "relationship"
type = "text"
label = "Votre lien avec la personne"
help = "Par exemple : fille, père."
required = true
when = { field = "for_self", equals = false }

[[form.pages]]
id = "personne"
title = "La personne"

[[form.pages.fields]]
id = "born"
type = "date"
label = "Date de naissance"
help = "Telle qu'elle figure sur l'acte."
required = true
date = "past"
min = "1900-01-01"

[[form.pages.fields]]
id = "copies"
type = "number"
label = "Nombre de copies"
help = "De 1 à 5."
integer = true
min = 1
max = 5

[[form.pages]]
id = "mariage"
title = "Le mariage"
when = { field = "record_kind", equals = "marriage" }

[[form.pages.fields]]
id = "spouse"
type = "text"
label = "Nom du conjoint"
help = "Nom de naissance."
required = true

[[form.documents]]
id = "identity"
title = "Pièce d'identité"
description = "Carte d'identité ou passeport."

[[form.documents]]
id = "family_book"
title = "Livret de famille"
description = "Pour l'acte d'un parent."
when = { field = "for_self", equals = false }
"#;

#[derive(Debug, Deserialize)]
struct File {
    form: Form,
}

fn form() -> Form {
    toml::from_str::<File>(TOML).unwrap().form
}

fn answers(value: Value) -> Answers {
    value.as_object().unwrap().clone()
}

fn today() -> Date {
    jiff::civil::date(2025, 6, 15)
}

#[test]
fn the_documented_form_has_no_problem() {
    assert_eq!(form().problems(), []);
}

#[test]
fn json_round_trip_omits_what_is_absent() {
    let form = form();
    let json = serde_json::to_value(&form).unwrap();
    assert_eq!(
        json["pages"][0]["fields"][2],
        json!({
            "id": "relationship", "type": "text", "label": "Votre lien avec la personne",
            "help": "Par exemple : fille, père.", "required": true,
            "when": {"field": "for_self", "equals": false},
        })
    );
    assert_eq!(json["pages"][1]["fields"][0]["min"], "1900-01-01");
    assert_eq!(json["pages"][1]["fields"][1]["max"], 5);
    assert_eq!(serde_json::from_value::<Form>(json).unwrap(), form);
}

#[test]
fn unknown_keys_and_bad_bounds_are_refused_when_read() {
    for (edit, words) in [
        (("required = true\nwhen", "mandatory = true\nwhen"), "unknown field"),
        (("min = 1\n", "min = \"one\"\n"), "a number, or a date in quotes"),
        (("min = \"1900-01-01\"", "min = 1900-01-01"), "a number, or a date in quotes"),
        (("type = \"yesno\"", "type = \"boolean\""), "unknown variant"),
        (("date = \"past\"", "date = \"yesterday\""), "unknown variant"),
    ] {
        let text = TOML.replacen(edit.0, edit.1, 1);
        let error = toml::from_str::<File>(&text).unwrap_err().to_string();
        assert!(error.contains(words), "{edit:?}: {error}");
    }
}

#[test]
fn hidden_fields_and_pages_and_the_documents_they_need() {
    let form = form();
    let visible = |value: Value| {
        let evaluation = form.evaluate(&answers(value), today(), None);
        let pages: Vec<String> = evaluation.pages.iter().map(|p| p.id.clone()).collect();
        let fields: Vec<String> = evaluation.pages.iter().flat_map(|p| p.fields.clone()).collect();
        let documents: Vec<String> = evaluation.documents.iter().map(|d| d.id.clone()).collect();
        (pages, fields, documents)
    };
    let (pages, fields, documents) = visible(json!({}));
    assert_eq!(pages, ["acte", "personne"]);
    assert_eq!(fields, ["record_kind", "for_self", "born", "copies"]);
    assert_eq!(documents, ["identity"]);

    let (pages, fields, documents) = visible(json!({"record_kind": " marriage ", "for_self": false}));
    assert_eq!(pages, ["acte", "personne", "mariage"], "answers are trimmed before conditions");
    assert_eq!(fields, ["record_kind", "for_self", "relationship", "born", "copies", "spouse"]);
    assert_eq!(documents, ["identity", "family_book"]);
    let needed: Vec<&str> =
        form.required_documents(&answers(json!({"for_self": false}))).iter().map(|d| d.id.as_str()).collect();
    assert_eq!(needed, ["identity", "family_book"]);
}

#[test]
fn required_errors_stop_at_the_page_reached() {
    let form = form();
    let errors = |page: Option<&str>| {
        let evaluation = form.evaluate(&answers(json!({"copies": 9, "nope": 1})), today(), page);
        evaluation.errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>()
    };
    let too_many = "copies: Saisissez un nombre inférieur ou égal à 5.";
    // What to do, by kind of field: a choice, yes or no, a date.
    let [record_kind, for_self, born] = [
        "record_kind: Choisissez une réponse.",
        "for_self: Choisissez une réponse.",
        "born: Saisissez une date.",
    ]
    .map(String::from);
    assert_eq!(errors(Some("unknown-page")), [too_many]);
    assert_eq!(errors(Some("acte")), [record_kind.clone(), for_self.clone(), too_many.into()]);
    let all = [record_kind, for_self, born, too_many.into()];
    assert_eq!(errors(Some("personne")), all);
    assert_eq!(errors(None), all, "hidden pages and unknown answers bring no error");
}

#[test]
fn a_submission_refuses_answers_to_hidden_and_unknown_fields() {
    let form = form();
    let given = json!({
        "record_kind": "birth", "for_self": true, "born": "1990-05-01",
        "relationship": "fille", "spouse": "", "other": "x",
    });
    let errors = form.validate_submission(&answers(given), today()).unwrap_err();
    assert_eq!(
        errors,
        [
            FieldError { field: "other".into(), message: UNKNOWN.into() },
            FieldError { field: "relationship".into(), message: NOT_APPLICABLE.into() },
        ],
        "an empty answer to a hidden field is no answer"
    );
    let given = json!({"record_kind": "birth", "for_self": true, "born": " 1990-05-01 ", "copies": null, "spouse": ""});
    let valid = form.validate_submission(&answers(given), today()).unwrap();
    assert_eq!(valid, answers(json!({"record_kind": "birth", "for_self": true, "born": "1990-05-01"})));
}

#[test]
fn a_stale_answer_of_a_hidden_field_cannot_show_a_later_one() {
    let form: Form = serde_json::from_value(json!({"version": 1, "pages": [
        {"id": "p1", "title": "P1", "fields": [
            {"id": "a", "type": "yesno", "label": "A", "help": "h"},
            {"id": "b", "type": "yesno", "label": "B", "help": "h", "when": {"field": "a", "equals": true}},
        ]},
        {"id": "p2", "title": "P2", "when": {"field": "b", "equals": true}, "fields": [
            {"id": "c", "type": "text", "label": "C", "help": "h", "required": true},
        ]},
    ]}))
    .unwrap();
    let evaluation = form.evaluate(&answers(json!({"a": false, "b": true})), today(), None);
    let pages: Vec<&str> = evaluation.pages.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(pages, ["p1"]);
    assert_eq!(evaluation.pages[0].fields, ["a"]);
    assert_eq!(evaluation.errors, []);
}

#[test]
fn drafts_may_hold_answers_of_hidden_fields() {
    let errors =
        form().check_draft(&answers(json!({"for_self": true, "relationship": "fille", "spouse": "X"})));
    assert_eq!(errors, []);
}

#[test]
fn a_required_answer_of_invisible_characters_is_missing() {
    let form = form();
    for invisible in ["\u{200b}\u{200b}", "\u{202e}\u{200b}", "\u{feff}", "\u{ad}", " \u{301}"] {
        let given = json!({"record_kind": "birth", "for_self": false, "relationship": invisible, "born": "1990-05-01"});
        let errors = form.validate_submission(&answers(given), today()).unwrap_err();
        assert_eq!(
            errors,
            [FieldError { field: "relationship".into(), message: "Saisissez une réponse.".into() }],
            "{invisible:?} is as missing as an empty answer"
        );
    }
    let given = json!({
        "record_kind": "birth", "for_self": false, "relationship": "\u{200b}fille\u{202c}", "born": "1990-05-01",
    });
    let valid = form.validate_submission(&answers(given), today()).unwrap();
    assert_eq!(valid["relationship"], "fille", "invisible ends are trimmed");
}

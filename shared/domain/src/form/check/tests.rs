use super::*;
use serde_json::json;

/// A valid form using every kind of check, as JSON to edit.
fn base() -> Value {
    json!({"version": 1, "pages": [
        {"id": "p1", "title": "Premier", "fields": [
            {"id": "kind", "type": "choice", "label": "Acte", "help": "h",
             "options": [{"value": "birth", "label": "Naissance"}, {"value": "death", "label": "Décès"}]},
            {"id": "self", "type": "yesno", "label": "Vous ?", "help": "h"},
            {"id": "topics", "type": "choices", "label": "Sujets", "help": "h",
             "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
            {"id": "name", "type": "text", "label": "Nom", "help": "h", "when": {"field": "self", "equals": false}},
        ]},
        {"id": "p2", "title": "Second", "when": {"field": "kind", "equals": "birth"}, "fields": [
            {"id": "copies", "type": "number", "label": "Copies", "help": "h", "min": 1, "max": 5},
            {"id": "born", "type": "date", "label": "Né le", "help": "h", "min": "1900-01-01", "max": "2100-01-01"},
            {"id": "children", "type": "group", "label": "Enfants", "help": "h", "fields": [
                {"id": "child", "type": "text", "label": "Prénom", "help": "h"},
            ]},
        ]},
    ], "documents": [
        {"id": "identity", "title": "Identité", "description": "Carte.", "when": {"field": "copies", "gt": 2}},
    ]})
}

fn problems_of(form: Value) -> Vec<FormProblem> {
    serde_json::from_value::<Form>(form).expect("the edited form still parses").problems()
}

#[test]
fn the_base_form_has_no_problem() {
    assert_eq!(problems_of(base()), []);
}

/// Each case: an edit of the base form, then the path and words of the one
/// problem it must cause.
#[test]
fn each_problem_is_found_once_at_its_path() {
    type Edit = fn(&mut Value);
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        ("version 0", |f| f["version"] = json!(0), "form.version", "entier positif"),
        (
            "no page",
            |f| {
                f["pages"] = json!([]);
                remove(f, "documents");
            },
            "form.pages",
            "aucune page",
        ),
        ("bad page id", |f| f["pages"][1]["id"] = json!("P2"), "form.pages[1].id", "[a-z][a-z0-9_]*"),
        (
            "page id twice",
            |f| f["pages"][1]["id"] = json!("p1"),
            "form.pages[1].id",
            "déjà utilisé par form.pages[0]",
        ),
        ("empty page title", |f| f["pages"][0]["title"] = json!(" "), "form.pages[0].title", "titre"),
        (
            "page without fields",
            |f| {
                f["pages"][1]["fields"] = json!([]);
                remove(&mut f["documents"][0], "when");
            },
            "form.pages[1].fields",
            "aucun champ",
        ),
        (
            "bad field id",
            |f| f["pages"][0]["fields"][3]["id"] = json!("nom-1"),
            "form.pages[0].fields[3].id",
            "[a-z]",
        ),
        (
            "field id twice",
            |f| f["pages"][1]["fields"][2]["fields"][0]["id"] = json!("name"),
            "form.pages[1].fields[2].fields[0].id",
            "déjà utilisé par form.pages[0].fields[3]",
        ),
        (
            "no label",
            |f| f["pages"][0]["fields"][3]["label"] = json!(""),
            "form.pages[0].fields[3].label",
            "libellé",
        ),
        (
            "no help",
            |f| remove(&mut f["pages"][0]["fields"][1], "help"),
            "form.pages[0].fields[1].help",
            "aide",
        ),
        (
            "choice without options",
            |f| remove(&mut f["pages"][0]["fields"][0], "options"),
            "form.pages[0].fields[0].options",
            "propose",
        ),
        (
            "duplicate option",
            |f| f["pages"][0]["fields"][2]["options"][1]["value"] = json!("a"),
            "form.pages[0].fields[2].options[1].value",
            "deux fois",
        ),
        (
            "blank option",
            |f| f["pages"][0]["fields"][2]["options"][1]["label"] = json!(""),
            "form.pages[0].fields[2].options[1]",
            "libellé",
        ),
        (
            "options on text",
            |f| f["pages"][0]["fields"][3]["options"] = json!([{"value": "x", "label": "X"}]),
            "form.pages[0].fields[3].options",
            "ne s'applique pas à un champ de type text",
        ),
        (
            "group without fields",
            |f| remove(&mut f["pages"][1]["fields"][2], "fields"),
            "form.pages[1].fields[2].fields",
            "au moins un champ",
        ),
        (
            "nested group",
            |f| f["pages"][1]["fields"][2]["fields"][0] = json!({"id": "inner", "type": "group", "label": "G", "help": "h", "fields": [{"id": "x", "type": "text", "label": "X", "help": "h"}]}),
            "form.pages[1].fields[2].fields[0].type",
            "autre groupe",
        ),
        (
            "condition in a group",
            |f| f["pages"][1]["fields"][2]["fields"][0]["when"] = json!({"field": "self", "filled": true}),
            "form.pages[1].fields[2].fields[0].when",
            "pas de condition",
        ),
        (
            "unknown field",
            |f| f["pages"][1]["when"] = json!({"field": "kinds", "equals": "birth"}),
            "form.pages[1].when",
            "champ inconnu « kinds »",
        ),
        (
            "later page",
            |f| f["pages"][1]["when"] = json!({"field": "copies", "gt": 1}),
            "form.pages[1].when",
            "pas sur une page précédente",
        ),
        (
            "later field",
            |f| f["pages"][0]["fields"][1]["when"] = json!({"field": "name", "filled": true}),
            "form.pages[0].fields[1].when",
            "vient après ce champ",
        ),
        (
            "the field itself",
            |f| f["pages"][0]["fields"][3]["when"] = json!({"field": "name", "filled": true}),
            "form.pages[0].fields[3].when",
            "porte sur lui-même",
        ),
        (
            "a group's sub-field",
            |f| f["documents"][0]["when"] = json!({"field": "child", "filled": true}),
            "form.documents[0].when",
            "du groupe « children »",
        ),
        (
            "not an option",
            |f| f["pages"][1]["when"] = json!({"field": "kind", "in": ["birth", "marriage"]}),
            "form.pages[1].when",
            "\"marriage\" n'est pas une des options de « kind »",
        ),
        (
            "equals on choices",
            |f| f["pages"][1]["when"] = json!({"field": "topics", "equals": "a"}),
            "form.pages[1].when",
            "utilisez « contains »",
        ),
        (
            "contains not an option",
            |f| f["pages"][1]["when"] = json!({"field": "topics", "contains": "z"}),
            "form.pages[1].when",
            "\"z\" n'est pas une des options",
        ),
        (
            "contains on a choice",
            |f| f["pages"][1]["when"] = json!({"field": "kind", "contains": "birth"}),
            "form.pages[1].when",
            "« contains » s'applique à un champ de type choices",
        ),
        (
            "yes/no with a string",
            |f| f["pages"][1]["when"] = json!({"field": "self", "equals": "true"}),
            "form.pages[1].when",
            "de type yesno",
        ),
        (
            "gt on a text",
            |f| f["pages"][1]["when"] = json!({"field": "name", "gt": 3}),
            "form.pages[1].when",
            "« gt » compare",
        ),
        (
            "date against a number",
            |f| f["documents"][0]["when"] = json!({"field": "born", "lt": 3}),
            "form.documents[0].when",
            "« lt » compare",
        ),
        (
            "page that never shows",
            |f| {
                f["pages"][1]["when"] = json!({"all": [{"field": "kind", "equals": "birth"}, {"field": "kind", "equals": "death"}]})
            },
            "form.pages[1].when",
            "cette page ne peut jamais s'afficher",
        ),
        (
            "field that never shows",
            |f| {
                f["pages"][0]["fields"][3]["when"] =
                    json!({"all": [{"field": "self", "filled": false}, {"field": "self", "equals": true}]})
            },
            "form.pages[0].fields[3].when",
            "ce champ ne peut jamais s'afficher",
        ),
        (
            "choices that can never hold",
            |f| f["pages"][1]["when"] = json!({"all": [{"field": "topics", "contains": "a"}, {"not": {"field": "topics", "filled": true}}]}),
            "form.pages[1].when",
            "jamais",
        ),
        (
            "never, whatever the number",
            |f| f["documents"][0]["when"] = json!({"all": [{"field": "copies", "gt": 2}, {"any": []}]}),
            "form.documents[0].when",
            "ce document ne peut jamais être demandé",
        ),
        (
            "bad pattern",
            |f| f["pages"][0]["fields"][3]["pattern"] = json!("[a-z"),
            "form.pages[0].fields[3].pattern",
            "expression régulière invalide",
        ),
        (
            "message without pattern",
            |f| f["pages"][0]["fields"][3]["pattern_message"] = json!("Non."),
            "form.pages[0].fields[3].pattern_message",
            "accompagne",
        ),
        (
            "min above max",
            |f| f["pages"][1]["fields"][0]["min"] = json!(6),
            "form.pages[1].fields[0].min",
            "au-dessus de « max »",
        ),
        (
            "date min above max",
            |f| f["pages"][1]["fields"][1]["min"] = json!("2100-01-02"),
            "form.pages[1].fields[1].min",
            "au-dessus",
        ),
        (
            "date bound on a number",
            |f| f["pages"][1]["fields"][0]["max"] = json!("2000-01-01"),
            "form.pages[1].fields[0].max",
            "est un nombre",
        ),
        (
            "min_length above the default",
            |f| f["pages"][0]["fields"][3]["min_length"] = json!(201),
            "form.pages[0].fields[3].min_length",
            "(200)",
        ),
        (
            "min_items above the options",
            |f| f["pages"][0]["fields"][2]["min_items"] = json!(3),
            "form.pages[0].fields[2].min_items",
            "(2)",
        ),
        (
            "prefill of another type",
            |f| f["pages"][0]["fields"][3]["prefill"] = json!("email"),
            "form.pages[0].fields[3].prefill",
            "de type email, pas text",
        ),
        ("bad document id", |f| f["documents"][0]["id"] = json!("Identité"), "form.documents[0].id", "[a-z]"),
        (
            "empty document description",
            |f| f["documents"][0]["description"] = json!(""),
            "form.documents[0].description",
            "description",
        ),
    ];
    for (name, edit, path, words) in cases {
        let mut form = base();
        edit(&mut form);
        let problems = problems_of(form);
        assert_eq!(problems.len(), 1, "{name}: exactly one problem: {problems:#?}");
        assert_eq!(problems[0].path, path, "{name}: {}", problems[0]);
        assert!(problems[0].message.contains(words), "{name}: {:?} lacks {words:?}", problems[0].message);
    }
}

#[test]
fn undecidable_conditions_are_assumed_to_hold() {
    let mut form = base();
    // A number's answers cannot be listed, and more than 4096 combinations are not tried.
    form["pages"][1]["when"] =
        json!({"all": [{"field": "name", "equals": "x"}, {"field": "name", "equals": "y"}]});
    let options: Vec<Value> = (0..13).map(|i| json!({"value": format!("o{i}"), "label": "O"})).collect();
    form["pages"][0]["fields"][2]["options"] = json!(options);
    form["documents"][0]["when"] =
        json!({"all": [{"field": "topics", "contains": "o1"}, {"not": {"field": "topics", "filled": true}}]});
    assert_eq!(problems_of(form), []);
}

fn remove(value: &mut Value, key: &str) {
    value.as_object_mut().unwrap().remove(key);
}

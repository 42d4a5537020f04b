//! A service offered to Open311 GeoReport v2 clients (street-reporting apps):
//! its `[open311]` section in the city's files, the attributes its form
//! offers in the standard's terms, and a posted report turned into the
//! form's answers, so that it is validated and instructed like any request.
//!
//! The standard sends a description, a location and a phone number as
//! arguments of their own; the section names the form's fields that receive
//! them, and the answers every report gets (how the location is given, for
//! instance). Every other field the standard can carry is an attribute
//! (`attribute[<field id>]`). See docs/open311.md.

use crate::form::{Answers, Field, FieldKind, Form};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `[open311]` section of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311 {
    /// The group apps list it under; the service's category's title when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The field (text or textarea) that receives the report's `description`.
    pub description: String,
    /// The field (text or textarea) that receives the location in words:
    /// `address_string`, else the coordinates.
    pub location: String,
    /// The field (phone) that receives the reporter's `phone`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Answers every report gets (`{ location_kind = "description" }`).
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub answers: Answers,
    /// The service's cases offered as Open311 services of their own
    /// (`[[open311.codes]]`), as apps list categories (« Nid-de-poule »,
    /// « Encombrants »); the service itself, under its slug, when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Open311Code>,
}

/// One case of a service offered to apps as a service of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Open311Code {
    /// The `service_code` apps use: lowercase letters, digits and hyphens,
    /// unique in the city.
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The answers that make a report this case (`{ problem_kind = "dumping" }`).
    pub answers: Answers,
}

/// One Open311 service as apps see it: a service, or one of its cases.
#[derive(Debug, Clone, PartialEq)]
pub struct Offer {
    pub code: String,
    pub name: String,
    pub description: String,
    /// Every answer a report of this code gets: the section's, then the case's.
    pub answers: Answers,
}

/// The standard's attribute datatypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    Singlevaluelist,
    Multivaluelist,
}

/// One value of a list attribute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

/// One attribute of a service definition (`GET services/{code}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attribute {
    /// Always `true`: every attribute takes the reporter's input.
    pub variable: bool,
    /// The form field's id: what `attribute[<code>]` names.
    pub code: String,
    pub datatype: Datatype,
    /// Required whatever the other answers are (a field shown only in some
    /// cases is listed as optional; the answers then say whether it is needed).
    pub required: bool,
    pub datatype_description: Option<String>,
    /// 1 for the first.
    pub order: usize,
    pub description: String,
    pub values: Vec<AttributeValue>,
}

/// What an app posted, as the standard names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub description: Option<String>,
    /// The location in words: `address_string`, else `lat, long`.
    pub location: Option<String>,
    pub phone: Option<String>,
    /// `attribute[code]` (one value) and `attribute[code][]` (each value).
    pub attributes: Vec<(String, String)>,
}

/// A posted argument the service cannot take, named as the standard names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentError {
    pub argument: String,
    pub message: String,
}

fn datatype(kind: FieldKind) -> Option<Datatype> {
    Some(match kind {
        FieldKind::Text | FieldKind::Email | FieldKind::Phone => Datatype::String,
        FieldKind::Textarea => Datatype::Text,
        FieldKind::Number => Datatype::Number,
        FieldKind::Date => Datatype::Datetime,
        FieldKind::Choice | FieldKind::Yesno => Datatype::Singlevaluelist,
        FieldKind::Choices => Datatype::Multivaluelist,
        // An address is an object and a group a list of objects: the
        // standard's flat arguments cannot carry them.
        FieldKind::Address | FieldKind::Group => return None,
    })
}

impl Open311 {
    /// The Open311 services `service` (whose section this is) is offered as.
    pub fn offers(&self, service: &crate::catalogue::Service) -> Vec<Offer> {
        if self.codes.is_empty() {
            return vec![Offer {
                code: service.slug.clone(),
                name: service.title.clone(),
                description: service.summary.clone(),
                answers: self.answers.clone(),
            }];
        }
        self.codes
            .iter()
            .map(|case| {
                let mut answers = self.answers.clone();
                answers.extend(case.answers.clone());
                Offer {
                    code: case.code.clone(),
                    name: case.name.clone(),
                    description: case.description.clone().unwrap_or_else(|| service.summary.clone()),
                    answers,
                }
            })
            .collect()
    }

    /// The form fields the standard's own arguments or the offer's fixed
    /// answers fill.
    fn is_filled(&self, id: &str, fixed: &Answers) -> bool {
        id == self.description
            || id == self.location
            || self.phone.as_deref() == Some(id)
            || fixed.contains_key(id)
    }

    /// Which standard argument a field's error is about, for error
    /// messages: `affected[2]` (an item of a list) is `attribute[affected][2]`.
    pub fn argument_of(&self, field: &str) -> String {
        let split = field.find(['[', '.']).unwrap_or(field.len());
        let (id, rest) = field.split_at(split);
        if id == self.description {
            "description".to_owned()
        } else if id == self.location {
            "address_string".to_owned()
        } else if self.phone.as_deref() == Some(id) {
            "phone".to_owned()
        } else if let Some(index) = rest.strip_prefix('[') {
            format!("attribute[{id}][{index}")
        } else {
            format!("attribute[{id}]{rest}")
        }
    }

    /// The attributes `form` offers for `offer`, in form order.
    pub fn attributes(&self, form: &Form, offer: &Offer) -> Vec<Attribute> {
        let fields = form.pages.iter().flat_map(|page| page.fields.iter().map(move |f| (page, f)));
        fields
            .filter(|(_, field)| !self.is_filled(&field.id, &offer.answers))
            .filter_map(|(page, field)| {
                let datatype = datatype(field.kind)?;
                Some(Attribute {
                    variable: true,
                    code: field.id.clone(),
                    datatype,
                    required: field.required && field.when.is_none() && page.when.is_none(),
                    datatype_description: (!field.help.is_empty()).then(|| field.help.clone()),
                    order: 0,
                    description: field.label.clone(),
                    values: values(field),
                })
            })
            .enumerate()
            .map(|(i, attribute)| Attribute { order: i + 1, ..attribute })
            .collect()
    }

    /// The answers of `report` for `form`, before the form's own
    /// validation (which then checks them like any request's). Errors name
    /// the arguments at fault: an attribute the service does not have, a
    /// value a list does not offer.
    pub fn answers(
        &self,
        form: &Form,
        offer: &Offer,
        report: &Report,
    ) -> Result<Answers, Vec<ArgumentError>> {
        let mut answers = offer.answers.clone();
        let mut errors = Vec::new();
        let attributes = self.attributes(form, offer);
        let field = |id: &str| form.pages.iter().flat_map(|p| &p.fields).find(|f| f.id == id);
        for (code, value) in &report.attributes {
            let Some(attribute) = attributes.iter().find(|a| &a.code == code) else {
                errors.push(ArgumentError {
                    argument: format!("attribute[{code}]"),
                    message: format!("cette démarche n'a pas d'attribut « {code} »"),
                });
                continue;
            };
            let kind = field(code).map(|f| f.kind).expect("an attribute is a field");
            let value = answer(kind, value);
            match (attribute.datatype, answers.get_mut(code)) {
                (Datatype::Multivaluelist, Some(Value::Array(values))) => values.push(value),
                (Datatype::Multivaluelist, _) => {
                    answers.insert(code.clone(), Value::Array(vec![value]));
                }
                (_, Some(_)) => errors.push(ArgumentError {
                    argument: format!("attribute[{code}]"),
                    message: "une seule valeur est attendue".into(),
                }),
                (_, None) => {
                    answers.insert(code.clone(), value);
                }
            }
        }
        let arguments = [
            (Some(&self.description), &report.description),
            (Some(&self.location), &report.location),
            (self.phone.as_ref(), &report.phone),
        ];
        for (field, value) in arguments {
            if let (Some(field), Some(value)) = (field, value) {
                answers.insert(field.clone(), Value::String(value.clone()));
            }
        }
        if errors.is_empty() { Ok(answers) } else { Err(errors) }
    }

    /// What is wrong with this section for `form`, in French for the
    /// city's IT team.
    pub fn problems(&self, form: Option<&Form>) -> Vec<String> {
        let Some(form) = form else {
            return vec![
                "[open311] : la démarche n'a pas de formulaire, un signalement ne peut pas être reçu".into(),
            ];
        };
        let field = |id: &str| form.pages.iter().flat_map(|p| &p.fields).find(|f| f.id == id);
        let mut problems = Vec::new();
        let receivers = [
            ("description", Some(&self.description), &[FieldKind::Text, FieldKind::Textarea][..]),
            ("location", Some(&self.location), &[FieldKind::Text, FieldKind::Textarea][..]),
            ("phone", self.phone.as_ref(), &[FieldKind::Phone][..]),
        ];
        for (key, id, kinds) in receivers {
            let Some(id) = id else { continue };
            match field(id) {
                None => problems.push(format!("[open311] {key} : le formulaire n'a pas de champ « {id} »")),
                Some(f) if !kinds.contains(&f.kind) => problems.push(format!(
                    "[open311] {key} : le champ « {id} » est de type {}, attendu : {}",
                    f.kind.name(),
                    kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(" ou ")
                )),
                Some(_) => {}
            }
        }
        for id in self.answers.keys() {
            if field(id).is_none() {
                problems.push(format!("[open311] answers : le formulaire n'a pas de champ « {id} »"));
            }
        }
        let mut seen = Vec::new();
        for case in &self.codes {
            if !crate::catalogue::is_valid_slug(&case.code) {
                problems.push(format!(
                    "[[open311.codes]] « {} » : lettres minuscules sans accent, chiffres et tirets",
                    case.code
                ));
            } else if seen.contains(&&case.code) {
                problems.push(format!("[[open311.codes]] « {} » est déclaré deux fois", case.code));
            }
            seen.push(&case.code);
            if case.name.trim().is_empty() {
                problems.push(format!("[[open311.codes]] « {} » : « name » est vide", case.code));
            }
            for id in case.answers.keys().filter(|id| field(id).is_none()) {
                problems.push(format!(
                    "[[open311.codes]] « {} » : le formulaire n'a pas de champ « {id} »",
                    case.code
                ));
            }
        }
        // The answers each offer fixes beyond the section's: one offer, the
        // service itself, when there are no codes.
        let none = Answers::new();
        let fixed: Vec<&Answers> =
            if self.codes.is_empty() { vec![&none] } else { self.codes.iter().map(|c| &c.answers).collect() };
        for page in &form.pages {
            for f in &page.fields {
                let always = f.required && f.when.is_none() && page.when.is_none();
                let unsent = !self.is_filled(&f.id, &self.answers)
                    && fixed.iter().any(|case| !case.contains_key(&f.id));
                if always && datatype(f.kind).is_none() && unsent {
                    problems.push(format!(
                        "[open311] le champ obligatoire « {} » (type {}) ne peut pas être envoyé par une application : donnez-lui une réponse dans [open311.answers]",
                        f.id,
                        f.kind.name()
                    ));
                }
            }
        }
        problems
    }
}

/// The values a list attribute offers.
fn values(field: &Field) -> Vec<AttributeValue> {
    match field.kind {
        FieldKind::Yesno => vec![
            AttributeValue { key: "true".into(), name: "Oui".into() },
            AttributeValue { key: "false".into(), name: "Non".into() },
        ],
        _ => field
            .options
            .iter()
            .map(|o| AttributeValue { key: o.value.clone(), name: o.label.clone() })
            .collect(),
    }
}

/// A posted value as the field's answer. A value that does not read as
/// the field's type stays text, so the form's validation reports it with
/// its own message.
fn answer(kind: FieldKind, value: &str) -> Value {
    let trimmed = value.trim();
    match kind {
        FieldKind::Number => {
            trimmed.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
        }
        FieldKind::Yesno => match trimmed {
            "true" | "1" | "oui" => Some(Value::Bool(true)),
            "false" | "0" | "non" => Some(Value::Bool(false)),
            _ => None,
        },
        // The standard's datetimes are ISO 8601: a date keeps its day.
        FieldKind::Date if trimmed.len() > 10 && trimmed.is_char_boundary(10) => {
            Some(Value::String(trimmed[..10].to_owned()))
        }
        _ => None,
    }
    .unwrap_or_else(|| Value::String(value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        toml::from_str(
            r#"
            version = 1
            [[pages]]
            id = "problem"
            title = "Problème"
            [[pages.fields]]
            id = "kind"
            type = "choice"
            label = "Quel problème ?"
            required = true
            options = [{ value = "roadway", label = "Chaussée" }, { value = "lighting", label = "Éclairage" }]
            [[pages.fields]]
            id = "lamp"
            type = "text"
            label = "Numéro du lampadaire"
            required = true
            when = { field = "kind", equals = "lighting" }
            [[pages.fields]]
            id = "description"
            type = "textarea"
            label = "Décrivez"
            required = true
            [[pages.fields]]
            id = "affected"
            type = "choices"
            label = "Qui est gêné ?"
            options = [{ value = "pedestrians", label = "Piétons" }, { value = "cyclists", label = "Cyclistes" }]
            [[pages.fields]]
            id = "urgent"
            type = "yesno"
            label = "Dangereux ?"
            required = true
            [[pages.fields]]
            id = "size"
            type = "number"
            label = "Taille (cm)"
            [[pages.fields]]
            id = "seen_on"
            type = "date"
            label = "Vu le"
            [[pages]]
            id = "place"
            title = "Lieu"
            [[pages.fields]]
            id = "location_kind"
            type = "choice"
            label = "Comment ?"
            required = true
            options = [{ value = "address", label = "Adresse" }, { value = "description", label = "Description" }]
            [[pages.fields]]
            id = "address"
            type = "address"
            label = "Adresse"
            required = true
            when = { field = "location_kind", equals = "address" }
            [[pages.fields]]
            id = "place"
            type = "textarea"
            label = "Lieu"
            required = true
            when = { field = "location_kind", equals = "description" }
            "#,
        )
        .unwrap()
    }

    fn settings() -> Open311 {
        toml::from_str(
            r#"
            description = "description"
            location = "place"
            answers = { location_kind = "description" }
            "#,
        )
        .unwrap()
    }

    /// The offer of a section without codes: the service itself.
    fn offer(settings: &Open311) -> Offer {
        Offer {
            code: "s".into(),
            name: "S".into(),
            description: String::new(),
            answers: settings.answers.clone(),
        }
    }

    #[test]
    fn attributes_are_the_fields_the_arguments_do_not_fill_in_the_standards_types() {
        let attributes = settings().attributes(&form(), &offer(&settings()));
        let listed: Vec<(&str, Datatype, bool, usize)> =
            attributes.iter().map(|a| (a.code.as_str(), a.datatype, a.required, a.order)).collect();
        assert_eq!(
            listed,
            [
                ("kind", Datatype::Singlevaluelist, true, 1),
                // Shown in some cases only: optional for the standard.
                ("lamp", Datatype::String, false, 2),
                ("affected", Datatype::Multivaluelist, false, 3),
                ("urgent", Datatype::Singlevaluelist, true, 4),
                ("size", Datatype::Number, false, 5),
                ("seen_on", Datatype::Datetime, false, 6),
            ]
        );
        assert_eq!(
            attributes[0].values[1],
            AttributeValue { key: "lighting".into(), name: "Éclairage".into() }
        );
        assert_eq!(
            attributes[3].values.iter().map(|v| v.key.as_str()).collect::<Vec<_>>(),
            ["true", "false"]
        );
    }

    #[test]
    fn a_report_becomes_the_forms_answers() {
        let report = Report {
            description: Some("Un trou profond".into()),
            location: Some("12 rue des Lilas".into()),
            phone: None,
            attributes: vec![
                ("kind".into(), "roadway".into()),
                ("affected".into(), "pedestrians".into()),
                ("affected".into(), "cyclists".into()),
                ("urgent".into(), "true".into()),
                ("size".into(), "30".into()),
                ("seen_on".into(), "2026-12-01T08:00:00+01:00".into()),
            ],
        };
        let answers = settings().answers(&form(), &offer(&settings()), &report).unwrap();
        let expected = serde_json::json!({
            "kind": "roadway", "affected": ["pedestrians", "cyclists"], "urgent": true,
            "size": 30.0, "seen_on": "2026-12-01", "description": "Un trou profond",
            "place": "12 rue des Lilas", "location_kind": "description",
        });
        assert_eq!(Value::Object(answers), expected);
    }

    #[test]
    fn arguments_the_service_cannot_take_are_named() {
        let cases: [(&[(&str, &str)], &str); 3] = [
            (&[("colour", "red")], "attribute[colour]"),
            (&[("kind", "roadway"), ("kind", "lighting")], "attribute[kind]"),
            // Filled by the section, not by the app.
            (&[("location_kind", "address")], "attribute[location_kind]"),
        ];
        for (attributes, argument) in cases {
            let report = Report {
                attributes: attributes.iter().map(|(c, v)| (c.to_string(), v.to_string())).collect(),
                ..Report::default()
            };
            let errors = settings().answers(&form(), &offer(&settings()), &report).unwrap_err();
            assert_eq!(errors[0].argument, argument, "{attributes:?}");
        }
    }

    #[test]
    fn values_that_do_not_read_as_their_type_stay_text_for_the_forms_validation() {
        for (kind, posted, expected) in [
            (FieldKind::Number, "trente", Value::String("trente".into())),
            (FieldKind::Number, "12.5", serde_json::json!(12.5)),
            (FieldKind::Yesno, "peut-être", Value::String("peut-être".into())),
            (FieldKind::Yesno, "0", Value::Bool(false)),
            (FieldKind::Date, "2026-12-01", Value::String("2026-12-01".into())),
            (FieldKind::Text, " tel quel ", Value::String(" tel quel ".into())),
        ] {
            assert_eq!(answer(kind, posted), expected, "{kind:?} {posted}");
        }
    }

    #[test]
    fn each_code_is_a_case_whose_answers_are_fixed() {
        let mut settings = settings();
        settings.codes = toml::from_str::<toml::Table>(
            r#"
            [[codes]]
            code = "nid-de-poule"
            name = "Nid-de-poule"
            answers = { kind = "roadway" }
            [[codes]]
            code = "eclairage"
            name = "Éclairage en panne"
            answers = { kind = "lighting" }
            "#,
        )
        .unwrap()["codes"]
            .clone()
            .try_into()
            .unwrap();
        let service: crate::catalogue::Service = toml::from_str(
            r#"
            slug = "signalement"
            title = "Signaler"
            category = "voirie"
            summary = "Un problème dans la rue."
            [presentation]
            purpose = "p"
            audience = "a"
            conditions = "c"
            process = "p"
            delay = "d"
            cost = "c"
            "#,
        )
        .unwrap();
        let offers = settings.offers(&service);
        assert_eq!(offers.iter().map(|o| o.code.as_str()).collect::<Vec<_>>(), ["nid-de-poule", "eclairage"]);
        assert_eq!(offers[1].description, "Un problème dans la rue.");
        let codes: Vec<String> =
            settings.attributes(&form(), &offers[1]).into_iter().map(|a| a.code).collect();
        assert!(!codes.contains(&"kind".to_owned()) && codes.contains(&"lamp".to_owned()), "{codes:?}");
        let report = Report { attributes: vec![("lamp".into(), "BL-0421".into())], ..Report::default() };
        let answers = settings.answers(&form(), &offers[1], &report).unwrap();
        assert_eq!(
            (answers["kind"].as_str(), answers["location_kind"].as_str()),
            (Some("lighting"), Some("description"))
        );
        assert!(settings.problems(Some(&form())).is_empty());
        settings.codes[1].code = "nid-de-poule".into();
        settings.codes[0].answers.insert("colour".into(), "red".into());
        let problems = settings.problems(Some(&form())).join("\n");
        assert!(problems.contains("« nid-de-poule » est déclaré deux fois"), "{problems}");
        assert!(problems.contains("le formulaire n'a pas de champ « colour »"), "{problems}");
    }

    #[test]
    fn errors_name_the_standards_arguments() {
        for (field, argument) in [
            ("description", "description"),
            ("place", "address_string"),
            ("kind", "attribute[kind]"),
            ("affected[2]", "attribute[affected][2]"),
        ] {
            assert_eq!(settings().argument_of(field), argument);
        }
    }

    #[test]
    fn the_section_is_checked_against_the_form() {
        assert!(settings().problems(Some(&form())).is_empty());
        let wrong: Open311 = toml::from_str(
            r#"
            description = "urgent"
            location = "nowhere"
            phone = "description"
            answers = { colour = "red" }
            "#,
        )
        .unwrap();
        let problems = wrong.problems(Some(&form())).join("\n");
        for expected in [
            "description : le champ « urgent » est de type yesno",
            "location : le formulaire n'a pas de champ « nowhere »",
            "phone : le champ « description » est de type textarea",
            "answers : le formulaire n'a pas de champ « colour »",
        ] {
            assert!(problems.contains(expected), "{expected} in {problems}");
        }
        assert_eq!(settings().problems(None).len(), 1);
    }

    #[test]
    fn a_required_address_field_needs_a_fixed_answer() {
        let mut form = form();
        form.pages[1].fields[1].when = None;
        let problems = settings().problems(Some(&form));
        assert!(problems.iter().any(|p| p.contains("« address » (type address)")), "{problems:?}");
    }
}

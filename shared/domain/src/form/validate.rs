//! The rules an answer follows, by field type, with the messages citizens
//! read (in French, naming what to do rather than what went wrong).

use super::{Bound, DateRule, Field, FieldError, FieldKind, UNKNOWN, required};
use crate::condition::{is_missing, parse_date};
use jiff::civil::Date;
use serde_json::{Map, Value};

/// Default `max_length` of a `text` field, and the limit of every other
/// one-line string (address parts, phone, email).
const TEXT_MAX: u32 = 200;
const TEXTAREA_MAX: u32 = 5000;
pub(super) const GROUP_MAX_ITEMS: u32 = 10;
const ADDRESS_PARTS: [&str; 5] = ["street", "complement", "postcode", "city", "country"];
/// The parts of an address that must be given, and what to say when one is not.
const ADDRESS_REQUIRED: [(&str, &str); 3] = [
    ("street", "Saisissez le numéro et le nom de la voie."),
    ("postcode", "Saisissez le code postal."),
    ("city", "Saisissez la commune."),
];

const CHOICE: &str = "Choisissez une des réponses proposées.";
const EMAIL: &str = "Saisissez une adresse électronique valide, par exemple nom@exemple.fr.";
const PHONE: &str = "Saisissez un numéro de téléphone valide, par exemple 01 23 45 67 89.";
const POSTCODE: &str = "Saisissez un code postal à 5 chiffres.";
const DATE: &str = "Saisissez une date valide.";

/// How strictly answers are checked.
pub(super) struct Check {
    pub today: Date,
    /// Whether missing required answers are errors (on pages the citizen has
    /// not reached yet, they are not).
    pub require: bool,
}

impl Check {
    /// Checks the answer of a visible field, at `path`.
    pub fn field(&self, field: &Field, path: &str, answer: Option<&Value>, errors: &mut Vec<FieldError>) {
        let Some(value) = answer.filter(|a| !is_missing(Some(a))) else {
            if self.require && field.required {
                errors.push(error(path, required(field.kind)));
            }
            return;
        };
        let result = match field.kind {
            FieldKind::Text => text(field, value, true),
            FieldKind::Textarea => text(field, value, false),
            FieldKind::Number => number(field, value),
            FieldKind::Date => self.date(field, value),
            FieldKind::Email => {
                string(value).and_then(|s| if is_email(s) { Ok(()) } else { Err(EMAIL.into()) })
            }
            FieldKind::Phone => {
                string(value).and_then(|s| if is_phone(s) { Ok(()) } else { Err(PHONE.into()) })
            }
            FieldKind::Yesno => value.as_bool().map(drop).ok_or_else(|| expected("oui ou non")),
            FieldKind::Choice => match value {
                Value::String(s) if field.options.iter().any(|o| o.value == *s) => Ok(()),
                _ => Err(CHOICE.into()),
            },
            FieldKind::Choices => return choices(field, path, value, errors),
            FieldKind::Address => return self.address(path, value, errors),
            FieldKind::Group => return self.group(field, path, value, errors),
        };
        if let Err(message) = result {
            errors.push(error(path, &message));
        }
    }

    fn date(&self, field: &Field, value: &Value) -> Result<(), String> {
        let Some(date) = value.as_str().and_then(parse_date) else {
            return Err(if value.is_string() { DATE.into() } else { expected("une date") });
        };
        match field.date {
            Some(DateRule::Past) if date >= self.today => return Err("Saisissez une date passée.".into()),
            Some(DateRule::Future) if date <= self.today => return Err("Saisissez une date future.".into()),
            _ => {}
        }
        if let Some(Bound::Date(min)) = field.min
            && date < min
        {
            return Err(format!("Saisissez une date à partir du {}.", french_date(min)));
        }
        if let Some(Bound::Date(max)) = field.max
            && date > max
        {
            return Err(format!("Saisissez une date au plus tard le {}.", french_date(max)));
        }
        Ok(())
    }

    fn address(&self, path: &str, value: &Value, errors: &mut Vec<FieldError>) {
        let Some(address) = value.as_object() else {
            errors.push(error(path, &expected("une adresse")));
            return;
        };
        unknown_keys(path, address, &ADDRESS_PARTS, errors);
        for part in ADDRESS_PARTS {
            let at = format!("{path}.{part}");
            let answer = address.get(part);
            if is_missing(answer) {
                if let Some((_, message)) =
                    ADDRESS_REQUIRED.iter().find(|(p, _)| *p == part).filter(|_| self.require)
                {
                    errors.push(error(&at, message));
                }
                continue;
            }
            match answer {
                Some(Value::String(s)) if too_long(s, TEXT_MAX) => {
                    errors.push(error(&at, &at_most(TEXT_MAX)))
                }
                Some(Value::String(_)) => {}
                _ => errors.push(error(&at, &expected("un texte"))),
            }
        }
        let in_france = match address.get("country") {
            Some(Value::String(country)) => country.is_empty() || country.eq_ignore_ascii_case("france"),
            _ => true,
        };
        if let Some(Value::String(postcode)) = address.get("postcode")
            && in_france
            && !postcode.is_empty()
            && !(postcode.len() == 5 && postcode.bytes().all(|b| b.is_ascii_digit()))
        {
            errors.push(error(&format!("{path}.postcode"), POSTCODE));
        }
    }

    fn group(&self, field: &Field, path: &str, value: &Value, errors: &mut Vec<FieldError>) {
        let Some(items) = value.as_array() else {
            errors.push(error(path, &expected("une liste")));
            return;
        };
        let (min, max) = (field.min_items.unwrap_or(0), field.max_items.unwrap_or(GROUP_MAX_ITEMS));
        if items.len() > max as usize {
            // The items beyond the limit are not checked one by one.
            errors.push(error(path, &format!("Ajoutez au plus {}.", count(max, "élément"))));
            return;
        } else if items.len() < min as usize {
            errors.push(error(path, &format!("Ajoutez au moins {}.", count(min, "élément"))));
        }
        let ids: Vec<&str> = field.fields.iter().map(|f| f.id.as_str()).collect();
        for (i, item) in items.iter().enumerate() {
            let at = format!("{path}[{i}]");
            let Some(item) = item.as_object() else {
                errors.push(error(&at, &expected("un ensemble de réponses")));
                continue;
            };
            unknown_keys(&at, item, &ids, errors);
            for sub in &field.fields {
                self.field(sub, &format!("{at}.{}", sub.id), item.get(&sub.id), errors);
            }
        }
    }
}

/// The size limits alone, which a draft must already respect: strings no
/// longer than their field allows, lists no longer than their maximum, and
/// only known keys inside groups.
pub(super) fn limits(field: &Field, path: &str, answer: &Value, errors: &mut Vec<FieldError>) {
    match answer {
        Value::String(s) if too_long(s, max_length(field)) => {
            errors.push(error(path, &at_most(max_length(field))));
        }
        Value::Array(items) if field.kind == FieldKind::Choices => {
            let max = field.max_items.unwrap_or(field.options.len() as u32);
            if items.len() > max as usize {
                errors.push(error(path, &format!("Choisissez au plus {}.", count(max, "réponse"))));
            }
        }
        Value::Array(items) if field.kind == FieldKind::Group => {
            let max = field.max_items.unwrap_or(GROUP_MAX_ITEMS);
            if items.len() > max as usize {
                errors.push(error(path, &format!("Ajoutez au plus {}.", count(max, "élément"))));
            }
            let ids: Vec<&str> = field.fields.iter().map(|f| f.id.as_str()).collect();
            for (i, item) in items.iter().enumerate() {
                let Some(item) = item.as_object() else { continue };
                let at = format!("{path}[{i}]");
                unknown_keys(&at, item, &ids, errors);
                for sub in &field.fields {
                    if let Some(answer) = item.get(&sub.id) {
                        limits(sub, &format!("{at}.{}", sub.id), answer, errors);
                    }
                }
            }
        }
        Value::Object(address) if field.kind == FieldKind::Address => {
            for (part, value) in address {
                if let Value::String(s) = value
                    && too_long(s, TEXT_MAX)
                {
                    errors.push(error(&format!("{path}.{part}"), &at_most(TEXT_MAX)));
                }
            }
        }
        _ => {}
    }
}

fn text(field: &Field, value: &Value, one_line: bool) -> Result<(), String> {
    let s = string(value)?;
    if one_line && s.contains(['\n', '\r']) {
        return Err("Saisissez le texte sur une seule ligne.".into());
    }
    if too_long(s, max_length(field)) {
        return Err(at_most(max_length(field)));
    }
    if let Some(min) = field.min_length
        && s.chars().count() < min as usize
    {
        return Err(format!("Saisissez au moins {}.", count(min, "caractère")));
    }
    // An invalid pattern is a form problem that `catalogue check` refuses
    // before the form is ever served, so it cannot be met here.
    let pattern = field.pattern.as_ref().and_then(|p| regex_lite::Regex::new(&format!("^(?:{p})$")).ok());
    if pattern.is_some_and(|pattern| !pattern.is_match(s)) {
        return Err(field
            .pattern_message
            .clone()
            .unwrap_or_else(|| "Le format de la réponse n'est pas valide.".into()));
    }
    Ok(())
}

fn number(field: &Field, value: &Value) -> Result<(), String> {
    let Some(n) = value.as_f64() else {
        return Err(expected("un nombre"));
    };
    if field.integer && n.fract() != 0.0 {
        return Err("Saisissez un nombre entier.".into());
    }
    if let Some(Bound::Number(min)) = &field.min
        && min.as_f64().is_some_and(|min| n < min)
    {
        return Err(format!("Saisissez un nombre supérieur ou égal à {}.", french_number(min)));
    }
    if let Some(Bound::Number(max)) = &field.max
        && max.as_f64().is_some_and(|max| n > max)
    {
        return Err(format!("Saisissez un nombre inférieur ou égal à {}.", french_number(max)));
    }
    Ok(())
}

fn choices(field: &Field, path: &str, value: &Value, errors: &mut Vec<FieldError>) {
    let Some(items) = value.as_array() else {
        errors.push(error(path, &expected("une liste de réponses")));
        return;
    };
    // More answers than options means duplicates or strangers: one error,
    // and the checks below stay bounded by the (small) number of options.
    if items.len() > field.options.len() {
        errors.push(error(path, "Chaque réponse ne peut être choisie qu'une fois, parmi celles proposées."));
        return;
    }
    for (i, item) in items.iter().enumerate() {
        let offered = item.as_str().is_some_and(|v| field.options.iter().any(|o| o.value == v));
        if !offered {
            errors.push(error(&format!("{path}[{i}]"), CHOICE));
        }
    }
    if items.iter().enumerate().any(|(i, item)| items[..i].contains(item)) {
        errors.push(error(path, "Chaque réponse ne peut être choisie qu'une fois."));
    }
    if let Some(max) = field.max_items
        && items.len() > max as usize
    {
        errors.push(error(path, &format!("Choisissez au plus {}.", count(max, "réponse"))));
    }
    if let Some(min) = field.min_items
        && items.len() < min as usize
    {
        errors.push(error(path, &format!("Choisissez au moins {}.", count(min, "réponse"))));
    }
}

/// A simple but sound shape: one `@`, a local part of the usual characters
/// without leading, trailing or doubled dots, and a domain of at least two
/// labels (letters of any script, digits, inner hyphens) whose last is not
/// all digits.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = (1..=64).contains(&local.len())
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    let labels: Vec<&str> = domain.split('.').collect();
    let label_ok = |label: &&str| {
        (1..=63).contains(&label.chars().count())
            && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let top_ok =
        labels.last().is_some_and(|top| top.chars().count() >= 2 && !top.bytes().all(|b| b.is_ascii_digit()));
    local_ok && s.len() <= 254 && labels.len() >= 2 && labels.iter().all(label_ok) && top_ok
}

/// French or international numbers: 6 to 20 characters of digits, spaces,
/// dots and hyphens, a `+` only in front, and at least 6 digits.
fn is_phone(s: &str) -> bool {
    let rest = s.strip_prefix('+').unwrap_or(s);
    (6..=20).contains(&s.len())
        && rest.bytes().all(|b| b.is_ascii_digit() || b" .-".contains(&b))
        && rest.bytes().filter(u8::is_ascii_digit).count() >= 6
}

/// The longest answer a text-like field takes, in characters.
pub(super) fn max_length(field: &Field) -> u32 {
    field.max_length.unwrap_or(if field.kind == FieldKind::Textarea { TEXTAREA_MAX } else { TEXT_MAX })
}

fn too_long(s: &str, max: u32) -> bool {
    s.chars().count() > max as usize
}

fn string(value: &Value) -> Result<&str, String> {
    value.as_str().ok_or_else(|| expected("un texte"))
}

fn unknown_keys(path: &str, object: &Map<String, Value>, known: &[&str], errors: &mut Vec<FieldError>) {
    for key in object.keys().filter(|k| !known.contains(&k.as_str())) {
        errors.push(error(&format!("{path}.{key}"), UNKNOWN));
    }
}

fn error(path: &str, message: &str) -> FieldError {
    FieldError { field: path.to_owned(), message: message.to_owned() }
}

/// The message of an answer of the wrong JSON type, naming the right one.
fn expected(what: &str) -> String {
    format!("La réponse doit être {what}.")
}

fn at_most(max: u32) -> String {
    format!("Saisissez au plus {}.", count(max, "caractère"))
}

/// "1 caractère", "200 caractères" (French puts 0 and 1 in the singular).
fn count(n: u32, noun: &str) -> String {
    if n <= 1 { format!("{n} {noun}") } else { format!("{n} {noun}s") }
}

fn french_number(n: &serde_json::Number) -> String {
    n.to_string().replace('.', ",")
}

fn french_date(date: Date) -> String {
    format!("{:02}/{:02}/{:04}", date.day(), date.month(), date.year())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::{Answers, Form};
    use serde_json::json;

    /// One field of each type, with constraints, in a one-page form.
    fn form() -> Form {
        serde_json::from_value(json!({
            "version": 1,
            "pages": [{"id": "p", "title": "Page", "fields": [
                {"id": "name", "type": "text", "label": "Nom", "help": "h", "max_length": 10, "min_length": 2,
                 "pattern": "[A-Za-z -]+", "pattern_message": "Lettres seulement."},
                {"id": "code", "type": "text", "label": "Code", "help": "h", "pattern": "[0-9]{3}"},
                {"id": "story", "type": "textarea", "label": "Récit", "help": "h"},
                {"id": "copies", "type": "number", "label": "Copies", "help": "h", "integer": true, "min": 1, "max": 2.5},
                {"id": "born", "type": "date", "label": "Né le", "help": "h", "date": "past", "min": "1900-01-01"},
                {"id": "visit", "type": "date", "label": "Visite", "help": "h", "date": "future", "max": "2030-12-31"},
                {"id": "mail", "type": "email", "label": "Courriel", "help": "h"},
                {"id": "tel", "type": "phone", "label": "Téléphone", "help": "h"},
                {"id": "home", "type": "address", "label": "Adresse", "help": "h"},
                {"id": "kind", "type": "choice", "label": "Acte", "help": "h",
                 "options": [{"value": "birth", "label": "Naissance"}]},
                {"id": "topics", "type": "choices", "label": "Sujets", "help": "h", "min_items": 2, "max_items": 2,
                 "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}]},
                {"id": "agree", "type": "yesno", "label": "D'accord", "help": "h"},
                {"id": "children", "type": "group", "label": "Enfants", "help": "h", "max_items": 2, "fields": [
                    {"id": "child_name", "type": "text", "label": "Prénom", "help": "h", "required": true},
                    {"id": "child_born", "type": "date", "label": "Né le", "help": "h"},
                ]},
                {"id": "must", "type": "text", "label": "Obligatoire", "help": "h", "required": true},
            ]}],
        }))
        .unwrap()
    }

    fn today() -> Date {
        jiff::civil::date(2025, 6, 15)
    }

    /// Field x bad answer -> the one error it must cause (path, message).
    #[test]
    fn each_bad_answer_gets_its_message_at_its_path() {
        let long = "x".repeat(201);
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            ("name", json!(3), "name", "La réponse doit être un texte."),
            ("name", json!("Dupont-Martin-Durand"), "name", "Saisissez au plus 10 caractères."),
            ("name", json!("D"), "name", "Saisissez au moins 2 caractères."),
            ("name", json!("Dupont2"), "name", "Lettres seulement."),
            ("name", json!("Du\npont"), "name", "Saisissez le texte sur une seule ligne."),
            ("code", json!("12"), "code", "Le format de la réponse n'est pas valide."),
            ("code", json!("1234"), "code", "Le format de la réponse n'est pas valide."),
            ("code", json!(long), "code", "Saisissez au plus 200 caractères."),
            ("story", json!("x".repeat(5001)), "story", "Saisissez au plus 5000 caractères."),
            ("story", json!(["x"]), "story", "La réponse doit être un texte."),
            ("copies", json!("2"), "copies", "La réponse doit être un nombre."),
            ("copies", json!(1.5), "copies", "Saisissez un nombre entier."),
            ("copies", json!(0), "copies", "Saisissez un nombre supérieur ou égal à 1."),
            ("copies", json!(3), "copies", "Saisissez un nombre inférieur ou égal à 2,5."),
            ("born", json!(20000101), "born", "La réponse doit être une date."),
            ("born", json!("01/02/2000"), "born", "Saisissez une date valide."),
            ("born", json!("2023-02-29"), "born", "Saisissez une date valide."),
            ("born", json!("2025-06-15"), "born", "Saisissez une date passée."),
            ("born", json!("1899-12-31"), "born", "Saisissez une date à partir du 01/01/1900."),
            ("visit", json!("2025-06-15"), "visit", "Saisissez une date future."),
            ("visit", json!("2031-01-01"), "visit", "Saisissez une date au plus tard le 31/12/2030."),
            ("mail", json!("nom.exemple.fr"), "mail", EMAIL),
            ("mail", json!("nom@exemple"), "mail", EMAIL),
            ("mail", json!("nom@@exemple.fr"), "mail", EMAIL),
            ("mail", json!("nom..x@exemple.fr"), "mail", EMAIL),
            ("mail", json!("nom prénom@exemple.fr"), "mail", EMAIL),
            ("mail", json!("nom@-exemple.fr"), "mail", EMAIL),
            ("mail", json!("nom@exemple.123"), "mail", EMAIL),
            ("mail", json!(true), "mail", "La réponse doit être un texte."),
            ("tel", json!("01234"), "tel", PHONE),
            ("tel", json!("01 23 45 67 89 01 23 45"), "tel", PHONE),
            ("tel", json!("01-23+45-67"), "tel", PHONE),
            ("tel", json!("01 23 ab 67"), "tel", PHONE),
            ("tel", json!("------"), "tel", PHONE),
            ("home", json!("1 rue de la Paix"), "home", "La réponse doit être une adresse."),
            (
                "home",
                json!({"street": "1 rue", "city": "Nantes"}),
                "home.postcode",
                "Saisissez le code postal.",
            ),
            (
                "home",
                json!({"street": "1 rue", "postcode": "4400", "city": "Nantes"}),
                "home.postcode",
                POSTCODE,
            ),
            (
                "home",
                json!({"street": "1 rue", "postcode": "4400A", "city": "Nantes", "country": "France"}),
                "home.postcode",
                POSTCODE,
            ),
            (
                "home",
                json!({"street": 1, "postcode": "44000", "city": "Nantes"}),
                "home.street",
                "La réponse doit être un texte.",
            ),
            (
                "home",
                json!({"street": "1 rue", "postcode": "44000", "city": long}),
                "home.city",
                "Saisissez au plus 200 caractères.",
            ),
            (
                "home",
                json!({"street": "1 rue", "postcode": "44000", "city": "Nantes", "floor": "2"}),
                "home.floor",
                UNKNOWN,
            ),
            ("kind", json!("death"), "kind", CHOICE),
            ("kind", json!(["birth"]), "kind", CHOICE),
            ("topics", json!("a"), "topics", "La réponse doit être une liste de réponses."),
            ("topics", json!(["a", "z"]), "topics[1]", CHOICE),
            ("topics", json!(["a", "a"]), "topics", "Chaque réponse ne peut être choisie qu'une fois."),
            ("topics", json!(["a", "b", "c"]), "topics", "Choisissez au plus 2 réponses."),
            ("topics", json!(["a"]), "topics", "Choisissez au moins 2 réponses."),
            ("agree", json!("oui"), "agree", "La réponse doit être oui ou non."),
            ("children", json!({"child_name": "Léa"}), "children", "La réponse doit être une liste."),
            ("children", json!(["Léa"]), "children[0]", "La réponse doit être un ensemble de réponses."),
            (
                "children",
                json!([{"child_name": "Léa"}, {"child_born": "2020-01-01"}]),
                "children[1].child_name",
                "Saisissez une réponse.",
            ),
            (
                "children",
                json!([{"child_name": "Léa", "child_born": "2020-02-30"}]),
                "children[0].child_born",
                DATE,
            ),
            ("children", json!([{"child_name": "Léa", "age": 3}]), "children[0].age", UNKNOWN),
            (
                "children",
                json!([{"child_name": "A"}, {"child_name": "B"}, {"child_name": "C"}]),
                "children",
                "Ajoutez au plus 2 éléments.",
            ),
            ("must", json!("   "), "must", "Saisissez une réponse."),
            ("must", Value::Null, "must", "Saisissez une réponse."),
        ];
        let form = form();
        for (field, answer, path, message) in cases {
            let mut answers = Answers::new();
            answers.insert("must".into(), json!("ok"));
            answers.insert(field.into(), answer.clone());
            let errors =
                form.validate_submission(&answers, today()).expect_err(&format!("{field} = {answer}"));
            assert_eq!(errors, [error(path, message)], "{field} = {answer}");
        }
    }

    #[test]
    fn good_answers_pass_and_come_back_trimmed() {
        let answers = json!({
            "name": "  Dupont ", "code": "123", "story": "Il était\nune fois", "copies": 2.0,
            "born": "2025-06-14", "visit": "2025-06-16", "mail": "Jean.Dupont+mairie@exemple-ville.fr",
            "tel": "+33 1 23 45 67 89",
            "home": {"street": "1 rue", "postcode": "SW1A 1AA", "city": "London", "country": "Royaume-Uni"},
            "kind": "birth", "topics": ["c", "a"], "agree": false,
            "children": [{"child_name": "Léa", "child_born": "2020-01-01"}],
            "must": "ok", "story_extra": null,
        });
        let form = form();
        let mut answers = answers.as_object().unwrap().clone();
        answers.remove("story_extra");
        let valid = form.validate_submission(&answers, today()).unwrap();
        assert_eq!(valid["name"], "Dupont");
        assert_eq!(valid.len(), answers.len());
        for mail in ["a@b.fr", "nom@école.fr", "x@sub.xn--p1ai"] {
            assert!(is_email(mail), "{mail}");
        }
        for tel in ["0123456789", "01.23.45.67.89", "01-23-45-67-89", "+44 20 7946 0958"] {
            assert!(is_phone(tel), "{tel}");
        }
    }

    #[test]
    fn drafts_only_check_unknown_fields_and_sizes() {
        let answers = json!({
            "mail": "not an email", "copies": "many", "kind": "nope", "must": "",
            "name": "far too long for ten", "topics": ["a", "b", "c", "a"],
            "children": [{"child_name": "x".repeat(201), "pet": "cat"}, {}, {}],
            "home": {"street": "x".repeat(201)},
            "extra": 1,
        });
        let errors = form().check_draft(answers.as_object().unwrap());
        let mut found: Vec<(&str, &str)> =
            errors.iter().map(|e| (e.field.as_str(), e.message.as_str())).collect();
        found.sort();
        assert_eq!(
            found,
            [
                ("children", "Ajoutez au plus 2 éléments."),
                ("children[0].child_name", "Saisissez au plus 200 caractères."),
                ("children[0].pet", UNKNOWN),
                ("extra", UNKNOWN),
                ("home.street", "Saisissez au plus 200 caractères."),
                ("name", "Saisissez au plus 10 caractères."),
                ("topics", "Choisissez au plus 2 réponses."),
            ]
        );
    }
}

//! The citizen's profile (what prefills forms) and its validation.
//!
//! Values are kept as the citizen typed them, trimmed: markup in a name is
//! just text, stored and returned as is; the site renders API data as text
//! only.

use gru_domain::account::{Address, Profile};
use gru_domain::text::{clean_line, has_visible, trim_invisible};
use gru_web::FieldError;
use serde::Deserialize;

const MAX_NAME_CHARS: usize = 100;
const MAX_STREET_CHARS: usize = 200;
const MAX_CITY_CHARS: usize = 100;
/// Room for spaces, dots and a `+33` prefix around the digits.
const MAX_PHONE_CHARS: usize = 30;
/// E.164 allows 15 digits; fewer than 6 is no reachable number.
const PHONE_DIGITS: std::ops::RangeInclusive<usize> = 6..=15;

/// A profile as the client sends it: every field optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileInput {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub address: Option<AddressInput>,
}

/// An address as the client sends it; an address left entirely blank is no address.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub complement: Option<String>,
    #[serde(default)]
    pub postcode: Option<String>,
    #[serde(default)]
    pub city: Option<String>,
}

impl ProfileInput {
    /// The profile, or every field at fault.
    pub fn validate(self) -> Result<Profile, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = validate_name("name", self.name, &mut errors);
        let phone = self.phone.and_then(|phone| {
            let phone = non_blank(phone)?;
            let digits = phone.chars().filter(char::is_ascii_digit).count();
            let allowed = phone.chars().enumerate().all(|(i, c)| {
                c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '(' | ')') || (c == '+' && i == 0)
            });
            if phone.chars().count() <= MAX_PHONE_CHARS && allowed && PHONE_DIGITS.contains(&digits) {
                Some(phone)
            } else {
                errors.push(field("phone", "Numéro de téléphone invalide (par exemple 06 12 34 56 78)."));
                None
            }
        });
        let address = self.address.and_then(|address| address.validate(&mut errors));
        if errors.is_empty() { Ok(Profile { name, phone, address }) } else { Err(errors) }
    }
}

impl AddressInput {
    fn validate(self, errors: &mut Vec<FieldError>) -> Option<Address> {
        let street = self.street.and_then(non_blank);
        let complement = self.complement.and_then(non_blank);
        let postcode = self.postcode.and_then(non_blank);
        let city = self.city.and_then(non_blank);
        if street.is_none() && complement.is_none() && postcode.is_none() && city.is_none() {
            return None;
        }
        let before = errors.len();
        let street = required_text(
            "address.street",
            street,
            MAX_STREET_CHARS,
            errors,
            "Saisissez le numéro et le nom de la voie.",
        );
        let complement = complement.and_then(|c| text("address.complement", c, MAX_STREET_CHARS, errors));
        let postcode = match postcode {
            Some(p) if p.len() == 5 && p.bytes().all(|b| b.is_ascii_digit()) => Some(p),
            Some(_) => {
                errors.push(field("address.postcode", "Le code postal compte 5 chiffres."));
                None
            }
            None => {
                errors.push(field("address.postcode", "Indiquez le code postal."));
                None
            }
        };
        let city = required_text("address.city", city, MAX_CITY_CHARS, errors, "Saisissez la commune.");
        if errors.len() > before {
            return None;
        }
        Some(Address { street: street?, complement, postcode: postcode?, city: city? })
    }
}

/// A citizen's name (the profile's, or the one given at sign-up), or an
/// agent's: absent when it shows nothing, kept cleaned for one line
/// ([`clean_line`]: no bidirectional controls nor zero-width characters,
/// one space between words).
pub fn validate_name(path: &str, name: Option<String>, errors: &mut Vec<FieldError>) -> Option<String> {
    let name = text(path, non_blank(name?)?, MAX_NAME_CHARS, errors)?;
    Some(clean_line(&name)).filter(|name| has_visible(name))
}

fn field(path: &str, message: &str) -> FieldError {
    FieldError { field: path.to_owned(), message: message.to_owned() }
}

/// The value trimmed, or `None` when it shows nothing (blanks, zero-width
/// spaces, bidirectional controls…).
fn non_blank(value: String) -> Option<String> {
    let trimmed = trim_invisible(&value);
    has_visible(trimmed).then(|| trimmed.to_owned())
}

/// Free text on one line: bounded, without control characters (a line
/// break in a name would break the emails and documents it goes into).
fn text(path: &str, value: String, max: usize, errors: &mut Vec<FieldError>) -> Option<String> {
    if value.chars().count() > max {
        errors.push(field(path, &format!("Raccourcissez ce texte à {max} caractères au plus.")));
        None
    } else if value.chars().any(char::is_control) {
        errors.push(field(path, "Retirez les retours à la ligne et les caractères de contrôle de ce texte."));
        None
    } else {
        Some(value)
    }
}

fn required_text(
    path: &str,
    value: Option<String>,
    max: usize,
    errors: &mut Vec<FieldError>,
    missing: &str,
) -> Option<String> {
    match value {
        Some(value) => text(path, value, max, errors),
        None => {
            errors.push(field(path, missing));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: serde_json::Value) -> Result<Profile, Vec<String>> {
        let input: ProfileInput = serde_json::from_value(json).unwrap();
        input.validate().map_err(|errors| errors.into_iter().map(|e| e.field).collect())
    }

    #[test]
    fn a_full_profile_is_trimmed() {
        let profile = input(serde_json::json!({
            "name": "  Anne Dupont ", "phone": "+33 6 12 34 56 78",
            "address": {"street": "1 rue de la Loire", "postcode": "45000", "city": "Belleval"}
        }))
        .unwrap();
        assert_eq!(profile.name.as_deref(), Some("Anne Dupont"));
        assert_eq!(profile.address.unwrap().complement, None);
    }

    #[test]
    fn blank_values_are_absent() {
        let profile = input(serde_json::json!({
            "name": " ", "phone": "", "address": {"street": "", "postcode": " ", "city": ""}
        }))
        .unwrap();
        assert_eq!(profile, Profile::default());
        assert_eq!(input(serde_json::json!({})).unwrap(), Profile::default());
    }

    #[test]
    fn values_of_invisible_characters_are_absent_and_names_lose_controls() {
        let profile = input(serde_json::json!({
            "name": "\u{200b}\u{200b}", "phone": "\u{feff}",
            "address": {"street": "\u{202e}\u{200b}", "postcode": "\u{2060}", "city": "\u{ad}"}
        }))
        .unwrap();
        assert_eq!(profile, Profile::default());
        let profile = input(serde_json::json!({"name": "\u{202e}Anne\u{200b}  Dupont\u{2069}"})).unwrap();
        assert_eq!(profile.name.as_deref(), Some("Anne Dupont"));
        let errors =
            input(serde_json::json!({"address": {"street": "1 rue de la Loire", "city": "\u{200b}"}}));
        assert_eq!(errors.unwrap_err(), ["address.postcode", "address.city"], "required parts stay required");
    }

    #[test]
    fn every_field_at_fault_is_named() {
        let errors = input(serde_json::json!({
            "name": "x".repeat(101), "phone": "06 12 ab",
            "address": {"complement": "Bât.\nB", "postcode": "4500"}
        }))
        .unwrap_err();
        assert_eq!(
            errors,
            ["name", "phone", "address.street", "address.complement", "address.postcode", "address.city"]
        );
        assert_eq!(input(serde_json::json!({"phone": "+33 6 12 34 56 78 90 12 34"})).unwrap_err(), ["phone"]);
        assert_eq!(input(serde_json::json!({"phone": "06+12345678"})).unwrap_err(), ["phone"]);
    }
}

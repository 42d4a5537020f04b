//! The catalogue: the city's profile, its categories and its services, each
//! with a presentation page written for citizens.
//!
//! These types are both the city-file format (strict: unknown keys are
//! errors) and the stored and served form.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

/// The city: its name, look and contact, from `city.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct City {
    pub name: String,
    pub short_name: String,
    #[serde(default)]
    pub tagline: String,
    /// IANA time zone in which the city's dates are shown and computed.
    #[serde(default)]
    pub timezone: CityTimeZone,
    /// The public holidays the city's services close on: processing
    /// deadlines count working days without them.
    #[serde(default)]
    pub holidays: crate::holidays::HolidayCalendar,
    /// Path or URL of the logo, as the site should load it.
    pub logo: String,
    pub logo_alt: String,
    pub colours: Colours,
    pub contact: Contact,
    /// Links to the city's institutional site, shown in the footer.
    #[serde(default)]
    pub links: Vec<Link>,
    /// How the portal's emails are signed.
    #[serde(default)]
    pub emails: CityEmails,
    /// The services the home page puts first (« Les démarches les plus
    /// demandées »), by slug, in the city's order.
    #[serde(default)]
    pub featured: Vec<String>,
}

/// The name the portal's emails come from and the one they are signed
/// with; both the city's name when its files say nothing. The sending
/// address is the deployment's (an identity SES has verified).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CityEmails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    /// One or a few lines, after « Cordialement, ».
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl City {
    /// The name the portal's emails come from.
    pub fn sender_name(&self) -> &str {
        self.emails.sender_name.as_deref().unwrap_or(&self.name)
    }

    /// What the portal's emails are signed with.
    pub fn signature(&self) -> &str {
        self.emails.signature.as_deref().unwrap_or(&self.name)
    }
}

/// The city's time zone: an IANA name the time-zone database knows (jiff's
/// bundled copy), so a misspelt name is refused where the city's files are
/// read (with its file and line) and when a stored profile is read, and no
/// code falls back to another zone. `Europe/Paris` when the file says none.
#[derive(Debug, Clone)]
pub struct CityTimeZone {
    name: String,
    zone: TimeZone,
}

impl CityTimeZone {
    /// The zone to compute the city's wall-clock dates and times in.
    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// Its IANA name, e.g. `Europe/Paris`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Default for CityTimeZone {
    fn default() -> Self {
        Self::try_from(DEFAULT_TIME_ZONE.to_owned()).expect("the bundled database knows Europe/Paris")
    }
}

/// The time zone of a city whose `city.toml` names none.
const DEFAULT_TIME_ZONE: &str = "Europe/Paris";

impl TryFrom<String> for CityTimeZone {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        // `get` also accepts other spellings of a name (case, POSIX strings);
        // only the canonical IANA names are taken, as browsers expect them.
        match TimeZone::get(&name) {
            Ok(zone) if zone.iana_name() == Some(name.as_str()) => Ok(Self { name, zone }),
            _ => Err(format!(
                "« {name} » n'est pas un fuseau horaire connu : écrivez son nom IANA, par exemple « {DEFAULT_TIME_ZONE} »"
            )),
        }
    }
}

impl From<CityTimeZone> for String {
    fn from(zone: CityTimeZone) -> Self {
        zone.name
    }
}

impl PartialEq for CityTimeZone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for CityTimeZone {}

impl Serialize for CityTimeZone {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for CityTimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Self::try_from(name).map_err(serde::de::Error::custom)
    }
}

/// The city's colours, applied by the site as CSS custom properties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Colours {
    pub primary: String,
    /// Text colour on the primary colour.
    pub on_primary: String,
    pub accent: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub address: String,
    pub phone: String,
    pub email: String,
    pub hours: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub label: String,
    pub url: String,
}

/// A group of services, from `categories.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub slug: String,
    pub title: String,
    pub description: String,
}

/// One online service (a *téléservice*), from `services/<slug>.toml`.
///
/// Later capabilities add their sections beside `presentation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    pub slug: String,
    pub title: String,
    /// Slug of the service's category.
    pub category: String,
    pub summary: String,
    /// Words citizens may search with, synonyms included.
    #[serde(default)]
    pub keywords: Vec<String>,
    pub presentation: Presentation,
    /// The online form, when the service can be requested on the portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<crate::form::Form>,
    /// Id of the workflow its requests follow (`workflows/<id>.toml`);
    /// [`crate::workflow::Workflow::standard`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// The appointment the service books, when it has one (`[appointment]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<ServiceAppointment>,
    /// Offered to Open311 GeoReport v2 apps (`[open311]`), when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open311: Option<crate::open311::Open311>,
}

/// The kind of appointment a service books: its page offers it, and when
/// `required`, citizens book it to complete the service (after sending its
/// form, when it has one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceAppointment {
    /// Id of an appointment type some agenda offers (`titre-identite`).
    #[serde(rename = "type")]
    pub appointment_type: String,
    /// Whether the service is only complete once the appointment is booked.
    #[serde(default)]
    pub required: bool,
}

/// What a citizen reads before starting a service. Long texts are plain
/// text: paragraphs separated by a blank line, lines starting with `- ` are
/// list items.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presentation {
    /// What the service is for.
    pub purpose: String,
    /// Who may use it.
    pub audience: String,
    pub conditions: String,
    /// How it unfolds, from the citizen's side.
    pub process: String,
    /// The usual delay, one line.
    pub delay: String,
    /// The cost, one line ("Gratuit" when free).
    pub cost: String,
    /// The steps of the instruction, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub documents: Vec<DocumentExpected>,
    /// Other ways to do it: counter, phone, post, email.
    #[serde(default)]
    pub channels: Vec<Channel>,
    #[serde(default)]
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub title: String,
    pub description: String,
    /// The workflow statuses during which this step is the current one
    /// (`gru_domain::steps`); none: the step follows the public phase.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses: Vec<String>,
}

/// A supporting document, and the case in which it is needed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DocumentExpected {
    pub title: String,
    pub description: String,
    /// When absent, the document is always needed.
    #[serde(default)]
    pub when: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Channel {
    pub kind: ChannelKind,
    pub label: String,
    pub details: String,
}

/// The ways a request reaches the city besides the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChannelKind {
    Counter,
    Phone,
    Post,
    Email,
}

/// A whole city: what `city_files::load` reads and `catalogue import`
/// writes to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityCatalogue {
    pub city: City,
    /// In the order the city lists them.
    pub categories: Vec<Category>,
    /// Sorted by slug.
    pub services: Vec<Service>,
    /// Appointment agendas (`agendas/`), sorted by id; imported beside the
    /// services, served by the booking function.
    pub agendas: Vec<crate::agenda::Agenda>,
    /// Workflows (`workflows/`), sorted by id.
    pub workflows: Vec<crate::workflow::Workflow>,
}

impl CityCatalogue {
    pub fn category(&self, slug: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.slug == slug)
    }

    pub fn agenda(&self, id: &str) -> Option<&crate::agenda::Agenda> {
        self.agendas.iter().find(|a| a.id == id)
    }

    pub fn workflow(&self, id: &str) -> Option<&crate::workflow::Workflow> {
        self.workflows.iter().find(|w| w.id == id)
    }

    /// How many services each category holds.
    pub fn service_count(&self, category: &str) -> usize {
        self.services.iter().filter(|s| s.category == category).count()
    }
}

/// Slugs are what URLs and keys are made of: lowercase ASCII letters,
/// digits and single hyphens, 1 to 64 characters.
pub fn is_valid_slug(slug: &str) -> bool {
    (1..=64).contains(&slug.len())
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        for good in ["acte-etat-civil", "a", "cni2"] {
            assert!(is_valid_slug(good), "{good}");
        }
        for bad in ["", "Acte", "acte_etat", "-a", "a-", "a--b", "état", "a/b", &"a".repeat(65)] {
            assert!(!is_valid_slug(bad), "{bad}");
        }
    }
}

//! How a request changes, without I/O: moved to another status of its
//! workflow (with what entering it does: the email to the citizen, the
//! deadline started, paused, resumed or stopped, the history entry), or
//! given to an agent. The caller writes the result in one transaction on
//! the version it read. Public so that the messaging function moves a
//! request the same way when the citizen answers.

use gru_domain::catalogue::City;
use gru_domain::holidays::HolidayCalendar;
use gru_domain::request::Phase;
use gru_domain::request::{Assignee, HistoryEntry, HistoryKind, Request};
use gru_domain::workflow::{self, EmailTemplate, Status, Workflow};
use gru_ports::Email;
use jiff::Timestamp;
use jiff::civil::Date;

/// When a change happens, on the city's calendar.
#[derive(Debug, Clone)]
pub struct Moment {
    pub now: Timestamp,
    /// Today in the city's time zone.
    pub today: Date,
    pub calendar: HolidayCalendar,
    /// The city's time zone, which makes a past instant a day of the city.
    pub zone: jiff::tz::TimeZone,
}

impl Moment {
    /// `now` on `city`'s calendar.
    pub fn of(city: &City, now: Timestamp) -> Self {
        let zone = city.timezone.zone().clone();
        Moment { now, today: now.to_zoned_datetime(zone.clone()).date(), calendar: city.holidays, zone }
    }

    /// The city's days, as the indicators count them.
    pub fn days(&self) -> gru_domain::indicators::CityDays<'_> {
        gru_domain::indicators::CityDays { zone: &self.zone, holidays: self.calendar }
    }
}

/// Who makes a change: an agent's id and name, or `citizen` without a name.
#[derive(Debug, Clone, Copy)]
pub struct Author<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
}

/// A request moved to a status.
#[derive(Debug, Clone)]
pub struct Moved {
    /// The request as it is after the move (history entry included).
    pub request: Request,
    /// The email the status sends the citizen, if it sends one.
    pub email: Option<Email>,
    /// The change's unique name (`<reference>#<history index>`), for the outbox.
    pub event: String,
}

/// `template` (a status's email) filled in for `request` entering `status`;
/// `link` is how the citizen follows it (the follow-up page, or in a letter
/// how to reach the service). `{signature}` is left for the mailer.
pub fn render_for(template: &EmailTemplate, request: &Request, status: &Status, link: &str) -> EmailTemplate {
    template.render(&[
        ("reference", request.reference.as_str()),
        ("service", &request.service_title),
        ("status", &status.citizen_label),
        ("link", link),
        ("name", request.citizen_name.as_deref().unwrap_or_default()),
    ])
}

/// What an agent writes with a change of status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    /// For colleagues, never shown to the citizen.
    pub comment: Option<String>,
    /// For the citizen: why the request is refused or closed.
    pub reason: Option<String>,
}

/// `request` moved to `to` by `by`: the status and phase, the deadline as
/// `to` says, the status to resume when it starts waiting for the citizen,
/// one history entry, and the email `to` sends (placeholders filled in;
/// `link` is where the citizen follows the request once signed in).
pub fn move_to(
    request: &Request,
    workflow: &Workflow,
    to: &Status,
    by: Author<'_>,
    words: Words,
    when: Moment,
    public_url: &str,
) -> Moved {
    let mut next = request.clone();
    let waits = to.phase == Phase::WaitingForCitizen;
    next.resume_status = match (waits, request.phase == Phase::WaitingForCitizen) {
        (true, false) => Some(request.status.clone()),
        (true, true) => request.resume_status.clone(),
        (false, _) => None,
    };
    next.status = to.id.clone();
    next.phase = to.phase;
    next.deadline = workflow::apply(to.deadline, request.deadline, when.today, workflow, when.calendar);
    next.decided_due = if to.phase.is_final() { request.deadline.map(|d| d.due) } else { None };
    next.updated_at = when.now;
    next.history.push(HistoryEntry {
        status: Some(to.id.clone()),
        by_name: by.name.map(str::to_owned),
        comment: words.comment,
        reason: words.reason,
        ..HistoryEntry::new(HistoryKind::Status, when.now, to.phase, by.id)
    });
    let event = format!("{}#{}", request.reference, next.history.len() - 1);
    // A request received by post without an address has its letters printed instead.
    let email = to.email.as_ref().filter(|_| !request.email.trim().is_empty()).map(|template| {
        let link = format!("{public_url}/suivi.html?reference={}", request.reference);
        let rendered = render_for(template, request, to, &link);
        Email {
            to: request.email.clone(),
            subject: rendered.subject,
            text: rendered.body,
            html: None,
            attachments: Vec::new(),
            from_name: None,
        }
    });
    Moved { request: next, email, event }
}

/// `request` given to `assignee` (`None`: released) by `by`, with its
/// history entry. The citizen is not told: it changes nothing for them.
pub fn assign(request: &Request, assignee: Option<Assignee>, by: Author<'_>, now: Timestamp) -> Request {
    let mut next = request.clone();
    next.history.push(HistoryEntry {
        by_name: by.name.map(str::to_owned),
        assignee: assignee.clone(),
        ..HistoryEntry::new(HistoryKind::Assigned, now, request.phase, by.id)
    });
    next.assignee = assignee;
    next.updated_at = now;
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        let at: Timestamp = "2027-03-01T09:00:00Z".parse().unwrap();
        Request {
            reference: "ABCD-2345".into(),
            service: "etat-civil".into(),
            service_title: "Acte d'état civil".into(),
            form_version: 1,
            answers: Default::default(),
            documents: vec![],
            email: "anne@example.fr".into(),
            account: None,
            citizen_name: Some("Anne {link}".into()),
            channel: "online".into(),
            phase: Phase::Submitted,
            status: "submitted".into(),
            submitted_at: at,
            updated_at: at,
            history: vec![HistoryEntry::new(HistoryKind::Submitted, at, Phase::Submitted, "citizen")],
            case: None,
            assignee: None,
            deadline: None,
            resume_status: None,
            decided_due: None,
            open311: None,
            postal_address: None,
        }
    }

    fn moment(day: &str) -> Moment {
        let today: Date = day.parse().unwrap();
        Moment {
            now: today.to_zoned_datetime(jiff::tz::TimeZone::UTC).unwrap().timestamp(),
            today,
            calendar: HolidayCalendar::France,
            zone: jiff::tz::TimeZone::UTC,
        }
    }

    const AGENT: Author<'static> = Author { id: "a1", name: Some("Claire Martin") };

    #[test]
    fn waiting_pauses_the_deadline_and_remembers_where_to_resume() {
        let workflow = Workflow::standard();
        let status = |id| workflow.status(id).unwrap();
        // Monday 1 March 2027: 15 working days is Monday 22 March.
        let review = move_to(
            &request(),
            &workflow,
            status("in_review"),
            AGENT,
            Words::default(),
            moment("2027-03-01"),
            "https://x",
        );
        let due = review.request.deadline.unwrap().due;
        assert_eq!(due.to_string(), "2027-03-22");
        let wait = move_to(
            &review.request,
            &workflow,
            status("waiting_for_citizen"),
            AGENT,
            Words { comment: Some("pièce illisible".into()), reason: None },
            moment("2027-03-03"),
            "https://x",
        );
        assert_eq!(wait.request.resume_status.as_deref(), Some("in_review"));
        assert_eq!(wait.request.phase, Phase::WaitingForCitizen);
        assert_eq!(wait.event, "ABCD-2345#2");
        // Back a week later (five working days): the due day moves as much,
        // past Easter Monday (29 March 2027).
        let back = move_to(
            &wait.request,
            &workflow,
            status("in_review"),
            AGENT,
            Words::default(),
            moment("2027-03-10"),
            "https://x",
        );
        assert_eq!(back.request.deadline.unwrap().due.to_string(), "2027-03-30");
        assert_eq!(back.request.resume_status, None);
        let entry = back.request.history.last().unwrap();
        assert_eq!(
            (entry.kind, entry.status.as_deref(), entry.by_name.as_deref()),
            (HistoryKind::Status, Some("in_review"), Some("Claire Martin"))
        );
        assert_eq!(wait.request.history[2].comment.as_deref(), Some("pièce illisible"));
    }

    #[test]
    fn the_email_fills_its_placeholders_once() {
        let workflow = Workflow::standard();
        let moved = move_to(
            &request(),
            &workflow,
            workflow.status("accepted").unwrap(),
            AGENT,
            Words::default(),
            moment("2027-03-01"),
            "https://mairie.example",
        );
        let email = moved.email.unwrap();
        assert_eq!(email.to, "anne@example.fr");
        assert_eq!(email.subject, "Votre demande ABCD-2345 est acceptée");
        assert!(
            email.text.contains("https://mairie.example/suivi.html?reference=ABCD-2345"),
            "{}",
            email.text
        );
        assert_eq!(moved.request.deadline, None, "a decision stops the deadline");
    }

    #[test]
    fn assigning_is_recorded_without_changing_the_status() {
        let now = moment("2027-03-02").now;
        let claire = Assignee { id: "a1".into(), name: "Claire Martin".into() };
        let taken = assign(&request(), Some(claire.clone()), AGENT, now);
        assert_eq!(taken.assignee, Some(claire.clone()));
        assert_eq!(taken.status, "submitted");
        let entry = taken.history.last().unwrap();
        assert_eq!((entry.kind, entry.assignee.as_ref()), (HistoryKind::Assigned, Some(&claire)));
        let released = assign(&taken, None, AGENT, now);
        assert_eq!(released.assignee, None);
        assert_eq!(released.history.len(), 3);
    }
}

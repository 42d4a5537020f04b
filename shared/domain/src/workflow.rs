//! Workflows as data: the statuses a service's requests go through, who may
//! move them from one to the next, what the citizen is told at each step,
//! and the processing deadline counted in working days.
//!
//! A city writes one workflow per file (`workflows/<id>.toml`) and names it
//! in a service (`workflow = "<id>"`); a service without one follows
//! [`Workflow::standard`]. Each status maps onto one public [`Phase`], so
//! indicators and citizens read the same words whatever the workflow.
//!
//! Deadlines count working days: Monday to Friday, except the public
//! holidays of the city's [`HolidayCalendar`]. The clock stops while a
//! request waits for the citizen: on resuming, the due date and the alert
//! move by the working days spent waiting.

use crate::holidays::{HolidayCalendar, is_holiday};
use crate::request::Phase;
use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Serialize};

/// A service's workflow, from `workflows/<id>.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workflow {
    pub id: String,
    /// As agents read it in the back office: « Actes d'état civil ».
    pub title: String,
    /// Maximum processing delay, in working days; no deadline when absent.
    #[serde(default)]
    pub max_days: Option<u32>,
    /// Working days after which a request is flagged as soon due.
    #[serde(default)]
    pub alert_days: Option<u32>,
    /// The first one is where every request starts.
    pub statuses: Vec<Status>,
    pub transitions: Vec<Transition>,
}

/// One status a request can be in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    /// Recorded on the request: lowercase letters, digits, `_` and `-`.
    pub id: String,
    /// What the citizen reads: « Pièce complémentaire demandée ».
    pub citizen_label: String,
    /// What agents read in their inbox: « En attente du demandeur ».
    pub agent_label: String,
    /// The public phase this status belongs to.
    pub phase: Phase,
    /// What happens next, in the citizen's words ("Nous vérifions votre dossier.").
    #[serde(default)]
    pub next_step: Option<String>,
    /// Sent to the citizen on entering this status.
    #[serde(default)]
    pub email: Option<EmailTemplate>,
    /// What entering this status does to the processing deadline.
    #[serde(default)]
    pub deadline: DeadlineAction,
}

impl Status {
    /// Whether requests end here: accepted, refused or closed.
    pub fn is_final(&self) -> bool {
        self.phase.is_final()
    }
}

/// The placeholders an email may use, replaced by [`render`]: the request's
/// reference, the service's title, the status's citizen label, the link to
/// follow the request, and the citizen's name; `{signature}` is left for
/// the mailer, which writes the city's signature there (`gru_ports::mailer::SIGNATURE`).
pub const PLACEHOLDERS: [&str; 6] = ["reference", "service", "status", "link", "name", "signature"];

/// An email to the citizen, with [`PLACEHOLDERS`] written `{reference}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailTemplate {
    pub subject: String,
    pub body: String,
}

impl EmailTemplate {
    /// The email with its placeholders replaced by `values`.
    pub fn render(&self, values: &[(&str, &str)]) -> EmailTemplate {
        EmailTemplate { subject: render(&self.subject, values), body: render(&self.body, values) }
    }
}

/// What entering a status does to the processing deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeadlineAction {
    /// Nothing, except that a paused deadline resumes: the clock only stops
    /// while the request is in a status that pauses it.
    #[default]
    None,
    /// Starts the deadline when the request has none (a reopened request
    /// gets a fresh one); resumes a paused one; leaves a running one alone.
    Start,
    /// Stops the clock until the request leaves the status.
    Pause,
    /// Resumes a paused deadline (what `none` does too, said explicitly).
    Resume,
    /// Ends the deadline: the request is decided.
    Stop,
}

/// A move from some statuses to another: an agent's button, or the
/// citizen's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transition {
    /// Status ids it starts from; `"*"` stands for any status but `to`.
    pub from: Vec<String>,
    pub to: String,
    /// The agent's button: « Demander une pièce ».
    pub label: String,
    /// Who may make it; agents when absent.
    #[serde(default = "agents")]
    pub by: Vec<Actor>,
}

fn agents() -> Vec<Actor> {
    vec![Actor::Agent]
}

impl Transition {
    /// Whether `actor` may make this transition. Rights go up the ladder:
    /// what an agent may do, a supervisor and an admin may too, and what a
    /// supervisor may do, an admin may; the citizen only what names them.
    pub fn allows_actor(&self, actor: Actor) -> bool {
        self.by.iter().any(|&allowed| match (allowed.rank(), actor.rank()) {
            (Some(needed), Some(held)) => held >= needed,
            _ => allowed == actor,
        })
    }

    fn starts_from(&self, status: &str) -> bool {
        self.from.iter().any(|from| from == status || (from == ANY && self.to != status))
    }
}

/// `from = ["*"]`: any status.
const ANY: &str = "*";

/// Who makes a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Actor {
    Agent,
    Supervisor,
    Admin,
    Citizen,
}

impl Actor {
    /// Staff rank; the citizen is outside the ladder.
    fn rank(self) -> Option<u8> {
        match self {
            Actor::Citizen => None,
            Actor::Agent => Some(1),
            Actor::Supervisor => Some(2),
            Actor::Admin => Some(3),
        }
    }
}

impl Workflow {
    /// The workflow of services that name none: received, in review, waiting
    /// for the citizen (the deadline paused) and back, then accepted,
    /// refused or closed; a supervisor may reopen a decided request. The
    /// citizen gets an email on each change but the first (submitting
    /// already sends the confirmation). 15 working days, alert after 10.
    pub fn standard() -> Workflow {
        let email = |subject: &str, body: &str| {
            Some(EmailTemplate {
                subject: subject.to_owned(),
                body: format!("Bonjour,\n\n{body}{SIGNATURE}"),
            })
        };
        let status = |id: &str, citizen: &str, agent: &str, phase, next: &str| Status {
            id: id.to_owned(),
            citizen_label: citizen.to_owned(),
            agent_label: agent.to_owned(),
            phase,
            next_step: Some(next.to_owned()),
            email: None,
            deadline: DeadlineAction::None,
        };
        let transition = |from: &[&str], to: &str, label: &str, by: &[Actor]| Transition {
            from: from.iter().map(|&s| s.to_owned()).collect(),
            to: to.to_owned(),
            label: label.to_owned(),
            by: by.to_vec(),
        };
        Workflow {
            id: "standard".to_owned(),
            title: "Traitement standard".to_owned(),
            max_days: Some(15),
            alert_days: Some(10),
            statuses: vec![
                Status {
                    deadline: DeadlineAction::Start,
                    ..status(
                        "submitted",
                        "Demande reçue",
                        "Nouvelle demande",
                        Phase::Submitted,
                        "Un agent va prendre en charge votre demande.",
                    )
                },
                Status {
                    deadline: DeadlineAction::Start,
                    email: email(
                        "Votre demande {reference} est en cours de traitement",
                        "Votre demande « {service} » (référence {reference}) est en cours de traitement \
                         par nos services.\n\nÉtat de votre demande : {status}.\n\nVous pouvez suivre son \
                         avancement à tout moment : {link}",
                    ),
                    ..status(
                        "in_review",
                        "En cours de traitement",
                        "En instruction",
                        Phase::InProgress,
                        "Nous vérifions votre dossier. Si une information ou une pièce manque, nous vous \
                         écrirons.",
                    )
                },
                Status {
                    deadline: DeadlineAction::Pause,
                    email: email(
                        "Votre demande {reference} : nous avons besoin de vous",
                        "Pour poursuivre le traitement de votre demande « {service} » (référence \
                         {reference}), nous avons besoin d'une information ou d'une pièce de votre part.\n\n\
                         Lisez notre message et répondez-nous en ligne : {link}\n\nLe délai de traitement \
                         est suspendu jusqu'à votre réponse.",
                    ),
                    ..status(
                        "waiting_for_citizen",
                        "En attente de votre réponse",
                        "En attente du demandeur",
                        Phase::WaitingForCitizen,
                        "Répondez à notre message depuis le suivi de votre demande : le traitement \
                         reprendra dès votre réponse.",
                    )
                },
                Status {
                    deadline: DeadlineAction::Stop,
                    email: email(
                        "Votre demande {reference} est acceptée",
                        "Bonne nouvelle : votre demande « {service} » (référence {reference}) est \
                         acceptée.\n\nRetrouvez le détail et la suite à donner dans le suivi de votre \
                         demande : {link}",
                    ),
                    ..status(
                        "accepted",
                        "Acceptée",
                        "Acceptée",
                        Phase::Accepted,
                        "Consultez le suivi de votre demande : il indique, s'il y a lieu, comment \
                         recevoir ou retirer ce que vous avez demandé.",
                    )
                },
                Status {
                    deadline: DeadlineAction::Stop,
                    email: email(
                        "Votre demande {reference} n'a pas pu être acceptée",
                        "Votre demande « {service} » (référence {reference}) n'a pas pu être \
                         acceptée.\n\nLe motif vous est expliqué dans le suivi de votre demande : {link}",
                    ),
                    ..status(
                        "refused",
                        "Refusée",
                        "Refusée",
                        Phase::Refused,
                        "Le motif du refus est indiqué dans le suivi de votre demande. Pour toute question, \
                         contactez la mairie.",
                    )
                },
                Status {
                    deadline: DeadlineAction::Stop,
                    email: email(
                        "Votre demande {reference} est close",
                        "Votre demande « {service} » (référence {reference}) est close.\n\nVous pouvez \
                         toujours la consulter : {link}",
                    ),
                    ..status(
                        "closed",
                        "Terminée",
                        "Classée sans suite",
                        Phase::Closed,
                        "Votre demande est close. Pour toute question, contactez la mairie.",
                    )
                },
            ],
            transitions: vec![
                transition(&["submitted"], "in_review", "Prendre en charge", &[Actor::Agent]),
                transition(
                    &["submitted", "in_review"],
                    "waiting_for_citizen",
                    "Demander un complément",
                    &[Actor::Agent],
                ),
                transition(
                    &["waiting_for_citizen"],
                    "in_review",
                    "Reprendre l'instruction",
                    &[Actor::Agent, Actor::Citizen],
                ),
                transition(&["in_review"], "accepted", "Accepter", &[Actor::Agent]),
                transition(&["in_review"], "refused", "Refuser", &[Actor::Agent]),
                transition(
                    &["submitted", "in_review", "waiting_for_citizen"],
                    "closed",
                    "Classer sans suite",
                    &[Actor::Agent],
                ),
                transition(&["accepted", "refused", "closed"], "in_review", "Rouvrir", &[Actor::Supervisor]),
            ],
        }
    }

    /// The status every request starts in: the first one.
    ///
    /// # Panics
    ///
    /// On a workflow without statuses, which [`Workflow::problems`] reports
    /// and city files therefore never hold.
    pub fn initial(&self) -> &Status {
        self.statuses.first().expect("a checked workflow has at least one status")
    }

    pub fn status(&self, id: &str) -> Option<&Status> {
        self.statuses.iter().find(|s| s.id == id)
    }

    /// The transitions `actor` may make from `status`, in file order.
    pub fn transitions_from(&self, status: &str, actor: Actor) -> Vec<&Transition> {
        self.transitions.iter().filter(|t| t.starts_from(status) && t.allows_actor(actor)).collect()
    }

    /// Whether `actor` may move a request from `from` to `to`.
    pub fn allows(&self, from: &str, to: &str, actor: Actor) -> bool {
        self.transitions_from(from, actor).iter().any(|t| t.to == to)
    }

    /// Where asking the citizen for something moves a request: the first
    /// status of the phase « waiting for the citizen », if the workflow has one.
    pub fn waiting_status(&self) -> Option<&Status> {
        self.statuses.iter().find(|s| s.phase == Phase::WaitingForCitizen)
    }

    /// Every structural problem of the workflow, in French for the city's
    /// staff; empty when it is sound.
    pub fn problems(&self) -> Vec<String> {
        self.located_problems().into_iter().map(|p| p.message).collect()
    }

    /// [`Workflow::problems`], each with the `[[array]]` entry it is in (for
    /// its line in the file).
    pub fn located_problems(&self) -> Vec<WorkflowProblem> {
        let mut problems = Vec::new();
        let mut problem = |entry: Option<(&'static str, usize)>, message: String| {
            problems.push(WorkflowProblem { entry, message });
        };
        if !crate::catalogue::is_valid_slug(&self.id) {
            problem(None, format!("id « {} » : minuscules, chiffres et tirets seulement", self.id));
        }
        if self.title.trim().is_empty() {
            problem(None, "« title » est vide".to_owned());
        }
        match (self.max_days, self.alert_days) {
            (Some(max), _) if !(1..=MAX_DAYS).contains(&max) => {
                problem(None, format!("max_days vaut {max} : de 1 à {MAX_DAYS} jours ouvrés"));
            }
            (Some(max), Some(alert)) if !(1..max).contains(&alert) => problem(
                None,
                format!(
                    "alert_days vaut {alert} : l'alerte doit venir avant le délai maximal ({max} jours ouvrés)"
                ),
            ),
            (None, Some(_)) => {
                problem(None, "alert_days sans max_days : l'alerte n'aurait pas de délai".to_owned())
            }
            _ => {}
        }
        if self.statuses.is_empty() {
            problem(None, "aucun statut ([[statuses]])".to_owned());
        }
        let mut seen: Vec<&str> = Vec::new();
        for (n, status) in self.statuses.iter().enumerate() {
            let entry = Some(("statuses", n));
            if !is_valid_status_id(&status.id) {
                problem(
                    entry,
                    format!("id « {} » : minuscules, chiffres, « _ » et « - » seulement", status.id),
                );
            }
            if seen.contains(&status.id.as_str()) {
                problem(entry, format!("le statut « {} » est déjà défini", status.id));
            }
            seen.push(&status.id);
            for (key, text) in
                [("citizen_label", &status.citizen_label), ("agent_label", &status.agent_label)]
            {
                if text.trim().is_empty() {
                    problem(entry, format!("« {key} » est vide"));
                }
            }
            if status.next_step.as_ref().is_some_and(|s| s.trim().is_empty()) {
                problem(entry, "« next_step » est vide : retirez-le s'il n'y a rien à dire".to_owned());
            }
            if let Some(email) = &status.email {
                if n == 0 {
                    problem(
                        entry,
                        "le premier statut n'envoie pas de courriel : le dépôt envoie déjà sa confirmation"
                            .to_owned(),
                    );
                }
                for (key, text) in [("subject", &email.subject), ("body", &email.body)] {
                    if text.trim().is_empty() {
                        problem(entry, format!("« email.{key} » est vide"));
                    }
                    for unknown in placeholders(text).filter(|p| !PLACEHOLDERS.contains(p)) {
                        problem(
                            entry,
                            format!(
                                "« email.{key} » : {{{unknown}}} est inconnu (possibles : {})",
                                PLACEHOLDERS.map(|p| format!("{{{p}}}")).join(", ")
                            ),
                        );
                    }
                }
            }
            if n == 0 && status.is_final() {
                problem(
                    entry,
                    "le premier statut ne peut pas être final : rien ne serait à traiter".to_owned(),
                );
            }
            if !status.is_final() && !self.transitions.iter().any(|t| t.starts_from(&status.id)) {
                problem(
                    entry,
                    format!("aucune transition ne sort du statut « {} », qui n'est pas final", status.id),
                );
            }
            if n > 0 && !self.transitions.iter().any(|t| t.to == status.id) {
                problem(entry, format!("aucune transition ne mène au statut « {} »", status.id));
            }
        }
        let mut moves: Vec<(&str, &str)> = Vec::new();
        for (n, transition) in self.transitions.iter().enumerate() {
            let entry = Some(("transitions", n));
            if transition.from.is_empty() {
                problem(entry, "« from » est vide".to_owned());
            }
            for from in &transition.from {
                if from != ANY && self.status(from).is_none() {
                    problem(entry, format!("statut de départ inconnu : « {from} »"));
                }
                let move_ = (from.as_str(), transition.to.as_str());
                if from != ANY && moves.contains(&move_) {
                    problem(
                        entry,
                        format!("la transition de « {from} » vers « {} » est déjà définie", transition.to),
                    );
                }
                moves.push(move_);
            }
            if self.status(&transition.to).is_none() {
                problem(entry, format!("statut d'arrivée inconnu : « {} »", transition.to));
            }
            if transition.label.trim().is_empty() {
                problem(entry, "« label » est vide : c'est le bouton des agents".to_owned());
            }
            if transition.by.is_empty() {
                problem(entry, "« by » est vide : personne ne pourrait faire cette transition".to_owned());
            }
        }
        problems
    }
}

/// Longest processing delay a workflow may set: about a year.
const MAX_DAYS: u32 = 250;

const SIGNATURE: &str = "\n\nCordialement,\n{signature}\n\n\
    Ce courriel est envoyé automatiquement : pour nous répondre, utilisez le suivi de votre demande.";

fn is_valid_status_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// One problem in a workflow: the `[[array]]` entry it is in, if any, and
/// what, in French.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowProblem {
    pub entry: Option<(&'static str, usize)>,
    pub message: String,
}

/// The names of the `{placeholders}` in `template`.
fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template.split('{').skip(1).filter_map(|rest| {
        let name = &rest[..rest.find('}')?];
        is_placeholder_name(name).then_some(name)
    })
}

fn is_placeholder_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// `template` with each `{name}` whose name `values` holds replaced by its
/// value, in one pass: a value is never read as a template (a citizen's name
/// written `{link}` stays as it is), and other braces are left alone.
pub fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            values.iter().find(|(name, _)| *name == &after[..close]).map(|(_, v)| (close, v))
        });
        match value {
            Some((close, value)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Whether `day` is a working day: Monday to Friday, not a public holiday.
pub fn is_working_day(day: Date, calendar: HolidayCalendar) -> bool {
    !matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_holiday(day, calendar)
}

/// The day `days` working days after `day` (`day` itself when 0): from a
/// Friday, 1 working day is the Monday, or the Tuesday when Monday is a
/// public holiday.
pub fn add_working_days(day: Date, days: u32, calendar: HolidayCalendar) -> Date {
    let mut current = day;
    let mut left = days;
    while left > 0 {
        let Ok(next) = current.tomorrow() else { break };
        current = next;
        if is_working_day(current, calendar) {
            left -= 1;
        }
    }
    current
}

/// The working days after `from` up to `to` included (0 when `to` is not
/// after `from`): `add_working_days(from, n)` is `to` when `to` is a working day.
pub fn working_days_between(from: Date, to: Date, calendar: HolidayCalendar) -> u32 {
    let mut count = 0;
    let mut current = from;
    while current < to {
        let Ok(next) = current.tomorrow() else { break };
        current = next;
        if is_working_day(current, calendar) {
            count += 1;
        }
    }
    count
}

/// A request's processing deadline, on the city's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// The last day to decide.
    pub due: Date,
    /// From this day on, the request is flagged as soon due.
    #[serde(default)]
    pub alert: Option<Date>,
    /// The day the clock stopped, while the request waits for the citizen.
    #[serde(default)]
    pub paused_since: Option<Date>,
}

/// Where a request stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineState {
    /// The clock is stopped: the request waits for the citizen.
    Paused,
    OnTime,
    /// The alert day is reached.
    Soon,
    /// The due day is past.
    Late,
}

impl DeadlineState {
    /// The JSON name (`paused`, `on_time`, `soon`, `late`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeadlineState::Paused => "paused",
            DeadlineState::OnTime => "on_time",
            DeadlineState::Soon => "soon",
            DeadlineState::Late => "late",
        }
    }
}

impl Deadline {
    /// The deadline of a request starting `today`: `max_days` working days
    /// ahead, the alert `alert_days` ahead; none when the workflow sets no
    /// maximum delay.
    pub fn start(today: Date, workflow: &Workflow, calendar: HolidayCalendar) -> Option<Deadline> {
        let max = workflow.max_days?;
        Some(Deadline {
            due: add_working_days(today, max, calendar),
            alert: workflow.alert_days.map(|alert| add_working_days(today, alert, calendar)),
            paused_since: None,
        })
    }

    /// Stops the clock from `today` (a paused deadline stays paused since
    /// the first day).
    pub fn pause(&mut self, today: Date) {
        self.paused_since.get_or_insert(today);
    }

    /// Starts the clock again: the due day and the alert move by the working
    /// days spent waiting (after the pause day, up to `today` included).
    pub fn resume(&mut self, today: Date, calendar: HolidayCalendar) {
        let Some(since) = self.paused_since.take() else { return };
        let waited = working_days_between(since, today, calendar);
        self.due = add_working_days(self.due, waited, calendar);
        self.alert = self.alert.map(|alert| add_working_days(alert, waited, calendar));
    }

    pub fn state(&self, today: Date) -> DeadlineState {
        if self.paused_since.is_some() {
            DeadlineState::Paused
        } else if today > self.due {
            DeadlineState::Late
        } else if self.alert.is_some_and(|alert| today >= alert) {
            DeadlineState::Soon
        } else {
            DeadlineState::OnTime
        }
    }
}

/// The deadline after entering a status whose action is `action` on `today`.
pub fn apply(
    action: DeadlineAction,
    deadline: Option<Deadline>,
    today: Date,
    workflow: &Workflow,
    calendar: HolidayCalendar,
) -> Option<Deadline> {
    let resumed = |mut deadline: Deadline| {
        deadline.resume(today, calendar);
        deadline
    };
    match action {
        DeadlineAction::Start => match deadline {
            Some(deadline) => Some(resumed(deadline)),
            None => Deadline::start(today, workflow, calendar),
        },
        DeadlineAction::Pause => deadline.map(|mut deadline| {
            deadline.pause(today);
            deadline
        }),
        DeadlineAction::None | DeadlineAction::Resume => deadline.map(resumed),
        DeadlineAction::Stop => None,
    }
}

#[cfg(test)]
mod tests;

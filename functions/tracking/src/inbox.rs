//! The agents' inbox as a use case over the store: which requests of the
//! agent's services match a filter, and in which order. The handler parses
//! and checks the query, then pages and presents what this returns.
//!
//! Reads: one index query per (service, phase) of the selection; `q` as a
//! reference is one get, as an email one query of the citizen's list and
//! one get per request listed in the agent's services.

use gru_domain::request::{Phase, Request};
use gru_domain::search::normalize;
use gru_domain::workflow::DeadlineState;
use gru_records::requests::{Repository, RepositoryError, Versioned};
use gru_web::agent::Agent;
use gru_web::tokens;
use jiff::civil::Date;
use serde::Deserialize;

/// Phases the inbox shows unless told one: requests still to be decided.
const OPEN_PHASES: [Phase; 3] = [Phase::Submitted, Phase::InProgress, Phase::WaitingForCitizen];
/// Decided requests (accepted, refused, closed) listed per service and
/// phase: the most recently submitted; a search by reference or email
/// reaches the others.
const DECIDED_SHOWN: u32 = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Due {
    /// Past the due day.
    Late,
    /// The alert day is reached, not yet late.
    Soon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Sort {
    /// Most urgent first: by due day, those without a deadline last.
    #[default]
    Deadline,
    /// Most recent first.
    Date,
}

/// What `q` searches by.
enum Search {
    /// A citizen's email: their requests, whatever the phase.
    Email(String),
    /// Words found in the citizen's name or email.
    Words(Vec<String>),
}

/// What the agent asked the inbox for, checked.
pub(crate) struct Filter<'a> {
    /// The services listed: the one asked for, or every one the agent handles.
    pub services: &'a [String],
    /// The one service asked for, if any.
    pub service: Option<&'a str>,
    pub phase: Option<Phase>,
    pub status: Option<&'a str>,
    pub channel: Option<&'a str>,
    /// `Some(None)`: requests nobody handles; `Some(Some(id))`: that agent's.
    pub assignee: Option<Option<&'a str>>,
    pub due: Option<Due>,
    /// A reference, a citizen's email, or words of their name or email.
    pub q: Option<&'a str>,
    pub sort: Sort,
}

/// The requests of the agent's services that match `filter`, sorted;
/// deadlines are judged on `today`.
pub(crate) async fn requests(
    repository: &Repository,
    agent: &Agent,
    filter: &Filter<'_>,
    today: Date,
) -> Result<Vec<Request>, RepositoryError> {
    let in_scope = |r: &Versioned<Request>| {
        agent.handles(&r.value.service) && filter.service.is_none_or(|s| s == r.value.service)
    };

    // A reference is looked up first: an exact get, whatever the phase.
    let by_reference = match filter.q {
        Some(q) => repository.request_versioned(&q.to_uppercase()).await?.filter(in_scope),
        None => None,
    };
    let search = match (&by_reference, filter.q) {
        (None, Some(q)) => Some(match tokens::normalize_email(q) {
            Some(email) => Search::Email(email),
            None => Search::Words(normalize(q).split_whitespace().map(str::to_owned).collect()),
        }),
        _ => None,
    };
    let candidates: Vec<Versioned<Request>> = match (by_reference, &search) {
        (Some(found), _) => vec![found],
        (None, Some(Search::Email(email))) => {
            let mut found = Vec::new();
            for summary in repository.requests_of(&tokens::email_key(email)).await? {
                if !agent.handles(&summary.service) {
                    continue;
                }
                if let Some(request) =
                    repository.request_versioned(&summary.reference).await?.filter(in_scope)
                {
                    found.push(request);
                }
            }
            found
        }
        (None, _) => {
            let phases = filter.phase.map_or_else(|| OPEN_PHASES.to_vec(), |p| vec![p]);
            let mut found = Vec::new();
            for service in filter.services {
                for &phase in &phases {
                    // Open requests are the work at hand, read whole to sort
                    // by deadline; decided ones only accumulate: the most
                    // recent of each service (older ones by reference or email).
                    found.extend(if OPEN_PHASES.contains(&phase) {
                        repository.requests_in(service, phase).await?
                    } else {
                        repository.recent_requests_in(service, phase, DECIDED_SHOWN).await?
                    });
                }
            }
            found
        }
    };
    Ok(select(candidates.into_iter().map(|r| r.value).collect(), filter, search.as_ref(), today))
}

/// Keeps the candidates that match every criterion, in the order asked.
fn select(
    candidates: Vec<Request>,
    filter: &Filter<'_>,
    search: Option<&Search>,
    today: Date,
) -> Vec<Request> {
    let mut rows: Vec<Request> = candidates
        .into_iter()
        .filter(|r| filter.phase.is_none_or(|p| r.phase == p))
        .filter(|r| filter.status.is_none_or(|s| r.status == s))
        .filter(|r| filter.channel.is_none_or(|c| r.channel == c))
        .filter(|r| filter.assignee.is_none_or(|wanted| r.assignee.as_ref().map(|a| a.id.as_str()) == wanted))
        .filter(|r| {
            filter.due.is_none_or(|due| {
                let state = r.deadline.map(|d| d.state(today));
                match due {
                    Due::Late => state == Some(DeadlineState::Late),
                    Due::Soon => state == Some(DeadlineState::Soon),
                }
            })
        })
        .filter(|r| match search {
            Some(Search::Words(words)) => {
                let haystack =
                    normalize(&format!("{} {}", r.citizen_name.as_deref().unwrap_or_default(), r.email));
                words.iter().all(|w| haystack.contains(w.as_str()))
            }
            _ => true,
        })
        .collect();
    match filter.sort {
        // Requests without a deadline last (`None` would sort first).
        Sort::Deadline => rows.sort_by_key(|r| {
            let due = r.deadline.map(|d| d.due);
            (due.is_none(), due, r.submitted_at)
        }),
        Sort::Date => rows.sort_by_key(|r| std::cmp::Reverse(r.submitted_at)),
    }
    rows
}

//! What every function runs on, built once per process by its entry point:
//! the store, the clock and the city's settings ([`Platform`]); and what
//! every function's router state shares ([`Shared`], reached through
//! [`WebState`]): the citizens' and agents' sessions, the audit trail and the
//! rate limiter, all on that store.
//!
//! The ports only some functions call (files, the mailer, the scanner) are
//! passed to those functions' routers beside the platform, so a Lambda
//! builds, and links, only the AWS clients it uses.

use crate::agent::AgentSessions;
use crate::audit::{self, AuditTrail};
use crate::rate_limit::RateLimiter;
use crate::session::Sessions;
use gru_ports::{Clock, Store};
use jiff::SignedDuration;
use std::sync::Arc;

/// The store, the clock and the settings every function runs on.
#[derive(Clone)]
pub struct Platform {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: Settings,
}

impl Platform {
    /// The platform on these ports and settings.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self { store, clock, settings }
    }

    /// The platform on these ports for the site at `public_url`, every
    /// other setting at its default (tests, benchmarks).
    pub fn with_defaults(store: Arc<dyn Store>, clock: Arc<dyn Clock>, public_url: &str) -> Self {
        Self::new(store, clock, Settings::new(public_url))
    }
}

/// What a city sets once for every function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where citizens reach the site (links in emails), without a trailing slash.
    pub public_url: String,
    /// How long the audit trail keeps what agents read and do.
    pub audit_keep: SignedDuration,
    /// How long unfinished drafts are kept, and when their owner is warned.
    pub drafts: DraftPolicy,
}

impl Settings {
    /// The site at `public_url` (a trailing slash is dropped), with every
    /// other setting at its default.
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            audit_keep: audit::DEFAULT_KEEP,
            drafts: DraftPolicy::default(),
        }
    }

    /// The Lambdas' settings: `PUBLIC_URL` (required), `AUDIT_KEEP_DAYS`,
    /// `DRAFT_KEEP_DAYS` and `DRAFT_WARN_DAYS` (each with its default).
    pub fn from_env() -> Result<Self, String> {
        let public_url =
            std::env::var("PUBLIC_URL").map_err(|_| "la variable PUBLIC_URL n'est pas définie".to_owned())?;
        Ok(Self {
            audit_keep: audit::keep_from_env()?,
            drafts: DraftPolicy::from_env()?,
            ..Self::new(&public_url)
        })
    }
}

/// How long unfinished drafts are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DraftPolicy {
    /// A draft is purged this long after its last save.
    pub keep: SignedDuration,
    /// Its owner is warned this long before the purge.
    pub warn_before: SignedDuration,
}

impl DraftPolicy {
    /// Drafts kept `keep_days` after their last save, their owner warned
    /// `warn_days` before: at least one day kept, at most a year, and the
    /// warning before the purge.
    pub fn days(keep_days: u32, warn_days: u32) -> Result<Self, String> {
        if !(1..=365).contains(&keep_days) {
            return Err(format!("les brouillons se gardent de 1 à 365 jours, pas {keep_days}"));
        }
        if warn_days >= keep_days {
            return Err(format!(
                "l'avertissement ({warn_days} jours avant la purge) doit venir après le dernier enregistrement \
                 (gardé {keep_days} jours)"
            ));
        }
        let day = |n: u32| SignedDuration::from_hours(24 * i64::from(n));
        Ok(Self { keep: day(keep_days), warn_before: day(warn_days) })
    }

    /// From `DRAFT_KEEP_DAYS` and `DRAFT_WARN_DAYS` (the Lambda's settings),
    /// each defaulting to the default policy's.
    pub fn from_env() -> Result<Self, String> {
        let read = |name: &str, default: u32| match std::env::var(name) {
            Ok(text) => {
                text.parse::<u32>().map_err(|_| format!("{name} doit être un nombre entier de jours"))
            }
            Err(_) => Ok(default),
        };
        Self::days(read("DRAFT_KEEP_DAYS", DEFAULT_KEEP_DAYS)?, read("DRAFT_WARN_DAYS", DEFAULT_WARN_DAYS)?)
    }
}

/// Drafts are kept a month after their last save, their owner warned a week before.
pub const DEFAULT_KEEP_DAYS: u32 = 30;
pub const DEFAULT_WARN_DAYS: u32 = 7;

impl Default for DraftPolicy {
    fn default() -> Self {
        Self::days(DEFAULT_KEEP_DAYS, DEFAULT_WARN_DAYS).expect("the default policy is valid")
    }
}

/// What every function's handlers share, on the platform's store and clock.
#[derive(Clone)]
pub struct Shared {
    pub platform: Platform,
    pub sessions: Sessions,
    pub agent_sessions: AgentSessions,
    pub audit: AuditTrail,
    pub limiter: RateLimiter,
}

impl Shared {
    /// The shared pieces on `platform`'s store and clock.
    pub fn new(platform: &Platform) -> Self {
        let (store, clock) = (platform.store.clone(), platform.clock.clone());
        Self {
            sessions: Sessions::new(store.clone(), clock.clone()),
            agent_sessions: AgentSessions::new(store.clone(), clock.clone()),
            audit: AuditTrail::new(store.clone(), clock.clone(), platform.settings.audit_keep),
            limiter: RateLimiter::new(store, clock),
            platform: platform.clone(),
        }
    }
}

/// A router state that holds the [`Shared`] pieces: what the citizens' and
/// agents' extractors ([`crate::Citizen`], [`crate::Agent`]) find their
/// sessions in. Each function's state implements it in one line.
pub trait WebState: Send + Sync {
    fn shared(&self) -> &Shared;
}

impl WebState for Shared {
    fn shared(&self) -> &Shared {
        self
    }
}

/// A function's router state: the [`Shared`] pieces and the function's own
/// (`T`: its repositories, its other ports), reached through `Deref`. The
/// extractors find the sessions in it ([`WebState`]).
pub struct Ctx<T> {
    shared: Arc<Shared>,
    own: Arc<T>,
}

impl<T> Ctx<T> {
    /// The state of a function on `platform` whose own part is `own`.
    pub fn new(platform: &Platform, own: T) -> Self {
        Self { shared: Arc::new(Shared::new(platform)), own: Arc::new(own) }
    }

    pub fn shared(&self) -> &Shared {
        &self.shared
    }
}

impl<T> Clone for Ctx<T> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone(), own: self.own.clone() }
    }
}

impl<T> std::ops::Deref for Ctx<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.own
    }
}

impl<T: Send + Sync> WebState for Ctx<T> {
    fn shared(&self) -> &Shared {
        &self.shared
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_policies_keep_drafts_a_while_and_warn_before() {
        assert_eq!(DraftPolicy::default().keep, SignedDuration::from_hours(30 * 24));
        assert!(DraftPolicy::days(1, 0).is_ok());
        assert!(DraftPolicy::days(365, 364).is_ok());
        for (keep, warn) in [(0, 0), (366, 7), (7, 7), (7, 8)] {
            assert!(DraftPolicy::days(keep, warn).is_err(), "{keep} {warn}");
        }
    }

    #[test]
    fn settings_drop_the_trailing_slash_of_the_site() {
        assert_eq!(Settings::new("https://belleval.example/").public_url, "https://belleval.example");
    }
}

//! How each error of the store's access reads at the HTTP edge, in one
//! place: what a person can act on gets its problem type and French words,
//! everything else is a 500 whose cause goes to the log, never to the client.

use crate::accounts::AccountsError;
use crate::agendas::AgendasError;
use crate::agents::AgentsError;
use crate::applications::ApplicationsError;
use crate::booking::BookingError;
use crate::catalogue::CatalogueError;
use crate::requests::RepositoryError;
use gru_ports::StoreError;
use gru_web::{FieldError, Problem};
use http::StatusCode;

impl From<RepositoryError> for Problem {
    fn from(error: RepositoryError) -> Self {
        Problem::internal(error)
    }
}

impl From<ApplicationsError> for Problem {
    fn from(error: ApplicationsError) -> Self {
        Problem::internal(error)
    }
}

impl From<CatalogueError> for Problem {
    fn from(error: CatalogueError) -> Self {
        match error {
            CatalogueError::Store(StoreError::InvalidCursor) => {
                Problem::bad_request("invalid-query", "Le curseur de pagination est invalide.")
                    .with_field("cursor", "Reprenez la liste depuis le début.")
            }
            CatalogueError::NotImported => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "not-imported",
                "Portail en préparation",
                "Le catalogue de la ville n'est pas encore publié : réessayez plus tard.",
            ),
            other => Problem::internal(other),
        }
    }
}

impl From<AgendasError> for Problem {
    fn from(error: AgendasError) -> Self {
        match error {
            AgendasError::Catalogue(error) => error.into(),
            other => Problem::internal(other),
        }
    }
}

impl From<AccountsError> for Problem {
    fn from(error: AccountsError) -> Self {
        match error {
            AccountsError::InvalidToken => Problem::bad_request(
                "invalid-token",
                "Ce lien n'est plus valable : il a déjà servi ou a expiré. Demandez-en un nouveau.",
            ),
            AccountsError::Conflict => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Modification concurrente",
                "Votre compte a été modifié au même moment par une autre demande. Réessayez.",
            ),
            other => Problem::internal(other),
        }
    }
}

impl From<AgentsError> for Problem {
    fn from(error: AgentsError) -> Self {
        match error {
            AgentsError::Invalid(errors) => Problem::invalid(errors),
            AgentsError::EmailTaken => Problem::invalid(vec![FieldError {
                field: "email".to_owned(),
                message: "Un agent a déjà cette adresse électronique.".to_owned(),
            }]),
            AgentsError::NotFound => Problem::not_found("Aucun agent ne correspond à cet identifiant."),
            AgentsError::Conflict => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Modification concurrente",
                "Ce compte d'agent a été modifié au même moment par une autre demande. Réessayez.",
            ),
            other => Problem::internal(other),
        }
    }
}

impl From<BookingError> for Problem {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::SlotTaken => Problem::new(
                StatusCode::CONFLICT,
                "slot-taken",
                "Créneau indisponible",
                "Ce créneau vient d'être pris. Choisissez-en un autre.",
            ),
            BookingError::HoldExpired => Problem::new(
                StatusCode::GONE,
                "hold-expired",
                "Réservation du créneau expirée",
                "Le créneau n'est plus réservé pour vous : la réservation ne dure que quelques minutes. Choisissez un créneau.",
            )
            .with_field("hold", "Choisissez un autre créneau."),
            BookingError::LimitReached => Problem::unprocessable(
                "limit-reached",
                "Vous avez déjà le nombre maximal de rendez-vous à venir de ce type. Annulez-en un pour en prendre un autre.",
            )
            .with_field("type", "Nombre maximal de rendez-vous à venir atteint."),
            BookingError::Race => Problem::new(
                StatusCode::CONFLICT,
                "conflict",
                "Réservation concurrente",
                "Le créneau a changé pendant votre réservation. Réessayez.",
            ),
            other => Problem::internal(other),
        }
    }
}

//! What every handler works with: the function's ports and repositories,
//! the answers shared by several routes, and the scanner's verdicts.

use axum::http::StatusCode;
use gru_domain::attachment::ScanStatus;
use gru_domain::form::Form;
use gru_ports::{Files, Scanner, Verdict};
use gru_records::case_files::{Attachment, AttachmentRepository, CaseFiles, object_key};
use gru_records::catalogue::CatalogueRepository;
use gru_records::requests::{Repository, Versioned};
use gru_web::{Platform, Problem};
use jiff::Timestamp;
use std::sync::Arc;

/// The state every handler shares.
pub(crate) type Ctx = gru_web::Ctx<Inner>;

pub(crate) struct Inner {
    pub(crate) platform: Platform,
    /// Where the cases' bytes are.
    pub(crate) files: Arc<dyn Files>,
    /// The malware scanner; `None` when the portal has none (files are then
    /// marked unscanned, and the site says so).
    pub(crate) scanner: Option<Arc<dyn Scanner>>,
    pub(crate) requests: Repository,
    pub(crate) attachments: AttachmentRepository,
    pub(crate) catalogue: CatalogueRepository,
}

pub(crate) fn unknown_draft() -> Problem {
    Problem::not_found("Ce brouillon n'existe pas, a déjà été envoyé ou a été supprimé.")
}

/// The same answer for a file that does not exist and a file of another
/// case: nothing about it is revealed.
pub(crate) fn unknown_file() -> Problem {
    Problem::not_found("Ce fichier n'existe pas.")
}

/// A request the caller may not reach answers as one that does not exist.
pub(crate) fn unknown_request() -> Problem {
    Problem::not_found("Aucune demande accessible ne porte cette référence.")
}

pub(crate) fn unknown_link() -> Problem {
    Problem::not_found("Ce lien de suivi n'est pas valable. Vérifiez qu'il est complet.")
}

/// Other changes of the same case kept winning.
pub(crate) fn busy() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "conflict",
        "Envois simultanés",
        "D'autres fichiers de cette demande changent en ce moment : réessayez dans un instant.",
    )
}

/// The handlers' state on `platform`, with the cases' files and the scanner.
pub(crate) fn state(platform: &Platform, files: Arc<dyn Files>, scanner: Option<Arc<dyn Scanner>>) -> Ctx {
    let store = &platform.store;
    Ctx::new(
        platform,
        Inner {
            requests: Repository::new(store.clone()),
            attachments: AttachmentRepository::new(store.clone()),
            catalogue: CatalogueRepository::new(store.clone()),
            platform: platform.clone(),
            files,
            scanner,
        },
    )
}

impl Inner {
    pub(crate) fn now(&self) -> Timestamp {
        self.platform.clock.now()
    }

    /// The form of a service at the version a draft or a request was filled in with.
    pub(crate) async fn form(&self, service: &str, version: u32) -> Result<Form, Problem> {
        self.catalogue
            .form(service, Some(version))
            .await
            .map_err(Problem::internal)?
            .ok_or_else(|| Problem::internal("a case's form version is missing"))
    }

    pub(crate) async fn case(&self, case: &str) -> Result<CaseFiles, Problem> {
        Ok(self.attachments.case(case).await?)
    }

    /// Deletes a file's bytes; a failure leaves an object no record points
    /// to, unreachable by any grant: logged, not shown.
    pub(crate) async fn delete_object(&self, case: &str, file: &str) {
        if let Err(error) = self.files.delete(&object_key(case, file)).await {
            tracing::error!(%error, "a file's bytes could not be deleted");
        }
    }

    /// The scan status of a file whose bytes are `body` (deleted when infected).
    pub(crate) async fn scan(&self, case: &str, file: &str, body: &[u8]) -> ScanStatus {
        let Some(scanner) = &self.scanner else { return ScanStatus::Unscanned };
        match scanner.scan(&object_key(case, file), body).await {
            Ok(Verdict::Clean) => ScanStatus::Clean,
            Ok(Verdict::Infected { signature }) => {
                tracing::warn!(%signature, scanner = scanner.name(), "an infected file was refused");
                self.delete_object(case, file).await;
                ScanStatus::Infected
            }
            Ok(Verdict::Pending) => ScanStatus::Pending,
            Ok(Verdict::Unscannable { reason }) => {
                tracing::warn!(%reason, scanner = scanner.name(), "a file could not be scanned");
                ScanStatus::Failed
            }
            Err(error) => {
                tracing::error!(%error, scanner = scanner.name(), "the scanner is unavailable");
                ScanStatus::Failed
            }
        }
    }

    /// Asks the scanner again about files without a verdict (pending, a
    /// scan that failed, or stored before a scanner was configured), and
    /// records what it says.
    pub(crate) async fn refresh_scans(&self, mut case: CaseFiles) -> Result<CaseFiles, Problem> {
        for file in &mut case.files {
            self.refresh_scan(&case.case, file).await?;
        }
        Ok(case)
    }

    /// [`Ctx::refresh_scans`] for one file of `case`.
    pub(crate) async fn refresh_scan(
        &self,
        case: &str,
        file: &mut Versioned<Attachment>,
    ) -> Result<(), Problem> {
        let Some(scanner) = &self.scanner else { return Ok(()) };
        let waiting =
            matches!(file.value.scan, ScanStatus::Pending | ScanStatus::Failed | ScanStatus::Unscanned);
        if file.value.stored_at.is_none() || !waiting {
            return Ok(());
        }
        let body = if scanner.reads_body() {
            let Ok(Some(body)) = self.files.get(&object_key(case, &file.value.id)).await else {
                return Ok(());
            };
            body
        } else {
            Vec::new()
        };
        let scan = self.scan(case, &file.value.id, &body).await;
        if scan != file.value.scan && self.attachments.set_scan(case, file, scan).await? {
            file.value.scan = scan;
            file.version += 1;
        }
        Ok(())
    }
}

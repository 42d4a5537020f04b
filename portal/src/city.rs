//! Keeping the stored catalogue in step with a city's files.

use anyhow::bail;
use gru_records::catalogue::{CatalogueRepository, ImportReport};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Loads and checks the city in `dir`, or explains every problem.
pub fn load(dir: &Path) -> anyhow::Result<gru_domain::catalogue::CityCatalogue> {
    gru_domain::city_files::load(dir).or_else(|problems| {
        let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
        let count = match problems.len() {
            1 => "1 problème".to_owned(),
            n => format!("{n} problèmes"),
        };
        bail!("la ville du dossier {} a {count} :\n{}", dir.display(), list.join("\n"))
    })
}

/// A fingerprint of the city's catalogue files (agendas and workflows
/// included), to import only on change.
pub fn digest(dir: &Path) -> std::io::Result<String> {
    let mut files: Vec<PathBuf> = vec![dir.join("city.toml"), dir.join("categories.toml")];
    let mut services: Vec<PathBuf> =
        std::fs::read_dir(dir.join("services"))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    services.sort();
    files.extend(services);
    // Optional folders: a city without agendas books no appointment, one
    // without workflows follows the standard one.
    for folder in ["agendas", "workflows"] {
        let mut optional: Vec<PathBuf> = std::fs::read_dir(dir.join(folder))
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        optional.sort();
        files.extend(optional);
    }
    let mut hasher = Sha256::new();
    for file in files {
        // The path from the city's folder: a file moved between folders changes the digest.
        hasher.update(file.strip_prefix(dir).unwrap_or(file.as_path()).as_os_str().as_encoded_bytes());
        hasher.update([0]);
        hasher.update(std::fs::read(&file)?);
        hasher.update([0]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Imports the city when its files differ from the last import (always on
/// first run). Returns what changed, or `None` when nothing had to.
pub async fn sync_catalogue(
    repository: &CatalogueRepository,
    dir: &Path,
) -> anyhow::Result<Option<ImportReport>> {
    // An unreadable folder gets no digest; `load` then says what is wrong.
    let digest = digest(dir).unwrap_or_default();
    if !digest.is_empty() && repository.imported_digest().await?.as_deref() == Some(digest.as_str()) {
        return Ok(None);
    }
    let city = load(dir)?;
    Ok(Some(repository.import(&city, &digest).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_workflow_changes_the_digest() {
        let city = tempfile::tempdir().unwrap();
        let root = city.path();
        std::fs::create_dir_all(root.join("services")).unwrap();
        for file in ["city.toml", "categories.toml", "services/a.toml"] {
            std::fs::write(root.join(file), file).unwrap();
        }
        let without = digest(root).unwrap();
        std::fs::create_dir(root.join("workflows")).unwrap();
        std::fs::write(root.join("workflows/etat-civil.toml"), "max_days = 10").unwrap();
        let with = digest(root).unwrap();
        assert_ne!(with, without, "a new workflow");
        std::fs::write(root.join("workflows/etat-civil.toml"), "max_days = 12").unwrap();
        assert_ne!(digest(root).unwrap(), with, "a changed workflow");
        std::fs::rename(root.join("workflows/etat-civil.toml"), root.join("services/etat-civil.toml"))
            .unwrap();
        std::fs::write(root.join("services/etat-civil.toml"), "max_days = 10").unwrap();
        assert_ne!(digest(root).unwrap(), with, "the same file in another folder");
    }

    #[test]
    fn a_changed_agenda_changes_the_digest() {
        let city = tempfile::tempdir().unwrap();
        let root = city.path();
        std::fs::create_dir_all(root.join("services")).unwrap();
        for file in ["city.toml", "categories.toml", "services/a.toml"] {
            std::fs::write(root.join(file), file).unwrap();
        }
        let without = digest(root).unwrap();
        std::fs::create_dir(root.join("agendas")).unwrap();
        std::fs::write(root.join("agendas/etat-civil.toml"), "horizon_days = 90").unwrap();
        let with = digest(root).unwrap();
        assert_ne!(with, without, "a new agenda");
        std::fs::write(root.join("agendas/etat-civil.toml"), "horizon_days = 60").unwrap();
        assert_ne!(digest(root).unwrap(), with, "a changed agenda");
        std::fs::remove_file(root.join("agendas/etat-civil.toml")).unwrap();
        assert_eq!(digest(root).unwrap(), without, "a removed agenda");
    }
}

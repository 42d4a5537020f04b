//! The data directory of the all-in-one portal: made ready before anything
//! else, so a portal that could not write its data never says it is ready.
//!
//! ```text
//! <data>/portal.db (+ -wal, -shm)  the SQLite store
//! <data>/secret.key                the key of the file grants' signatures
//! <data>/files/                    the case files (`LocalFiles`)
//! <data>/outbox/                   the emails sent (`OutboxMailer`)
//! ```

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the data directory cannot be used, in the words of the person who
/// started the portal (French, the folder named, what to do).
#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("le dossier de données {} ne peut pas être créé : {reason}", path.display())]
    Create { path: PathBuf, reason: String },
    #[error(
        "le portail ne peut pas écrire dans {} : {reason}. Il n'y enregistrerait rien : donnez-lui un \
         dossier de données où il peut écrire (--data-dir)",
        path.display()
    )]
    NotWritable { path: PathBuf, reason: String },
    #[error("la clé des liens de fichiers {} est illisible : {reason}", path.display())]
    Key { path: PathBuf, reason: String },
}

/// The data directory at `root`, ready: its folders exist, every place the
/// portal writes to takes a write now (a read-only folder or file, a full
/// disk, a read-only file system are refused here, not at the first
/// request), and the signing key is read or made.
pub fn prepare(root: &Path) -> Result<[u8; 32], DataDirError> {
    let folders = [root.to_owned(), root.join("files"), root.join("outbox")];
    for folder in &folders {
        std::fs::create_dir_all(folder)
            .map_err(|e| DataDirError::Create { path: folder.clone(), reason: in_words(&e) })?;
    }
    for folder in &folders {
        probe_folder(folder)
            .map_err(|e| DataDirError::NotWritable { path: folder.clone(), reason: in_words(&e) })?;
    }
    // SQLite writes into the store's files, which may be read-only in a
    // folder that is not (a copy, a restore).
    for name in ["portal.db", "portal.db-wal", "portal.db-shm"] {
        let file = root.join(name);
        match std::fs::OpenOptions::new().append(true).open(&file) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(DataDirError::NotWritable { path: file, reason: in_words(&e) }),
        }
    }
    secret_key(&root.join("secret.key"))
}

/// Writes, syncs and removes a small file in `folder`: what every write
/// the portal makes there needs.
fn probe_folder(folder: &Path) -> std::io::Result<()> {
    let probe = folder.join(format!(".ecriture-{:016x}", rand::random::<u64>()));
    let written =
        std::fs::OpenOptions::new().write(true).create_new(true).open(&probe).and_then(|mut file| {
            // A few KiB, so a disk with no room left refuses it.
            file.write_all(&[0; 4096])?;
            file.sync_all()
        });
    let removed = std::fs::remove_file(&probe);
    written?;
    match removed {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// The signing key of the file grants: read from `path`, or made and
/// written there (readable by the portal's user only) on first run.
fn secret_key(path: &Path) -> Result<[u8; 32], DataDirError> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let unreadable = |reason: String| DataDirError::Key { path: path.to_owned(), reason };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes =
                engine.decode(text.trim()).map_err(|_| unreadable("ce n'est pas du base64".into()))?;
            bytes.try_into().map_err(|_| unreadable("elle doit faire 32 octets".into()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            write_private(path, engine.encode(key).as_bytes())
                .map_err(|e| DataDirError::NotWritable { path: path.to_owned(), reason: in_words(&e) })?;
            Ok(key)
        }
        Err(e) => Err(unreadable(in_words(&e))),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// What went wrong with a file, in French: the cases a person can act on
/// are named, the others keep the system's words.
fn in_words(error: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::PermissionDenied => "permission refusée (droits du dossier ou du fichier)".to_owned(),
        ErrorKind::ReadOnlyFilesystem => "le système de fichiers est en lecture seule".to_owned(),
        ErrorKind::StorageFull => "le disque est plein".to_owned(),
        ErrorKind::QuotaExceeded => "le quota de disque est atteint".to_owned(),
        ErrorKind::NotADirectory => "un fichier porte déjà ce nom".to_owned(),
        _ => format!("erreur du système ({error})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_data_directory_is_made_with_its_folders_and_key() {
        let parent = tempfile::tempdir().unwrap();
        let root = parent.path().join("donnees");
        let key = prepare(&root).unwrap();
        assert!(root.join("files").is_dir() && root.join("outbox").is_dir());
        assert_eq!(prepare(&root).unwrap(), key, "the key is kept");
        let leftovers: Vec<_> = std::fs::read_dir(&root)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".ecriture"))
            .collect();
        assert!(leftovers.is_empty(), "no probe left behind");
    }

    #[test]
    fn a_file_where_the_folder_should_be_is_named() {
        let parent = tempfile::tempdir().unwrap();
        let root = parent.path().join("donnees");
        std::fs::write(&root, "x").unwrap();
        let error = prepare(&root).unwrap_err().to_string();
        assert!(error.contains(&root.display().to_string()), "{error}");
        assert!(error.starts_with("le dossier de données"), "{error}");
    }

    #[test]
    fn a_damaged_key_is_named() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("secret.key"), "pas une clé").unwrap();
        let error = prepare(root.path()).unwrap_err().to_string();
        assert!(error.contains("secret.key") && error.contains("base64"), "{error}");
    }
}

//! The all-or-nothing writer. A compile's changes (files to write, files to remove) are applied
//! as one transaction:
//!
//! 1. every folder they need is created one component at a time, each checked to resolve
//!    inside the plan folder's real path (a symlinked `context` cannot lead a write outside);
//! 2. every output folder is locked (`flock` on the folder, in real-path order), so two
//!    compiles never interleave their files, and temp files a killed compile left are removed;
//! 3. every new file is written to a randomly named temp file created exclusively beside its
//!    target, with the replaced file's permissions, and synced; every file to be replaced or
//!    removed gets a hard-linked backup — a full disk or a read-only folder fails here, before
//!    anything visible changed;
//! 4. the temp files are renamed over their targets; should a rename fail, the renames already
//!    made are undone from the backups, and the error says exactly what is left.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;

use camino::{Utf8Path, Utf8PathBuf};
use tempfile::{NamedTempFile, TempPath};

use crate::plan::fs::{PlanRoot, ReadError};

/// The code of the error of a write that failed part-way and could not be undone: its message
/// names the files left changed.
pub const PARTIAL_WRITE: &str = "bakeplan::partial-write";

/// Why `commit` failed; `partial` when files are left changed (the message names them).
#[derive(Debug)]
pub struct WriteFailure {
    pub message: String,
    pub partial: bool,
}

impl From<String> for WriteFailure {
    fn from(message: String) -> Self {
        Self {
            message,
            partial: false,
        }
    }
}

/// The name part every temp file and backup of bakeplan carries.
const TEMP_MARK: &str = ".bakeplan-";

/// One change of the output set: `Some(contents)` writes the file, `None` removes it.
#[derive(Debug)]
pub struct Change<'a> {
    /// Relative to the plan folder, normalized.
    pub path: &'a str,
    pub contents: Option<&'a str>,
}

/// The locks on the output folders, held while reading the current files and writing.
pub struct FolderLocks {
    _folders: Vec<File>,
    /// Each relative output folder's real path.
    real: BTreeMap<String, Utf8PathBuf>,
}

impl FolderLocks {
    /// The real path of a relative output file (its folder resolved, its name kept).
    pub fn real_target(&self, relative: &str) -> Option<Utf8PathBuf> {
        let (folder, name) = split(relative);
        self.real.get(folder).map(|real| real.join(name))
    }
}

fn split(relative: &str) -> (&str, &str) {
    relative.rsplit_once('/').unwrap_or((".", relative))
}

/// Creates `relative` (a folder) and its parents inside the plan folder, one component at a
/// time; returns its real path and the folders it created (outermost first).
pub fn ensure_folder(
    root: &PlanRoot,
    relative: &str,
    created: &mut Vec<Utf8PathBuf>,
) -> Result<Utf8PathBuf, String> {
    let mut current = root.real.clone();
    if relative == "." {
        return Ok(current);
    }
    for part in relative.split('/') {
        let next = current.join(part);
        match std::fs::symlink_metadata(&next) {
            Ok(_) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                match std::fs::create_dir(&next) {
                    Ok(()) => created.push(next.clone()),
                    // Another compile made it in between: it is checked below like any other.
                    Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(error) => {
                        return Err(format!("cannot create the folder {next}: {error}"));
                    }
                }
            }
            Err(error) => return Err(format!("cannot read {next}: {error}")),
        }
        let real = crate::plan::fs::real_path(&next).map_err(|error| format!("{next}: {error}"))?;
        if !real.starts_with(&root.real) {
            return Err(format!(
                "{}: {}",
                root.dir.join(relative),
                ReadError::Outside(real)
            ));
        }
        if !real.is_dir() {
            return Err(format!("{next} is not a folder"));
        }
        current = real;
    }
    Ok(current)
}

/// Creates and locks the folders of `paths` (relative files); removes stale temp files of
/// bakeplan in them. On error, the folders it created are removed again.
pub fn lock_folders<'a>(
    root: &PlanRoot,
    paths: impl IntoIterator<Item = &'a str>,
    extra_folders: &[&str],
) -> Result<(FolderLocks, Vec<Utf8PathBuf>), String> {
    let mut created = Vec::new();
    let result = (|| {
        let mut real = BTreeMap::new();
        let folders = paths
            .into_iter()
            .map(|path| split(path).0)
            .chain(extra_folders.iter().copied());
        for folder in folders {
            if !real.contains_key(folder) {
                let resolved = ensure_folder(root, folder, &mut created)?;
                real.insert(folder.to_owned(), resolved);
            }
        }
        let mut unique: Vec<&Utf8PathBuf> = real.values().collect();
        unique.sort();
        unique.dedup();
        let mut files = Vec::with_capacity(unique.len());
        for folder in unique {
            let file = File::open(folder)
                .and_then(|file| file.lock().map(|()| file))
                .map_err(|error| format!("cannot lock the folder {folder}: {error}"))?;
            remove_stale_temps(folder);
            files.push(file);
        }
        Ok(FolderLocks {
            _folders: files,
            real,
        })
    })();
    match result {
        Ok(locks) => Ok((locks, created)),
        Err(error) => {
            remove_created(&created);
            Err(error)
        }
    }
}

/// Removes what a killed compile left: `.NAME.bakeplan-XXXXXX.tmp` / `.bak` (the caller holds
/// the folder's lock, so no running compile owns them).
fn remove_stale_temps(folder: &Utf8Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if is_temp_name(&name) {
            let _ = std::fs::remove_file(folder.join(&name));
        }
    }
}

/// `.NAME.bakeplan-XXXX.tmp` or `.bak`.
pub fn is_temp_name(name: &str) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some(stem) = rest
        .strip_suffix(".tmp")
        .or_else(|| rest.strip_suffix(".bak"))
    else {
        return false;
    };
    stem.rsplit_once(TEMP_MARK).is_some_and(|(target, random)| {
        !target.is_empty()
            && !random.is_empty()
            && random.chars().all(|c| c.is_ascii_alphanumeric())
    })
}

fn remove_created(created: &[Utf8PathBuf]) {
    for folder in created.iter().rev() {
        let _ = std::fs::remove_dir(folder);
    }
}

struct Prepared {
    target: Utf8PathBuf,
    relative: String,
    new: Option<TempPath>,
    backup: Option<TempPath>,
}

/// Applies `changes` all or nothing (the caller holds `locks`); `created` are the folders the
/// locking made, removed again when nothing is written.
pub fn commit(
    locks: &FolderLocks,
    changes: &[Change<'_>],
    created: &[Utf8PathBuf],
) -> Result<(), WriteFailure> {
    let mut prepared = Vec::with_capacity(changes.len());
    for change in changes {
        match prepare(locks, change) {
            Ok(entry) => prepared.push(entry),
            Err(error) => {
                drop(prepared);
                remove_created(created);
                return Err(format!("{error}; nothing was written").into());
            }
        }
    }
    let mut done: Vec<Prepared> = Vec::with_capacity(prepared.len());
    let mut failure = None;
    for mut entry in prepared {
        let result = match entry.new.take() {
            Some(temp) => temp
                .persist(&entry.target)
                .map_err(|error| format!("cannot write {}: {}", entry.relative, error.error)),
            None => std::fs::remove_file(&entry.target)
                .map_err(|error| format!("cannot remove {}: {error}", entry.relative)),
        };
        if let Err(error) = result {
            failure = Some(error);
            break;
        }
        done.push(entry);
    }
    let Some(error) = failure else {
        for folder in locks.real.values() {
            let _ = File::open(folder).and_then(|folder| folder.sync_all());
        }
        return Ok(());
    };
    // Undo, newest first.
    let mut left = Vec::new();
    for entry in done.into_iter().rev() {
        let restored = match entry.backup {
            Some(backup) => backup.persist(&entry.target).is_ok(),
            None => std::fs::remove_file(&entry.target).is_ok(),
        };
        if !restored {
            left.push(entry.relative);
        }
    }
    if left.is_empty() {
        remove_created(created);
        Err(
            format!("{error}; nothing was written (the files already replaced were restored)")
                .into(),
        )
    } else {
        left.sort();
        Err(WriteFailure {
            message: format!(
                "{error}; these files could not be restored and are left changed: {}",
                left.join(", ")
            ),
            partial: true,
        })
    }
}

fn prepare(locks: &FolderLocks, change: &Change<'_>) -> Result<Prepared, String> {
    let target = locks
        .real_target(change.path)
        .ok_or_else(|| format!("{} has no locked folder", change.path))?;
    let folder = target.parent().unwrap_or(Utf8Path::new("/")).to_owned();
    let name = target.file_name().unwrap_or("out");
    let prefix = format!(".{name}{TEMP_MARK}");
    let existing = match std::fs::symlink_metadata(&target) {
        Ok(metadata) if metadata.is_file() => Some(metadata.permissions()),
        Ok(_) => {
            return Err(format!(
                "{} is not a regular file; it is left untouched",
                change.path
            ));
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(format!("cannot read {}: {error}", change.path)),
    };
    let backup = match existing {
        Some(_) => Some(
            tempfile::Builder::new()
                .prefix(&prefix)
                .suffix(".bak")
                .make_in(&folder, |path| std::fs::hard_link(&target, path))
                .map_err(|error| format!("cannot back up {}: {error}", change.path))?
                .into_temp_path(),
        ),
        None => None,
    };
    let new = match change.contents {
        Some(contents) => {
            let permissions = existing
                .clone()
                .unwrap_or_else(|| std::fs::Permissions::from_mode(0o666));
            let mut temp: NamedTempFile = tempfile::Builder::new()
                .prefix(&prefix)
                .suffix(".tmp")
                .permissions(permissions.clone())
                .tempfile_in(&folder)
                .map_err(|error| format!("cannot write {}: {error}", change.path))?;
            let written = temp
                .write_all(contents.as_bytes())
                .and_then(|()| {
                    if existing.is_some() {
                        temp.as_file().set_permissions(permissions)
                    } else {
                        Ok(())
                    }
                })
                .and_then(|()| temp.as_file().sync_all());
            written.map_err(|error| format!("cannot write {}: {error}", change.path))?;
            Some(temp.into_temp_path())
        }
        None => None,
    };
    Ok(Prepared {
        target,
        relative: change.path.to_owned(),
        new,
        backup,
    })
}

#[cfg(test)]
mod tests {
    use super::is_temp_name;

    #[test]
    fn recognizes_only_its_own_temp_names() {
        assert!(is_temp_name(".Dockerfile.bakeplan-a1B2c3.tmp"));
        assert!(is_temp_name(".docker-bake.hcl.bakeplan-123.tmp"));
        assert!(is_temp_name(".Dockerfile.bakeplan-xyz.bak"));
        assert!(!is_temp_name("Dockerfile.bakeplan-a1.tmp"));
        assert!(!is_temp_name(".Dockerfile.tmp"));
        assert!(!is_temp_name(".bakeplan-a1.tmp"));
        assert!(!is_temp_name(".x.bakeplan-a/b.tmp"));
    }
}

//! The one place bakeplan reads a file the plan points at (a context's `.dockerignore`, a
//! workspace lockfile): only a regular file inside the plan folder, reached without a symbolic
//! link, and no larger than a limit. (A guarded file API can replace this module whole.)

use camino::Utf8Path;

use crate::plan::path::normalize;

/// The largest file read this way.
pub const READ_LIMIT: u64 = 1024 * 1024;

/// What is at a path of the plan folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing (or something that is not a regular file: a folder, a device).
    Missing,
    File,
}

/// Whether `relative` (to the plan folder `dir`) names a regular file inside it; an error when
/// the way to it goes through a symbolic link, or the path leaves the folder.
pub fn find(dir: &Utf8Path, relative: &str) -> Result<Found, String> {
    let normalized =
        normalize(relative).ok_or_else(|| format!("{relative} is outside the plan folder"))?;
    if normalized == "." {
        return Ok(Found::Missing);
    }
    let mut path = dir.to_owned();
    let parts: Vec<&str> = normalized.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let metadata = match std::fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Found::Missing);
            }
            Err(error) => return Err(format!("cannot read {normalized}: {error}")),
        };
        if metadata.file_type().is_symlink() {
            return Err(format!(
                "{normalized}: {} is a symbolic link, which bakeplan does not follow",
                parts[..=i].join("/")
            ));
        }
        let last = i + 1 == parts.len();
        if !last && !metadata.is_dir() {
            return Ok(Found::Missing);
        }
        if last {
            return Ok(if metadata.is_file() {
                Found::File
            } else {
                Found::Missing
            });
        }
    }
    Ok(Found::Missing)
}

/// The text of the regular file `relative` inside the plan folder `dir`, `None` when there is
/// none; an error for a symbolic link, a file over `READ_LIMIT`, or a read failure.
pub fn read(dir: &Utf8Path, relative: &str) -> Result<Option<String>, String> {
    if find(dir, relative)? == Found::Missing {
        return Ok(None);
    }
    let path = dir.join(relative);
    let size = std::fs::metadata(&path)
        .map_err(|error| format!("cannot read {relative}: {error}"))?
        .len();
    if size > READ_LIMIT {
        return Err(format!(
            "{relative} is {size} bytes, more than bakeplan reads ({READ_LIMIT})"
        ));
    }
    let bytes = std::fs::read(&path).map_err(|error| format!("cannot read {relative}: {error}"))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use camino::Utf8PathBuf;

    use super::{Found, find, read};

    #[test]
    fn reads_regular_files_inside_and_refuses_links_and_escapes() {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = Utf8PathBuf::from_path_buf(temp.path().to_owned()).expect("utf-8");
        std::fs::create_dir_all(dir.join("a")).expect("mkdir");
        std::fs::write(dir.join("a/file"), "text").expect("write");
        assert_eq!(find(&dir, "a/file"), Ok(Found::File));
        assert_eq!(read(&dir, "a/file"), Ok(Some("text".to_owned())));
        assert_eq!(find(&dir, "a"), Ok(Found::Missing), "a folder is no file");
        assert_eq!(read(&dir, "a/none"), Ok(None));
        assert_eq!(read(&dir, "a/file/under"), Ok(None));
        assert!(find(&dir, "../x").is_err());
        std::os::unix::fs::symlink(dir.join("a"), dir.join("link")).expect("symlink");
        assert!(read(&dir, "link/file").is_err(), "a linked folder");
        std::os::unix::fs::symlink(dir.join("a/file"), dir.join("a/alias")).expect("symlink");
        assert!(find(&dir, "a/alias").is_err(), "a linked file");
        std::fs::write(dir.join("big"), vec![b'x'; 2 * 1024 * 1024]).expect("write");
        assert!(read(&dir, "big").is_err(), "over the limit");
    }
}

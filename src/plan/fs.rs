//! The one guarded way bakeplan reads a file: regular files only (never a device, a FIFO or a
//! folder), never more than a size limit, and — for anything a plan names — only inside the
//! plan folder's real path, so a symlink in a repository cannot make bakeplan read (and echo in
//! a diagnostic) a file outside it such as `/proc/self/environ`.
//!
//! Two policies share one opening path (`open_regular` and `opened_path`): the plan, its
//! templates and the generated files may be reached through a symlink that stays inside the
//! folder (`PlanRoot`); a file a plan points at and bakeplan copies into its output (a
//! context's `.dockerignore`, a workspace lockfile) is reached through no symlink at all
//! (`find_unlinked`, `read_unlinked`). Either way the file opened is checked after opening, so
//! a folder or a file swapped for a link while bakeplan reads cannot lead it elsewhere.

use std::fmt;
use std::fs::{File, Metadata};
use std::io::Read as _;

use camino::{Utf8Path, Utf8PathBuf};

use crate::plan::path::normalize;

/// The largest plan bakeplan reads (a 10,000-service plan is about 2 MiB).
pub const PLAN_LIMIT: u64 = 64 << 20;
/// The largest template, Dockerfile, generated file or list of changed files bakeplan reads.
pub const FILE_LIMIT: u64 = 16 << 20;
/// The largest file read by `read_unlinked` (a context's `.dockerignore`).
pub const UNLINKED_LIMIT: u64 = 1 << 20;

#[derive(Debug)]
pub enum ReadError {
    NotFound,
    /// A folder, a device, a FIFO, a socket, or a symlink where none may be.
    NotRegular(&'static str),
    TooLarge {
        limit: u64,
        /// Its size, or at least this many bytes when it grew while read.
        size: u64,
    },
    /// The real path leaves the folder it must stay in.
    Outside(Utf8PathBuf),
    NotUtf8,
    Io(std::io::Error),
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound => f.write_str("no such file"),
            Self::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            Self::TooLarge { limit, .. } => write!(f, "it is larger than {} MiB", limit >> 20),
            Self::Outside(real) => write!(
                f,
                "it is a symbolic link to {real}, outside the plan's folder"
            ),
            Self::NotUtf8 => f.write_str("it is not UTF-8 text"),
            Self::Io(error) => write!(f, "{error}"),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::NotFound {
            Self::NotFound
        } else {
            Self::Io(error)
        }
    }
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    if file_type.is_dir() {
        "a folder"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "a special file"
    }
}

/// The real (canonical) path of `path`, as UTF-8.
pub fn real_path(path: &Utf8Path) -> Result<Utf8PathBuf, ReadError> {
    let real = std::fs::canonicalize(path)?;
    Utf8PathBuf::from_path_buf(real).map_err(|_| ReadError::NotUtf8)
}

/// Opens `path` without following a symlink in its last component and without blocking on a
/// FIFO: the open file when it is a regular file of at most `limit` bytes.
fn open_regular(path: &Utf8Path, limit: u64) -> Result<(File, Metadata), ReadError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|error| {
            if error.raw_os_error() == Some(libc::ELOOP) {
                ReadError::NotRegular("a symbolic link")
            } else {
                error.into()
            }
        })?;
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular(kind_of(opened.file_type())));
    }
    if opened.len() > limit {
        return Err(ReadError::TooLarge {
            limit,
            size: opened.len(),
        });
    }
    Ok((file, opened))
}

/// Where the file opened from `path` really is: the kernel's own path of the descriptor, or
/// (without `/proc`) the real path of `path` now, when that is still the same file. A folder on
/// the way swapped for a link and back cannot hide where the file was opened.
fn opened_path(file: &File, opened: &Metadata, path: &Utf8Path) -> Result<Utf8PathBuf, ReadError> {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::fs::MetadataExt as _;
    if let Ok(link) = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())) {
        // A file removed since it was opened is named `PATH (deleted)`: it is not inside.
        return Utf8PathBuf::from_path_buf(link).map_err(|_| ReadError::NotUtf8);
    }
    let real = real_path(path)?;
    let now = std::fs::metadata(&real)?;
    if now.dev() == opened.dev() && now.ino() == opened.ino() {
        Ok(real)
    } else {
        Err(ReadError::Outside(real))
    }
}

/// Reads the open file: at most `limit` bytes.
fn read_bounded(file: File, opened: &Metadata, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge {
            limit,
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

/// Reads the regular file at the real path `real`, at most `limit` bytes; when `inside` is
/// given, the file opened must be in that folder (a real path).
fn read_real(real: &Utf8Path, limit: u64, inside: Option<&Utf8Path>) -> Result<String, ReadError> {
    // Looked at before it is opened: a device is never opened (opening one may do something).
    let metadata = std::fs::metadata(real)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind_of(metadata.file_type())));
    }
    let (file, opened) = open_regular(real, limit)?;
    if let Some(folder) = inside {
        let at = opened_path(&file, &opened, real)?;
        if !at.starts_with(folder) {
            return Err(ReadError::Outside(at));
        }
    }
    String::from_utf8(read_bounded(file, &opened, limit)?).map_err(|_| ReadError::NotUtf8)
}

/// Reads the plan file the user named. A symlink is followed only to a file in the folder that
/// holds the link (a plan linked to `/proc/self/environ` is refused).
pub fn read_plan(path: &Utf8Path) -> Result<String, ReadError> {
    let link = std::fs::symlink_metadata(path)?;
    let real = real_path(path)?;
    if link.file_type().is_symlink() {
        let folder = match path.parent() {
            Some(parent) if !parent.as_str().is_empty() => parent,
            _ => Utf8Path::new("."),
        };
        let folder = real_path(folder)?;
        if !real.starts_with(&folder) {
            return Err(ReadError::Outside(real));
        }
        return read_real(&real, PLAN_LIMIT, Some(&folder));
    }
    read_real(&real, PLAN_LIMIT, None)
}

/// The plan folder's real path: every file a plan names must resolve inside it.
#[derive(Debug, Clone)]
pub struct PlanRoot {
    /// The folder as the user reaches it (relative paths are joined to it).
    pub dir: Utf8PathBuf,
    /// Its canonical path.
    pub real: Utf8PathBuf,
}

impl PlanRoot {
    pub fn new(dir: &Utf8Path) -> Result<Self, ReadError> {
        Ok(Self {
            dir: dir.to_owned(),
            real: real_path(dir)?,
        })
    }

    /// The real path of `relative` (which must exist), refused when it leaves the folder.
    pub fn resolve(&self, relative: &str) -> Result<Utf8PathBuf, ReadError> {
        let real = real_path(&self.dir.join(relative))?;
        if real.starts_with(&self.real) {
            Ok(real)
        } else {
            Err(ReadError::Outside(real))
        }
    }

    /// Reads `relative` (a file the plan names): inside the folder, regular, at most `limit`.
    pub fn read(&self, relative: &str, limit: u64) -> Result<String, ReadError> {
        read_real(&self.resolve(relative)?, limit, Some(&self.real))
    }

    /// Reads a generated file's current contents: `None` when there is none. The file itself
    /// must not be a symlink (bakeplan replaces only regular files), its folder must resolve
    /// inside the plan folder.
    pub fn read_output(&self, relative: &str) -> Result<Option<String>, ReadError> {
        let path = self.dir.join(relative);
        match std::fs::symlink_metadata(&path) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                Err(ReadError::NotRegular("a symbolic link"))
            }
            Ok(_) => self.read(relative, FILE_LIMIT).map(Some),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                // The folder may be a symlink that leads out even when the file is not there.
                if let Some(parent) = Utf8Path::new(relative).parent()
                    && !parent.as_str().is_empty()
                {
                    match self.resolve(parent.as_str()) {
                        Ok(_) | Err(ReadError::NotFound) => {}
                        Err(error) => return Err(error),
                    }
                }
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }
}

/// Reads a file the user named on the command line (`affected --files`): any regular file,
/// bounded.
pub fn read_named(path: &Utf8Path) -> Result<String, ReadError> {
    read_real(&real_path(path)?, FILE_LIMIT, None)
}

/// What is at a path of the plan folder.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// Nothing (or something that is not a regular file: a folder, a device).
    Missing,
    File,
}

/// Whether `relative` (to the plan folder `dir`) names a regular file inside it, reached
/// without a symbolic link; an error when the way to it goes through one, or the path leaves
/// the folder.
pub fn find_unlinked(dir: &Utf8Path, relative: &str) -> Result<Found, String> {
    walk_unlinked(dir, relative).map(|(found, _)| found)
}

/// `find_unlinked`, with the normalized path.
fn walk_unlinked(dir: &Utf8Path, relative: &str) -> Result<(Found, String), String> {
    let normalized =
        normalize(relative).ok_or_else(|| format!("{relative} is outside the plan folder"))?;
    if normalized == "." {
        return Ok((Found::Missing, normalized));
    }
    let mut path = dir.to_owned();
    let parts: Vec<&str> = normalized.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let metadata = match std::fs::symlink_metadata(&path) {
            Ok(metadata) => metadata,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Found::Missing, normalized));
            }
            Err(error) => return Err(format!("cannot read {normalized}: {error}")),
        };
        if metadata.file_type().is_symlink() {
            return Err(unlinked_refusal(&normalized, &parts[..=i].join("/")));
        }
        let last = i + 1 == parts.len();
        if !last && !metadata.is_dir() {
            return Ok((Found::Missing, normalized));
        }
        if last && metadata.is_file() {
            return Ok((Found::File, normalized));
        }
    }
    Ok((Found::Missing, normalized))
}

fn unlinked_refusal(normalized: &str, link: &str) -> String {
    format!("{normalized}: {link} is a symbolic link, which bakeplan does not follow")
}

/// The text of the regular file `relative` inside the plan folder `dir`, reached without a
/// symbolic link, `None` when there is none; an error for a symbolic link on the way, a file
/// over `UNLINKED_LIMIT`, or a read failure. Text that is not UTF-8 is read lossily.
pub fn read_unlinked(dir: &Utf8Path, relative: &str) -> Result<Option<String>, String> {
    let (found, normalized) = walk_unlinked(dir, relative)?;
    if found == Found::Missing {
        return Ok(None);
    }
    let cannot = |error: ReadError| match error {
        ReadError::NotRegular("a symbolic link") | ReadError::Outside(_) => {
            unlinked_refusal(&normalized, &normalized)
        }
        ReadError::TooLarge { size, .. } => {
            format!("{relative} is {size} bytes, more than bakeplan reads ({UNLINKED_LIMIT})")
        }
        error => format!("cannot read {relative}: {error}"),
    };
    let path = dir.join(&normalized);
    let (file, opened) = open_regular(&path, UNLINKED_LIMIT).map_err(cannot)?;
    // No link on the way: the file opened is exactly at the folder's real path + `normalized`
    // (a folder swapped for a link between the walk and the opening leads elsewhere).
    let expected = real_path(dir).map_err(cannot)?.join(&normalized);
    if opened_path(&file, &opened, &path).map_err(cannot)? != expected {
        return Err(cannot(ReadError::Outside(expected)));
    }
    let bytes = read_bounded(file, &opened, UNLINKED_LIMIT).map_err(cannot)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::{Found, PlanRoot, ReadError, find_unlinked, read_plan, read_unlinked};
    use camino::Utf8PathBuf;

    #[test]
    fn refuses_links_out_devices_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8PathBuf::from_path_buf(dir.path().to_owned()).unwrap();
        std::fs::write(root.join("ok.kdl"), "version 1\n").unwrap();
        std::os::unix::fs::symlink("/proc/self/environ", root.join("env.kdl")).unwrap();
        std::os::unix::fs::symlink("ok.kdl", root.join("link.kdl")).unwrap();
        std::fs::create_dir(root.join("sub")).unwrap();
        assert_eq!(read_plan(&root.join("ok.kdl")).unwrap(), "version 1\n");
        assert_eq!(read_plan(&root.join("link.kdl")).unwrap(), "version 1\n");
        assert!(matches!(
            read_plan(&root.join("env.kdl")),
            Err(ReadError::Outside(_))
        ));
        assert!(matches!(
            read_plan("/dev/zero".into()),
            Err(ReadError::NotRegular("a device"))
        ));
        let plan_root = PlanRoot::new(&root).unwrap();
        assert!(matches!(
            plan_root.read("sub", 10),
            Err(ReadError::NotRegular("a folder"))
        ));
        assert!(matches!(
            plan_root.read("env.kdl", 10),
            Err(ReadError::Outside(_))
        ));
        assert!(matches!(
            plan_root.read("ok.kdl", 3),
            Err(ReadError::TooLarge { limit: 3, size: 10 })
        ));
    }

    #[test]
    fn reads_unlinked_regular_files_inside_and_refuses_links_and_escapes() {
        let temp = tempfile::tempdir().expect("temp dir");
        let dir = Utf8PathBuf::from_path_buf(temp.path().to_owned()).expect("utf-8");
        std::fs::create_dir_all(dir.join("a")).expect("mkdir");
        std::fs::write(dir.join("a/file"), "text").expect("write");
        assert_eq!(find_unlinked(&dir, "a/file"), Ok(Found::File));
        assert_eq!(read_unlinked(&dir, "a/file"), Ok(Some("text".to_owned())));
        assert_eq!(
            find_unlinked(&dir, "a"),
            Ok(Found::Missing),
            "a folder is no file"
        );
        assert_eq!(read_unlinked(&dir, "a/none"), Ok(None));
        assert_eq!(read_unlinked(&dir, "a/file/under"), Ok(None));
        assert!(find_unlinked(&dir, "../x").is_err());
        std::os::unix::fs::symlink(dir.join("a"), dir.join("link")).expect("symlink");
        assert_eq!(
            read_unlinked(&dir, "link/file"),
            Err("link/file: link is a symbolic link, which bakeplan does not follow".to_owned()),
            "a linked folder"
        );
        std::os::unix::fs::symlink(dir.join("a/file"), dir.join("a/alias")).expect("symlink");
        assert!(find_unlinked(&dir, "a/alias").is_err(), "a linked file");
        std::fs::write(dir.join("big"), vec![b'x'; 2 * 1024 * 1024]).expect("write");
        assert_eq!(
            read_unlinked(&dir, "big"),
            Err("big is 2097152 bytes, more than bakeplan reads (1048576)".to_owned()),
            "over the limit"
        );
        std::fs::write(dir.join("latin1"), b"caf\xe9").expect("write");
        assert_eq!(
            read_unlinked(&dir, "latin1"),
            Ok(Some("caf\u{fffd}".to_owned()))
        );
    }

    /// The old reader checked the way to the file, then opened it by name: a file swapped for
    /// a link out in between was read through the link (hundreds of times in two seconds).
    #[test]
    fn a_file_swapped_for_a_link_out_is_never_read_through_it() {
        let temp = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        let secret = outside.path().join("secret");
        std::fs::write(&secret, "SECRET").expect("write");
        let dir = Utf8PathBuf::from_path_buf(temp.path().to_owned()).expect("utf-8");
        std::fs::write(dir.join(".dockerignore"), "inside").expect("write");
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _ = std::os::unix::fs::symlink(&secret, dir.join("link"));
                    let _ = std::fs::rename(dir.join("link"), dir.join(".dockerignore"));
                    let _ = std::fs::write(dir.join("file"), "inside");
                    let _ = std::fs::rename(dir.join("file"), dir.join(".dockerignore"));
                }
            });
            let start = std::time::Instant::now();
            let (mut leaked, mut read) = (0, 0);
            while start.elapsed() < std::time::Duration::from_secs(2) {
                match read_unlinked(&dir, ".dockerignore") {
                    Ok(Some(text)) if text == "SECRET" => leaked += 1,
                    Ok(Some(_)) => read += 1,
                    _ => {}
                }
            }
            stop.store(true, Ordering::Relaxed);
            assert_eq!(leaked, 0, "read through a link out {leaked} times");
            assert!(read > 0, "the file itself was never read");
        });
    }

    /// The same with a folder on the way swapped for a link out and back.
    #[test]
    fn a_folder_swapped_for_a_link_out_is_never_read_through_it() {
        let temp = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::write(outside.path().join(".dockerignore"), "SECRET").expect("write");
        let dir = Utf8PathBuf::from_path_buf(temp.path().to_owned()).expect("utf-8");
        std::fs::create_dir(dir.join("ctx")).expect("mkdir");
        std::fs::write(dir.join("ctx/.dockerignore"), "inside").expect("write");
        let stop = AtomicBool::new(false);
        std::thread::scope(|scope| {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let _ = std::fs::rename(dir.join("ctx"), dir.join("real"));
                    let _ = std::os::unix::fs::symlink(outside.path(), dir.join("ctx"));
                    let _ = std::fs::remove_file(dir.join("ctx"));
                    let _ = std::fs::rename(dir.join("real"), dir.join("ctx"));
                }
            });
            let start = std::time::Instant::now();
            let mut leaked = 0;
            while start.elapsed() < std::time::Duration::from_secs(1) {
                if let Ok(Some(text)) = read_unlinked(&dir, "ctx/.dockerignore")
                    && text == "SECRET"
                {
                    leaked += 1;
                }
            }
            stop.store(true, Ordering::Relaxed);
            assert_eq!(leaked, 0, "read through a link out {leaked} times");
        });
    }
}

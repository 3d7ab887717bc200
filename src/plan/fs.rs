//! The one guarded way bakeplan reads a file: regular files only (never a device, a FIFO or a
//! folder), never more than a size limit, and — for anything a plan names — only inside the
//! plan folder's real path, so a symlink in a repository cannot make bakeplan read (and echo in
//! a diagnostic) a file outside it such as `/proc/self/environ`.

use std::fmt;
use std::io::Read as _;

use camino::{Utf8Path, Utf8PathBuf};

/// The largest plan bakeplan reads (a 10,000-service plan is about 2 MiB).
pub const PLAN_LIMIT: u64 = 64 << 20;
/// The largest template, Dockerfile, generated file or list of changed files bakeplan reads.
pub const FILE_LIMIT: u64 = 16 << 20;

#[derive(Debug)]
pub enum ReadError {
    NotFound,
    /// A folder, a device, a FIFO, a socket, or a symlink where none may be.
    NotRegular(&'static str),
    TooLarge(u64),
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
            Self::TooLarge(limit) => write!(f, "it is larger than {} MiB", limit >> 20),
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

/// Reads the regular file at the real path `real` without following a symlink, without
/// blocking on a FIFO swapped in, and at most `limit` bytes.
fn read_real(real: &Utf8Path, limit: u64) -> Result<String, ReadError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let metadata = std::fs::metadata(real)?;
    if !metadata.is_file() {
        return Err(ReadError::NotRegular(kind_of(metadata.file_type())));
    }
    if metadata.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(real)?;
    let opened = file.metadata()?;
    if !opened.is_file() {
        return Err(ReadError::NotRegular(kind_of(opened.file_type())));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)
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
        if !real.starts_with(real_path(folder)?) {
            return Err(ReadError::Outside(real));
        }
    }
    read_real(&real, PLAN_LIMIT)
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
        read_real(&self.resolve(relative)?, limit)
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
    read_real(&real_path(path)?, FILE_LIMIT)
}

#[cfg(test)]
mod tests {
    use super::{PlanRoot, ReadError, read_plan};
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
            Err(ReadError::TooLarge(3))
        ));
    }
}

//! The plan file as read from disk: its path, its folder and its text.

use std::sync::Arc;

use camino::{Utf8Path, Utf8PathBuf};
use miette::NamedSource;

#[derive(Debug, Clone)]
pub struct PlanSource {
    /// The plan file as the user named it.
    pub path: Utf8PathBuf,
    /// The folder holding the plan: every relative path of the plan is relative to it.
    pub dir: Utf8PathBuf,
    /// The plan's file name, used in generated-file markers.
    pub file_name: String,
    pub text: Arc<String>,
}

impl PlanSource {
    /// Reads the plan file (a regular file, bounded, not a link out of its folder: see
    /// `plan::fs`); the caller words the error (see `commands::session::read_plan`).
    pub fn read(path: &Utf8Path) -> Result<Self, crate::plan::fs::ReadError> {
        let text = crate::plan::fs::read_plan(path)?;
        Ok(Self::from_text(path, text))
    }

    pub fn from_text(path: &Utf8Path, text: String) -> Self {
        let dir = match path.parent() {
            Some(parent) if !parent.as_str().is_empty() => parent.to_owned(),
            _ => Utf8PathBuf::from("."),
        };
        let file_name = path.file_name().unwrap_or("bakeplan.kdl").to_owned();
        Self {
            path: path.to_owned(),
            dir,
            file_name,
            text: Arc::new(text),
        }
    }

    pub fn named(&self) -> NamedSource<Arc<String>> {
        NamedSource::new(self.path.as_str(), Arc::clone(&self.text)).with_language("kdl")
    }

    /// A path relative to the plan folder, as the user would type it from the current folder.
    pub fn display_path(&self, relative: &str) -> Utf8PathBuf {
        if self.dir == "." {
            Utf8PathBuf::from(relative)
        } else {
            self.dir.join(relative)
        }
    }
}

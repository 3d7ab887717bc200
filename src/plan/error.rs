//! One pointed error about a plan: a miette diagnostic with a code, a message, labelled spans
//! and a hint. An error does not carry the plan's text: it says where its spans point (the
//! plan, the default; another named source such as a template file; or nowhere), and the
//! reporter attaches the plan's source once, when it prints (`PlanError::located`).

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};

/// A source with a name, as miette shows it: the plan file, or a template file.
pub type Named = NamedSource<Arc<String>>;

/// Where an error's spans point.
#[derive(Debug, Clone, Default)]
pub enum Origin {
    /// The plan being compiled; its text is attached where errors are reported.
    #[default]
    Plan,
    /// Another source, carried by the error (a template file, say).
    Named(Named),
    /// No source: the error has no place to point at (a file that cannot be read, say).
    Nowhere,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct PlanError {
    /// A stable machine-readable kind, `bakeplan::unknown-node` and so on (documented in the README).
    pub code: &'static str,
    pub message: String,
    pub origin: Origin,
    pub labels: Vec<LabeledSpan>,
    pub help: Option<String>,
}

impl PlanError {
    /// An error about the plan: `PlanError::new(code, message).label(span, "…").help("…")`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            origin: Origin::Plan,
            labels: Vec::new(),
            help: None,
        }
    }

    /// An error with no place in a source (a file that cannot be read, say).
    pub fn io(message: impl Into<String>) -> Self {
        Self::new("bakeplan::io", message).nowhere()
    }

    /// Adds a labelled span (the report's `[file:line:column]` names the earliest label in the
    /// text, unless one is `primary_label`).
    #[must_use]
    pub fn label(mut self, span: SourceSpan, label: impl Into<String>) -> Self {
        self.labels
            .push(LabeledSpan::new_with_span(Some(label.into()), span));
        self
    }

    /// Adds the labelled span the report's `[file:line:column]` names, wherever it sits among
    /// the others (without one, the report names the earliest label).
    #[must_use]
    pub fn primary_label(mut self, span: SourceSpan, label: impl Into<String>) -> Self {
        self.labels
            .push(LabeledSpan::new_primary_with_span(Some(label.into()), span));
        self
    }

    /// Sets the hint shown under the error.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the hint when there is one (a "did you mean", say).
    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// The spans point into `named` (a template file, say), not into the plan.
    #[must_use]
    pub fn in_source(mut self, named: Named) -> Self {
        self.origin = Origin::Named(named);
        self
    }

    /// The error points nowhere.
    #[must_use]
    pub fn nowhere(mut self) -> Self {
        self.origin = Origin::Nowhere;
        self
    }

    /// The error ready to render, its spans resolved against `plan` when they point into the
    /// plan (`None`: no plan text at hand, so no snippet is shown).
    pub fn located<'a>(&'a self, plan: Option<&'a Named>) -> Located<'a> {
        let source = match &self.origin {
            Origin::Plan => plan,
            Origin::Named(named) => Some(named),
            Origin::Nowhere => None,
        };
        Located {
            error: self,
            text: source,
        }
    }
}

/// A plan error with the source its spans point into: what the reporter renders.
#[derive(Debug, thiserror::Error)]
#[error("{}", error.message)]
pub struct Located<'a> {
    error: &'a PlanError,
    text: Option<&'a Named>,
}

impl Diagnostic for Located<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.error.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.error
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.text.map(|named| named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.error.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.error.labels.iter().cloned()))
        }
    }
}

/// Every error found in one run; a compile reports them all, then writes nothing.
#[derive(Debug, Default)]
pub struct PlanErrors(pub Vec<PlanError>);

impl PlanErrors {
    pub fn push(&mut self, error: PlanError) {
        self.0.push(error);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn extend(&mut self, other: PlanErrors) {
        self.0.extend(other.0);
    }

    /// `Ok(value)` when no error was recorded.
    pub fn into_result<T>(self, value: T) -> Result<T, PlanErrors> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl From<PlanError> for PlanErrors {
    fn from(error: PlanError) -> Self {
        Self(vec![error])
    }
}

#[cfg(test)]
mod tests {
    /// Issue 7: an error is built one way, `PlanError::new(code, message).label(…).help(…)`;
    /// the old forms kept while branches merged are gone, and no source file brings them back.
    #[test]
    fn errors_are_built_only_with_the_builder() {
        let old_forms = [
            ["PlanError", "::at("].concat(),
            ["PlanError", "::in_named("].concat(),
            [".with", "_help("].concat(),
            [".with", "_label("].concat(),
        ];
        let mut found = Vec::new();
        let mut folders = vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).expect("read src") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|ext| ext == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read");
                    for form in &old_forms {
                        if text.contains(form.as_str()) {
                            found.push(format!("{}: {form}", path.display()));
                        }
                    }
                }
            }
        }
        found.sort();
        assert!(found.is_empty(), "old error forms: {found:#?}");
    }
}

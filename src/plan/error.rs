//! One pointed error about a plan: a miette diagnostic with the file, the caret and a hint.

use std::fmt;
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};

use crate::plan::source::PlanSource;

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct PlanError {
    /// A stable machine-readable kind, `bakeplan::unknown-node` and so on (documented in the README).
    pub code: &'static str,
    pub message: String,
    pub source_code: Option<NamedSource<Arc<String>>>,
    pub labels: Vec<LabeledSpan>,
    pub help: Option<String>,
}

impl PlanError {
    /// An error pointing at `span` of the plan.
    pub fn at(
        source: &PlanSource,
        code: &'static str,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self::in_named(source.named(), code, span, message, label)
    }

    /// An error pointing into another source file (a template, say).
    pub fn in_named(
        named: NamedSource<Arc<String>>,
        code: &'static str,
        span: SourceSpan,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Self {
        Self {
            code,
            message: message.into(),
            source_code: Some(named),
            labels: vec![LabeledSpan::new_with_span(Some(label.into()), span)],
            help: None,
        }
    }

    /// An error with no place in a source (a file that cannot be read, say).
    pub fn io(message: impl Into<String>) -> Self {
        Self {
            code: "bakeplan::io",
            message: message.into(),
            source_code: None,
            labels: Vec::new(),
            help: None,
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<Option<String>>) -> Self {
        self.help = help.into();
        self
    }

    #[must_use]
    pub fn with_label(mut self, span: SourceSpan, label: impl Into<String>) -> Self {
        self.labels
            .push(LabeledSpan::new_with_span(Some(label.into()), span));
        self
    }
}

impl Diagnostic for PlanError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source_code
            .as_ref()
            .map(|named| named as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            None
        } else {
            Some(Box::new(self.labels.iter().cloned()))
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

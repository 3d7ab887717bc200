//! Loading and compiling a plan for a command, reporting warnings the same way for every
//! command; errors go back to `main` as a `CommandError`.

use camino::Utf8Path;

use crate::commands::error::{Closing, CommandError};
use crate::commands::reporter::Reporter;
use crate::compiler::{Compilation, compile, compile_draft};
use crate::plan::error::PlanError;
use crate::plan::fs::{FILE_LIMIT, PlanRoot, ReadError};
use crate::plan::model::{Build, Service};
use crate::plan::source::PlanSource;

pub struct Session {
    pub source: PlanSource,
    pub compilation: Compilation,
}

impl Session {
    /// Reads and compiles the plan, printing its warnings; a plan with errors is an error.
    pub fn load(plan: &Utf8Path, reporter: &Reporter) -> Result<Self, CommandError> {
        Self::load_with(plan, reporter, compile)
    }

    /// `load` for a plan being edited, which may have no service yet (`bakeplan new`).
    pub fn load_draft(plan: &Utf8Path, reporter: &Reporter) -> Result<Self, CommandError> {
        Self::load_with(plan, reporter, compile_draft)
    }

    fn load_with(
        plan: &Utf8Path,
        reporter: &Reporter,
        compile: fn(&PlanSource) -> Result<Compilation, crate::plan::error::PlanErrors>,
    ) -> Result<Self, CommandError> {
        let source = read_plan(plan)?;
        let compilation = compile(&source).map_err(|errors| CommandError::plan(errors, &source))?;
        for warning in &compilation.warnings {
            reporter.warning(warning);
        }
        Ok(Self {
            source,
            compilation,
        })
    }

    /// A service's Dockerfile text: a generated one as compiled, a hand-written one read as
    /// compile reads the files a plan names (inside the plan folder's real path, a regular
    /// file, bounded); `None` for a library.
    pub fn dockerfile(&self, service: &Service) -> Result<Option<String>, ReadError> {
        match &service.build {
            Build::Template { output, .. } => Ok(self
                .compilation
                .outputs
                .files
                .get(output)
                .map(|file| file.contents.clone())),
            Build::Dockerfile { path } => PlanRoot::new(&self.source.dir)?
                .read(path, FILE_LIMIT)
                .map(Some),
            Build::Library => Ok(None),
        }
    }
}

/// Reads the plan file; a file that cannot be read is a plan error pointing nowhere.
pub fn read_plan(path: &Utf8Path) -> Result<PlanSource, CommandError> {
    PlanSource::read(path).map_err(|error| {
        CommandError::plan_closed(
            PlanError::io(format!("cannot read the plan {path}: {error}")).into(),
            None,
            Closing::Silent,
        )
    })
}

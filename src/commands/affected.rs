//! `bakeplan affected (--since REF | --files FILE|-) [--format names|json|bake]`.

use std::io::Read as _;

use crate::cli::{AffectedArgs, AffectedFormat};
use crate::commands::error::CommandError;
use crate::commands::git::{git_changes, parse_file_list};
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::graph::affected::{Affected, affected};

/// The changed files the arguments name.
pub fn changed_files(
    session: &Session,
    since: Option<&str>,
    files: Option<&camino::Utf8Path>,
) -> Result<Vec<String>, String> {
    match (since, files) {
        (Some(since), _) => git_changes(&session.source, since),
        (None, Some(path)) if path == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| format!("cannot read standard input: {error}"))?;
            Ok(relative_to_plan(session, parse_file_list(&text)))
        }
        (None, Some(path)) => crate::plan::fs::read_named(path)
            .map(|text| relative_to_plan(session, parse_file_list(&text)))
            .map_err(|error| format!("cannot read {path}: {error}")),
        (None, None) => Err("give --since REF or --files FILE".to_owned()),
    }
}

/// Absolute names inside the plan folder become relative to it (its path as given, or its real
/// path); other names are kept as they are.
fn relative_to_plan(session: &Session, files: Vec<String>) -> Vec<String> {
    let dir = &session.source.dir;
    let absolute = std::path::absolute(dir)
        .ok()
        .and_then(|path| camino::Utf8PathBuf::from_path_buf(path).ok());
    let real = crate::plan::fs::real_path(dir).ok();
    files
        .into_iter()
        .map(|file| {
            let path = camino::Utf8Path::new(&file);
            if !path.is_absolute() {
                return file;
            }
            [absolute.as_ref(), real.as_ref()]
                .into_iter()
                .flatten()
                .find_map(|base| path.strip_prefix(base).ok())
                .map_or_else(|| file.clone(), |inside| inside.as_str().to_owned())
        })
        .collect()
}

pub fn compute(
    session: &Session,
    since: Option<&str>,
    files: Option<&camino::Utf8Path>,
) -> Result<Affected, String> {
    let changed = changed_files(session, since, files)?;
    affected(
        &session.compilation.plan,
        &session.compilation.graph,
        &session.source.file_name,
        &changed,
    )
}

pub fn run(args: &AffectedArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    let result = compute(&session, args.since.as_deref(), args.files.as_deref())
        .map_err(CommandError::Usage)?;
    match args.format {
        AffectedFormat::Names => {
            for name in &result.services {
                crate::outln!("{name}");
            }
        }
        AffectedFormat::Json => crate::outln!(
            "{}",
            serde_json::to_string_pretty(&result).expect("serializes")
        ),
        AffectedFormat::Bake => crate::outln!("{}", result.services.join(" ")),
    }
    Ok(())
}

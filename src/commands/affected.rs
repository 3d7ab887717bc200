//! `bakeplan affected (--since REF | --files FILE|-) [--format names|json|bake]`.

use std::io::Read as _;

use crate::cli::{AffectedArgs, AffectedFormat};
use crate::commands::error::CommandError;
use crate::commands::git::git_changes;
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
            Ok(text.lines().map(str::to_owned).collect())
        }
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(|text| text.lines().map(str::to_owned).collect())
            .map_err(|error| format!("cannot read {path}: {error}")),
        (None, None) => Err("give --since REF or --files FILE".to_owned()),
    }
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
                println!("{name}");
            }
        }
        AffectedFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&result).expect("serializes")
        ),
        AffectedFormat::Bake => println!("{}", result.services.join(" ")),
    }
    Ok(())
}

//! `bakeplan affected (--since REF | --files FILE|-) [--format names|json|bake]`.

use std::collections::BTreeSet;
use std::io::Read as _;

use crate::cli::{AffectedArgs, AffectedFormat};
use crate::commands::error::CommandError;
use crate::commands::git::{git_changes, merge_base, parse_file_list, plan_at};
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::compiler::compile;
use crate::emit::definition::definitions;
use crate::graph::affected::{Affected, affected};
use crate::plan::path::normalize;
use crate::plan::source::PlanSource;

/// The changed files the arguments name, and the commit they were changed since (with
/// `--since`).
pub fn changed_files(
    session: &Session,
    since: Option<&str>,
    files: Option<&camino::Utf8Path>,
) -> Result<(Vec<String>, Option<String>), String> {
    match (since, files) {
        (Some(since), _) => {
            let base = merge_base(&session.source, since)?;
            Ok((git_changes(&session.source, &base)?, Some(base)))
        }
        (None, Some(path)) if path == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|error| format!("cannot read standard input: {error}"))?;
            Ok((relative_to_plan(session, parse_file_list(&text)), None))
        }
        (None, Some(path)) => crate::plan::fs::read_named(path)
            .map(|text| (relative_to_plan(session, parse_file_list(&text)), None))
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

/// The services whose definition differs between the plan at commit `base` and the plan now
/// (compiled in memory, nothing written; a service new since then counts). `None`, with a note
/// on stderr, when the plan did not exist or did not compile at `base`: then a change to the
/// plan file affects every service.
fn plan_changes(session: &Session, base: &str) -> Option<BTreeSet<String>> {
    let Ok(text) = plan_at(&session.source, base) else {
        crate::errln!(
            "note: {} does not exist at {}; every service counts as changed by it",
            session.source.path,
            short(base)
        );
        return None;
    };
    let old_source = PlanSource::from_text(&session.source.path, text);
    let Ok(old) = compile(&old_source) else {
        crate::errln!(
            "note: {} at {} does not compile; every service counts as changed by it",
            session.source.path,
            short(base)
        );
        return None;
    };
    let before = definitions(&old.plan, &old.outputs);
    let now = definitions(&session.compilation.plan, &session.compilation.outputs);
    Some(
        now.into_iter()
            .filter(|(name, definition)| before.get(name) != Some(definition))
            .map(|(name, _)| name)
            .collect(),
    )
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

pub fn compute(
    session: &Session,
    since: Option<&str>,
    files: Option<&camino::Utf8Path>,
) -> Result<Affected, String> {
    let (changed, base) = changed_files(session, since, files)?;
    let plan_file = &session.source.file_name;
    let plan_file_changed = changed
        .iter()
        .any(|file| normalize(file.trim()).as_deref() == Some(plan_file));
    let changed_services = match base {
        Some(base) if plan_file_changed => plan_changes(session, &base),
        _ => None,
    };
    affected(
        &session.compilation.plan,
        &session.compilation.graph,
        plan_file,
        &changed,
        changed_services.as_ref(),
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

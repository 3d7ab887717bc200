//! `bakeplan import compose FILE...`: a plan from compose files.

pub mod compose;
pub mod interpolate;
pub mod kdl_writer;
pub mod yaml;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::cli::{ImportArgs, ImportSource};
use crate::commands::error::CommandError;
use crate::commands::render::escape_controls;

/// Largest file `import` and `init` read (compose files, Dockerfiles, manifests).
pub const MAX_FILE: u64 = 1 << 20;

/// A regular file's text (never through a symlink), when it is at most `MAX_FILE` bytes.
pub fn read_bounded(path: &Path) -> Option<String> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    if !metadata.file_type().is_file() || metadata.len() > MAX_FILE {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FILE)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// Writes `text` to `path` only when nothing is there (never over an existing file).
pub fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

pub fn run(args: &ImportArgs) -> Result<(), CommandError> {
    match &args.source {
        ImportSource::Compose(compose) => import_compose(compose).map_err(CommandError::Usage),
    }
}

fn import_compose(args: &crate::cli::ImportComposeArgs) -> Result<(), String> {
    let files: Vec<String> = args.files.iter().map(ToString::to_string).collect();
    let first = std::path::absolute(args.files[0].as_std_path())
        .map_err(|error| format!("{}: {error}", args.files[0]))?;
    let project_dir = compose::clean(first.parent().unwrap_or(Path::new("/")));
    let output: PathBuf = match &args.output {
        Some(path) => {
            compose::clean(&std::path::absolute(path.as_std_path()).map_err(|e| e.to_string())?)
        }
        None => project_dir.join("bakeplan.kdl"),
    };
    let plan_dir = output
        .parent()
        .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
    if !args.dry_run && std::fs::symlink_metadata(&output).is_ok() {
        return Err(format!(
            "{} already exists; `bakeplan import` never overwrites a file (remove it, or pass --output)",
            display(&output)
        ));
    }

    let mut root: Option<yaml::Node> = None;
    for (index, file) in args.files.iter().enumerate() {
        let text = read_bounded(file.as_std_path())
            .ok_or_else(|| format!("{file}: not a readable regular file of at most 1 MiB"))?;
        yaml::read_into(&mut root, &text, index).map_err(|error| format!("{file}: {error}"))?;
    }
    let root = root.ok_or("no compose file given")?;

    let mut interpolator = interpolate::Interpolator::default();
    // The project's `.env`, read as `compile` reads the plan folder's files (a regular file, no
    // symbolic link, at most 1 MiB): its values reach the plan.
    if let Some(dir) = camino::Utf8Path::from_path(&project_dir) {
        match crate::plan::fs::read_unlinked(dir, ".env") {
            Ok(Some(text)) => interpolator.dotenv = interpolate::parse_dotenv(&text),
            Ok(None) => {}
            Err(error) => crate::errln!(
                "note: {}; its variables are not used",
                escape_controls(&error)
            ),
        }
    }
    interpolator.env = std::env::vars().collect();
    let project = root.get("name").and_then(yaml::Node::scalar).map_or_else(
        || {
            project_dir
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("project")
                .to_owned()
        },
        str::to_owned,
    );
    let project = std::env::var("COMPOSE_PROJECT_NAME").unwrap_or(project);
    let project = compose::project_name(&project);

    let importer = compose::Importer::new(&files, project_dir, plan_dir, project, interpolator);
    let result = importer.import(&root)?;
    if result.services == 0 {
        for note in &result.notes {
            crate::errln!("note: {}", escape_controls(note));
        }
        return Err(
            "no service could be imported (a plan needs at least one service with a `build`)"
                .to_owned(),
        );
    }

    if args.dry_run {
        crate::out!("{}", result.plan);
        for (path, text) in &result.inline_files {
            crate::outln!("// would write {}:", kdl_writer::comment(&display(path)));
            for line in text.lines() {
                crate::outln!("//   {}", kdl_writer::comment(line));
            }
        }
    } else {
        write_all(&output, &result.plan, &result.inline_files)?;
    }
    // Notes quote the compose files (service names, values): control characters are shown
    // escaped, never sent to the terminal raw.
    for note in &result.notes {
        crate::errln!("note: {}", escape_controls(note));
    }
    if !args.dry_run {
        let output = escape_controls(&display(&output));
        crate::errln!(
            "wrote {output} ({} service{}); next: `bakeplan compile {output}`",
            result.services,
            if result.services == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Writes the `dockerfile_inline` files and the plan, all or nothing: every check (a file in
/// the way, two files at one path) comes before the first write, and a write that fails
/// removes the files and folders this run made.
fn write_all(output: &Path, plan: &str, inline_files: &[(PathBuf, String)]) -> Result<(), String> {
    let mut seen: std::collections::BTreeSet<&Path> = std::collections::BTreeSet::from([output]);
    let mut pending: Vec<(&Path, &str)> = Vec::new();
    for (path, text) in inline_files {
        if !seen.insert(path) {
            return Err(format!(
                "{} would be written twice; nothing was written",
                display(path)
            ));
        }
        if std::fs::symlink_metadata(path).is_ok() {
            if read_bounded(path).as_deref() == Some(text.as_str()) {
                continue;
            }
            return Err(format!(
                "{} already exists (for a `dockerfile_inline`); `bakeplan import` never overwrites a file; nothing was written",
                display(path)
            ));
        }
        pending.push((path, text));
    }
    pending.push((output, plan));
    // The plan's folder and those above it that do not exist yet, outermost first.
    let mut folders: Vec<&Path> = output
        .ancestors()
        .skip(1)
        .take_while(|folder| {
            !folder.as_os_str().is_empty() && std::fs::symlink_metadata(folder).is_err()
        })
        .collect();
    folders.reverse();
    let mut made_folders: Vec<&Path> = Vec::new();
    let mut made_files: Vec<&Path> = Vec::new();
    let mut result = Ok(());
    for folder in folders {
        if let Err(error) = std::fs::create_dir(folder) {
            result = Err(format!("{}: {error}; nothing was written", display(folder)));
            break;
        }
        made_folders.push(folder);
    }
    if result.is_ok() {
        for (path, text) in pending {
            if let Err(error) = write_new(path, text) {
                result = Err(format!("{}: {error}; nothing was written", display(path)));
                break;
            }
            made_files.push(path);
        }
    }
    if result.is_err() {
        for path in made_files {
            let _ = std::fs::remove_file(path);
        }
        for folder in made_folders.into_iter().rev() {
            let _ = std::fs::remove_dir(folder);
        }
    }
    result
}

/// A path for messages: relative to the working folder when inside it.
pub fn display(path: &Path) -> String {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| compose::relative_inside(&cwd, path))
        .unwrap_or_else(|| path.display().to_string())
}

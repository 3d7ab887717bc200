//! `bakeplan init [DIR]`: a plan for an existing repository: its workspace (PDM, uv, npm, pnpm,
//! Cargo, Go), libraries and services, path dependencies as `depends-on`, a built-in template
//! per service (or its hand-written Dockerfile). Reads only regular files inside DIR, never
//! through a symlink, each at most 1 MiB, at most `MAX_DIRS` folders.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cli::InitArgs;
use crate::commands::error::CommandError;
use crate::commands::import::compose::plan_name;
use crate::commands::import::kdl_writer::{self, Node as Kdl, Value};
use crate::commands::import::{display, write_new};
use crate::commands::render::escape_controls;
use crate::plan::path::unfit_for_dockerfile;

const MAX_DIRS: usize = 5000;
const MAX_DEPTH: usize = 5;
const SKIP: &[&str] = &[
    "node_modules",
    "target",
    "venv",
    "__pycache__",
    "dist",
    "build",
    "vendor",
    "site-packages",
];

mod manifests;
mod members;

use manifests::{
    cargo_project, go_commands, go_main, go_module, go_work_module, node_project,
    normalise_package, python_project,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pdm,
    Uv,
    Pip,
    Npm,
    Pnpm,
    Cargo,
    Go,
}

impl Kind {
    fn template(self) -> Kdl {
        match self {
            Kind::Pdm => Kdl::new("template").arg("python-pdm"),
            Kind::Uv => Kdl::new("template").arg("python-uv"),
            Kind::Pip => Kdl::new("template").arg("python-pip"),
            Kind::Npm => Kdl::new("template").arg("node"),
            Kind::Pnpm => Kdl::new("template").arg("node").prop("manager", "pnpm"),
            Kind::Cargo => Kdl::new("template").arg("rust"),
            Kind::Go => Kdl::new("template").arg("go"),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Pdm => "PDM (pyproject.toml + pdm.lock)",
            Kind::Uv => "uv (uv.lock)",
            Kind::Pip => "pip (requirements.txt)",
            Kind::Npm => "npm workspaces (package.json workspaces + package-lock.json)",
            Kind::Pnpm => "pnpm workspace (pnpm-workspace.yaml + pnpm-lock.yaml)",
            Kind::Cargo => "Cargo workspace ([workspace] + Cargo.lock)",
            Kind::Go => "Go workspace (go.work)",
        }
    }

    /// Where the workspace lists its members.
    fn member_list(self) -> &'static str {
        match self {
            Kind::Uv => "[tool.uv.workspace] members and exclude",
            Kind::Npm => "package.json workspaces",
            Kind::Pnpm => "pnpm-workspace.yaml packages",
            Kind::Cargo => "[workspace] members and exclude, and their path dependencies",
            Kind::Go => "go.work use",
            Kind::Pdm | Kind::Pip => "every folder with a manifest",
        }
    }

    fn manifest(self) -> &'static str {
        match self {
            Kind::Pdm | Kind::Uv | Kind::Pip => "pyproject.toml",
            Kind::Npm | Kind::Pnpm => "package.json",
            Kind::Cargo => "Cargo.toml",
            Kind::Go => "go.mod",
        }
    }
}

/// One project found in the repository.
#[derive(Debug)]
struct Project {
    dir: String,
    kind: Kind,
    /// Its package name (normalised), to match other projects' dependencies.
    package: String,
    dependencies: BTreeSet<String>,
    entry: Option<Vec<String>>,
    port: Option<i64>,
    /// Template parameters (`bin`, `package`).
    params: Vec<(String, String)>,
    dockerfile: bool,
    why: String,
}

struct Repo {
    root: PathBuf,
    dirs: Vec<String>,
}

impl Repo {
    /// A file of the repository through the one guarded read: a regular file inside it,
    /// reached without a symbolic link, at most 1 MiB.
    fn read(&self, dir: &str, file: &str) -> Option<String> {
        let root = camino::Utf8Path::from_path(&self.root)?;
        crate::plan::fs::read_unlinked(root, &crate::plan::path::join(dir, file))
            .ok()
            .flatten()
    }

    fn exists(&self, dir: &str, file: &str) -> bool {
        std::fs::symlink_metadata(self.path(dir, file)).is_ok_and(|m| m.file_type().is_file())
    }

    fn path(&self, dir: &str, file: &str) -> PathBuf {
        self.root.join(crate::plan::path::join(dir, file))
    }

    fn toml(&self, dir: &str, file: &str) -> Option<toml::Table> {
        self.read(dir, file)?.parse().ok()
    }

    fn json(&self, dir: &str, file: &str) -> Option<serde_json::Value> {
        serde_json::from_str(&self.read(dir, file)?).ok()
    }
}

/// Every folder under `root` (relative, `.` first), breadth first, no symlinks, no hidden or
/// build-output folders.
fn scan(root: &Path) -> Vec<String> {
    let mut dirs = vec![".".to_owned()];
    let mut index = 0;
    while index < dirs.len() && dirs.len() < MAX_DIRS {
        let dir = dirs[index].clone();
        index += 1;
        if dir != "." && dir.matches('/').count() + 1 >= MAX_DEPTH {
            continue;
        }
        let path = if dir == "." {
            root.to_path_buf()
        } else {
            root.join(&dir)
        };
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut children: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
            .filter_map(|entry| entry.file_name().to_str().map(str::to_owned))
            .filter(|name| !name.starts_with('.') && !SKIP.contains(&name.as_str()))
            .collect();
        children.sort();
        for child in children {
            dirs.push(if dir == "." {
                child
            } else {
                format!("{dir}/{child}")
            });
        }
    }
    dirs
}

fn dir_name(dir: &str) -> &str {
    dir.rsplit('/').next().unwrap_or(dir)
}

pub fn run(args: &InitArgs) -> Result<(), CommandError> {
    init(args).map_err(CommandError::Usage)
}

fn init(args: &InitArgs) -> Result<(), String> {
    let root =
        std::path::absolute(args.dir.as_std_path()).map_err(|e| format!("{}: {e}", args.dir))?;
    if !std::fs::symlink_metadata(&root).is_ok_and(|m| m.is_dir()) {
        return Err(format!("{}: not a folder", args.dir));
    }
    let output = root.join("bakeplan.kdl");
    if !args.dry_run && std::fs::symlink_metadata(&output).is_ok() {
        return Err(format!(
            "{} already exists; `bakeplan init` never overwrites a plan",
            display(&output)
        ));
    }
    let Some((plan, notes)) = plan_for(root) else {
        return Err(format!(
            "found nothing to build in {}: no pyproject.toml, requirements.txt, package.json, Cargo.toml, go.mod or Dockerfile",
            args.dir
        ));
    };
    if args.dry_run {
        crate::out!("{plan}");
    } else {
        write_new(&output, &plan).map_err(|error| format!("{}: {error}", display(&output)))?;
    }
    // Notes and paths quote the repository (names, scripts, folders): control characters are
    // shown escaped, never sent to the terminal raw.
    for note in &notes {
        crate::errln!("guessed: {}", escape_controls(note));
    }
    if !args.dry_run {
        let output = escape_controls(&display(&output));
        crate::errln!("wrote {output}; next: `bakeplan compile {output}`");
    }
    Ok(())
}

/// The plan `init` writes for the repository at `root`, and its notes; `None` when it finds
/// nothing to build. Reads the repository, writes nothing.
pub fn plan_for(root: PathBuf) -> Option<(String, Vec<String>)> {
    let repo = Repo {
        dirs: scan(&root),
        root,
    };
    let mut notes = Vec::new();
    let (workspace, mut projects) = detect(&repo, &mut notes);
    let root_name = repo
        .root
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("app")
        .to_owned();
    for project in &mut projects {
        if project.dir == "." && matches!(project.package.as_str(), "." | "-") {
            project.package.clone_from(&root_name);
        }
    }
    if projects.is_empty() {
        return None;
    }
    let plan = write_plan(workspace, &projects, &mut notes);
    Some((plan, notes))
}

/// The workspace kind at the root (if any) and the projects.
fn detect(repo: &Repo, notes: &mut Vec<String>) -> (Option<Kind>, Vec<Project>) {
    let root_toml = repo.toml(".", "Cargo.toml");
    let root_package = repo.json(".", "package.json");
    let workspace = if root_toml
        .as_ref()
        .is_some_and(|t| t.contains_key("workspace"))
        && repo.exists(".", "Cargo.lock")
    {
        Some(Kind::Cargo)
    } else if repo.exists(".", "pnpm-workspace.yaml") && repo.exists(".", "pnpm-lock.yaml") {
        Some(Kind::Pnpm)
    } else if root_package
        .as_ref()
        .is_some_and(|p| p.get("workspaces").is_some())
        && repo.exists(".", "package-lock.json")
    {
        Some(Kind::Npm)
    } else if repo.exists(".", "uv.lock")
        && repo
            .toml(".", "pyproject.toml")
            .and_then(|t| t.get("tool")?.get("uv")?.get("workspace").cloned())
            .is_some()
    {
        Some(Kind::Uv)
    } else if repo.exists(".", "pyproject.toml")
        && repo.exists(".", "pdm.lock")
        && repo
            .dirs
            .iter()
            .skip(1)
            .any(|d| repo.exists(d, "pyproject.toml"))
    {
        Some(Kind::Pdm)
    } else if repo.exists(".", "go.work") {
        Some(Kind::Go)
    } else {
        None
    };
    let mut projects = Vec::new();
    if let Some(kind) = workspace {
        notes.push(format!(
            "workspace at the root: {} → `workspace \".\"`",
            kind.label()
        ));
        let listed = members::members(repo, kind);
        for dir in repo.dirs.iter().skip(1) {
            if !repo.exists(dir, kind.manifest()) {
                continue;
            }
            if listed.as_ref().is_some_and(|list| !list.contains(dir)) {
                notes.push(format!(
                    "`{dir}` has a {} but is not a member of the workspace ({}): left out",
                    kind.manifest(),
                    kind.member_list()
                ));
                continue;
            }
            if let Some(bad) = unfit_for_dockerfile(dir) {
                notes.push(format!(
                    "`{dir}` holds {bad}: `bakeplan compile` refuses a workspace member whose folder cannot be written into Dockerfile steps; rename the folder"
                ));
            }
            let found = match kind {
                Kind::Pdm | Kind::Uv | Kind::Pip => {
                    python_project(repo, dir, kind).into_iter().collect()
                }
                Kind::Npm | Kind::Pnpm => node_project(repo, dir, kind).into_iter().collect(),
                Kind::Cargo => cargo_project(repo, dir).into_iter().collect(),
                Kind::Go => go_work_module(repo, dir),
            };
            projects.extend(found);
        }
        return (Some(kind), projects);
    }
    // No workspace: standalone projects, each its own context.
    for dir in &repo.dirs {
        let project = if repo.exists(dir, "go.mod") {
            let commands = go_commands(repo, dir);
            if !commands.is_empty() && !go_main(repo, dir) {
                for command in commands {
                    let package = if dir == "." {
                        format!("./{command}")
                    } else {
                        format!("./{}", &command[dir.len() + 1..])
                    };
                    projects.push(Project {
                        dir: dir.clone(),
                        kind: Kind::Go,
                        package: dir_name(&command).to_owned(),
                        dependencies: BTreeSet::new(),
                        entry: Some(Vec::new()),
                        port: None,
                        params: vec![("package".to_owned(), package.clone())],
                        dockerfile: false,
                        why: format!("Go module with a command in {package}"),
                    });
                }
                continue;
            }
            go_module(repo, dir).map(|(module, _)| Project {
                dir: dir.clone(),
                kind: Kind::Go,
                package: dir_name(&module).to_owned(),
                dependencies: BTreeSet::new(),
                entry: Some(Vec::new()),
                port: None,
                params: Vec::new(),
                dockerfile: repo.exists(dir, "Dockerfile"),
                why: "go.mod".to_owned(),
            })
        } else if repo.exists(dir, "Cargo.toml") {
            cargo_project(repo, dir)
        } else if repo.exists(dir, "package.json") {
            let kind = if repo.exists(dir, "pnpm-lock.yaml") {
                Kind::Pnpm
            } else {
                Kind::Npm
            };
            node_project(repo, dir, kind)
        } else if repo.exists(dir, "pyproject.toml") || repo.exists(dir, "requirements.txt") {
            let kind = if repo.exists(dir, "pdm.lock") {
                Kind::Pdm
            } else if repo.exists(dir, "uv.lock") {
                Kind::Uv
            } else {
                Kind::Pip
            };
            let mut project = python_project(repo, dir, kind).unwrap_or_else(|| Project {
                dir: dir.clone(),
                kind,
                package: normalise_package(dir_name(dir)),
                dependencies: BTreeSet::new(),
                entry: None,
                port: None,
                params: Vec::new(),
                dockerfile: repo.exists(dir, "Dockerfile"),
                why: "requirements.txt".to_owned(),
            });
            // No declared entry point: a script by the usual name is what runs.
            if project.entry.is_none()
                && let Some(script) = ["app.py", "main.py"]
                    .into_iter()
                    .find(|script| repo.exists(dir, script))
            {
                project.entry = Some(vec!["python".to_owned(), script.to_owned()]);
                let _ = write!(project.why, "; runs {script}");
            }
            Some(project)
        } else if repo.exists(dir, "Dockerfile") {
            Some(Project {
                dir: dir.clone(),
                kind: Kind::Pip,
                package: dir_name(dir).to_owned(),
                dependencies: BTreeSet::new(),
                entry: Some(Vec::new()),
                port: None,
                params: Vec::new(),
                dockerfile: true,
                why: "a Dockerfile".to_owned(),
            })
        } else {
            None
        };
        projects.extend(project);
    }
    // A project inside another one's folder is part of it (a Cargo crate's examples...).
    let dirs: Vec<String> = projects.iter().map(|p| p.dir.clone()).collect();
    projects.retain(|p| {
        !dirs
            .iter()
            .any(|d| d != &p.dir && d != "." && p.dir.starts_with(&format!("{d}/")))
    });
    (None, projects)
}

fn write_plan(workspace: Option<Kind>, projects: &[Project], notes: &mut Vec<String>) -> String {
    // Names: the folder's name, made unique.
    let mut names: Vec<String> = Vec::new();
    for project in projects {
        let base = if project.params.iter().any(|(k, _)| k == "package") || project.dir == "." {
            plan_name(&project.package)
        } else {
            plan_name(dir_name(&project.dir))
        };
        let mut name = base.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        names.push(name);
    }
    let by_package: BTreeMap<String, usize> = projects
        .iter()
        .enumerate()
        .map(|(index, p)| (normalise_package(&p.package), index))
        .collect();
    let dependencies: Vec<Vec<usize>> = projects
        .iter()
        .enumerate()
        .map(|(index, p)| {
            let mut list: Vec<usize> = p
                .dependencies
                .iter()
                .filter_map(|d| by_package.get(&normalise_package(d)).copied())
                .filter(|&d| d != index)
                .collect();
            list.sort_unstable();
            list.dedup();
            list
        })
        .collect();
    let used: BTreeSet<usize> = dependencies.iter().flatten().copied().collect();
    let library: Vec<bool> = projects
        .iter()
        .enumerate()
        .map(|(index, p)| {
            // A Go module without `package main` or a crate without a binary cannot be a
            // service. A Python or Node member nobody uses is one (something deploys it) even
            // when its command cannot be told: it is named on stderr to get a `cmd`.
            let buildless = matches!(p.kind, Kind::Cargo | Kind::Go) && !p.dockerfile;
            workspace.is_some() && p.entry.is_none() && (used.contains(&index) || buildless)
        })
        .collect();

    let mut plan_nodes = vec![Kdl::new("version").arg(Value::Int(1))];
    let contexts: BTreeSet<&str> = projects.iter().map(|p| p.dir.as_str()).collect();
    if contexts.len() < projects.len() {
        plan_nodes.push(
            Kdl::new("emit")
                .prop("dockerfile", "{context}/{service}.Dockerfile")
                .comment("several services share a folder: one Dockerfile each"),
        );
    }
    let shared = workspace.map(Kind::template);
    if workspace.is_some() {
        plan_nodes.push(Kdl::new("workspace").arg("."));
        if let Some(template) = &shared {
            plan_nodes.push(Kdl::new("defaults").child(template.clone()));
        }
    }
    for (index, project) in projects.iter().enumerate() {
        let name = &names[index];
        let mut service = Kdl::new("service").arg(name.as_str());
        if project.dir != "." {
            service = service.child(Kdl::new("context").arg(project.dir.as_str()));
        }
        let what;
        if library[index] {
            service = service.child(Kdl::new("library").arg(Value::Bool(true)));
            what = format!(
                "library ({}; no entry point{})",
                project.why,
                if used.contains(&index) {
                    ", used by other members"
                } else {
                    ""
                }
            );
        } else if project.dockerfile {
            let path = if project.dir == "." {
                "Dockerfile".to_owned()
            } else {
                format!("{}/Dockerfile", project.dir)
            };
            service = service.child(Kdl::new("dockerfile").arg(path.as_str()));
            what = format!("service built from its hand-written {path}");
        } else {
            let mut template = project.kind.template();
            for (key, value) in &project.params {
                template = template.prop(key, value.as_str());
            }
            if shared.is_none() || !project.params.is_empty() {
                service = service.child(template);
            }
            what = format!(
                "service, template {} ({}){}",
                template_name(project.kind),
                project.why,
                if project.entry.is_none() {
                    "; no entry point found: give it a `cmd`"
                } else {
                    ""
                }
            );
        }
        // A hand-written Dockerfile installs libraries its own way: no library edge (a
        // library has no image to depend on).
        let hand_written = project.dockerfile && !library[index];
        let deps: Vec<&str> = dependencies[index]
            .iter()
            .filter(|&&d| !(hand_written && library[d]))
            .map(|&d| names[d].as_str())
            .collect();
        let skipped: Vec<&str> = dependencies[index]
            .iter()
            .filter(|&&d| hand_written && library[d])
            .map(|&d| names[d].as_str())
            .collect();
        if !deps.is_empty() {
            service = service.child(Kdl::new("depends-on").args(deps.iter().copied()));
        }
        if !library[index] && !project.dockerfile {
            if let Some(port) = project.port {
                service = service.child(Kdl::new("port").arg(Value::Int(port)));
            }
            if let Some(cmd) = project.entry.as_ref().filter(|c| !c.is_empty()) {
                service = service.child(Kdl::new("cmd").args(cmd.iter().map(String::as_str)));
            }
        }
        let mut line = format!("`{name}` ({}): {what}", project.dir);
        if !deps.is_empty() {
            let _ = write!(line, "; depends on {} (path dependencies)", deps.join(", "));
        }
        if !skipped.is_empty() {
            let _ = write!(
                line,
                "; uses the libraries {} (its Dockerfile copies them itself: no depends-on)",
                skipped.join(", ")
            );
        }
        notes.push(line);
        plan_nodes.push(service);
    }
    let header = vec![
        "Written by `bakeplan init`: check the guesses (it explained them on stderr), then"
            .to_owned(),
        "`bakeplan compile` and `bakeplan bake`.".to_owned(),
    ];
    kdl_writer::document(&header, &plan_nodes)
}

fn template_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Pdm => "python-pdm",
        Kind::Uv => "python-uv",
        Kind::Pip => "python-pip",
        Kind::Npm => "node",
        Kind::Pnpm => "node manager=pnpm",
        Kind::Cargo => "rust",
        Kind::Go => "go",
    }
}

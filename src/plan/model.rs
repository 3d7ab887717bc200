//! The resolved plan: defaults applied, names and paths checked, strings parsed for bake.
//! Every later stage (graph, bake model, Dockerfiles) reads only this.

use std::collections::BTreeMap;

use miette::SourceSpan;
use serde::Serialize;

use crate::plan::bake_string::BakeString;

#[derive(Debug)]
pub struct Plan {
    pub variables: Vec<Variable>,
    /// In plan order.
    pub services: Vec<Service>,
    pub groups: Vec<Group>,
    pub profiles: Vec<Profile>,
    pub builders: Vec<Builder>,
    /// The bake file, relative to the plan folder.
    pub bake_path: String,
    pub bake_format: BakeFormat,
    /// The plan line that names the bake file (the `emit` node, or the start of the plan).
    pub bake_span: SourceSpan,
}

/// `workspace "DIR"`: the folder holding the workspace's root manifest and lockfile.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Relative to the plan folder, normalized.
    pub dir: String,
    pub span: SourceSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BakeFormat {
    Hcl,
    Json,
}

#[derive(Debug)]
pub struct Variable {
    pub name: String,
    pub default: Option<BakeString>,
    pub description: Option<BakeString>,
}

#[derive(Debug)]
pub struct Group {
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub enum Build {
    Template {
        name: String,
        params: BTreeMap<String, String>,
        /// Where the generated Dockerfile goes, relative to the plan folder.
        output: String,
        /// The template's file when the plan's `template-dir` holds it (a change to it affects
        /// the service), relative to the plan folder; `None` for a built-in.
        file: Option<String>,
        span: SourceSpan,
    },
    Dockerfile {
        path: String,
    },
    /// `library #true`: a package services use, not an image; nothing is built for it.
    Library,
}

/// How a service in workspace mode is built: from the workspace folder, with its lockfile.
#[derive(Debug, Clone)]
pub struct WorkspaceBuild {
    /// The workspace folder, relative to the plan folder: the bake context.
    pub dir: String,
    /// The lockfile found in it (the first of the template's `workspace-lockfile` that exists).
    pub lockfile: String,
    /// The template's `workspace-files` patterns, relative to the workspace folder.
    pub files: Vec<String>,
}

/// A library a service installs, transitively.
#[derive(Debug, Clone, Serialize)]
pub struct LibraryUse {
    pub name: String,
    /// Its folder relative to the workspace folder.
    pub path: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
}

impl Default for User {
    fn default() -> Self {
        Self {
            name: "app".to_owned(),
            uid: 10001,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Healthcheck {
    pub cmd: Vec<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub start_period: Option<String>,
    pub retries: Option<u32>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CacheMount {
    pub id: String,
    pub target: String,
    pub sharing: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Secret {
    pub id: String,
    #[serde(skip)]
    pub source: SecretSource,
}

#[derive(Debug, Clone)]
pub enum SecretSource {
    Env(String),
    Src(String),
}

#[derive(Debug, Clone)]
pub enum Base {
    Image(String),
    Service(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    DependsOn,
    From,
}

/// A dependency of a service: another service built first.
#[derive(Debug, Clone)]
pub struct Dependency {
    pub service: String,
    pub kind: EdgeKind,
    pub span: SourceSpan,
}

/// What registry cache a service (or a profile) uses.
#[derive(Debug, Clone)]
pub struct RegistryCache {
    pub reference: BakeString,
    pub mode: String,
}

#[derive(Debug, Clone)]
pub struct Service {
    pub name: String,
    pub span: SourceSpan,
    /// Relative to the plan folder, normalized (`.` for the folder itself).
    pub context: String,
    pub build: Build,
    pub from: Option<Base>,
    pub dependencies: Vec<Dependency>,
    /// `depends-on` names, in plan order.
    pub depends_on: Vec<String>,
    pub contexts: BTreeMap<String, BakeString>,
    pub image: BakeString,
    pub tags: Vec<BakeString>,
    pub platforms: Vec<String>,
    pub args: BTreeMap<String, BakeString>,
    pub labels: BTreeMap<String, BakeString>,
    pub cache_mounts: Vec<CacheMount>,
    pub secrets: Vec<Secret>,
    pub registry_cache: Option<RegistryCache>,
    pub cache_from: Vec<BakeString>,
    pub cache_to: Vec<BakeString>,
    pub target: Option<BakeString>,
    pub network: Option<String>,
    /// `ssh` forwards: `default` or `ID=PATH` (bake `ssh`).
    pub ssh: Vec<String>,
    pub inputs: Vec<String>,
    pub env: BTreeMap<String, String>,
    pub ports: Vec<u16>,
    pub cmd: Vec<String>,
    pub description: Option<BakeString>,
    /// `library #true` (then `build` is `Build::Library`).
    pub library: bool,
    /// The libraries it installs, through `depends-on` and libraries' own, dependencies first.
    pub libraries: Vec<LibraryUse>,
    /// Set when the service builds in workspace mode.
    pub workspace: Option<WorkspaceBuild>,
    /// Its folder relative to the workspace folder in workspace mode, else `.`.
    pub path: String,
    /// The text of the context's own `.dockerignore`, when a standalone templated service has one.
    pub dockerignore: Option<String>,
    pub packages: Vec<String>,
    pub build_packages: Vec<String>,
    pub init: bool,
    pub user: User,
    pub healthcheck: Option<Healthcheck>,
    /// Absolute; `/app` unless set.
    pub workdir: String,
}

/// A profile's `registry-cache`: off, or another cache.
#[derive(Debug, Clone)]
pub enum CacheOverride {
    Off,
    On(RegistryCache),
}

/// What a profile sets on every target; `None` leaves the main bake file's value.
#[derive(Debug, Default)]
pub struct Profile {
    pub name: String,
    pub platforms: Option<Vec<String>>,
    pub tags: Option<Vec<BakeString>>,
    pub args: Option<BTreeMap<String, BakeString>>,
    pub labels: Option<BTreeMap<String, BakeString>>,
    pub registry_cache: Option<CacheOverride>,
    pub cache_from: Option<Vec<BakeString>>,
    pub cache_to: Option<Vec<BakeString>>,
    pub target: Option<BakeString>,
    pub network: Option<String>,
    pub secrets: Option<Vec<Secret>>,
    pub push: bool,
    pub load: bool,
    pub no_cache: Option<bool>,
    pub pull: Option<bool>,
    /// The plan's builder this profile builds on.
    pub builder: Option<String>,
}

/// A buildx builder the plan declares (`bakeplan builder create` makes it).
#[derive(Debug, Clone)]
pub struct Builder {
    pub name: String,
    /// docker-container (buildx's default), remote, kubernetes or docker.
    pub driver: String,
    pub nodes: Vec<BuilderNode>,
    /// `--driver-opt` pairs; file options (`cacert`, `cert`, `key`) relative to the plan folder.
    pub driver_opts: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct BuilderNode {
    pub name: String,
    pub endpoint: Option<String>,
    pub platforms: Vec<String>,
}

/// The driver options that name files.
pub const FILE_DRIVER_OPTS: &[&str] = &["cacert", "cert", "key"];

impl Plan {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|service| service.name == name)
    }

    /// The services that are built (every one but the libraries), in plan order.
    pub fn targets(&self) -> impl Iterator<Item = &Service> {
        self.services.iter().filter(|service| !service.library)
    }
}

impl Service {
    /// The Dockerfile path relative to the plan folder (generated or hand-written); empty for
    /// a library.
    pub fn dockerfile_path(&self) -> &str {
        match &self.build {
            Build::Template { output, .. } => output,
            Build::Dockerfile { path } => path,
            Build::Library => "",
        }
    }

    /// The bake target's context: the workspace folder in workspace mode, else its own.
    pub fn build_context(&self) -> &str {
        self.workspace
            .as_ref()
            .map_or(self.context.as_str(), |workspace| workspace.dir.as_str())
    }
}

//! What a template sees: exactly the variables the contract's table names.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::model::{
    Base, Build, CacheMount, Healthcheck, LibraryUse, SecretSource, Service, User,
};

#[derive(Debug, Serialize)]
pub struct TemplateContext {
    /// None for a standalone build.
    pub workspace: Option<WorkspaceContext>,
    pub service: ServiceContext,
    pub params: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct WorkspaceContext {
    /// The workspace folder relative to the plan folder.
    pub dir: String,
    /// The lockfile present in it.
    pub lockfile: String,
}

/// A cache mount as a template sees it: the plan's `id`, `target`, `sharing`, and the
/// `--mount=type=cache,…` flag a `RUN` step takes (`cache_mount_flags` joins them).
#[derive(Debug, Serialize)]
pub struct CacheMountContext {
    #[serde(flatten)]
    pub mount: CacheMount,
    pub flag: String,
}

#[derive(Debug, Serialize)]
pub struct SecretContext {
    pub id: String,
}

#[derive(Debug, Serialize)]
pub struct ServiceContext {
    pub name: String,
    pub context: String,
    pub image: String,
    pub from: Option<String>,
    pub depends_on: Vec<String>,
    pub tags: Vec<String>,
    pub platforms: Vec<String>,
    pub ports: Vec<u16>,
    pub cmd: Vec<String>,
    pub args: BTreeMap<String, String>,
    pub env: BTreeMap<String, String>,
    pub cache_mounts: Vec<CacheMountContext>,
    pub cache_mount_flags: String,
    pub secrets: Vec<SecretContext>,
    pub secret_flags: String,
    /// The service folder relative to the workspace folder (`.` standalone).
    pub path: String,
    /// The libraries it installs, dependencies first (empty standalone).
    pub libraries: Vec<LibraryUse>,
    pub packages: Vec<String>,
    pub build_packages: Vec<String>,
    pub init: bool,
    pub user: User,
    pub healthcheck: Option<Healthcheck>,
    /// `--interval=30s --timeout=3s --start-period=5s --retries=3`, the options set.
    pub healthcheck_flags: String,
    pub workdir: String,
}

impl TemplateContext {
    pub fn new(service: &Service) -> Self {
        let params = match &service.build {
            Build::Template { params, .. } => params.clone(),
            Build::Dockerfile { .. } | Build::Library => BTreeMap::new(),
        };
        let healthcheck_flags = service
            .healthcheck
            .as_ref()
            .map(|check| {
                [
                    ("interval", check.interval.clone()),
                    ("timeout", check.timeout.clone()),
                    ("start-period", check.start_period.clone()),
                    ("retries", check.retries.map(|retries| retries.to_string())),
                ]
                .into_iter()
                .filter_map(|(flag, value)| value.map(|value| format!("--{flag}={value}")))
                .collect::<Vec<_>>()
                .join(" ")
            })
            .unwrap_or_default();
        let cache_mounts: Vec<CacheMountContext> = service
            .cache_mounts
            .iter()
            .map(|mount| CacheMountContext {
                flag: format!(
                    "--mount=type=cache,id={},target={},sharing={}",
                    mount.id, mount.target, mount.sharing
                ),
                mount: mount.clone(),
            })
            .collect();
        let cache_mount_flags = cache_mounts
            .iter()
            .map(|mount| mount.flag.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let secret_flags = service
            .secrets
            .iter()
            .map(|secret| match &secret.source {
                SecretSource::Env(var) => format!("--mount=type=secret,id={},env={var}", secret.id),
                SecretSource::Src(_) => format!("--mount=type=secret,id={}", secret.id),
            })
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            workspace: service
                .workspace
                .as_ref()
                .map(|workspace| WorkspaceContext {
                    dir: workspace.dir.clone(),
                    lockfile: workspace.lockfile.clone(),
                }),
            service: ServiceContext {
                name: service.name.clone(),
                context: service.context.clone(),
                image: service.image.display(),
                from: service.from.as_ref().map(|base| match base {
                    Base::Image(image) | Base::Service(image) => image.clone(),
                }),
                depends_on: service.depends_on.clone(),
                tags: service
                    .tags
                    .iter()
                    .map(crate::plan::bake_string::BakeString::display)
                    .collect(),
                platforms: service.platforms.clone(),
                ports: service.ports.clone(),
                cmd: service.cmd.clone(),
                args: service
                    .args
                    .iter()
                    .map(|(key, value)| (key.clone(), value.display()))
                    .collect(),
                env: service.env.clone(),
                cache_mounts,
                cache_mount_flags,
                secrets: service
                    .secrets
                    .iter()
                    .map(|secret| SecretContext {
                        id: secret.id.clone(),
                    })
                    .collect(),
                secret_flags,
                path: service.path.clone(),
                libraries: if service.workspace.is_some() {
                    service.libraries.clone()
                } else {
                    Vec::new()
                },
                packages: service.packages.clone(),
                build_packages: service.build_packages.clone(),
                init: service.init,
                user: service.user.clone(),
                healthcheck: service.healthcheck.clone(),
                healthcheck_flags,
                workdir: service.workdir.clone(),
            },
            params,
        }
    }
}

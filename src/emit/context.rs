//! What a template sees: exactly the variables the contract's table names.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plan::model::{Base, Build, CacheMount, SecretSource, Service};

#[derive(Debug, Serialize)]
pub struct TemplateContext {
    pub service: ServiceContext,
    pub params: BTreeMap<String, String>,
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
    pub cache_mounts: Vec<CacheMount>,
    pub cache_mount_flags: String,
    pub secrets: Vec<SecretContext>,
    pub secret_flags: String,
}

impl TemplateContext {
    pub fn new(service: &Service) -> Self {
        let params = match &service.build {
            Build::Template { params, .. } => params.clone(),
            Build::Dockerfile { .. } => BTreeMap::new(),
        };
        let cache_mount_flags = service
            .cache_mounts
            .iter()
            .map(|mount| {
                format!(
                    "--mount=type=cache,id={},target={},sharing={}",
                    mount.id, mount.target, mount.sharing
                )
            })
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
                cache_mounts: service.cache_mounts.clone(),
                cache_mount_flags,
                secrets: service
                    .secrets
                    .iter()
                    .map(|secret| SecretContext {
                        id: secret.id.clone(),
                    })
                    .collect(),
                secret_flags,
            },
            params,
        }
    }
}

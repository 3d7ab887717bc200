//! The plan as written: every value still carries its span, nothing is defaulted or resolved.
//! `Lowerer` builds it from the KDL document; `Resolver` turns it into a `Plan`.

use miette::SourceSpan;

use crate::plan::spanned::Spanned;

pub type Text = Spanned<String>;

#[derive(Debug, Default)]
pub struct RawPlan {
    pub variables: Vec<RawVariable>,
    pub defaults: Option<RawServiceBody>,
    pub cache_mounts: Vec<RawCacheMount>,
    pub registry_cache: Option<RawRegistryCache>,
    pub template_dir: Option<Text>,
    pub emit: Option<RawEmit>,
    pub services: Vec<RawService>,
    pub groups: Vec<RawGroup>,
    pub profiles: Vec<RawProfile>,
    pub builders: Vec<RawBuilder>,
    /// `workspace "DIR"`.
    pub workspace: Option<Text>,
    /// `image-map { "FROM" "TO" }`, with the span of the node's name.
    pub image_map: Option<(RawMap, SourceSpan)>,
}

/// `builder "NAME" { node "N" endpoint="…" platforms="…"; driver "…"; driver-opt { K "v" } }`
#[derive(Debug)]
pub struct RawBuilder {
    pub name: Text,
    pub nodes: Vec<RawBuilderNode>,
    pub driver: Option<Text>,
    pub driver_opts: RawMap,
}

#[derive(Debug)]
pub struct RawBuilderNode {
    pub name: Text,
    pub endpoint: Option<Text>,
    pub platforms: Option<Text>,
}

#[derive(Debug)]
pub struct RawVariable {
    pub name: Text,
    pub default: Option<Text>,
    pub description: Option<Text>,
}

#[derive(Debug)]
pub struct RawCacheMount {
    pub name: Text,
    pub id: Option<Text>,
    pub target: Option<Text>,
    pub sharing: Option<Text>,
}

#[derive(Debug, Clone)]
pub enum RawRegistryCache {
    /// `registry-cache #false`
    Off,
    On {
        reference: Option<Text>,
        mode: Option<Text>,
        span: SourceSpan,
    },
}

#[derive(Debug)]
pub struct RawEmit {
    pub bake: Option<Text>,
    pub dockerfile: Option<Text>,
}

#[derive(Debug)]
pub struct RawService {
    pub name: Text,
    pub body: RawServiceBody,
}

#[derive(Debug)]
pub struct RawGroup {
    pub name: Text,
    pub members: Vec<Text>,
}

#[derive(Debug)]
pub struct RawProfile {
    pub name: Text,
    pub body: RawServiceBody,
    pub push: Option<Spanned<bool>>,
    pub load: Option<Spanned<bool>>,
    pub no_cache: Option<Spanned<bool>>,
    pub pull: Option<Spanned<bool>>,
}

#[derive(Debug, Clone)]
pub struct RawTemplateUse {
    pub name: Text,
    pub params: Vec<(Text, Text)>,
    pub span: SourceSpan,
}

#[derive(Debug, Clone)]
pub enum RawSecretSource {
    Env(Text),
    Src(Text),
}

#[derive(Debug, Clone)]
pub struct RawSecret {
    pub id: Text,
    pub source: RawSecretSource,
}

pub type RawMap = Vec<(Text, Text)>;

/// `user "NAME" uid=N`.
#[derive(Debug, Clone)]
pub struct RawUser {
    pub name: Text,
    pub uid: Option<Spanned<i128>>,
}

/// `healthcheck "ARG"... interval= timeout= start-period= retries=`.
#[derive(Debug, Clone)]
pub struct RawHealthcheck {
    pub cmd: Vec<Text>,
    pub interval: Option<Text>,
    pub timeout: Option<Text>,
    pub start_period: Option<Text>,
    pub retries: Option<Spanned<i128>>,
}

/// The children of a `service`, `defaults` or `profile` block. `Some` means "set in this block".
#[derive(Debug, Clone, Default)]
pub struct RawServiceBody {
    pub context: Option<Text>,
    pub template: Option<RawTemplateUse>,
    pub dockerfile: Option<Text>,
    pub from: Option<Text>,
    pub depends_on: Option<Vec<Text>>,
    pub contexts: Option<RawMap>,
    pub image: Option<Text>,
    pub tags: Option<Vec<Text>>,
    pub platforms: Option<Vec<Text>>,
    pub args: Option<RawMap>,
    pub labels: Option<RawMap>,
    pub cache_mounts: Option<Vec<Text>>,
    pub secrets: Option<Vec<RawSecret>>,
    pub registry_cache: Option<RawRegistryCache>,
    pub cache_from: Option<Vec<Text>>,
    pub cache_to: Option<Vec<Text>>,
    pub target: Option<Text>,
    pub network: Option<Text>,
    pub ssh: Option<Vec<Text>>,
    pub inputs: Option<Vec<Text>>,
    pub env: Option<RawMap>,
    pub ports: Option<Vec<Spanned<u16>>>,
    pub cmd: Option<Vec<Text>>,
    pub description: Option<Text>,
    pub library: Option<Spanned<bool>>,
    pub packages: Option<Vec<Text>>,
    pub build_packages: Option<Vec<Text>>,
    pub init: Option<Spanned<bool>>,
    pub user: Option<RawUser>,
    pub healthcheck: Option<RawHealthcheck>,
    pub workdir: Option<Text>,
    /// A profile's `builder`.
    pub builder: Option<Text>,
    /// Every child node of the block, by name, with its span (for profile checks).
    pub children: Vec<(String, SourceSpan)>,
}

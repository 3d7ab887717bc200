//! Compose model → plan: one plan service per compose service with a `build`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use super::interpolate::Interpolator;
use super::kdl_writer::{self, Node as Kdl, Value as KdlValue};
use super::yaml::{Loc, Node, Value};
use crate::plan::names::{
    is_context_name, is_identifier, is_label_key, is_mount_id, is_platform, is_valid_name,
};

/// Service keys that only matter when a container runs: summarised in one line.
const RUNTIME_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "init",
    "ipc",
    "isolation",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "ports",
    "post_start",
    "pre_stop",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "user",
    "userns_mode",
    "uts",
    "volumes",
    "volumes_from",
    "working_dir",
];

pub struct Imported {
    pub plan: String,
    /// Dockerfiles to write beside the plan (from `dockerfile_inline`): path → text.
    pub inline_files: Vec<(PathBuf, String)>,
    /// What was not carried over, or changed meaning, one line each.
    pub notes: Vec<String>,
    pub services: usize,
}

pub struct Importer<'a> {
    pub files: &'a [String],
    pub project_dir: PathBuf,
    pub plan_dir: PathBuf,
    pub project: String,
    pub interpolator: Interpolator,
    notes: Vec<String>,
    runtime: BTreeMap<String, Vec<Loc>>,
    inline_files: Vec<(PathBuf, String)>,
}

/// `a/./b/../c` → `a/c` (lexically, no file system access).
pub fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` (absolute) relative to `dir`, when inside it; `.` for the folder itself.
pub fn relative_inside(dir: &Path, path: &Path) -> Option<String> {
    let rest = clean(path).strip_prefix(clean(dir)).ok()?.to_path_buf();
    let text = rest.to_str()?.replace('\\', "/");
    Some(if text.is_empty() {
        ".".to_owned()
    } else {
        text
    })
}

/// A compose service name as a plan service name (`[a-z0-9][a-z0-9_-]*`).
pub fn plan_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit()) {
        out.insert(0, 's');
    }
    out
}

/// Compose's project name rule: lowercase letters, digits, `_` and `-`, starting with a letter
/// or digit.
pub fn project_name(raw: &str) -> String {
    raw.to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .skip_while(|c| !c.is_ascii_alphanumeric())
        .collect()
}

struct Draft {
    compose: String,
    name: String,
    loc: Loc,
    context: String,
    dockerfile: String,
    dockerfile_text: Option<String>,
    target: Option<String>,
    depends_on: Vec<String>,
    contexts: BTreeMap<String, String>,
    tags: Vec<String>,
    platforms: Vec<String>,
    args: BTreeMap<String, String>,
    labels: BTreeMap<String, String>,
    secrets: Vec<(String, &'static str, String)>,
    cache_from: Vec<String>,
    cache_to: Vec<String>,
    network: Option<String>,
    ssh: Vec<String>,
    profiles: Vec<String>,
    /// `FROM` references of the Dockerfile.
    froms: Vec<String>,
    /// compose names from `service:X` contexts (mapped to plan names later).
    service_contexts: Vec<(String, String)>,
    /// The image names compose gives it (interpolation resolved), to match `FROM` lines.
    images: Vec<String>,
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Scalars of a string-or-list node.
fn strings(node: &Node) -> Vec<(String, Loc)> {
    match &node.value {
        Value::Scalar(text) => vec![(text.clone(), node.loc)],
        Value::Seq(items) => items
            .iter()
            .filter_map(|item| item.scalar().map(|text| (text.to_owned(), item.loc)))
            .collect(),
        _ => Vec::new(),
    }
}

impl<'a> Importer<'a> {
    pub fn new(
        files: &'a [String],
        project_dir: PathBuf,
        plan_dir: PathBuf,
        project: String,
        interpolator: Interpolator,
    ) -> Self {
        Self {
            files,
            project_dir,
            plan_dir,
            project,
            interpolator,
            notes: Vec::new(),
            runtime: BTreeMap::new(),
            inline_files: Vec::new(),
        }
    }

    fn at(&self, loc: Loc) -> String {
        format!("{}:{}", self.files[loc.file], loc.line)
    }

    fn note(&mut self, loc: Loc, message: impl AsRef<str>) {
        let at = self.at(loc);
        self.notes.push(format!("{at}: {}", message.as_ref()));
    }

    /// A value that lands in the bake file, interpolation kept live.
    fn bake_text(&mut self, text: &str, loc: Loc) -> Option<String> {
        let at = self.at(loc);
        match self.interpolator.lower(text, &at) {
            Ok(text) => Some(text),
            Err(error) => {
                self.note(loc, format!("not carried: {error}"));
                None
            }
        }
    }

    /// A value the plan needs literally: interpolation resolved now.
    fn resolved(&mut self, text: &str, loc: Loc, what: &str) -> Option<String> {
        match self.interpolator.resolve(text) {
            Ok(value) => {
                if Interpolator::has_variables(text) {
                    self.note(
                        loc,
                        format!("{what} `{text}` resolved at import time to `{value}`"),
                    );
                }
                Some(value)
            }
            Err(error) => {
                self.note(loc, format!("{what} not carried: {error}"));
                None
            }
        }
    }

    /// A path from the compose file (relative to the project folder) as a plan path.
    fn plan_path(&mut self, base: &Path, text: &str, loc: Loc, what: &str) -> Option<String> {
        let path = base.join(text);
        let relative = relative_inside(&self.plan_dir, &path);
        if relative.is_none() {
            self.note(
                loc,
                format!(
                    "{what} `{text}` is outside the plan's folder ({}); not carried",
                    self.plan_dir.display()
                ),
            );
        }
        relative
    }

    pub fn import(mut self, root: &Node) -> Result<Imported, String> {
        for entry in root.entries() {
            match entry.key.as_str() {
                "services" | "secrets" | "name" => {}
                "volumes" | "networks" | "configs" => {
                    self.runtime
                        .entry(format!("top-level {}", entry.key))
                        .or_default()
                        .push(entry.loc);
                }
                key if key.starts_with("x-") => {}
                "version" => self.note(entry.loc, "`version` is obsolete in compose; ignored"),
                other => self.note(entry.loc, format!("top-level `{other}` not carried")),
            }
        }
        let services = root
            .get("services")
            .ok_or("the compose files have no `services`")?;
        let mut drafts = Vec::new();
        let mut unbuilt = Vec::new();
        for entry in services.entries() {
            if entry.node.get("build").is_none() {
                unbuilt.push(format!("{} ({})", entry.key, self.at(entry.loc)));
                continue;
            }
            if let Some(draft) = self.service(&entry.key, entry.loc, &entry.node, root) {
                drafts.push(draft);
            }
        }
        if !unbuilt.is_empty() {
            self.notes.push(format!(
                "services without `build` (images compose pulls, nothing to build): {}",
                unbuilt.join(", ")
            ));
        }
        self.link(&mut drafts);
        let plan = self.write(&drafts);
        if !self.runtime.is_empty() {
            let mut line = String::from(
                "runtime keys not carried (a plan builds images; `docker compose up` still runs them):",
            );
            for (index, (key, locs)) in self.runtime.iter().enumerate() {
                let mut places = String::new();
                let mut last_file = None;
                for loc in locs {
                    if !places.is_empty() {
                        places.push_str(", ");
                    }
                    if last_file == Some(loc.file) {
                        let _ = write!(places, ":{}", loc.line);
                    } else {
                        places.push_str(&self.at(*loc));
                    }
                    last_file = Some(loc.file);
                }
                let _ = write!(
                    line,
                    "{} {key} ({places})",
                    if index == 0 { "" } else { ";" }
                );
            }
            self.notes.push(line);
        }
        let mut notes = self.notes;
        notes.extend(self.interpolator.notes);
        Ok(Imported {
            plan,
            inline_files: self.inline_files,
            notes,
            services: drafts.len(),
        })
    }

    #[allow(clippy::too_many_lines)]
    fn service(&mut self, compose: &str, loc: Loc, node: &Node, root: &Node) -> Option<Draft> {
        let name = plan_name(compose);
        if name != compose {
            self.note(loc, format!("service `{compose}` is `{name}` in the plan (plan names are [a-z0-9][a-z0-9_-]*)"));
        }
        let build = node.get("build")?;
        let mut draft = Draft {
            compose: compose.to_owned(),
            name: name.clone(),
            loc,
            context: ".".to_owned(),
            dockerfile: String::new(),
            dockerfile_text: None,
            target: None,
            depends_on: Vec::new(),
            contexts: BTreeMap::new(),
            tags: Vec::new(),
            platforms: Vec::new(),
            args: BTreeMap::new(),
            labels: BTreeMap::new(),
            secrets: Vec::new(),
            cache_from: Vec::new(),
            cache_to: Vec::new(),
            network: None,
            ssh: Vec::new(),
            profiles: Vec::new(),
            froms: Vec::new(),
            service_contexts: Vec::new(),
            images: Vec::new(),
        };
        for entry in node.entries() {
            match entry.key.as_str() {
                "build" => {}
                "image" => {
                    if let Some(image) = entry.node.scalar()
                        && let Some(text) = self.bake_text(image, entry.node.loc)
                    {
                        push_unique(&mut draft.tags, text);
                        if let Ok(resolved) = self.interpolator.resolve(image) {
                            draft.images.push(resolved);
                        }
                    }
                }
                "platform" => {
                    if build.get("platforms").is_none()
                        && let Some(text) = entry.node.scalar()
                        && let Some(platform) = self.resolved(text, entry.node.loc, "platform")
                    {
                        draft.platforms.push(platform);
                    }
                }
                "profiles" => {
                    for (profile, _) in strings(&entry.node) {
                        draft.profiles.push(profile);
                    }
                }
                key if key.starts_with("x-") => self.note(
                    entry.loc,
                    format!("`{key}` of service `{compose}` not carried"),
                ),
                key if RUNTIME_KEYS.contains(&key) => {
                    self.runtime
                        .entry(key.to_owned())
                        .or_default()
                        .push(entry.loc);
                }
                other => self.note(
                    entry.loc,
                    format!("`{other}` of service `{compose}` not carried"),
                ),
            }
        }
        // context
        let project_dir = self.project_dir.clone();
        let context_abs = match build.get("context").and_then(Node::scalar) {
            Some(text) => {
                let loc = build.entry("context").map_or(loc, |e| e.loc);
                let text = self.resolved(text, loc, "context")?;
                if text.contains("://") || text.starts_with("git@") {
                    self.note(loc, format!("service `{compose}`: a remote context (`{text}`) is not carried; service skipped"));
                    return None;
                }
                let path = project_dir.join(&text);
                let Some(relative) = self.plan_path(&project_dir, &text, loc, "context") else {
                    self.note(loc, format!("service `{compose}` skipped"));
                    return None;
                };
                draft.context = relative;
                path
            }
            None => project_dir.clone(),
        };
        for entry in build.entries() {
            let value = &entry.node;
            let at = entry.loc;
            match entry.key.as_str() {
                "context" | "x-bake" => {}
                "dockerfile" => {
                    if build.get("dockerfile_inline").is_some() {
                        continue;
                    }
                    let Some(text) = value.scalar() else { continue };
                    let text = self.resolved(text, at, "dockerfile")?;
                    let path = context_abs.join(&text);
                    draft.dockerfile = self.plan_path(&context_abs, &text, at, "dockerfile")?;
                    draft.dockerfile_text = super::read_bounded(&path);
                }
                "dockerfile_inline" => {
                    let Some(text) = value.scalar() else { continue };
                    let Some(text) = self.resolved(text, at, "dockerfile_inline") else {
                        continue;
                    };
                    let text = text.as_str();
                    let file = format!("{name}.Dockerfile");
                    draft.dockerfile.clone_from(&file);
                    self.note(at, format!("`dockerfile_inline` of `{compose}` is written to {file} beside the plan"));
                    self.inline_files
                        .push((self.plan_dir.join(&file), text.to_owned()));
                    draft.dockerfile_text = Some(text.to_owned());
                }
                "args" => {
                    for arg in value.entries() {
                        if !is_identifier(&arg.key) {
                            self.note(
                                arg.loc,
                                format!(
                                    "build argument `{}` not carried: not a plan argument name",
                                    arg.key
                                ),
                            );
                            continue;
                        }
                        match arg.node.scalar() {
                            Some(text) => {
                                if let Some(text) = self.bake_text(text, arg.node.loc) {
                                    draft.args.insert(arg.key.clone(), text);
                                }
                            }
                            None => self.note(
                                arg.loc,
                                format!("build argument `{}` takes its value from the environment in compose; not carried (set it with `args {{ {} \"${{VAR}}\" }}`)", arg.key, arg.key),
                            ),
                        }
                    }
                }
                "target" => {
                    if let Some(text) = value.scalar() {
                        draft.target = self.bake_text(text, at);
                    }
                }
                "tags" => {
                    for (text, loc) in strings(value) {
                        if let Some(text) = self.bake_text(&text, loc) {
                            push_unique(&mut draft.tags, text);
                        }
                    }
                }
                "platforms" => {
                    for (text, loc) in strings(value) {
                        if let Some(platform) = self.resolved(&text, loc, "platform") {
                            push_unique(&mut draft.platforms, platform);
                        }
                    }
                }
                "labels" => {
                    for label in value.entries() {
                        if !is_label_key(&label.key) {
                            self.note(
                                label.loc,
                                format!("label `{}` not carried: not a plan label key", label.key),
                            );
                            continue;
                        }
                        let text = label.node.scalar().unwrap_or("");
                        if let Some(text) = self.bake_text(text, label.node.loc) {
                            draft.labels.insert(label.key.clone(), text);
                        }
                    }
                }
                "cache_from" | "cache_to" => {
                    for (text, loc) in strings(value) {
                        let Some(text) = self.bake_text(&text, loc) else {
                            continue;
                        };
                        let spec = if text.contains('=') {
                            text
                        } else {
                            format!("type=registry,ref={text}")
                        };
                        if entry.key == "cache_from" {
                            push_unique(&mut draft.cache_from, spec);
                        } else {
                            push_unique(&mut draft.cache_to, spec);
                        }
                    }
                }
                "secrets" => {
                    for item in value.items() {
                        let (source, target) = match &item.value {
                            Value::Scalar(text) => (text.clone(), None),
                            Value::Map(_) => {
                                for extra in ["uid", "gid", "mode"] {
                                    if let Some(e) = item.entry(extra) {
                                        self.note(e.loc, format!("secret `{extra}` not carried (build secrets are mounted by the template or Dockerfile)"));
                                    }
                                }
                                let Some(source) = item.get("source").and_then(Node::scalar) else {
                                    continue;
                                };
                                (
                                    source.to_owned(),
                                    item.get("target").and_then(Node::scalar).map(str::to_owned),
                                )
                            }
                            _ => continue,
                        };
                        self.secret(&mut draft, &source, target, item.loc, root);
                    }
                }
                "ssh" => {
                    for (text, loc) in strings(value) {
                        if let Some(ssh) = self.resolved(&text, loc, "ssh") {
                            push_unique(&mut draft.ssh, ssh);
                        }
                    }
                }
                "network" => {
                    if let Some(text) = value.scalar()
                        && let Some(network) = self.resolved(text, at, "network")
                    {
                        if matches!(network.as_str(), "default" | "none" | "host") {
                            draft.network = Some(network);
                        } else {
                            self.note(at, format!("build network `{network}` not carried: a plan knows default, none and host"));
                        }
                    }
                }
                "additional_contexts" => {
                    for context in value.entries() {
                        let Some(text) = context.node.scalar() else {
                            continue;
                        };
                        self.named_context(&mut draft, &context.key, text, context.loc);
                    }
                }
                other => self.note(
                    at,
                    format!("build `{other}` of service `{compose}` not carried"),
                ),
            }
        }
        if let Some(x_bake) = build.get("x-bake") {
            self.x_bake(&mut draft, x_bake);
        }
        if draft.dockerfile.is_empty() {
            let path = context_abs.join("Dockerfile");
            draft.dockerfile = self.plan_path(&context_abs, "Dockerfile", loc, "dockerfile")?;
            draft.dockerfile_text = super::read_bounded(&path);
        }
        if draft.tags.is_empty() {
            // compose's own default tag, so `docker compose` and the plan name the same image
            draft.tags.push(format!("{}-{}", self.project, compose));
            draft.images.push(format!("{}-{}", self.project, compose));
        }
        if let Some(text) = &draft.dockerfile_text {
            draft.froms = from_references(text);
        }
        Some(draft)
    }

    fn secret(
        &mut self,
        draft: &mut Draft,
        source: &str,
        target: Option<String>,
        loc: Loc,
        root: &Node,
    ) {
        let id = target.unwrap_or_else(|| source.to_owned());
        if !is_mount_id(&id) {
            self.note(
                loc,
                format!("secret `{id}` not carried: not a valid secret id"),
            );
            return;
        }
        let Some(definition) = root.get("secrets").and_then(|secrets| secrets.get(source)) else {
            self.note(
                loc,
                format!("secret `{source}` is not defined under top-level `secrets`; not carried"),
            );
            return;
        };
        if let Some(file) = definition.get("file").and_then(Node::scalar) {
            let project_dir = self.project_dir.clone();
            let Some(file) = self.resolved(file, definition.loc, "secret file") else {
                return;
            };
            if let Some(path) = self.plan_path(&project_dir, &file, definition.loc, "secret file") {
                draft.secrets.push((id, "src", path));
            }
        } else if let Some(variable) = definition.get("environment").and_then(Node::scalar) {
            draft.secrets.push((id, "env", variable.to_owned()));
        } else {
            self.note(
                definition.loc,
                format!("secret `{source}` is neither `file` nor `environment`; not carried"),
            );
        }
    }

    fn named_context(&mut self, draft: &mut Draft, name: &str, text: &str, loc: Loc) {
        if let Some(service) = text.strip_prefix("service:") {
            draft
                .service_contexts
                .push((name.to_owned(), service.to_owned()));
            return;
        }
        if !is_context_name(name) {
            self.note(
                loc,
                format!("named context `{name}` not carried: not a plan context name"),
            );
            return;
        }
        if text.contains("://") || text.starts_with("target:") || text.starts_with("git@") {
            if let Some(text) = self.bake_text(text, loc) {
                draft.contexts.insert(name.to_owned(), text);
            }
            return;
        }
        let project_dir = self.project_dir.clone();
        if let Some(text) = self.resolved(text, loc, "named context")
            && let Some(path) = self.plan_path(&project_dir, &text, loc, "named context")
        {
            draft.contexts.insert(name.to_owned(), path);
        }
    }

    fn x_bake(&mut self, draft: &mut Draft, node: &Node) {
        for entry in node.entries() {
            match entry.key.as_str() {
                "platforms" => {
                    for (text, loc) in strings(&entry.node) {
                        if let Some(platform) = self.resolved(&text, loc, "platform") {
                            push_unique(&mut draft.platforms, platform);
                        }
                    }
                }
                "tags" => {
                    for (text, loc) in strings(&entry.node) {
                        if let Some(text) = self.bake_text(&text, loc) {
                            push_unique(&mut draft.tags, text);
                        }
                    }
                }
                "cache-from" | "cache-to" => {
                    for (text, loc) in strings(&entry.node) {
                        let Some(text) = self.bake_text(&text, loc) else { continue };
                        if entry.key == "cache-from" {
                            push_unique(&mut draft.cache_from, text);
                        } else {
                            push_unique(&mut draft.cache_to, text);
                        }
                    }
                }
                "secret" => {
                    for (text, loc) in strings(&entry.node) {
                        let fields: BTreeMap<&str, &str> =
                            text.split(',').filter_map(|field| field.split_once('=')).collect();
                        let id = fields.get("id").copied().unwrap_or_default().to_owned();
                        if let Some(src) = fields.get("src").or_else(|| fields.get("source")) {
                            let project_dir = self.project_dir.clone();
                            if let Some(path) = self.plan_path(&project_dir, src, loc, "secret src") {
                                draft.secrets.push((id, "src", path));
                            }
                        } else if let Some(env) = fields.get("env") {
                            draft.secrets.push((id, "env", (*env).to_owned()));
                        } else {
                            self.note(loc, format!("x-bake secret `{text}` not carried"));
                        }
                    }
                }
                "contexts" => {
                    for context in entry.node.entries() {
                        if let Some(text) = context.node.scalar() {
                            self.named_context(draft, &context.key, text, context.loc);
                        }
                    }
                }
                "no-cache" | "pull" => self.note(
                    entry.loc,
                    format!("x-bake `{}` not carried: a plan sets it in a profile (`profile \"fresh\" {{ {} #true; }}`)", entry.key, entry.key),
                ),
                other => self.note(entry.loc, format!("x-bake `{other}` not carried")),
            }
        }
    }

    /// Dependencies between services: `service:X` contexts and `FROM` another service's image.
    fn link(&mut self, drafts: &mut [Draft]) {
        let names: BTreeMap<String, String> = drafts
            .iter()
            .map(|draft| (draft.compose.clone(), draft.name.clone()))
            .collect();
        let mut images: BTreeMap<String, String> = BTreeMap::new();
        for draft in drafts.iter() {
            for image in &draft.images {
                images.insert(image.clone(), draft.name.clone());
                if !image.rsplit('/').next().unwrap_or("").contains(':') {
                    images.insert(format!("{image}:latest"), draft.name.clone());
                }
            }
        }
        for draft in drafts.iter_mut() {
            for (context, service) in std::mem::take(&mut draft.service_contexts) {
                let Some(target) = names.get(&service) else {
                    self.note(draft.loc, format!("`{}`: context `{context}` names `service:{service}`, which has no build; not carried", draft.compose));
                    continue;
                };
                push_unique(&mut draft.depends_on, target.clone());
                if &context != target {
                    if is_context_name(&context) {
                        draft.contexts.insert(context, format!("target:{target}"));
                    } else {
                        self.note(
                            draft.loc,
                            format!("`{}`: context name `{context}` not carried", draft.compose),
                        );
                    }
                }
            }
            for reference in draft.froms.clone() {
                let service = images
                    .get(&reference)
                    .or_else(|| images.get(&format!("{reference}:latest")))
                    .cloned();
                let Some(service) = service else { continue };
                if service == draft.name || draft.contexts.contains_key(&reference) {
                    continue;
                }
                if !draft.depends_on.contains(&service) {
                    self.note(draft.loc, format!("`{}` is built FROM `{reference}`, the image of `{service}`: depends-on \"{service}\"", draft.compose));
                    draft.depends_on.push(service.clone());
                }
                if reference != service && is_context_name(&reference) {
                    draft
                        .contexts
                        .insert(reference, format!("target:{service}"));
                }
            }
        }
    }

    fn write(&mut self, drafts: &[Draft]) -> String {
        let mut nodes = vec![Kdl::new("version").arg(KdlValue::Int(1))];
        for (name, default) in &self.interpolator.variables {
            let mut node = Kdl::new("variable").arg(name.as_str());
            if let Some(default) = default {
                node = node.prop("default", default.as_str());
            }
            nodes.push(node);
        }
        for draft in drafts {
            let mut service = Kdl::new("service")
                .arg(draft.name.as_str())
                .comment(format!(
                    "compose service `{}` ({})",
                    draft.compose,
                    self.at(draft.loc)
                ));
            if draft.context != "." {
                service = service.child(Kdl::new("context").arg(draft.context.as_str()));
            }
            service = service.child(Kdl::new("dockerfile").arg(draft.dockerfile.as_str()));
            if let Some(target) = &draft.target {
                service = service.child(Kdl::new("target").arg(target.as_str()));
            }
            if !draft.depends_on.is_empty() {
                service = service.child(
                    Kdl::new("depends-on").args(draft.depends_on.iter().map(String::as_str)),
                );
            }
            if !draft.contexts.is_empty() {
                service = service.child(Kdl::map("contexts", &draft.contexts));
            }
            service = service.child(Kdl::new("tags").args(draft.tags.iter().map(String::as_str)));
            let platforms: Vec<&String> = draft
                .platforms
                .iter()
                .filter(|p| {
                    let ok = is_platform(p);
                    if !ok {
                        self.notes
                            .push(format!("`{}`: platform `{p}` not carried", draft.compose));
                    }
                    ok
                })
                .collect();
            if !platforms.is_empty() {
                service = service
                    .child(Kdl::new("platforms").args(platforms.into_iter().map(String::as_str)));
            }
            if !draft.args.is_empty() {
                service = service.child(Kdl::map("args", &draft.args));
            }
            if !draft.labels.is_empty() {
                service = service.child(Kdl::map("labels", &draft.labels));
            }
            for (id, kind, value) in &draft.secrets {
                service = service.child(
                    Kdl::new("secret")
                        .arg(id.as_str())
                        .prop(kind, value.as_str()),
                );
            }
            for spec in &draft.cache_from {
                service = service.child(Kdl::new("cache-from").arg(spec.as_str()));
            }
            for spec in &draft.cache_to {
                service = service.child(Kdl::new("cache-to").arg(spec.as_str()));
            }
            if let Some(network) = &draft.network {
                service = service.child(Kdl::new("network").arg(network.as_str()));
            }
            if !draft.ssh.is_empty() {
                let mut ssh = Kdl::new("ssh");
                for forward in &draft.ssh {
                    ssh = ssh.arg(forward.as_str());
                }
                service = service.child(ssh);
            }
            nodes.push(service);
        }
        // Compose profiles → groups; services without a profile are what `docker compose
        // build` builds, so they make the default group when some services have profiles.
        let mut profiles: Vec<(String, Vec<String>)> = Vec::new();
        for draft in drafts {
            for profile in &draft.profiles {
                match profiles.iter_mut().find(|(name, _)| name == profile) {
                    Some((_, members)) => members.push(draft.name.clone()),
                    None => profiles.push((profile.clone(), vec![draft.name.clone()])),
                }
            }
        }
        let service_names: BTreeSet<&str> = drafts.iter().map(|d| d.name.as_str()).collect();
        if !profiles.is_empty() {
            let defaults: Vec<&str> = drafts
                .iter()
                .filter(|d| d.profiles.is_empty())
                .map(|d| d.name.as_str())
                .collect();
            if !defaults.is_empty() {
                nodes.push(
                    Kdl::new("group")
                        .arg("default")
                        .args(defaults)
                        .comment("what `docker compose build` builds: services without a profile"),
                );
            }
            for (profile, members) in profiles {
                let mut name = plan_name(&profile);
                if service_names.contains(name.as_str()) || name == "default" {
                    name.push_str("-profile");
                }
                if !is_valid_name(&name) {
                    continue;
                }
                nodes.push(
                    Kdl::new("group")
                        .arg(name.as_str())
                        .args(members.iter().map(String::as_str))
                        .comment(format!("compose profile `{profile}`")),
                );
            }
        }
        let mut header = vec![format!(
            "Imported from {} by `bakeplan import compose`.",
            self.files.join(", ")
        )];
        header.push("Hand-written Dockerfiles are kept as they are; `bakeplan compile` writes docker-bake.hcl.".to_owned());
        kdl_writer::document(&header, &nodes)
    }
}

/// The image references of a Dockerfile's `FROM` lines (stages named earlier and references
/// with build arguments left out).
pub fn from_references(text: &str) -> Vec<String> {
    let mut stages = BTreeSet::new();
    let mut references = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        if !words
            .next()
            .is_some_and(|word| word.eq_ignore_ascii_case("FROM"))
        {
            continue;
        }
        let words: Vec<&str> = words.filter(|word| !word.starts_with("--")).collect();
        let Some(image) = words.first() else { continue };
        if !image.contains('$') && !stages.contains(&image.to_ascii_lowercase()) {
            references.push((*image).to_owned());
        }
        if words.len() >= 3 && words[1].eq_ignore_ascii_case("AS") {
            stages.insert(words[2].to_ascii_lowercase());
        }
    }
    references
}

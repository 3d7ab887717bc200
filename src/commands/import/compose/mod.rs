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

mod plan;

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
                if text.contains('\n') {
                    // A text of several lines (an inline Dockerfile): its variables, by name.
                    let names = Interpolator::variable_names(text);
                    if !names.is_empty() {
                        self.note(
                            loc,
                            format!(
                                "{what}: its variables ({}) resolved at import time",
                                names.join(", ")
                            ),
                        );
                    }
                } else if Interpolator::has_variables(text) {
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

    /// The text of the Dockerfile at `relative` (to the plan folder) for its `FROM` lines, read
    /// as `compile` reads the plan folder's files: a regular file reached without a symbolic
    /// link, at most 1 MiB. A refusal is a note; the plan still names the file.
    fn read_dockerfile(&mut self, relative: &str, loc: Loc) -> Option<String> {
        let dir = camino::Utf8Path::from_path(&self.plan_dir)?;
        match crate::plan::fs::read_unlinked(dir, relative) {
            Ok(text) => text,
            Err(error) => {
                self.note(loc, format!("{error}; its FROM lines are not read"));
                None
            }
        }
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
        self.check_names(&drafts)?;
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
        // One line each: a value quoted with a line break in it shows it as `\u{a}`.
        let notes = self
            .notes
            .into_iter()
            .chain(self.interpolator.notes)
            .map(|note| crate::plan::kdl_text::escape_chars(&note, |c| c == '\n'))
            .collect();
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
                    draft.dockerfile = self.plan_path(&context_abs, &text, at, "dockerfile")?;
                    draft.dockerfile_text = self.read_dockerfile(&draft.dockerfile, at);
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
                        let Some(spec) = self.cache_spec(&spec, loc) else {
                            continue;
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
                        if let Some(ssh) = self.resolved(&text, loc, "ssh")
                            && let Some(ssh) = self.ssh_forward(&ssh, loc)
                        {
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
            draft.dockerfile = self.plan_path(&context_abs, "Dockerfile", loc, "dockerfile")?;
            draft.dockerfile_text = self.read_dockerfile(&draft.dockerfile, loc);
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
}

/// The image references of a Dockerfile's `FROM` lines (stages named earlier and references
/// with build arguments left out).
pub fn from_references(text: &str) -> Vec<String> {
    let mut stages = BTreeSet::new();
    let mut references = Vec::new();
    for (image, stage) in text
        .lines()
        .filter_map(crate::plan::dockerfile_from::from_line)
    {
        if !image.contains('$') && !stages.contains(&image.to_ascii_lowercase()) {
            references.push(image.to_owned());
        }
        stages.extend(stage);
    }
    references
}

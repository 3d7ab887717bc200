//! The second half of importing: secrets, named contexts, `x-bake`, the links between
//! services, and the plan text written from the drafts.

use super::{
    BTreeMap, BTreeSet, Draft, Importer, Kdl, KdlValue, Loc, Node, is_context_name, is_mount_id,
    is_platform, is_valid_name, kdl_writer, plan_name, push_unique, strings,
};

impl Importer<'_> {
    pub(super) fn secret(
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

    pub(super) fn named_context(&mut self, draft: &mut Draft, name: &str, text: &str, loc: Loc) {
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
        if text.starts_with("oci-layout://") {
            if let Some(text) = self.resolved(text, loc, "named context")
                && let Some(layout) = self.oci_layout(&text, loc)
            {
                draft.contexts.insert(name.to_owned(), layout);
            }
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

    /// A path bake reads or writes on the machine that runs it (a `type=local` cache folder,
    /// an ssh key, an OCI layout), relative to the compose project: as a plan path, or a note
    /// and nothing when it is not in the plan's folder (compile would refuse the plan).
    fn host_path(&mut self, text: &str, loc: Loc, what: &str) -> Option<String> {
        if text.starts_with('~') || text.contains('$') {
            self.note(
                loc,
                format!("{what} `{text}` is not a path of the plan's folder; not carried"),
            );
            return None;
        }
        let project_dir = self.project_dir.clone();
        self.plan_path(&project_dir, text, loc, what)
    }

    /// A cache entry, with the folders of a `type=local` one (`src=`, `dest=`) as plan paths;
    /// nothing (and a note) when one is outside the plan's folder.
    pub(super) fn cache_spec(&mut self, spec: &str, loc: Loc) -> Option<String> {
        let fields: Vec<&str> = spec.split(',').map(str::trim).collect();
        if !fields.contains(&"type=local") {
            return Some(spec.to_owned());
        }
        let mut out = Vec::new();
        for field in fields {
            match field.split_once('=') {
                Some((key @ ("src" | "dest"), path)) => {
                    let path = self.host_path(path, loc, "local cache folder")?;
                    out.push(format!("{key}={path}"));
                }
                _ => out.push(field.to_owned()),
            }
        }
        Some(out.join(","))
    }

    /// `ID` (the machine's agent) as it is, `ID=PATH` with PATH as a plan path.
    pub(super) fn ssh_forward(&mut self, text: &str, loc: Loc) -> Option<String> {
        match text.split_once('=') {
            Some((id, path)) => {
                let path = self.host_path(path, loc, "ssh key or socket")?;
                Some(format!("{id}={path}"))
            }
            None => Some(text.to_owned()),
        }
    }

    /// `oci-layout://PATH[:TAG][@DIGEST]` with PATH as a plan path.
    fn oci_layout(&mut self, text: &str, loc: Loc) -> Option<String> {
        let layout = text.strip_prefix("oci-layout://").unwrap_or(text);
        let (folder, tag_and_digest) = crate::plan::path::split_oci_layout(layout);
        let folder = self.host_path(folder, loc, "OCI layout")?;
        Some(format!("oci-layout://{folder}{tag_and_digest}"))
    }

    pub(super) fn x_bake(&mut self, draft: &mut Draft, node: &Node) {
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
                        let Some(text) = self.cache_spec(&text, loc) else { continue };
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

    /// Two compose services that become the same plan service (`Web.Up` and `web-up`): an
    /// error naming both, before anything is written (the plan would define the service twice
    /// and their `dockerfile_inline` files would share one name).
    pub(super) fn check_names(&self, drafts: &[Draft]) -> Result<(), String> {
        let mut first: BTreeMap<&str, &Draft> = BTreeMap::new();
        let mut clashes = Vec::new();
        for draft in drafts {
            if let Some(earlier) = first.get(draft.name.as_str()) {
                clashes.push(format!(
                    "compose services `{}` ({}) and `{}` ({}) both become the plan service `{}`",
                    earlier.compose,
                    self.at(earlier.loc),
                    draft.compose,
                    self.at(draft.loc),
                    draft.name
                ));
            } else {
                first.insert(&draft.name, draft);
            }
        }
        if clashes.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{}; rename one of each pair in the compose file (a plan name is lowercase, any character but [a-z0-9_-] becomes `-`); nothing was written",
            clashes.join("; ")
        ))
    }

    /// Dependencies between services: `service:X` contexts and `FROM` another service's image.
    pub(super) fn link(&mut self, drafts: &mut [Draft]) {
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

    pub(super) fn write(&mut self, drafts: &[Draft]) -> String {
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

//! The templates a plan can use: the built-ins embedded from `templates/`, plus the plan's
//! `template-dir`, whose files add templates or override a built-in of the same name.
//! Each template declares its parameters in a KDL comment that opens the file.

use std::collections::BTreeMap;
use std::sync::Arc;

use kdl::{KdlDocument, KdlValue};
use miette::{NamedSource, SourceSpan};

use crate::plan::error::{PlanError, PlanErrors};
use crate::plan::path::plan_path;
use crate::plan::raw::Text;
use crate::plan::source::PlanSource;
use crate::plan::suggestion::did_you_mean;

pub const TEMPLATE_SUFFIX: &str = ".Dockerfile.j2";

const BUILTINS: &[(&str, &str)] = &[
    (
        "python-pdm",
        include_str!("../../templates/python-pdm.Dockerfile.j2"),
    ),
    (
        "python-pip",
        include_str!("../../templates/python-pip.Dockerfile.j2"),
    ),
    (
        "python-uv",
        include_str!("../../templates/python-uv.Dockerfile.j2"),
    ),
    ("node", include_str!("../../templates/node.Dockerfile.j2")),
    ("go", include_str!("../../templates/go.Dockerfile.j2")),
    ("rust", include_str!("../../templates/rust.Dockerfile.j2")),
    (
        "static",
        include_str!("../../templates/static.Dockerfile.j2"),
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateOrigin {
    BuiltIn,
    /// A plan template: its path relative to the plan folder.
    Plan(String),
}

#[derive(Debug, Clone)]
pub struct TemplateParam {
    pub name: String,
    pub description: Option<String>,
    pub default: Option<String>,
    /// What a value may look like (`kind=` in the header; by default inferred from the name).
    pub kind: ParamKind,
}

/// The shape of a template parameter's value, checked before any template renders it. Every
/// kind but `Command` also allows the empty value (the template's "unset").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// An image reference (the default for a `*-image` parameter).
    Image,
    /// A port number, 1–65535 (the default for `port` and `*-port`).
    Port,
    /// A numeric user id.
    Uid,
    /// A version or tag: letters, digits, `.`, `_`, `+`, `-`.
    Version,
    /// One word: letters, digits and `._/:@+=-`, not starting with `-` (a path, a name).
    Word,
    /// Such words separated by spaces (file names).
    Words,
    /// Python requirement specifiers separated by spaces (`hishel<2 rich>=13`).
    Requirements,
    /// Free text: a shell command (the default): one line, no final backslash.
    Command,
}

impl ParamKind {
    pub const ALL: [Self; 8] = [
        Self::Image,
        Self::Port,
        Self::Uid,
        Self::Version,
        Self::Word,
        Self::Words,
        Self::Requirements,
        Self::Command,
    ];

    pub fn from_name(kind: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|known| known.name() == kind)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Port => "port",
            Self::Uid => "uid",
            Self::Version => "version",
            Self::Word => "word",
            Self::Words => "words",
            Self::Requirements => "requirements",
            Self::Command => "command",
        }
    }

    /// The kind a parameter without `kind=` has.
    pub fn inferred(param: &str) -> Self {
        if param.ends_with("-image") {
            Self::Image
        } else if param == "port" || param.ends_with("-port") {
            Self::Port
        } else {
            Self::Command
        }
    }
}

#[derive(Debug, Clone)]
pub struct TemplateDef {
    pub name: String,
    pub origin: TemplateOrigin,
    pub source: Arc<String>,
    pub description: String,
    pub params: Vec<TemplateParam>,
    /// What the template does with a service's `depends-on`, `secret` and `cache-mount`
    /// (header nodes of the same names), shown by `bakeplan templates NAME`.
    pub depends_on: Option<String>,
    pub secret: Option<String>,
    pub cache_mount: Option<String>,
    /// `workspace-lockfile "A" "B"…`: the template has a workspace mode, and one of these
    /// lockfiles (the first found, in this order) must be in the workspace folder.
    pub workspace_lockfiles: Vec<String>,
    /// `workspace-files "PATTERN"…`: what else of the workspace folder its builds receive.
    pub workspace_files: Vec<String>,
}

impl TemplateDef {
    pub fn param(&self, name: &str) -> Option<&TemplateParam> {
        self.params.iter().find(|param| param.name == name)
    }

    pub fn named_source(&self) -> NamedSource<Arc<String>> {
        let name = match &self.origin {
            TemplateOrigin::BuiltIn => format!("<built-in>/{}{TEMPLATE_SUFFIX}", self.name),
            TemplateOrigin::Plan(path) => path.clone(),
        };
        NamedSource::new(name, Arc::clone(&self.source))
    }
}

#[derive(Debug, Default)]
pub struct TemplateSet {
    pub templates: BTreeMap<String, TemplateDef>,
}

impl TemplateSet {
    /// The built-ins, then the plan's `template-dir` on top.
    pub fn load(source: &PlanSource, template_dir: Option<&Text>) -> Result<Self, PlanErrors> {
        let mut set = Self::default();
        let mut errors = PlanErrors::default();
        for (name, text) in BUILTINS {
            match TemplateDef::parse(name, TemplateOrigin::BuiltIn, &Arc::new((*text).to_owned())) {
                Ok(def) => {
                    set.templates.insert((*name).to_owned(), def);
                }
                Err(error) => errors.push(error),
            }
        }
        if let Some(dir) = template_dir {
            match plan_path(dir, "template-dir", &source.file_name) {
                Ok(relative) => set.load_dir(source, dir, &relative, &mut errors),
                Err(error) => errors.push(error),
            }
        }
        errors.into_result(set)
    }

    fn load_dir(
        &mut self,
        source: &PlanSource,
        dir: &Text,
        relative: &str,
        errors: &mut PlanErrors,
    ) {
        let on_disk = source.dir.join(relative);
        let root = crate::plan::fs::PlanRoot::new(&source.dir);
        let listed = root
            .as_ref()
            .map_err(ToString::to_string)
            .and_then(|root| root.resolve(relative).map_err(|error| error.to_string()))
            .and_then(|real| std::fs::read_dir(real).map_err(|error| error.to_string()));
        let entries = match listed {
            Ok(entries) => entries,
            Err(error) => {
                errors.push(
                    PlanError::new(
                        "bakeplan::template-dir",
                        format!("cannot read the template folder {on_disk}: {error}"),
                    )
                    .label(dir.span, "this folder")
                    .help("create the folder, or remove `template-dir`"),
                );
                return;
            }
        };
        let mut files: Vec<String> = entries
            .filter_map(Result::ok)
            .filter_map(|entry| entry.file_name().into_string().ok())
            .filter(|name| name.ends_with(TEMPLATE_SUFFIX))
            .collect();
        files.sort();
        for file in files {
            let name = file.trim_end_matches(TEMPLATE_SUFFIX).to_owned();
            let path = crate::plan::path::join(relative, &file);
            let read = root.as_ref().map_err(ToString::to_string).and_then(|root| {
                root.read(&path, crate::plan::fs::FILE_LIMIT)
                    .map_err(|error| error.to_string())
            });
            match read {
                Ok(text) => {
                    match TemplateDef::parse(&name, TemplateOrigin::Plan(path), &Arc::new(text)) {
                        Ok(def) => {
                            self.templates.insert(name, def);
                        }
                        Err(error) => errors.push(error),
                    }
                }
                Err(error) => errors.push(PlanError::io(format!(
                    "cannot read template {path}: {error}"
                ))),
            }
        }
    }

    /// The template `name`, or an error pointing at the plan's `template` node.
    pub fn get(&self, name: &Text) -> Result<&TemplateDef, PlanError> {
        self.templates.get(&name.value).ok_or_else(|| {
            PlanError::new(
                "bakeplan::unknown-template",
                format!("no template is named `{}`", name.value),
            )
            .label(name.span, "unknown template")
            .help(
                did_you_mean(&name.value, self.templates.keys().map(String::as_str))
                    .unwrap_or_else(|| {
                        format!(
                            "the templates are: {}",
                            self.templates
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }),
            )
        })
    }
}

impl TemplateDef {
    /// Reads the `{# ... #}` KDL header: `description "..."` and `param "NAME" default=".." description=".."`.
    fn parse(name: &str, origin: TemplateOrigin, source: &Arc<String>) -> Result<Self, PlanError> {
        let mut def = Self {
            name: name.to_owned(),
            origin,
            source: Arc::clone(source),
            description: String::new(),
            params: Vec::new(),
            depends_on: None,
            secret: None,
            cache_mount: None,
            workspace_lockfiles: Vec::new(),
            workspace_files: Vec::new(),
        };
        let leading = source.len() - source.trim_start().len();
        let rest = &source[leading..];
        let named = def.named_source();
        let header_error = |span: SourceSpan, message: String, label: &str| {
            PlanError::new("bakeplan::template-header", message)
                .label(span, label)
                .in_source(named.clone())
        };
        let Some(body) = rest.strip_prefix("{#") else {
            return Err(header_error(
                SourceSpan::new(leading.into(), 0),
                format!("template `{name}` does not open with its `{{# ... #}}` KDL header"),
                "expected `{#` here",
            )
            .help("start the file with `{#\\ndescription \"...\"\\nparam \"base-image\" default=\"...\"\\n#}`"));
        };
        let Some(end) = body.find("#}") else {
            return Err(header_error(
                SourceSpan::new(leading.into(), 2),
                format!("the header of template `{name}` is never closed"),
                "opened here",
            ));
        };
        let header_start = leading + 2;
        let header = &body[..end];
        if let Some(refused) = crate::plan::parse::depth::too_deep(header) {
            return Err(header_error(
                SourceSpan::new((header_start + refused.at).into(), 1),
                format!(
                    "the header of template `{name}` cannot be read: {}",
                    refused.why
                ),
                refused.label,
            ));
        }
        let document = KdlDocument::parse(header).map_err(|error| {
            let span = error.diagnostics.first().map_or(
                SourceSpan::new(header_start.into(), 0),
                |diagnostic| {
                    SourceSpan::new(
                        (header_start + diagnostic.span.offset()).into(),
                        diagnostic.span.len(),
                    )
                },
            );
            header_error(
                span,
                format!("the header of template `{name}` is not valid KDL"),
                "here",
            )
        })?;
        let shift =
            |span: SourceSpan| SourceSpan::new((header_start + span.offset()).into(), span.len());
        for node in document.nodes() {
            let string_arg = || {
                node.entries()
                    .iter()
                    .find(|e| e.name().is_none())
                    .and_then(|e| e.value().as_string())
            };
            let prop = |key: &str| {
                node.entries()
                    .iter()
                    .find(|e| e.name().is_some_and(|n| n.value() == key))
                    .map(kdl::KdlEntry::value)
            };
            match node.name().value() {
                "description" => string_arg()
                    .unwrap_or_default()
                    .clone_into(&mut def.description),
                "depends-on" => def.depends_on = string_arg().map(str::to_owned),
                "secret" => def.secret = string_arg().map(str::to_owned),
                "cache-mount" => def.cache_mount = string_arg().map(str::to_owned),
                "workspace-lockfile" | "workspace-files" => {
                    let mut values = Vec::new();
                    for entry in node.entries() {
                        let value = entry
                            .value()
                            .as_string()
                            .filter(|value| entry.name().is_none() && is_workspace_pattern(value));
                        let Some(value) = value else {
                            return Err(header_error(
                                shift(entry.span()),
                                format!(
                                    "`{}` takes paths relative to the workspace folder",
                                    node.name().value()
                                ),
                                "expected a relative path such as \"pdm.lock\"",
                            ));
                        };
                        values.push(value.to_owned());
                    }
                    if values.is_empty() {
                        return Err(header_error(
                            shift(node.span()),
                            format!("`{}` needs at least one path", node.name().value()),
                            "here",
                        ));
                    }
                    if node.name().value() == "workspace-lockfile" {
                        def.workspace_lockfiles = values;
                    } else {
                        def.workspace_files = values;
                    }
                }
                "param" => {
                    let Some(param) = string_arg() else {
                        return Err(header_error(
                            shift(node.span()),
                            "`param` needs a name".to_owned(),
                            "here",
                        ));
                    };
                    for entry in node.entries() {
                        if let Some(key) = entry.name()
                            && !matches!(key.value(), "default" | "description" | "kind")
                        {
                            return Err(header_error(
                                shift(key.span()),
                                format!("unknown property `{}` on `param`", key.value()),
                                "expected default, description or kind",
                            ));
                        }
                    }
                    let kind = match prop("kind") {
                        None => ParamKind::inferred(param),
                        Some(value) => {
                            if let Some(kind) = value.as_string().and_then(ParamKind::from_name) {
                                kind
                            } else {
                                let span = node
                                    .entries()
                                    .iter()
                                    .find(|entry| {
                                        entry.name().is_some_and(|key| key.value() == "kind")
                                    })
                                    .map_or(node.span(), kdl::KdlEntry::span);
                                return Err(header_error(
                                    shift(span),
                                    format!("unknown parameter kind `{value}`"),
                                    "not a kind",
                                )
                                .help(format!(
                                    "the kinds: {}",
                                    ParamKind::ALL.map(ParamKind::name).join(", ")
                                )));
                            }
                        }
                    };
                    let text = |value: Option<&KdlValue>| {
                        value.and_then(KdlValue::as_string).map(str::to_owned)
                    };
                    def.params.push(TemplateParam {
                        name: param.to_owned(),
                        description: text(prop("description")),
                        default: text(prop("default")),
                        kind,
                    });
                }
                other => {
                    return Err(header_error(
                        shift(node.name().span()),
                        format!("unknown node `{other}` in the header of template `{name}`"),
                        "expected description, param, depends-on, secret, cache-mount, workspace-lockfile or workspace-files",
                    ));
                }
            }
        }
        Ok(def)
    }
}

/// A `workspace-lockfile` / `workspace-files` value: a relative path or glob that stays inside
/// the workspace folder and fits one `.dockerignore` line.
fn is_workspace_pattern(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('/')
        && !value.starts_with('!')
        && !value.chars().any(|c| c.is_control() || c == '\\')
        && value.split('/').all(|part| part != "..")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{TemplateDef, TemplateOrigin};

    #[test]
    fn reads_the_workspace_header_nodes() {
        let text = "{#\ndescription \"x\"\nworkspace-lockfile \"package-lock.json\" \"pnpm-lock.yaml\"\nworkspace-files \"package.json\" \"**/package.json\"\n#}\nFROM x\n";
        let def = TemplateDef::parse("t", TemplateOrigin::BuiltIn, &Arc::new(text.to_owned()))
            .expect("a valid header");
        assert_eq!(
            def.workspace_lockfiles,
            ["package-lock.json", "pnpm-lock.yaml"]
        );
        assert_eq!(def.workspace_files, ["package.json", "**/package.json"]);
        for bad in [
            "workspace-lockfile",
            "workspace-lockfile \"/abs\"",
            "workspace-files \"a/../../b\"",
            "workspace-files x=\"y\"",
            "workspace-files 1",
        ] {
            let text = format!("{{#\n{bad}\n#}}\nFROM x\n");
            assert!(
                TemplateDef::parse("t", TemplateOrigin::BuiltIn, &Arc::new(text)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_built_in_with_a_workspace_mode_names_its_lockfile() {
        let source =
            crate::plan::source::PlanSource::from_text("bakeplan.kdl".into(), String::new());
        let set = super::TemplateSet::load(&source, None).expect("the built-ins load");
        for def in set.templates.values() {
            assert!(
                def.workspace_files.is_empty() || !def.workspace_lockfiles.is_empty(),
                "{}: workspace-files without workspace-lockfile",
                def.name
            );
        }
    }
}

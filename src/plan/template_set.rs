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
            match plan_path(source, dir, "template-dir") {
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
                    PlanError::at(
                        source,
                        "bakeplan::template-dir",
                        dir.span,
                        format!("cannot read the template folder {on_disk}: {error}"),
                        "this folder",
                    )
                    .with_help("create the folder, or remove `template-dir`".to_owned()),
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
    pub fn get(&self, source: &PlanSource, name: &Text) -> Result<&TemplateDef, PlanError> {
        self.templates.get(&name.value).ok_or_else(|| {
            PlanError::at(
                source,
                "bakeplan::unknown-template",
                name.span,
                format!("no template is named `{}`", name.value),
                "unknown template",
            )
            .with_help(
                did_you_mean(&name.value, self.templates.keys().map(String::as_str)).or_else(
                    || {
                        Some(format!(
                            "the templates are: {}",
                            self.templates
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    },
                ),
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
        };
        let leading = source.len() - source.trim_start().len();
        let rest = &source[leading..];
        let named = def.named_source();
        let header_error = |span: SourceSpan, message: String, label: &str| {
            PlanError::in_named(
                named.clone(),
                "bakeplan::template-header",
                span,
                message,
                label,
            )
        };
        let Some(body) = rest.strip_prefix("{#") else {
            return Err(header_error(
                SourceSpan::new(leading.into(), 0),
                format!("template `{name}` does not open with its `{{# ... #}}` KDL header"),
                "expected `{#` here",
            )
            .with_help("start the file with `{#\\ndescription \"...\"\\nparam \"base-image\" default=\"...\"\\n#}`".to_owned()));
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
        if let Some((at, what)) = crate::plan::parse::depth::too_deep(header) {
            return Err(header_error(
                SourceSpan::new((header_start + at).into(), 1),
                format!("the header of template `{name}` has {what} nested too deeply"),
                "too deep",
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
                            && !matches!(key.value(), "default" | "description")
                        {
                            return Err(header_error(
                                shift(key.span()),
                                format!("unknown property `{}` on `param`", key.value()),
                                "expected default or description",
                            ));
                        }
                    }
                    let text = |value: Option<&KdlValue>| {
                        value.and_then(KdlValue::as_string).map(str::to_owned)
                    };
                    def.params.push(TemplateParam {
                        name: param.to_owned(),
                        description: text(prop("description")),
                        default: text(prop("default")),
                    });
                }
                other => {
                    return Err(header_error(
                        shift(node.name().span()),
                        format!("unknown node `{other}` in the header of template `{name}`"),
                        "expected description, param, depends-on, secret or cache-mount",
                    ));
                }
            }
        }
        Ok(def)
    }
}

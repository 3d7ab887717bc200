//! Stage 5c: Dockerfiles rendered from templates with minijinja: strict undefined, debug info
//! kept in release builds, and a formatter that refuses any value holding a line break or
//! ending with a backslash, so no plan value can start a Dockerfile instruction of its own or
//! join the next one onto its line.

use std::collections::BTreeSet;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

use crate::emit::context::TemplateContext;
use crate::plan::error::PlanError;
use crate::plan::model::Service;
use crate::plan::names::continues_line;
use crate::plan::template_set::TemplateSet;

/// The steps one Dockerfile render may take.
pub const RENDER_FUEL: u64 = 2_000_000;

pub struct DockerfileRenderer<'t> {
    env: Environment<'static>,
    templates: &'t TemplateSet,
}

/// `ENV`/`LABEL` value: a double-quoted Dockerfile word, read back literally.
fn dockerfile_quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

impl<'t> DockerfileRenderer<'t> {
    pub fn new(templates: &'t TemplateSet) -> Result<Self, PlanError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // A plan template can loop without end (`range` inside `range`…): each render gets a
        // budget of steps; the built-ins use a few thousand.
        env.set_fuel(Some(RENDER_FUEL));
        env.set_debug(true);
        env.set_syntax(
            SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .expect("the default delimiters are valid"),
        );
        env.set_formatter(|out, state, value| {
            let text = value.to_string();
            if text.contains('\n') || text.contains('\r') {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("a value with a line break cannot go into a Dockerfile line: {text:?}"),
                ));
            }
            if continues_line(&text) {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "a value ending with a backslash would join the next Dockerfile line onto its own: {text:?}"
                    ),
                ));
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.add_function("fail", |message: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, message))
        });
        env.add_filter("dockerfile_quote", |value: String| dockerfile_quote(&value));
        for def in templates.templates.values() {
            env.add_template_owned(def.name.clone(), def.source.to_string())
                .map_err(|error| template_error(templates, &def.name, &error))?;
        }
        Ok(Self { env, templates })
    }

    /// The Dockerfile of a templated service, marker line first.
    pub fn render(
        &self,
        service: &Service,
        template: &str,
        marker: &str,
    ) -> Result<String, PlanError> {
        let context = Value::from(minijinja::value::Serde(TemplateContext::new(service)));
        let rendered = self
            .env
            .get_template(template)
            .and_then(|compiled| compiled.render(context))
            .map_err(|error| {
                let span = match &service.build {
                    crate::plan::model::Build::Template { span, .. } => *span,
                    crate::plan::model::Build::Dockerfile { .. }
                    | crate::plan::model::Build::Library => service.span,
                };
                let inner = template_error(self.templates, template, &error);
                PlanError::new(
                    "bakeplan::template-render",
                    format!(
                        "template `{template}` failed for service `{}`: {}",
                        service.name, inner.message
                    ),
                )
                .label(span, "rendering this template")
                .maybe_help(inner.help)
            })?;
        shadowed_stage(service, template, &rendered)?;
        Ok(format!("# {marker}\n{}", rendered.trim_start_matches('\n')))
    }
}

/// The stage names a Dockerfile defines (`FROM … AS NAME`), lowercased.
fn stage_names(dockerfile: &str) -> BTreeSet<String> {
    dockerfile
        .lines()
        .filter_map(|line| {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                [from, .., as_word, name]
                    if from.eq_ignore_ascii_case("FROM") && as_word.eq_ignore_ascii_case("AS") =>
                {
                    Some(name.to_ascii_lowercase())
                }
                _ => None,
            }
        })
        .collect()
}

/// A named context of the service's target (a `depends-on` or `from` service, a `contexts`
/// entry, an `image-map` key) named like a stage of its rendered Dockerfile would replace that
/// stage in the build (the builder prefers the context): an error, pointing at the dependency.
fn shadowed_stage(service: &Service, template: &str, rendered: &str) -> Result<(), PlanError> {
    let stages = stage_names(rendered);
    let Some(name) = service
        .contexts
        .keys()
        .find(|name| stages.contains(&name.to_ascii_lowercase()))
    else {
        return Ok(());
    };
    let dependency = service.dependencies.iter().find(|d| &d.service == name);
    let span = match (dependency, &service.build) {
        (Some(dependency), _) => dependency.span,
        (None, crate::plan::model::Build::Template { span, .. }) => *span,
        (None, _) => service.span,
    };
    let (uses, instead, what) = if dependency.is_some() {
        (
            format!("uses service `{name}` as a named context"),
            format!("`{name}`'s image"),
            "service",
        )
    } else {
        (
            format!("has a named context `{name}`"),
            "the context".to_owned(),
            "named context",
        )
    };
    let listed: Vec<&str> = stages.iter().map(String::as_str).collect();
    Err(PlanError::new(
        "bakeplan::shadowed-stage",
        format!(
            "service `{}` {uses}, and template `{template}` has a stage named `{name}`: the build would use {instead} in place of that stage",
            service.name
        ),
    )
    .label(span, "named like a stage of the template")
    .maybe_help(Some(format!(
        "rename the {what} `{name}`: template `{template}` names its stages {}",
        listed.join(", ")
    ))))
}

/// A minijinja error as a diagnostic pointing into the template.
fn template_error(templates: &TemplateSet, name: &str, error: &Error) -> PlanError {
    let mut message = if error.kind() == ErrorKind::OutOfFuel {
        format!(
            "the template ran out of fuel: rendering took more than {RENDER_FUEL} steps (an endless or huge loop?)"
        )
    } else {
        error
            .detail()
            .map_or_else(|| error.kind().to_string(), str::to_owned)
    };
    if let Some(line) = error.line() {
        message = format!("{message} (template line {line})");
    }
    match (templates.templates.get(name), error.range()) {
        (Some(def), Some(range)) => PlanError::new("bakeplan::template", message)
            .label((range.start, range.end - range.start).into(), "here")
            .in_source(def.named_source()),
        _ => PlanError::io(message),
    }
}

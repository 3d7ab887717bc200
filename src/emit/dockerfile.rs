//! Stage 5c: Dockerfiles rendered from templates with minijinja: strict undefined, debug info
//! kept in release builds, and a formatter that refuses any value holding a line break, so no
//! plan value can start a Dockerfile instruction of its own.

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Value;
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};

use crate::emit::context::TemplateContext;
use crate::plan::error::PlanError;
use crate::plan::model::Service;
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
        Ok(format!("# {marker}\n{}", rendered.trim_start_matches('\n')))
    }
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

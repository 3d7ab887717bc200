//! `bakeplan templates [NAME]`: the built-in and plan templates, or one template in full.

use std::fmt::Write as _;

use crate::cli::TemplatesArgs;
use crate::commands::error::{Closing, CommandError};
use crate::commands::session::read_plan;
use crate::compiler::load_templates;
use crate::plan::source::PlanSource;
use crate::plan::suggestion::did_you_mean;
use crate::plan::template_set::{TemplateDef, TemplateOrigin, TemplateSet};

pub fn run(args: &TemplatesArgs) -> Result<(), CommandError> {
    // Without a plan file, the built-ins alone.
    let templates = if args.plan.exists() {
        let source = read_plan(&args.plan)?;
        load_templates(&source).map_err(|errors| CommandError::plan(errors, &source))?
    } else {
        let source = PlanSource::from_text(&args.plan, String::new());
        TemplateSet::load(&source, None)
            .map_err(|errors| CommandError::plan_closed(errors, Some(&source), Closing::Silent))?
    };
    match &args.name {
        None => crate::out!("{}", list(&templates)),
        Some(name) => {
            if let Some(def) = templates.templates.get(name) {
                crate::out!("{}", describe(def));
            } else {
                let hint = did_you_mean(name, templates.templates.keys().map(String::as_str))
                    .unwrap_or_else(|| {
                        format!(
                            "the templates are: {}",
                            templates
                                .templates
                                .keys()
                                .cloned()
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    });
                return Err(CommandError::Usage(format!(
                    "no template is named `{name}`; {hint}"
                )));
            }
        }
    }
    Ok(())
}

fn origin(def: &TemplateDef) -> String {
    match &def.origin {
        TemplateOrigin::BuiltIn => "built-in".to_owned(),
        TemplateOrigin::Plan(path) => path.clone(),
    }
}

fn list(templates: &TemplateSet) -> String {
    let width = templates
        .templates
        .keys()
        .map(String::len)
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for def in templates.templates.values() {
        let _ = writeln!(
            out,
            "{:<width$}  {:<10}  {}",
            def.name,
            origin(def),
            def.description
        );
    }
    let _ = writeln!(
        out,
        "\n`bakeplan templates NAME` shows a template's parameters."
    );
    out
}

fn describe(def: &TemplateDef) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} ({})\n\n{}\n",
        def.name,
        origin(def),
        def.description
    );
    let _ = writeln!(out, "parameters:");
    if def.params.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    let width = def
        .params
        .iter()
        .map(|param| param.name.len())
        .max()
        .unwrap_or(0);
    for param in &def.params {
        let default = match &param.default {
            None => "required".to_owned(),
            Some(value) if value.is_empty() => "default: (empty)".to_owned(),
            Some(value) => format!("default: {value:?}"),
        };
        let description = param.description.as_deref().unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<width$}  {default:<22}  {description} [{}]",
            param.name,
            param.kind.name()
        );
    }
    if !def.workspace_lockfiles.is_empty() {
        let _ = writeln!(
            out,
            "\nworkspace: with a top-level `workspace`, builds from the workspace folder; needs one of {} there (the first found is `workspace.lockfile`){}",
            def.workspace_lockfiles.join(", "),
            if def.workspace_files.is_empty() {
                String::new()
            } else {
                format!(
                    "; its builds also receive {}",
                    def.workspace_files.join(", ")
                )
            }
        );
    }
    // A plan template's header may leave these out: say what bakeplan itself does.
    for (label, note, otherwise) in [
        (
            "depends-on",
            &def.depends_on,
            "not described by the template; the services are built first and passed as named contexts",
        ),
        (
            "secret",
            &def.secret,
            "not described by the template; a secret is mounted where it renders `service.secret_flags`",
        ),
        (
            "cache-mount",
            &def.cache_mount,
            "not described by the template; a cache is mounted where it renders `service.cache_mount_flags`",
        ),
    ] {
        let _ = writeln!(out, "\n{label}: {}", note.as_deref().unwrap_or(otherwise));
    }
    out
}

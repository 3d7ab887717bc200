//! `bakeplan new NAME --template T [--context DIR] [--depends-on S]... [--from S]`: adds the
//! service to the plan, creates its context folder and writes every generated file, all checked
//! in memory first: on any error the plan is left untouched.

use crate::cli::NewArgs;
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::compiler::compile;
use crate::plan::editor::{NewService, add_service};
use crate::plan::names::is_valid_name;
use crate::plan::path::normalize;
use crate::plan::source::PlanSource;
use crate::plan::suggestion::did_you_mean;

pub fn run(args: &NewArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load(&args.plan, reporter)?;
    let plan = &session.compilation.plan;
    let names: Vec<&str> = plan
        .services
        .iter()
        .map(|service| service.name.as_str())
        .collect();
    if !is_valid_name(&args.name) {
        return Err(CommandError::Usage(format!(
            "`{}` is not a valid service name ([a-z0-9][a-z0-9_-]*)",
            args.name
        )));
    }
    if names.contains(&args.name.as_str())
        || plan.groups.iter().any(|group| group.name == args.name)
    {
        return Err(CommandError::Usage(format!(
            "the plan already has a service or group named `{}`",
            args.name
        )));
    }
    let templates = &session.compilation.templates.templates;
    if !templates.contains_key(&args.template) {
        let hint = did_you_mean(&args.template, templates.keys().map(String::as_str))
            .unwrap_or_else(|| {
                format!(
                    "the templates are: {}",
                    templates.keys().cloned().collect::<Vec<_>>().join(", ")
                )
            });
        return Err(CommandError::Usage(format!(
            "no template is named `{}`; {hint}",
            args.template
        )));
    }
    for dependency in args.depends_on.iter().chain(
        args.from
            .iter()
            .filter(|from| !from.contains([':', '/', '@'])),
    ) {
        if !names.contains(&dependency.as_str()) {
            let hint = did_you_mean(dependency, names.iter().copied()).unwrap_or_default();
            return Err(CommandError::Usage(
                format!("`{dependency}` is not a service of this plan {hint}")
                    .trim_end()
                    .to_owned(),
            ));
        }
    }
    let context = args
        .context
        .clone()
        .unwrap_or_else(|| format!("services/{}", args.name));
    let Some(context) = normalize(&context) else {
        return Err(CommandError::Usage(format!(
            "the context `{context}` leaves the plan's folder"
        )));
    };
    let edited = match add_service(
        &session.source.text,
        &NewService {
            name: &args.name,
            context: &context,
            template: &args.template,
            depends_on: &args.depends_on,
            from: args.from.as_deref(),
        },
    ) {
        Ok(edited) => edited,
        Err(message) => return Err(CommandError::Usage(message)),
    };
    // Compile the edited plan in memory: only a plan that compiles is written.
    let source = PlanSource::from_text(&session.source.path, edited);
    let compilation = compile(&source).map_err(|errors| CommandError::plan(errors, &source))?;
    // One transaction: the edited plan, the context folder and every generated file; a
    // hand-written file in the way leaves the plan untouched.
    match compilation
        .outputs
        .write(&source, Some(&source.text), &[&context])
    {
        Ok(statuses) => {
            crate::outln!("added service `{}` to {}", args.name, source.path);
            for (path, status) in statuses {
                if status == crate::emit::output_set::FileStatus::Written {
                    crate::outln!("wrote     {}", source.display_path(&path));
                }
            }
            Ok(())
        }
        Err(errors) => Err(CommandError::plan(errors, &source)),
    }
}

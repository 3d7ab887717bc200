//! `bakeplan new NAME (--template T [--param K=V]... | --dockerfile PATH) [--context DIR]
//! [--depends-on S]... [--from S] [--group G]...`: adds the service to the plan (and to the
//! groups named), creates its context folder and writes every generated file, all checked in
//! memory first: on any error the plan is left untouched.

use crate::cli::NewArgs;
use crate::commands::error::CommandError;
use crate::commands::reporter::Reporter;
use crate::commands::session::Session;
use crate::compiler::compile;
use crate::plan::editor::{NewBuild, NewService, add_service};
use crate::plan::names::is_valid_name;
use crate::plan::path::normalize;
use crate::plan::source::PlanSource;
use crate::plan::suggestion::did_you_mean;

pub fn run(args: &NewArgs, reporter: &Reporter) -> Result<(), CommandError> {
    let session = Session::load_draft(&args.plan, reporter)?;
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
    let build = match (&args.template, &args.dockerfile) {
        (Some(template), _) => NewBuild::Template {
            name: template,
            params: &[],
        },
        (None, Some(path)) => NewBuild::Dockerfile(path),
        (None, None) => {
            return Err(CommandError::Usage(
                "give --template T or --dockerfile PATH".to_owned(),
            ));
        }
    };
    let params = match &build {
        NewBuild::Template { name, .. } => {
            check_template(&session, name)?;
            parse_params(&session, name, &args.params)?
        }
        NewBuild::Dockerfile(_) => Vec::new(),
    };
    let dockerfile = match &build {
        NewBuild::Dockerfile(path) => Some(normalize(path).ok_or_else(|| {
            CommandError::Usage(format!("the Dockerfile `{path}` leaves the plan's folder"))
        })?),
        NewBuild::Template { .. } => None,
    };
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
    for group in &args.groups {
        if !plan.groups.iter().any(|known| &known.name == group) {
            let groups = plan.groups.iter().map(|known| known.name.as_str());
            let hint = did_you_mean(group, groups.clone()).unwrap_or_else(|| {
                let all: Vec<&str> = groups.collect();
                if all.is_empty() {
                    "the plan has no groups (add one with `group \"NAME\" \"MEMBER\"…`)".to_owned()
                } else {
                    format!("its groups are: {}", all.join(", "))
                }
            });
            return Err(CommandError::Usage(format!(
                "`{group}` is not a group of this plan; {hint}"
            )));
        }
    }
    // The context: as given; else the hand-written Dockerfile's folder; else services/NAME.
    let context = args.context.clone().unwrap_or_else(|| {
        dockerfile.as_deref().map_or_else(
            || format!("services/{}", args.name),
            |path| {
                camino::Utf8Path::new(path)
                    .parent()
                    .map(camino::Utf8Path::as_str)
                    .filter(|parent| !parent.is_empty())
                    .unwrap_or(".")
                    .to_owned()
            },
        )
    });
    let Some(context) = normalize(&context) else {
        return Err(CommandError::Usage(format!(
            "the context `{context}` leaves the plan's folder"
        )));
    };
    let build = match build {
        NewBuild::Template { name, .. } => NewBuild::Template {
            name,
            params: &params,
        },
        NewBuild::Dockerfile(_) => NewBuild::Dockerfile(dockerfile.as_deref().unwrap_or_default()),
    };
    let edited = match add_service(
        &session.source.text,
        &NewService {
            name: &args.name,
            context: &context,
            build,
            depends_on: &args.depends_on,
            from: args.from.as_deref(),
            groups: &args.groups,
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

fn check_template(session: &Session, template: &str) -> Result<(), CommandError> {
    let templates = &session.compilation.templates.templates;
    if templates.contains_key(template) {
        return Ok(());
    }
    let hint = did_you_mean(template, templates.keys().map(String::as_str)).unwrap_or_else(|| {
        format!(
            "the templates are: {}",
            templates.keys().cloned().collect::<Vec<_>>().join(", ")
        )
    });
    Err(CommandError::Usage(format!(
        "no template is named `{template}`; {hint}"
    )))
}

/// `--param KEY=VALUE`s, each a parameter of the template, once.
fn parse_params(
    session: &Session,
    template: &str,
    params: &[String],
) -> Result<Vec<(String, String)>, CommandError> {
    let def = &session.compilation.templates.templates[template];
    let mut parsed: Vec<(String, String)> = Vec::new();
    for param in params {
        let Some((key, value)) = param.split_once('=') else {
            return Err(CommandError::Usage(format!(
                "--param `{param}` is not KEY=VALUE"
            )));
        };
        if def.param(key).is_none() {
            let known = def.params.iter().map(|param| param.name.as_str());
            let hint = did_you_mean(key, known.clone()).unwrap_or_else(|| {
                let all: Vec<&str> = known.collect();
                if all.is_empty() {
                    "it takes none".to_owned()
                } else {
                    format!("its parameters are: {}", all.join(", "))
                }
            });
            return Err(CommandError::Usage(format!(
                "the template `{template}` has no parameter `{key}`; {hint}"
            )));
        }
        if parsed.iter().any(|(known, _)| known == key) {
            return Err(CommandError::Usage(format!(
                "--param `{key}` is given twice"
            )));
        }
        parsed.push((key.to_owned(), value.to_owned()));
    }
    Ok(parsed)
}

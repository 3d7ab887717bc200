//! The pipeline, one entry point: parse → lower → templates → resolve → graph → emit.
//! Each stage reports every error it finds; a stage with errors stops the pipeline, and
//! nothing is written by any of them.

use crate::emit::bake_model::BakeFile;
use crate::emit::dockerfile::DockerfileRenderer;
use crate::emit::dockerignore::{dockerignore, dockerignore_path};
use crate::emit::hcl::to_hcl;
use crate::emit::marker::marker;
use crate::emit::output_set::{OutputFile, OutputSet};
use crate::graph::dependency::DependencyGraph;
use crate::plan::error::{PlanError, PlanErrors};
use crate::plan::model::{BakeFormat, Build, Plan};
use crate::plan::parse::lower::lower;
use crate::plan::parse::parse_and_lower;
use crate::plan::parse::syntax::parse;
use crate::plan::resolve::resolve;
use crate::plan::source::PlanSource;
use crate::plan::template_set::TemplateSet;

pub struct Compilation {
    pub plan: Plan,
    pub graph: DependencyGraph,
    pub templates: TemplateSet,
    pub outputs: OutputSet,
    /// Things worth knowing that do not stop the compile.
    pub warnings: Vec<String>,
}

pub fn compile(source: &PlanSource) -> Result<Compilation, PlanErrors> {
    compile_plan(source, false)
}

/// A plan being edited (`bakeplan new` adds a service to it): it may have no service yet.
pub fn compile_draft(source: &PlanSource) -> Result<Compilation, PlanErrors> {
    compile_plan(source, true)
}

fn compile_plan(source: &PlanSource, draft: bool) -> Result<Compilation, PlanErrors> {
    let timings = StageTimings::from_env();
    let (raw, mut errors) = parse_and_lower(source)?;
    timings.lap("parse + lower");
    let templates =
        TemplateSet::load(source, raw.template_dir.as_ref()).map_err(|template_errors| {
            errors.extend(template_errors);
            std::mem::take(&mut errors)
        })?;
    let plan = match resolve(source, raw, &templates, draft) {
        Ok(plan) if errors.is_empty() => plan,
        Ok(_) => return Err(errors),
        Err(mut resolve_errors) => {
            // A plan whose lowering failed may have lost its services there (`servce "a"`):
            // "the plan has no service" would only repeat that error.
            if !errors.is_empty() {
                resolve_errors
                    .0
                    .retain(|error| error.code != "bakeplan::no-service");
            }
            errors.extend(resolve_errors);
            return Err(errors);
        }
    };
    timings.lap("templates + resolve");
    let graph = DependencyGraph::build(&plan)?;
    timings.lap("graph");
    let outputs = emit(source, &plan, &templates)?;
    timings.lap("emit");
    let mut warnings = warnings(source, &plan);
    // Every command that compiles (compile, bake, graph…) warns when bake itself will be slow;
    // the exact count (reach per service) only when the cheap total could reach the threshold.
    if graph.path_total() >= crate::graph::view::PATH_WARNING_THRESHOLD
        && let Some(warning) = crate::graph::view::GraphView::new(&plan, &graph).path_warning()
    {
        warnings.push(warning);
    }
    timings.lap("warnings");
    Ok(Compilation {
        plan,
        graph,
        templates,
        outputs,
        warnings,
    })
}

/// The plan's templates (built-ins and its `template-dir`), for commands that need no more.
pub fn load_templates(source: &PlanSource) -> Result<TemplateSet, PlanErrors> {
    let document = parse(source)?;
    let (raw, errors) = lower(&document);
    errors.into_result(())?;
    TemplateSet::load(source, raw.template_dir.as_ref())
}

/// `BAKEPLAN_TIMINGS=1` prints each stage's time to stderr (for benchmarks).
struct StageTimings {
    start: Option<std::time::Instant>,
}

impl StageTimings {
    fn from_env() -> Self {
        Self {
            start: std::env::var_os("BAKEPLAN_TIMINGS").map(|_| std::time::Instant::now()),
        }
    }

    fn lap(&self, stage: &str) {
        if let Some(start) = self.start {
            crate::errln!(
                "timing: {stage} done at {:.1} ms",
                start.elapsed().as_secs_f64() * 1000.0
            );
        }
    }
}

/// The bake file, one overlay per profile and every templated Dockerfile, in memory.
fn emit(
    source: &PlanSource,
    plan: &Plan,
    templates: &TemplateSet,
) -> Result<OutputSet, PlanErrors> {
    let marker = marker(&source.file_name);
    let renderer = DockerfileRenderer::new(templates).map_err(PlanErrors::from)?;
    // The bake files and the Dockerfiles are independent: render them side by side.
    let (bake_files, dockerfiles) = std::thread::scope(|scope| {
        let bake_files = scope.spawn(|| bake_files(plan, &marker));
        let dockerfiles = render_dockerfiles(plan, &renderer, &marker);
        (
            bake_files.join().expect("the bake thread does not panic"),
            dockerfiles,
        )
    });
    let mut outputs = OutputSet::default();
    let mut errors = PlanErrors::default();
    for file in bake_files {
        if let Err(error) = outputs.add(file) {
            errors.push(error);
        }
    }
    // Each Dockerfile, then its ignore file (not reported again when the Dockerfile clashes).
    for files in dockerfiles {
        if let Err(error) = files.and_then(|(dockerfile, ignore)| {
            outputs.add(dockerfile)?;
            outputs.add(ignore)
        }) {
            errors.push(error);
        }
    }
    for service in &plan.services {
        if let Build::Dockerfile { path } = &service.build
            && outputs.files.contains_key(path)
        {
            errors.push(
                PlanError::new(
                    "bakeplan::output-conflict",
                    format!("service `{}` uses {path} as its hand-written Dockerfile, but the plan also generates it", service.name),
                )
                .label(service.span, "this service"),
            );
        }
    }
    outputs.find_stale_overlays(source, &plan.bake_path);
    outputs.inputs.push(source.file_name.clone());
    outputs.inputs.extend(
        templates
            .templates
            .values()
            .filter_map(|def| match &def.origin {
                crate::plan::template_set::TemplateOrigin::Plan(path) => Some(path.clone()),
                crate::plan::template_set::TemplateOrigin::BuiltIn => None,
            }),
    );
    outputs.inputs.extend(
        plan.services
            .iter()
            .filter_map(|service| match &service.build {
                Build::Dockerfile { path } => Some(path.clone()),
                Build::Template { .. } | Build::Library => None,
            }),
    );
    errors.into_result(outputs)
}

/// The main bake file and one overlay per profile.
fn bake_files(plan: &Plan, marker: &str) -> Vec<OutputFile> {
    let write = |model: &BakeFile| match plan.bake_format {
        BakeFormat::Hcl => to_hcl(model, marker),
        BakeFormat::Json => model.to_json(marker),
    };
    let mut files = vec![OutputFile {
        path: plan.bake_path.clone(),
        contents: write(&BakeFile::from_plan(plan)),
        span: plan.bake_span,
    }];
    for profile in &plan.profiles {
        files.push(OutputFile {
            path: overlay_path(&plan.bake_path, &profile.name),
            contents: write(&BakeFile::overlay(plan, profile)),
            span: plan.bake_span,
        });
    }
    files
}

/// A generated Dockerfile and the ignore file beside it.
type Rendered = Result<(OutputFile, OutputFile), PlanError>;

/// Every templated service's Dockerfile and its `.dockerignore`, rendered on two threads for a
/// large plan.
fn render_dockerfiles(
    plan: &Plan,
    renderer: &DockerfileRenderer<'_>,
    marker: &str,
) -> Vec<Rendered> {
    let render = |services: &[crate::plan::model::Service]| -> Vec<Rendered> {
        services
            .iter()
            .filter_map(|service| match &service.build {
                Build::Template {
                    name, output, span, ..
                } => Some(renderer.render(service, name, marker).map(|contents| {
                    (
                        OutputFile {
                            path: output.clone(),
                            contents,
                            span: *span,
                        },
                        OutputFile {
                            path: dockerignore_path(output),
                            contents: dockerignore(service, marker),
                            span: *span,
                        },
                    )
                })),
                Build::Dockerfile { .. } | Build::Library => None,
            })
            .collect()
    };
    if plan.services.len() < 64 {
        return render(&plan.services);
    }
    let (first, second) = plan.services.split_at(plan.services.len() / 2);
    std::thread::scope(|scope| {
        let first = scope.spawn(|| render(first));
        let mut second = render(second);
        let mut files = first.join().expect("the render thread does not panic");
        files.append(&mut second);
        files
    })
}

/// `docker-bake.hcl` + `ci` → `docker-bake.ci.hcl`.
pub fn overlay_path(bake_path: &str, profile: &str) -> String {
    match bake_path.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}.{profile}.{extension}"),
        None => format!("{bake_path}.{profile}"),
    }
}

fn warnings(source: &PlanSource, plan: &Plan) -> Vec<String> {
    let mut warnings = Vec::new();
    for service in &plan.services {
        if !source.dir.join(&service.context).is_dir() {
            warnings.push(format!(
                "service `{}`: its context folder {} does not exist yet",
                service.name,
                source.display_path(&service.context)
            ));
        }
        if let Build::Dockerfile { path } = &service.build
            && !source.dir.join(path).is_file()
        {
            warnings.push(format!(
                "service `{}`: its Dockerfile {} does not exist",
                service.name,
                source.display_path(path)
            ));
        }
    }
    warnings
}

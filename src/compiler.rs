//! The pipeline, one entry point: parse → lower → templates → resolve → graph → emit.
//! Each stage reports every error it finds; a stage with errors stops the pipeline, and
//! nothing is written by any of them.

use crate::bake_model::BakeFile;
use crate::dependency_graph::DependencyGraph;
use crate::dockerfile_renderer::DockerfileRenderer;
use crate::hcl_writer::to_hcl;
use crate::lowerer::lower;
use crate::marker::marker;
use crate::output_set::{OutputFile, OutputSet};
use crate::parser::parse;
use crate::plan::{BakeFormat, Build, Plan};
use crate::plan_error::{PlanError, PlanErrors};
use crate::plan_source::PlanSource;
use crate::resolver::resolve;
use crate::template_set::TemplateSet;

#[allow(
    dead_code,
    reason = "graph and templates serve the graph and templates commands"
)]
pub struct Compilation {
    pub plan: Plan,
    pub graph: DependencyGraph,
    pub templates: TemplateSet,
    pub outputs: OutputSet,
    /// Things worth knowing that do not stop the compile.
    pub warnings: Vec<String>,
}

pub fn compile(source: &PlanSource) -> Result<Compilation, PlanErrors> {
    let document = parse(source)?;
    let (raw, mut errors) = lower(source, &document);
    let templates =
        TemplateSet::load(source, raw.template_dir.as_ref()).map_err(|template_errors| {
            errors.extend(template_errors);
            std::mem::take(&mut errors)
        })?;
    let plan = match resolve(source, &raw, &templates) {
        Ok(plan) if errors.is_empty() => plan,
        Ok(_) => return Err(errors),
        Err(resolve_errors) => {
            errors.extend(resolve_errors);
            return Err(errors);
        }
    };
    let graph = DependencyGraph::build(source, &plan)?;
    let outputs = emit(source, &plan, &templates)?;
    let warnings = warnings(source, &plan);
    Ok(Compilation {
        plan,
        graph,
        templates,
        outputs,
        warnings,
    })
}

/// The bake file, one overlay per profile and every templated Dockerfile, in memory.
fn emit(
    source: &PlanSource,
    plan: &Plan,
    templates: &TemplateSet,
) -> Result<OutputSet, PlanErrors> {
    let marker = marker(&source.file_name);
    let mut outputs = OutputSet::default();
    let mut errors = PlanErrors::default();
    let write_bake = |model: &BakeFile| match plan.bake_format {
        BakeFormat::Hcl => to_hcl(model, &marker),
        BakeFormat::Json => model.to_json(&marker),
    };
    let bake = BakeFile::from_plan(plan);
    let add = |outputs: &mut OutputSet, errors: &mut PlanErrors, file: OutputFile| {
        if let Err(error) = outputs.add(source, file) {
            errors.push(error);
        }
    };
    add(
        &mut outputs,
        &mut errors,
        OutputFile {
            path: plan.bake_path.clone(),
            contents: write_bake(&bake),
            span: plan.bake_span,
        },
    );
    for profile in &plan.profiles {
        let overlay = BakeFile::overlay(plan, profile);
        add(
            &mut outputs,
            &mut errors,
            OutputFile {
                path: overlay_path(&plan.bake_path, &profile.name),
                contents: write_bake(&overlay),
                span: plan.bake_span,
            },
        );
    }
    let renderer = DockerfileRenderer::new(templates).map_err(PlanErrors::from)?;
    for service in &plan.services {
        match &service.build {
            Build::Template {
                name, output, span, ..
            } => match renderer.render(source, service, name, &marker) {
                Ok(contents) => add(
                    &mut outputs,
                    &mut errors,
                    OutputFile {
                        path: output.clone(),
                        contents,
                        span: *span,
                    },
                ),
                Err(error) => errors.push(error),
            },
            Build::Dockerfile { path } => {
                if outputs.files.contains_key(path) {
                    errors.push(PlanError::at(
                        source,
                        "bakeplan::output-conflict",
                        service.span,
                        format!("service `{}` uses {path} as its hand-written Dockerfile, but the plan also generates it", service.name),
                        "this service",
                    ));
                }
            }
        }
    }
    errors.into_result(outputs)
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

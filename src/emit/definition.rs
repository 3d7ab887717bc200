//! What a service's build is made of, as one comparable value: its bake target (and what each
//! profile overlay sets on it), its build (template and parameters, hand-written Dockerfile or
//! library), everything its template sees, the files generated for it, and the plan variables
//! its target interpolates. `affected` compares these between two versions of a plan, so a plan
//! edit affects only the services whose definition it changed.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::emit::bake_model::BakeFile;
use crate::emit::context::TemplateContext;
use crate::emit::dockerignore::dockerignore_path;
use crate::emit::output_set::OutputSet;
use crate::plan::model::{Build, Plan};

/// Each service's definition (libraries included), by name.
pub fn definitions(plan: &Plan, outputs: &OutputSet) -> BTreeMap<String, String> {
    let bake = BakeFile::from_plan(plan);
    let overlays: Vec<(String, BakeFile)> = plan
        .profiles
        .iter()
        .map(|profile| (profile.name.clone(), BakeFile::overlay(plan, profile)))
        .collect();
    let file = |path: &str| outputs.files.get(path).map(|file| file.contents.clone());
    plan.services
        .iter()
        .map(|service| {
            let target = bake.target.get(&service.name).map(|target| json!(target));
            let overlay: BTreeMap<&str, Value> = overlays
                .iter()
                .filter_map(|(name, overlay)| {
                    overlay
                        .target
                        .get(&service.name)
                        .map(|target| (name.as_str(), json!(target)))
                })
                .collect();
            let build = match &service.build {
                Build::Template {
                    name,
                    params,
                    output,
                    ..
                } => json!({
                    "template": name,
                    "params": params,
                    "dockerfile": file(output),
                    "dockerignore": file(&dockerignore_path(output)),
                }),
                Build::Dockerfile { path } => json!({ "dockerfile": path }),
                Build::Library => json!("library"),
            };
            // The variables its target and overlays interpolate: a new default changes the build.
            let text = format!("{}{}", json!(target), json!(overlay));
            let variables: BTreeMap<&str, Value> = plan
                .variables
                .iter()
                .filter(|variable| text.contains(&format!("${{{}}}", variable.name)))
                .map(|variable| {
                    (
                        variable.name.as_str(),
                        json!([variable.default, variable.description]),
                    )
                })
                .collect();
            let definition = json!({
                "target": target,
                "overlays": overlay,
                "build": build,
                "context": TemplateContext::new(service),
                "variables": variables,
            });
            (service.name.clone(), definition.to_string())
        })
        .collect()
}

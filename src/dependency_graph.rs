//! Stage 4: the service dependency graph in petgraph. Edges run from a dependency to the
//! service that needs it (`depends-on` and `from <service>`). Cycles are found as strongly
//! connected components, so a cycle error names every service on it, in order.

use std::collections::BTreeMap;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::plan::{EdgeKind, Plan};
use crate::plan_error::{PlanError, PlanErrors};
use crate::plan_source::PlanSource;

#[allow(dead_code, reason = "read by the graph and affected commands")]
pub struct DependencyGraph {
    pub graph: DiGraph<String, EdgeKind>,
    pub index: BTreeMap<String, NodeIndex>,
}

impl DependencyGraph {
    /// Builds the graph; any cycle is an error pointing at every edge on it.
    pub fn build(source: &PlanSource, plan: &Plan) -> Result<Self, PlanErrors> {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        for service in &plan.services {
            index.insert(service.name.clone(), graph.add_node(service.name.clone()));
        }
        for service in &plan.services {
            for dependency in &service.dependencies {
                if let Some(&from) = index.get(&dependency.service) {
                    graph.add_edge(from, index[&service.name], dependency.kind);
                }
            }
        }
        let this = Self { graph, index };
        let mut errors = PlanErrors::default();
        let mut components: Vec<Vec<NodeIndex>> = tarjan_scc(&this.graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .collect();
        // Report cycles in plan order.
        for component in &mut components {
            component.sort();
        }
        components.sort();
        for component in components {
            errors.push(this.cycle_error(source, plan, &component));
        }
        errors.into_result(this)
    }

    /// A cycle through the component, starting at its first service in plan order, following
    /// "depends on" from each service to the next.
    fn cycle_error(&self, source: &PlanSource, plan: &Plan, component: &[NodeIndex]) -> PlanError {
        let start = component[0];
        let mut path = vec![start];
        let mut current = start;
        // Walk dependencies inside the component until we are back at the start.
        loop {
            let next = self
                .graph
                .edges_directed(current, petgraph::Direction::Incoming)
                .map(|edge| edge.source())
                .filter(|node| component.contains(node))
                .min_by_key(|node| {
                    (
                        usize::from(*node != start),
                        distance_back(self, *node, start, component),
                    )
                })
                .expect("a strongly connected component has a way back");
            if next == start {
                break;
            }
            path.push(next);
            current = next;
            if path.len() > component.len() {
                break;
            }
        }
        let names: Vec<&str> = path.iter().map(|node| self.graph[*node].as_str()).collect();
        let mut chain = names.join(" → ");
        chain.push_str(" → ");
        chain.push_str(names[0]);
        let mut error: Option<PlanError> = None;
        for (i, name) in names.iter().enumerate() {
            let next = names[(i + 1) % names.len()];
            let service = plan.service(name).expect("graph nodes are services");
            let dependency = service
                .dependencies
                .iter()
                .find(|dependency| dependency.service == next)
                .expect("cycle edges come from dependencies");
            let verb = match dependency.kind {
                EdgeKind::DependsOn => "depends on",
                EdgeKind::From => "is built from",
            };
            let label = format!("`{name}` {verb} `{next}`");
            error = Some(match error {
                None => PlanError::at(
                    source,
                    "bakeplan::cycle",
                    dependency.span,
                    format!("dependency cycle: {chain}"),
                    label,
                ),
                Some(error) => error.with_label(dependency.span, label),
            });
        }
        error
            .expect("a cycle has edges")
            .with_help("bake cannot order these services: remove one of these edges".to_owned())
    }

    #[allow(dead_code, reason = "read by the graph and affected commands")]
    /// Build waves: wave 0 has no dependencies; each later wave depends only on earlier ones.
    pub fn waves(&self, plan: &Plan) -> Vec<Vec<String>> {
        let mut wave_of: BTreeMap<&str, usize> = BTreeMap::new();
        let order = petgraph::algo::toposort(&self.graph, None).unwrap_or_default();
        for node in order {
            let wave = self
                .graph
                .edges_directed(node, petgraph::Direction::Incoming)
                .map(|edge| wave_of[self.graph[edge.source()].as_str()] + 1)
                .max()
                .unwrap_or(0);
            wave_of.insert(self.graph[node].as_str(), wave);
        }
        let mut waves: Vec<Vec<String>> = Vec::new();
        for service in &plan.services {
            let wave = wave_of[service.name.as_str()];
            if waves.len() <= wave {
                waves.resize(wave + 1, Vec::new());
            }
            waves[wave].push(service.name.clone());
        }
        waves
    }
}

/// How many dependency steps from `node` lead back to `start` (for choosing the shortest cycle).
fn distance_back(
    graph: &DependencyGraph,
    node: NodeIndex,
    start: NodeIndex,
    component: &[NodeIndex],
) -> usize {
    let mut frontier = vec![node];
    let mut seen = vec![node];
    for steps in 0..component.len() {
        let mut next = Vec::new();
        for current in frontier {
            if current == start {
                return steps;
            }
            for edge in graph
                .graph
                .edges_directed(current, petgraph::Direction::Incoming)
            {
                let source = edge.source();
                if component.contains(&source) && !seen.contains(&source) {
                    seen.push(source);
                    next.push(source);
                }
            }
        }
        frontier = next;
    }
    usize::MAX
}

//! Stage 4: the service dependency graph in petgraph. Edges run from a dependency to the
//! service that needs it (`depends-on` and `from <service>`). Cycles are found as strongly
//! connected components, so a cycle error names every service on it, in order.

use std::collections::BTreeMap;

use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::plan::error::{PlanError, PlanErrors};
use crate::plan::model::{EdgeKind, Plan};

pub struct DependencyGraph {
    pub graph: DiGraph<String, EdgeKind>,
    pub index: BTreeMap<String, NodeIndex>,
    /// By node index: whether the node is a library (in the graph for cycles and `affected`,
    /// but never built: not in waves, the critical path or bake's dependency paths).
    pub library: Vec<bool>,
}

impl DependencyGraph {
    /// Builds the graph; any cycle is an error pointing at every edge on it.
    pub fn build(plan: &Plan) -> Result<Self, PlanErrors> {
        let mut graph = DiGraph::new();
        let mut index = BTreeMap::new();
        let mut library = Vec::new();
        for service in &plan.services {
            index.insert(service.name.clone(), graph.add_node(service.name.clone()));
            library.push(service.library);
        }
        for service in &plan.services {
            for dependency in &service.dependencies {
                if let Some(&from) = index.get(&dependency.service) {
                    graph.add_edge(from, index[&service.name], dependency.kind);
                }
            }
        }
        let this = Self {
            graph,
            index,
            library,
        };
        let mut errors = PlanErrors::default();
        let mut components: Vec<Vec<NodeIndex>> = kosaraju_scc(&this.graph)
            .into_iter()
            .filter(|component| component.len() > 1)
            .collect();
        // Report cycles in plan order.
        for component in &mut components {
            component.sort();
        }
        components.sort();
        for component in components {
            errors.push(this.cycle_error(plan, &component));
        }
        errors.into_result(this)
    }

    /// A cycle through the component, starting at its first service in plan order, following
    /// "depends on" from each service to the next.
    fn cycle_error(&self, plan: &Plan, component: &[NodeIndex]) -> PlanError {
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
        let mut error = PlanError::new("bakeplan::cycle", format!("dependency cycle: {chain}"));
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
            error = error.label(dependency.span, label);
        }
        error.help("bake cannot order these services: remove one of these edges")
    }

    /// Node indices with every dependency before its dependents.
    fn order(&self) -> Vec<NodeIndex> {
        petgraph::algo::toposort(&self.graph, None)
            .expect("cycles were refused when the graph was built")
    }

    /// The edges into `node` from services that are built (not libraries).
    fn built_edges(
        &self,
        node: NodeIndex,
    ) -> impl Iterator<Item = petgraph::graph::EdgeReference<'_, EdgeKind>> {
        self.graph
            .edges_directed(node, petgraph::Direction::Incoming)
            .filter(|edge| !self.library[edge.source().index()])
    }

    /// Build waves: wave 0 has no dependencies; each later wave depends only on earlier ones.
    /// Within a wave, services keep plan order. Libraries are not built: in no wave.
    pub fn waves(&self) -> Vec<Vec<String>> {
        let mut wave = vec![0usize; self.graph.node_count()];
        for node in self.order() {
            for edge in self.built_edges(node) {
                wave[node.index()] = wave[node.index()].max(wave[edge.source().index()] + 1);
            }
        }
        let mut waves: Vec<Vec<String>> = Vec::new();
        for node in self
            .graph
            .node_indices()
            .filter(|node| !self.library[node.index()])
        {
            let w = wave[node.index()];
            if waves.len() <= w {
                waves.resize(w + 1, Vec::new());
            }
            waves[w].push(self.graph[node].clone());
        }
        waves
    }

    /// The longest dependency chain (by services), dependencies first; on a tie, the chain
    /// ending at the service earliest in the plan. Libraries are not on it.
    pub fn critical_path(&self) -> Vec<String> {
        let count = self.graph.node_count();
        let mut depth = vec![1usize; count];
        let mut via: Vec<Option<NodeIndex>> = vec![None; count];
        for node in self.order() {
            for edge in self.built_edges(node) {
                let source = edge.source();
                let candidate = depth[source.index()] + 1;
                if candidate > depth[node.index()]
                    || (candidate == depth[node.index()]
                        && via[node.index()].is_some_and(|v| source < v))
                {
                    depth[node.index()] = candidate;
                    via[node.index()] = Some(source);
                }
            }
        }
        let Some(end) = self
            .graph
            .node_indices()
            .filter(|node| !self.library[node.index()])
            .max_by_key(|node| (depth[node.index()], std::cmp::Reverse(*node)))
        else {
            return Vec::new();
        };
        let mut path = Vec::new();
        let mut current = Some(end);
        while let Some(node) = current {
            path.push(self.graph[node].clone());
            current = via[node.index()];
        }
        path.reverse();
        path
    }

    /// The distinct dependency paths of all services together (`path_counts`'s first column
    /// summed), cheaply: an upper bound of the repeated paths, to skip `path_counts` on small
    /// graphs.
    pub fn path_total(&self) -> u128 {
        let mut paths = vec![1u128; self.graph.node_count()];
        for node in self.order() {
            let i = node.index();
            let sources: Vec<usize> = self
                .built_edges(node)
                .map(|edge| edge.source().index())
                .collect();
            for source in sources {
                paths[i] = paths[i].saturating_add(paths[source]);
            }
        }
        paths.into_iter().fold(0u128, u128::saturating_add)
    }

    /// For each service (in plan order): the distinct dependency paths starting at it (itself
    /// included), and how many services it reaches (itself included). Paths beyond reach are
    /// the diamonds bake walks again and again. Bake never sees a library: its edges are left
    /// out.
    pub fn path_counts(&self) -> Vec<(u128, usize)> {
        let count = self.graph.node_count();
        let words = count.div_ceil(64);
        let mut paths = vec![1u128; count];
        let mut reach = vec![vec![0u64; words]; count];
        for node in self.order() {
            let i = node.index();
            reach[i][i / 64] |= 1 << (i % 64);
            let sources: Vec<usize> = self
                .built_edges(node)
                .map(|edge| edge.source().index())
                .collect();
            for source in sources {
                paths[i] = paths[i].saturating_add(paths[source]);
                let (low, high) = reach.split_at_mut(i.max(source));
                let (into, from) = if i > source {
                    (&mut high[0], &low[source])
                } else {
                    (&mut low[i], &high[0])
                };
                for (word, bits) in into.iter_mut().zip(from) {
                    *word |= bits;
                }
            }
        }
        paths
            .into_iter()
            .zip(
                reach
                    .iter()
                    .map(|bits| bits.iter().map(|word| word.count_ones() as usize).sum()),
            )
            .collect()
    }

    /// `services` and every service that depends on them, directly or not.
    pub fn with_dependents(
        &self,
        services: &std::collections::BTreeSet<String>,
    ) -> std::collections::BTreeSet<String> {
        let mut found = std::collections::BTreeSet::new();
        let mut stack: Vec<NodeIndex> = services
            .iter()
            .filter_map(|name| self.index.get(name).copied())
            .collect();
        while let Some(node) = stack.pop() {
            if found.insert(self.graph[node].clone()) {
                stack.extend(
                    self.graph
                        .neighbors_directed(node, petgraph::Direction::Outgoing),
                );
            }
        }
        found
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fmt::Write as _;

    use super::DependencyGraph;
    use crate::plan::resolve::tests::resolved;

    /// A plan of services `name: dependencies` (`<` marks a `from` base), all on one template.
    fn graph(services: &[(&str, &str)]) -> Result<DependencyGraph, Vec<String>> {
        let mut text = String::new();
        for (name, needs) in services {
            let _ = writeln!(
                text,
                "service \"{name}\" {{\n    context \"{name}\"\n    template \"static\""
            );
            for need in needs.split_whitespace() {
                match need.strip_prefix('<') {
                    Some(base) => writeln!(text, "    from \"{base}\""),
                    None => writeln!(text, "    depends-on \"{need}\""),
                }
                .expect("writing to a String");
            }
            text.push_str("}\n");
        }
        let plan = resolved(&text).expect("resolves");
        DependencyGraph::build(&plan).map_err(|errors| {
            errors
                .0
                .iter()
                .map(|error| format!("{} {}", error.code, error.message))
                .collect()
        })
    }

    #[test]
    fn a_cycle_is_one_error_naming_every_service_on_it_in_order() {
        let errors = graph(&[
            ("ok", ""),
            ("a", "c"),
            ("b", "a"),
            ("c", "b"),
            ("x", "y"),
            ("y", "x"),
        ])
        .err()
        .expect("cycles");
        assert_eq!(
            errors,
            [
                "bakeplan::cycle dependency cycle: a → c → b → a",
                "bakeplan::cycle dependency cycle: x → y → x",
            ]
        );
    }

    #[test]
    fn a_cycle_error_labels_every_edge() {
        let plan = resolved(
            "service \"a\" { context \"a\"; template \"static\"; depends-on \"b\"; }\nservice \"b\" { context \"b\"; template \"static\"; from \"a\"; }\n",
        )
        .expect("resolves");
        let errors = DependencyGraph::build(&plan).err().expect("a cycle");
        let labels: Vec<String> = errors.0[0]
            .labels
            .iter()
            .filter_map(|label| label.label().map(str::to_owned))
            .collect();
        assert_eq!(labels, ["`a` depends on `b`", "`b` is built from `a`"]);
        assert!(errors.0[0].help.is_some());
    }

    #[test]
    fn waves_put_each_service_after_everything_it_needs() {
        let graph = graph(&[
            ("base", ""),
            ("lib", "base"),
            ("api", "lib base"),
            ("tool", ""),
            ("web", "<base"),
        ])
        .expect("acyclic");
        assert_eq!(
            graph.waves(),
            [vec!["base", "tool"], vec!["lib", "web"], vec!["api"]]
        );
    }

    #[test]
    fn the_critical_path_is_the_longest_chain_earliest_in_the_plan_on_a_tie() {
        let chains = graph(&[
            ("a", ""),
            ("b", "a"),
            ("c", "b"),
            ("x", ""),
            ("y", "x"),
            ("z", "y"),
        ])
        .expect("acyclic");
        assert_eq!(chains.critical_path(), ["a", "b", "c"]);
        let single = graph(&[("solo", "")]).expect("acyclic");
        assert_eq!(single.critical_path(), ["solo"]);
    }

    #[test]
    fn dependents_and_path_counts_follow_the_edges() {
        // A diamond: top reaches bottom by two paths.
        let graph = graph(&[
            ("bottom", ""),
            ("left", "bottom"),
            ("right", "bottom"),
            ("top", "left right"),
        ])
        .expect("acyclic");
        let changed = BTreeSet::from(["left".to_owned()]);
        assert_eq!(
            graph.with_dependents(&changed),
            BTreeSet::from(["left".to_owned(), "top".to_owned()])
        );
        let bottom = BTreeSet::from(["bottom".to_owned()]);
        assert_eq!(graph.with_dependents(&bottom).len(), 4);
        // (distinct paths from the service, services it reaches), in plan order.
        assert_eq!(graph.path_counts(), [(1, 1), (2, 2), (2, 2), (5, 4)]);
    }

    mod libraries {
        use petgraph::graph::DiGraph;

        use super::super::DependencyGraph;
        use crate::plan::model::EdgeKind;

        /// core ← greet (libraries) ← api ← worker, and web alone.
        fn graph() -> DependencyGraph {
            let mut graph = DiGraph::new();
            let names = ["core", "greet", "api", "worker", "web"];
            let nodes: Vec<_> = names
                .iter()
                .map(|name| graph.add_node((*name).to_owned()))
                .collect();
            for (from, to) in [(0, 1), (1, 2), (2, 3), (0, 3)] {
                graph.add_edge(nodes[from], nodes[to], EdgeKind::DependsOn);
            }
            DependencyGraph {
                graph,
                index: names
                    .iter()
                    .zip(&nodes)
                    .map(|(name, node)| ((*name).to_owned(), *node))
                    .collect(),
                library: vec![true, true, false, false, false],
            }
        }

        #[test]
        fn libraries_build_in_no_wave_but_reach_their_dependents() {
            let graph = graph();
            assert_eq!(graph.waves(), [vec!["api", "web"], vec!["worker"]]);
            assert_eq!(graph.critical_path(), ["api", "worker"]);
            let changed = std::iter::once("core".to_owned()).collect();
            let all: Vec<String> = graph.with_dependents(&changed).into_iter().collect();
            assert_eq!(all, ["api", "core", "greet", "worker"]);
            let counts = graph.path_counts();
            assert_eq!(counts[3], (2, 2), "worker reaches api, not the libraries");
        }
    }

    /// A chain of thousands of services needs no deep stack: petgraph's `tarjan_scc` recursed
    /// once per service (30,000 chained services overflowed bakeplan's main stack).
    #[test]
    fn a_long_chain_is_checked_for_cycles_on_a_small_stack() {
        let mut text = String::from("service \"s0\" { dockerfile \"D\"; }\n");
        for i in 1..3_000 {
            let _ = writeln!(
                text,
                "service \"s{i}\" {{ dockerfile \"D\"; depends-on \"s{}\"; }}",
                i - 1
            );
        }
        let plan = resolved(&text).expect("the chain resolves");
        let built = std::thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn(move || DependencyGraph::build(&plan).is_ok())
            .expect("a thread")
            .join()
            .expect("no panic");
        assert!(built);
    }
}

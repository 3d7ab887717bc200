//! Top-level declarations: variables and cache mounts.

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::Resolver;
use crate::plan::bake_string::BakeString;
use crate::plan::error::PlanError;
use crate::plan::model::{CacheMount, Variable};
use crate::plan::names::is_mount_id;
use crate::plan::raw::{RawPlan, RawVariable};
use crate::plan::suggestion::did_you_mean;

/// Names bake gives a meaning of its own: HCL's literals, the block kinds a variable would
/// shadow in expressions, and the variables bake sets.
fn is_reserved_variable(name: &str) -> bool {
    matches!(
        name,
        "true" | "false" | "null" | "target" | "group" | "variable" | "function"
    ) || name.starts_with("BAKE_")
}

impl Resolver<'_> {
    pub(super) fn variables(&mut self, raw: &RawPlan) -> Vec<Variable> {
        let mut seen = BTreeMap::new();
        for variable in &raw.variables {
            if let Some(first) = seen.insert(variable.name.value.clone(), variable.name.span) {
                self.duplicate(
                    "variable",
                    "declared",
                    &variable.name.value,
                    variable.name.span,
                    first,
                );
            }
        }
        self.variables = seen.into_keys().collect();
        let mut declared = BTreeSet::new();
        let first: Vec<&RawVariable> = raw
            .variables
            .iter()
            .filter(|variable| declared.insert(variable.name.value.clone()))
            .collect();
        self.variable_cycles(&first);
        first
            .into_iter()
            .map(|variable| {
                let default = variable.default.as_ref().map(|text| self.bake(text));
                if is_reserved_variable(&variable.name.value) {
                    self.error(
                        "bakeplan::reserved-name",
                        variable.name.span,
                        format!("`{}` cannot be a bake variable's name", variable.name.value),
                        "means something else to bake",
                    )
                    .help = Some("bake reads `true`, `false` and `null` as values, `target` and `group` as block references, and sets `BAKE_*` itself: pick another name".to_owned());
                }
                let description = variable.description.as_ref().map(|text| {
                    let description = self.bake(text);
                    if description.has_variables() {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("the description of variable `{}` uses a variable", variable.name.value),
                            "bake shows a variable's description as written",
                        )
                        .help = Some("write `$${` for a literal `${`".to_owned());
                    }
                    description
                });
                Variable {
                    name: variable.name.value.clone(),
                    default,
                    description,
                }
            })
            .collect()
    }

    /// Defaults that refer to each other in a cycle (`A` → `B` → `A`, or `A` → `A`): bake
    /// refuses them ("variable cycle not allowed"), so compile does too. One error per cycle,
    /// naming it in order from its first variable in plan order and pointing first at the
    /// `${NAME}` that closes it. Strongly connected components by petgraph's Kosaraju
    /// (iterative), then a breadth-first walk inside each: no recursion, no walk per variable.
    fn variable_cycles(&mut self, variables: &[&RawVariable]) {
        let index: BTreeMap<&str, usize> = variables
            .iter()
            .enumerate()
            .map(|(i, variable)| (variable.name.value.as_str(), i))
            .collect();
        let mut graph: DiGraph<usize, SourceSpan> = DiGraph::new();
        for i in 0..variables.len() {
            graph.add_node(i);
        }
        for (from, variable) in variables.iter().enumerate() {
            let Some(default) = &variable.default else {
                continue;
            };
            let mut targets = BTreeSet::new();
            for (name, span) in BakeString::references(default, &self.variables, &self.source.text)
            {
                if let Some(&to) = index.get(name)
                    && targets.insert(to)
                {
                    graph.add_edge(NodeIndex::new(from), NodeIndex::new(to), span);
                }
            }
        }
        let mut cycles: Vec<Vec<NodeIndex>> = kosaraju_scc(&graph)
            .into_iter()
            .filter(|component| {
                component.len() > 1 || graph.contains_edge(component[0], component[0])
            })
            .collect();
        for component in &mut cycles {
            component.sort_unstable();
        }
        cycles.sort_unstable();
        for component in cycles {
            let path = shortest_cycle(&graph, &component);
            let name = |node: NodeIndex| variables[graph[node]].name.value.as_str();
            let mut chain: Vec<&str> = path.iter().map(|&node| name(node)).collect();
            chain.push(name(path[0]));
            let edge = |i: usize| {
                let (from, to) = (path[i], path[(i + 1) % path.len()]);
                let span = graph[graph.find_edge(from, to).expect("a cycle's edge")];
                (span, format!("`{}` refers to `{}`", name(from), name(to)))
            };
            let last = path.len() - 1;
            let (span, label) = edge(last);
            let mut error = PlanError::new(
                "bakeplan::cycle",
                format!("variable cycle: {}", chain.join(" → ")),
            )
            .primary_label(span, format!("{label}, closing the cycle"));
            for i in 0..last {
                let (span, label) = edge(i);
                error = error.label(span, label);
            }
            self.errors.push(error.help(
                "bake evaluates a default from the variables it uses and refuses a cycle (`variable cycle not allowed`): give one of these variables a default that uses none of the others",
            ));
        }
    }

    pub(super) fn declare_cache_mounts(&mut self, raw: &RawPlan) {
        for mount in &raw.cache_mounts {
            let name = &mount.name;
            if !is_mount_id(&name.value) {
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid cache mount name", name.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
                continue;
            }
            if self.cache_mounts.contains_key(&name.value) {
                self.error(
                    "bakeplan::duplicate",
                    name.span,
                    format!("cache mount `{}` is declared twice", name.value),
                    "second declaration",
                );
                continue;
            }
            let id = mount
                .id
                .as_ref()
                .map_or_else(|| name.value.clone(), |id| id.value.clone());
            if let Some(text) = &mount.id
                && !is_mount_id(&text.value)
            {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a valid cache id", text.value),
                    "letters, digits, `.`, `_` and `-` only",
                );
            }
            let target = mount.target.as_ref().map_or_else(String::new, |text| {
                if !text.value.starts_with('/')
                    || text.value.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '\'' | '=' | '\\' | '$'))
                {
                    self.error(
                        "bakeplan::bad-value",
                        text.span,
                        format!("cache mount target `{}` is not an absolute path that fits a --mount flag", text.value),
                        "expected an absolute path without spaces, `,`, `=`, `$` or quotes (BuildKit expands `$` in a --mount flag)",
                    )
                    .help = Some("write a path such as target=\"/root/.cache/pip\"".to_owned());
                }
                text.value.clone()
            });
            let sharing = mount.sharing.as_ref().map_or_else(
                || "shared".to_owned(),
                |text| {
                    if !matches!(text.value.as_str(), "shared" | "private" | "locked") {
                        self.error(
                            "bakeplan::bad-value",
                            text.span,
                            format!("unknown sharing mode `{}`", text.value),
                            "expected shared, private or locked",
                        )
                        .help = did_you_mean(&text.value, ["shared", "private", "locked"]);
                    }
                    text.value.clone()
                },
            );
            self.cache_mounts.insert(
                name.value.clone(),
                CacheMount {
                    id,
                    target,
                    sharing,
                },
            );
        }
    }
}

/// The shortest way from the component's first node back to itself, staying inside the
/// component (breadth-first): the nodes in order, the first one once.
fn shortest_cycle(graph: &DiGraph<usize, SourceSpan>, component: &[NodeIndex]) -> Vec<NodeIndex> {
    let start = component[0];
    let inside: BTreeSet<NodeIndex> = component.iter().copied().collect();
    let mut previous: BTreeMap<NodeIndex, NodeIndex> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        for next in graph.neighbors(node) {
            if next == start {
                let mut path = vec![node];
                while let Some(&back) = path.last().filter(|&&last| last != start) {
                    path.push(previous[&back]);
                }
                path.reverse();
                return path;
            }
            if inside.contains(&next) && !previous.contains_key(&next) {
                previous.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    vec![start]
}

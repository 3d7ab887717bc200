//! Groups: names, members, nesting cycles.

use std::collections::BTreeMap;

use miette::SourceSpan;
use petgraph::algo::kosaraju_scc;
use petgraph::graph::{DiGraph, NodeIndex};

use super::Resolver;
use crate::plan::model::Group;
use crate::plan::names::is_valid_name;
use crate::plan::raw::RawPlan;
use crate::plan::suggestion::did_you_mean;

impl Resolver<'_> {
    pub(super) fn groups(&mut self, raw: &RawPlan) -> Vec<Group> {
        let mut names: BTreeMap<&str, SourceSpan> = BTreeMap::new();
        for group in &raw.groups {
            let name = &group.name;
            if !is_valid_name(&name.value) {
                self.error(
                    "bakeplan::bad-name",
                    name.span,
                    format!("`{}` is not a valid group name", name.value),
                    "expected [a-z0-9][a-z0-9_-]*",
                );
            }
            if self.service_names.contains(&name.value) {
                self.error(
                    "bakeplan::conflict",
                    name.span,
                    format!("group `{}` has the name of a service", name.value),
                    "also a service",
                )
                .help = Some(
                    "bake targets and groups share one namespace: rename the group".to_owned(),
                );
            }
            if let Some(first) = names.insert(&name.value, name.span) {
                self.duplicate("group", "defined", &name.value, name.span, first);
            }
        }
        let in_cycle = groups_in_cycles(raw);
        let mut groups = Vec::new();
        for group in &raw.groups {
            let mut members = Vec::new();
            for member in &group.members {
                if members.contains(&member.value) {
                    self.error(
                        "bakeplan::duplicate",
                        member.span,
                        format!(
                            "`{}` is listed twice in group `{}`",
                            member.value, group.name.value
                        ),
                        "listed again",
                    );
                } else if member.value == group.name.value
                    || in_cycle(&group.name.value, &member.value)
                {
                    self.error(
                        "bakeplan::cycle",
                        member.span,
                        format!(
                            "group `{}` contains itself through `{}`",
                            group.name.value, member.value
                        ),
                        "nested groups form a cycle",
                    );
                } else if self.library_names.contains(&member.value) {
                    self.error(
                        "bakeplan::library",
                        member.span,
                        format!(
                            "group `{}` names `{}`, which is a library (built into the services that depend on it), not a bake target",
                            group.name.value, member.value
                        ),
                        "a library",
                    )
                    .help = Some("list the services that depend on it instead".to_owned());
                } else if self.service_names.contains(&member.value)
                    || names.contains_key(member.value.as_str())
                {
                    members.push(member.value.clone());
                } else {
                    let help = did_you_mean(
                        &member.value,
                        self.service_names
                            .iter()
                            .map(String::as_str)
                            .chain(names.keys().copied()),
                    );
                    self.error(
                        "bakeplan::unknown-member",
                        member.span,
                        format!(
                            "group `{}` names `{}`, which is neither a service nor a group",
                            group.name.value, member.value
                        ),
                        "unknown service or group",
                    )
                    .help = help;
                }
            }
            groups.push(Group {
                name: group.name.value.clone(),
                members,
            });
        }
        groups
    }
}

/// Whether the member `member` of group `group` reaches `group` again (the edge is on a
/// cycle): both are groups of the same strongly connected component of the nesting graph. One
/// pass over every group (petgraph's Kosaraju is iterative; its Tarjan recurses per node): a
/// chain of 100,000 nested groups costs neither a deep recursion nor a walk per member.
fn groups_in_cycles(raw: &RawPlan) -> impl Fn(&str, &str) -> bool + use<'_> {
    let mut graph: DiGraph<&str, ()> = DiGraph::new();
    let mut index: BTreeMap<&str, NodeIndex> = BTreeMap::new();
    for group in &raw.groups {
        index
            .entry(group.name.value.as_str())
            .or_insert_with(|| graph.add_node(group.name.value.as_str()));
    }
    for group in &raw.groups {
        for member in &group.members {
            if let Some(&to) = index.get(member.value.as_str()) {
                graph.add_edge(index[group.name.value.as_str()], to, ());
            }
        }
    }
    let mut component = vec![usize::MAX; graph.node_count()];
    for (i, nodes) in kosaraju_scc(&graph).into_iter().enumerate() {
        for node in nodes {
            component[node.index()] = i;
        }
    }
    move |group: &str, member: &str| match (index.get(group), index.get(member)) {
        (Some(a), Some(b)) => component[a.index()] == component[b.index()],
        _ => false,
    }
}

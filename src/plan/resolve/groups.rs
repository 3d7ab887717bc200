//! Groups: names, members, nesting cycles.

use std::collections::{BTreeMap, BTreeSet};

use miette::SourceSpan;

use super::Resolver;
use crate::plan::model::Group;
use crate::plan::names::is_valid_name;
use crate::plan::raw::{RawPlan, Text};
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
        let members_of: BTreeMap<&str, &Vec<Text>> = raw
            .groups
            .iter()
            .map(|g| (g.name.value.as_str(), &g.members))
            .collect();
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
                    || group_reaches(
                        &members_of,
                        &member.value,
                        &group.name.value,
                        &mut BTreeSet::new(),
                    )
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
fn group_reaches(
    members_of: &BTreeMap<&str, &Vec<Text>>,
    from: &str,
    target: &str,
    visited: &mut BTreeSet<String>,
) -> bool {
    if !visited.insert(from.to_owned()) {
        return false;
    }
    members_of.get(from).is_some_and(|members| {
        members.iter().any(|member| {
            member.value == target || group_reaches(members_of, &member.value, target, visited)
        })
    })
}

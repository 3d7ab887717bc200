//! Sharded builds: the services split into N parts for N CI jobs or builders, balanced by
//! critical path. List scheduling with a unit cost per service: services are taken
//! longest-remaining-chain first, each placed on the shard where it could start earliest (its
//! dependencies done, the shard free), preferring the shard that holds most of its
//! dependencies, then the lower shard. A dependency in another shard is handed over through
//! the registry by digest (`bake --shard`).

use std::collections::{BTreeMap, BTreeSet};

use crate::plan::model::Plan;

/// The services the targets stand for (groups expanded, `default` = the plan's default group or
/// every service), with everything they depend on, in plan order, each with its dependencies.
/// Libraries are no bake targets: they are built into the services that depend on them.
pub fn services(plan: &Plan, targets: &[String]) -> Result<Vec<(String, Vec<String>)>, String> {
    let mut wanted: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = if targets.is_empty() {
        vec!["default".to_owned()]
    } else {
        targets.to_vec()
    };
    let mut seen_groups = BTreeSet::new();
    while let Some(name) = queue.pop() {
        if let Some(service) = plan.service(&name) {
            if !service.library && wanted.insert(name.clone()) {
                queue.extend(
                    plan.service(&name)
                        .into_iter()
                        .flat_map(|service| &service.dependencies)
                        .map(|dependency| dependency.service.clone()),
                );
            }
        } else if let Some(group) = plan.groups.iter().find(|group| group.name == name) {
            if seen_groups.insert(name) {
                queue.extend(group.members.iter().cloned());
            }
        } else if name == "default" {
            queue.extend(plan.targets().map(|service| service.name.clone()));
        } else {
            return Err(format!("`{name}` is neither a service nor a group"));
        }
    }
    Ok(plan
        .services
        .iter()
        .filter(|service| wanted.contains(&service.name))
        .map(|service| {
            let mut dependencies: Vec<String> = service
                .dependencies
                .iter()
                .map(|dependency| dependency.service.clone())
                .filter(|name| wanted.contains(name))
                .collect();
            dependencies.dedup();
            (service.name.clone(), dependencies)
        })
        .collect())
}

/// One shard: its number (1-based) and its services, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub services: Vec<String>,
}

/// Splits `services` (in plan order, each with its dependencies among them) into `count`
/// shards; a shard may be empty when there are fewer services than shards.
pub fn shards(services: &[(String, Vec<String>)], count: usize) -> Vec<Shard> {
    let count = count.max(1);
    let position: BTreeMap<&str, usize> = services
        .iter()
        .enumerate()
        .map(|(index, (name, _))| (name.as_str(), index))
        .collect();
    let dependencies: Vec<Vec<usize>> = services
        .iter()
        .map(|(_, deps)| {
            deps.iter()
                .filter_map(|dep| position.get(dep.as_str()).copied())
                .collect()
        })
        .collect();
    // The longest chain from each service to the end of the graph (itself included).
    let mut tail = vec![0usize; services.len()];
    let order = topological(&dependencies);
    for &node in order.iter().rev() {
        let longest_dependent = (0..services.len())
            .filter(|&other| dependencies[other].contains(&node))
            .map(|other| tail[other])
            .max()
            .unwrap_or(0);
        tail[node] = longest_dependent + 1;
    }
    let mut shard_of = vec![usize::MAX; services.len()];
    let mut finish = vec![0usize; services.len()];
    let mut free = vec![0usize; count];
    let mut placed = 0;
    while placed < services.len() {
        // Ready: every dependency placed. Longest tail first, then plan order.
        let Some(node) = (0..services.len())
            .filter(|&node| shard_of[node] == usize::MAX)
            .filter(|&node| {
                dependencies[node]
                    .iter()
                    .all(|&dep| shard_of[dep] != usize::MAX)
            })
            .max_by_key(|&node| (tail[node], std::cmp::Reverse(node)))
        else {
            break; // a cycle: the plan refuses those before this runs
        };
        let ready = dependencies[node]
            .iter()
            .map(|&dep| finish[dep])
            .max()
            .unwrap_or(0);
        let best = (0..count)
            .min_by_key(|&shard| {
                let local = dependencies[node]
                    .iter()
                    .filter(|&&dep| shard_of[dep] == shard)
                    .count();
                (free[shard].max(ready), std::cmp::Reverse(local), shard)
            })
            .expect("at least one shard");
        let start = free[best].max(ready);
        shard_of[node] = best;
        finish[node] = start + 1;
        free[best] = start + 1;
        placed += 1;
    }
    (0..count)
        .map(|shard| Shard {
            index: shard + 1,
            services: services
                .iter()
                .enumerate()
                .filter(|(node, _)| shard_of[*node] == shard)
                .map(|(_, (name, _))| name.clone())
                .collect(),
        })
        .collect()
}

/// Dependencies first.
fn topological(dependencies: &[Vec<usize>]) -> Vec<usize> {
    fn visit(node: usize, dependencies: &[Vec<usize>], done: &mut [bool], order: &mut Vec<usize>) {
        if done[node] {
            return;
        }
        done[node] = true;
        for &dep in &dependencies[node] {
            visit(dep, dependencies, done, order);
        }
        order.push(node);
    }
    let mut done = vec![false; dependencies.len()];
    let mut order = Vec::new();
    for node in 0..dependencies.len() {
        visit(node, dependencies, &mut done, &mut order);
    }
    order
}

/// `I/N` (1 ≤ I ≤ N).
pub fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text.split_once('/').and_then(|(index, count)| {
        Some((index.parse::<usize>().ok()?, count.parse::<usize>().ok()?))
    });
    match parsed {
        Some((index, count)) if index >= 1 && index <= count => Ok((index, count)),
        _ => Err(format!(
            "`--shard {text}` is not I/N with 1 ≤ I ≤ N (e.g. --shard 1/3)"
        )),
    }
}

/// The shards as a GitHub Actions matrix: `{"include":[{"shard":"1/2","services":[…]},…]}`.
pub fn matrix(shards: &[Shard]) -> String {
    let count = shards.len();
    let include: Vec<serde_json::Value> = shards
        .iter()
        .map(|shard| {
            serde_json::json!({
                "shard": format!("{}/{count}", shard.index),
                "index": shard.index,
                "total": count,
                "services": shard.services,
            })
        })
        .collect();
    let mut text =
        serde_json::to_string(&serde_json::json!({ "include": include })).expect("serializable");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::{parse_shard, shards};

    fn graph(edges: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        edges
            .iter()
            .map(|(name, deps)| {
                (
                    (*name).to_owned(),
                    deps.iter().map(|dep| (*dep).to_owned()).collect(),
                )
            })
            .collect()
    }

    fn names(shards: &[super::Shard]) -> Vec<Vec<&str>> {
        shards
            .iter()
            .map(|shard| shard.services.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn the_critical_path_goes_first_and_independent_work_fills_the_other_shard() {
        // base → app → web is the critical path; solo and tool are independent.
        let services = graph(&[
            ("base", &[]),
            ("app", &["base"]),
            ("web", &["app"]),
            ("solo", &[]),
            ("tool", &[]),
        ]);
        assert_eq!(
            names(&shards(&services, 2)),
            [vec!["base", "app", "web"], vec!["solo", "tool"]]
        );
    }

    #[test]
    fn every_service_is_in_exactly_one_shard() {
        let services = graph(&[
            ("a", &[]),
            ("b", &["a"]),
            ("c", &["a"]),
            ("d", &["b", "c"]),
            ("e", &[]),
            ("f", &["e"]),
        ]);
        for count in 1..=7 {
            let split = shards(&services, count);
            assert_eq!(split.len(), count);
            let mut all: Vec<&str> = names(&split).into_iter().flatten().collect();
            all.sort_unstable();
            assert_eq!(all, ["a", "b", "c", "d", "e", "f"], "{count} shards");
        }
    }

    #[test]
    fn shard_numbers_are_checked() {
        assert_eq!(parse_shard("2/3"), Ok((2, 3)));
        assert!(parse_shard("0/3").is_err());
        assert!(parse_shard("4/3").is_err());
        assert!(parse_shard("x").is_err());
    }
}

//! `bakeplan graph` output formats: text for a terminal, Graphviz dot, Mermaid, and JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::graph::view::GraphView;

fn description_suffix(description: Option<&String>) -> String {
    description.map_or_else(String::new, |text| format!(" — {text}"))
}

pub fn text(view: &GraphView) -> String {
    let mut out = String::new();
    let libraries = view
        .services
        .iter()
        .filter(|service| service.library)
        .count();
    let library_count = if libraries == 0 {
        String::new()
    } else {
        format!(
            " ({libraries} {})",
            if libraries == 1 {
                "library"
            } else {
                "libraries"
            }
        )
    };
    let _ = writeln!(
        out,
        "{} services{library_count}, {} edges, {} waves, {} groups",
        view.services.len(),
        view.edges.len(),
        view.waves.len(),
        view.groups.len()
    );
    let _ = writeln!(out, "\nservices (← what each one needs first):");
    let width = view
        .services
        .iter()
        .map(|service| service.name.len())
        .max()
        .unwrap_or(0);
    for service in &view.services {
        let needs: Vec<String> = view
            .edges
            .iter()
            .filter(|edge| edge.to == service.name)
            .map(|edge| {
                if edge.kind == "from" {
                    format!("{} (from)", edge.from)
                } else {
                    edge.from.clone()
                }
            })
            .collect();
        let needs = if needs.is_empty() {
            String::new()
        } else {
            format!(" ← {}", needs.join(", "))
        };
        // Padded by hand: `{:<width$}` panics on a width past 65,535 (a name that long).
        let padding = " ".repeat(width.saturating_sub(service.name.chars().count()));
        let line = format!(
            "  {}{padding}{}{}{}",
            service.name,
            if service.library { " (library)" } else { "" },
            needs,
            description_suffix(service.description.as_ref())
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if view.services.iter().any(|service| service.base.is_some()) {
        let _ = writeln!(out, "\nbase images:");
        for service in &view.services {
            if let Some(base) = &service.base {
                let line = match &base.mapped {
                    Some(mapped) => format!("{} → {mapped} (mapped)", base.image),
                    None => base.image.clone(),
                };
                let _ = writeln!(out, "  {:<width$} {line}", service.name);
            }
        }
    }
    let _ = writeln!(out, "\nbuild waves (each after the ones before):");
    for (i, wave) in view.waves.iter().enumerate() {
        let _ = writeln!(out, "  {}: {}", i + 1, wave.join(", "));
    }
    let _ = writeln!(
        out,
        "\ncritical path ({} service{}): {}",
        view.critical_path.len(),
        if view.critical_path.len() == 1 {
            ""
        } else {
            "s"
        },
        view.critical_path.join(" → ")
    );
    if !view.groups.is_empty() {
        let _ = writeln!(out, "\ngroups:");
        for (name, members) in &view.groups {
            let _ = writeln!(out, "  {name}: {}", members.join(", "));
        }
    }
    let _ = writeln!(
        out,
        "\ndependency paths: {} ({} repeated)",
        view.dependency_paths, view.repeated_paths
    );
    out
}

/// The name, with `(library)` after a library's.
fn library_name(service: &crate::graph::view::ServiceNode) -> String {
    if service.library {
        format!("{} (library)", service.name)
    } else {
        service.name.clone()
    }
}

fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("strings serialize")
}

pub fn dot(view: &GraphView) -> String {
    let mut out =
        String::from("digraph bakeplan {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n");
    for service in &view.services {
        let name = library_name(service);
        let label = match &service.description {
            Some(description) => format!(
                "{name}\\n{}",
                description.replace('\\', "\\\\").replace('"', "\\\"")
            ),
            None => name,
        };
        let style = if service.library {
            ", style=\"rounded,dashed\""
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} [label=\"{label}\"{style}];",
            quote(&service.name)
        );
    }
    let critical = |from: &str, to: &str| {
        view.critical_path
            .windows(2)
            .any(|pair| pair[0] == from && pair[1] == to)
    };
    for edge in &view.edges {
        let mut attributes = Vec::new();
        if edge.kind == "from" {
            attributes.push("style=bold, label=\"from\"");
        }
        if critical(&edge.from, &edge.to) {
            attributes.push("color=red, penwidth=2");
        }
        let style = if attributes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attributes.join(", "))
        };
        let _ = writeln!(
            out,
            "  {} -> {}{style};",
            quote(&edge.from),
            quote(&edge.to)
        );
    }
    dot_groups(view, &mut out);
    out.push_str("}\n");
    out
}

/// The groups as DOT clusters, nested as `nested_groups` lays them out. A group in several is
/// drawn inside the first; each other group listing it gets a dotted edge from its cluster to
/// that one, between invisible anchor nodes (`"group:N"`: no service can be named so), clipped
/// at the clusters' borders (`compound=true`).
fn dot_groups(view: &GraphView, out: &mut String) {
    let (layout, shared) = nested_groups(view);
    let anchored: BTreeSet<usize> = shared.iter().flat_map(|&(from, to)| [from, to]).collect();
    if !shared.is_empty() {
        out.push_str("  compound=true;\n");
    }
    // Each cluster's span in the layout (where it opens, where it closes): a cluster encloses
    // another when its span holds the other's. An edge may not be clipped at a cluster that
    // holds its other end.
    let mut open: Vec<usize> = Vec::new();
    let mut spans: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (position, step) in layout.into_iter().enumerate() {
        match step {
            GroupStep::Open(name, index, depth) => {
                let indent = indent(depth);
                let _ = writeln!(
                    out,
                    "{indent}subgraph cluster_{index} {{\n{indent}  label={};\n{indent}  style=dashed;",
                    quote(name)
                );
                if anchored.contains(&index) {
                    let _ = writeln!(
                        out,
                        "{indent}  \"group:{index}\" [shape=point, style=invis, label=\"\"];"
                    );
                }
                spans.insert(index, (position, usize::MAX));
                open.push(index);
            }
            GroupStep::Member(member, depth) => {
                let _ = writeln!(out, "{}{};", indent(depth), quote(member));
            }
            GroupStep::Close(depth) => {
                if let Some(span) = open.pop().and_then(|index| spans.get_mut(&index)) {
                    span.1 = position;
                }
                let _ = writeln!(out, "{}}}", indent(depth));
            }
        }
    }
    let encloses = |outer: usize, inner: usize| match (spans.get(&outer), spans.get(&inner)) {
        (Some(outer), Some(inner)) => outer.0 < inner.0 && inner.1 < outer.1,
        _ => false,
    };
    for (from, to) in shared {
        let tail = if encloses(from, to) {
            String::new()
        } else {
            format!(", ltail=cluster_{from}")
        };
        let _ = writeln!(
            out,
            "  \"group:{from}\" -> \"group:{to}\" [style=dotted, arrowhead=open{tail}, lhead=cluster_{to}];"
        );
    }
}

/// Mermaid node ids must be plain: `s0`, `s1`… with the name as the label.
pub fn mermaid(view: &GraphView) -> String {
    let id = |name: &str| {
        view.services
            .iter()
            .position(|service| service.name == name)
            .map_or_else(|| name.to_owned(), |i| format!("s{i}"))
    };
    let mut out = String::from("flowchart LR\n");
    for (i, service) in view.services.iter().enumerate() {
        let name = library_name(service);
        let label = match &service.description {
            Some(description) => format!("{name}<br/><small>{description}</small>"),
            None => name,
        };
        let _ = writeln!(out, "  s{i}[\"{}\"]", label.replace('"', "#quot;"));
    }
    for edge in &view.edges {
        let arrow = if edge.kind == "from" {
            "==>|from|"
        } else {
            "-->"
        };
        let _ = writeln!(out, "  {} {arrow} {}", id(&edge.from), id(&edge.to));
    }
    mermaid_groups(view, &id, &mut out);
    if view.critical_path.len() > 1 {
        let ids: Vec<String> = view.critical_path.iter().map(|name| id(name)).collect();
        let _ = writeln!(
            out,
            "  classDef critical stroke:#d33,stroke-width:3px\n  class {} critical",
            ids.join(",")
        );
    }
    out
}

/// The groups as Mermaid subgraphs, nested as `nested_groups` lays them out; a group in several
/// is drawn inside the first and the others point at it with a dotted edge (Mermaid draws
/// edges to and from subgraphs).
fn mermaid_groups(view: &GraphView, id: &dyn Fn(&str) -> String, out: &mut String) {
    let (layout, shared) = nested_groups(view);
    for step in layout {
        match step {
            GroupStep::Open(name, index, depth) => {
                let _ = writeln!(
                    out,
                    "{}subgraph g{index}[\"{}\"]",
                    indent(depth),
                    name.replace('"', "#quot;")
                );
            }
            GroupStep::Member(member, depth) => {
                let _ = writeln!(out, "{}{}", indent(depth), id(member));
            }
            GroupStep::Close(depth) => {
                let _ = writeln!(out, "{}end", indent(depth));
            }
        }
    }
    for (from, to) in shared {
        let _ = writeln!(out, "  g{from} -.-> g{to}");
    }
}

/// One line of the groups' drawing: a group opens (name, its index among the groups, depth),
/// a service member, a group closes.
enum GroupStep<'a> {
    Open(&'a str, usize, usize),
    Member(&'a str, usize),
    Close(usize),
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth.min(MAX_INDENT))
}

/// The groups laid out for drawing (DOT clusters, Mermaid subgraphs): a group that is a member
/// of another is drawn inside it. A drawing gives a group one parent, so a group several list
/// is drawn inside the first (by name); the other (parent, group) index pairs are returned
/// apart. Iterative: a chain of thousands of nested groups is no deep recursion, and the
/// indentation stops growing past a few levels.
fn nested_groups(view: &GraphView) -> (Vec<GroupStep<'_>>, Vec<(usize, usize)>) {
    let index: BTreeMap<&str, usize> = view
        .groups
        .keys()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i))
        .collect();
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut shared = Vec::new();
    for (name, members) in &view.groups {
        for member in members
            .iter()
            .filter(|member| index.contains_key(member.as_str()))
        {
            if parent.contains_key(member.as_str()) {
                shared.push((index[name.as_str()], index[member.as_str()]));
            } else {
                parent.insert(member, name);
            }
        }
    }
    let mut layout = Vec::new();
    let mut stack: Vec<GroupStep> = view
        .groups
        .keys()
        .rev()
        .filter(|name| !parent.contains_key(name.as_str()))
        .map(|name| GroupStep::Open(name, index[name.as_str()], 1))
        .collect();
    while let Some(step) = stack.pop() {
        let GroupStep::Open(name, _, depth) = step else {
            layout.push(step);
            continue;
        };
        layout.push(step);
        stack.push(GroupStep::Close(depth));
        let members = &view.groups[name];
        for member in members
            .iter()
            .filter(|member| view.services.iter().any(|service| &service.name == *member))
        {
            layout.push(GroupStep::Member(member, depth + 1));
        }
        // Pushed in reverse: the nested groups open in the order the group lists them.
        for member in members.iter().rev() {
            if parent.get(member.as_str()) == Some(&name) {
                stack.push(GroupStep::Open(member, index[member.as_str()], depth + 1));
            }
        }
    }
    (layout, shared)
}

/// Nested subgraphs are indented this many levels at most.
const MAX_INDENT: usize = 8;

pub fn json(view: &GraphView) -> String {
    let mut text = serde_json::to_string_pretty(view).expect("the graph view serializes");
    text.push('\n');
    text
}

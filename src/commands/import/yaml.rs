//! Compose YAML as a small tree that remembers where every key was written (file and line),
//! with YAML merge keys (`<<`) applied and compose's `!reset` / `!override` tags kept, and the
//! merge of several files as `docker compose -f a.yml -f b.yml` merges them.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loc {
    pub file: usize,
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    None,
    Reset,
    Override,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
    pub tag: Tag,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub key: String,
    pub loc: Loc,
    pub node: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|entry| &entry.node)
    }

    pub fn entry(&self, key: &str) -> Option<&Entry> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|entry| entry.key == key),
            _ => None,
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) => Some(text),
            _ => None,
        }
    }

    fn entries_mut(&mut self) -> Option<&mut Vec<Entry>> {
        match &mut self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }
}

/// Parses one file (its first document).
pub fn parse(text: &str, file: usize) -> Result<Node, String> {
    let documents = MarkedYaml::load_from_str(text).map_err(|error| error.to_string())?;
    let root = documents.first().map_or(
        Node {
            value: Value::Null,
            loc: Loc { file, line: 1 },
            tag: Tag::None,
        },
        |doc| convert(doc, file),
    );
    Ok(root)
}

fn convert(yaml: &MarkedYaml<'_>, file: usize) -> Node {
    let loc = Loc {
        file,
        line: yaml.span.start.line(),
    };
    let value = match &yaml.data {
        YamlData::Value(scalar) => match scalar {
            Scalar::Null => Value::Null,
            Scalar::Boolean(flag) => Value::Scalar(flag.to_string()),
            Scalar::Integer(number) => Value::Scalar(number.to_string()),
            Scalar::FloatingPoint(number) => Value::Scalar(number.to_string()),
            Scalar::String(text) => Value::Scalar(text.to_string()),
        },
        YamlData::Representation(text, _, _) => Value::Scalar(text.to_string()),
        YamlData::Sequence(items) => {
            Value::Seq(items.iter().map(|item| convert(item, file)).collect())
        }
        YamlData::Mapping(mapping) => {
            let mut own = Vec::new();
            let mut merged: Vec<Entry> = Vec::new();
            for (key, value) in mapping {
                let name = match &key.data {
                    YamlData::Value(Scalar::String(text))
                    | YamlData::Representation(text, _, _) => text.to_string(),
                    YamlData::Value(Scalar::Integer(number)) => number.to_string(),
                    YamlData::Value(Scalar::Boolean(flag)) => flag.to_string(),
                    _ => continue,
                };
                let node = convert(value, file);
                if name == "<<" {
                    // Merge keys: earlier sources win over later ones, the mapping's own keys
                    // over all of them.
                    let sources = match node.value {
                        Value::Seq(items) => items,
                        _ => vec![node],
                    };
                    for source in sources {
                        if let Value::Map(entries) = source.value {
                            for entry in entries {
                                if !merged.iter().any(|seen| seen.key == entry.key) {
                                    merged.push(entry);
                                }
                            }
                        }
                    }
                    continue;
                }
                own.push(Entry {
                    key: name,
                    loc: Loc {
                        file,
                        line: key.span.start.line(),
                    },
                    node,
                });
            }
            for entry in merged {
                if !own.iter().any(|seen| seen.key == entry.key) {
                    own.push(entry);
                }
            }
            Value::Map(own)
        }
        YamlData::Tagged(tag, inner) => {
            let mut node = convert(inner, file);
            node.tag = match tag.suffix.as_str() {
                "reset" => Tag::Reset,
                "override" => Tag::Override,
                _ => node.tag,
            };
            return node;
        }
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    };
    Node {
        value,
        loc,
        tag: Tag::None,
    }
}

/// Reads one more compose file (the `file`-th) into `root`, as `docker compose -f … -f …`
/// does: the first one is the base (its `!reset` keys dropped), each later one merged over it.
pub fn read_into(root: &mut Option<Node>, text: &str, file: usize) -> Result<(), String> {
    let mut node = parse(text, file)?;
    normalise(&mut node);
    match root {
        None => {
            drop_resets(&mut node);
            *root = Some(node);
        }
        Some(base) => merge(base, node, ""),
    }
    Ok(())
}

/// Normalises the forms compose treats as equal before merging: `build: DIR` is
/// `build: {context: DIR}`, list-form `args`/`labels`/`additional_contexts` are maps.
pub fn normalise(root: &mut Node) {
    let Some(services) = root.entries_mut().and_then(|entries| {
        entries
            .iter_mut()
            .find(|entry| entry.key == "services")
            .and_then(|entry| entry.node.entries_mut())
    }) else {
        return;
    };
    for service in services {
        let Some(keys) = service.node.entries_mut() else {
            continue;
        };
        for entry in keys.iter_mut() {
            if entry.key == "labels" {
                list_to_map(&mut entry.node);
            }
            if entry.key != "build" {
                continue;
            }
            if let Value::Scalar(dir) = &entry.node.value {
                let loc = entry.node.loc;
                entry.node.value = Value::Map(vec![Entry {
                    key: "context".to_owned(),
                    loc,
                    node: Node {
                        value: Value::Scalar(dir.clone()),
                        loc,
                        tag: Tag::None,
                    },
                }]);
            }
            if let Some(build) = entry.node.entries_mut() {
                for key in build {
                    if matches!(key.key.as_str(), "args" | "labels" | "additional_contexts") {
                        list_to_map(&mut key.node);
                    }
                }
            }
        }
    }
}

fn list_to_map(node: &mut Node) {
    let Value::Seq(items) = &node.value else {
        return;
    };
    let mut entries = Vec::new();
    for item in items {
        let Some(text) = item.scalar() else { continue };
        let (key, value) = match text.split_once('=') {
            Some((key, value)) => (key, Value::Scalar(value.to_owned())),
            None => (text, Value::Null),
        };
        entries.push(Entry {
            key: key.to_owned(),
            loc: item.loc,
            node: Node {
                value,
                loc: item.loc,
                tag: Tag::None,
            },
        });
    }
    node.value = Value::Map(entries);
}

/// Merges `over` (a later `-f` file) into `base`: mappings key by key, sequences appended
/// (`command`, `entrypoint` and a healthcheck's `test` replaced), scalars replaced;
/// `!override` replaces, `!reset` removes.
pub fn merge(base: &mut Node, over: Node, key: &str) {
    if over.tag == Tag::Override {
        *base = Node {
            tag: Tag::None,
            ..over
        };
        return;
    }
    match (&mut base.value, over.value) {
        (Value::Map(entries), Value::Map(more)) => {
            for entry in more {
                if entry.node.tag == Tag::Reset {
                    entries.retain(|seen| seen.key != entry.key);
                } else if let Some(seen) = entries.iter_mut().find(|seen| seen.key == entry.key) {
                    // A merged mapping keeps the place it was first written; a replaced value
                    // is where it was written last.
                    if !matches!(entry.node.value, Value::Map(_)) {
                        seen.loc = entry.loc;
                    }
                    merge(&mut seen.node, entry.node, &entry.key);
                } else {
                    entries.push(entry);
                }
            }
        }
        (Value::Seq(items), Value::Seq(more))
            if !matches!(key, "command" | "entrypoint" | "test") =>
        {
            items.extend(more);
        }
        (_, value) => {
            base.value = value;
            base.loc = over.loc;
        }
    }
}

/// Drops `!reset` entries left in a single file (nothing to reset).
pub fn drop_resets(node: &mut Node) {
    match &mut node.value {
        Value::Map(entries) => {
            entries.retain(|entry| entry.node.tag != Tag::Reset);
            for entry in entries {
                drop_resets(&mut entry.node);
            }
        }
        Value::Seq(items) => {
            for item in items {
                drop_resets(item);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keys_apply_and_keys_keep_their_lines() {
        let text = "x-common: &common\n  context: ./a\n  target: base\nservices:\n  api:\n    build:\n      <<: *common\n      target: prod\n";
        let root = parse(text, 0).expect("parse");
        let build = root
            .get("services")
            .and_then(|s| s.get("api"))
            .and_then(|a| a.get("build"))
            .expect("build");
        assert_eq!(build.get("target").and_then(Node::scalar), Some("prod"));
        assert_eq!(build.get("context").and_then(Node::scalar), Some("./a"));
        assert_eq!(build.entry("target").map(|e| e.loc.line), Some(8));
        assert_eq!(build.entry("context").map(|e| e.loc.line), Some(2));
    }

    #[test]
    fn files_merge_as_compose_merges_them() {
        let mut base = parse(
            "services:\n  a:\n    build: ./a\n    ports: ['80:80']\n    x: [1]\n",
            0,
        )
        .expect("one");
        let mut over = parse("services:\n  a:\n    build:\n      args: [K=v]\n    ports: !reset []\n    x: !override [2]\n", 1).expect("two");
        normalise(&mut base);
        normalise(&mut over);
        merge(&mut base, over, "");
        let a = base.get("services").and_then(|s| s.get("a")).expect("a");
        let build = a.get("build").expect("build");
        assert_eq!(build.get("context").and_then(Node::scalar), Some("./a"));
        assert_eq!(
            build
                .get("args")
                .and_then(|args| args.get("K"))
                .and_then(Node::scalar),
            Some("v")
        );
        assert!(a.get("ports").is_none());
        assert_eq!(a.get("x").map(|x| x.items().len()), Some(1));
    }
}

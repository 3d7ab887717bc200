//! Every node a plan may hold, in one table: where it may appear (top level, `service`,
//! `defaults`, `profile`), whether it may appear once or appends when repeated, and what value
//! it takes (with, for a block child, its slot in `RawServiceBody`).
//!
//! The lowering dispatches on this table, suggests names from it and checks repetition with it;
//! the resolver merges `defaults` into each service with it and checks what a profile may set.
//! A new service child is one row here, its slot in `RawServiceBody` and its field in the
//! resolved model, read where it has its effect.

use crate::plan::raw::{
    RawHealthcheck, RawMap, RawRegistryCache, RawSecret, RawServiceBody, RawTemplateUse, RawUser,
    Text,
};
use crate::plan::spanned::Spanned;

/// Where a node may appear: a set of places.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Places(u8);

impl Places {
    pub const TOP: Self = Self(1);
    pub const SERVICE: Self = Self(2);
    pub const DEFAULTS: Self = Self(4);
    pub const PROFILE: Self = Self(8);
    /// Inside a `builder` block.
    pub const BUILDER: Self = Self(16);
    /// `service` and `defaults`: a child that only builds.
    const BODY: Self = Self(2 | 4);
    /// `service`, `defaults` and `profile`: a child that changes only the bake file.
    const ANY_BODY: Self = Self(2 | 4 | 8);

    pub fn has(self, place: Places) -> bool {
        self.0 & place.0 != 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Once per block (or once per plan, at the top level).
    Once,
    /// Repeating it appends to a list.
    Appends,
}

/// Where a block child's value goes in the raw body.
pub type Slot<T> = fn(&mut RawServiceBody) -> &mut Option<T>;

/// What a node takes, and for a block child where its value goes.
#[derive(Clone, Copy)]
pub enum Value {
    /// A top-level node, read by its own reader in the lowering.
    Node,
    /// One string.
    Text(Slot<Text>),
    /// One or more strings.
    Texts(Slot<Vec<Text>>),
    /// A `{ KEY "value" }` block.
    Map(Slot<RawMap>),
    /// One or more port numbers.
    Ports(Slot<Vec<Spanned<u16>>>),
    /// `secret "ID" env="VAR"` or `src="PATH"`.
    Secret(Slot<Vec<RawSecret>>),
    /// `template "NAME" KEY="value"...`.
    Template(Slot<RawTemplateUse>),
    /// `registry-cache ref="..." mode="..."` or `registry-cache #false`.
    RegistryCache(Slot<RawRegistryCache>),
    /// `#true` or `#false`: a profile switch.
    Switch,
    /// `#true` or `#false`: a service flag (`library`, `init`).
    Flag(Slot<Spanned<bool>>),
    /// `user "NAME" uid=N`.
    User(Slot<RawUser>),
    /// `healthcheck "ARG"... interval= timeout= start-period= retries=`.
    Healthcheck(Slot<RawHealthcheck>),
}

pub struct Child {
    pub name: &'static str,
    pub places: Places,
    pub repeat: Repeat,
    pub value: Value,
}

macro_rules! row {
    ($name:literal, $places:ident, $repeat:ident, $kind:ident) => {
        Child {
            name: $name,
            places: Places::$places,
            repeat: Repeat::$repeat,
            value: Value::$kind,
        }
    };
    ($name:literal, $places:ident, $repeat:ident, $kind:ident($field:ident)) => {
        Child {
            name: $name,
            places: Places::$places,
            repeat: Repeat::$repeat,
            value: Value::$kind(|body| &mut body.$field),
        }
    };
}

/// The table. Order matters only for messages: names are listed in this order.
pub const CHILDREN: &[Child] = &[
    // Top level.
    row!("version", TOP, Once, Node),
    row!("variable", TOP, Appends, Node),
    row!("defaults", TOP, Once, Node),
    row!("cache-mount", TOP, Appends, Node),
    row!("registry-cache", TOP, Once, Node),
    row!("template-dir", TOP, Once, Node),
    row!("emit", TOP, Once, Node),
    row!("service", TOP, Appends, Node),
    row!("group", TOP, Appends, Node),
    row!("profile", TOP, Appends, Node),
    row!("workspace", TOP, Once, Node),
    row!("image-map", TOP, Once, Node),
    row!("builder", TOP, Appends, Node),
    // Service children (in `defaults` too; the bake-only ones in a profile as well).
    row!("context", BODY, Once, Text(context)),
    row!("template", BODY, Once, Template(template)),
    row!("dockerfile", BODY, Once, Text(dockerfile)),
    row!("from", BODY, Once, Text(from)),
    row!("depends-on", BODY, Appends, Texts(depends_on)),
    row!("contexts", BODY, Once, Map(contexts)),
    row!("image", BODY, Once, Text(image)),
    row!("tags", ANY_BODY, Appends, Texts(tags)),
    row!("platforms", ANY_BODY, Appends, Texts(platforms)),
    row!("args", ANY_BODY, Once, Map(args)),
    row!("labels", ANY_BODY, Once, Map(labels)),
    row!("cache-mount", BODY, Appends, Texts(cache_mounts)),
    row!("secret", ANY_BODY, Appends, Secret(secrets)),
    row!(
        "registry-cache",
        ANY_BODY,
        Once,
        RegistryCache(registry_cache)
    ),
    row!("cache-from", ANY_BODY, Appends, Texts(cache_from)),
    row!("cache-to", ANY_BODY, Appends, Texts(cache_to)),
    row!("target", ANY_BODY, Once, Text(target)),
    row!("network", ANY_BODY, Once, Text(network)),
    row!("ssh", BODY, Appends, Texts(ssh)),
    row!("inputs", BODY, Appends, Texts(inputs)),
    row!("env", BODY, Once, Map(env)),
    row!("port", BODY, Appends, Ports(ports)),
    row!("cmd", BODY, Once, Texts(cmd)),
    row!("description", BODY, Once, Text(description)),
    row!("library", BODY, Once, Flag(library)),
    row!("packages", BODY, Appends, Texts(packages)),
    row!("build-packages", BODY, Appends, Texts(build_packages)),
    row!("init", BODY, Once, Flag(init)),
    row!("user", BODY, Once, User(user)),
    row!("healthcheck", BODY, Once, Healthcheck(healthcheck)),
    row!("workdir", BODY, Once, Text(workdir)),
    // Profile switches.
    row!("push", PROFILE, Once, Switch),
    row!("load", PROFILE, Once, Switch),
    row!("no-cache", PROFILE, Once, Switch),
    row!("pull", PROFILE, Once, Switch),
    // The builder a profile builds on.
    row!("builder", PROFILE, Once, Text(builder)),
    // `builder` children (read by the lowering's builder reader).
    row!("node", BUILDER, Appends, Node),
    row!("driver", BUILDER, Once, Node),
    row!("driver-opt", BUILDER, Once, Node),
];

/// The row for `name` in `place`.
pub fn child(name: &str, place: Places) -> Option<&'static Child> {
    CHILDREN
        .iter()
        .find(|row| row.name == name && row.places.has(place))
}

/// Every name allowed in `place`, in table order.
pub fn names(place: Places) -> impl Iterator<Item = &'static str> {
    CHILDREN
        .iter()
        .filter(move |row| row.places.has(place))
        .map(|row| row.name)
}

/// Whether a node of this name appends when repeated in `place` (an unknown name does not).
pub fn appends(name: &str, place: Places) -> bool {
    child(name, place).is_some_and(|row| row.repeat == Repeat::Appends)
}

/// Whether `name` is a service child a profile may not set.
pub fn service_only(name: &str) -> bool {
    child(name, Places::SERVICE).is_some() && child(name, Places::PROFILE).is_none()
}

/// `defaults` merged into a service body: each child the service does not set is taken from
/// `defaults`. The build is one choice: a service that names a `template` or a `dockerfile`
/// inherits neither (but a `template` naming the default's template keeps the default
/// parameters it does not set); else it inherits the default template, or failing that the
/// default Dockerfile.
pub fn inherit(own: &mut RawServiceBody, defaults: &mut RawServiceBody) {
    fn take<T: Clone>(slot: Slot<T>, own: &mut RawServiceBody, defaults: &mut RawServiceBody) {
        if slot(own).is_none() {
            slot(own).clone_from(slot(defaults));
        }
    }
    let builds = own.template.is_some() || own.dockerfile.is_some();
    for row in CHILDREN
        .iter()
        .filter(|row| row.places.has(Places::DEFAULTS))
    {
        match row.value {
            Value::Template(_) | Value::Text(_) if is_build(row.name) => {}
            Value::Node | Value::Switch => {}
            Value::Text(slot) => take(slot, own, defaults),
            Value::Texts(slot) => take(slot, own, defaults),
            Value::Map(slot) => take(slot, own, defaults),
            Value::Ports(slot) => take(slot, own, defaults),
            Value::Secret(slot) => take(slot, own, defaults),
            Value::Template(slot) => take(slot, own, defaults),
            Value::RegistryCache(slot) => take(slot, own, defaults),
            Value::Flag(slot) => take(slot, own, defaults),
            Value::User(slot) => take(slot, own, defaults),
            Value::Healthcheck(slot) => take(slot, own, defaults),
        }
    }
    // The same template as `defaults`: the default parameters the service leaves out are kept.
    if let (Some(template), Some(inherited)) = (&mut own.template, &defaults.template)
        && template.name.value == inherited.name.value
    {
        for (key, value) in &inherited.params {
            if !template
                .params
                .iter()
                .any(|(own_key, _)| own_key.value == key.value)
            {
                template.params.push((key.clone(), value.clone()));
            }
        }
    }
    if !builds {
        if defaults.template.is_some() {
            own.template.clone_from(&defaults.template);
        } else {
            own.dockerfile.clone_from(&defaults.dockerfile);
        }
    }
}

/// `template` and `dockerfile`: how a service is built, inherited together.
fn is_build(name: &str) -> bool {
    matches!(name, "template" | "dockerfile")
}

#[cfg(test)]
mod tests {
    use super::{CHILDREN, Places, Repeat, appends, child, inherit, names, service_only};
    use crate::plan::raw::{RawServiceBody, Text};

    #[test]
    fn names_are_unique_per_place() {
        for place in [
            Places::TOP,
            Places::SERVICE,
            Places::DEFAULTS,
            Places::PROFILE,
        ] {
            let mut seen: Vec<&str> = names(place).collect();
            let count = seen.len();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), count, "a name twice in one place");
        }
    }

    #[test]
    fn top_level_and_service_cache_mount_are_different_rows() {
        assert!(appends("cache-mount", Places::TOP));
        assert!(appends("cache-mount", Places::SERVICE));
        assert!(!appends("registry-cache", Places::SERVICE));
        assert!(!appends("unknown", Places::SERVICE));
        assert!(child("push", Places::SERVICE).is_none());
        assert!(child("push", Places::PROFILE).is_some());
        assert!(service_only("env"));
        assert!(!service_only("tags"));
        assert!(!service_only("push"));
        let singletons: Vec<&str> = CHILDREN
            .iter()
            .filter(|row| row.places == Places::TOP && row.repeat == Repeat::Once)
            .map(|row| row.name)
            .collect();
        assert_eq!(
            singletons,
            [
                "version",
                "defaults",
                "registry-cache",
                "template-dir",
                "emit",
                "workspace",
                "image-map"
            ]
        );
    }

    fn text(value: &str) -> Text {
        Text::new(value.to_owned(), (0, 0).into())
    }

    #[test]
    fn defaults_fill_what_the_service_leaves_out_and_the_build_is_one_choice() {
        let mut defaults = RawServiceBody {
            context: Some(text("default")),
            dockerfile: Some(text("Dockerfile")),
            network: Some(text("host")),
            ..RawServiceBody::default()
        };
        let mut own = RawServiceBody {
            context: Some(text("mine")),
            ..RawServiceBody::default()
        };
        inherit(&mut own, &mut defaults);
        assert_eq!(own.context.unwrap().value, "mine");
        assert_eq!(own.network.unwrap().value, "host");
        assert_eq!(own.dockerfile.unwrap().value, "Dockerfile");

        let mut own = RawServiceBody {
            from: Some(text("x")),
            template: None,
            dockerfile: None,
            ..RawServiceBody::default()
        };
        defaults.template = Some(crate::plan::raw::RawTemplateUse {
            name: text("node"),
            params: Vec::new(),
            span: (0, 0).into(),
        });
        inherit(&mut own, &mut defaults);
        assert!(own.template.is_some());
        assert!(own.dockerfile.is_none(), "the default template wins");

        let mut own = RawServiceBody {
            dockerfile: Some(text("own/Dockerfile")),
            ..RawServiceBody::default()
        };
        inherit(&mut own, &mut defaults);
        assert!(
            own.template.is_none(),
            "an own dockerfile replaces the template"
        );
    }

    fn template(name: &str, params: &[(&str, &str)]) -> crate::plan::raw::RawTemplateUse {
        crate::plan::raw::RawTemplateUse {
            name: text(name),
            params: params
                .iter()
                .map(|(key, value)| (text(key), text(value)))
                .collect(),
            span: (0, 0).into(),
        }
    }

    #[test]
    fn the_same_template_keeps_the_default_parameters_another_replaces_them() {
        let params = |body: &RawServiceBody| -> Vec<(String, String)> {
            let mut params: Vec<(String, String)> = body
                .template
                .as_ref()
                .expect("a template")
                .params
                .iter()
                .map(|(key, value)| (key.value.clone(), value.value.clone()))
                .collect();
            params.sort();
            params
        };
        let mut defaults = RawServiceBody {
            template: Some(template(
                "python-pip",
                &[("base-image", "m/py"), ("python", "3.11")],
            )),
            ..RawServiceBody::default()
        };
        let mut own = RawServiceBody {
            template: Some(template("python-pip", &[("python", "3.12")])),
            ..RawServiceBody::default()
        };
        inherit(&mut own, &mut defaults);
        assert_eq!(
            params(&own),
            [
                ("base-image".to_owned(), "m/py".to_owned()),
                ("python".to_owned(), "3.12".to_owned())
            ]
        );
        let mut own = RawServiceBody {
            template: Some(template("node", &[("node", "20")])),
            ..RawServiceBody::default()
        };
        inherit(&mut own, &mut defaults);
        assert_eq!(params(&own), [("node".to_owned(), "20".to_owned())]);
    }
}

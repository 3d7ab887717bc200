//! Profiles: what each may override in the bake file.

use super::Resolver;
use crate::plan::model::{CacheOverride, Profile, RegistryCache};
use crate::plan::names::is_valid_name;
use crate::plan::schema::{self, Places};

impl Resolver<'_> {
    pub(super) fn profile(
        &mut self,
        raw: &crate::plan::raw::RawProfile,
        top_cache: Option<&RegistryCache>,
    ) -> Option<Profile> {
        if !is_valid_name(&raw.name.value) {
            self.error(
                "bakeplan::bad-name",
                raw.name.span,
                format!("`{}` is not a valid profile name", raw.name.value),
                "expected [a-z0-9][a-z0-9_-]*",
            );
        }
        let mut ok = true;
        for (child, span) in &raw.body.children {
            if schema::service_only(child) {
                self.error(
                    "bakeplan::not-in-profile",
                    *span,
                    format!("a profile cannot set `{child}`"),
                    "not a profile setting",
                )
                .help = Some(format!(
                    "a profile only changes bake attributes of every target: {}",
                    schema::names(Places::PROFILE)
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
                ok = false;
            }
        }
        let body = &raw.body;
        let profile = Profile {
            name: raw.name.value.clone(),
            platforms: body
                .platforms
                .as_ref()
                .map(|list| self.platforms(Some(list))),
            tags: body.tags.as_ref().map(|list| self.bake_list(Some(list))),
            args: body.args.as_ref().map(|map| self.args(Some(map))),
            labels: body.labels.as_ref().map(|map| self.labels(Some(map))),
            registry_cache: body.registry_cache.as_ref().map(|cache| {
                match self.registry_cache(cache, top_cache) {
                    Some(cache) => CacheOverride::On(cache),
                    None => CacheOverride::Off,
                }
            }),
            cache_from: body
                .cache_from
                .as_ref()
                .map(|list| self.cache_specs(Some(list))),
            cache_to: body
                .cache_to
                .as_ref()
                .map(|list| self.cache_specs(Some(list))),
            target: body.target.as_ref().map(|text| self.bake(text)),
            network: body
                .network
                .as_ref()
                .and_then(|text| self.network(Some(text))),
            secrets: body.secrets.as_ref().map(|list| self.secrets(Some(list))),
            push: raw.push.as_ref().is_some_and(|flag| flag.value),
            load: raw.load.as_ref().is_some_and(|flag| flag.value),
            no_cache: raw.no_cache.as_ref().map(|flag| flag.value),
            pull: raw.pull.as_ref().map(|flag| flag.value),
            builder: body.builder.as_ref().map(|text| text.value.clone()),
        };
        ok.then_some(profile)
    }
}

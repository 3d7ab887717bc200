//! The template extension points: `packages`, `build-packages`, `init`, `user`, `healthcheck`,
//! `workdir`. Only a template renders them: on a service with a hand-written Dockerfile, a
//! block that sets one of them is an error.

use super::Resolver;
use crate::plan::model::{Build, Healthcheck, User};
use crate::plan::raw::{RawHealthcheck, RawServiceBody, RawUser, Text};

/// The children only a template renders.
pub const TEMPLATE_ONLY: &[&str] = &[
    "packages",
    "build-packages",
    "init",
    "user",
    "healthcheck",
    "workdir",
];

/// What the extension children resolve to.
pub struct Extensions {
    pub packages: Vec<String>,
    pub build_packages: Vec<String>,
    pub init: bool,
    pub user: User,
    pub healthcheck: Option<Healthcheck>,
    pub workdir: String,
}

impl Resolver<'_> {
    pub(super) fn extensions(
        &mut self,
        name: &str,
        own: &RawServiceBody,
        build: Option<&Build>,
    ) -> Extensions {
        if matches!(build, Some(Build::Dockerfile { .. })) {
            // Only the service's own block: what `defaults` gives every service is left out.
            for (child, span) in &own.children {
                if TEMPLATE_ONLY.contains(&child.as_str()) {
                    self.error(
                        "bakeplan::not-templated",
                        *span,
                        format!("service `{name}` has a hand-written Dockerfile, so `{child}` would do nothing"),
                        "only a template renders this",
                    )
                    .help = Some(
                        "write it in the Dockerfile itself, or build the service from a `template`"
                            .to_owned(),
                    );
                }
            }
        }
        Extensions {
            packages: self.packages(own.packages.as_ref()),
            build_packages: self.packages(own.build_packages.as_ref()),
            init: own.init.as_ref().is_some_and(|flag| flag.value),
            user: own
                .user
                .as_ref()
                .and_then(|user| self.user(user))
                .unwrap_or_default(),
            healthcheck: own
                .healthcheck
                .as_ref()
                .and_then(|check| self.healthcheck(check)),
            workdir: own
                .workdir
                .as_ref()
                .and_then(|text| self.workdir(text))
                .unwrap_or_else(|| "/app".to_owned()),
        }
    }

    fn packages(&mut self, list: Option<&Vec<Text>>) -> Vec<String> {
        let mut packages: Vec<String> = Vec::new();
        for text in list.into_iter().flatten() {
            if !is_package(&text.value) {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a package name", text.value),
                    "expected a Debian or Alpine package name",
                )
                .help = Some(
                    "a package name is lowercase letters, digits, `+`, `-` and `.`, optionally `=VERSION`, such as `libpq-dev` or `curl=7.88.1-10`"
                        .to_owned(),
                );
            } else if packages.contains(&text.value) {
                self.error(
                    "bakeplan::duplicate",
                    text.span,
                    format!("package `{}` is listed twice", text.value),
                    "listed again",
                );
            } else {
                packages.push(text.value.clone());
            }
        }
        packages
    }

    fn user(&mut self, raw: &RawUser) -> Option<User> {
        let name = &raw.name;
        let mut ok = true;
        if !is_user_name(&name.value) {
            self.error(
                "bakeplan::bad-name",
                name.span,
                format!("`{}` is not a valid user name", name.value),
                "expected [a-z_][a-z0-9_-]*",
            );
            ok = false;
        } else if name.value == "root" {
            self.error(
                "bakeplan::bad-value",
                name.span,
                "the service would run as root".to_owned(),
                "not a non-root user",
            )
            .help = Some("leave `user` out for the default `user \"app\" uid=10001`".to_owned());
            ok = false;
        }
        let uid = match &raw.uid {
            None => User::default().uid,
            Some(uid) => match u32::try_from(uid.value) {
                Ok(value) if value > 0 && i32::try_from(value).is_ok() => value,
                _ => {
                    self.error(
                        "bakeplan::bad-value",
                        uid.span,
                        format!("user id {} is not allowed", uid.value),
                        "expected 1 to 2147483647 (0 is root)",
                    )
                    .help = Some("a non-root user id, such as uid=10001".to_owned());
                    return None;
                }
            },
        };
        ok.then(|| User {
            name: name.value.clone(),
            uid,
        })
    }

    fn healthcheck(&mut self, raw: &RawHealthcheck) -> Option<Healthcheck> {
        let mut ok = true;
        for text in &raw.cmd {
            if text.value.chars().any(|c| matches!(c, '\n' | '\r' | '\0')) {
                self.error(
                    "bakeplan::unsafe-value",
                    text.span,
                    "a health check argument holds a line break".to_owned(),
                    "line break in a HEALTHCHECK argument",
                );
                ok = false;
            }
        }
        let mut duration = |text: &Option<Text>| -> Option<String> {
            let text = text.as_ref()?;
            if is_duration(&text.value) {
                Some(text.value.clone())
            } else {
                self.error(
                    "bakeplan::bad-value",
                    text.span,
                    format!("`{}` is not a duration", text.value),
                    "expected a duration such as 30s, 1m30s or 500ms",
                );
                ok = false;
                None
            }
        };
        let interval = duration(&raw.interval);
        let timeout = duration(&raw.timeout);
        let start_period = duration(&raw.start_period);
        let retries = match &raw.retries {
            None => None,
            Some(retries) => {
                if let Ok(value) = u32::try_from(retries.value) {
                    Some(value)
                } else {
                    self.error(
                        "bakeplan::bad-value",
                        retries.span,
                        format!("{} retries is not a count", retries.value),
                        "expected 0 or more",
                    );
                    ok = false;
                    None
                }
            }
        };
        ok.then(|| Healthcheck {
            cmd: raw.cmd.iter().map(|text| text.value.clone()).collect(),
            interval,
            timeout,
            start_period,
            retries,
        })
    }

    fn workdir(&mut self, text: &Text) -> Option<String> {
        let value = &text.value;
        if value.starts_with('/')
            && !value.chars().any(|c| {
                c.is_control() || c.is_whitespace() || matches!(c, '"' | '\\' | '$' | '\'')
            })
        {
            Some(value.clone())
        } else {
            self.error(
                "bakeplan::bad-value",
                text.span,
                format!("`{value}` is not an absolute path fit for WORKDIR"),
                "expected an absolute path such as /app",
            )
            .help = Some(
                "the working folder is absolute and holds no space, quote, backslash, `$` or line break (it is a word of COPY and WORKDIR lines)"
                    .to_owned(),
            );
            None
        }
    }
}

/// `[a-z0-9][a-z0-9+.-]*`, optionally `=VERSION` with `[A-Za-z0-9.+:~_-]`.
pub fn is_package(text: &str) -> bool {
    let (name, version) = match text.split_once('=') {
        Some((name, version)) => (name, Some(version)),
        None => (text, None),
    };
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '.' | '-'))
        && version.is_none_or(|version| {
            !version.is_empty()
                && version.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | ':' | '~' | '_' | '-')
                })
        })
}

/// `[a-z_][a-z0-9_-]*`.
fn is_user_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-'))
}

/// A Go duration as Docker reads it: one or more `NUMBER UNIT`, units `ns us µs ms s m h`.
pub fn is_duration(text: &str) -> bool {
    let mut rest = text;
    if rest.is_empty() {
        return false;
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        if number.is_empty()
            || number.starts_with('.')
            || number.ends_with('.')
            || number.matches('.').count() > 1
        {
            return false;
        }
        rest = &rest[digits..];
        let Some(unit) = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .iter()
            .filter(|unit| rest.starts_with(*unit))
            .max_by_key(|unit| unit.len())
        else {
            return false;
        };
        rest = &rest[unit.len()..];
    }
    true
}

#[cfg(test)]
mod tests {
    use super::{is_duration, is_package, is_user_name};

    #[test]
    fn package_names_durations_and_user_names() {
        for good in [
            "curl",
            "libpq-dev",
            "g++",
            "python3.11",
            "curl=7.88.1-10+deb12u8",
            "musl=1.2.4-r2",
        ] {
            assert!(is_package(good), "{good}");
        }
        for bad in ["", "Curl", "-x", "a b", "curl=", "curl;rm", "a=b c", "$(x)"] {
            assert!(!is_package(bad), "{bad}");
        }
        for good in ["30s", "1m30s", "500ms", "1.5s", "2h", "10us"] {
            assert!(is_duration(good), "{good}");
        }
        for bad in ["", "30", "s", "1x", "1.s", ".5s", "30 s", "-1s"] {
            assert!(!is_duration(bad), "{bad}");
        }
        assert!(is_user_name("app") && is_user_name("_svc-1"));
        assert!(!is_user_name("App") && !is_user_name("1app") && !is_user_name(""));
    }
}

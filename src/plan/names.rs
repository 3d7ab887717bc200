//! What a name or a value of the plan may look like: checked by the resolver, and by later
//! stages and commands that take names (`bakeplan new`, the output set).

/// `[a-z0-9][a-z0-9_-]*`: a bake target name and an image path component.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub fn is_image_reference(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | ':' | '@' | '-'))
}

/// Whether `text`, ending a Dockerfile line, would continue it onto the next (a final
/// backslash, spaces and tabs after it allowed): what no rendered plan value may do.
pub fn continues_line(text: &str) -> bool {
    text.trim_end_matches([' ', '\t']).ends_with('\\')
}

/// Operating systems and architectures a platform may name: Go's (what the builder's platforms
/// are made of) and the aliases containerd normalizes (`x86_64`, `aarch64`, `armhf`, ...).
const PLATFORM_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "illumos",
    "ios",
    "js",
    "linux",
    "macos",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
];
const PLATFORM_ARCH: &[&str] = &[
    "386", "aarch64", "amd64", "amd64p32", "arm", "arm64", "arm64be", "armbe", "armel", "armhf",
    "i386", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64",
    "s390x", "sparc64", "wasm", "x86_64",
];

/// `os/arch` or `os/arch/variant`, with a known os and arch and a variant like `v7` or `v8.2`.
pub fn is_platform(text: &str) -> bool {
    let parts: Vec<&str> = text.split('/').collect();
    match parts.as_slice() {
        [os, arch, variant @ ..] if variant.len() <= 1 => {
            PLATFORM_OS.contains(os)
                && PLATFORM_ARCH.contains(arch)
                && variant.iter().all(|variant| {
                    let digits = variant.strip_prefix('v').unwrap_or(variant);
                    digits.starts_with(|c: char| c.is_ascii_digit())
                        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
                })
        }
        _ => false,
    }
}

/// Named-context values that are not local folders.
pub fn is_remote_context(value: &str) -> bool {
    value.contains("://") || value.starts_with("target:") || value.starts_with("git@")
}

pub fn is_mount_id(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub fn is_label_key(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'))
}

pub fn is_context_name(text: &str) -> bool {
    text.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && text.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-' | '/' | ':')
        })
}

#[cfg(test)]
mod tests {
    use super::is_platform;

    #[test]
    fn a_platform_names_a_known_os_and_architecture() {
        for good in [
            "linux/amd64",
            "linux/arm64",
            "linux/arm/v7",
            "linux/arm64/v8",
            "linux/amd64/v3",
            "linux/arm/7",
            "linux/x86_64",
            "linux/riscv64",
            "windows/amd64",
            "linux/arm64/v8.2",
        ] {
            assert!(is_platform(good), "{good}");
        }
        for bad in [
            "linux/amd65",
            "linx/amd64",
            "linux",
            "linux/arm/v7/x",
            "linux/arm/seven",
            "linux/arm/v",
            "Linux/amd64",
            "linux//amd64",
            "",
        ] {
            assert!(!is_platform(bad), "{bad}");
        }
    }
}

//! The docker CLI and its buildx plugin, as bakeplan runs them.

use std::process::Command;

/// A clear one-line message when `docker` or `docker buildx` is missing, else `None`.
pub fn missing_buildx() -> Option<String> {
    match Command::new("docker").args(["buildx", "version"]).output() {
        Err(_) => Some("the `docker` command is not installed: install the Docker CLI (e.g. Debian's docker-cli or docker.io package)".to_owned()),
        Ok(output) if !output.status.success() => Some(
            "`docker buildx` is not available: install the buildx plugin (Debian's docker-buildx package, or scripts/install-buildx.sh) into ~/.docker/cli-plugins/"
                .to_owned(),
        ),
        Ok(_) => None,
    }
}

/// The execution modes `docker buildx bake --help` lists for `--execution` (buildx PR 4044:
/// `fail-fast`, `defer-output`, `defer-error`); empty when this buildx has no such flag
/// (0.29 has none) or cannot be asked.
pub fn bake_execution_modes(docker: &[String]) -> Vec<String> {
    Command::new(&docker[0])
        .args(&docker[1..])
        .args(["buildx", "bake", "--help"])
        .output()
        .map(|output| execution_modes(&String::from_utf8_lossy(&output.stdout)))
        .unwrap_or_default()
}

/// The quoted words of the `--execution` option's help, continuation lines included.
pub fn execution_modes(help: &str) -> Vec<String> {
    let mut text = String::new();
    let mut inside = false;
    for line in help.lines() {
        let option = line.trim_start().starts_with('-');
        if option {
            inside = line.trim_start().starts_with("--execution ")
                || line.trim_start().starts_with("--execution=");
        }
        if inside {
            text.push_str(line);
            text.push(' ');
        }
    }
    let mut modes: Vec<String> = Vec::new();
    for word in text.split('"').skip(1).step_by(2) {
        let mode = !word.is_empty()
            && word
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte == b'-');
        if mode && !modes.iter().any(|known| known == word) {
            modes.push(word.to_owned());
        }
    }
    modes
}

/// Image references a Dockerfile takes from outside itself: `FROM` bases and `--from=` images
/// that are not stages of the same file.
pub fn external_images(dockerfile: &str) -> Vec<String> {
    let mut stages: Vec<String> = Vec::new();
    let mut images: Vec<String> = Vec::new();
    let mut add = |image: &str, stages: &[String]| {
        let image = image.trim();
        let is_stage = stages.iter().any(|stage| stage.eq_ignore_ascii_case(image));
        if !image.is_empty()
            && !image.contains('$')
            && image != "scratch"
            && !is_stage
            && !images.iter().any(|known| known == image)
        {
            images.push(image.to_owned());
        }
    };
    for line in dockerfile.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(instruction) = words.first() else {
            continue;
        };
        if instruction.eq_ignore_ascii_case("FROM") {
            if let Some((image, stage)) = crate::plan::dockerfile_from::from_line(line) {
                add(image, &stages);
                stages.extend(stage);
            }
        } else if instruction.eq_ignore_ascii_case("COPY")
            || instruction.eq_ignore_ascii_case("RUN")
        {
            for word in &words[1..] {
                if let Some(from) = word.strip_prefix("--from=") {
                    add(from, &stages);
                }
                for option in word.split(',') {
                    if let Some(from) = option.strip_prefix("from=") {
                        add(from, &stages);
                    }
                }
            }
        }
    }
    images
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_the_execution_modes_of_a_newer_buildx() {
        let help = "Options:\n      --call string            Set method (\"check\", \"outline\")\n      --execution string       Set execution mode (\"fail-fast\",\n                               \"defer-output\", \"defer-error\")\n                               (default \"fail-fast\")\n  -f, --file stringArray       Build definition file\n";
        assert_eq!(
            super::execution_modes(help),
            ["fail-fast", "defer-output", "defer-error"]
        );
        assert!(super::execution_modes("      --call string   (\"check\")\n").is_empty());
    }

    use super::external_images;

    #[test]
    fn finds_bases_but_not_stages() {
        let dockerfile = "FROM python:3.12 AS build\nRUN --mount=type=cache,from=cachesrc,target=/x true\nFROM --platform=$BUILDPLATFORM build AS two\nCOPY --from=common /a /b\nCOPY --from=build /c /d\nFROM scratch\n";
        assert_eq!(
            external_images(dockerfile),
            ["python:3.12", "cachesrc", "common"]
        );
    }
}

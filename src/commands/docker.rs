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
        let arguments: Vec<&str> = words[1..]
            .iter()
            .copied()
            .filter(|word| !word.starts_with("--platform"))
            .collect();
        if instruction.eq_ignore_ascii_case("FROM") {
            if let Some(image) = arguments.first() {
                add(image, &stages);
            }
            if arguments.len() >= 3 && arguments[1].eq_ignore_ascii_case("AS") {
                stages.push(arguments[2].to_owned());
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

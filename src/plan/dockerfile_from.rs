//! The `FROM` lines of a Dockerfile, read the one way every reader of them shares (the graph's
//! base images, `import`'s dependencies between compose services, the images `bake` checks):
//! the instruction word, its flags (`--platform=…`) skipped, the image and an `AS` stage name.

/// `line`'s image and stage name (lower-cased, as stage names are matched) when it is a `FROM`
/// instruction that names an image.
pub fn from_line(line: &str) -> Option<(&str, Option<String>)> {
    let mut words = line.split_whitespace();
    if !words
        .next()
        .is_some_and(|word| word.eq_ignore_ascii_case("FROM"))
    {
        return None;
    }
    let mut words = words.filter(|word| !word.starts_with("--"));
    let image = words.next()?;
    let stage = match (words.next(), words.next()) {
        (Some(keyword), Some(name)) if keyword.eq_ignore_ascii_case("AS") => {
            Some(name.to_ascii_lowercase())
        }
        _ => None,
    };
    Some((image, stage))
}

#[cfg(test)]
mod tests {
    use super::from_line;

    #[test]
    fn reads_the_image_and_the_stage_name() {
        assert_eq!(from_line("FROM debian:12"), Some(("debian:12", None)));
        assert_eq!(
            from_line("from --platform=$BUILDPLATFORM golang:1 As Build"),
            Some(("golang:1", Some("build".to_owned())))
        );
        assert_eq!(from_line("FROM"), None);
        assert_eq!(from_line("RUN FROM x"), None);
        assert_eq!(from_line("  FROM a AS"), Some(("a", None)));
    }
}

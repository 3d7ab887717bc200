//! "Did you mean" suggestions from a list of known names.

/// The closest of `candidates` to `name`, when it is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1) + usize::from(name.len() > 8);
    candidates
        .into_iter()
        .map(|candidate| (distance(name, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| candidate)
}

/// `help` text naming the close name, if any.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|candidate| format!("did you mean `{candidate}`?"))
}

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment, from
/// `strsim`), treating `-` and `_` as equal (a common slip in names) and case as equal.
fn distance(a: &str, b: &str) -> usize {
    let normalize = |text: &str| -> String {
        text.chars()
            .map(|c| {
                if c == '_' {
                    '-'
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect()
    };
    strsim::osa_distance(&normalize(a), &normalize(b))
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn finds_close_names() {
        assert_eq!(
            closest("depend-on", ["depends-on", "context"]),
            Some("depends-on")
        );
        assert_eq!(
            closest("platform", ["platforms", "port"]),
            Some("platforms")
        );
        assert_eq!(closest("cache_mount", ["cache-mount"]), Some("cache-mount"));
        assert_eq!(closest("zzz", ["depends-on", "context"]), None);
        assert_eq!(closest("bsae", ["base", "app"]), Some("base"));
    }
}

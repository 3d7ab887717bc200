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

/// Levenshtein distance, treating `-` and `_` as equal (a common slip in names).
fn distance(a: &str, b: &str) -> usize {
    let normalize = |c: char| {
        if c == '_' {
            '-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    let a: Vec<char> = a.chars().map(normalize).collect();
    let b: Vec<char> = b.chars().map(normalize).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
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
    }
}

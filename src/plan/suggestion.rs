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

/// Edit distance counting a swap of two neighbours as one edit (optimal string alignment),
/// treating `-` and `_` as equal (a common slip in names).
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
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
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

//! The summary printed after every bake: one line per service with its result, duration and,
//! when it was loaded into docker, its image size; `--json FILE` writes the same for CI.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Duration;

use serde::Serialize;

use super::schedule::{Outcome, Report};

/// What buildx's metadata file says of one successful service.
#[derive(Debug, Clone, Default)]
pub struct Image {
    /// The pushed or loaded image's digest (of its index when it has attestations).
    pub digest: Option<String>,
    /// Its names (`image.name`, comma-separated by buildx).
    pub names: Vec<String>,
    /// Bytes, from `docker image inspect`, when the image is in the docker image store.
    pub size: Option<u64>,
}

impl Image {
    /// Reads `--metadata-file`'s entry for the service.
    pub fn from_metadata(path: &std::path::Path, service: &str) -> Self {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Self::default();
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Self::default();
        };
        let entry = &value[service];
        Self {
            digest: entry["containerimage.digest"].as_str().map(str::to_owned),
            names: entry["image.name"]
                .as_str()
                .map(|names| {
                    names
                        .split(',')
                        .filter(|name| !name.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            size: None,
        }
    }

    /// The size of the first name docker knows (an image only pushed has none).
    pub fn read_size(&mut self, docker: &[String]) {
        for name in &self.names {
            let Ok(output) = Command::new(&docker[0])
                .args(&docker[1..])
                .args(["image", "inspect", name, "--format", "{{.Size}}"])
                .output()
            else {
                return;
            };
            if output.status.success()
                && let Ok(size) = String::from_utf8_lossy(&output.stdout).trim().parse()
            {
                self.size = Some(size);
                return;
            }
        }
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    version: u32,
    result: &'static str,
    duration_s: f64,
    services: Vec<JsonService<'a>>,
}

#[derive(Serialize)]
struct JsonService<'a> {
    name: &'a str,
    result: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    finished_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_s: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exit_status: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digest: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    images: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
}

fn seconds(duration: Duration) -> f64 {
    (duration.as_secs_f64() * 10.0).round() / 10.0
}

fn duration(report: &Report) -> Option<Duration> {
    Some(report.finished?.saturating_sub(report.started?))
}

fn reason(outcome: &Outcome) -> Option<String> {
    match outcome {
        Outcome::Skipped { because } | Outcome::Canceled { because } => {
            Some(format!("because {because}"))
        }
        _ => None,
    }
}

pub fn json(reports: &[Report], images: &BTreeMap<String, Image>, total: Duration) -> String {
    let failed = reports.iter().any(|report| !report.outcome.succeeded());
    let summary = JsonSummary {
        version: 1,
        result: if failed { "failed" } else { "succeeded" },
        duration_s: seconds(total),
        services: reports
            .iter()
            .map(|report| {
                let image = images.get(&report.name);
                JsonService {
                    name: &report.name,
                    result: report.outcome.word(),
                    reason: reason(&report.outcome),
                    error: match &report.outcome {
                        Outcome::Failed { error } => Some(error),
                        _ => None,
                    },
                    started_s: report.started.map(seconds),
                    finished_s: report.finished.map(seconds),
                    duration_s: duration(report).map(seconds),
                    exit_status: report.status,
                    digest: image.and_then(|image| image.digest.as_deref()),
                    images: image.map_or(&[], |image| &image.names),
                    size: image.and_then(|image| image.size),
                }
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&summary).expect("serializable");
    text.push('\n');
    text
}

/// `1.2 MB`, `930 kB`, `512 B` (decimal units, as docker prints them).
fn size(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss, reason = "a size shown to one decimal")]
    let value = bytes as f64;
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", value / 1e9)
    } else if bytes >= 1_000_000 {
        format!("{:.1} MB", value / 1e6)
    } else if bytes >= 1_000 {
        format!("{:.0} kB", value / 1e3)
    } else {
        format!("{bytes} B")
    }
}

pub fn text(reports: &[Report], images: &BTreeMap<String, Image>, total: Duration) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for word in ["built", "cached", "done", "failed", "canceled", "skipped"] {
        let count = reports
            .iter()
            .filter(|report| report.outcome.word() == word)
            .count();
        if count > 0 {
            counts.push((word, count));
        }
    }
    let mut out = format!(
        "summary: {} in {:.1}s\n",
        counts
            .iter()
            .map(|(word, count)| format!("{count} {word}"))
            .collect::<Vec<_>>()
            .join(", "),
        total.as_secs_f64()
    );
    let width = reports
        .iter()
        .map(|report| report.name.len())
        .max()
        .unwrap_or(0);
    for report in reports {
        let time = duration(report).map_or(String::new(), |d| format!("{:.1}s", d.as_secs_f64()));
        let detail = match &report.outcome {
            Outcome::Failed { error } => error.clone(),
            outcome => reason(outcome).unwrap_or_else(|| {
                images
                    .get(&report.name)
                    .and_then(|image| image.size)
                    .map(size)
                    .unwrap_or_default()
            }),
        };
        let _ = writeln!(
            out,
            "  {:width$}  {:8}  {:>6}  {}",
            report.name,
            report.outcome.word(),
            time,
            detail
        );
    }
    out.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_in_decimal_units() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(4_300), "4 kB");
        assert_eq!(size(4_321_000), "4.3 MB");
    }
}

//! A sharded build on two builders: a second private dockerd (scripts/second-dockerd.sh: own
//! data root, exec root, socket and pidfile under a temp folder; stopped by its pid) next to
//! the test stack's, both pushing to the registry on 127.0.0.1:5000. Shard 1/2 builds on the
//! first, shard 2/2 on the second at the same time; a dependency crosses from one to the other
//! by digest. Every service is built exactly once, and every image prints what the images of
//! an unsharded build print.

use std::collections::BTreeMap;
use std::process::Command;

use crate::e2e::{buildkit, docker, run_image};
use crate::execution::fresh;
use crate::support::{Run, Test, repo_root};

pub struct SecondDockerd {
    dir: tempfile::TempDir,
    pub host: String,
}

impl SecondDockerd {
    /// Starts it with `local/busybox:1` copied from the first daemon.
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("bp-d2.")
            .tempdir_in("/tmp")
            .expect("temp dir");
        let output = Command::new(repo_root().join("scripts/second-dockerd.sh"))
            .arg("start")
            .arg(dir.path())
            .output()
            .expect("second-dockerd.sh");
        assert!(
            output.status.success(),
            "second dockerd: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let host = String::from_utf8_lossy(&output.stdout).trim().to_owned();
        Self { dir, host }
    }
}

impl Drop for SecondDockerd {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/second-dockerd.sh"))
            .arg("stop")
            .arg(self.dir.path())
            .status();
    }
}

fn plan(builder_host: &str) -> Test {
    let tag = |name: &str| format!("tags \"127.0.0.1:5000/bp-shard/{name}:${{TAG}}\"");
    Test::new()
        .plan(&format!(
            r#"variable "TAG" default="dev"
defaults {{ network "none"; args {{ TAG "${{TAG}}"; }}; }}
service "base" {{ context "base"; dockerfile "base/Dockerfile"; {base}; }}
service "app" {{ context "app"; dockerfile "app/Dockerfile"; depends-on "base"; {app}; }}
service "solo" {{ context "solo"; dockerfile "solo/Dockerfile"; {solo}; }}
service "top" {{ context "top"; dockerfile "top/Dockerfile"; depends-on "base" "solo"; {top}; }}
builder "bp-shard-2" {{ node "d2" endpoint="{builder_host}"; driver "docker"; }}
"#,
            base = tag("base"),
            app = tag("app"),
            solo = tag("solo"),
            top = tag("top"),
        ))
        .write(
            "base/Dockerfile",
            "FROM local/busybox:1\nARG TAG\nRUN echo \"base $TAG\" > /base.txt\nCMD [\"cat\", \"/base.txt\"]\n",
        )
        .write(
            "app/Dockerfile",
            "FROM local/busybox:1\nCOPY --from=base /base.txt /app.txt\nRUN echo app >> /app.txt\nCMD [\"cat\", \"/app.txt\"]\n",
        )
        .write(
            "solo/Dockerfile",
            "FROM local/busybox:1\nRUN echo solo > /solo.txt\nCMD [\"cat\", \"/solo.txt\"]\n",
        )
        .write(
            "top/Dockerfile",
            "FROM local/busybox:1\nCOPY --from=base /base.txt /top.txt\nCOPY --from=solo /solo.txt /solo.txt\nRUN cat /solo.txt >> /top.txt && echo top >> /top.txt\nCMD [\"cat\", \"/top.txt\"]\n",
        )
}

fn results(test: &Test, file: &str) -> BTreeMap<String, String> {
    let summary: serde_json::Value = serde_json::from_str(&test.read(file)).expect("summary JSON");
    summary["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|service| {
            (
                service["name"].as_str().expect("name").to_owned(),
                service["result"].as_str().expect("result").to_owned(),
            )
        })
        .collect()
}

const SERVICES: [&str; 4] = ["base", "app", "solo", "top"];

/// Removes the images a run pulled (each run's tag is new) when the test ends, passed or not.
struct Pulled(Vec<String>);

impl Drop for Pulled {
    fn drop(&mut self) {
        for tag in &self.0 {
            for name in SERVICES {
                let _ = docker(&[
                    "image",
                    "rm",
                    &format!("127.0.0.1:5000/bp-shard/{name}:{tag}"),
                ]);
            }
        }
    }
}

/// What each pushed image prints, with the run's tag replaced by `TAG`.
fn outputs(tag: &str) -> BTreeMap<&'static str, String> {
    SERVICES
        .into_iter()
        .map(|name| {
            let image = format!("127.0.0.1:5000/bp-shard/{name}:{tag}");
            let (ok, pulled) = docker(&["pull", "-q", &image]);
            assert!(ok, "{pulled}");
            (name, run_image(&image).replace(tag, "TAG"))
        })
        .collect()
}

#[test]
#[cfg_attr(
    not(feature = "buildkit"),
    ignore = "needs BuildKit: cargo test --features buildkit (scripts/test does)"
)]
fn a_sharded_build_on_two_builders_builds_each_service_once() {
    let _lock = buildkit();
    let second = SecondDockerd::start();
    let test = plan(&second.host);
    let run = test.run_with(&["graph", "--format", "matrix", "--shards", "2"]);
    run.assert_status(0);
    assert_eq!(
        run.stdout,
        "{\"include\":[{\"index\":1,\"services\":[\"base\",\"app\"],\"shard\":\"1/2\",\"total\":2},{\"index\":2,\"services\":[\"solo\",\"top\"],\"shard\":\"2/2\",\"total\":2}]}\n"
    );
    test.run_with(&["compile"]).assert_status(0);
    let _ = test.run_with(&["builder", "rm", "bp-shard-2"]);
    test.run_with(&["builder", "create", "bp-shard-2"])
        .assert_status(0);
    let tag = format!("s{}", fresh());
    let whole = format!("w{}", fresh());
    let _pulled = Pulled(vec![tag.clone(), whole.clone()]);
    let env = [("TAG", tag.as_str())];
    // Both shards at once: shard 2 waits for `base` from shard 1.
    let (one, two): (Run, Run) = std::thread::scope(|scope| {
        let one = scope.spawn(|| {
            test.run_with_env(
                &[
                    "bake",
                    "--shard",
                    "1/2",
                    "--progress",
                    "plain",
                    "--json",
                    "one.json",
                ],
                &env,
            )
        });
        let two = scope.spawn(|| {
            test.run_with_env(
                &[
                    "bake",
                    "--shard",
                    "2/2",
                    "--builder",
                    "bp-shard-2",
                    "--progress",
                    "plain",
                    "--json",
                    "two.json",
                ],
                &env,
            )
        });
        (one.join().expect("shard 1"), two.join().expect("shard 2"))
    });
    let _ = test.run_with(&["builder", "rm", "bp-shard-2"]);
    one.assert_status(0);
    two.assert_status(0);
    let built = |pairs: &[&str]| -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|name| ((*name).to_owned(), "built".to_owned()))
            .collect()
    };
    assert_eq!(results(&test, "one.json"), built(&["base", "app"]));
    assert_eq!(results(&test, "two.json"), built(&["solo", "top"]));
    assert!(
        two.stderr
            .contains("running: docker --context bp-shard-2 buildx bake")
            && two
                .stderr
                .contains("load metadata for 127.0.0.1:5000/bp-shard/base@sha256:"),
        "shard 2 takes base from the registry by digest:\n{}",
        two.stderr
    );
    assert!(
        !two.stderr.contains("RUN echo \"base"),
        "shard 2 never builds base:\n{}",
        two.stderr
    );
    let sharded = outputs(&tag);
    assert_eq!(sharded["top"], "base TAG\nsolo\ntop\n");
    // The same plan unsharded, on the first builder.
    test.run_with_env(&["bake", "--push"], &[("TAG", whole.as_str())])
        .assert_status(0);
    assert_eq!(outputs(&whole), sharded);
    drop(second);
}

//! Compile benchmark: layered synthetic plans (a few base libraries, many services each
//! depending on one to three of them) at 100, 1,000 and 10,000 services. Prints the wall time
//! and peak memory of `bakeplan compile` (fresh folder, every file written) and of
//! `docker buildx bake --print` on the emitted file.
//!
//! Run: `cargo bench --bench compile` (add `-- --quick` for one run per size).
//! Goals: 1,000 services in ≤ 50 ms and ≤ 1/5 of `--print`'s time; 10,000 ≤ 12× the 1,000 case.

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A deterministic layered plan of `services` services.
fn synthetic_plan(services: usize) -> String {
    let bases = (services / 50).clamp(3, 40);
    let mut plan = String::from(
        "version 1\nvariable \"REGISTRY\" default=\"localhost:5000/bench\"\nvariable \"TAG\" default=\"latest\"\n\
         cache-mount \"pip\" target=\"/root/.cache/pip\"\ncache-mount \"pdm\" target=\"/root/.cache/pdm\" sharing=\"locked\"\n\
         registry-cache ref=\"${REGISTRY}/cache:{service}\" mode=\"max\"\n\
         defaults {\n    template \"python-pdm\" python=\"3.12\"\n    cache-mount \"pip\" \"pdm\"\n    platforms \"linux/amd64\"\n}\n",
    );
    for base in 0..bases {
        let _ = writeln!(
            plan,
            "service \"base-{base}\" {{\n    context \"libs/base-{base}\"\n    description \"base library {base}\"\n}}"
        );
    }
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        usize::try_from(state % bound as u64).expect("fits")
    };
    for service in 0..services.saturating_sub(bases) {
        let count = 1 + next(3);
        let mut deps: Vec<usize> = (0..count).map(|_| next(bases)).collect();
        deps.sort_unstable();
        deps.dedup();
        let deps: Vec<String> = deps.iter().map(|dep| format!("\"base-{dep}\"")).collect();
        let _ = writeln!(
            plan,
            "service \"svc-{service}\" {{\n    context \"services/svc-{service}\"\n    depends-on {}\n    port {}\n    cmd \"pdm\" \"run\" \"start\"\n    env {{ SERVICE_NAME \"svc-{service}\" }}\n}}",
            deps.join(" "),
            8000 + service % 1000
        );
    }
    let _ = writeln!(
        plan,
        "profile \"ci\" {{ platforms \"linux/amd64\" \"linux/arm64\"; push #true; }}"
    );
    plan
}

struct Measure {
    wall: Duration,
    peak_kib: i64,
}

/// Runs the command and measures its wall time and peak resident memory (wait4's rusage).
#[allow(unsafe_code)]
fn measure(command: &mut Command) -> Measure {
    let start = Instant::now();
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = i32::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; the pid is our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &raw mut status, 0, &raw mut usage) };
    let wall = start.elapsed();
    assert_eq!(waited, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{command:?} failed"
    );
    std::mem::forget(child);
    Measure {
        wall,
        peak_kib: usage.ru_maxrss,
    }
}

fn median(mut runs: Vec<Measure>) -> Measure {
    runs.sort_by_key(|run| run.wall);
    runs.swap_remove(runs.len() / 2)
}

/// A monorepo for the plan: the plan file and every context folder with a source file, as a
/// real repository has them before its first compile.
fn monorepo(plan: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir_in(bench_root()).expect("temp dir");
    std::fs::write(dir.path().join("bakeplan.kdl"), plan).expect("write plan");
    for line in plan.lines() {
        if let Some(context) = line
            .trim()
            .strip_prefix("context \"")
            .and_then(|rest| rest.strip_suffix('"'))
        {
            let folder = dir.path().join(context);
            std::fs::create_dir_all(&folder).expect("context folder");
            std::fs::write(folder.join("app.py"), "print('ok')\n").expect("source file");
        }
    }
    dir
}

/// Where the benchmark's folders go: `BENCH_DIR`, else the system's temp folder.
fn bench_root() -> std::path::PathBuf {
    std::env::var_os("BENCH_DIR").map_or_else(std::env::temp_dir, std::path::PathBuf::from)
}

struct Sizes {
    cold: Measure,
    warm: Measure,
    /// Warm, the plan parsed whole on one core (`BAKEPLAN_PARSE_WHOLE=1`): the parallel
    /// splitter's worth.
    warm_whole: Measure,
    print: Option<Measure>,
}

fn bench_size(services: usize, repeats: usize) -> Sizes {
    let plan = synthetic_plan(services);
    let bakeplan = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bakeplan"));
        command.arg("compile");
        command
    };
    // Cold: a fresh monorepo, every Dockerfile and bake file written.
    let cold = median(
        (0..repeats)
            .map(|_| {
                let dir = monorepo(&plan);
                measure(bakeplan().current_dir(dir.path()))
            })
            .collect(),
    );
    // Warm: the same compile when every generated file is already in sync (nothing written).
    let dir = monorepo(&plan);
    let status = bakeplan()
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .status();
    assert!(status.is_ok_and(|status| status.success()));
    // Both ways in turn, so that both see the same machine.
    let (mut warm, mut warm_whole) = (Vec::new(), Vec::new());
    for _ in 0..repeats {
        warm.push(measure(bakeplan().current_dir(dir.path())));
        warm_whole.push(measure(
            bakeplan()
                .env("BAKEPLAN_PARSE_WHOLE", "1")
                .current_dir(dir.path()),
        ));
    }
    let (warm, warm_whole) = (median(warm), median(warm_whole));
    let print = buildx_available().then(|| {
        median(
            (0..repeats.min(3))
                .map(|_| {
                    measure(
                        Command::new("docker")
                            .args(["buildx", "bake", "--print", "-f", "docker-bake.hcl"])
                            .current_dir(dir.path()),
                    )
                })
                .collect(),
        )
    });
    Sizes {
        cold,
        warm,
        warm_whole,
        print,
    }
}

fn buildx_available() -> bool {
    Command::new("docker")
        .args(["buildx", "version"])
        .output()
        .is_ok_and(|output| output.status.success())
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn main() {
    let quick = std::env::args().any(|arg| arg == "--quick");
    println!("folders under {}", bench_root().display());
    println!(
        "{:>8}  {:>10}  {:>10}  {:>11}  {:>10}  {:>11}",
        "services", "cold ms", "warm ms", "compile MiB", "--print ms", "--print MiB"
    );
    let mut results = Vec::new();
    for services in [100, 1_000, 10_000] {
        let repeats = if quick || services >= 10_000 { 1 } else { 7 };
        let sizes = bench_size(services, repeats);
        #[allow(clippy::cast_precision_loss)]
        let mib = |kib: i64| kib as f64 / 1024.0;
        println!(
            "{services:>8}  {:>10.1}  {:>10.1}  {:>11.1}  {:>10}  {:>11}",
            ms(sizes.cold.wall),
            ms(sizes.warm.wall),
            mib(sizes.cold.peak_kib.max(sizes.warm.peak_kib)),
            sizes
                .print
                .as_ref()
                .map_or("n/a".to_owned(), |print| format!("{:.1}", ms(print.wall))),
            sizes
                .print
                .as_ref()
                .map_or("n/a".to_owned(), |print| format!(
                    "{:.1}",
                    mib(print.peak_kib)
                )),
        );
        results.push((services, sizes));
    }
    let at = |n: usize| {
        &results
            .iter()
            .find(|(services, _)| *services == n)
            .expect("measured")
            .1
    };
    let (k1, k10) = (at(1_000), at(10_000));
    println!();
    println!(
        "1,000 services: cold {:.1} ms, warm {:.1} ms (goal ≤ 50 ms)",
        ms(k1.cold.wall),
        ms(k1.warm.wall)
    );
    for (n, sizes) in &results {
        println!(
            "{n} services warm: {:.1} ms with the parallel splitter, {:.1} ms parsed whole",
            ms(sizes.warm.wall),
            ms(sizes.warm_whole.wall)
        );
    }
    if let Some(print) = &k1.print {
        println!(
            "1,000 services: compile / --print = {:.3} cold, {:.3} warm (goal ≤ 0.2)",
            k1.cold.wall.as_secs_f64() / print.wall.as_secs_f64(),
            k1.warm.wall.as_secs_f64() / print.wall.as_secs_f64()
        );
    }
    println!(
        "10,000 / 1,000 services: {:.1}× cold, {:.1}× warm (goal ≤ 12×)",
        k10.cold.wall.as_secs_f64() / k1.cold.wall.as_secs_f64(),
        k10.warm.wall.as_secs_f64() / k1.warm.wall.as_secs_f64()
    );
}

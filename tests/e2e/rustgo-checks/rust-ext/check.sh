#!/usr/bin/env bash
# The template extension points (packages, build-packages, init, user, healthcheck, workdir, env,
# port), the `dev` stage and the build checks, on a standalone Cargo project with the "rust"
# template. BAKEPLAN=path/to/bakeplan builds with `bakeplan bake --load`; without it the
# Dockerfile is rendered by ../render_fallback.py. Prints PASS/FAIL lines, exits 1 on any FAIL.
FIXTURE=$(cd "$(dirname "$0")" && pwd)
source "$FIXTURE/../lib.sh"
SPEC='{"template": "rust", "workspace": null, "registry": "local",
  "params": {"build-image": "local/rust:1", "base-image": "local/debian:12", "bin": "ext"},
  "services": {"rust-ext": {"path": "app", "packages": ["curl"], "build_packages": ["pkg-config"],
    "init": true, "user": {"name": "svc", "uid": 10010}, "workdir": "/srv", "ports": [8080],
    "env": {"GREETING": "hello \"there\" $HOME"},
    "healthcheck": {"cmd": ["curl", "-fsS", "http://127.0.0.1:8080/"], "interval": "1s", "timeout": "2s", "start_period": null, "retries": 3}}}}'
setup
I=local/rust-ext:latest
C=rust-ext-check-$NONCE
trap 'docker rm -f "$C" >/dev/null 2>&1; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
mkdir -p "$W/app/.git" "$W/app/target/release" && echo junk >"$W/app/.git/HEAD" && echo junk >"$W/app/target/release/junk"

check "compile" compile
ctx=$(context_files app/Dockerfile app)
expect_files "context: the project without .git, target/ or the generated files" "$ctx" \
"Cargo.lock
Cargo.toml
src/main.rs"
raw_bake lint --call check rust-ext
check "build checks: no warning" grep -q 'Check complete, no warnings found' "$T/lint.log"
check "bake builds" bake e1

docker run -d --name "$C" "$I" >/dev/null
healthy=
for _ in $(seq 1 30); do
    state=$(docker inspect --format '{{.State.Health.Status}}' "$C" 2>/dev/null)
    [ "$state" = healthy ] && { healthy=1; break; }
    sleep 0.5
done
check "healthcheck: the container reaches healthy (last: $state)" [ -n "$healthy" ]
check "starts and sees its env: $(docker logs "$C" 2>&1 | head -1)" bash -c "docker logs '$C' 2>&1 | grep -qF 'ext: hello \"there\" \$HOME on port 8080'"
out=$(docker exec "$C" sh -c 'id -u; id -un; echo "$HOME"; pwd; touch "$HOME/w" && echo writable' 2>&1 | tr '\n' ' ')
check "user: uid 10010 named svc, HOME /home/svc writable, WORKDIR /srv ($out)" [ "$out" = "10010 svc /home/svc /srv writable " ]
out=$(docker exec "$C" cat /proc/1/cmdline | tr '\0' ' ')
check "init: PID 1 is tini ($out)" [ "$out" = "/usr/local/bin/tini -- /usr/local/bin/ext " ]
start=$(date +%s%N)
docker stop "$C" >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
check "init: docker stop took ${ms} ms (< 2000)" [ "$ms" -lt 2000 ]
docker rm -f "$C" >/dev/null 2>&1

check "packages: curl present at run time" bash -c "docker run --rm '$I' curl --version >/dev/null"
check "build-packages: pkg-config absent at run time" bash -c "! docker run --rm '$I' sh -c 'command -v pkg-config' >/dev/null 2>&1"
out=$(docker run --rm "$I" ls /usr/local/bin | tr '\n' ' ')
check "runtime: /usr/local/bin holds the binary and tini only ($out)" [ "$out" = "ext tini " ]
check "runtime: no Cargo.lock, sources or dev-dependency" bash -c "! docker run --rm '$I' sh -c 'find / -xdev \\( -name Cargo.lock -o -name \"*.rs\" -o -name \"*static_assertions*\" \\) 2>/dev/null' | grep -q ."
check "runtime: EXPOSE 8080" bash -c "docker image inspect --format '{{json .Config.ExposedPorts}}' '$I' | grep -q 8080/tcp"

raw_bake dev --load --set rust-ext.target=dev --set rust-ext.tags=local/rust-ext:dev rust-ext
check "target dev builds" grep -q 'naming to docker.io/local/rust-ext:dev' "$T/dev.log"
check "dev: dev-dependency static_assertions compiled in" bash -c "docker run --rm local/rust-ext:dev sh -c 'ls /app/target/debug/deps' | grep -q '^libstatic_assertions-.*\\.rlib\$'"
check "dev: sources and build-packages present" docker run --rm local/rust-ext:dev sh -c 'test -f /app/src/main.rs && command -v pkg-config >/dev/null'

# Standalone projects get the dependency layer too: a source change re-runs no dependency build.
sed -i "s/ext: /ext-v2-$NONCE: /" "$W/app/src/main.rs"
bake e2
check "source change: dependency step CACHED" is_state e2 'build [0-9]+/[0-9]+\] RUN .*cargo build --release --locked --manifest-path "./Cargo.toml"$' CACHED
check "source change: source step re-ran" is_state e2 'build [0-9]+/[0-9]+\] RUN .*-exec touch' RAN
check "source change: new binary" bash -c "docker run --rm '$I' timeout 1 /usr/local/bin/ext | grep -q 'ext-v2-$NONCE: '"
finish

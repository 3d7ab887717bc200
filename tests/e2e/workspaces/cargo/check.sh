#!/usr/bin/env bash
# The "rust" template in workspace mode on a Cargo workspace (alpha -> greet -> core, beta -> core).
# BAKEPLAN=path/to/bakeplan builds with `bakeplan bake --load`; without it the Dockerfiles are
# rendered by ../../rustgo-checks/render_fallback.py. Works on a temporary copy; prints PASS/FAIL
# lines and exits 1 on any FAIL.
FIXTURE=$(cd "$(dirname "$0")" && pwd)
source "$FIXTURE/../../rustgo-checks/lib.sh"
SPEC='{"template": "rust", "workspace": ".", "registry": "local/cargo-ws",
  "params": {"build-image": "local/rust:1", "base-image": "local/debian:12"},
  "services": {
    "alpha": {"path": "services/alpha", "libraries": [{"name": "core", "path": "libs/core"}, {"name": "greet", "path": "libs/greet"}]},
    "beta": {"path": "services/beta", "libraries": [{"name": "core", "path": "libs/core"}]}}}'
setup
A=local/cargo-ws/alpha:latest
B=local/cargo-ws/beta:latest
dep() { echo "\\[$1 build [0-9]+/[0-9]+\\] RUN .*cargo build --release --locked --manifest-path \"services/$1/Cargo.toml\"\$"; }
src() { echo "\\[$1 build [0-9]+/[0-9]+\\] RUN .*-exec touch"; }

# Decoys that must never reach BuildKit.
mkdir -p "$W/.git" "$W/services/alpha/target/release" "$W/docs"
echo junk >"$W/.git/HEAD"
echo junk >"$W/services/alpha/target/release/junk"
echo junk >"$W/docs/README.md"

check "compile" compile
ctx=$(context_files services/alpha/Dockerfile .)
expect_files "alpha: context = workspace manifests, every member's Cargo.toml, alpha + greet + core sources" "$ctx" \
"Cargo.lock
Cargo.toml
libs/core/Cargo.toml
libs/core/src/lib.rs
libs/greet/Cargo.toml
libs/greet/src/lib.rs
services/alpha/Cargo.toml
services/alpha/src/main.rs
services/beta/Cargo.toml"
ctx=$(context_files services/beta/Dockerfile .)
expect_files "beta: context = workspace manifests, every member's Cargo.toml, beta + core sources" "$ctx" \
"Cargo.lock
Cargo.toml
libs/core/Cargo.toml
libs/core/src/lib.rs
libs/greet/Cargo.toml
services/alpha/Cargo.toml
services/beta/Cargo.toml
services/beta/src/main.rs"

check "bake builds alpha and beta" bake b1
out=$(run_out $A)
info "alpha says: $out"
check "alpha runs, uses greet -> core and itoa" contains "$out" "alpha-v1: hello alpha from greet-v1 (core-v1, 2+3=5) itoa=42"
out=$(run_out $B)
info "beta says: $out"
check "beta runs and uses core" contains "$out" "beta-v1: core-v1 20+22=42"
out=$(docker run --rm $B sh -c 'id -u; id -un; echo "$HOME"; pwd; touch "$HOME/w" && echo writable' 2>/dev/null | tr '\n' ' ')
check "beta: uid 10001 named app, HOME /home/app writable, WORKDIR /app ($out)" [ "$out" = "10001 app /home/app /app writable " ]
out=$(docker run --rm $B sh -c 'ls /usr/local/bin' 2>/dev/null | tr '\n' ' ')
check "beta: runtime holds only the beta binary ($out)" [ "$out" = "beta " ]
check "alpha: no Cargo.lock, manifests or sources in the runtime" bash -c "! docker run --rm $A sh -c 'find / -xdev \\( -name Cargo.lock -o -name Cargo.toml -o -name \"*.rs\" \\) 2>/dev/null' | grep -q ."

export_stage alpha buildinfo "$T/info-alpha"
export_stage beta buildinfo "$T/info-beta"
lockver=$(awk '/^name = "itoa"/ { getline; gsub(/[^0-9.]/, ""); print }' "$W/Cargo.lock")
check "alpha: built with itoa v$lockver, the version Cargo.lock pins" grep -qx "itoa v$lockver" "$T/info-alpha/tree.txt"
check "alpha: dev-dependency static_assertions not in the release build" bash -c "! grep -q static_assertions '$T/info-alpha/tree.txt' && ! grep -q 'Compiling static_assertions' '$T/b1.log'"
check "alpha: dep-info lists greet and core sources" bash -c "grep -q libs/greet/src/lib.rs '$T/info-alpha/alpha.d' && grep -q libs/core/src/lib.rs '$T/info-alpha/alpha.d'"
check "beta: itoa (alpha's crate) not in beta's build" bash -c "! grep -q itoa '$T/info-beta/tree.txt'"
check "beta: dep-info names core, not greet" bash -c "grep -q libs/core/src/lib.rs '$T/info-beta/beta.d' && ! grep -q libs/greet '$T/info-beta/beta.d'"

# Service source change: dependency step cached, source step re-runs, beta untouched.
sed -i "s/alpha-v1/alpha-v2-$NONCE/" "$W/services/alpha/src/main.rs"
bake b2
check "alpha source change: alpha dependency step CACHED" is_state b2 "$(dep alpha)" CACHED
check "alpha source change: alpha source step re-ran" is_state b2 "$(src alpha)" RAN
only_members() { local lines; lines=$(grep -o 'Compiling .*' "$T/$1.log"); [ -n "$lines" ] && ! grep -v '(/app/' <<<"$lines" >/dev/null; }
check "alpha source change: only workspace members compiled" only_members b2
check "alpha source change: new binary" contains "$(run_out $A)" "alpha-v2-$NONCE:"
check "alpha source change: beta source step CACHED" is_state b2 "$(src beta)" CACHED

# Library changes: greet (alpha only), then core (both).
sed -i "s/greet-v1/greet-v2-$NONCE/" "$W/libs/greet/src/lib.rs"
bake b3
check "greet change: alpha source step re-ran" is_state b3 "$(src alpha)" RAN
check "greet change: alpha dependency step CACHED" is_state b3 "$(dep alpha)" CACHED
check "greet change: alpha says greet-v2" contains "$(run_out $A)" "greet-v2-$NONCE"
check "greet change: beta not rebuilt (source step CACHED)" is_state b3 "$(src beta)" CACHED
sed -i "s/core-v1/core-v2-$NONCE/" "$W/libs/core/src/lib.rs"
bake b4
check "core change: alpha source step re-ran" is_state b4 "$(src alpha)" RAN
check "core change: beta source step re-ran" is_state b4 "$(src beta)" RAN
check "core change: alpha dependency step CACHED" is_state b4 "$(dep alpha)" CACHED
check "core change: beta dependency step CACHED" is_state b4 "$(dep beta)" CACHED
check "core change: both binaries say core-v2" bash -c "docker run --rm $A | grep -q core-v2-$NONCE && docker run --rm $B | grep -q core-v2-$NONCE"

# Lockfile change: itoa moved to another version by the build image's cargo.
docker run --rm --network host -v "$W:/w" -w /w -e CARGO_UNSTABLE_SPARSE_REGISTRY=true local/rust:1 \
    sh -c 'cargo update -p itoa --precise 1.0.14 && rm -rf target' >"$T/update.log" 2>&1
echo "# check $NONCE" >>"$W/Cargo.lock"
check "Cargo.lock now pins itoa 1.0.14" grep -q '^version = "1.0.14"' "$W/Cargo.lock"
bake b5
check "Cargo.lock change: alpha dependency step re-ran" is_state b5 "$(dep alpha)" RAN
check "Cargo.lock change: beta dependency step re-ran (one lockfile)" is_state b5 "$(dep beta)" RAN
export_stage alpha buildinfo "$T/info-alpha"
check "Cargo.lock change: alpha built with itoa v1.0.14" grep -qx 'itoa v1.0.14' "$T/info-alpha/tree.txt"
no_itoa() { ! step_log b5 "$(dep beta)" | grep -q itoa; }
check "Cargo.lock change: beta's dependency step neither downloaded nor compiled itoa" no_itoa

# A stale Cargo.lock fails the build with cargo's --locked message.
printf '\n[dependencies.itoa]\nversion = "1"\n' >>"$W/services/beta/Cargo.toml"
if bake b6 beta; then fail "stale Cargo.lock: the build should fail"; else
    check "stale Cargo.lock: fails with cargo's --locked error" grep -q 'needs to be updated but --locked was passed' "$T/b6.log"
fi
finish

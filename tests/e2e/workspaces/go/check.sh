#!/usr/bin/env bash
# The "go" template in workspace mode on one Go module (cmd/alpha -> internal/greet ->
# internal/core, cmd/beta -> internal/core). BAKEPLAN=path/to/bakeplan builds with `bakeplan bake
# --load`; without it the Dockerfiles are rendered by ../../rustgo-checks/render_fallback.py.
# Works on a temporary copy; prints PASS/FAIL lines and exits 1 on any FAIL.
# The module has no external modules (no Go module proxy is reachable from these builds), so
# "the version go.sum pins" and "a module only the other service needs" are about packages of
# the module here: what the linker keeps.
FIXTURE=$(cd "$(dirname "$0")" && pwd)
source "$FIXTURE/../../rustgo-checks/lib.sh"
SPEC='{"template": "go", "workspace": ".", "registry": "local/go-ws",
  "params": {"build-image": "local/golang:1", "base-image": "local/busybox:1"},
  "services": {
    "alpha": {"path": "cmd/alpha", "libraries": [{"name": "core", "path": "internal/core"}, {"name": "greet", "path": "internal/greet"}]},
    "beta": {"path": "cmd/beta", "libraries": [{"name": "core", "path": "internal/core"}]}}}'
setup
A=local/go-ws/alpha:latest
B=local/go-ws/beta:latest
# go.mod and go.sum are the module's: the dependency step is one vertex for every service.
download() { echo "\\[[a-z]+ deps [0-9]+/[0-9]+\\] RUN .*go mod download"; }
gobuild() { echo "\\[$1 build [0-9]+/[0-9]+\\] RUN .*go build "; }

mkdir -p "$W/.git" "$W/docs" "$W/tools"
echo junk >"$W/.git/HEAD"
echo junk >"$W/docs/README.md"
printf 'package main\n\nfunc main() {}\n' >"$W/tools/main.go"

check "compile" compile
ctx=$(context_files cmd/alpha/Dockerfile .)
expect_files "alpha: context = go.mod + cmd/alpha, internal/greet, internal/core" "$ctx" \
"cmd/alpha/main.go
go.mod
internal/core/core.go
internal/greet/greet.go"
ctx=$(context_files cmd/beta/Dockerfile .)
expect_files "beta: context = go.mod + cmd/beta, internal/core" "$ctx" \
"cmd/beta/main.go
go.mod
internal/core/core.go"

check "bake builds alpha and beta" bake g1
out=$(run_out $A)
info "alpha says: $out"
check "alpha runs, uses greet -> core, HOME set" contains "$out" "alpha-v1: hello alpha from greet-v1 (core-v1, 2+3=5) home=/home/app"
out=$(run_out $B)
info "beta says: $out"
check "beta runs and uses core" contains "$out" "beta-v1: core-v1 20+22=42"
out=$(docker run --rm $B sh -c 'id -u; echo "$HOME"; pwd; touch "$HOME/w" && echo writable' 2>/dev/null | tr '\n' ' ')
check "beta: uid 10001, HOME /home/app writable, WORKDIR /app ($out)" [ "$out" = "10001 /home/app /app writable " ]
out=$(docker run --rm $B sh -c 'ls /usr/local/bin' 2>/dev/null | tr '\n' ' ')
check "beta: runtime holds only the beta binary ($out)" [ "$out" = "beta " ]
check "alpha: no go.mod or sources in the runtime" bash -c "! docker run --rm $A sh -c 'find / -xdev \\( -name go.mod -o -name \"*.go\" \\) 2>/dev/null' | grep -q ."
n_alpha=$(docker run --rm $A sh -c 'strings /usr/local/bin/alpha | grep -c gomono/internal/greet' 2>/dev/null)
n_beta=$(docker run --rm $B sh -c 'strings /usr/local/bin/beta | grep -c gomono/internal/greet' 2>/dev/null)
check "package greet linked into alpha ($n_alpha) and absent from beta ($n_beta)" [ "${n_alpha:-0}" -gt 0 -a "${n_beta:-1}" = 0 ]
gover=$(docker run --rm local/golang:1 go version | awk '{print $3}')
check "beta: built by the build image's Go ($gover), no module beyond the main one" bash -c "docker create --name gows-$NONCE $B >/dev/null && docker cp gows-$NONCE:/usr/local/bin/beta '$T/beta' && docker rm gows-$NONCE >/dev/null && docker run --rm -v '$T:/t' local/golang:1 go version -m /t/beta > '$T/beta.version' && grep -q '$gover' '$T/beta.version' && ! grep -qE '^\\s+dep\\s' '$T/beta.version'"

sed -i "s/alpha-v1/alpha-v2-$NONCE/" "$W/cmd/alpha/main.go"
bake g2
check "alpha source change: go mod download CACHED" is_state g2 "$(download)" CACHED
check "alpha source change: alpha go build re-ran" is_state g2 "$(gobuild alpha)" RAN
check "alpha source change: new binary" contains "$(run_out $A)" "alpha-v2-$NONCE:"
check "alpha source change: beta go build CACHED" is_state g2 "$(gobuild beta)" CACHED

sed -i "s/greet-v1/greet-v2-$NONCE/" "$W/internal/greet/greet.go"
bake g3
check "greet change: alpha says greet-v2" contains "$(run_out $A)" "greet-v2-$NONCE"
check "greet change: alpha go mod download CACHED" is_state g3 "$(download)" CACHED
check "greet change: alpha go build re-ran" is_state g3 "$(gobuild alpha)" RAN
check "greet change: beta go build CACHED" is_state g3 "$(gobuild beta)" CACHED
sed -i "s/core-v1/core-v2-$NONCE/" "$W/internal/core/core.go"
bake g4
check "core change: alpha go build re-ran" is_state g4 "$(gobuild alpha)" RAN
check "core change: beta go build re-ran" is_state g4 "$(gobuild beta)" RAN
check "core change: go mod download CACHED" is_state g4 "$(download)" CACHED
check "core change: both binaries say core-v2" bash -c "docker run --rm $A | grep -q core-v2-$NONCE && docker run --rm $B | grep -q core-v2-$NONCE"

echo "// module file changed $NONCE" >>"$W/go.mod"
bake g5
check "go.mod change: go mod download re-ran" is_state g5 "$(download)" RAN

# A go.mod that no longer matches the imports fails with go's own message (-mod=readonly).
printf 'package core\n\nimport _ "example.com/missing/mod"\n' >"$W/internal/core/missing.go"
if bake g6 beta; then fail "go.mod missing a required module: the build should fail"; else
    check "go.mod missing a required module: fails with go's message" grep -q 'no required module provides package example.com/missing/mod' "$T/g6.log"
fi
finish

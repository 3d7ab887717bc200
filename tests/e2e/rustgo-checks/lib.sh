# Shared helpers of the rust/go check scripts (sourced, not run).
# A check script sets FIXTURE (its folder) and SPEC (a render_fallback.py spec, used only when
# BAKEPLAN is unset), then calls setup. Every build is a bake with --progress plain whose log is
# kept in $T/NAME.log; edits to the copy carry a nonce so BuildKit's content-addressed cache
# cannot hide a rebuild.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
export DOCKER_HOST=${DOCKER_HOST:-unix://$HOME/.cache/bakeplan/env/docker.sock}
FAILS=0
PASSES=0
NONCE=$(date +%s%N)

pass() { PASSES=$((PASSES + 1)); echo "PASS $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL $*"; }
info() { echo "INFO $*"; }
check() { # NAME COMMAND...
    local name=$1
    shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
    echo "$PASSES passed, $FAILS failed"
    [ "$FAILS" = 0 ]
}

# setup: copy the fixture to $T/w ($W), mode bakeplan or render
setup() {
    T=$(mktemp -d "/tmp/rustgo-check.XXXXXX")
    if [ -n "${KEEP:-}" ]; then info "keeping $T"; else trap 'rm -rf "$T"' EXIT; fi
    W=$T/w
    cp -a "$FIXTURE" "$W"
    rm -f "$W/check.sh"
    if [ -n "${BAKEPLAN:-}" ]; then
        BAKEPLAN=$(cd "$(dirname "$BAKEPLAN")" && pwd)/$(basename "$BAKEPLAN")
        info "mode: $BAKEPLAN bake"
    else
        info "mode: BAKEPLAN unset, Dockerfiles rendered by render_fallback.py, built with docker buildx bake"
    fi
}

# compile: generated files in $W; BAKEFILE names the bake file
compile() {
    if [ -n "${BAKEPLAN:-}" ]; then
        (cd "$W" && "$BAKEPLAN" compile >"$T/compile.log" 2>&1) || { cat "$T/compile.log"; return 1; }
        BAKEFILE=$W/docker-bake.hcl
        [ -f "$BAKEFILE" ] || BAKEFILE=$W/docker-bake.json
    else
        python3 "$REPO/tests/e2e/rustgo-checks/render_fallback.py" "$REPO" "$W" <(echo "$SPEC") || return 1
        BAKEFILE=$W/docker-bake.json
    fi
}

# bake LOG [TARGET...]: build and load (bakeplan bake --load, or the fallback's bake file)
bake() {
    local log=$1
    shift
    if [ -n "${BAKEPLAN:-}" ]; then
        (cd "$W" && "$BAKEPLAN" bake --progress plain --load "$@" >"$T/$log.log" 2>&1)
    else
        compile || return 1
        (cd "$W" && docker buildx bake -f "$BAKEFILE" --allow network.host --progress plain --load "$@" >"$T/$log.log" 2>&1)
    fi
}

# raw_bake LOG ARGS...: docker buildx bake on the generated bake file (other stages, exports)
raw_bake() {
    local log=$1
    shift
    compile || return 1
    (cd "$W" && docker buildx bake -f "$BAKEFILE" --allow network.host --progress plain "$@" >"$T/$log.log" 2>&1)
}

# export_stage TARGET STAGE DEST: a stage's files into DEST
export_stage() {
    rm -rf "$3"
    raw_bake "export-$1-$2" --allow "fs.write=$T" --set "$1.target=$2" --set "$1.output=type=local,dest=$3" "$1"
}

# step_state LOG ERE: for the build step(s) whose header matches ERE, RAN when one of them ran,
# CACHED when all were cache hits, MISSING when none is in the log. (A bake shows a step that two
# targets share under one of the targets' names, once per target: hence "all".)
step_state() {
    awk -v rx="$2" '
        /^#[0-9]+ \[/ && $0 ~ rx { id = substr($1, 2); ids[id] = 1 }
        /^#[0-9]+ CACHED$/ { c[substr($1, 2)] = 1 }
        END { n = 0; for (i in ids) { n++; if (!(i in c)) { print "RAN"; exit } } print (n ? "CACHED" : "MISSING") }
    ' "$T/$1.log"
}
is_state() { [ "$(step_state "$1" "$2")" = "$3" ]; }
# step_log LOG ERE: the output lines of the matching step(s)
step_log() {
    awk -v rx="$2" '
        /^#[0-9]+ \[/ && $0 ~ rx { ids[substr($1, 2)] = 1; next }
        /^#[0-9]+ / && (substr($1, 2) in ids) { print }
    ' "$T/$1.log"
}
run_out() { docker run --rm "$1" 2>/dev/null; }
contains() { grep -q -- "$2" <<<"$1"; }

# context_files DOCKERFILE(relative to $W) CONTEXT(relative to $W): the files BuildKit receives
context_files() {
    local probe=$T/probe-$RANDOM
    mkdir -p "$probe"
    printf 'FROM scratch\nCOPY . /\n' >"$probe/ctx.Dockerfile"
    cp "$W/$1.dockerignore" "$probe/ctx.Dockerfile.dockerignore"
    (cd "$W/$2" && docker buildx build --progress plain -f "$probe/ctx.Dockerfile" \
        -o "type=local,dest=$probe/out" . >"$T/ctx-$RANDOM.log" 2>&1) || return 1
    (cd "$probe/out" && find . -type f | sed 's|^\./||' | sort)
}
expect_files() { # NAME ACTUAL EXPECTED(newline list)
    if [ "$2" = "$(sort <<<"$3")" ]; then pass "$1"; else
        fail "$1"
        diff <(echo "$3" | sort) <(echo "$2") | sed 's/^/     /'
    fi
}

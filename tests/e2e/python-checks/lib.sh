# Shared helpers of the Python template checks (sourced by tests/e2e/workspaces/{pdm,uv}/check.sh
# and tests/e2e/python-checks/check.sh). Each check script works on a copy of its fixture under
# $WORK, builds with `$BAKEPLAN bake --load --progress plain` and prints PASS/FAIL lines.
set -u
export DOCKER_HOST=${DOCKER_HOST:-unix:///root/.cache/bakeplan/env/docker.sock}
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
if [ -z "${BAKEPLAN:-}" ]; then
    # The Rust side is on main: the debug binary stands in when BAKEPLAN is unset.
    BAKEPLAN=$REPO/target/debug/bakeplan
    [ -x "$BAKEPLAN" ] || { echo "FAIL set BAKEPLAN to the bakeplan binary (cargo build)"; exit 1; }
fi
case $BAKEPLAN in /*) ;; *) BAKEPLAN=$PWD/$BAKEPLAN ;; esac
FAILS=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
check() { local what=$1; shift; if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi; }

# setup FIXTURE_DIR: a fresh copy in $WORK/fx, logs in $WORK/logs
setup() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/bakeplan-pycheck.XXXXXX")
    mkdir -p "$WORK/logs"
    cp -a "$1" "$WORK/fx"
    [ -n "${KEEP:-}" ] && echo "work folder: $WORK (kept)" || trap 'rm -rf "$WORK"' EXIT
}

# bake LOGNAME [TARGET...] [-- BUILDX ARGS] -> rc; the log in $WORK/logs/LOGNAME.log
bake() {
    local log=$1; shift
    (cd "$WORK/fx" && "$BAKEPLAN" bake --load --progress plain "$@") >"$WORK/logs/$log.log" 2>&1
}

# iid LOGNAME IMAGE: the config digest of IMAGE as exported by that bake (the image id also
# covers the provenance attestation, which differs on every build even when all is CACHED)
iid() {
    local n
    n=$(grep -E "^#[0-9]+ naming to [^ ]*$2(:latest)? " "$WORK/logs/$1.log" | tail -1 | sed -E 's/^#([0-9]+) .*/\1/')
    [ -n "$n" ] && grep -E "^#$n exporting config sha256:" "$WORK/logs/$1.log" | tail -1 | grep -o 'sha256:[0-9a-f]*'
}
# steps LOGNAME TARGET: the step header lines of TARGET (buildx names the target only when a
# bake builds several)
steps() {
    grep -E "^#[0-9]+ \[$2 " "$WORK/logs/$1.log" || grep -E '^#[0-9]+ \[' "$WORK/logs/$1.log"
}
# step_cached LOGNAME TARGET PATTERN: the first step of TARGET whose header contains PATTERN was a cache hit
step_cached() {
    local n
    n=$(steps "$1" "$2" | grep -F -- "$3" | head -1 | sed -E 's/^#([0-9]+) .*/\1/')
    [ -n "$n" ] && grep -qx "#$n CACHED" "$WORK/logs/$1.log"
}
step_ran() { ! step_cached "$@" && steps "$1" "$2" | grep -qF -- "$3"; }
touch_file() { echo "# touched $(date +%s%N)" >>"$1"; }

# Other sessions share this BuildKit and may prune its cache at any moment: a scenario builds
# its baseline right before the change, and is retried when the build after the change shows
# the tool-install step itself rebuilt (the cache vanished meanwhile). TOOL: a fragment of that
# step's header (a check that installs its tool another way sets its own after sourcing this).
TOOL='/bin/pip install '
intact() { # LOGNAME: every tool-install step in it was a cache hit (BuildKit shows a step that
    # several targets share once, under one of their names)
    local n found=""
    for n in $(grep -E '^#[0-9]+ \[' "$WORK/logs/$1.log" | grep -F -- "$TOOL" | sed -E 's/^#([0-9]+) .*/\1/'); do
        grep -qx "#$n CACHED" "$WORK/logs/$1.log" || return 1
        found=1
    done
    [ -n "$found" ]
}
retry() {
    for N in 1 2 3; do
        "$@" && return 0
        echo "note: the build cache was pruned by someone else during '$1', retrying"
    done
    return 1
}

run() { docker run --rm --network none "$@" 2>&1; }
absent() { # IMAGE MODULE
    docker run --rm --network none "$1" python3 -c "import importlib.util as u, sys; sys.exit(u.find_spec('$2') is not None)"
}
present() { docker run --rm --network none "$1" python3 -c "import $2"; }
# versions_match IMAGE LOCKFILE: every installed distribution that the lockfile pins has the
# lockfile's version, and at least one does; prints the matches
versions_match() {
    local dists
    dists=$(docker run --rm --network none "$1" python3 -c 'import importlib.metadata as m; print("\n".join(d.metadata["Name"].lower().replace("_", "-") + " " + d.version for d in m.distributions()))') || return 1
    DISTS=$dists awk '
        /^\[\[package\]\]/ { name = ""; next }
        /^name = / { gsub(/"/, "", $3); name = tolower($3); next }
        /^version = / && name != "" { gsub(/"/, "", $3); locked[name] = $3; name = "" }
        END {
            n = split(ENVIRON["DISTS"], lines, "\n"); ok = 0; bad = 0
            for (i = 1; i <= n; i++) {
                split(lines[i], f, " ")
                if (f[1] in locked) {
                    if (locked[f[1]] == f[2]) { ok++; printf "%s==%s ", f[1], f[2] } else { bad++; printf "MISMATCH %s %s!=%s ", f[1], f[2], locked[f[1]] }
                }
            }
            exit (bad > 0 || ok == 0)
        }' "$2"
}

#!/usr/bin/env bash
# Cache-sharing measurement (issue 9, item 4; a script, not a test): do parallel dependency
# installs wait for each other on the package cache mount?
# A generated PDM workspace (one library, six services with two small packages of their own
# each, one pdm.lock made by the real PDM) is built with `bakeplan bake` and the built-in
# python-pdm template in workspace mode, six services at once, with the pip cache mounted
#   locked   one cache id, sharing=locked  (BuildKit lets one step at a time use it)
#   shared   one cache id, sharing=shared  (every step uses it at the same time)
#   private  one cache id per service, sharing=locked (no waiting, no reuse between services)
# Each run is cold twice over: `--no-cache` and a cache id never used before (everything is
# downloaded), then warm: `--no-cache` again with the same ids (the installs run again, the
# wheels come from the cache mount). Printed per run: the bake's wall time, and of the six
# dependency-install steps: the peak number running at once, their span (first start to last
# end), their durations.
#
# Usage: scripts/bench-cache-sharing.sh [BAKEPLAN_BINARY]   (default target/release/bakeplan)
# Environment: PDM=/path/to/pdm (default `pdm` on PATH), ROUNDS=N (default 2; the variants
# alternate within a round so that the machine's load spreads over all of them),
# VARIANTS="locked shared private", BASE_IMAGE (default local/python:3), KEEP=1 (keep the
# workspace and its logs), TEMPLATE_FILE=F (measure another python-pdm template).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bakeplan=${1:-$root/target/release/bakeplan}
PDM=${PDM:-pdm}
BASE_IMAGE=${BASE_IMAGE:-local/python:3}
ROUNDS=${ROUNDS:-2}
VARIANTS=${VARIANTS:-locked shared private}
command -v "$PDM" >/dev/null || { echo "bench-cache-sharing: no PDM at '$PDM' (set PDM=/path/to/pdm)" >&2; exit 2; }
[ -x "$bakeplan" ] || cargo build --release --quiet
if [ -z "${DOCKER_HOST:-}" ] && [ -x scripts/buildkit-env.sh ]; then
    eval "$(scripts/buildkit-env.sh env)"
fi
run=$(date +%s)-$$
work=$(mktemp -d /tmp/bench-cache-sharing.XXXXXX)
trap '[ "${KEEP:-0}" = 1 ] && echo "kept: $work" >&2 || rm -rf "$work"' EXIT
say() { printf '== %s\n' "$*" >&2; }

# The workspace.
pkgs=("idna six" "packaging attrs" "urllib3 certifi" "pyparsing toml" "typing-extensions wcwidth" "colorama tomli")
mkdir -p "$work/libs/core/src/core"
cat >"$work/libs/core/pyproject.toml" <<'EOT'
[project]
name = "cs-core"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["iniconfig>=2.0"]

[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"
EOT
printf 'def describe():\n    return "core"\n' >"$work/libs/core/src/core/__init__.py"
members='    "-e file:///${PROJECT_ROOT}/libs/core",'
for i in 1 2 3 4 5 6; do
    set -- ${pkgs[$((i - 1))]}
    mkdir -p "$work/services/s$i"
    cat >"$work/services/s$i/pyproject.toml" <<EOT
[project]
name = "cs-s$i"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["cs-core", "$1", "$2"]

[tool.pdm]
distribution = false
EOT
    echo 'import core; print("ok", core.describe())' >"$work/services/s$i/app.py"
    members="$members"$'\n'"    \"-e file:///\${PROJECT_ROOT}/services/s$i\","
done
cat >"$work/pyproject.toml" <<EOT
[project]
name = "cs-mono"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.pdm]
distribution = false

[tool.pdm.resolution.overrides]
cs-core = "file:///\${PROJECT_ROOT}/libs/core"

[tool.pdm.dev-dependencies]
monorepo = [
$members
]
EOT
say "locking the workspace in $work"
(cd "$work" && "$PDM" lock -G :all -q)

# plan VARIANT ID: the plan with the pip cache mounted as VARIANT under ids made from ID.
plan() {
    local variant=$1 id=$2 i
    {
        echo 'workspace "."'
        if [ -n "${TEMPLATE_FILE:-}" ]; then
            mkdir -p "$work/cs-templates" && cp "$TEMPLATE_FILE" "$work/cs-templates/python-pdm.Dockerfile.j2"
            echo 'template-dir "cs-templates"'
        fi
        case $variant in
            locked) echo "cache-mount \"pip\" target=\"/root/.cache/pip\" id=\"cs-$id\" sharing=\"locked\"" ;;
            shared) echo "cache-mount \"pip\" target=\"/root/.cache/pip\" id=\"cs-$id\" sharing=\"shared\"" ;;
            private) for i in 1 2 3 4 5 6; do echo "cache-mount \"pip$i\" target=\"/root/.cache/pip\" id=\"cs-$id-s$i\" sharing=\"locked\""; done ;;
        esac
        echo "defaults { template \"python-pdm\" build-image=\"$BASE_IMAGE\" base-image=\"$BASE_IMAGE\"; network \"host\"; }"
        echo 'service "core" { context "libs/core"; library #true; }'
        for i in 1 2 3 4 5 6; do
            if [ "$variant" = private ]; then m="pip$i"; else m=pip; fi
            echo "service \"s$i\" { context \"services/s$i\"; depends-on \"core\"; cache-mount \"$m\"; cmd \"python3\" \"app.py\"; }"
        done
    } >"$work/bakeplan.kdl"
    (cd "$work" && "$bakeplan" compile >/dev/null)
}

# measure LOG WALL LABEL: one line about the dependency-install steps of a bake log.
measure() {
    python3 - "$@" <<'PY'
import json, sys
from datetime import datetime

def t(s):
    s = s.rstrip("Z")
    if "." in s:
        head, frac = s.split(".")
        s = head + "." + frac[:6]
    return datetime.fromisoformat(s).timestamp()

log, wall, label = sys.argv[1], float(sys.argv[2]), sys.argv[3]
steps = {}
for line in open(log):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    for v in ev.get("vertexes") or []:
        if "pdm_closure.py pdm.lock" in v.get("name", "") and not v.get("cached"):
            s = steps.setdefault(v["digest"], {})
            if v.get("started"):
                s["start"] = t(v["started"])
            if v.get("completed"):
                s["end"] = t(v["completed"])
iv = sorted((s["start"], s["end"]) for s in steps.values() if "start" in s and "end" in s)
if not iv:
    sys.exit(f"{log}: no dependency-install step ran")
peak = max(sum(1 for a, b in iv if a <= x < b) for x, _ in iv)
span = max(b for _, b in iv) - min(a for a, _ in iv)
durations = " ".join(f"{b - a:4.1f}" for a, b in iv)
print(f"{label:16s} wall {wall:6.1f}s  installs {len(iv)}  peak at once {peak}  span {span:5.1f}s  "
      f"longest {max(b - a for a, b in iv):5.1f}s  durations [{durations}]")
PY
}

bake() {
    local log=$1 start end
    start=$(date +%s.%N)
    (cd "$work" && "$bakeplan" bake --no-cache --progress rawjson -- --set '*.output=type=cacheonly') >"$log" 2>&1 \
        || { echo "bench-cache-sharing: bake failed, see $log" >&2; tail -20 "$log" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

results=$work/results.txt
for r in $(seq 1 "$ROUNDS"); do
    for v in $VARIANTS; do
        id="$v-$run-$r"
        plan "$v" "$id"
        say "round $r: $v, cold"
        wall=$(bake "$work/$id-cold.json")
        measure "$work/$id-cold.json" "$wall" "$v cold" | tee -a "$results"
        say "round $r: $v, warm"
        wall=$(bake "$work/$id-warm.json")
        measure "$work/$id-warm.json" "$wall" "$v warm" | tee -a "$results"
    done
done
echo
echo "summary ($ROUNDS rounds; load average now $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores):"
sort -s -k1,2 "$results"

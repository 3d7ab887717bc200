#!/usr/bin/env bash
# Monorepo benchmark (a script, not a test): a generated PDM workspace in the HuleEdu layout,
# built on the real BuildKit stack two ways, measured in one run:
#   (a) bakeplan: `workspace "."`, three `library #true`, ten services on the built-in
#       python-pdm template: one slim image per service (its own + its libraries' locked
#       dependencies, nothing else);
#   (b) the shared dependency image users write by hand today: one image `pdm sync`s every
#       member's dependencies from the same pdm.lock, each service is built FROM it and copies
#       its own folder (written below, given the same slimming as (a): no PDM, no build tools,
#       bytecode compiled, a non-root user, so only the dependencies differ).
# Measured: image size per service (total and above the base image), a cold parallel build
# (`--no-cache` and a fresh pip/PDM cache id: everything downloaded again) against its critical
# path (the slowest service built alone, cold), where readable the CPU seconds both used (the
# cold build's CPU seconds per core are the least its wall time can be), the rebuild after one
# library source change (which services got a new image), after one service source change, and
# after one service manifest change re-locked with PDM.
# Goals (issue 9): per-service image <= 1/3 of the shared image; cold build <= 1.15x the
# critical path; a library change rebuilds only its dependents; a service source change re-runs
# no dependency install.
#
# Usage: scripts/bench-monorepo.sh [BAKEPLAN_BINARY]  (default target/release/bakeplan, built if missing)
# Environment:
#   PDM=/path/to/pdm   the PDM that locks the workspace (default: `pdm` on PATH; 2.29.x tested,
#                      with hishel<2); it needs PyPI.
#   BASE_IMAGE=...     build and runtime image of both sides (default local/python:3: Debian's
#                      python3 3.11 with venv).
#   ONLY=shared        generate and build only the shared-image side (ONLY=bakeplan: only (a)).
#   KEEP=1             keep the generated workspace and the images (default: both removed).
#   WORK=DIR           generate into DIR instead of a new temporary folder (must not exist).
#   COLD=0             skip the cold measurements (the first build uses the cache, no build alone):
#                      with CACHE_ID=ID of an earlier run, for the rebuild figures only.
#   CACHE_ID=ID        the cache mount ids' suffix (default: new for this run, i.e. cold).
#   TEMPLATE_FILE=F    build (a) with this python-pdm template instead of the built-in one (a
#                      plan `template-dir` overriding it), to benchmark a template change.
# Needs DOCKER_HOST pointing at a BuildKit-capable dockerd whose builds reach PyPI with host
# networking (eval "$(scripts/buildkit-env.sh env)"), python3 and jq on the host.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bakeplan=${1:-$root/target/release/bakeplan}
PDM=${PDM:-pdm}
BASE_IMAGE=${BASE_IMAGE:-local/python:3}
ONLY=${ONLY:-both}
command -v "$PDM" >/dev/null || { echo "bench-monorepo: no PDM at '$PDM' (set PDM=/path/to/pdm)" >&2; exit 2; }
if [ "$ONLY" != shared ]; then
    [ -x "$bakeplan" ] || cargo build --release --quiet
fi
if [ -z "${DOCKER_HOST:-}" ] && [ -x scripts/buildkit-env.sh ]; then
    eval "$(scripts/buildkit-env.sh env)"
fi
run=$(date +%s)-$$
if [ -n "${WORK:-}" ]; then
    work=$WORK; mkdir "$work"
else
    work=$(mktemp -d /tmp/bench-monorepo.XXXXXX)
fi
logs=$work/.bench
mkdir -p "$logs"
cleanup() {
    if [ "${KEEP:-0}" != 1 ]; then
        docker image ls --format '{{.Repository}}:{{.Tag}}' | grep "^bench-mono-$run/" | xargs -r docker image rm -f >/dev/null 2>&1 || true
        rm -rf "$work"
    else
        echo "kept: $work and the images bench-mono-$run/*" >&2
    fi
}
trap cleanup EXIT
say() { printf '== %s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# The workspace: root pyproject.toml + pdm.lock, libs/{common_core,service_libs,events},
# services/*_service with distribution = false (they run from their folder: python3 app.py).
# name | runtime dependencies | library | import names (checked when the service starts)
services=(
    "gateway|requests>=2.31 pydantic>=2.5|service_libs|requests pydantic"
    "content|jinja2>=3.1|service_libs|jinja2"
    "reports|numpy>=1.26|service_libs|numpy"
    "i18n|babel>=2.14|service_libs|babel"
    "storage|sqlalchemy>=2.0|service_libs|sqlalchemy"
    "cli|click>=8.1 rich>=13|events|click rich"
    "config|pyyaml>=6 attrs>=23|events|yaml attr"
    "notify|httpx>=0.27|events|httpx"
    "analytics|orjson>=3.9 python-dateutil>=2.8|common_core|orjson dateutil"
    "scheduler|tabulate>=0.9 markdown>=3.5|common_core|tabulate markdown"
)
# library | its dependencies (libraries by name first) | import names
libraries=(
    "common_core|typing-extensions>=4.8|typing_extensions"
    "service_libs|bench-common-core structlog>=24|structlog"
    "events|bench-common-core msgpack>=1.0|msgpack"
)
lib_uses() { case $1 in common_core) ;; *) echo common_core ;; esac; }
toml_list() { local out="" x; for x in "$@"; do out="$out\"$x\", "; done; echo "[${out%, }]"; }
dist_name() { echo "bench-${1//_/-}"; }

generate() {
    local w=$1 entry name deps lib imports pkg
    mkdir -p "$w/libs" "$w/services"
    {
        cat <<'EOT'
[project]
name = "bench-mono"
version = "0.1.0"
description = "Workspace root: one pdm.lock for every service and library"
requires-python = ">=3.11"
dependencies = []

[tool.pdm]
distribution = false

# Libraries are referenced by name in the members' manifests; these overrides point the names
# at the source folders (${PROJECT_ROOT} is the checkout on a laptop, /app in an image).
[tool.pdm.resolution.overrides]
EOT
        for entry in "${libraries[@]}"; do
            IFS='|' read -r name deps imports <<<"$entry"
            echo "$(dist_name "$name") = \"file:///\${PROJECT_ROOT}/libs/$name\""
        done
        echo
        echo '[tool.pdm.dev-dependencies]'
        echo '# Every member, editable: `pdm install` on a laptop gives one venv with everything.'
        echo 'monorepo = ['
        for entry in "${libraries[@]}"; do
            IFS='|' read -r name deps imports <<<"$entry"
            echo "    \"-e file:///\${PROJECT_ROOT}/libs/$name\","
        done
        for entry in "${services[@]}"; do
            IFS='|' read -r name deps lib imports <<<"$entry"
            echo "    \"-e file:///\${PROJECT_ROOT}/services/${name}_service\","
        done
        echo ']'
        echo 'dev = ["pytest>=8"]'
    } >"$w/pyproject.toml"
    for entry in "${libraries[@]}"; do
        IFS='|' read -r name deps imports <<<"$entry"
        mkdir -p "$w/libs/$name/src/$name"
        # shellcheck disable=SC2086
        cat >"$w/libs/$name/pyproject.toml" <<EOT
[project]
name = "$(dist_name "$name")"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = $(toml_list $deps)

[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"
EOT
        {
            for pkg in $imports; do echo "import $pkg"; done
            for pkg in $(lib_uses "$name"); do [ "$pkg" != "$name" ] && echo "import $pkg"; done
            echo "VERSION = \"1\""
            echo "def describe():"
            echo "    return \"$name \" + VERSION"
        } >"$w/libs/$name/src/$name/__init__.py"
    done
    for entry in "${services[@]}"; do
        IFS='|' read -r name deps lib imports <<<"$entry"
        local d=$w/services/${name}_service
        mkdir -p "$d/tests"
        # shellcheck disable=SC2086
        cat >"$d/pyproject.toml" <<EOT
[project]
name = "$(dist_name "${name}_service")"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = $(toml_list "$(dist_name "$lib")" $deps)

[tool.pdm]
distribution = false

[tool.pdm.scripts]
start = "python app.py"
EOT
        {
            echo "import $lib"
            for pkg in $imports; do echo "import $pkg"; done
            echo "print(\"${name}_service ok\", $lib.describe())"
        } >"$d/app.py"
        printf 'def test_nothing():\n    pass\n' >"$d/tests/test_app.py"
    done
}

say "generating the workspace in $work"
generate "$work"
(cd "$work" && "$PDM" lock -G :all -q) || { echo "bench-monorepo: pdm lock failed" >&2; exit 1; }
say "locked: $(grep -c '^name = ' "$work/pdm.lock") packages in pdm.lock"

# ---------------------------------------------------------------------------------------------
# (b) the shared dependency image, written by hand as the seed users do: the context is the
# repository root; `deps` copies the root manifest, the lockfile, every library and every
# member's manifest and runs `pdm sync` of the whole workspace (`-G monorepo`: every member
# from the dev group that lists them, without the `dev` group; PDM refuses `--prod` with a dev
# group); each service is built FROM it and copies its own folder.
# $1 = cache id suffix (a fresh one makes the download caches cold).
write_shared() {
    local w=$1 cache=$2 entry name deps lib imports d=$1/shared-image targets=""
    mkdir -p "$d"
    {
        echo "FROM $BASE_IMAGE AS build"
        echo 'ENV PDM_CHECK_UPDATE=false PDM_NON_INTERACTIVE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1'
        echo "RUN --mount=type=cache,id=bench-pip-$cache,target=/root/.cache/pip,sharing=shared \\"
        echo '    python3 -m venv /opt/pdm && /opt/pdm/bin/pip install "pdm==2.29.4" "hishel<2"'
        echo 'WORKDIR /app'
        echo 'COPY pyproject.toml pdm.lock ./'
        echo 'COPY libs/ libs/'
        for entry in "${services[@]}"; do
            IFS='|' read -r name deps lib imports <<<"$entry"
            echo "COPY services/${name}_service/pyproject.toml services/${name}_service/"
        done
        echo "RUN --mount=type=cache,id=bench-pdm-$cache,target=/root/.cache/pdm,sharing=locked \\"
        echo '    /opt/pdm/bin/pdm lock --check \'
        echo ' && /opt/pdm/bin/pdm venv create "$(command -v python3)" && /opt/pdm/bin/pdm use -f /app/.venv/bin/python \'
        echo ' && /opt/pdm/bin/pdm sync -G monorepo --no-editable \'
        echo ' && /app/.venv/bin/python -m compileall -q -j0 /app/.venv/lib'
        echo
        echo "FROM $BASE_IMAGE"
        echo 'RUN useradd --uid 10001 --user-group --create-home --home-dir /home/app --shell /usr/sbin/nologin app'
        echo 'COPY --from=build /app/.venv /app/.venv'
        echo 'ENV PATH="/app/.venv/bin:$PATH" PYTHONUNBUFFERED=1 HOME=/home/app'
    } >"$d/deps.Dockerfile"
    printf '**/.venv\n**/__pycache__\n**/*.pyc\n.bench\nshared-image\n' >"$d/deps.Dockerfile.dockerignore"
    {
        echo 'variable "TAG" { default = "latest" }'
        echo 'target "deps" {'
        echo '  context = "."'
        echo '  dockerfile = "shared-image/deps.Dockerfile"'
        echo '  network = "host"'
        echo "  tags = [\"bench-mono-$run/b-deps:\${TAG}\"]"
        echo '  output = ["type=docker"]'
        echo '}'
        for entry in "${services[@]}"; do
            IFS='|' read -r name deps lib imports <<<"$entry"
            cat >"$d/$name.Dockerfile" <<EOT
FROM bench-deps
COPY services/${name}_service /app/services/${name}_service
WORKDIR /app/services/${name}_service
USER 10001
CMD ["python3", "app.py"]
EOT
            cp "$d/deps.Dockerfile.dockerignore" "$d/$name.Dockerfile.dockerignore"
            echo "target \"$name\" {"
            echo '  context = "."'
            echo "  dockerfile = \"shared-image/$name.Dockerfile\""
            echo '  contexts = { "bench-deps" = "target:deps" }'
            echo "  tags = [\"bench-mono-$run/b-$name:\${TAG}\"]"
            echo '  output = ["type=docker"]'
            echo '}'
            targets="$targets\"$name\", "
        done
        echo "group \"default\" { targets = [\"deps\", ${targets%, }] }"
    } >"$w/docker-bake.shared.hcl"
}

# ---------------------------------------------------------------------------------------------
# (a) bakeplan's plan: the workspace, its three libraries, ten services on python-pdm. The pip
# cache gets an id of this run ($1), so the cold build downloads everything like (b).
write_plan() {
    local w=$1 cache=$2 entry name deps lib imports
    {
        echo '// generated by scripts/bench-monorepo.sh'
        echo 'workspace "."'
        if [ -n "${TEMPLATE_FILE:-}" ]; then
            mkdir -p "$w/bench-templates"
            cp "$TEMPLATE_FILE" "$w/bench-templates/python-pdm.Dockerfile.j2"
            echo 'template-dir "bench-templates"'
        fi
        echo "cache-mount \"pip\" target=\"/root/.cache/pip\" id=\"bench-pip-$cache\" sharing=\"shared\""
        echo 'defaults {'
        echo "    template \"python-pdm\" build-image=\"$BASE_IMAGE\" base-image=\"$BASE_IMAGE\""
        echo '    network "host"'
        echo '}'
        for entry in "${libraries[@]}"; do
            IFS='|' read -r name deps imports <<<"$entry"
            echo "service \"$name\" { context \"libs/$name\"; library #true;$(for l in $(lib_uses "$name"); do echo -n " depends-on \"$l\";"; done) }"
        done
        for entry in "${services[@]}"; do
            IFS='|' read -r name deps lib imports <<<"$entry"
            echo "service \"$name\" {"
            echo "    context \"services/${name}_service\""
            echo "    image \"bench-mono-$run/a-$name\""
            echo "    depends-on \"$lib\""
            echo '    cache-mount "pip"'
            echo '    cmd "python3" "app.py"'
            echo '}'
        done
    } >"$w/bakeplan.kdl"
    (cd "$w" && "$bakeplan" compile >/dev/null)
}

names=()
for entry in "${services[@]}"; do names+=("${entry%%|*}"); done

now() { date +%s.%N; }
# cpu: CPU seconds used so far by the build steps (the cgroup BuildKit runs them in, cgroup v1
# as dockerd sets it up; BUILD_CGROUP=FILE names another cpuacct.usage) and by dockerd and
# containerd (exports, layer diffs); empty where that is not readable. Other builds on the same
# daemon count too: the figure is the work of this build only when nothing else builds.
cpu() {
    local cg=${BUILD_CGROUP:-/sys/fs/cgroup/cpuacct/docker/buildkit/cpuacct.usage} ticks=0 p
    [ -r "$cg" ] || return 0
    for p in $(pgrep -x dockerd) $(pgrep -x containerd); do
        ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "scale=1; $(cat "$cg") / 1000000000 + $ticks / $(getconf CLK_TCK)" | bc
}
# build SIDE LABEL [ARGS...]: one bake of side a or b, its rawjson log kept as $logs/SIDE-LABEL.json
# (and the CPU seconds it used in $logs/SIDE-LABEL.cpu); prints the wall seconds.
build() {
    local side=$1 label=$2 start end cpu0
    shift 2
    cpu0=$(cpu)
    start=$(now)
    if [ "$side" = a ]; then
        (cd "$work" && "$bakeplan" bake --load --progress rawjson "$@") >"$logs/$side-$label.json" 2>&1 \
            || { echo "bench-monorepo: bakeplan bake failed ($label), see $logs/$side-$label.json" >&2; tail -20 "$logs/$side-$label.json" >&2; exit 1; }
    else
        (cd "$work" && docker buildx bake -f docker-bake.shared.hcl --allow network.host --progress rawjson "$@") >"$logs/$side-$label.json" 2>&1 \
            || { echo "bench-monorepo: buildx bake failed ($label), see $logs/$side-$label.json" >&2; tail -20 "$logs/$side-$label.json" >&2; exit 1; }
    fi
    end=$(now)
    [ -n "$cpu0" ] && echo "$(cpu) - $cpu0" | bc >"$logs/$side-$label.cpu"
    echo "$end - $start" | bc
}
# used SIDE LABEL: the CPU seconds of that build, if measured
used() { [ -f "$logs/$1-$2.cpu" ] && printf '%.1f s' "$(cat "$logs/$1-$2.cpu")"; }
# installs LOG: how many dependency-install steps ran (not cached) in a build log: pip or PDM
# installing from the index (the built-in template's one `site` install of the whole lockfile,
# an earlier template's install per service, `pdm sync`), then, if any ran, how many services
# copied their closure out of the `site` install
installs() {
    python3 - "$1" <<'PY'
import json, sys
ran, copied = {}, {}
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    for v in ev.get("vertexes") or []:
        name = v.get("name", "")
        if not v.get("completed") or v.get("cached"):
            continue
        if "pdm_closure.py --copy /tmp/bakeplan/site" in name or "pdm_closure.py --copy /opt/site" in name:
            copied[v["digest"]] = True
        elif any(s in name for s in ("pdm_closure.py pdm.lock", "pdm_closure.py --all", "pdm sync", "pdm install")):
            ran[v["digest"]] = True
print(f"{len(ran)} (+{len(copied)} closure copies)" if copied else len(ran))
PY
}
# chain LOG: the build's own critical path, from its rawjson log: the longest chain of steps each
# waiting for the one before (BuildKit's vertex inputs), each counted with the duration it took
# in that build, a target's image export after its last step; then the build's span (its first
# step's start to its last step's end) and span / chain. Where the span is longer than the
# chain, steps waited for something besides their inputs: a lock, a free core.
chain() {
    python3 - "$1" <<'PY'
import json, sys
from datetime import datetime

def seconds(stamp):
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).timestamp() + float("0." + (fraction or "0"))

steps = {}
for line in open(sys.argv[1]):
    try:
        ev = json.loads(line)
    except ValueError:
        continue
    for v in ev.get("vertexes") or []:
        s = steps.setdefault(v["digest"], {"inputs": [], "name": ""})
        s["name"] = v.get("name", s["name"])
        s["inputs"] = v.get("inputs") or s["inputs"]
        if v.get("started"):
            s["start"] = min(s.get("start", 1e18), seconds(v["started"]))
        if v.get("completed"):
            s["end"] = max(s.get("end", 0), seconds(v["completed"]))
        if v.get("started") and v.get("completed"):  # one run of the step (a step several
            # targets share is reported by each, with its own start): the longest one
            s["took"] = max(s.get("took", 0.0), seconds(v["completed"]) - seconds(v["started"]))
timed = [s for s in steps.values() if "start" in s and "end" in s]
longest = {}
def path(digest):  # the longest chain ending with this step, in seconds
    if digest not in longest:
        own = steps.get(digest, {}).get("took", 0.0)
        longest[digest] = own + max((path(i) for i in steps.get(digest, {}).get("inputs", [])), default=0.0)
    return longest[digest]
sys.setrecursionlimit(100000)
best = 0.0
for digest, s in steps.items():
    name = s["name"]
    if name.startswith("[") and "] exporting to image" in name:
        target = name[1:name.index("]")]
        last = max((path(d) for d, o in steps.items() if o["name"].startswith("[" + target + " ")), default=0.0)
        best = max(best, last + s.get("took", 0.0))
    else:
        best = max(best, path(digest))
span = max(s["end"] for s in timed) - min(s["start"] for s in timed)
print(f"{span:.1f} {best:.1f} {span / best:.2f}")
PY
}
image() { echo "bench-mono-$run/$1-$2:latest"; }
# ids SIDE: per service, its layers (content digests; the image id changes on every export, as
# the config carries the build time)
ids() { local side=$1 n; for n in "${names[@]}"; do docker image inspect -f '{{json .RootFS.Layers}}' "$(image "$side" "$n")"; done; }
# changed BEFORE AFTER: the services whose layers differ
changed() {
    local i=0 out="" a b
    local -a before after
    mapfile -t before <<<"$1"; mapfile -t after <<<"$2"
    for n in "${names[@]}"; do
        [ "${before[$i]}" != "${after[$i]}" ] && out="$out $n"
        i=$((i + 1))
    done
    echo "${out# }"
}
csize() { docker image inspect -f '{{.Size}}' "$1"; }
usize() { docker run --rm --network none --user 0 --entrypoint du "$1" -sxb /app | cut -f1; }
mb() { echo "scale=1; $1 / 1000000" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

sides=()
[ "$ONLY" != bakeplan ] && sides+=(b)
[ "$ONLY" != shared ] && sides+=(a)
COLD=${COLD:-1}
cache_id=${CACHE_ID:-$run}
[ "$ONLY" != bakeplan ] && write_shared "$work" "$cache_id"
[ "$ONLY" != shared ] && write_plan "$work" "$cache_id"
declare -A settle cold cold_inst lib_t lib_set lib_inst src_t src_set src_inst man_t man_set man_inst alone
base_c=$(csize "$BASE_IMAGE")

for s in "${sides[@]}"; do
    if [ "$COLD" = 1 ]; then
        say "($s) cold parallel build (--no-cache, fresh download caches)"
        cold[$s]=$(build "$s" cold --no-cache)
    else
        say "($s) first build (cache used)"
        cold[$s]=$(build "$s" cold)
    fi
    cold_inst[$s]=$(installs "$logs/$s-cold.json")
    for n in "${names[@]}"; do
        out=$(docker run --rm --network none "$(image "$s" "$n")") || { echo "bench-monorepo: ($s) $n does not start" >&2; exit 1; }
        case $out in "${n}_service ok"*) ;; *) echo "bench-monorepo: ($s) $n printed: $out" >&2; exit 1 ;; esac
    done
done

# Sizes: compressed (the image's content size, what a registry stores and a node pulls) and
# unpacked (du of /app, everything the image adds above the base but a user entry).
declare -A tot_c above_c above_u
for s in "${sides[@]}"; do
    for n in "${names[@]}"; do
        c=$(csize "$(image "$s" "$n")")
        tot_c[$s-$n]=$c
        above_c[$s-$n]=$((c - base_c))
        above_u[$s-$n]=$(usize "$(image "$s" "$n")")
    done
done

# change KIND: edit the workspace (lib: one library source file; src: one service source file;
# manifest: one service gains a dependency, re-locked with PDM), then rebuild each side.
# The builder's cache is shared (other builds, its garbage collector): records of this run can
# disappear between two builds, and a rebuild would then re-run steps the change does not
# explain. So each side is first rebuilt unchanged ("settle": normally all cache hits; how many
# dependency installs it had to re-run is printed), then the change is made and measured.
change() {
    local kind=$1 s before after t
    for s in "${sides[@]}"; do
        build "$s" "$kind-settle" >/dev/null
        settle[$s-$kind]=$(installs "$logs/$s-$kind-settle.json")
    done
    case $kind in
        # Each edit names this run: with CACHE_ID of an earlier run, the same edit would find
        # that run's layers in the cache and measure nothing.
        lib) echo "VERSION = \"$run\"" >>"$work/libs/events/src/events/__init__.py" ;;
        src) echo "# a source change in run $run" >>"$work/services/content_service/app.py" ;;
        manifest)
            sed -i "s/\"attrs>=23\"\\]/\"attrs>=23\", \"tomlkit>=0.12,!=0.0.${run//-/.}\"]/" "$work/services/config_service/pyproject.toml"
            grep -q tomlkit "$work/services/config_service/pyproject.toml"
            (cd "$work" && "$PDM" lock -G :all -q)
            ;;
    esac
    for s in "${sides[@]}"; do
        say "($s) rebuild after a $kind change"
        before=$(ids "$s")
        t=$(build "$s" "$kind")
        after=$(ids "$s")
        eval "${kind:0:3}_t[\$s]=\$t"
        eval "${kind:0:3}_set[\$s]=\$(changed \"\$before\" \"\$after\")"
        eval "${kind:0:3}_inst[\$s]=\$(installs \"\$logs/\$s-\$kind.json\")"
    done
}
change lib
change src
change manifest

# The critical path, measured: the slowest chain built alone, cold (fresh cache ids, --no-cache).
# (b): deps + one service. (a): the service with the largest dependency closure.
heaviest=${names[0]}
if [ "$ONLY" != shared ]; then
    for n in "${names[@]}"; do
        [ "${above_u[a-$n]}" -gt "${above_u[a-$heaviest]}" ] && heaviest=$n
    done
fi
for s in "${sides[@]}"; do
    [ "$COLD" = 1 ] || break
    say "($s) critical path: $heaviest alone, cold"
    if [ "$s" = a ]; then
        write_plan "$work" "$run-alone"
        alone[a]=$(build a alone --no-cache "$heaviest")
    else
        write_shared "$work" "$run-alone"
        alone[b]=$(build b alone --no-cache "$heaviest")
    fi
done

# ---------------------------------------------------------------------------------------------
echo
echo "Monorepo benchmark: 10 services, 3 libraries, one pdm.lock ($(grep -c '^name = ' "$work/pdm.lock") packages); base image $BASE_IMAGE"
echo "(a) bakeplan per-service images (python-pdm, workspace mode)   (b) one shared dependency image"
echo "base image: $(mb "$base_c") MB compressed"
echo
printf '%-10s | %-22s | %-22s | %-22s\n' "" "(a) total / above base" "(b) total / above base" "(a)/(b) above base"
printf '%-10s | %-22s | %-22s | %-22s\n' "service" "MB compr. (unpacked)" "MB compr. (unpacked)" "compr. (unpacked)"
sum_a=0; sum_b=0; max_r=0; worst=""
for n in "${names[@]}"; do
    ca=${above_c[a-$n]:-0}; cb=${above_c[b-$n]:-1}; ua=${above_u[a-$n]:-0}; ub=${above_u[b-$n]:-1}
    printf '%-10s | %6s / %5s (%6s) | %6s / %5s (%6s) | %5s (%5s)\n' "$n" \
        "$(mb "${tot_c[a-$n]:-0}")" "$(mb "$ca")" "$(mb "$ua")" \
        "$(mb "${tot_c[b-$n]:-0}")" "$(mb "$cb")" "$(mb "$ub")" \
        "$(ratio "$ca" "$cb")" "$(ratio "$ua" "$ub")"
    sum_a=$((sum_a + ua)); sum_b=$((sum_b + ub))
    if [ "$(echo "$ua * 1000 / $ub" | bc)" -gt "$max_r" ]; then max_r=$(echo "$ua * 1000 / $ub" | bc); worst=$n; fi
done
echo
fmt() { [ -n "$1" ] && printf '%.1f s' "$1"; }
printf '%-44s | %-26s | %-26s\n' "" "(a) bakeplan" "(b) shared image"
[ "$COLD" = 1 ] || echo "(COLD=0: the first build used the cache; its time is no cold figure)"
printf '%-44s | %-26s | %-26s\n' "cold parallel build (wall)" "$(fmt "${cold[a]:-}")" "$(fmt "${cold[b]:-}")"
printf '%-44s | %-26s | %-26s\n' "  critical path: $heaviest alone, cold" "$(fmt "${alone[a]:-}")" "$(fmt "${alone[b]:-}")"
printf '%-44s | %-26s | %-26s\n' "  CPU used: cold parallel build" "$(used a cold)" "$(used b cold)"
own_chain() { [ -f "$logs/$1-cold.json" ] && read -r span longest r < <(chain "$logs/$1-cold.json") && printf '%.1f s / %.1f s = %s' "$span" "$longest" "$r"; }
printf '%-44s | %-26s | %-26s\n' "  its steps' span / its own critical path" "$(own_chain a)" "$(own_chain b)"
printf '%-44s | %-26s | %-26s\n' "  CPU used: $heaviest alone" "$(used a alone)" "$(used b alone)"
printf '%-44s | %-26s | %-26s\n' "  dependency installs run" "${cold_inst[a]:-}" "${cold_inst[b]:-}"
for k in lib src man; do
    case $k in lib) label="library change (libs/events source)";; src) label="service source change (content)";; man) label="manifest change (config + tomlkit, re-lock)";; esac
    eval "ta=\${${k}_t[a]:-}; tb=\${${k}_t[b]:-}; sa=\${${k}_set[a]:-}; sb=\${${k}_set[b]:-}; ia=\${${k}_inst[a]:-}; ib=\${${k}_inst[b]:-}"
    printf '%-44s | %-26s | %-26s\n' "$label: rebuild (wall)" "$(fmt "$ta")" "$(fmt "$tb")"
    printf '%-44s | %-26s | %-26s\n' "  images changed" "$(wc -w <<<"$sa") of 10" "$(wc -w <<<"$sb") of 10"
    printf '%-44s | %-26s | %-26s\n' "  dependency installs run" "$ia" "$ib"
    echo "    (a) changed: ${sa:--}"
    echo "    (b) changed: ${sb:--}"
    kk=$k; [ "$k" = man ] && kk=manifest
    echo "    (dependency installs re-run by the unchanged settle build before it: (a) ${settle[a-$kk]:-} (b) ${settle[b-$kk]:-})"
done
if [ "$ONLY" = both ]; then
    echo
    echo "ratios and goals (issue 9):"
    echo "  per-service / shared image, above base, unpacked: mean $(ratio "$sum_a" "$sum_b"), largest $(echo "scale=2; $max_r / 1000" | bc) ($worst)   goal <= 0.33"
    echo "  per-service / shared image, total, compressed:    mean $(ratio "$(for n in "${names[@]}"; do echo "${tot_c[a-$n]}"; done | paste -sd+ | bc)" "$(for n in "${names[@]}"; do echo "${tot_c[b-$n]}"; done | paste -sd+ | bc)")"
    if [ "$COLD" = 1 ]; then
        echo "  cold (a) / critical path (a)                      $(ratio "${cold[a]}" "${alone[a]}")   goal <= 1.15"
        echo "  cold (b) / critical path (b)                      $(ratio "${cold[b]}" "${alone[b]}")"
        echo "  cold (a) / cold (b)                               $(ratio "${cold[a]}" "${cold[b]}")"
        for s in "${sides[@]}"; do
            [ -f "$logs/$s-cold.cpu" ] || continue
            echo "  ($s) the cold build's CPU / $(nproc) cores / critical path: $(echo "scale=2; $(cat "$logs/$s-cold.cpu") / $(nproc) / ${alone[$s]}" | bc)   (the least the ratio can be on this machine)"
        done
    fi
    echo "  library change: (a) rebuilt [${lib_set[a]}], its dependents are [cli config notify]   goal: only dependents"
    echo "  service source change: (a) dependency installs run ${src_inst[a]}   goal: 0"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

#!/usr/bin/env bash
# Build benchmark (a script, not a test): a fixture monorepo of ten services on a shared base,
# with realistic step durations (sleeps standing in for installs and compiles), built on the real
# BuildKit stack of scripts/buildkit-env.sh. It prints, measured in one run:
#   cold parallel `bakeplan bake`  vs  the same services one after another with `docker buildx build`
#   cold parallel                  vs  the critical path (the longest chain of step durations)
#   a rebuild after changing one source file in one service
#   a rebuild from the registry cache after `docker buildx prune -af`
# It builds on a private dockerd of its own (scripts/second-dockerd.sh), so its prunes never
# touch the build cache of the test stack's daemon or of anyone else using it.
# Goals: cold ≤ 0.4× sequential and ≤ 1.15× the critical path; one-file rebuild ≤ 10 % of cold;
# registry-cache rebuild ≤ 15 % of cold.
#
# Usage: scripts/bench-build.sh [BAKEPLAN_BINARY]   (default: target/release/bakeplan, built if missing)
#        BASE_STEP=3 DEPS_STEP=4 BUILD_STEP=2 scripts/bench-build.sh   (a quick run, about 1.5 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bakeplan=${1:-$root/target/release/bakeplan}
[ -x "$bakeplan" ] || cargo build --release --quiet
scripts/buildkit-env.sh start
eval "$(scripts/buildkit-env.sh env)"

# Step durations in seconds (override from the environment for a quick run): a base image's
# system setup, each service's dependency install, each service's compile/package step.
SERVICES=${SERVICES:-10}
BASE_STEP=${BASE_STEP:-20}
DEPS_STEP=${DEPS_STEP:-30}
BUILD_STEP=${BUILD_STEP:-3}
work=$(mktemp -d)
daemon=$(mktemp -d /tmp/bp-bench-d.XXXXXX)
trap '"$root"/scripts/second-dockerd.sh stop "$daemon" || true; rm -rf "$work" "$daemon"' EXIT
DOCKER_HOST=$(scripts/second-dockerd.sh start "$daemon" local/busybox:1)
export DOCKER_HOST

# The monorepo: a plan, a template for the services, a base, ten services.
mkdir -p "$work/templates" "$work/base"
cat >"$work/templates/bench.Dockerfile.j2" <<J2
{#
description "benchmark service: a dependency step with a cache mount, then a build step"
param "deps-seconds" default="$DEPS_STEP"
param "build-seconds" default="$BUILD_STEP"
#}
FROM {{ service.from }}
WORKDIR /app
COPY deps.txt ./
RUN {{ service.cache_mount_flags }} sleep {{ params["deps-seconds"] }} && cp deps.txt /cache/{{ service.name }}.deps
COPY . .
RUN sleep {{ params["build-seconds"] }} && cat src.txt > /app/built
CMD ["cat", "/app/built"]
J2
printf 'FROM local/busybox:1\nRUN sleep %s && echo base > /base.txt\n' "$BASE_STEP" >"$work/base/Dockerfile"
{
    echo 'cache-mount "deps" target="/cache" sharing="shared"'
    echo 'template-dir "templates"'
    echo 'defaults { network "none"; }'
    echo 'service "base" { context "base"; dockerfile "base/Dockerfile"; }'
    for i in $(seq 1 "$SERVICES"); do
        mkdir -p "$work/svc$i"
        echo "dependency list of svc$i" >"$work/svc$i/deps.txt"
        echo "source of svc$i" >"$work/svc$i/src.txt"
        echo "service \"svc$i\" { context \"svc$i\"; template \"bench\"; from \"base\"; cache-mount \"deps\"; }"
    done
    echo 'profile "regcache" { registry-cache ref="localhost:5000/bench/cache:{service}" mode="max"; }'
} >"$work/bakeplan.kdl"
cd "$work"
"$bakeplan" compile >/dev/null

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }
fresh() { docker buildx prune -af >/dev/null 2>&1; }

# Before: one service after another with `docker buildx build`, base first.
fresh
start=$(now)
docker buildx build --quiet --network none --load -t bench-base:latest -f base/Dockerfile base >/dev/null
for i in $(seq 1 "$SERVICES"); do
    docker buildx build --quiet --network none --load -t "bench-svc$i" \
        --build-context base=docker-image://bench-base:latest -f "svc$i/Dockerfile" "svc$i" >/dev/null
done
sequential=$(elapsed "$start")

# After: one parallel bake, cold.
fresh
start=$(now)
"$bakeplan" bake --progress quiet >/dev/null 2>&1
cold=$(elapsed "$start")

# One source file changed in one service.
echo "changed" >>svc3/src.txt
start=$(now)
"$bakeplan" bake --progress quiet >/dev/null 2>&1
one_file=$(elapsed "$start")

# Registry cache: fill it, prune everything local, rebuild from it.
"$bakeplan" bake --profile regcache --progress quiet >/dev/null 2>&1
fresh
start=$(now)
"$bakeplan" bake --profile regcache --progress quiet >/dev/null 2>&1
registry=$(elapsed "$start")

critical=$((BASE_STEP + DEPS_STEP + BUILD_STEP))
ratio() { echo "scale=3; $1 / $2" | bc; }
printf '%-44s %8s\n' "measurement" "seconds"
printf '%-44s %8.2f\n' "sequential docker buildx build (before)" "$sequential"
printf '%-44s %8.2f\n' "cold parallel bakeplan bake" "$cold"
printf '%-44s %8.2f\n' "critical path (sum of the longest chain)" "$critical"
printf '%-44s %8.2f\n' "rebuild after one source file changed" "$one_file"
printf '%-44s %8.2f\n' "rebuild from registry cache after prune" "$registry"
echo
echo "cold / sequential       = $(ratio "$cold" "$sequential")  (goal <= 0.40)"
echo "cold / critical path    = $(ratio "$cold" "$critical")  (goal <= 1.15)"
echo "one-file rebuild / cold = $(ratio "$one_file" "$cold")  (goal <= 0.10)"
echo "registry rebuild / cold = $(ratio "$registry" "$cold")  (goal <= 0.15)"

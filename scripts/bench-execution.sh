#!/usr/bin/env bash
# Execution benchmark (a script, not a test), on the real BuildKit stack of
# scripts/buildkit-env.sh. A plan of ten busybox services (a base, eight services on it or on
# nothing, one failing one second into its build); each working service sleeps STEP seconds in
# a RUN step that a fresh BUST argument re-runs. It prints, measured in one run:
#   1. time to a complete report (every service built or failed): --keep-going in one run, and
#      fail-fast (the default) followed by the run that builds what the first one left;
#   2. a cold build of the nine working services with --jobs 1, 2 and no limit;
#   3. the same nine services sharded 1/2 then 2/2 on the one builder, pushing to the registry
#      on 127.0.0.1:5000, against one unsharded `--push` build (one machine: not faster).
#
# Usage: scripts/bench-execution.sh [BAKEPLAN_BINARY]   (default: target/release/bakeplan)
#        STEP=2 scripts/bench-execution.sh               (STEP: seconds per service, default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bakeplan=${1:-$root/target/release/bakeplan}
[ -x "$bakeplan" ] || cargo build --release --quiet
scripts/buildkit-env.sh start
eval "$(scripts/buildkit-env.sh env)"
STEP=${STEP:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# base → (api, web, worker); admin → web; solo, tools, docs, cron independent; bad fails at 1 s.
{
    echo 'variable "BUST" default="1"'
    echo 'variable "TAG" default="dev"'
    echo 'defaults { network "none"; args { BUST "${BUST}"; }; }'
    for name in base api web worker admin solo tools docs cron bad; do
        case $name in
        api | worker) deps='depends-on "base";' ;;
        web) deps='depends-on "base" "admin";' ;;
        *) deps='' ;;
        esac
        echo "service \"$name\" { context \"$name\"; dockerfile \"$name/Dockerfile\"; $deps tags \"127.0.0.1:5000/bp-bench/$name:\${TAG}\"; }"
        mkdir -p "$name"
        if [ "$name" = bad ]; then
            printf 'FROM local/busybox:1\nARG BUST\nRUN sleep 1 && echo "$BUST" && python --version\n' >"$name/Dockerfile"
        else
            printf 'FROM local/busybox:1\nARG BUST\nRUN sleep %s && echo "%s $BUST" > /%s.txt\nCMD ["cat", "/%s.txt"]\n' \
                "$STEP" "$name" "$name" "$name" >"$name/Dockerfile"
        fi
    done
} >bakeplan.kdl
good=(base api web worker admin solo tools docs cron)

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
bake() { "$bakeplan" bake --progress quiet "$@" >>"$work/log" 2>&1; }
counts() { python3 -c 'import json,sys,collections; s=json.load(open(sys.argv[1])); c=collections.Counter(x["result"] for x in s["services"]); print(", ".join(f"{n} {r}" for r,n in sorted(c.items())))' "$1"; }

"$bakeplan" compile >/dev/null
echo "execution benchmark: 10 services, RUN steps of ${STEP}s, $(nproc) cores"

# 1. A complete report.
export BUST=k$RANDOM$RANDOM
start=$(now); bake --keep-going --json keep.json || true; end=$(now)
keep=$(seconds "$start" "$end")
echo "keep-going: complete report in ${keep}s ($(counts keep.json))"
export BUST=f$RANDOM$RANDOM
start=$(now); bake --json fast.json || true; mid=$(now)
echo "fail-fast: first run stops after $(seconds "$start" "$mid")s ($(counts fast.json))"
bake --keep-going --json rest.json "${good[@]}" || true; end=$(now)
echo "fail-fast: complete report after a second run: $(seconds "$start" "$end")s ($(counts rest.json) in the second run)"

# 2. --jobs on a cold build of the nine working services.
for jobs in 1 2 none; do
    export BUST=j$jobs$RANDOM$RANDOM
    flag=(); [ "$jobs" = none ] || flag=(--jobs "$jobs")
    start=$(now); bake "${flag[@]}" --json jobs.json "${good[@]}"; end=$(now)
    echo "--jobs $jobs: $(seconds "$start" "$end")s ($(counts jobs.json))"
done

# 3. Sharded on one builder vs unsharded, pushing.
export BUST=s$RANDOM$RANDOM TAG=s$RANDOM$RANDOM
start=$(now); bake --push --json whole.json "${good[@]}"; end=$(now)
echo "unsharded --push: $(seconds "$start" "$end")s ($(counts whole.json))"
export BUST=h$RANDOM$RANDOM TAG=h$RANDOM$RANDOM
start=$(now)
bake --shard 1/2 --json one.json "${good[@]}" &
first=$!
bake --shard 2/2 --json two.json "${good[@]}"
wait "$first"
end=$(now)
echo "--shard 1/2 and 2/2 at once on one builder: $(seconds "$start" "$end")s (shard 1: $(counts one.json); shard 2: $(counts two.json))"
grep -h '^shard ' "$work/log" | sort -u

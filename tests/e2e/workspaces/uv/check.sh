#!/usr/bin/env bash
# Builds the uv workspace fixture with `$BAKEPLAN bake --load` (BAKEPLAN: the bakeplan binary,
# default target/debug/bakeplan) on a copy, and checks the images and the rebuild behaviour.
# Prints PASS/FAIL lines; exit status 1 when any check failed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../python-checks/lib.sh"
setup "$HERE"
A=bakeplan-e2e/uv-api W=bakeplan-e2e/uv-worker
DEPS='--no-install-workspace' LIBS='--no-editable --no-install-project' SRC='--no-dev --no-editable --python'

echo "== build"
if bake first; then pass "uv: bakeplan bake builds api and worker"
else fail "uv: bake failed:"; tail -30 "$WORK/logs/first.log"; exit 1; fi
check "uv: compile wrote an allow-list Dockerfile.dockerignore per service" \
    grep -qx '!libs/service_libs' "$WORK/fx/services/api/Dockerfile.dockerignore"

echo "== inside the images"
check "api: libraries import (common_core, service_libs)" present $A common_core,service_libs,api
check "worker: library imports (common_core)" present $W common_core,worker
for p in packaging worker; do check "api: worker's '$p' absent" absent $A $p; done
for p in idna six service_libs api; do check "worker: api's '$p' absent" absent $W $p; done
for p in pluggy colorama; do check "api: dev dependency '$p' absent" absent $A $p; done
out=$(versions_match $A "$WORK/fx/uv.lock") && pass "api: installed versions equal uv.lock's ($out)" || fail "api: versions vs uv.lock: $out"
out=$(versions_match $W "$WORK/fx/uv.lock") && pass "worker: installed versions equal uv.lock's ($out)" || fail "worker: versions vs uv.lock: $out"
out=$(run $A); case $out in *"api up: service_libs"*) pass "api starts: $out" ;; *) fail "api start: $out" ;; esac
out=$(run $W); case $out in *"worker up: common_core"*) pass "worker starts: $out" ;; *) fail "worker start: $out" ;; esac
check "api: runs as uid 10001 with a writable HOME" docker run --rm --network none $A sh -c '[ "$(id -u)" = 10001 ] && touch "$HOME/.w"'
check "api: only the venv in the runtime image (no lockfile, manifests, tests)" docker run --rm --network none $A sh -c '[ "$(ls -A /app)" = .venv ]'
check "api: bytecode precompiled" docker run --rm --network none $A sh -c '[ -n "$(find /app/.venv/lib -name "*.pyc" | head -1)" ]'

echo "== dev stage"
if bake dev api -- --set api.target=dev --set api.tags=bakeplan-e2e/uv-api:dev; then
    check "api: target dev has the dev dependency 'pluggy'" present bakeplan-e2e/uv-api:dev pluggy
    check "api: target dev has the sources" docker run --rm --network none bakeplan-e2e/uv-api:dev test -f tests/test_smoke.py
else fail "api: dev target build"; tail -20 "$WORK/logs/dev.log"; fi

source_change() {
    bake src-a-$N api && touch_file "$WORK/fx/services/api/src/api/__init__.py" &&
        bake src-b-$N api && intact src-b-$N
}
echo "== a service source change re-runs no dependency install"
retry source_change || fail "api: source change scenario (cache kept vanishing)"
check "api: source change keeps the dependency install CACHED" step_cached src-b-$N api "$DEPS"
check "api: source change keeps the lock check CACHED" step_cached src-b-$N api "uv lock --check"
check "api: source change keeps the library install CACHED" step_cached src-b-$N api "$LIBS"
check "api: source change re-runs only its own install" step_ran src-b-$N api "$SRC"
check "api: source change gives a new image" test "$(iid src-a-$N $A)" != "$(iid src-b-$N $A)"

library_change() { # FILE
    bake lib-$2-a-$N && touch_file "$WORK/fx/$1" && bake lib-$2-b-$N && intact lib-$2-b-$N
}
echo "== a library change rebuilds exactly its dependents"
retry library_change libs/service_libs/src/service_libs/__init__.py sl || fail "service_libs scenario (cache kept vanishing)"
check "service_libs change rebuilds api" test "$(iid lib-sl-a-$N $A)" != "$(iid lib-sl-b-$N $A)"
check "service_libs change keeps api's dependency install CACHED" step_cached lib-sl-b-$N api "$DEPS"
check "service_libs change re-runs api's library install" step_ran lib-sl-b-$N api "$LIBS"
check "api: the image holds the changed library source" docker run --rm --network none $A python3 -c \
    "import sys, service_libs; sys.exit(open(service_libs.__file__).read().splitlines()[-1] != sys.argv[1])" \
    "$(tail -1 "$WORK/fx/libs/service_libs/src/service_libs/__init__.py")"
check "service_libs change leaves worker identical" test "$(iid lib-sl-a-$N $W)" = "$(iid lib-sl-b-$N $W)"
retry library_change libs/common_core/src/common_core/__init__.py cc || fail "common_core scenario (cache kept vanishing)"
check "common_core change rebuilds api and worker" sh -c \
    "[ '$(iid lib-cc-a-$N $A)' != '$(iid lib-cc-b-$N $A)' ] && [ '$(iid lib-cc-a-$N $W)' != '$(iid lib-cc-b-$N $W)' ]"
check "common_core change keeps worker's dependency install CACHED" step_cached lib-cc-b-$N worker "$DEPS"

echo "== another member's manifest and the lockfile"
manifest_change() {
    bake man-a-$N worker &&
        sed -i "s/^version = \"0.1.0\"/version = \"0.1.0\"\ndescription = \"HTTP API $N$RANDOM\"/" "$WORK/fx/services/api/pyproject.toml" &&
        bake man-b-$N worker && intact man-b-$N
}
retry manifest_change || fail "manifest scenario (cache kept vanishing)"
check "api's manifest change re-runs only worker's lock check" step_ran man-b-$N worker "uv lock --check"
check "api's manifest change keeps worker's dependency install CACHED" step_cached man-b-$N worker "$DEPS"
check "api's manifest change leaves worker identical" test "$(iid man-a-$N $W)" = "$(iid man-b-$N $W)"
lock_change() {
    bake lock-a-$N worker && touch_file "$WORK/fx/uv.lock" && bake lock-b-$N worker && intact lock-b-$N
}
retry lock_change || fail "lockfile scenario (cache kept vanishing)"
check "worker: a lockfile change re-runs the dependency install" step_ran lock-b-$N worker "$DEPS"

echo "== a stale lockfile fails the build"
sed -i 's/"idna>=3.6"/"idna>=3.6", "colorama>=0.4"/' "$WORK/fx/services/api/pyproject.toml"
if bake stale api; then fail "api: member manifest ahead of uv.lock must fail the build"
else check "api: member manifest ahead of uv.lock fails the build with uv's message" grep -q 'The lockfile at `uv.lock` needs to be updated' "$WORK/logs/stale.log"; fi

echo "== $FAILS failure(s)"
[ "$FAILS" = 0 ]

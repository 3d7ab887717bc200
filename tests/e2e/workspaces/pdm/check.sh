#!/usr/bin/env bash
# Builds the PDM monorepo fixture with `$BAKEPLAN bake --load` (BAKEPLAN: the bakeplan binary,
# default target/debug/bakeplan) on a copy, and checks the images and the rebuild behaviour.
# Prints PASS/FAIL lines; exit status 1 when any check failed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../../python-checks/lib.sh"
setup "$HERE"
C=bakeplan-e2e/pdm-content B=bakeplan-e2e/pdm-batch
DEPS='pdm_closure.py --copy /tmp/bakeplan/site' SITE='pdm_closure.py --all pdm.lock' LIBS='COPY --from=wheel.' OUT='mkdir -p /out/src'
WHEEL='install --no-deps --no-build-isolation'
TOOL='/opt/pdm/bin/python /opt/bakeplan/pip install ' # the PDM install (lib.sh: intact)
# ran LOGNAME PATTERN: how many steps whose header contains PATTERN ran (were no cache hit)
ran() {
    local n count=0
    for n in $(grep -E '^#[0-9]+ \[' "$WORK/logs/$1.log" | grep -F -- "$2" | sed -E 's/^#([0-9]+) .*/\1/' | sort -u); do
        grep -qx "#$n CACHED" "$WORK/logs/$1.log" || count=$((count + 1))
    done
    echo "$count"
}
# holds IMAGE MODULE LINE: the installed MODULE's file in IMAGE ends with LINE (no stale wheel)
holds() {
    docker run --rm --network none "$1" python3 -c "import sys, $2; sys.exit(open($2.__file__).read().splitlines()[-1] != sys.argv[1])" "$3"
}

echo "== build"
if bake first; then pass "pdm: bakeplan bake builds content_service and batch_service"
else fail "pdm: bake failed:"; tail -30 "$WORK/logs/first.log"; exit 1; fi
check "pdm: the workspace's packages are installed once for both services (the site stage)" test "$(ran first "$SITE")" -le 1
check "pdm: compile wrote an allow-list Dockerfile.dockerignore per service" \
    grep -qx '!libs/service_libs' "$WORK/fx/services/content_service/Dockerfile.dockerignore"

echo "== inside the images"
check "content_service: libraries import (common_core, service_libs)" present $C common_core,service_libs
check "batch_service: library imports (common_core)" present $B common_core
check "content_service: batch_service's package 'packaging' absent" absent $C packaging
for p in idna six service_libs; do check "batch_service: content_service's '$p' absent" absent $B $p; done
check "content_service: dev dependency 'pluggy' absent" absent $C pluggy
check "batch_service: dev dependency 'pluggy' absent" absent $B pluggy
out=$(versions_match $C "$WORK/fx/pdm.lock") && pass "content_service: installed versions equal pdm.lock's ($out)" || fail "content_service: versions vs pdm.lock: $out"
out=$(versions_match $B "$WORK/fx/pdm.lock") && pass "batch_service: installed versions equal pdm.lock's ($out)" || fail "batch_service: versions vs pdm.lock: $out"
out=$(run $C); case $out in *"content_service up: hello from content_service service_libs"*) pass "content_service starts from its folder (distribution = false): $out" ;; *) fail "content_service start: $out" ;; esac
out=$(run $B); case $out in *"batch_service up: common_core"*) pass "batch_service starts (installed distribution): $out" ;; *) fail "batch_service start: $out" ;; esac
check "content_service: runs as uid 10001 with a writable HOME" docker run --rm --network none $C sh -c '[ "$(id -u)" = 10001 ] && touch "$HOME/.w"'
check "content_service: no lockfile, manifest or tests in the runtime image" docker run --rm --network none $C sh -c \
    '! ls /app/pdm.lock /app/pyproject.toml /app/services 2>/dev/null && [ -z "$(find /app -name tests -o -name "test_*.py")" ] && [ -f /app/app.py ]'
check "batch_service: only the venv (no sources) in the runtime image" docker run --rm --network none $B sh -c '[ "$(ls -A /app)" = .venv ]'
check "content_service: bytecode precompiled (venv and sources)" docker run --rm --network none $C sh -c \
    '[ -n "$(find /app/.venv/lib -name "*.pyc" | head -1)" ] && ls /app/__pycache__/handlers.*.pyc'

echo "== dev stage"
if bake dev content_service -- --set content_service.target=dev --set content_service.tags=bakeplan-e2e/pdm-content:dev; then
    check "content_service: target dev has the dev dependency 'pluggy'" present bakeplan-e2e/pdm-content:dev pluggy
    check "content_service: target dev has the sources" docker run --rm --network none bakeplan-e2e/pdm-content:dev test -f tests/test_smoke.py
    check "content_service: target dev runs PDM (its venv has no pip of its own)" \
        docker run --rm --network none bakeplan-e2e/pdm-content:dev sh -c 'pdm --version && [ ! -e /opt/pdm/bin/pip ]'
else fail "content_service: dev target build"; tail -20 "$WORK/logs/dev.log"; fi

source_change() {
    bake src-a-$N content_service && touch_file "$WORK/fx/services/content_service/handlers.py" &&
        bake src-b-$N content_service && intact src-b-$N
}
echo "== a service source change re-runs no dependency install"
retry source_change || fail "content_service: source change scenario (cache kept vanishing)"
check "content_service: source change keeps the dependency install CACHED" step_cached src-b-$N content_service "$DEPS"
check "content_service: source change keeps the library install CACHED" step_cached src-b-$N content_service "$LIBS"
check "content_service: source change re-runs the source copy step" step_ran src-b-$N content_service "$OUT"
check "content_service: source change gives a new image" test "$(iid src-a-$N $C)" != "$(iid src-b-$N $C)"
dist_change() {
    bake dist-a-$N batch_service && touch_file "$WORK/fx/services/batch_service/src/batch_service/main.py" &&
        bake dist-b-$N batch_service && intact dist-b-$N
}
retry dist_change || fail "batch_service: source change scenario (cache kept vanishing)"
check "batch_service: source change keeps the dependency install CACHED" step_cached dist-b-$N batch_service "$DEPS"
check "batch_service: source change keeps the library install CACHED" step_cached dist-b-$N batch_service "$LIBS"
check "batch_service: source change re-runs its own wheel and install (--no-deps)" step_ran dist-b-$N batch_service "$OUT"
check "batch_service: the image holds the changed source" \
    holds $B batch_service.main "$(tail -1 "$WORK/fx/services/batch_service/src/batch_service/main.py")"

library_change() { # FILE
    bake lib-$2-a-$N && touch_file "$WORK/fx/$1" && bake lib-$2-b-$N && intact lib-$2-b-$N
}
echo "== a library change rebuilds exactly its dependents"
retry library_change libs/service_libs/src/service_libs/__init__.py sl || fail "service_libs scenario (cache kept vanishing)"
check "service_libs change rebuilds content_service" test "$(iid lib-sl-a-$N $C)" != "$(iid lib-sl-b-$N $C)"
check "service_libs change keeps content_service's dependency install CACHED" step_cached lib-sl-b-$N content_service "$DEPS"
check "service_libs change leaves batch_service identical" test "$(iid lib-sl-a-$N $B)" = "$(iid lib-sl-b-$N $B)"
retry library_change libs/common_core/src/common_core/__init__.py cc || fail "common_core scenario (cache kept vanishing)"
check "common_core change rebuilds content_service and batch_service" sh -c \
    "[ '$(iid lib-cc-a-$N $C)' != '$(iid lib-cc-b-$N $C)' ] && [ '$(iid lib-cc-a-$N $B)' != '$(iid lib-cc-b-$N $B)' ]"
check "common_core change keeps batch_service's dependency install CACHED" step_cached lib-cc-b-$N batch_service "$DEPS"
check "common_core change: its wheel is built once for both services" test "$(ran lib-cc-b-$N "$WHEEL libs/common_core")" = 1
check "common_core change: service_libs' wheel is not rebuilt" test "$(ran lib-cc-b-$N "$WHEEL libs/service_libs")" = 0
both_hold() { holds $C common_core "$1" && holds $B common_core "$1"; }
check "common_core change: both images hold the changed source" \
    both_hold "$(tail -1 "$WORK/fx/libs/common_core/src/common_core/__init__.py")"

echo "== another member's manifest and the lockfile"
manifest_change() {
    bake man-a-$N batch_service && sed -i "s/^version = \".*\"/version = \"0.1.$N$RANDOM\"/" "$WORK/fx/services/content_service/pyproject.toml" &&
        bake man-b-$N batch_service && intact man-b-$N
}
retry manifest_change || fail "manifest scenario (cache kept vanishing)"
check "content_service's manifest change leaves batch_service identical" test "$(iid man-a-$N $B)" = "$(iid man-b-$N $B)"
lock_change() {
    bake lock-a-$N && touch_file "$WORK/fx/pdm.lock" && bake lock-b-$N && intact lock-b-$N
}
retry lock_change || fail "lockfile scenario (cache kept vanishing)"
check "a lockfile change re-runs the workspace install once" test "$(ran lock-b-$N "$SITE")" = 1
check "a lockfile change re-runs both services' dependency layers" test "$(ran lock-b-$N "$DEPS")" = 2
check "a lockfile change re-runs the lock check once for both services" test "$(ran lock-b-$N 'pdm lock --check')" = 1

echo "== a lockfile whose pins miss a member's requirement fails the build"
# pdm.lock recorded content_service's dependency as declared, but the idna it pins does not
# meet it (a hand-edited lockfile): the closure copy's requirement check names both.
cp "$WORK/fx/pdm.lock" "$WORK/pdm.lock.orig"; cp "$WORK/fx/services/content_service/pyproject.toml" "$WORK/content.orig"
sed -i 's/"idna>=3.6"/"idna>=99"/' "$WORK/fx/pdm.lock" "$WORK/fx/services/content_service/pyproject.toml"
if bake unmet content_service; then fail "content_service: an unmet requirement must fail the build"
else check "content_service: an unmet requirement fails the build naming it" grep -q 'requires idna>=99, but 3' "$WORK/logs/unmet.log"; fi
cp "$WORK/pdm.lock.orig" "$WORK/fx/pdm.lock"; cp "$WORK/content.orig" "$WORK/fx/services/content_service/pyproject.toml"

echo "== a stale lockfile fails the build"
sed -i 's/"idna>=3.6"/"idna>=3.6", "colorama>=0.4"/' "$WORK/fx/services/content_service/pyproject.toml"
if bake stale-member content_service; then fail "content_service: member manifest ahead of pdm.lock must fail the build"
else check "content_service: member manifest ahead of pdm.lock fails the build naming pdm.lock" grep -q 'pdm.lock is out of date' "$WORK/logs/stale-member.log"; fi
sed -i 's/dev = \["pluggy>=1.5"\]/dev = ["pluggy>=1.5", "tomli>=2"]/' "$WORK/fx/pyproject.toml"
if bake stale-root batch_service; then fail "batch_service: root manifest ahead of pdm.lock must fail the build"
else check "batch_service: root manifest ahead of pdm.lock fails the build (pdm lock --check)" grep -q "Lockfile doesn't satisfy the project requirements" "$WORK/logs/stale-root.log"; fi

echo "== $FAILS failure(s)"
[ "$FAILS" = 0 ]

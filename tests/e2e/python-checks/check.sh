#!/usr/bin/env bash
# Builds the standalone extension-point fixture (python-pip, python-pdm, python-uv) with
# `$BAKEPLAN bake --load` (BAKEPLAN: the bakeplan binary, default target/debug/bakeplan) on a
# copy, and checks: packages present / build-packages absent at run time, init (docker stop
# < 2 s), the user and its writable HOME, the health check, the workdir, the dev stage of each
# template, a host .venv kept out, a stale lockfile failing the build.
# Prints PASS/FAIL lines; exit status 1 when any check failed.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
setup "$HERE"
rm -f "$WORK/fx/"*.sh
P=bakeplan-e2e/ext-pip D=bakeplan-e2e/ext-pdm U=bakeplan-e2e/ext-uv
# a host virtualenv in a context must never reach an image
mkdir -p "$WORK/fx/ext-pip/.venv/lib" && echo junk >"$WORK/fx/ext-pip/.venv/lib/junk.py"

echo "== build"
if bake first; then pass "python-checks: bakeplan bake builds ext-pip, ext-pdm and ext-uv"
else fail "python-checks: bake failed:"; tail -30 "$WORK/logs/first.log"; exit 1; fi

echo "== extension points (ext-pip)"
check "ext-pip: packages 'jq' present at run time" docker run --rm --network none --entrypoint jq $P --version
check "ext-pip: build-packages 'make' absent at run time" docker run --rm --network none $P sh -c '! command -v make'
check "ext-pip: user web uid 10002 writes its HOME /home/web" docker run --rm --network none $P sh -c \
    '[ "$(id -un):$(id -u)" = web:10002 ] && [ "$HOME" = /home/web ] && touch "$HOME/.w"'
check "ext-pip: workdir /srv/web holds the sources" docker run --rm --network none $P sh -c '[ "$(pwd)" = /srv/web ] && [ -f app.py ]'
check "ext-pip: no requirements files, tests or host .venv in the runtime image" docker run --rm --network none $P sh -c \
    '! ls /srv/web/requirements.txt /srv/web/requirements-dev.txt /srv/web/tests /srv/web/.venv 2>/dev/null'
check "ext-pip: dev requirement 'iniconfig' absent" absent $P iniconfig
check "ext-pip: bytecode precompiled" docker run --rm --network none $P sh -c 'ls /srv/web/__pycache__/app.*.pyc'
check "ext-pip: ENV value kept literally" docker run --rm --network none $P sh -c '[ "$GREETING" = "hello \$USER" ]'
cid=$(docker run -d --network none $P)
healthy=""
for _ in $(seq 1 40); do
    s=$(docker inspect --format '{{.State.Health.Status}}' "$cid" 2>/dev/null)
    [ "$s" = healthy ] && { healthy=1; break; }
    sleep 0.5
done
[ -n "$healthy" ] && pass "ext-pip: healthcheck reaches healthy" || fail "ext-pip: healthcheck status ${s:-none}: $(docker logs "$cid" 2>&1 | tail -3)"
check "ext-pip: PID 1 is tini" sh -c "docker exec $cid cat /proc/1/cmdline | tr '\\0' ' ' | grep -q '^/usr/local/bin/tini -- python3 app.py'"
start=$(date +%s%N); docker stop "$cid" >/dev/null; ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -lt 2000 ] && pass "ext-pip: init #true: docker stop took ${ms} ms (< 2 s)" || fail "ext-pip: docker stop took ${ms} ms"
docker rm -f "$cid" >/dev/null 2>&1

echo "== the other templates standalone"
out=$(run $D); [ "$out" = "ext-pdm: ok six 1.17.0" ] && pass "ext-pdm runs: $out" || fail "ext-pdm: $out"
out=$(run $U); [ "$out" = "ext-uv: ok six 1.17.0" ] && pass "ext-uv runs (through tini): $out" || fail "ext-uv: $out"
for img in $D $U; do
    check "$img: dev dependency 'iniconfig' absent" absent $img iniconfig
    check "$img: runs as app uid 10001 with a writable HOME" docker run --rm --network none $img sh -c '[ "$(id -un):$(id -u)" = app:10001 ] && touch "$HOME/.w"'
    check "$img: no lockfile in the runtime image" docker run --rm --network none $img sh -c '! ls /app/pdm.lock /app/uv.lock 2>/dev/null'
done
out=$(versions_match $D "$WORK/fx/ext-pdm/pdm.lock") && pass "ext-pdm: installed versions equal pdm.lock's ($out)" || fail "ext-pdm: versions: $out"
out=$(versions_match $U "$WORK/fx/ext-uv/uv.lock") && pass "ext-uv: installed versions equal uv.lock's ($out)" || fail "ext-uv: versions: $out"

echo "== dev stages"
if bake dev ext-pip ext-pdm ext-uv -- --set '*.target=dev' --set ext-pip.tags=$P:dev --set ext-pdm.tags=$D:dev --set ext-uv.tags=$U:dev; then
    for img in $P $D $U; do check "$img: target dev has the dev dependency 'iniconfig'" present $img:dev iniconfig; done
else fail "dev targets build"; tail -20 "$WORK/logs/dev.log"; fi

echo "== a stale lockfile fails the build"
sed -i 's/"six>=1.16"/"six>=1.16", "idna>=3"/' "$WORK/fx/ext-pdm/pyproject.toml" "$WORK/fx/ext-uv/pyproject.toml"
if bake stale-pdm ext-pdm; then fail "ext-pdm: a manifest ahead of pdm.lock must fail the build"
else check "ext-pdm: a manifest ahead of pdm.lock fails the build (pdm lock --check)" grep -q "Lockfile doesn't satisfy the project requirements" "$WORK/logs/stale-pdm.log"; fi
if bake stale-uv ext-uv; then fail "ext-uv: a manifest ahead of uv.lock must fail the build"
else check "ext-uv: a manifest ahead of uv.lock fails the build with uv's message" grep -q 'The lockfile at `uv.lock` needs to be updated' "$WORK/logs/stale-uv.log"; fi

echo "== $FAILS failure(s)"
[ "$FAILS" = 0 ]

#!/usr/bin/env bash
# Checks the `node` template in workspace mode on tests/e2e/workspaces/KIND (npm or pnpm) on the
# real stack. usage: workspace-check.sh KIND   (BAKEPLAN=path/to/bakeplan to build with `bake`)
# Works on a copy of the fixture; prints PASS/FAIL lines; exits 1 on any FAIL. Every run writes a
# nonce into the copy's root package.json (a field no lockfile records), so nothing comes from an
# earlier run's cache and the cache checks compare within this run.
source "$(dirname "$0")/lib.sh"
KIND=${1:?usage: workspace-check.sh npm|pnpm}
WS="$WORK/$KIND"
SERVICES="api worker"
API="e2e-$KIND/api:latest" WORKER="e2e-$KIND/worker:latest"
if [ "$KIND" = npm ]; then LOCK=package-lock.json INSTALL="npm ci --omit=dev"; else LOCK=pnpm-lock.yaml INSTALL="pnpm install --frozen-lockfile --prod"; fi
copied_not_installed() { ran "$1" "$2" && not_ran "$1" "$INSTALL"; }
libs_of() { case $1 in api) echo libs/core,libs/greet ;; worker) echo libs/core ;; esac; }

# fallback_build DIR SERVICE [buildx args]: render and build like `bakeplan bake` would
fallback_build() {
    local dir=$1 svc=$2; shift 2
    local libs allowed=(package.json pnpm-workspace.yaml .npmrc .pnpmfile.cjs "$LOCK")
    libs=$(libs_of "$svc")
    IFS=, read -ra lib_list <<<"$libs"
    service_context "$WORK/ctx-$svc.json" ws "$LOCK" "$svc" "services/$svc" "$libs" \
        "{\"image\": \"e2e-$KIND/$svc\"}"
    python3 "$RENDER" "$ROOT/templates/node.Dockerfile.j2" "$WORK/ctx-$svc.json" \
        >"$dir/services/$svc/Dockerfile" || return 1
    dockerignore_text "services/$svc/Dockerfile" "${allowed[@]}" "${lib_list[@]}" "services/$svc" \
        >"$dir/services/$svc/Dockerfile.dockerignore"
    (cd "$dir" && docker buildx build --network host --allow network.host --progress plain \
        --provenance=false -f "services/$svc/Dockerfile" -t "e2e-$KIND/$svc:latest" "$@" .)
}

# lock_version MEMBER PACKAGE: the version the workspace lockfile pins for it
lock_version() {
    local member=$1 pkg=$2
    if [ "$KIND" = npm ]; then
        tool node -e '
            const [lock, member, pkg] = process.argv.slice(1);
            const p = require(lock).packages;
            const e = p[`${member}/node_modules/${pkg}`] || p[`node_modules/${pkg}`];
            console.log(e ? e.version : "MISSING");' "$WS/package-lock.json" "$member" "$pkg"
    else
        awk -v member="  $member:" -v pkg="      $pkg:" '
            /^[a-z]/ { section = $1 }
            section == "importers:" && $0 == member { inmember = 1; next }
            section == "importers:" && /^  [^ ]/ { inmember = 0 }
            inmember && $0 == pkg { inpkg = 1; next }
            inpkg && /^        version:/ { print $2; exit }
        ' "$WS/pnpm-lock.yaml"
    fi
}
# expected_context SERVICE LIBS...: the workspace manifests, the service's and its libraries' files
expected_context() {
    local svc=$1; shift
    (cd "$WS" && {
        for f in package.json package-lock.json pnpm-lock.yaml pnpm-workspace.yaml .npmrc; do
            [ -f "$f" ] && echo "$f"
        done
        find "services/$svc" "$@" -type f -not -path '*/node_modules/*' -not -name 'Dockerfile*'
    } | sort)
}

echo "== $KIND workspace ($([ -n "$BAKEPLAN" ] && echo "bakeplan bake" || echo "render.py + buildx"))"
cp -r "$CHECKS/../workspaces/$KIND" "$WS"
rm -f "$WS"/check.sh
json_set "$WS/package.json" description "check run $NONCE"
# decoys that must never reach BuildKit
mkdir -p "$WS/docs" "$WS/services/api/node_modules/decoy" "$WS/libs/core/node_modules/decoy" "$WS/.git"
echo secret >"$WS/docs/notes.md"; echo x >"$WS/.git/HEAD"
echo x >"$WS/services/api/node_modules/decoy/index.js"; echo x >"$WS/libs/core/node_modules/decoy/index.js"

# -- baseline builds and image contents -------------------------------------------------------------
check "$KIND: bake builds api and worker" bake_all "$WS"
[ "$FAILS" -eq 0 ] || { tail -40 "$LOG"; finish; }
check "$KIND api: context is exactly the manifests + services/api + libs/core + libs/greet" \
    diff <(context_files "$WS" services/api/Dockerfile) <(expected_context api libs/core libs/greet)
check "$KIND worker: context is exactly the manifests + services/worker + libs/core" \
    diff <(context_files "$WS" services/worker/Dockerfile) <(expected_context worker libs/core)
check "$KIND api: starts and prints through both libraries" \
    sh -c "docker run --rm --network none $API | tee /dev/stderr | grep -q '^api: .*hello <b>&lt;api&gt;</b>'"
check "$KIND worker: starts and prints through libs/core" \
    sh -c "docker run --rm --network none $WORKER | tee /dev/stderr | grep -q '^worker: <b>job</b> distance(kitten,sitting)=3'"
check "$KIND api: libraries load (@acme/greet, @acme/core via greet)" \
    in_img "$API" "node -e \"require('@acme/greet'); require(require.resolve('@acme/core', {paths: [path.dirname(require.resolve('@acme/greet'))]}))\""
check "$KIND worker: library loads (@acme/core); libs/greet is not in the image" \
    in_img "$WORKER" "node -e \"require('@acme/core')\" && ! test -e /app/libs/greet"
check "$KIND api: worker-only package leven absent (file system and require)" \
    in_img "$API" "test -z \"\$(find /app -name 'leven*')\" && ! node -e \"require.resolve('leven')\" 2>/dev/null"
check "$KIND worker: api-only package left-pad absent (file system and require)" \
    in_img "$WORKER" "test -z \"\$(find /app -name 'left-pad*')\" && ! node -e \"require.resolve('left-pad')\" 2>/dev/null"
for svc in api worker; do
    img="e2e-$KIND/$svc:latest"
    check "$KIND $svc: devDependencies absent (kleur of api, dlv of the root)" \
        in_img "$img" "test -z \"\$(find /app -name 'kleur*' -o -name 'dlv*')\""
    check "$KIND $svc: no lockfile, no .npmrc in the image" \
        in_img "$img" "test -z \"\$(find / -xdev \\( -name package-lock.json -o -name pnpm-lock.yaml -o -name .npmrc \\) -path '/app/*')\""
    check "$KIND $svc: runs as uid 10001 in /app/services/$svc with a writable HOME" \
        in_img "$img" "test \"\$(id -u)\" = 10001 && test \"\$PWD\" = /app/services/$svc && touch \"\$HOME/probe\""
    check "$KIND $svc: no other service's folder, no decoy node_modules, no docs" \
        in_img "$img" "test \$(ls /app/services | wc -l) = 1 && test -z \"\$(find /app -name decoy)\" && ! test -e /app/docs"
done
want=$(lock_version services/api left-pad)
got=$(in_img "$API" "node -p \"require('left-pad/package.json').version\"" 2>/dev/null)
check "$KIND api: left-pad installed $got = lockfile $want (newest matching ^1.1.0 is 1.3.0)" \
    test -n "$want" -a "$got" = "$want"
want=$(lock_version libs/core escape-html)
got=$(in_img "$WORKER" "node -p \"require(require.resolve('escape-html/package.json', {paths: ['/app/libs/core']})).version\"" 2>/dev/null)
check "$KIND worker: libs/core's escape-html installed $got = lockfile $want" \
    test -n "$want" -a "$got" = "$want"

# -- cache behaviour --------------------------------------------------------------------------------
changed_build "$WS" : 'append "$WS/services/api/index.js" "// service source change $(date +%s%N)"'
check "$KIND api source change: dependency install CACHED" not_ran api "$INSTALL"
check "$KIND api source change: COPY services/api re-ran" ran api "COPY services/api/ /app/services/api/"
check "$KIND api source change: worker rebuilds nothing" nothing_ran worker

changed_build "$WS" : 'append "$WS/libs/greet/index.js" "// library source change $(date +%s%N)"'
check "$KIND libs/greet source change: api re-copies libs/greet, install CACHED" \
    copied_not_installed api "COPY libs/greet/ /app/libs/greet/"
check "$KIND libs/greet source change: worker (not a dependent) rebuilds nothing" nothing_ran worker

changed_build "$WS" : 'append "$WS/libs/core/index.js" "// library source change $(date +%s%N)"'
for svc in api worker; do
    check "$KIND libs/core source change: $svc (a dependent) re-copies libs/core, install CACHED" \
        copied_not_installed $svc "COPY libs/core/ /app/libs/core/"
done

changed_build "$WS" : 'json_set "$WS/libs/greet/package.json" description "manifest change $(date +%s%N)"'
check "$KIND libs/greet manifest change: api re-runs the install" ran api "$INSTALL"
check "$KIND libs/greet manifest change: worker rebuilds nothing" nothing_ran worker

# a real lockfile-only change made by the tool: left-pad 1.1.3 -> 1.3.0 (range ^1.1.0 kept)
cp "$WS/$LOCK" "$WORK/$LOCK.before"
update_lockfile() {
    if [ "$KIND" = npm ]; then
        TOOL_DIR=$WS tool npm update left-pad -w services/api --package-lock-only
    else
        TOOL_DIR=$WS tool npx --yes pnpm@9.15.9 update left-pad --filter @acme/api --lockfile-only --no-save
    fi >>"$WORK/checks.log" 2>&1
    rm -rf "$WS/node_modules" "$WS"/*/*/node_modules/.pnpm "$WS"/*/*/node_modules/left-pad
}
changed_build "$WS" 'cp "$WORK/$LOCK.before" "$WS/$LOCK"' update_lockfile
check "$KIND lockfile change: only the lockfile changed (package.json kept)" \
    diff -q "$WS/services/api/package.json" "$CHECKS/../workspaces/$KIND/services/api/package.json"
check "$KIND lockfile change: api re-runs the install" ran api "$INSTALL"
want=$(lock_version services/api left-pad)
got=$(in_img "$API" "node -p \"require('left-pad/package.json').version\"" 2>/dev/null)
check "$KIND lockfile change: api now has left-pad $got = lockfile $want" test "$want" = 1.3.0 -a "$got" = "$want"
if ran worker "$INSTALL"; then info "$KIND lockfile change: worker re-runs its install too (one lockfile for every member)"; fi

# -- a stale lockfile fails the build with the tool's message ---------------------------------------
cp "$WS/services/worker/package.json" "$WORK/worker.package.json"
sed -i 's/"leven": "^3.0.0"/"leven": "^3.0.0", "ms": "2.1.3"/' "$WS/services/worker/package.json"
if bake_all "$WS" worker; then
    fail "$KIND stale lockfile: build succeeded"
elif grep -qE 'ERR_PNPM_OUTDATED_LOCKFILE|Missing: ms@2.1.3 from lock file' "$LOG"; then
    pass "$KIND stale lockfile: build fails ($(grep -oE 'ERR_PNPM_OUTDATED_LOCKFILE|Missing: ms@2.1.3 from lock file' "$LOG" | head -1))"
else
    fail "$KIND stale lockfile: build failed for another reason (see $LOG)"
fi
cp "$WORK/worker.package.json" "$WS/services/worker/package.json"

# -- dev stage (the generated Dockerfile, `--target dev`) -------------------------------------------
check "$KIND api dev stage: builds" sh -c "cd '$WS' && docker buildx build --network host --allow network.host \
    --progress plain --provenance=false -f services/api/Dockerfile --target dev -t e2e-$KIND/api:dev . >'$WORK/dev.log' 2>&1"
check "$KIND api dev stage: has the devDependency kleur and the sources" \
    in_img "e2e-$KIND/api:dev" "node -e \"require('kleur')\" && test -f index.js"
check "$KIND api runtime (default target): no kleur" \
    in_img "$API" "! node -e \"require('kleur')\" 2>/dev/null"
finish

#!/usr/bin/env bash
# Checks the extension points of the standalone `node` and `static` templates on the real stack
# (this folder's bakeplan.kdl: `ext`, a node HTTP service with a build script, and `site`).
# usage: check.sh   (BAKEPLAN=path/to/bakeplan to build with `bake`; else render.py + buildx)
# Prints PASS/FAIL lines; exits 1 on any FAIL.
source "$(dirname "$0")/lib.sh"
DIR="$WORK/plan"
SERVICES="ext site"
EXT=e2e-node/ext:latest SITE=e2e-node/site:latest

# fallback_build DIR SERVICE [buildx args]: render and build like `bakeplan bake` would
fallback_build() {
    local dir=$1 svc=$2 template; shift 2
    case $svc in
        ext)
            template=node
            service_context "$WORK/ctx-$svc.json" standalone "" ext ext "" '{
                "packages": ["jq"], "build_packages": ["bc"], "init": true,
                "user": {"name": "runner", "uid": 10002}, "workdir": "/srv/app", "ports": [8000],
                "healthcheck": {"cmd": ["node", "/srv/app/healthcheck.js"], "interval": "1s",
                                "timeout": "2s", "start_period": null, "retries": 3},
                "env": {"GREETING": "hey $x"}}' '{"build": "build"}' ;;
        site)
            template=static
            service_context "$WORK/ctx-$svc.json" standalone "" site site "" '{
                "build_packages": ["bc"], "init": true, "user": {"name": "web", "uid": 10003},
                "healthcheck": {"cmd": ["wget", "-qO-", "http://127.0.0.1:8080/"], "interval": "1s",
                                "timeout": "2s", "start_period": null, "retries": 3}}' \
                '{"build-image": "local/node:18", "base-image": "local/busybox:1", "init-image": "",
                  "manifests": "", "install": "npm ci", "build": "sh build.sh", "output": "dist",
                  "port": "8080", "user": ""}' ;;
    esac
    python3 "$RENDER" "$ROOT/templates/$template.Dockerfile.j2" "$WORK/ctx-$svc.json" \
        >"$dir/$svc/Dockerfile" || return 1
    dockerignore_text Dockerfile >"$dir/$svc/Dockerfile.dockerignore"
    docker buildx build --network host --allow network.host --progress plain --provenance=false \
        -f "$dir/$svc/Dockerfile" -t "e2e-node/$svc:latest" "$@" "$dir/$svc"
}

# stops_quickly IMAGE: `docker stop` of a running container returns in under 2 s
stops_quickly() {
    local id start elapsed
    id=$(docker run -d --network none "$1") || return 1
    sleep 1
    start=$(date +%s%N)
    docker stop "$id" >/dev/null
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    docker rm -f "$id" >/dev/null 2>&1
    echo "docker stop took ${elapsed} ms"
    [ "$elapsed" -lt 2000 ]
}
# becomes_healthy IMAGE: the container's health check reports healthy within 30 s
becomes_healthy() {
    local id status i
    id=$(docker run -d --network none "$1") || return 1
    for i in $(seq 60); do
        status=$(docker inspect --format '{{.State.Health.Status}}' "$id")
        [ "$status" = healthy ] && break
        sleep 0.5
    done
    docker rm -f "$id" >/dev/null 2>&1
    echo "health: $status"
    [ "$status" = healthy ]
}

echo "== standalone node and static extension points ($([ -n "$BAKEPLAN" ] && echo "bakeplan bake" || echo "render.py + buildx"))"
mkdir -p "$DIR"
cp -r "$CHECKS/bakeplan.kdl" "$CHECKS/ext" "$CHECKS/site" "$DIR/"
json_set "$DIR/ext/package.json" description "check run $NONCE"
echo "# check run $NONCE" >>"$DIR/site/build.sh"
# decoys that must never reach the image
mkdir -p "$DIR/ext/.git" "$DIR/ext/node_modules/decoy" "$DIR/ext/.venv"
echo x >"$DIR/ext/.git/HEAD"; echo x >"$DIR/ext/node_modules/decoy/index.js"; echo x >"$DIR/ext/.venv/x"

check "bake builds ext and site" bake_all "$DIR"
[ "$FAILS" -eq 0 ] || { tail -40 "$LOG"; finish; }

changed_build "$DIR" : 'append "$DIR/ext/index.js" "// source change $(date +%s%N)"'
check "ext source change: the dependency installs are CACHED" not_ran ext "npm ci"
check "ext source change: the sources are copied again" ran ext "COPY . ."
check "ext source change: site rebuilds nothing" nothing_ran site

cp "$DIR/ext/package.json" "$WORK/ext.package.json"
sed -i 's/"left-pad": "1.3.0"/"left-pad": "1.3.0", "ms": "2.1.3"/' "$DIR/ext/package.json"
if bake_all "$DIR" ext; then
    fail "ext stale lockfile: build succeeded"
elif grep -qF 'Missing: ms@2.1.3 from lock file' "$LOG"; then
    pass "ext stale lockfile: build fails (npm ci: Missing: ms@2.1.3 from lock file)"
else
    fail "ext stale lockfile: build failed for another reason (see $LOG)"
fi
cp "$WORK/ext.package.json" "$DIR/ext/package.json"

# -- node: ext ---------------------------------------------------------------------------------------
check "ext: starts and serves (GREETING kept literally: \"hey \$x\")" \
    in_img "$EXT" "(node index.js &) && sleep 1 && node -e \"require('http').get('http://127.0.0.1:8000/', r => r.on('data', d => process.stdout.write(d)))\" | grep -qF '.....hey \$x built with kleur (function)'"
check "ext: packages: jq present at run time" in_img "$EXT" "jq --version"
check "ext: build-packages: bc absent at run time (command and file system)" \
    in_img "$EXT" "! command -v bc && ! test -e /usr/bin/bc"
check "ext: user runner (uid 10002) writes its HOME /home/runner" \
    in_img "$EXT" "test \"\$(id -un):\$(id -u):\$HOME\" = runner:10002:/home/runner && touch \"\$HOME/probe\""
check "ext: workdir /srv/app holds the app, the build output and production dependencies only" \
    in_img "$EXT" "test \"\$PWD\" = /srv/app && test -f index.js && test -f dist/banner.txt && test -d node_modules/left-pad && ! test -e node_modules/kleur"
check "ext: no lockfile, .git, .venv or host node_modules in the image" \
    in_img "$EXT" "! test -e package-lock.json && ! test -e .git && ! test -e .venv && ! test -e node_modules/decoy"
check "ext: init: tini is PID 1's entrypoint" \
    sh -c "docker image inspect --format '{{json .Config.Entrypoint}}' $EXT | grep -qF '[\"/usr/local/bin/tini\",\"--\"]'"
check "ext: init: docker stop returns in under 2 s" stops_quickly "$EXT"
check "ext: healthcheck reaches healthy" becomes_healthy "$EXT"
check "ext: exposes 8000 and runs as uid 10002" \
    sh -c "docker image inspect --format '{{json .Config.ExposedPorts}} {{.Config.User}}' $EXT | grep -qF '{\"8000/tcp\":{}} 10002'"
check "ext dev stage: builds (--target dev)" sh -c "docker buildx build --network host --allow network.host \
    --progress plain --provenance=false -f '$DIR/ext/Dockerfile' --target dev -t e2e-node/ext:dev '$DIR/ext' >'$WORK/dev.log' 2>&1"
check "ext dev stage: has the devDependency kleur and the sources" \
    in_img e2e-node/ext:dev "node -e \"require('kleur')\" && test -f index.js"
check "ext runtime (default target): no kleur" in_img "$EXT" "! node -e \"require('kleur')\" 2>/dev/null"

# -- static: site ------------------------------------------------------------------------------------
check "site: serves the build output (built with bc from build-packages)" \
    in_img "$SITE" "httpd -p 8080 -h /www && sleep 0.5 && wget -qO- http://127.0.0.1:8080/ | grep -q '^site-ext: ok 42'"
check "site: bc absent at run time; only the output folder in /www" \
    in_img "$SITE" "! test -e /usr/bin/bc && test \"\$(ls /www)\" = index.html"
check "site: user web (uid 10003) writes its HOME, no package manager needed" \
    in_img "$SITE" "test \"\$(id -u):\$HOME\" = 10003:/home/web && touch \"\$HOME/probe\""
check "site: init: docker stop returns in under 2 s" stops_quickly "$SITE"
check "site: healthcheck reaches healthy" becomes_healthy "$SITE"
check "site dev stage: builds with the sources (--target dev)" sh -c "docker buildx build --network host --allow network.host \
    --progress plain --provenance=false -f '$DIR/site/Dockerfile' --target dev -t e2e-node/site:dev '$DIR/site' >'$WORK/site-dev.log' 2>&1 \
    && docker run --rm --network none e2e-node/site:dev test -f /src/build.sh"
finish

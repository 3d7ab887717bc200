#!/usr/bin/env bash
# A real BuildKit stack for bakeplan's end-to-end tests, on this machine, idempotent:
#   dockerd (containerd image store) + containerd + runc, the buildx plugin, a registry on
#   127.0.0.1:5000, and local base images made from Debian packages (no image is pulled).
#
#   scripts/buildkit-env.sh start    install what is missing, start what is not running
#   scripts/buildkit-env.sh stop     stop only the processes this script started (by pid)
#   scripts/buildkit-env.sh env      print `export DOCKER_HOST=...` for the private daemon
#
# Everything lives under $BAKEPLAN_ENV_DIR (default ~/.cache/bakeplan/env). The daemon listens
# on a private socket there, so an existing Docker setup is never touched.
set -euo pipefail

STATE=${BAKEPLAN_ENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bakeplan/env}
BIN=$STATE/bin
SOCK=$STATE/docker.sock
export DOCKER_HOST=unix://$SOCK
export PATH=$BIN:$PATH:/usr/sbin:/sbin

log() { printf 'buildkit-env: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

mirror() {
    local uri
    uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    [ -n "$uri" ] || uri=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
    [ -n "$uri" ] || die "no Debian mirror found in /etc/apt"
    printf '%s' "$uri"
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
    local missing=()
    command -v runc >/dev/null || missing+=(runc)
    command -v docker-registry >/dev/null || missing+=(docker-registry)
    [ -x /bin/busybox ] || missing+=(busybox-static)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v curl >/dev/null || missing+=(curl)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]} from the system's apt sources"
        as_root apt-get update -qq
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# docker.io (dockerd 28), containerd (2.1), docker-buildx (0.29) and docker-compose (2.40, the
# oracle of `bakeplan import compose`'s tests) from Debian testing, through a private apt
# configuration: the system's sources are never changed.
install_forky() {
    if [ -x "$BIN/dockerd" ] && [ -x "$BIN/containerd" ] && docker buildx version >/dev/null 2>&1 &&
        docker compose version >/dev/null 2>&1; then
        return
    fi
    log "downloading dockerd, containerd, buildx and compose from Debian testing"
    local apt=$STATE/apt
    mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs" "$BIN"
    printf 'deb %s forky main\n' "$(mirror)" >"$apt/sources.list"
    local opts=(-o "Dir::Etc::sourcelist=$apt/sources.list" -o "Dir::Etc::sourceparts=-"
        -o "Dir::State::lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "APT::Sandbox::User=root")
    apt-get "${opts[@]}" -qq update
    (cd "$apt/debs" && apt-get "${opts[@]}" -qq download docker.io containerd docker-buildx docker-compose)
    rm -rf "$apt/root" && mkdir -p "$apt/root"
    for deb in "$apt"/debs/*.deb; do dpkg -x "$deb" "$apt/root"; done
    for tool in dockerd containerd containerd-shim-runc-v2 docker-proxy; do
        local found
        found=$(ls "$apt/root/usr/bin/$tool" "$apt/root/usr/sbin/$tool" 2>/dev/null | head -n 1 || true)
        [ -n "$found" ] && install -m 0755 "$found" "$BIN/$tool"
    done
    mkdir -p "$HOME/.docker/cli-plugins"
    install -m 0755 "$apt/root/usr/libexec/docker/cli-plugins/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"
    install -m 0755 "$apt/root/usr/libexec/docker/cli-plugins/docker-compose" "$HOME/.docker/cli-plugins/docker-compose"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_dockerd() {
    if alive "$STATE/dockerd.pid" && docker version >/dev/null 2>&1; then return; fi
    log "starting dockerd on $SOCK"
    mkdir -p "$STATE/docker" "$STATE/exec"
    printf '{"features":{"containerd-snapshotter":true}}\n' >"$STATE/daemon.json"
    setsid dockerd --config-file "$STATE/daemon.json" -H "unix://$SOCK" \
        --data-root "$STATE/docker" --exec-root "$STATE/exec" --pidfile "$STATE/dockerd.pid" \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
        >"$STATE/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 120); do
        docker version >/dev/null 2>&1 && return
        sleep 0.5
    done
    tail -n 30 "$STATE/dockerd.log" >&2
    die "dockerd did not start (log: $STATE/dockerd.log)"
}

start_registry() {
    if alive "$STATE/registry.pid" && curl -sf http://127.0.0.1:5000/v2/ >/dev/null; then return; fi
    log "starting a registry on 127.0.0.1:5000"
    mkdir -p "$STATE/registry"
    cat >"$STATE/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
    setsid docker-registry serve "$STATE/registry.yml" >"$STATE/registry.log" 2>&1 </dev/null &
    echo $! >"$STATE/registry.pid"
    for _ in $(seq 1 60); do
        curl -sf http://127.0.0.1:5000/v2/ >/dev/null && return
        sleep 0.5
    done
    die "the registry did not start (log: $STATE/registry.log)"
}

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

import_rootfs() { # ROOTFS IMAGE
    local certs=/etc/ssl/certs/ca-certificates.crt
    tar -C "$1" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change "ENV SSL_CERT_FILE=$certs PIP_CERT=$certs REQUESTS_CA_BUNDLE=$certs NODE_EXTRA_CA_CERTS=$certs" \
        - "$2" >/dev/null
}

# Debian stable, minimal, as a rootfs (cached), with extra packages in a copy of it.
debian_rootfs() {
    local base=$STATE/rootfs/debian
    if [ ! -f "$base/.complete" ]; then
        log "debootstrapping a minimal Debian (once)"
        rm -rf "$base" && mkdir -p "$base"
        as_root debootstrap --variant=minbase bookworm "$base" "$(mirror)" >"$STATE/debootstrap.log" 2>&1 ||
            { tail -n 20 "$STATE/debootstrap.log" >&2; die "debootstrap failed"; }
        rm -rf "$base/var/cache/apt/archives/"*.deb "$base/var/lib/apt/lists/"*
        touch "$base/.complete"
    fi
    printf '%s' "$base"
}

image_with_packages() { # IMAGE PACKAGES...
    local image=$1
    shift
    have_image "$image" && return
    local base rootfs
    base=$(debian_rootfs)
    rootfs=$STATE/rootfs/$(printf '%s' "$image" | tr '/:' '__')
    log "making $image from Debian packages: ${*:-(none)}"
    rm -rf "$rootfs" && cp -a "$base" "$rootfs"
    if [ $# -gt 0 ]; then
        cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
        # Trust what this machine trusts (a proxy's CA, say), so RUN steps on the host network
        # reach the package registries as the host does.
        if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
            mkdir -p "$rootfs/usr/local/share/ca-certificates"
            cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
        fi
        as_root chroot "$rootfs" /bin/sh -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $* >/dev/null && (command -v update-ca-certificates >/dev/null && update-ca-certificates >/dev/null || true) && apt-get clean && rm -rf /var/lib/apt/lists/*" ||
            die "installing $* into $image failed"
    fi
    import_rootfs "$rootfs" "$image"
    rm -rf "$rootfs"
}

make_images() {
    if ! have_image local/busybox:1; then
        log "making local/busybox:1 from busybox-static"
        local rootfs=$STATE/rootfs/busybox
        rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/etc"
        cp /bin/busybox "$rootfs/bin/busybox"
        for applet in $(/bin/busybox --list); do
            [ -e "$rootfs/bin/$applet" ] || ln -s busybox "$rootfs/bin/$applet"
        done
        printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
        import_rootfs "$rootfs" local/busybox:1
        rm -rf "$rootfs"
    fi
    image_with_packages local/debian:12
    image_with_packages local/python:3 python3 python3-venv python3-pip ca-certificates
    if [ "${BAKEPLAN_ENV_IMAGES:-all}" = all ]; then
        image_with_packages local/node:18 nodejs npm ca-certificates
        image_with_packages local/golang:1 golang-go ca-certificates
        image_with_packages local/rust:1 cargo rustc ca-certificates
    fi
}

stop() {
    for name in registry dockerd; do
        if alive "$STATE/$name.pid"; then
            log "stopping $name ($(cat "$STATE/$name.pid"))"
            kill "$(cat "$STATE/$name.pid")"
            for _ in $(seq 1 40); do alive "$STATE/$name.pid" || break; sleep 0.25; done
        fi
        rm -f "$STATE/$name.pid"
    done
}

case "${1:-start}" in
    start)
        mkdir -p "$STATE"
        install_packages
        install_forky
        start_dockerd
        start_registry
        make_images
        log "ready: export DOCKER_HOST=$DOCKER_HOST"
        ;;
    stop) stop ;;
    env) printf 'export DOCKER_HOST=%s\n' "$DOCKER_HOST" ;;
    *) die "usage: $0 start|stop|env" ;;
esac

#!/usr/bin/env bash
# A second, private dockerd: a second builder for the sharded-build test and the benchmark.
# Everything it has lives under DIR: data root, exec root (its own managed containerd),
# socket, pidfile, log. It gets the local base images from the first daemon ($DOCKER_HOST)
# by `docker save | docker load`. `stop` stops it by its pidfile, nothing else.
#
#   scripts/second-dockerd.sh start DIR [IMAGE...]   prints its DOCKER_HOST (unix://DIR/docker.sock)
#   scripts/second-dockerd.sh stop DIR
set -euo pipefail

ENV_DIR=${BAKEPLAN_ENV_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bakeplan/env}
export PATH=$ENV_DIR/bin:$PATH:/usr/sbin:/sbin

action=${1:?start DIR [IMAGE...] | stop DIR}
dir=${2:?the folder for the second dockerd}
shift 2

case $action in
start)
    mkdir -p "$dir/docker" "$dir/exec"
    dir=$(cd "$dir" && pwd)
    sock=unix://$dir/docker.sock
    printf '{"features":{"containerd-snapshotter":true}}\n' >"$dir/daemon.json"
    setsid dockerd --config-file "$dir/daemon.json" -H "$sock" \
        --data-root "$dir/docker" --exec-root "$dir/exec" --pidfile "$dir/dockerd.pid" \
        --bridge=none --iptables=false --ip6tables=false --ip-forward=false \
        >"$dir/dockerd.log" 2>&1 </dev/null &
    for _ in $(seq 1 100); do
        DOCKER_HOST=$sock docker version >/dev/null 2>&1 && break
        sleep 0.2
    done
    if ! DOCKER_HOST=$sock docker version >/dev/null 2>&1; then
        tail -n 30 "$dir/dockerd.log" >&2
        echo "second dockerd did not start (log: $dir/dockerd.log)" >&2
        exit 1
    fi
    for image in "${@:-local/busybox:1}"; do
        docker save "$image" | DOCKER_HOST=$sock docker load >/dev/null
    done
    echo "$sock"
    ;;
stop)
    [ -f "$dir/dockerd.pid" ] || exit 0
    pid=$(cat "$dir/dockerd.pid")
    kill "$pid" 2>/dev/null || exit 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || exit 0
        sleep 0.2
    done
    echo "second dockerd (pid $pid) did not stop" >&2
    exit 1
    ;;
*)
    echo "usage: $0 start DIR [IMAGE...] | stop DIR" >&2
    exit 2
    ;;
esac

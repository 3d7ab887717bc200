#!/usr/bin/env bash
# Installs the `docker buildx` CLI plugin from Debian testing ("forky") without touching the
# system's apt sources: apt gets a private sources list, lists and cache in a work folder, and
# the plugin binary is unpacked from the .deb into ~/.docker/cli-plugins/.
# Idempotent: does nothing when `docker buildx version` already works.
set -euo pipefail

if docker buildx version >/dev/null 2>&1; then
    exit 0
fi
command -v docker >/dev/null || { echo "install-buildx: the docker CLI is missing" >&2; exit 1; }

work=${BAKEPLAN_APT_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bakeplan/apt-forky}
# The mirror is read from the system's own configuration, never written into the repository.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "install-buildx: no Debian mirror found in /etc/apt" >&2; exit 1; }

mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs"
printf 'deb %s forky main\n' "$mirror" >"$work/sources.list"
apt_opts=(
    -o "Dir::Etc::sourcelist=$work/sources.list"
    -o "Dir::Etc::sourceparts=-"
    -o "Dir::State::lists=$work/lists"
    -o "Dir::Cache=$work/cache"
    -o "APT::Sandbox::User=root"
)
apt-get "${apt_opts[@]}" -qq update
(cd "$work/debs" && apt-get "${apt_opts[@]}" -qq download "$@" docker-buildx)
rm -rf "$work/root"
mkdir -p "$work/root"
for deb in "$work"/debs/*.deb; do
    dpkg -x "$deb" "$work/root"
done
mkdir -p "$HOME/.docker/cli-plugins"
install -m 0755 "$work/root/usr/libexec/docker/cli-plugins/docker-buildx" "$HOME/.docker/cli-plugins/docker-buildx"
docker buildx version

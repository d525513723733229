#!/bin/sh
# Install the Debian packages dnshound needs to build and test, when missing.
# Idempotent; prints nothing when everything is already there.
set -eu

PKGS="build-essential pkg-config libcjson-dev zlib1g-dev libpsl-dev publicsuffix libyaml-dev librdkafka-dev liblmdb-dev libidn2-dev nettle-dev kcat libcriterion-dev python3 python3-jsonschema"
# clang and its runtime libraries (libFuzzer, only a Recommends of clang) for
# the fuzz targets of `make check` and `make fuzz`.
PKGS="$PKGS clang libclang-rt-dev"
# jq: the README's examples pipe dnshound's JSON lines to it.
PKGS="$PKGS jq"
# python3-yaml: tests/contract/ecs_check.py and deploy/elasticsearch/gen-template.py
# read ECS's ecs_flat.yml.
PKGS="$PKGS python3-yaml"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "install-deps: need root (or sudo) to install:$missing" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null

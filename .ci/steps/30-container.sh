#!/usr/bin/env bash
# Build the action's container image without a Docker engine, then run the
# container tests against it.
#
# podman builds the image and buildah runs it, both with chroot isolation,
# which shares the host network so the tests' fake servers on 127.0.0.1 are
# reachable from the container. `podman run` is not used because it fails on
# this machine while setting a resource limit.
#
# The debian:bookworm-slim base is made locally with debootstrap from the
# Debian mirror that apt on this machine uses, so nothing is pulled from a
# container registry. Outside CI an existing base image and the layer cache are
# reused; with CI=true (or CODEDOC_REBUILD_BASE=1) both are rebuilt from
# scratch, as on a fresh machine.
#
# Environment:
#   CODEDOC_IMAGE         tag of the built image (default localhost/codedoc-action:ci)
#   PYTHON                interpreter that runs the tests (default .venv/bin/python)
#   CODEDOC_REBUILD_BASE  1 rebuilds the base image even when it exists
#   CODEDOC_DEBIAN_MIRROR, CODEDOC_DEBIAN_SECURITY_MIRROR
#                         Debian mirrors for the base image, on hosts whose
#                         apt sources name none (Ubuntu)
set -euo pipefail
cd "$(dirname "$0")/../.."

BASE_IMAGE=docker.io/library/debian:bookworm-slim
IMAGE=${CODEDOC_IMAGE:-localhost/codedoc-action:ci}
PYTHON=${PYTHON:-.venv/bin/python}
PODMAN_BUILD_FLAGS=(--isolation=chroot --cgroup-manager=cgroupfs --pull=never)
# Scratch space for the rootfs and the build's pip settings, removed on exit.
WORK=$(mktemp -d /var/tmp/codedoc-container.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

log() {
    echo "-- $*"
}

install_tools() {
    local packages=()
    command -v podman >/dev/null || packages+=(podman)
    command -v buildah >/dev/null || packages+=(buildah)
    command -v debootstrap >/dev/null || packages+=(debootstrap)
    # debootstrap checks the Release file against this keyring; Debian hosts
    # have it already, Ubuntu ones do not.
    [ -f /usr/share/keyrings/debian-archive-keyring.gpg ] \
        || packages+=(debian-archive-keyring)
    if [ "${#packages[@]}" -eq 0 ]; then
        return
    fi
    log "installing ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
}

# Print the URI of the first enabled apt source for SUITE, from both the
# one-line (.list) and the deb822 (.sources) formats.
apt_source_uri() {
    python3 - "$1" <<'PY'
import glob
import sys

suite = sys.argv[1]
files = glob.glob("/etc/apt/sources.list") + sorted(
    glob.glob("/etc/apt/sources.list.d/*.list")
    + glob.glob("/etc/apt/sources.list.d/*.sources")
)
for path in files:
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".sources"):
        for stanza in text.split("\n\n"):
            fields = {}
            for line in stanza.splitlines():
                if ":" in line and not line.startswith(("#", " ")):
                    key, value = line.split(":", 1)
                    fields[key.strip().lower()] = value.split()
            if fields.get("enabled", ["yes"])[0].lower() == "no":
                continue
            if "deb" in fields.get("types", []) and suite in fields.get("suites", []):
                print(fields["uris"][0])
                sys.exit(0)
    else:
        for line in text.splitlines():
            words = line.split("#", 1)[0].split()
            if words[:1] != ["deb"]:
                continue
            words = [word for word in words[1:] if "=" not in word.strip("[]")]
            words = [word for word in words if word not in ("[", "]")]
            if len(words) >= 2 and words[1] == suite:
                print(words[0])
                sys.exit(0)
sys.exit(f"no apt source for suite {suite!r} in {', '.join(files) or '/etc/apt'}")
PY
}

# Make a debootstrap minbase rootfs look like the official slim image: the
# same apt sources, and no documentation, manual pages or translations.
slim_down_rootfs() {
    local rootfs=$1 mirror=$2 security
    security=${CODEDOC_DEBIAN_SECURITY_MIRROR:-$(apt_source_uri bookworm-security 2>/dev/null || true)}
    rm -f "$rootfs/etc/apt/sources.list"
    {
        printf 'Types: deb\nURIs: %s\nSuites: bookworm bookworm-updates\n' "$mirror"
        printf 'Components: main\n'
        printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        if [ -n "$security" ]; then
            printf '\nTypes: deb\nURIs: %s\nSuites: bookworm-security\n' "$security"
            printf 'Components: main\n'
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
        fi
    } >"$rootfs/etc/apt/sources.list.d/debian.sources"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/excludes" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
CFG
    find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
    rm -rf "$rootfs"/usr/share/{man,info,locale,lintian}/*
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/log/*.log
}

build_base() {
    if podman image exists "$BASE_IMAGE" && [ "${CI:-}" != true ] \
        && [ "${CODEDOC_REBUILD_BASE:-}" != 1 ]; then
        log "reusing base image $BASE_IMAGE"
        return
    fi
    local mirror rootfs=$WORK/rootfs started
    mirror=${CODEDOC_DEBIAN_MIRROR:-$(apt_source_uri bookworm)}
    log "debootstrap bookworm from $mirror"
    started=$(date +%s)
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    slim_down_rootfs "$rootfs" "$mirror"
    tar --numeric-owner -C "$rootfs" -c . \
        | podman import --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
    rm -rf "$rootfs"
    log "base image built in $(($(date +%s) - started)) s"
}

# Machines whose HTTPS traffic passes a proxy with its own certificate
# authority keep that authority in /usr/local/share/ca-certificates, and pip in
# the build stage then needs the host's CA bundle too. The bundle and a
# pip.conf that points at it are mounted on /mnt. That folder is empty in every
# Debian image, so no mount point is left behind in any layer.
host_ca_flags() {
    local folder=$WORK/pip
    if ! compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
        return
    fi
    mkdir -p "$folder"
    cp /etc/ssl/certs/ca-certificates.crt "$folder/ca.crt"
    printf '[global]\ncert = /mnt/ca.crt\n' >"$folder/pip.conf"
    chmod -R a+rX "$folder"
    printf '%s\n' "--volume=$folder:/mnt:ro" "--build-arg=PIP_CONFIG_FILE=/mnt/pip.conf"
}

build_image() {
    local flags=("${PODMAN_BUILD_FLAGS[@]}") started finished size
    if [ "${CI:-}" = true ]; then
        flags+=(--no-cache)
    fi
    mapfile -t -O "${#flags[@]}" flags < <(host_ca_flags)
    log "building $IMAGE"
    started=$(date +%s.%N)
    podman build "${flags[@]}" --tag "$IMAGE" .
    finished=$(date +%s.%N)
    size=$(podman image inspect --format '{{.Size}}' "$IMAGE")
    log "image built in $(python3 -c "print(f'{$finished - $started:.1f}')") s," \
        "size $((size / 1000000)) MB"
}

run_tests() {
    log "container tests"
    CODEDOC_CONTAINER_TESTS=1 CODEDOC_IMAGE="$IMAGE" \
        "$PYTHON" -m pytest -m container -p no:cacheprovider -q tests/container
}

install_tools
build_base
build_image
run_tests

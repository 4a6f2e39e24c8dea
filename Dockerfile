# Image of the codedoc GitHub Action. GitHub runs it as root (a USER line would
# lose write access to the mounted /github/workspace), with the workspace
# mounted at /github/workspace and the inputs as INPUT_<NAME> variables.

# Stage "base": the Debian release and the environment shared by both stages
# below. It adds no files.
FROM debian:bookworm-slim AS base

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# Stage "runtime": what the action needs at run time, the base of the final
# image.
FROM base AS runtime

# Debian package versions are not pinned: the mirror keeps only the current
# release of each package, so a pin would break the build at the next security
# update. The base image tag fixes the Debian release.
# safe.directory: the runner checks out the workspace as another user, and git
# refuses to read a repository owned by someone else without it.
# Debian's git package depends on perl (about 47 MB) only for scripts the
# action never runs, such as git-instaweb and git-add--interactive. Every git
# command the action runs is a C program, and git-remote-https uses libcurl.
# The purge must be in this RUN because files deleted in a later layer still
# take space in the image. The Essential perl-base package, which debconf
# needs, stays. git is left with unmet dependencies, so apt-get install fails
# in this stage and in any image built on it.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates git python3 \
    && dpkg --purge --force-depends \
        perl perl-modules-5.36 libperl5.36 liberror-perl \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

# Stage "build": a virtual environment with the pinned dependencies and the
# package. pip and setuptools stay behind in this stage. It starts from "base",
# not "runtime", because apt cannot install python3-venv next to the git
# whose dependencies the runtime stage broke. The venv links to
# /usr/bin/python3, which both stages install from the same Debian release.
FROM base AS build

# No pip configuration is read unless a build passes one, e.g. on a machine
# whose HTTPS proxy needs its own certificate authority trusted.
ARG PIP_CONFIG_FILE=/dev/null
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_INPUT=1

# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv "$VIRTUAL_ENV"

# Every file is checked against its sha256 and only wheels are accepted, so
# nothing is compiled from source.
COPY requirements/image.txt /tmp/requirements.txt
RUN pip install --require-hashes --no-deps --only-binary :all: \
        --requirement /tmp/requirements.txt

# .dockerignore lets only the package, its metadata and entrypoint.py in.
# unchecked-hash byte code stays valid after COPY --from changes file times,
# so the read-only package never compiles at start.
COPY . /src
RUN pip install --no-deps --no-build-isolation --no-index /src \
    && codedoc --help > /dev/null \
    && pip uninstall --yes setuptools pip \
    && python3 -m compileall -q --invalidation-mode unchecked-hash \
        "$VIRTUAL_ENV/lib"

# Final image: the runtime stage plus the virtual environment.
FROM runtime

LABEL org.opencontainers.image.title="codedoc-action" \
      org.opencontainers.image.description="Keep a Confluence page documenting a repository current, with your own AI provider key" \
      org.opencontainers.image.licenses="MIT"

COPY --from=build /opt/venv /opt/venv
COPY entrypoint.py /app/entrypoint.py

ENTRYPOINT ["/opt/venv/bin/python", "/app/entrypoint.py"]

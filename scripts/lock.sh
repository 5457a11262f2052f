#!/usr/bin/env bash
# Regenerate the lock files from the pinned direct dependencies, with a hash for every file of
# every transitive dependency: requirements.in -> requirements.txt (production) and
# requirements-dev.in -> requirements-dev.txt (development and test, same runtime versions).
# Pins already in a lock are kept; extra arguments go to `uv pip compile`, e.g. `--upgrade` or
# `--upgrade-package redis`. Needs only Python 3.11 and the package registry.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

LOCK_VENV=${LOCK_VENV:-.venv-lock}
UV_VERSION=0.13.9

[ -x "$LOCK_VENV/bin/uv" ] && "$LOCK_VENV/bin/uv" --version | grep -q "^uv $UV_VERSION\b" || {
  say "installing uv $UV_VERSION into $LOCK_VENV"
  python3 -m venv "$LOCK_VENV"
  "$LOCK_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
}

compile() {
  # --universal: one lock for every platform (markers instead of a resolution per machine);
  # --no-config: only the default package index, whatever uv configuration the machine has.
  "$LOCK_VENV/bin/uv" pip compile --quiet --no-config --universal --python-version 3.11 \
    --generate-hashes --custom-compile-command "bash scripts/lock.sh" "$@"
}

say "locking requirements.in -> requirements.txt"
compile "$@" requirements.in -o requirements.txt
say "locking requirements-dev.in -> requirements-dev.txt"
compile "$@" requirements-dev.in -o requirements-dev.txt

#!/usr/bin/env bash
# Sets up what the app and the tests need: a virtualenv with the Python packages, and the PWA's
# pinned npm packages. Re-runs only the steps whose inputs changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is needed" >&2; return 1
}

if [ ! -x .venv/bin/python ]; then
  "$(find_python)" -m venv .venv
fi
# Only the locked versions, each checked against its hash (requirements/README.md); then the
# project itself, built by the locked setuptools.
stamp=.venv/.installed-$(cat pyproject.toml requirements/dev.lock | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/dev.lock
  .venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
  rm -f .venv/.installed-* && touch "$stamp"
fi

npm_stamp=pwa/node_modules/.installed-$(sha256sum pwa/package-lock.json | cut -c1-16)
if [ ! -f "$npm_stamp" ]; then
  (cd pwa && npm ci --no-audit --no-fund --loglevel=error)
  touch "$npm_stamp"
fi

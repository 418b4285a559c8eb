#!/usr/bin/env bash
# The README's second command (and CI's): set up, lint, type-check, then run every test.
# Installs what is missing: redis-server and chromium from Debian (as root), Python packages
# into .venv. Tests start their own private redis-server; none needs to be running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash server/bootstrap.sh --test
.venv/bin/ruff check server tests
.venv/bin/mypy
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"

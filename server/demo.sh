#!/usr/bin/env bash
# The README's first command: set up, then run Plenary with the demo conferences on the
# embedded backend (no Redis). Ctrl-C stops it. HOST=0.0.0.0 bash server/demo.sh lets phones on
# the same network join (it prints the links with this machine's address).
set -euo pipefail
cd "$(dirname "$0")/.."
bash server/bootstrap.sh
export PORT=${PORT:-8000} HOST=${HOST:-127.0.0.1}
exec .venv/bin/python -m plenary --demo

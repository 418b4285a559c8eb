#!/usr/bin/env bash
# Make .venv with Plenary installed (and, with --test, what the tests need).
# Used by the README's two commands; safe to run again (it only adds what is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Plenary needs Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2; exit 1; }

apt_install() {  # apt_install PACKAGE... (root on Debian only; otherwise say what is missing)
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null ||
      { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; }
  else
    echo "please install: $*" >&2; exit 1
  fi
}

if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv 2>/dev/null || { apt_install python3-venv; rm -rf .venv; "$python" -m venv .venv; }
fi
extra=""
if [ "${1:-}" = "--test" ]; then
  extra="[test]"
  command -v redis-server >/dev/null || apt_install redis-server
  [ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
  command -v unshare >/dev/null && command -v ip >/dev/null || apt_install util-linux iproute2
fi
stamp=".venv/.installed$extra"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  # constraints.txt: the versions the tests passed with (reproducible installs)
  .venv/bin/python -m pip install -q -c constraints.txt -e ".$extra" 2>&1 \
    | grep -v -E "^(WARNING: Location|  )" || true
  .venv/bin/python -c "import plenary, uvicorn, redis, msgspec, aiortc" 
  touch "$stamp"
fi

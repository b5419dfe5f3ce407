#!/usr/bin/env bash
# Refresh requirements.lock: the exact version of every package that `pip install -e '.[test]'` resolves today
# (the runtime dependencies and the test extra), installed into a fresh virtual environment. .ci/run and the
# README install with it as constraints (pip install -c requirements.lock ...); docs/publishing.md says why.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e '.[test]'

tmp="$(mktemp requirements.lock.XXXXXX)"
{
  echo "# The versions that build data/rcp.ttl and the dumps and run the tests; used as pip constraints:"
  echo "#   pip install -c requirements.lock -e '.[test]'"
  echo "# Refresh with: bash scripts/lock.sh (docs/publishing.md). Python $("$venv/bin/python" -c 'import sys; print(sys.version.split()[0])')."
  "$venv/bin/python" -m pip freeze --exclude-editable | LC_ALL=C sort -f
} >"$tmp"
mv "$tmp" requirements.lock
echo "wrote requirements.lock ($(grep -vc '^#' requirements.lock) packages)"

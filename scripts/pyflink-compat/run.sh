#!/bin/sh
# Runs PyFlink's own Table API test files on Sluice; see README.md.
#   scripts/pyflink-compat/run.sh DIR [DIR...] [--timeout S] [--files a.py,b.py] [--json out.json]
set -e
here=$(cd "$(dirname "$0")" && pwd)
py=python3
[ -x "$here/../../.venv/bin/python" ] && py="$here/../../.venv/bin/python"
exec "$py" "$here/compat.py" "$@"

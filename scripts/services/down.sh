#!/usr/bin/env bash
# Stop every service started by up.sh and delete their state. Stops both even if one fails.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
rc=0
"$here/kafka.sh" down || rc=1
"$here/mariadb.sh" down || rc=1
exit "$rc"

#!/usr/bin/env bash
# Start every service the connector tests use (Kafka, MariaDB). Idempotent.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/kafka.sh" up
"$here/mariadb.sh" up

#!/usr/bin/env bash
# The seed's CDN job on embedded defaults: mock logs into CSV files, the
# job (cdn_job.py, unchanged) reads them and upserts per-province figures
# into SQLite, then the table is printed. What `make demo` runs.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sluice=${SLUICE:-$here/../../bin/sluice}
work=${CDN_WORKDIR:-$(mktemp -d)}
count=${CDN_LOG_COUNT:-200000}
export CDN_PROFILE=embedded CDN_LOG_PATH=$work/logs CDN_SQLITE_PATH=$work/cdn.db
rm -rf "$CDN_LOG_PATH" "$CDN_SQLITE_PATH"

"$sluice" run "$here/generate_logs.py" --path "$CDN_LOG_PATH" --count "$count" --seed 42
# The JDBC sink writes into an existing table, as Flink's does.
"$here/../../.venv/bin/python" - "$CDN_SQLITE_PATH" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("CREATE TABLE access_statistic (province TEXT PRIMARY KEY, access_count INTEGER, total_download INTEGER, download_speed REAL)")
db.commit()
PY
start=$(date +%s%N)
"$sluice" run "$here/cdn_job.py"
ms=$((($(date +%s%N) - start) / 1000000))
printf 'cdn_job.py: %d log lines in %d.%02d s\n\n' "$count" $((ms / 1000)) $((ms % 1000 / 10))
"$sluice" run "$here/show_statistic.py"

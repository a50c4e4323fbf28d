"""Prints the CDN job's per-province table from SQLite (the embedded
profile) or MySQL/MariaDB (the services profile)."""
from __future__ import annotations

import os

from pyflink.table import EnvironmentSettings, TableEnvironment

t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
if os.environ.get("CDN_PROFILE", "services") == "embedded":
    where = "'url' = 'jdbc:sqlite:%s', 'table-name' = 'access_statistic'" % os.environ.get("CDN_SQLITE_PATH", "/tmp/sluice-cdn/cdn.db")
else:
    where = "'url' = '%s', 'table-name' = '%s', 'username' = '%s', 'password' = '%s'" % (
        os.environ.get("MYSQL_URL", "jdbc:mysql://localhost:3306/sluice"), os.environ.get("MYSQL_TABLE", "access_statistic"),
        os.environ.get("MYSQL_USER", "sluice"), os.environ.get("MYSQL_PASSWORD", "sluice"))
t_env.execute_sql("""
CREATE TABLE access_statistic (
  province STRING, access_count BIGINT, total_download BIGINT, download_speed DOUBLE
) WITH ('connector' = 'jdbc', %s)""" % where)
t_env.sql_query("""
SELECT province, access_count, total_download, ROUND(download_speed, 2) AS download_speed
FROM access_statistic ORDER BY access_count DESC, province""").execute().print()

"""Per-province, per-minute percentiles of CDN response sizes with pandas
aggregate functions: ``udaf(func_type="pandas")`` receives all the rows of
a window as a pandas Series, so p50 and p95 are one ``Series.quantile``
each — percentiles do not fold row by row into an accumulator.

The logs are those of examples/cdn (uuid, client_ip, request_time,
response_size, uri, log_time), their province from the CDN job's IP-range
UDF; the windows are 1-minute tumbling windows of event time (log_time,
lines up to 2 s out of order, a watermark 5 s behind).

Run on generated logs (written to a temporary directory first):

    bin/sluice run examples/pandas_udaf/percentiles.py

or on logs written by ``examples/cdn/generate_logs.py --path DIR --event-time ...``:

    bin/sluice run examples/pandas_udaf/percentiles.py --path DIR
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import List, Optional, Tuple

import pandas as pd

from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.expressions import col, lit
from pyflink.table.udf import udaf
from pyflink.table.window import Tumble

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cdn"))
from enjoyment.cdn.cdn_udf import ip_to_province  # noqa: E402


@udaf(result_type=DataTypes.DOUBLE(), func_type="pandas")
def p50(sizes: pd.Series) -> float:
    return sizes.quantile(0.5)


@udaf(result_type=DataTypes.DOUBLE(), func_type="pandas")
def p95(sizes: pd.Series) -> float:
    return sizes.quantile(0.95)


START = "2026-01-01 00:00:00"


def generate(path: str, count: int, per_minute: int, seed: int) -> None:
    """count log lines over simulated time from START, as
    examples/cdn/generate_logs.py --event-time writes them."""
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.execute_sql("""
CREATE TABLE gen (a INT, b INT, c INT, d INT, request_time BIGINT, response_size BIGINT, f INT, n INT, j INT)
WITH ('connector' = 'datagen', 'number-of-rows' = '%d', 'seed' = '%d',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '0', 'fields.n.end' = '%d',
  'fields.j.min' = '0', 'fields.j.max' = '2000',
  'fields.a.min' = '1', 'fields.a.max' = '223', 'fields.b.min' = '0', 'fields.b.max' = '255',
  'fields.c.min' = '0', 'fields.c.max' = '255', 'fields.d.min' = '1', 'fields.d.max' = '254',
  'fields.request_time.min' = '1', 'fields.request_time.max' = '5000',
  'fields.response_size.min' = '100', 'fields.response_size.max' = '10000000',
  'fields.f.min' = '0', 'fields.f.max' = '999')""" % (count, seed, count - 1))
    t_env.execute_sql("CREATE TABLE logs (uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT, "
                      "uri STRING, log_time TIMESTAMP(3)) WITH ('connector' = 'filesystem', 'path' = '%s', "
                      "'format' = 'csv')" % path)
    t_env.execute_sql("""
INSERT INTO logs
SELECT UUID(), CONCAT(CAST(a AS STRING), '.', CAST(b AS STRING), '.', CAST(c AS STRING), '.', CAST(d AS STRING)),
       request_time, response_size, CONCAT('/static/', CAST(f AS STRING), '.js'),
       TIMESTAMPADD(MILLISECOND, n * %d - j, TIMESTAMP '%s')
FROM gen""" % (60000 // per_minute, START)).wait()


def percentiles(path: str, sql: bool = False) -> List[Tuple[str, str, int, float, float]]:
    """(province, window start, requests, p50, p95) per province and minute."""
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.execute_sql("CREATE TABLE cdn_access_log (uuid STRING, client_ip STRING, request_time BIGINT, "
                      "response_size BIGINT, uri STRING, log_time TIMESTAMP(3), "
                      "WATERMARK FOR log_time AS log_time - INTERVAL '5' SECOND) "
                      "WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % path)
    t_env.create_temporary_system_function("ip_to_province", ip_to_province)
    t_env.create_temporary_system_function("p50", p50)
    t_env.create_temporary_system_function("p95", p95)
    # The province is computed before the window: log_time stays the
    # rowtime through the projection.
    logs = t_env.sql_query("SELECT ip_to_province(client_ip) AS province, response_size, log_time "
                           "FROM cdn_access_log")
    if sql:
        t_env.create_temporary_view("logs", logs)
        table = t_env.sql_query("""
SELECT province, TUMBLE_START(log_time, INTERVAL '1' MINUTE) AS minute_start, COUNT(*) AS requests,
       p50(response_size) AS p50, p95(response_size) AS p95
FROM logs
GROUP BY province, TUMBLE(log_time, INTERVAL '1' MINUTE)""")
    else:
        table = (logs.window(Tumble.over(lit(1).minutes).on(col("log_time")).alias("w"))
                 .group_by(col("province"), col("w"))
                 .select(col("province"), col("w").start.alias("minute_start"), col("response_size").count.alias("requests"),
                         p50(col("response_size")).alias("p50"), p95(col("response_size")).alias("p95")))
    out = []
    with table.execute().collect() as it:
        for r in it:
            out.append((r[0], str(r[1]), r[2], r[3], r[4]))
    return sorted(out, key=lambda r: (r[1], r[0] or ""))


def main(argv: Optional[List[str]] = None) -> List[Tuple[str, str, int, float, float]]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--path", help="directory of CSV logs with log_time (default: generate them)")
    ap.add_argument("--count", type=int, default=20000, help="log lines to generate")
    ap.add_argument("--per-minute", type=int, default=5000, help="generated log lines per simulated minute")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--sql", action="store_true", help="the SQL group window instead of the Table API's")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.path
        if path is None:
            path = os.path.join(tmp, "logs")
            generate(path, args.count, args.per_minute, args.seed)
        rows = percentiles(path, sql=args.sql)
    print("%-12s %-20s %8s %12s %12s" % ("province", "minute", "requests", "p50", "p95"))
    for province, minute, n, q50, q95 in rows:
        print("%-12s %-20s %8d %12.0f %12.0f" % (province, minute, n, q50, q95))
    return rows


if __name__ == "__main__":
    main()

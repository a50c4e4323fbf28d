"""Mock CDN access logs — uuid, client_ip, request_time, response_size,
uri as CSV — written by a Sluice job to a Kafka topic or to CSV files at a
chosen rate.

    bin/sluice run examples/cdn/generate_logs.py --kafka 127.0.0.1:9092 --topic access_log --rate 1000 --count 60000
    bin/sluice run examples/cdn/generate_logs.py --path /tmp/cdn/logs --count 100000
"""
from __future__ import annotations

import argparse

from pyflink.table import EnvironmentSettings, TableEnvironment


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    to = ap.add_mutually_exclusive_group(required=True)
    to.add_argument("--kafka", metavar="BOOTSTRAP", help="Kafka bootstrap servers")
    to.add_argument("--path", help="directory to write CSV part files into")
    ap.add_argument("--topic", default="access_log")
    ap.add_argument("--count", type=int, default=100000, help="number of log lines")
    ap.add_argument("--rate", type=int, default=0, help="lines per second (0: as fast as possible)")
    ap.add_argument("--seed", type=int, default=None, help="seed of the random fields, for repeatable logs")
    args = ap.parse_args()

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    seed = "" if args.seed is None else ", 'seed' = '%d'" % args.seed
    t_env.execute_sql("""
CREATE TABLE gen (
  a INT, b INT, c INT, d INT, request_time BIGINT, response_size BIGINT, f INT
) WITH (
  'connector' = 'datagen', 'number-of-rows' = '%d', 'rows-per-second' = '%d'%s,
  'fields.a.min' = '1', 'fields.a.max' = '223', 'fields.b.min' = '0', 'fields.b.max' = '255',
  'fields.c.min' = '0', 'fields.c.max' = '255', 'fields.d.min' = '1', 'fields.d.max' = '254',
  'fields.request_time.min' = '1', 'fields.request_time.max' = '5000',
  'fields.response_size.min' = '100', 'fields.response_size.max' = '10000000',
  'fields.f.min' = '0', 'fields.f.max' = '999'
)""" % (args.count, args.rate if args.rate > 0 else 1000000000, seed))
    columns = "uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT, uri STRING"
    if args.kafka:
        t_env.execute_sql("""
CREATE TABLE logs (%s) WITH (
  'connector' = 'kafka', 'topic' = '%s', 'properties.bootstrap.servers' = '%s',
  'format' = 'csv', 'sink.partitioner' = 'round-robin'
)""" % (columns, args.topic, args.kafka))
    else:
        t_env.execute_sql("CREATE TABLE logs (%s) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % (columns, args.path))
    t_env.execute_sql("""
INSERT INTO logs
SELECT UUID(), CONCAT(CAST(a AS STRING), '.', CAST(b AS STRING), '.', CAST(c AS STRING), '.', CAST(d AS STRING)),
       request_time, response_size, CONCAT('/static/', CAST(f AS STRING), '.js')
FROM gen""").wait()
    print("wrote %d log lines to %s" % (args.count, "topic %s at %s" % (args.topic, args.kafka) if args.kafka else args.path))


if __name__ == "__main__":
    main()

"""Mock CDN access logs — uuid, client_ip, request_time, response_size,
uri as CSV — written by a Sluice job to a Kafka topic or to CSV files at a
chosen rate.

    bin/sluice run examples/cdn/generate_logs.py --kafka 127.0.0.1:9092 --topic access_log --rate 1000 --count 60000
    bin/sluice run examples/cdn/generate_logs.py --path /tmp/cdn/logs --count 100000

With --event-time START each line gets a sixth field, log_time: the lines
are spread over simulated time from START, --per-minute of them a minute,
each up to two seconds early (out of order), for the per-minute window job
(cdn_window_job.py). Without it the lines are the seed's five fields.
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
    ap.add_argument("--event-time", metavar="START", default=None,
                    help="add a log_time field from START ('2026-01-01 00:00:00'), in simulated time")
    ap.add_argument("--per-minute", type=int, default=5000, help="log lines per simulated minute (with --event-time)")
    args = ap.parse_args()

    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    seed = "" if args.seed is None else ", 'seed' = '%d'" % args.seed
    t_env.execute_sql("""
CREATE TABLE gen (
  a INT, b INT, c INT, d INT, request_time BIGINT, response_size BIGINT, f INT, n INT, j INT
) WITH (
  'connector' = 'datagen', 'number-of-rows' = '%d', 'rows-per-second' = '%d'%s,
  'fields.n.kind' = 'sequence', 'fields.n.start' = '0', 'fields.n.end' = '%d',
  'fields.j.min' = '0', 'fields.j.max' = '2000',
  'fields.a.min' = '1', 'fields.a.max' = '223', 'fields.b.min' = '0', 'fields.b.max' = '255',
  'fields.c.min' = '0', 'fields.c.max' = '255', 'fields.d.min' = '1', 'fields.d.max' = '254',
  'fields.request_time.min' = '1', 'fields.request_time.max' = '5000',
  'fields.response_size.min' = '100', 'fields.response_size.max' = '10000000',
  'fields.f.min' = '0', 'fields.f.max' = '999'
)""" % (args.count, args.rate if args.rate > 0 else 1000000000, seed, max(args.count - 1, 0)))
    columns = "uuid STRING, client_ip STRING, request_time BIGINT, response_size BIGINT, uri STRING"
    log_time = ""
    if args.event_time:
        columns += ", log_time TIMESTAMP(3)"
        # n-th line at n * (one minute / per-minute), up to 2 s early.
        log_time = ", TIMESTAMPADD(MILLISECOND, n * %d - j, TIMESTAMP '%s')" % (60000 // max(args.per_minute, 1), args.event_time)
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
       request_time, response_size, CONCAT('/static/', CAST(f AS STRING), '.js')%s
FROM gen""" % log_time).wait()
    print("wrote %d log lines to %s" % (args.count, "topic %s at %s" % (args.topic, args.kafka) if args.kafka else args.path))


if __name__ == "__main__":
    main()

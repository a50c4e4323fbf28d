"""The CDN job's tables, as the seed declares them (Flink 1.10 keys).

CDN_PROFILE chooses where they live:
  services  (default) Kafka topic → MySQL/MariaDB table, the seed's job;
            KAFKA_BOOTSTRAP, KAFKA_TOPIC, MYSQL_URL, MYSQL_USER,
            MYSQL_PASSWORD, MYSQL_TABLE override the defaults below
            (`make services-up` starts matching services);
            KAFKA_STARTUP_MODE (e.g. earliest-offset) adds a startup mode,
            KAFKA_GROUP_ID a consumer group.
  embedded  a CSV file of logs (CDN_LOG_PATH) → a SQLite table
            (CDN_SQLITE_PATH): nothing to install, what `make demo` runs.
"""
import os

_profile = os.environ.get("CDN_PROFILE", "services")

if _profile == "embedded":
    kafka_source_ddl = """
CREATE TABLE cdn_access_log (
  uuid VARCHAR,
  client_ip VARCHAR,
  request_time BIGINT,
  response_size BIGINT,
  uri VARCHAR
) WITH (
  'connector.type' = 'filesystem',
  'connector.path' = '%s',
  'format.type' = 'csv',
  'format.ignore-parse-errors' = 'true'
)
""" % os.environ.get("CDN_LOG_PATH", "/tmp/sluice-cdn/logs")

    mysql_sink_ddl = """
CREATE TABLE cdn_access_statistic (
  province VARCHAR,
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE
) WITH (
  'connector.type' = 'jdbc',
  'connector.url' = 'jdbc:sqlite:%s',
  'connector.table' = 'access_statistic',
  'connector.write.flush.interval' = '1s'
)
""" % os.environ.get("CDN_SQLITE_PATH", "/tmp/sluice-cdn/cdn.db")
elif _profile == "services":
    kafka_source_ddl = """
CREATE TABLE cdn_access_log (
  uuid VARCHAR,
  client_ip VARCHAR,
  request_time BIGINT,
  response_size BIGINT,
  uri VARCHAR
) WITH (
  'connector.type' = 'kafka',
  'connector.version' = 'universal',
  'connector.topic' = '%s',
  'connector.properties.zookeeper.connect' = 'localhost:2181',
  'connector.properties.bootstrap.servers' = '%s',%s%s
  'format.type' = 'csv',
  'format.ignore-parse-errors' = 'true'
)
""" % (os.environ.get("KAFKA_TOPIC", "access_log"), os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092"),
       # Flink 1.10 read from the end of the topic by default (no group);
       # KAFKA_STARTUP_MODE=earliest-offset reads logs written before.
       "\n  'connector.startup-mode' = '%s'," % os.environ["KAFKA_STARTUP_MODE"] if os.environ.get("KAFKA_STARTUP_MODE") else "",
       # KAFKA_GROUP_ID reads as a consumer group (offsets committed on
       # checkpoints when checkpointing is on).
       "\n  'connector.properties.group.id' = '%s'," % os.environ["KAFKA_GROUP_ID"] if os.environ.get("KAFKA_GROUP_ID") else "")

    mysql_sink_ddl = """
CREATE TABLE cdn_access_statistic (
  province VARCHAR,
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE
) WITH (
  'connector.type' = 'jdbc',
  'connector.url' = '%s',
  'connector.table' = '%s',
  'connector.username' = '%s',
  'connector.password' = '%s',
  'connector.write.flush.interval' = '1s'
)
""" % (os.environ.get("MYSQL_URL", "jdbc:mysql://localhost:3306/sluice"), os.environ.get("MYSQL_TABLE", "access_statistic"),
       os.environ.get("MYSQL_USER", "sluice"), os.environ.get("MYSQL_PASSWORD", "sluice"))
else:
    raise ValueError("CDN_PROFILE is %r; it is services or embedded" % _profile)

# The per-minute follow-up (cdn_window_job.py): the logs with their
# log_time (generate_logs.py --event-time), a watermark 5 s behind the
# newest log, and a MySQL/MariaDB table keyed by province and minute.
kafka_window_source_ddl = """
CREATE TABLE cdn_access_log_timed (
  uuid VARCHAR,
  client_ip VARCHAR,
  request_time BIGINT,
  response_size BIGINT,
  uri VARCHAR,
  log_time TIMESTAMP(3),
  WATERMARK FOR log_time AS log_time - INTERVAL '5' SECOND
) WITH (
  'connector' = 'kafka',
  'topic' = '%s',
  'properties.bootstrap.servers' = '%s',
  'properties.group.id' = '%s',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'csv',
  'csv.ignore-parse-errors' = 'true'
)
""" % (os.environ.get("KAFKA_TOPIC", "access_log_timed"), os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092"),
       os.environ.get("KAFKA_GROUP_ID", "cdn_window_job"))

mysql_window_sink_ddl = """
CREATE TABLE cdn_access_statistic_minute (
  province VARCHAR,
  window_start TIMESTAMP(3),
  window_end TIMESTAMP(3),
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE,
  PRIMARY KEY (province, window_start) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '%s',
  'table-name' = '%s',
  'username' = '%s',
  'password' = '%s',
  'sink.buffer-flush.interval' = '1s'
)
""" % (os.environ.get("MYSQL_URL", "jdbc:mysql://localhost:3306/sluice"), os.environ.get("MYSQL_WINDOW_TABLE", "access_statistic_minute"),
       os.environ.get("MYSQL_USER", "sluice"), os.environ.get("MYSQL_PASSWORD", "sluice"))

# The per-region variant (cdn_region_job.py): the logs with a processing
# time attribute, the province → region dimension table in MySQL/MariaDB
# (province_region.sql), read by key through a lookup join with a partial
# cache, and a table keyed by region.
kafka_region_source_ddl = """
CREATE TABLE cdn_access_log_proc (
  uuid VARCHAR,
  client_ip VARCHAR,
  request_time BIGINT,
  response_size BIGINT,
  uri VARCHAR,
  proc_time AS PROCTIME()
) WITH (
  'connector' = 'kafka',
  'topic' = '%s',
  'properties.bootstrap.servers' = '%s',
  'properties.group.id' = '%s',
  'scan.startup.mode' = 'earliest-offset',
  'format' = 'csv',
  'csv.ignore-parse-errors' = 'true'
)
""" % (os.environ.get("KAFKA_TOPIC", "access_log"), os.environ.get("KAFKA_BOOTSTRAP", "localhost:9092"),
       os.environ.get("KAFKA_GROUP_ID", "cdn_region_job"))

mysql_province_region_ddl = """
CREATE TABLE province_region (
  province VARCHAR,
  region VARCHAR,
  PRIMARY KEY (province) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '%s',
  'table-name' = '%s',
  'username' = '%s',
  'password' = '%s',
  'lookup.cache' = 'PARTIAL',
  'lookup.partial-cache.max-rows' = '1000',
  'lookup.partial-cache.expire-after-write' = '10 min'
)
""" % (os.environ.get("MYSQL_URL", "jdbc:mysql://localhost:3306/sluice"), os.environ.get("MYSQL_REGION_DIM_TABLE", "province_region"),
       os.environ.get("MYSQL_USER", "sluice"), os.environ.get("MYSQL_PASSWORD", "sluice"))

mysql_region_sink_ddl = """
CREATE TABLE cdn_access_statistic_region (
  region VARCHAR,
  access_count BIGINT,
  total_download BIGINT,
  download_speed DOUBLE,
  PRIMARY KEY (region) NOT ENFORCED
) WITH (
  'connector' = 'jdbc',
  'url' = '%s',
  'table-name' = '%s',
  'username' = '%s',
  'password' = '%s',
  'sink.buffer-flush.interval' = '1s'
)
""" % (os.environ.get("MYSQL_URL", "jdbc:mysql://localhost:3306/sluice"), os.environ.get("MYSQL_REGION_TABLE", "access_statistic_region"),
       os.environ.get("MYSQL_USER", "sluice"), os.environ.get("MYSQL_PASSWORD", "sluice"))

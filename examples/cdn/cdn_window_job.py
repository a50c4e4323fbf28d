"""The CDN job's per-minute follow-up: the same logs, with their log_time,
counted per province and per minute of event time (a 1-minute TUMBLE
window), each window upserted into MySQL/MariaDB once the watermark —
5 seconds behind the newest log of every Kafka partition — has passed its
end. Run `generate_logs.py --event-time ...` to write timed logs."""
from pyflink.table import EnvironmentSettings, TableEnvironment

from enjoyment.cdn.cdn_connector_ddl import kafka_window_source_ddl, mysql_window_sink_ddl
from enjoyment.cdn.cdn_udf import ip_to_province

t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t_env.execute_sql(kafka_window_source_ddl)
t_env.execute_sql(mysql_window_sink_ddl)
t_env.create_temporary_system_function("ip_to_province", ip_to_province)

# The province is computed before the window: log_time stays the rowtime
# through the projection.
t_env.create_temporary_view("cdn_access_log_province", t_env.sql_query("""
SELECT uuid, ip_to_province(client_ip) AS province, response_size, request_time, log_time
FROM cdn_access_log_timed"""))

t_env.execute_sql("""
INSERT INTO cdn_access_statistic_minute
SELECT province, window_start, window_end,
       COUNT(uuid) AS access_count,
       SUM(response_size) AS total_download,
       SUM(response_size) * 1.0 / SUM(request_time) AS download_speed
FROM TABLE(TUMBLE(TABLE cdn_access_log_province, DESCRIPTOR(log_time), INTERVAL '1' MINUTE))
GROUP BY province, window_start, window_end
""").wait()

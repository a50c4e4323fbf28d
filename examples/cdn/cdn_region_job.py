"""The CDN job per region: the same logs, their province from the Python
UDF, then the province's region from the province_region table in
MySQL/MariaDB (province_region.sql creates and fills it) through a lookup
join — each log is joined with the row its province has when the log
arrives, read by key with a partial cache — counted per region and
upserted into MySQL/MariaDB. The seed's cdn_job.py is unchanged."""
from pyflink.table import EnvironmentSettings, TableEnvironment

from enjoyment.cdn.cdn_connector_ddl import (kafka_region_source_ddl, mysql_province_region_ddl,
                                             mysql_region_sink_ddl)
from enjoyment.cdn.cdn_udf import ip_to_province

t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
t_env.execute_sql(kafka_region_source_ddl)
t_env.execute_sql(mysql_province_region_ddl)
t_env.execute_sql(mysql_region_sink_ddl)
t_env.create_temporary_system_function("ip_to_province", ip_to_province)

# proc_time stays the processing-time attribute through the projection:
# the lookup join needs it for FOR SYSTEM_TIME AS OF.
t_env.create_temporary_view("cdn_access_log_province", t_env.sql_query("""
SELECT uuid, ip_to_province(client_ip) AS province, response_size, request_time, proc_time
FROM cdn_access_log_proc"""))

t_env.execute_sql("""
INSERT INTO cdn_access_statistic_region
SELECT r.region,
       COUNT(l.uuid) AS access_count,
       SUM(l.response_size) AS total_download,
       SUM(l.response_size) * 1.0 / SUM(l.request_time) AS download_speed
FROM cdn_access_log_province AS l
JOIN province_region FOR SYSTEM_TIME AS OF l.proc_time AS r ON l.province = r.province
GROUP BY r.region
""").wait()

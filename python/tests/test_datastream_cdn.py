"""examples/datastream/cdn_datastream.py, the seed's CDN job as a DataStream
program: its last running totals per province are the figures the table
job (examples/cdn/cdn_job.py's query) computes over the same log lines."""
import os
import runpy
import sys

import pytest

from pyflink.table import EnvironmentSettings, TableEnvironment

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLE = os.path.join(HERE, "..", "..", "examples", "datastream", "cdn_datastream.py")


def table_job_figures(logs):
    sys.path.insert(0, os.path.join(HERE, "..", "..", "examples", "cdn"))
    from enjoyment.cdn.cdn_udf import ip_to_province
    t_env = TableEnvironment.create(EnvironmentSettings.in_batch_mode())
    t_env.execute_sql("CREATE TABLE cdn_access_log (uuid VARCHAR, client_ip VARCHAR, request_time BIGINT, "
                      "response_size BIGINT, uri VARCHAR) WITH ('connector' = 'filesystem', 'path' = '%s', "
                      "'format' = 'csv')" % logs)
    t_env.create_temporary_function("ip_to_province", ip_to_province)
    r = t_env.execute_sql("SELECT province, COUNT(uuid), SUM(response_size), SUM(response_size) * 1.0 / "
                          "SUM(request_time) FROM (SELECT uuid, ip_to_province(client_ip) AS province, "
                          "response_size, request_time FROM cdn_access_log) GROUP BY province")
    return {row[0]: (row[1], row[2], round(float(row[3]), 6)) for row in r.collect()}


@pytest.mark.parametrize("parallelism", [1, 3])
def test_cdn_datastream_job_matches_the_table_job(tmp_path, capfd, monkeypatch, parallelism):
    mod = runpy.run_path(EXAMPLE)
    logs = tmp_path / "logs"
    logs.mkdir()
    mod["write_sample_logs"](str(logs), 3000, seed=7)
    monkeypatch.setenv("CDN_LOG_PATH", str(logs))
    monkeypatch.delenv("CDN_OUTPUT", raising=False)
    from pyflink.datastream import StreamExecutionEnvironment
    monkeypatch.setattr(StreamExecutionEnvironment, "get_execution_environment",
                        staticmethod(lambda *a: StreamExecutionEnvironment().set_parallelism(parallelism)))
    mod["main"]()
    lines = capfd.readouterr().out.splitlines()
    assert len(lines) == 3000  # one update per log line
    last = {}
    for line in lines:
        body = line.split("> ", 1)[1] if parallelism > 1 else line
        assert body.startswith("+I[") and body.endswith("]")
        province, count, download, speed = body[3:-1].split(",")
        prev = last.get(province)
        assert prev is None or int(count) == prev[0] + 1
        last[province] = (int(count), int(download), round(float(speed), 6))
    assert last == table_job_figures(str(logs))

"""TableResult's job: JobClient, JobID, JobStatus, wait(timeout), result
kind and schema, JobExecutionResult — as PyFlink's."""
import re

import pytest

from pyflink.common.job_status import JobStatus
from pyflink.table import ResultKind


@pytest.fixture
def sink_env(stream_env):
    stream_env.execute_sql("CREATE TABLE out_sink (a INT) WITH ('connector' = 'blackhole')")
    return stream_env


def test_insert_job_client(sink_env):
    r = sink_env.execute_sql("INSERT INTO out_sink VALUES (1), (2)")
    client = r.get_job_client()
    job_id = client.get_job_id()
    assert re.fullmatch(r"[0-9a-f]{32}", str(job_id))
    assert client.get_job_id() == job_id
    assert client.get_job_status().result() in (JobStatus.CREATED, JobStatus.RUNNING, JobStatus.FINISHED)
    r.wait()
    assert client.get_job_status().result() is JobStatus.FINISHED
    assert JobStatus.FINISHED.is_globally_terminal_state() and not JobStatus.RUNNING.is_terminal_state()
    res = client.get_job_execution_result().result()
    assert res.get_job_id() == job_id
    assert res.get_net_runtime() >= 0
    assert res.get_all_accumulator_results() == {} and res.get_accumulator_result("x") is None
    assert res.is_job_execution_result()


def test_insert_result_kind_and_schema(sink_env):
    r = sink_env.execute_sql("INSERT INTO out_sink VALUES (1)")
    assert r.get_result_kind() == ResultKind.SUCCESS_WITH_CONTENT
    assert r.get_table_schema().get_field_names() == ["default_catalog.default_database.out_sink"]
    assert [tuple(x) for x in r.collect()] == [(-1,)]
    ddl = sink_env.execute_sql("CREATE TABLE t2 (a INT) WITH ('connector' = 'blackhole')")
    assert ddl.get_result_kind() == ResultKind.SUCCESS
    assert ddl.get_job_client() is None
    assert ddl.get_table_schema().get_field_names() == ["result"]
    q = sink_env.execute_sql("SELECT 1 AS x")
    assert q.get_result_kind() == ResultKind.SUCCESS_WITH_CONTENT
    assert q.get_resolved_schema().get_column_names() == ["x"]
    assert r.get_resolved_schema().get_column_names() == ["default_catalog.default_database.out_sink"]
    assert str(ddl.get_resolved_schema()) == "(\n  `result` STRING\n)"
    assert (ResultKind.SUCCESS, ResultKind.SUCCESS_WITH_CONTENT) == (0, 1)


def test_wait_timeout_and_cancel(stream_env):
    stream_env.execute_sql("CREATE TABLE endless (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '10')")
    stream_env.execute_sql("CREATE TABLE drop_all (id BIGINT) WITH ('connector' = 'blackhole')")
    r = stream_env.execute_sql("INSERT INTO drop_all SELECT id FROM endless")
    with pytest.raises(TimeoutError):
        r.wait(50)
    client = r.get_job_client()
    assert client.get_job_status().result() in (JobStatus.CREATED, JobStatus.RUNNING)
    client.cancel().result()
    assert client.get_job_status().result() is JobStatus.CANCELED


def test_failed_job_status(stream_env):
    stream_env.execute_sql("CREATE TABLE src (s STRING) WITH ('connector' = 'values', 'data' = '+I[x]')")
    stream_env.execute_sql("CREATE TABLE dst (i INT) WITH ('connector' = 'blackhole')")
    r = stream_env.execute_sql("INSERT INTO dst SELECT CAST(s AS INT) FROM src")
    with pytest.raises(Exception):
        r.wait()
    assert r.get_job_client().get_job_status().result() is JobStatus.FAILED
    fut = r.get_job_client().get_job_execution_result()
    assert fut.done() and fut.exception() is not None


def test_flink_1_10_execute_returns_job_execution_result(sink_env):
    sink_env.sql_update("INSERT INTO out_sink VALUES (3)")
    res = sink_env.execute("my job")
    assert re.fullmatch(r"[0-9a-f]{32}", str(res.get_job_id()))
    assert res.get_net_runtime() >= 0


def test_statement_set_client_stands_for_all_jobs(stream_env):
    stream_env.execute_sql("CREATE TABLE s1 (a INT) WITH ('connector' = 'blackhole')")
    stream_env.execute_sql("CREATE TABLE s2 (a INT) WITH ('connector' = 'blackhole')")
    ss = stream_env.create_statement_set()
    ss.add_insert_sql("INSERT INTO s1 VALUES (1)").add_insert_sql("INSERT INTO s2 VALUES (2)")
    r = ss.execute()
    r.wait(10000)
    client = r.get_job_client()
    assert client.get_job_status().result() is JobStatus.FINISHED
    assert r.get_table_schema().get_field_names() == ["default_catalog.default_database.s1", "default_catalog.default_database.s2"]
    assert [tuple(x) for x in r.collect()] == [(-1, -1)]


def test_checkpointing_through_the_configuration(stream_env, capsys):
    stream_env.get_config().set("execution.checkpointing.interval", "10 s")
    stream_env.get_config().get_configuration().set_string("execution.checkpointing.interval", "20 s")
    assert capsys.readouterr().err == ""
    assert stream_env.get_config().get("execution.checkpointing.interval") == "20 s"


def test_query_job_client(stream_env):
    stream_env.execute_sql("CREATE TABLE nums (id BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '5', "
                           "'fields.id.kind' = 'sequence', 'fields.id.start' = '1', 'fields.id.end' = '5')")
    r = stream_env.execute_sql("SELECT id FROM nums")
    client = r.get_job_client()
    assert re.fullmatch(r"[0-9a-f]{32}", str(client.get_job_id()))
    assert r.get_job_client().get_job_id() == client.get_job_id()
    assert sorted(x.id for x in r.collect()) == [1, 2, 3, 4, 5]
    assert client.get_job_execution_result().result().get_job_id() == client.get_job_id()
    assert client.get_job_status().result() is JobStatus.FINISHED
    stream_env.execute_sql("CREATE TABLE endless (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100')")
    unbounded = stream_env.execute_sql("SELECT id FROM endless").get_job_client()
    unbounded.cancel().result()
    assert unbounded.get_job_status().result() is JobStatus.CANCELED

"""Checkpoints, state backends, restart strategies and savepoints from the
Python API, as PyFlink's: the settings read back and reach the table
environment's configuration (which the engine reads), and jobs write
checkpoints and savepoints."""
import datetime
import glob
import os
import time

import pytest

from pyflink.common import RestartStrategies
from pyflink.datastream import (CheckpointingMode, EmbeddedRocksDBStateBackend, ExternalizedCheckpointCleanup,
                                FileSystemCheckpointStorage, FsStateBackend, HashMapStateBackend,
                                JobManagerCheckpointStorage, MemoryStateBackend, RocksDBStateBackend,
                                StreamExecutionEnvironment)
from pyflink.table import EnvironmentSettings, StreamTableEnvironment, TableEnvironment


def table_config(env):
    return StreamTableEnvironment.create(env).get_config()


def test_checkpoint_config_reads_back_and_reaches_the_table_environment(capsys):
    env = StreamExecutionEnvironment.get_execution_environment()
    cc = env.get_checkpoint_config()
    assert not cc.is_checkpointing_enabled() and env.get_checkpoint_interval() == -1
    assert cc.get_checkpoint_storage() is None
    env.enable_checkpointing(1000)
    assert env.get_checkpointing_mode() == CheckpointingMode.EXACTLY_ONCE
    env.enable_checkpointing(2000, CheckpointingMode.AT_LEAST_ONCE)
    assert capsys.readouterr().err == ""  # checkpoints are built: no warning
    assert cc.is_checkpointing_enabled() and cc.get_checkpoint_interval() == 2000
    assert cc.get_checkpointing_mode() == CheckpointingMode.AT_LEAST_ONCE
    assert (cc.get_checkpoint_timeout(), cc.get_min_pause_between_checkpoints(), cc.get_max_concurrent_checkpoints(),
            cc.get_tolerable_checkpoint_failure_number()) == (600000, 0, 1, 0)
    cc.set_checkpoint_interval(500).set_checkpointing_mode(CheckpointingMode.EXACTLY_ONCE)
    cc.set_checkpoint_timeout(5000).set_min_pause_between_checkpoints(10).set_max_concurrent_checkpoints(1)
    cc.set_tolerable_checkpoint_failure_number(3)
    cc.set_checkpoint_storage_dir("/tmp/sluice-ck")
    assert cc.get_checkpoint_storage().get_checkpoint_path() == "/tmp/sluice-ck"
    assert (cc.get_checkpoint_interval(), cc.get_checkpoint_timeout(), cc.get_min_pause_between_checkpoints(),
            cc.get_max_concurrent_checkpoints(), cc.get_tolerable_checkpoint_failure_number()) == (500, 5000, 10, 1, 3)
    assert not cc.is_fail_on_checkpointing_errors()
    t = table_config(env)
    assert {k: t.get(k) for k in ("execution.checkpointing.interval", "execution.checkpointing.mode",
                                  "execution.checkpointing.timeout", "execution.checkpointing.min-pause",
                                  "execution.checkpointing.max-concurrent-checkpoints",
                                  "execution.checkpointing.tolerable-failed-checkpoints",
                                  "state.checkpoints.dir")} == {
        "execution.checkpointing.interval": "500 ms", "execution.checkpointing.mode": "EXACTLY_ONCE",
        "execution.checkpointing.timeout": "5000 ms", "execution.checkpointing.min-pause": "10 ms",
        "execution.checkpointing.max-concurrent-checkpoints": "1",
        "execution.checkpointing.tolerable-failed-checkpoints": "3", "state.checkpoints.dir": "/tmp/sluice-ck"}


def test_checkpoint_config_rejects_what_the_engine_cannot_do():
    cc = StreamExecutionEnvironment.get_execution_environment().get_checkpoint_config()
    with pytest.raises(ValueError, match="one checkpoint at a time"):
        cc.set_max_concurrent_checkpoints(2)
    with pytest.raises(ValueError, match="at least one"):
        cc.set_max_concurrent_checkpoints(0)
    with pytest.raises(ValueError, match="larger than or equal to 10 ms"):
        cc.set_checkpoint_interval(5)
    with pytest.raises(ValueError, match="larger than or equal to 10 ms"):
        cc.set_checkpoint_timeout(1)
    with pytest.raises(ValueError, match="zero or positive"):
        cc.set_min_pause_between_checkpoints(-1)
    with pytest.raises(TypeError, match="CheckpointingMode"):
        cc.set_checkpointing_mode("EXACTLY_ONCE")
    assert cc.get_max_concurrent_checkpoints() == 1 and not cc.is_checkpointing_enabled()


def test_storage_retention_and_unaligned_checkpoints(capsys):
    env = StreamExecutionEnvironment.get_execution_environment()
    cc = env.get_checkpoint_config()
    cc.set_checkpoint_storage(FileSystemCheckpointStorage("file:///tmp/sluice-fs-ck"))
    assert table_config(env).get("state.checkpoints.dir") == "file:///tmp/sluice-fs-ck"
    jm = JobManagerCheckpointStorage()
    cc.set_checkpoint_storage(jm)  # accepted; the directory stays what it was
    assert cc.get_checkpoint_storage() is jm
    assert table_config(env).get("state.checkpoints.dir") == "file:///tmp/sluice-fs-ck"
    with pytest.raises(TypeError, match="CheckpointStorage"):
        cc.set_checkpoint_storage("/tmp/x")
    assert not cc.is_externalized_checkpoints_enabled()
    cc.enable_externalized_checkpoints(ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION)
    assert cc.is_externalized_checkpoints_enabled()
    cc.set_externalized_checkpoint_cleanup(ExternalizedCheckpointCleanup.DELETE_ON_CANCELLATION)
    assert cc.get_externalized_checkpoint_cleanup() == ExternalizedCheckpointCleanup.DELETE_ON_CANCELLATION
    import sluice.datastream.checkpoint_config as ckc
    ckc._warned_unaligned = False
    cc.enable_unaligned_checkpoints()
    cc.enable_unaligned_checkpoints(True)
    assert cc.is_unaligned_checkpoints_enabled()
    assert capsys.readouterr().err.count("unaligned checkpoints are not built; checkpoints stay aligned") == 1
    cc.disable_unaligned_checkpoints()
    assert not cc.is_unaligned_checkpoints_enabled()
    cc.enable_approximate_local_recovery(True).set_prefer_checkpoint_for_recovery(True)
    cc.set_checkpoint_id_of_ignored_in_flight_data(7)
    assert (cc.is_approximate_local_recovery_enabled(), cc.is_prefer_checkpoint_for_recovery(),
            cc.get_checkpoint_id_of_ignored_in_flight_data()) == (True, True, 7)


def test_settings_made_after_create_reach_the_table_environment():
    env = StreamExecutionEnvironment.get_execution_environment()
    t_env = StreamTableEnvironment.create(env)
    env.enable_checkpointing(300)
    env.set_state_backend(EmbeddedRocksDBStateBackend())
    env.set_restart_strategy(RestartStrategies.fixed_delay_restart(2, 50))
    cfg = t_env.get_config()
    assert (cfg.get("execution.checkpointing.interval"), cfg.get("state.backend.type"),
            cfg.get("restart-strategy.type")) == ("300 ms", "pebble", "fixed-delay")
    env.set_restart_strategy(RestartStrategies.fall_back_restart())
    assert cfg.get("restart-strategy.type") is None and cfg.get("restart-strategy.fixed-delay.attempts") is None


@pytest.mark.parametrize("backend, expected", [
    (HashMapStateBackend(), {"state.backend.type": "hashmap"}),
    (EmbeddedRocksDBStateBackend(True), {"state.backend.type": "pebble"}),
    (MemoryStateBackend(), {"state.backend.type": "hashmap"}),
    (FsStateBackend("file:///tmp/fs-ck"), {"state.backend.type": "hashmap", "state.checkpoints.dir": "file:///tmp/fs-ck"}),
    (RocksDBStateBackend("file:///tmp/rocks-ck"), {"state.backend.type": "pebble",
                                                  "state.checkpoints.dir": "file:///tmp/rocks-ck"}),
])
def test_state_backends(backend, expected):
    env = StreamExecutionEnvironment.get_execution_environment()
    assert env.get_state_backend() is None
    env.set_state_backend(backend)
    assert env.get_state_backend() is backend
    cfg = table_config(env)
    assert {k: cfg.get(k) for k in expected} == expected


def test_rocksdb_storage_paths_are_the_local_dir():
    env = StreamExecutionEnvironment.get_execution_environment()
    b = EmbeddedRocksDBStateBackend()
    b.set_db_storage_paths("file:///tmp/pebble-a", "/tmp/pebble-b")
    env.set_state_backend(b)
    assert table_config(env).get("state.backend.rocksdb.localdir") == "/tmp/pebble-a"
    with pytest.raises(TypeError, match="StateBackend"):
        env.set_state_backend(object())


def test_restart_strategies():
    env = StreamExecutionEnvironment.get_execution_environment()
    fixed = RestartStrategies.fixed_delay_restart(3, datetime.timedelta(seconds=2))
    env.set_restart_strategy(fixed)
    assert env.get_restart_strategy() is fixed
    cfg = table_config(env)
    assert (cfg.get("restart-strategy.type"), cfg.get("restart-strategy.fixed-delay.attempts"),
            cfg.get("restart-strategy.fixed-delay.delay")) == ("fixed-delay", "3", "2000 ms")
    exp = RestartStrategies.exponential_delay_restart(100, datetime.timedelta(seconds=10), 2.0, 60000, 0.1)
    assert (exp.get_initial_backoff(), exp.get_backoff_multiplier()) == (datetime.timedelta(milliseconds=100), 2.0)
    env.get_config().set_restart_strategy(exp)  # the Flink 1.x place
    cfg = table_config(env)
    p = "restart-strategy.exponential-delay."
    assert {k: cfg.get(k) for k in ("restart-strategy.type", p + "initial-backoff", p + "max-backoff",
                                    p + "backoff-multiplier", p + "reset-backoff-threshold", p + "jitter-factor",
                                    "restart-strategy.fixed-delay.attempts")} == {
        "restart-strategy.type": "exponential-delay", p + "initial-backoff": "100 ms", p + "max-backoff": "10000 ms",
        p + "backoff-multiplier": "2.0", p + "reset-backoff-threshold": "60000 ms", p + "jitter-factor": "0.1",
        "restart-strategy.fixed-delay.attempts": None}
    env.set_restart_strategy(RestartStrategies.no_restart())
    assert table_config(env).get("restart-strategy.type") == "none"
    with pytest.raises(NotImplementedError, match="none, fixed-delay and exponential-delay"):
        env.set_restart_strategy(RestartStrategies.failure_rate_restart(3, 60000, 1000))
    with pytest.raises(ValueError, match="jitter_factor"):
        RestartStrategies.exponential_delay_restart(1, 2, 2.0, 3, 1.5)
    with pytest.raises(TypeError):
        RestartStrategies.fixed_delay_restart(3, "1s")


def test_idle_state_retention_is_the_state_ttl(stream_env):
    cfg = stream_env.get_config()
    cfg.set_idle_state_retention(datetime.timedelta(hours=1))
    assert cfg.get("table.exec.state.ttl") == "1 h"
    assert cfg.get_idle_state_retention() == datetime.timedelta(hours=1)
    cfg.set_idle_state_retention_time(datetime.timedelta(minutes=10), datetime.timedelta(minutes=20))
    assert cfg.get("table.exec.state.ttl") == "10 min"
    assert (cfg.get_min_idle_state_retention_time(), cfg.get_max_idle_state_retention_time()) == (600000, 1200000)
    with pytest.raises(ValueError, match="at least 5 minutes"):
        cfg.set_idle_state_retention_time(datetime.timedelta(minutes=10), datetime.timedelta(minutes=11))


def test_set_in_sql_reaches_the_configuration(stream_env):
    stream_env.execute_sql("SET 'execution.checkpointing.interval' = '10s'")
    stream_env.execute_sql("SET 'state.backend.type' = 'rocksdb'")
    cfg = stream_env.get_config()
    assert (cfg.get("execution.checkpointing.interval"), cfg.get("state.backend.type")) == ("10s", "rocksdb")
    stream_env.execute_sql("RESET 'execution.checkpointing.interval'")
    assert cfg.get("execution.checkpointing.interval") is None


# -- jobs ---------------------------------------------------------------------
def wait_for(what, cond, limit=20.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def counting_job(t_env, out_dir):
    t_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50000', "
                      "'fields.a.kind' = 'sequence', 'fields.a.start' = '1', 'fields.a.end' = '100000000')")
    t_env.execute_sql("CREATE TABLE out_files (a BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', "
                      "'format' = 'csv')" % out_dir)
    return t_env.execute_sql("INSERT INTO out_files SELECT a FROM src")


def test_job_writes_checkpoints_and_stops_with_a_savepoint(tmp_path):
    env = StreamExecutionEnvironment.get_execution_environment()
    env.enable_checkpointing(100)
    env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
    t_env = StreamTableEnvironment.create(env)
    r = counting_job(t_env, tmp_path / "out")
    client = r.get_job_client()
    wait_for("a completed checkpoint", lambda: glob.glob(str(tmp_path / "ck" / "*" / "chk-*" / "_metadata")))
    live = wait_for("checkpoint metrics", lambda: [m for m in client.get_metrics() if m["kind"] == "checkpoints"
                                                   and m["numberOfCompletedCheckpoints"] > 0])
    assert live[0]["enabled"] and live[0]["lastCheckpointExternalPath"].startswith(str(tmp_path / "ck"))

    saved = client.trigger_savepoint(str(tmp_path / "sp")).result()
    assert os.path.dirname(saved) == str(tmp_path / "sp") and os.path.exists(os.path.join(saved, "_metadata"))
    assert client.get_job_status().result().name == "RUNNING"

    fut = client.stop_with_savepoint(False, str(tmp_path / "sp"))
    stopped = fut.result()
    assert stopped != saved and os.path.exists(os.path.join(stopped, "_metadata")) and fut.done()
    r.wait(20000)
    assert client.get_job_status().result().name == "FINISHED"
    m = [e for e in r.metrics() if e["kind"] == "checkpoints"]
    assert len(m) == 1 and m[0]["numberOfCompletedCheckpoints"] >= 3 and m[0]["lastCheckpointSize"] > 0
    assert m[0]["restoredCheckpointId"] == 0 and m[0]["numRestarts"] == 0
    res = client.get_job_execution_result().result()
    assert [e["kind"] for e in res.metrics()].count("checkpoints") == 1


def test_a_job_restores_from_a_savepoint(tmp_path):
    env = StreamExecutionEnvironment.get_execution_environment()
    env.enable_checkpointing(100)
    env.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
    t_env = StreamTableEnvironment.create(env)
    r = counting_job(t_env, tmp_path / "out")
    wait_for("a completed checkpoint", lambda: glob.glob(str(tmp_path / "ck" / "*" / "chk-*" / "_metadata")))
    path = r.get_job_client().stop_with_savepoint(savepoint_directory=str(tmp_path / "sp")).result()
    r.wait(20000)

    env2 = StreamExecutionEnvironment.get_execution_environment()
    env2.enable_checkpointing(100)
    env2.get_checkpoint_config().set_checkpoint_storage_dir(str(tmp_path / "ck"))
    t_env2 = StreamTableEnvironment.create(env2)
    t_env2.get_config().set("execution.savepoint.path", path)
    r2 = counting_job(t_env2, tmp_path / "out")
    client = r2.get_job_client()
    m = wait_for("the restored job's metrics", lambda: [e for e in client.get_metrics() if e["kind"] == "checkpoints"])
    assert m[0]["restoredCheckpointPath"] == path and m[0]["restoredCheckpointId"] > 0
    client.cancel().result()


def test_savepoints_need_checkpointing(stream_env, tmp_path):
    stream_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100')")
    stream_env.execute_sql("CREATE TABLE snk (a BIGINT) WITH ('connector' = 'blackhole')")
    r = stream_env.execute_sql("INSERT INTO snk SELECT a FROM src")
    client = r.get_job_client()
    with pytest.raises(Exception, match="savepoints need checkpointing"):
        client.trigger_savepoint(str(tmp_path)).result()
    with pytest.raises(NotImplementedError, match="draining"):
        client.stop_with_savepoint(True)
    with pytest.raises(TypeError, match="savepoint_directory"):
        client.trigger_savepoint(42)
    assert [m for m in client.get_metrics() if m["kind"] == "checkpoints"] == []
    client.cancel().result()


def test_jobs_after_a_set_take_checkpoints(stream_env, tmp_path):
    stream_env.execute_sql("SET 'execution.checkpointing.interval' = '100ms'")
    stream_env.execute_sql("SET 'state.checkpoints.dir' = '%s'" % (tmp_path / "ck"))
    r = counting_job(stream_env, tmp_path / "out")
    wait_for("a completed checkpoint", lambda: glob.glob(str(tmp_path / "ck" / "*" / "chk-*" / "_metadata")))
    r.get_job_client().cancel().result()


def test_a_statement_set_gives_one_savepoint_per_job(tmp_path):
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    t_env.get_config().set("execution.checkpointing.interval", "100 ms")
    t_env.get_config().set("state.checkpoints.dir", str(tmp_path / "ck"))
    t_env.execute_sql("CREATE TABLE src (a BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '50000')")
    t_env.execute_sql("CREATE TABLE s1 (a BIGINT) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("CREATE TABLE s2 (a BIGINT) WITH ('connector' = 'blackhole')")
    ss = t_env.create_statement_set()
    ss.add_insert_sql("INSERT INTO s1 SELECT a FROM src").add_insert_sql("INSERT INTO s2 SELECT a FROM src")
    r = ss.execute()
    paths = r.get_job_client().stop_with_savepoint(False, str(tmp_path / "sp")).result()
    assert isinstance(paths, list) and len(paths) == 2 and len(set(paths)) == 2
    assert all(os.path.exists(os.path.join(p, "_metadata")) for p in paths)
    r.wait(20000)

"""StreamExecutionEnvironment, ExecutionConfig and CheckpointConfig as
PyFlink's, and StreamTableEnvironment.create picking up their settings."""
import pytest

from pyflink.datastream import (CheckpointingMode, RuntimeExecutionMode, StreamExecutionEnvironment,
                                TimeCharacteristic)
from pyflink.table import EnvironmentSettings, StreamTableEnvironment


def test_parallelism():
    env = StreamExecutionEnvironment.get_execution_environment()
    assert env.get_parallelism() == 1  # what the engine runs with
    assert env.get_max_parallelism() == -1
    env.set_parallelism(3).set_max_parallelism(64)
    assert (env.get_parallelism(), env.get_max_parallelism()) == (3, 64)
    assert env.get_config().get_parallelism() == 3
    with pytest.raises(ValueError, match="Parallelism must be at least one"):
        env.set_parallelism(0)


def test_checkpointing_reaches_the_table_environment():
    env = StreamExecutionEnvironment.get_execution_environment()
    cc = env.get_checkpoint_config()
    assert not cc.is_checkpointing_enabled()
    assert env.get_checkpoint_interval() == -1
    assert env.get_checkpointing_mode() == CheckpointingMode.AT_LEAST_ONCE
    env.enable_checkpointing(2000, CheckpointingMode.AT_LEAST_ONCE)
    assert cc.is_checkpointing_enabled() and cc.get_checkpoint_interval() == 2000
    with pytest.raises(ValueError):
        cc.set_checkpoint_interval(1)
    t_env = StreamTableEnvironment.create(env)
    assert t_env.get_config().get("execution.checkpointing.interval") == "2000 ms"


def test_runtime_mode_and_time_characteristic():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_stream_time_characteristic(TimeCharacteristic.EventTime)
    assert env.get_stream_time_characteristic() == TimeCharacteristic.EventTime
    env.set_runtime_mode(RuntimeExecutionMode.BATCH)
    t_env = StreamTableEnvironment.create(env)
    assert t_env.get_config().get("execution.runtime-mode") == "BATCH"
    # Batch: a GROUP BY gives final rows only, no changelog.
    rows = t_env.execute_sql("SELECT k, COUNT(*) FROM (VALUES ('a'), ('a'), ('b')) AS v(k) GROUP BY k").collect()
    assert sorted((r.get_row_kind().name if hasattr(r.get_row_kind(), "name") else str(r.get_row_kind()), tuple(r)) for r in rows)[0][1] == ("a", 2)


def test_settings_reach_the_table_environment():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    env.set_buffer_timeout(50)
    assert env.get_buffer_timeout() == 50
    env.get_config().set_auto_watermark_interval(800)
    assert env.get_config().get_auto_watermark_interval() == 800
    t_env = StreamTableEnvironment.create(env, environment_settings=EnvironmentSettings.in_streaming_mode())
    cfg = t_env.get_config()
    assert cfg.get("parallelism.default") == "2"
    assert cfg.get("pipeline.auto-watermark-interval") == "800 ms"


def test_python_dependencies_and_jars(tmp_path, capsys):
    env = StreamExecutionEnvironment.get_execution_environment()
    mod = tmp_path / "dep_mod_for_env.py"
    mod.write_text("VALUE = 7\n")
    env.add_python_file(str(mod))
    import dep_mod_for_env
    assert dep_mod_for_env.VALUE == 7
    env.set_python_executable("/usr/bin/python3")
    env.add_jars("file:///tmp/flink-sql-connector-kafka.jar")
    env.add_classpaths("file:///tmp/x.jar")
    assert "Sluice runs no Java" in capsys.readouterr().err
    cfg = StreamTableEnvironment.create(env).get_config()
    assert cfg.get("python.executable") == "/usr/bin/python3"
    assert cfg.get("pipeline.jars") == "file:///tmp/flink-sql-connector-kafka.jar"
    assert cfg.get("python.files") == str(mod)


def test_a_datastream_program_without_sinks_is_refused():
    # PyFlink's message (test_datastream_basic.py runs DataStream programs)
    env = StreamExecutionEnvironment.get_execution_environment()
    for call in (lambda: env.execute("j"), lambda: env.execute_async()):
        with pytest.raises(RuntimeError, match="No operators defined in streaming topology"):
            call()


def test_enums_as_pyflink():
    assert [m.name for m in RuntimeExecutionMode] == ["STREAMING", "BATCH", "AUTOMATIC"]
    assert [m.value for m in CheckpointingMode] == [0, 1]
    assert TimeCharacteristic.EventTime.value == 2


def test_datastream_conversions_check_their_arguments():
    # (test_datastream_table.py converts)
    t_env = StreamTableEnvironment.create(StreamExecutionEnvironment.get_execution_environment())
    with pytest.raises(TypeError, match="takes a DataStream"):
        t_env.from_data_stream(None)


def test_dataset_execution_environment_for_batch_tables():
    from pyflink.dataset import ExecutionEnvironment
    from pyflink.table import BatchTableEnvironment, TableConfig
    env = ExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    tc = TableConfig()
    tc.set_null_check(False)
    t_env = BatchTableEnvironment.create(env, tc)  # Flink 1.10's positional table_config
    assert t_env.get_config().get("parallelism.default") == "2"
    assert t_env.get_config().get_null_check() is False
    assert [tuple(r) for r in t_env.execute_sql("SELECT 1").collect()] == [(1,)]
    with pytest.raises(NotImplementedError, match="DataSet programs are not supported"):
        env.execute()

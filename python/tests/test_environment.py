import pytest

import pyflink
import sluice
from pyflink.datastream import StreamExecutionEnvironment
from pyflink.table import (BatchTableEnvironment, DataTypes, EnvironmentSettings, StreamTableEnvironment,
                           TableEnvironment)


def test_pyflink_is_sluice():
    import pyflink.table as pt
    import sluice.table as st
    assert pt is st
    assert pt.DataTypes is st.DataTypes


def test_settings_and_planners():
    for b in (EnvironmentSettings.new_instance().use_blink_planner(), EnvironmentSettings.new_instance().use_old_planner(),
              EnvironmentSettings.new_instance().use_any_planner()):
        assert b.in_streaming_mode().build().is_streaming_mode()
        assert not b.in_batch_mode().build().is_streaming_mode()
    assert EnvironmentSettings.in_streaming_mode().is_streaming_mode()
    assert not EnvironmentSettings.in_batch_mode().is_streaming_mode()


def test_stream_table_environment_from_execution_environment():
    env = StreamExecutionEnvironment.get_execution_environment()
    env.set_parallelism(2)
    t_env = StreamTableEnvironment.create(env, environment_settings=EnvironmentSettings.new_instance().use_blink_planner().build())
    assert t_env.get_config().get("parallelism.default") == "2"
    with pytest.raises(ValueError, match="streaming settings"):
        StreamTableEnvironment.create(env, environment_settings=EnvironmentSettings.in_batch_mode())
    assert isinstance(BatchTableEnvironment.create(environment_settings=EnvironmentSettings.in_batch_mode()), TableEnvironment)


def test_config_set_and_get(batch_env):
    batch_env.get_config().set("table.exec.mini-batch.enabled", "true")
    assert batch_env.get_config().get("table.exec.mini-batch.enabled") == "true"
    conf = batch_env.get_config().get_configuration()
    conf.set_string("parallelism.default", "3")
    assert batch_env.get_config().get("parallelism.default") == "3"
    with pytest.raises(ValueError, match="parallelism.default"):
        batch_env.get_config().set("parallelism.default", "many")


def test_execute_sql_ddl_query_and_show(batch_env):
    r = batch_env.execute_sql("CREATE TABLE t (id INT, name STRING) WITH ('connector' = 'values', 'data' = '+I[1, a]\n+I[2, b]')")
    assert [tuple(x) for x in r.collect()] == [("OK",)]
    assert [tuple(x) for x in batch_env.execute_sql("SELECT name, id * 10 AS x FROM t ORDER BY x").collect()] == [("a", 10), ("b", 20)]
    assert "t" in batch_env.list_tables()
    rows = list(batch_env.execute_sql("SELECT id FROM t").collect())
    assert rows[0].id == 1 and rows[0].get_row_kind() == "+I"


def test_sql_errors_name_the_place(batch_env):
    with pytest.raises(ValueError) as e:
        batch_env.execute_sql("SELECT nope FROM (VALUES (1)) AS v(x)")
    assert "line 1, column 8" in str(e.value)
    with pytest.raises(ValueError, match="no function named"):
        batch_env.sql_query("SELECT no_such_fn(1)")


def test_sql_query_from_path_and_views(batch_env, logs):
    batch_env.create_temporary_view("logs", logs)
    big = batch_env.sql_query("SELECT uuid FROM logs WHERE response_size > 60")
    assert sorted(tuple(x) for x in big.execute().collect()) == [("a",), ("b",)]
    batch_env.register_table("big", big)
    assert sorted(tuple(x) for x in batch_env.from_path("big").execute().collect()) == [("a",), ("b",)]
    assert len(list(batch_env.scan("logs").execute().collect())) == 3


def test_from_elements_with_schema(batch_env):
    t = batch_env.from_elements([(1, "x"), (2, None)], DataTypes.ROW([DataTypes.FIELD("id", DataTypes.BIGINT()), DataTypes.FIELD("s", DataTypes.STRING())]))
    assert t.get_schema().get_field_names() == ["id", "s"]
    assert [tuple(x) for x in t.execute().collect()] == [(1, "x"), (2, None)]


def test_pandas_round_trip(batch_env):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"k": ["a", "b", "a"], "v": [1.5, 2.0, 3.0]})
    t = batch_env.from_pandas(df)
    out = t.group_by("k").select("k, sum(v) as s").order_by("k").to_pandas()
    assert list(out["k"]) == ["a", "b"]
    assert list(out["s"]) == [4.5, 2.0]


def test_execute_insert_waits(tmp_path, batch_env, logs):
    batch_env.execute_sql("CREATE TABLE out_t (uuid STRING, size BIGINT) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'csv')" % tmp_path)
    r = logs.select("uuid, response_size").execute_insert("out_t")
    r.wait()
    assert r.get_job_client() is not None
    back = batch_env.from_path("out_t").execute().collect()
    assert sorted(tuple(x) for x in back) == [("a", 100), ("b", 300), ("c", 50)]


def test_legacy_sql_update_insert_into_and_execute(tmp_path, stream_env):
    stream_env.sql_update("CREATE TABLE src (n BIGINT) WITH ('connector' = 'datagen', 'number-of-rows' = '10', 'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '10')")
    stream_env.sql_update("CREATE TABLE dst (n BIGINT) WITH ('connector.type' = 'filesystem', 'connector.path' = '%s', 'format.type' = 'csv')" % tmp_path)
    stream_env.from_path("src").filter("n % 2 = 0").insert_into("dst")
    with pytest.raises(RuntimeError, match="No operators defined"):
        TableEnvironment.create(EnvironmentSettings.in_streaming_mode()).execute("empty")
    result = stream_env.execute("legacy")
    assert any(m["kind"] == "sink" and m["records_in"] == 5 for m in result.metrics())


def test_statement_set(tmp_path, batch_env, logs):
    batch_env.create_temporary_view("logs", logs)
    batch_env.execute_sql("CREATE TABLE s1 (uuid STRING) WITH ('connector' = 'filesystem', 'path' = '%s/1', 'format' = 'json')" % tmp_path)
    batch_env.execute_sql("CREATE TABLE s2 (uuid STRING) WITH ('connector' = 'filesystem', 'path' = '%s/2', 'format' = 'json')" % tmp_path)
    ss = batch_env.create_statement_set()
    ss.add_insert_sql("INSERT INTO s1 SELECT uuid FROM logs").add_insert("s2", logs.select("uuid"))
    ss.execute().wait()
    assert len(list(batch_env.from_path("s1").execute().collect())) == 3
    assert len(list(batch_env.from_path("s2").execute().collect())) == 3


def test_set_python_requirements_errors_clearly(tmp_path, batch_env):
    with pytest.raises(FileNotFoundError):
        batch_env.set_python_requirements(str(tmp_path / "missing.txt"))
    req = tmp_path / "req.txt"
    req.write_text("this-package-does-not-exist-sluice==0.0.1\n")
    with pytest.raises(RuntimeError, match="pip could not install"):
        batch_env.set_python_requirements(str(req), str(tmp_path))


def test_add_python_file(tmp_path, batch_env):
    mod = tmp_path / "helper_mod_xyz.py"
    mod.write_text("def triple(x):\n    return 3 * x\n")
    batch_env.add_python_file(str(mod))
    import helper_mod_xyz
    assert helper_mod_xyz.triple(2) == 6


def test_explain(logs):
    plan = logs.filter("response_size > 60").select("uuid").explain()
    assert "Calc" in plan or "Filter" in plan


def test_shell_namespace():
    from sluice import _shell
    ns = _shell.namespace()
    from pyflink.datastream import StreamExecutionEnvironment
    assert isinstance(ns["s_env"], StreamExecutionEnvironment)
    assert isinstance(ns["st_env"], StreamTableEnvironment)
    assert isinstance(ns["bt_env"], BatchTableEnvironment)
    assert [tuple(r) for r in ns["bt_env"].execute_sql("SELECT 42").collect()] == [(42,)]


def test_from_pandas_types_and_schema(batch_env):
    pd = pytest.importorskip("pandas")
    import datetime
    df = pd.DataFrame({"i": [1, 2], "f": [0.5, None], "s": ["x", None], "b": [True, False],
                       "ts": [datetime.datetime(2024, 1, 2, 3, 4, 5), datetime.datetime(2024, 1, 3)]})
    t = batch_env.from_pandas(df)
    assert t.get_schema().get_field_names() == ["i", "f", "s", "b", "ts"]
    rows = [tuple(r) for r in t.execute().collect()]
    assert rows[0][0] == 1 and rows[0][1] == 0.5 and rows[0][2] == "x" and rows[0][3] is True
    assert rows[1][1] is None and rows[1][2] is None
    assert rows[0][4] == datetime.datetime(2024, 1, 2, 3, 4, 5)
    typed = batch_env.from_pandas(df[["i", "s"]], DataTypes.ROW([DataTypes.FIELD("id", DataTypes.INT()), DataTypes.FIELD("name", DataTypes.STRING())]))
    assert typed.get_schema().get_field_names() == ["id", "name"]
    assert typed.get_schema().get_field_data_types()[0].startswith("INT")
    named = batch_env.from_pandas(df[["i"]], ["n"])
    assert [tuple(r) for r in named.execute().collect()] == [(1,), (2,)]
    with pytest.raises(ValueError, match="2 fields, the DataFrame 1 columns"):
        batch_env.from_pandas(df[["i"]], ["a", "b"])

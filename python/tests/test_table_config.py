"""TableConfig as PyFlink's (values checked against PyFlink 2.3 and the
1.10-1.13 sources), mapped onto the engine's configuration keys."""
import datetime

import pytest

from pyflink.common import Configuration
from pyflink.table import EnvironmentSettings, StreamTableEnvironment, TableConfig, TableEnvironment
from pyflink.table.table_config import SqlDialect


def test_default_config_stands_alone():
    c = TableConfig.get_default()
    assert c.get_max_generated_code_length() == 4000
    assert c.get_idle_state_retention() == datetime.timedelta(0)
    assert c.get_sql_dialect() == SqlDialect.DEFAULT == 0
    assert c.get_python_executable() is None
    assert c.get("foo.bar", "dflt") == "dflt"
    assert c.get_null_check() is True
    assert c.get_decimal_context() == (34, "HALF_EVEN")
    assert c.get_configuration().to_dict() == {}


@pytest.mark.parametrize("zone,stored", [
    ("GMT+8", "GMT+08:00"), ("+8", "GMT+08:00"), ("+08:00", "GMT+08:00"), ("Z", "GMT"), ("UTC", "UTC"),
    ("GMT", "GMT"), ("Asia/Shanghai", "Asia/Shanghai"), ("GMT-08:00", "GMT-08:00"), ("Etc/GMT+8", "Etc/GMT+8"),
])
def test_local_timezone_normalized_as_flink(zone, stored):
    c = TableConfig()
    c.set_local_timezone(zone)
    assert c.get_local_timezone() == stored
    assert c.get("table.local-time-zone") == stored


@pytest.mark.parametrize("zone,message", [
    ("UTC-10:00", "Invalid time zone. The value should be a Time Zone Database (TZDB) ID"),
    ("UTC+8", "Invalid time zone"),
    ("UT", "Invalid time zone"),
    ("GMT-8:00", "Invalid ID for offset-based ZoneId: GMT-8:00"),
    ("Foo/Bar", "Unknown time-zone ID: Foo/Bar"),
    ("abc def", "Invalid ID for region-based ZoneId, invalid format: abc def"),
])
def test_local_timezone_rejected_as_flink(zone, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        TableConfig().set_local_timezone(zone)


def test_local_timezone_must_be_a_string():
    with pytest.raises(Exception, match="TableConfig.timezone should be a string!"):
        TableConfig().set_local_timezone(None)


def test_offset_zone_reaches_the_engine(batch_env):
    batch_env.get_config().set_local_timezone("GMT+08:00")
    r = batch_env.execute_sql("SELECT CAST(TO_TIMESTAMP_LTZ(a, 0) AS STRING) FROM (VALUES (0)) AS v(a)").collect()
    assert [tuple(x) for x in r] == [("1970-01-01 08:00:00.000",)]


def test_idle_state_retention_as_flink_writes_it():
    c = TableConfig()
    c.set_idle_state_retention(datetime.timedelta(hours=1, minutes=30))
    assert c.get_configuration().to_dict() == {"table.exec.state.ttl": "90 min"}
    assert c.get_idle_state_retention() == datetime.timedelta(minutes=90)
    c.set_idle_state_retention(datetime.timedelta(seconds=90.5))
    assert c.get("table.exec.state.ttl") == "90500 ms"
    assert c.get_idle_state_retention() == datetime.timedelta(seconds=90.5)


def test_idle_state_retention_time_of_flink_1_13():
    c = TableConfig()
    c.set_idle_state_retention_time(datetime.timedelta(hours=1), datetime.timedelta(hours=2))
    assert c.get_min_idle_state_retention_time() == 3600000
    assert c.get_max_idle_state_retention_time() == 7200000  # as given (Flink 1.10-1.12)
    assert c.get("table.exec.state.ttl") == "1 h"
    c.set_idle_state_retention(datetime.timedelta(hours=2))
    assert c.get_max_idle_state_retention_time() == 10800000  # 1.5 x the TTL (Flink 1.13)
    c.set_idle_state_retention_time(datetime.timedelta(0), datetime.timedelta(0))
    assert c.get_min_idle_state_retention_time() == 0
    with pytest.raises(ValueError, match="should be at least 5 minutes"):
        c.set_idle_state_retention_time(datetime.timedelta(minutes=1), datetime.timedelta(minutes=2))


def test_set_returns_self_and_options_map_to_keys():
    c = TableConfig()
    assert c.set("a.b", "c") is c
    conf = Configuration()
    conf.set_string("x.y", "1")
    c.add_configuration(conf)
    c.set_python_executable("/usr/bin/python3")
    c.set_max_generated_code_length(100)
    assert c.get_max_generated_code_length() == 100
    assert c.get_python_executable() == "/usr/bin/python3"
    assert c.get_configuration().to_dict() == {"a.b": "c", "x.y": "1", "python.executable": "/usr/bin/python3",
                                               "table.generated-code.max-length": "100"}
    with pytest.raises(Exception, match="TableConfig.max_generated_code_length should be a int value!"):
        c.set_max_generated_code_length("x")


def test_flink_1_10_fields():
    c = TableConfig()
    c.set_null_check(False)
    assert c.get_null_check() is False
    with pytest.raises(Exception, match="TableConfig.null_check should be a bool value!"):
        c.set_null_check("no")
    c.set_decimal_context(20, "HALF_UP")
    assert c.get_decimal_context() == (20, "HALF_UP")
    with pytest.raises(ValueError, match="Unsupported rounding_mode: SIDEWAYS"):
        c.set_decimal_context(20, "SIDEWAYS")


def test_sql_dialect():
    c = TableConfig()
    c.set_sql_dialect(SqlDialect.DEFAULT)
    assert c.get_sql_dialect() == SqlDialect.DEFAULT
    assert c.get("table.sql-dialect") == "default"
    c.set_sql_dialect(SqlDialect.HIVE)
    assert c.get_sql_dialect() == SqlDialect.HIVE and c.get("table.sql-dialect") == "hive"
    with pytest.raises(TypeError, match="Unsupported SQL dialect: 7"):
        c.set_sql_dialect(7)


def test_environment_config_is_live_and_one_object(stream_env):
    c = stream_env.get_config()
    assert stream_env.get_config() is c
    c.set_null_check(False)
    assert stream_env.get_config().get_null_check() is False
    c.get_configuration().set_string("parallelism.default", "3")
    assert stream_env.execute_sql("SET").collect() is not None
    assert c.get("parallelism.default") == "3"
    with pytest.raises(ValueError):
        c.set("parallelism.default", "0")


def test_table_config_passed_to_create():
    tc = TableConfig()
    tc.set("parallelism.default", "2")
    tc.set_null_check(False)
    t_env = StreamTableEnvironment.create(table_config=tc)
    assert t_env.get_config().get("parallelism.default") == "2"
    assert t_env.get_config().get_null_check() is False
    # The standalone config is a copy: later changes stay out.
    tc.set("parallelism.default", "4")
    assert t_env.get_config().get("parallelism.default") == "2"


def test_environment_settings_configuration():
    conf = Configuration()
    conf.set_string("parallelism.default", "5")
    t_env = TableEnvironment.create(EnvironmentSettings.new_instance().in_batch_mode().with_configuration(conf).build())
    assert t_env.get_config().get("parallelism.default") == "5"


def test_hive_dialect_is_refused_where_statements_are_parsed(batch_env):
    batch_env.get_config().set_sql_dialect(SqlDialect.HIVE)
    with pytest.raises(NotImplementedError, match="default SQL dialect only"):
        batch_env.execute_sql("SELECT 1")
    with pytest.raises(NotImplementedError, match="default SQL dialect only"):
        batch_env.sql_query("SELECT 1")
    batch_env.execute_sql("SET 'table.sql-dialect' = 'default'")
    assert [tuple(r) for r in batch_env.execute_sql("SELECT 1").collect()] == [(1,)]


def test_python_executable_of_an_environment(batch_env):
    import sys
    assert batch_env.get_config().get_python_executable() is None
    assert batch_env.get_config().get("python.executable") == sys.executable


def test_runtime_mode_through_the_config(stream_env):
    stream_env.get_config().set("execution.runtime-mode", "batch")
    rows = stream_env.execute_sql("SELECT k, COUNT(*) FROM (VALUES ('a'), ('a')) AS v(k) GROUP BY k").collect()
    assert [tuple(r) for r in rows] == [("a", 2)]  # batch: the final row only
    stream_env.get_config().set("execution.runtime-mode", "AUTOMATIC")
    assert stream_env.get_config().get("execution.runtime-mode") == "STREAMING"

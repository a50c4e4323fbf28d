"""Configuration and EnvironmentSettings as PyFlink 2.3's, and the job
classes pyflink.common exports."""
import pytest

from pyflink.common import (Configuration, ExecutionConfig, JobClient, JobExecutionResult, JobID, JobStatus)
from pyflink.table import EnvironmentSettings, TableEnvironment


def test_configuration_values_are_flink_strings():
    c = Configuration()
    c.set_string("x", "1").set_boolean("b", True).set_float("f", 1.5).set_integer("i", 3)
    assert c.to_dict() == {"x": "1", "b": "true", "f": "1.5", "i": "3"}
    assert str(c) == "{b=true, f=1.5, x=1, i=3}"  # Java's HashMap order, as PyFlink prints it
    assert (c.get_integer("i", 0), c.get_boolean("b", False), c.get_float("f", 0.0)) == (3, True, 1.5)
    assert c.get_string("nope", "d") == "d" and c.get_integer("nope", 7) == 7
    c.set_bytearray("bytes", bytearray(b"\x00\x01"))
    assert c.get_bytearray("bytes", bytearray()) == bytearray(b"\x00\x01")
    d = Configuration(c)
    assert d == c and d.key_set() == {"x", "b", "f", "i", "bytes"}
    assert d.remove_config("x") and not d.remove_config("x") and not d.contains_key("x")
    e = Configuration().add_all(c, "p.")
    assert e.get_string("p.x", None) == "1"
    assert Configuration.from_dict({"a": "b"}).to_dict() == {"a": "b"}
    assert Configuration.parse_list_value("a.jar;b.jar") == ["a.jar", "b.jar"]
    with pytest.raises(ValueError):
        Configuration().set_string("k", "maybe").get_boolean("k", False)


def test_environment_settings():
    s = EnvironmentSettings.new_instance().in_batch_mode().build()
    assert (s.get_built_in_catalog_name(), s.get_built_in_database_name(), s.is_streaming_mode()) == \
        ("default_catalog", "default_database", False)
    assert s.get_configuration().to_dict() == {"execution.runtime-mode": "BATCH"}
    assert EnvironmentSettings.in_streaming_mode().get_configuration().to_dict() == {"execution.runtime-mode": "STREAMING"}
    c = Configuration().set_string("execution.runtime-mode", "batch").set_string("a", "b")
    s = EnvironmentSettings.new_instance().with_configuration(c).build()
    assert not s.is_streaming_mode() and s.get_configuration().to_dict() == {"execution.runtime-mode": "batch", "a": "b"}
    s = EnvironmentSettings.new_instance().with_configuration(c).in_streaming_mode().build()
    assert s.is_streaming_mode() and s.get_configuration().to_dict() == {"execution.runtime-mode": "STREAMING", "a": "b"}
    t_env = TableEnvironment.create(s)
    assert t_env.get_config().get("a") == "b"
    with pytest.raises(NotImplementedError, match="one catalog"):
        EnvironmentSettings.new_instance().with_built_in_catalog_name("other")
    assert EnvironmentSettings.new_instance().use_blink_planner().build().is_blink_planner()


def test_common_exports():
    assert JobStatus.RUNNING.name == "RUNNING"
    assert str(JobID("0" * 32)) == "0" * 32
    assert ExecutionConfig.PARALLELISM_DEFAULT == -1
    assert JobClient and JobExecutionResult

"""pytest runs inside the sluice binary: bin/sluice run -m pytest python/tests"""
import pytest

from pyflink.table import EnvironmentSettings, TableEnvironment


@pytest.fixture
def batch_env():
    return TableEnvironment.create(EnvironmentSettings.new_instance().in_batch_mode().build())


@pytest.fixture
def stream_env():
    return TableEnvironment.create(EnvironmentSettings.in_streaming_mode())


@pytest.fixture
def logs(batch_env):
    return batch_env.from_elements(
        [("a", "1.2.3.4", 100, 4), ("b", "1.2.9.9", 300, 2), ("c", "10.0.0.1", 50, 5)],
        ["uuid", "client_ip", "response_size", "request_time"])


def rows(table_or_result):
    r = table_or_result.execute() if hasattr(table_or_result, "execute") and not hasattr(table_or_result, "collect") else table_or_result
    return [tuple(x) for x in r.collect()]

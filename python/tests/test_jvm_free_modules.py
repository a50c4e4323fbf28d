"""PyFlink's JVM-side modules import inside Sluice (scripts and test suites
import them at the top) and fail only where a JVM would be used."""
from __future__ import annotations

import pytest


def test_gateway_fails_at_the_call() -> None:
    from pyflink.java_gateway import JavaGatewayUnavailable, get_gateway
    with pytest.raises(NotImplementedError, match=r"get_gateway\(\): Sluice runs .* without a JVM"):
        get_gateway()
    assert issubclass(JavaGatewayUnavailable, NotImplementedError)


def test_java_utils() -> None:
    from pyflink.util import java_utils
    assert java_utils.is_local_deployment(None) is True
    with pytest.raises(NotImplementedError, match=r"get_j_env_configuration\(\)"):
        java_utils.get_j_env_configuration(None)


def test_platform_and_home(monkeypatch: pytest.MonkeyPatch) -> None:
    import platform

    from pyflink.find_flink_home import _find_flink_home, _find_flink_source_root
    from pyflink.pyflink_gateway_server import on_windows
    assert on_windows() == (platform.system() == "Windows")
    monkeypatch.setenv("FLINK_HOME", "/opt/flink/flink-python")
    assert _find_flink_home() == "/opt/flink/flink-python"
    assert _find_flink_source_root() == "/opt/flink"
    monkeypatch.delenv("FLINK_HOME")
    with pytest.raises(NotImplementedError, match="no Flink distribution"):
        _find_flink_home()


def test_java_type_helpers() -> None:
    from pyflink.table import DataTypes
    from pyflink.table.types import _from_java_type, _to_java_data_type, _to_java_type
    for f in (_to_java_type, _to_java_data_type, _from_java_type):
        with pytest.raises(NotImplementedError, match="no JVM"):
            f(DataTypes.INT())


def test_py4j_errors_import() -> None:
    # PyFlink scripts catch Py4JJavaError around job calls; the name exists.
    from py4j.protocol import Py4JJavaError
    assert issubclass(Py4JJavaError, Exception)

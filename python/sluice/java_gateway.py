"""``pyflink.java_gateway``: PyFlink's bridge to its JVM. Sluice runs no
JVM, so the module imports (scripts and test suites import it at the top)
and every use of a gateway fails at the call, naming what to do instead."""
from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["get_gateway", "launch_gateway", "JavaGatewayUnavailable"]


class JavaGatewayUnavailable(NotImplementedError):
    """Raised where PyFlink would reach into its JVM."""


def _no_jvm(what: str) -> NoReturn:
    raise JavaGatewayUnavailable(
        "%s: Sluice runs Flink's Table API in its own process, without a JVM; Java classes, jars "
        "and gateway calls are not available (use the Python API, SQL, or a Python function)" % what)


def get_gateway() -> Any:
    _no_jvm("pyflink.java_gateway.get_gateway()")


def launch_gateway() -> Any:
    _no_jvm("pyflink.java_gateway.launch_gateway()")


def install_exception_handler() -> None:
    # PyFlink converts Java exceptions raised through Py4J; Sluice raises
    # Python exceptions directly, so there is nothing to install.
    pass

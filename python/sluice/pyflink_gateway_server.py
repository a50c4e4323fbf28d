"""``pyflink.pyflink_gateway_server``: PyFlink starts its JVM here. Sluice
has none to start; the platform helpers behave as PyFlink's."""
from __future__ import annotations

import platform
from typing import Any

__all__ = ["on_windows", "launch_gateway_server_process"]


def on_windows() -> bool:
    return platform.system() == "Windows"


def launch_gateway_server_process(env: Any, args: Any) -> Any:
    from sluice.java_gateway import _no_jvm
    _no_jvm("pyflink.pyflink_gateway_server.launch_gateway_server_process()")

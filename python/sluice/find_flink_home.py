"""``pyflink.find_flink_home``: where PyFlink finds its Flink distribution.
Sluice needs none: FLINK_HOME is honoured when set, otherwise there is no
Flink home to find."""
from __future__ import annotations

import os

__all__ = ["_find_flink_home", "_find_flink_source_root"]


def _find_flink_home() -> str:
    home = os.environ.get("FLINK_HOME")
    if home:
        return home
    raise NotImplementedError(
        "pyflink.find_flink_home: Sluice has no Flink distribution (no JVM); set FLINK_HOME if a "
        "script needs a directory of its own")


def _find_flink_source_root() -> str:
    # A PyFlink source checkout's root: the directory above FLINK_HOME's
    # flink-python, when one is set.
    return os.path.abspath(os.path.join(_find_flink_home(), os.pardir))

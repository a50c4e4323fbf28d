"""``sluice shell``: a Python REPL with the environments pyflink-shell
prepares: s_env, st_env (streaming) and b_env, bt_env (batch)."""
from __future__ import annotations

import code
import os
import sys
from typing import Optional


BANNER = """Sluice {version} shell (Python {py})
  s_env   StreamExecutionEnvironment
  st_env  StreamTableEnvironment (streaming)
  b_env   StreamExecutionEnvironment for batch programs
  bt_env  BatchTableEnvironment (batch)
DataTypes, udf, col, lit, call and Row are imported; Ctrl-D exits."""


def namespace() -> dict:
    from pyflink.common import Row
    from pyflink.datastream import StreamExecutionEnvironment
    from pyflink.table import (BatchTableEnvironment, DataTypes, EnvironmentSettings, StreamTableEnvironment,
                               TableEnvironment)
    from pyflink.table.expressions import call, col, lit
    from pyflink.table.udf import ScalarFunction, udf

    s_env = StreamExecutionEnvironment.get_execution_environment()
    b_env = StreamExecutionEnvironment.get_execution_environment()
    return {
        "s_env": s_env,
        "st_env": StreamTableEnvironment.create(s_env, environment_settings=EnvironmentSettings.in_streaming_mode()),
        "b_env": b_env,
        "bt_env": BatchTableEnvironment.create(environment_settings=EnvironmentSettings.in_batch_mode()),
        "DataTypes": DataTypes, "udf": udf, "ScalarFunction": ScalarFunction, "col": col, "lit": lit,
        "call": call, "Row": Row, "EnvironmentSettings": EnvironmentSettings, "TableEnvironment": TableEnvironment,
    }


def main(executable: Optional[str] = None) -> int:
    import sluice
    from sluice._main import prepare_process
    # Ctrl-C ends the shell (exit 130) after the Go side cancelled the
    # running jobs, rather than the REPL's KeyboardInterrupt, which would
    # leave the shell waiting at a prompt with its jobs gone.
    prepare_process(executable, sigint_exits=True, report_exit=True)
    ns = namespace()
    try:
        import readline  # noqa: F401  (line editing and history)
        history = os.path.expanduser("~/.sluice_shell_history")
        try:
            readline.read_history_file(history)
        except OSError:
            pass
        import atexit
        atexit.register(readline.write_history_file, history)
    except ImportError:
        pass
    banner = BANNER.format(version=sluice.__version__, py=sys.version.split()[0])
    try:
        code.interact(banner=banner if sys.stdin.isatty() else "", local=ns, exitmsg="")
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0

"""What ``sluice run`` executes: a job script or module as __main__."""
from __future__ import annotations

import os
import runpy
import sys
import traceback
from typing import List


def run(argv: List[str], module: bool) -> int:
    """Run the script (or module) with sys.argv = argv; the exit code."""
    sys.argv = list(argv)
    if module:
        sys.path.insert(0, os.getcwd())
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    try:
        if module:
            runpy.run_module(argv[0], run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0

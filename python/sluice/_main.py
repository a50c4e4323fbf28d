"""What ``sluice run`` executes: a job script or module as __main__; and
what the binary runs when it stands in for the Python interpreter
(``sluice -c CODE``, how multiprocessing starts its children)."""
from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
import os
import runpy
import signal
import sys
import time
import traceback
from typing import List, Optional

import _sluice_native


def run(argv: List[str], module: bool, executable: Optional[str] = None) -> int:
    """Run the script (or module) with sys.argv = argv; the exit code."""
    prepare_process(executable, sigint_exits=False, report_exit=True)
    sys.argv = list(argv)
    if module:
        sys.path.insert(0, os.getcwd())
    else:
        sys.path.insert(0, os.path.dirname(os.path.abspath(argv[0])))
    return _exit_code(lambda: runpy.run_module(argv[0], run_name="__main__", alter_sys=True) if module
                      else runpy.run_path(argv[0], run_name="__main__"))


def run_command(code: str, argv: List[str], executable: Optional[str] = None) -> int:
    """``python -c code``: what spawn and forkserver children and the
    resource tracker of multiprocessing run."""
    prepare_process(executable, sigint_exits=False, report_exit=False, child=True)
    if "--multiprocessing-fork" in argv:
        # A spawn child (a pool worker) of a sluice process. Ctrl-C reaches
        # the terminal's whole process group, but acting on it is the
        # parent's: it cancels its jobs, and a pool that a UDF is blocked on
        # must still deliver its results for the UDF to see the
        # cancellation — a worker killed by KeyboardInterrupt would leave
        # it waiting forever (Pool does not notice). Workers end with the
        # pool (terminate() sends SIGTERM) or when the parent is gone.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.argv = ["-c"] + list(argv)
    sys.path.insert(0, "")
    main = sys.modules["__main__"]

    def execute() -> None:
        exec(compile(code, "<string>", "exec"), main.__dict__)

    return _exit_code(execute)


def _exit_code(body) -> int:
    try:
        body()
    except SystemExit as e:
        code = e.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except BaseException as e:
        # A stop signal: the Go side reports it in one line. The exception
        # may be the KeyboardInterrupt of SIGINT, or the error of a job the
        # signal cancelled, raised by wait() before the KeyboardInterrupt.
        stop = _sluice_native.stop_signal()
        if stop:
            return 128 + stop
        traceback.print_exc()
        # A KeyboardInterrupt the program raised itself: the status of
        # Python's own death by SIGINT.
        return 128 + signal.SIGINT if isinstance(e, KeyboardInterrupt) else 1
    finally:
        # The process ends with os.Exit, never Py_Finalize: run what Python
        # would run at exit — multiprocessing's cleanup of its pools and
        # semaphores, the shell's history file, the script's own handlers.
        try:
            atexit._run_exitfuncs()
        except BaseException:
            pass
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):  # closed by the program, as a forkserver does
                pass
    return 0


def prepare_process(executable: Optional[str], sigint_exits: bool, report_exit: bool, child: bool = False) -> None:
    """Ready the interpreter for a job: Python handlers for the stop
    signals (Go receives them and forwards them), children of
    multiprocessing started as this binary, os._exit in a UDF reported.
    A child (the binary standing in for python) keeps Python's defaults:
    SIGTERM kills it at once, as multiprocessing's terminate() expects."""
    _sluice_native.set_signal_handler(signal.SIGINT, _exit_on_signal if sigint_exits else signal.default_int_handler)
    if not child:
        _sluice_native.set_signal_handler(signal.SIGTERM, _exit_on_signal)
    # Go handles SIGCHLD (as every signal), so Python would report None as
    # its handler, which the multiprocessing forkserver's children hand
    # back to signal.signal — a TypeError. Its disposition is the default.
    _sluice_native.set_signal_handler(signal.SIGCHLD, signal.SIG_DFL)
    if executable:
        _use_executable_for_children(executable)
    if report_exit:
        _report_os_exit()
    _keep_fatal_signals_with_go()
    if not child:
        _sleep_in_slices_in_udfs()
    stop = _sluice_native.stop_signal()
    if stop and not child:
        # The signal came while the interpreter started, before Python had
        # a handler to run: stop before the script submits jobs.
        raise SystemExit(128 + stop)


def _exit_on_signal(signum, frame) -> None:
    # SIGTERM (and SIGINT in the shell) ends the program the way sys.exit
    # does: finally blocks run, `except Exception` does not catch it.
    raise SystemExit(128 + signum)


class _ChildExecutable(importlib.abc.MetaPathFinder):
    """multiprocessing starts its spawn and forkserver children and its
    resource tracker as spawn.get_executable() — the venv's python, which
    has neither the embedded `sluice` nor `pyflink`. This makes it the
    sluice binary when multiprocessing.spawn is first imported (importing
    multiprocessing up front would cost every job ~25 ms at start)."""

    def __init__(self, executable: str) -> None:
        self.executable = executable

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "multiprocessing.spawn":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _SetExecutableLoader(spec.loader, self.executable)
        return spec


class _SetExecutableLoader(importlib.abc.Loader):
    def __init__(self, loader, executable: str) -> None:
        self._loader = loader
        self._executable = executable

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        self._loader.exec_module(module)
        module.set_executable(self._executable)

    def get_source(self, fullname):
        return self._loader.get_source(fullname)


def _use_executable_for_children(executable: str) -> None:
    spawn = sys.modules.get("multiprocessing.spawn")
    if spawn is not None:
        spawn.set_executable(executable)
    elif not any(isinstance(f, _ChildExecutable) for f in sys.meta_path):
        sys.meta_path.insert(0, _ChildExecutable(executable))


_faulthandler_enabled = False


def _faulthandler_enable(file=None, all_threads=True) -> None:
    """faulthandler.enable() inside sluice: the fatal signals are reported
    already — the crashing thread's stack, the UDF and the job — by the
    handler Go forwards faults in C code to. faulthandler's own handler
    would replace Go's, and a nil dereference in Go code, a panic that
    Sluice recovers into an error, would then kill the process."""
    global _faulthandler_enabled
    _faulthandler_enabled = True


def _faulthandler_disable() -> None:
    global _faulthandler_enabled
    _faulthandler_enabled = False


def _faulthandler_is_enabled() -> bool:
    return _faulthandler_enabled


def _keep_fatal_signals_with_go() -> None:
    # pytest's faulthandler plugin calls enable() under `sluice run -m
    # pytest`. dump_traceback_later and register stay faulthandler's.
    import faulthandler
    if faulthandler.enable is not _faulthandler_enable:
        faulthandler.enable = _faulthandler_enable
        faulthandler.disable = _faulthandler_disable
        faulthandler.is_enabled = _faulthandler_is_enabled


_real_sleep = time.sleep
# A cancelled UDF's JobCancelled is raised between bytecodes: a sleep of
# more than this in a UDF batch is cut into pieces of this length.
_SLEEP_SLICE = 0.05


def _sleep(secs):
    try:
        long = secs > _SLEEP_SLICE
    except TypeError:
        long = False
    if not long or _sluice_native.current_udf() is None:
        return _real_sleep(secs)
    deadline = time.monotonic() + secs
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        _real_sleep(min(left, _SLEEP_SLICE))


_sleep.__doc__ = _real_sleep.__doc__


def _sleep_in_slices_in_udfs() -> None:
    # CPython wakes no thread but the main one for an asynchronous
    # exception: a UDF in time.sleep(30) (a retry's back-off) would keep a
    # cancelled job for the rest of the 30 s. Inside a UDF batch, a long
    # sleep is a loop of short ones, with a bytecode boundary between
    # them; anywhere else time.sleep is the real one.
    if time.sleep is _real_sleep:
        time.sleep = _sleep


_real_os_exit = os._exit


def _os_exit(status: int) -> None:
    where = _sluice_native.current_udf()
    if where is not None:
        udf, job = where
        of_job = " of job " + job if job else ""
        try:
            sys.stderr.flush()
        except BaseException:
            pass
        # Written to the file descriptor: the process ends without flushing
        # Python's buffers, and the line must not wait in one.
        os.write(2, ("sluice: python UDF %s%s called os._exit(%s); the process exits without "
                     "finishing its jobs\n" % (udf, of_job, status)).encode("utf-8", "replace"))
    _real_os_exit(status)


_os_exit.__doc__ = _real_os_exit.__doc__


def _report_os_exit() -> None:
    # os._exit skips everything a job does when it ends (sinks' flushes,
    # the exit code the job would have had): name the UDF that called it.
    if os._exit is _real_os_exit:
        os._exit = _os_exit

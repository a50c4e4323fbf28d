"""pytest plugin of the pyflink-compat harness (loaded with -p inside
``sluice run -m pytest``).

* installs the harness's ``pyflink.testing`` ahead of Sluice's embedded
  pyflink package, and ``pyflink.table.tests`` as the directory of the test
  files under test (some test files import from each other);
* stubs the pure JVM plumbing modules PyFlink's test files import at module
  level (pyflink.java_gateway, py4j, ...) when Sluice does not provide
  them, so a file's JVM-free cases can run at all; calling into a stub
  raises HarnessNoJVM;
* maps PyFlink's ``'connector' = 'test-sink'`` DDL onto Sluice's print
  connector, and redirects file descriptor 1 to a capture file for the
  session so source_sink_utils can read the printed rows;
* writes one JSON line per test phase to $PYFLINK_COMPAT_RESULTS.
"""
import importlib.abc
import importlib.util
import json
import os
import re
import sys
import tempfile
import types

import pyflink  # noqa: F401  (Sluice's alias finder must be installed first)

import pyflink_compat_testing
from pyflink_compat_testing import source_sink_utils, test_case_utils

TEST_DIR = os.environ.get("PYFLINK_COMPAT_TEST_DIR", "")


class HarnessNoJVM(test_case_utils.HarnessNoJVM):
    pass


def _raise_no_jvm(name):
    def f(*a, **k):
        raise test_case_utils.HarnessNoJVM("pyflink-compat harness: %s needs the Flink JVM" % name)
    return f


def _stub_java_gateway(m):
    m.get_gateway = _raise_no_jvm("get_gateway")
    m.launch_gateway = _raise_no_jvm("launch_gateway")


def _stub_py4j(m):
    m.__path__ = []


def _stub_py4j_protocol(m):
    class Py4JError(Exception):
        pass

    class Py4JJavaError(Py4JError):
        pass
    m.Py4JError = Py4JError
    m.Py4JJavaError = Py4JJavaError


def _stub_py4j_java_gateway(m):
    class JavaObject(object):
        pass
    m.JavaObject = JavaObject
    m.java_import = _raise_no_jvm("java_import")
    m.JavaGateway = _raise_no_jvm("JavaGateway")


def _stub_pkg(m):
    m.__path__ = []


def _stub_ds_test_util(m):
    # PyFlink's DataStream test helpers: Java sink functions
    class DataStreamTestSinkFunction(object):
        def __init__(self, *a, **k):
            raise test_case_utils.HarnessNoJVM(
                "pyflink-compat harness: DataStreamTestSinkFunction needs the Flink JVM")
    m.DataStreamTestSinkFunction = DataStreamTestSinkFunction


def _stub_java_utils(m):
    for n in ("get_j_env_configuration", "add_jars_to_context_class_loader", "to_jarray",
              "is_instance_of", "load_java_class", "get_field_value", "invoke_method"):
        setattr(m, n, _raise_no_jvm(n))


def _stub_find_flink_home(m):
    root = tempfile.mkdtemp(prefix="pyflink-compat-home-")
    os.environ.setdefault("FLINK_HOME", root)
    m._find_flink_home = lambda: os.environ["FLINK_HOME"]
    m._find_flink_source_root = lambda: root


def _stub_gateway_server(m):
    m.on_windows = lambda: os.name == "nt"


# module -> how to fill its stub; used only when Sluice has no such module
STUBS = {
    "pyflink.java_gateway": _stub_java_gateway,
    "py4j": _stub_py4j,
    "py4j.protocol": _stub_py4j_protocol,
    "py4j.java_gateway": _stub_py4j_java_gateway,
    "pyflink.util": _stub_pkg,
    "pyflink.util.java_utils": _stub_java_utils,
    "pyflink.find_flink_home": _stub_find_flink_home,
    "pyflink.pyflink_gateway_server": _stub_gateway_server,
    "pyflink.fn_execution": _stub_pkg,
    "pyflink.datastream.tests": _stub_pkg,
    "pyflink.datastream.tests.test_util": _stub_ds_test_util,
}

USED_STUBS = set()


class _StubLoader(importlib.abc.Loader):
    def __init__(self, fill):
        self.fill = fill

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__harness_stub__ = True
        self.fill(module)
        USED_STUBS.add(module.__name__)


# PyFlink test packages whose modules are read from the test directory
# (or its support/ subdirectory, for test data such as
# fn_execution/tests/process_mode_test_data.py)
TEST_PACKAGES = ("pyflink.table.tests", "pyflink.fn_execution.tests")


def _test_dirs():
    return [d for d in (TEST_DIR, os.path.join(TEST_DIR, "support")) if d and os.path.isdir(d)]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in TEST_PACKAGES and TEST_DIR:
            spec = importlib.util.spec_from_loader(name, _StubLoader(lambda m: None), is_package=True)
            spec.submodule_search_locations = _test_dirs()
            return spec
        if name.rsplit(".", 1)[0] in TEST_PACKAGES and TEST_DIR:
            for d in _test_dirs():
                f = os.path.join(d, name.rsplit(".", 1)[1] + ".py")
                if os.path.exists(f):
                    return importlib.util.spec_from_file_location(name, f)
            return None
        if name in STUBS:
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                try:
                    spec = finder.find_spec(name, path, target)
                except Exception:
                    spec = None
                if spec is not None:
                    return spec  # Sluice (or an installed package) has it
            is_pkg = STUBS[name] in (_stub_pkg, _stub_py4j)
            spec = importlib.util.spec_from_loader(name, _StubLoader(STUBS[name]), is_package=is_pkg)
            if is_pkg:
                spec.submodule_search_locations = []
            return spec
        return None


sys.meta_path.insert(0, _Finder())

# JVM type-conversion helpers that PyFlink's test_types.py imports at module
# level from pyflink.table.types: raising stand-ins when Sluice lacks them
JVM_TYPE_HELPERS = ("_to_java_type", "_from_java_type", "_to_java_data_type", "_from_java_data_type")
try:
    import pyflink.table.types as _pft
    for _n in JVM_TYPE_HELPERS:
        if not hasattr(_pft, _n):
            setattr(_pft, _n, _raise_no_jvm(_n))
except Exception as _e:  # pragma: no cover
    sys.stderr.write("pyflink-compat: could not add JVM type helpers: %r\n" % (_e,))

sys.modules["pyflink.testing"] = pyflink_compat_testing
sys.modules["pyflink.testing.test_case_utils"] = test_case_utils
sys.modules["pyflink.testing.source_sink_utils"] = source_sink_utils
pyflink_compat_testing.test_case_utils = test_case_utils
pyflink_compat_testing.source_sink_utils = source_sink_utils
try:
    setattr(pyflink, "testing", pyflink_compat_testing)
except Exception:
    pass

# -- 'connector' = 'test-sink' -> print ------------------------------------

_TEST_SINK = re.compile(r"""(['"])connector\1\s*=\s*(['"])test-sink\2""", re.I)
_PRINT = "'connector' = 'print', 'print-identifier' = '%s'" % source_sink_utils.MARKER


def _rewrite(stmt):
    if isinstance(stmt, str) and "test-sink" in stmt:
        return _TEST_SINK.sub(_PRINT, stmt)
    return stmt


def _wrap(cls, meth):
    orig = cls.__dict__.get(meth)
    if orig is None or getattr(orig, "__pyflink_compat__", False):
        return

    def wrapper(self, stmt, *a, **k):
        return orig(self, _rewrite(stmt), *a, **k)
    wrapper.__pyflink_compat__ = True
    wrapper.__name__ = orig.__name__
    wrapper.__doc__ = orig.__doc__
    setattr(cls, meth, wrapper)


try:
    import pyflink.table as _pt
    for _cls in {getattr(_pt, n, None) for n in ("TableEnvironment", "StreamTableEnvironment",
                                                 "BatchTableEnvironment")}:
        if isinstance(_cls, type):
            for _m in ("execute_sql", "sql_update"):
                _wrap(_cls, _m)
    _ss = getattr(_pt, "StatementSet", None)
    if isinstance(_ss, type):
        _wrap(_ss, "add_insert_sql")
except Exception as _e:  # pragma: no cover
    sys.stderr.write("pyflink-compat: could not patch test-sink DDL: %r\n" % (_e,))

# -- capture of file descriptor 1 -------------------------------------------

_cap = {}


def _start_capture():
    path = os.environ.get("PYFLINK_COMPAT_CAPTURE")
    if not path:
        fd, path = tempfile.mkstemp(prefix="pyflink-compat-capture-", suffix=".txt")
        os.close(fd)
        os.environ["PYFLINK_COMPAT_CAPTURE"] = path
    sys.stdout.flush()
    _cap["saved"] = os.dup(1)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.close(fd)
    # Python's own output (pytest's report) keeps going to the real stdout;
    # fd 1 now only gets what native code (Sluice's print sinks) writes
    try:
        _cap["prev_stdout"] = sys.stdout
        sys.stdout = os.fdopen(os.dup(_cap["saved"]), "w", buffering=1)
    except Exception:
        pass


def _stop_capture():
    if "saved" in _cap:
        try:
            sys.stdout.flush()
        except Exception:
            pass
        os.dup2(_cap.pop("saved"), 1)
        if "prev_stdout" in _cap:
            sys.stdout = _cap.pop("prev_stdout")


if not os.environ.get("PYFLINK_COMPAT_NO_CAPTURE"):
    _start_capture()

# -- results -------------------------------------------------------------

_out = {}


def _emit(rec):
    path = os.environ.get("PYFLINK_COMPAT_RESULTS")
    if not path:
        return
    if "f" not in _out:
        _out["f"] = open(path, "a")
    _out["f"].write(json.dumps(rec) + "\n")
    _out["f"].flush()


def _message(report):
    lr = report.longrepr
    if lr is None:
        return ""
    if isinstance(lr, tuple) and len(lr) == 3:
        return str(lr[2])
    crash = getattr(lr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return crash.message
    s = str(lr).strip().splitlines()
    errs = [l for l in s if l.startswith("E ")]
    return (errs[0][2:].strip() if errs else (s[-1] if s else ""))


def pytest_runtest_logstart(nodeid, location):
    _emit({"event": "start", "nodeid": nodeid})


def pytest_runtest_logreport(report):
    rec = {"event": "report", "nodeid": report.nodeid, "when": report.when,
           "outcome": report.outcome, "message": _message(report)[:2000]}
    if report.outcome == "failed":
        rec["longrepr"] = str(report.longrepr)[-6000:]
    _emit(rec)


def pytest_collectreport(report):
    if report.outcome == "failed":
        _emit({"event": "collect_error", "nodeid": report.nodeid, "message": _message(report)[:2000],
               "longrepr": str(report.longrepr)[-6000:]})


def pytest_sessionfinish(session, exitstatus):
    _emit({"event": "stubs", "used": sorted(USED_STUBS - set(TEST_PACKAGES))})
    _emit({"event": "finish", "exitstatus": int(exitstatus)})


def pytest_unconfigure(config):
    _stop_capture()

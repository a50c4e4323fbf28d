"""Sluice's stand-in for ``pyflink.testing.source_sink_utils``.

PyFlink's test sinks collect rows in the JVM (``RowCollector``). Here every
test sink is a Sluice ``print`` table whose ``print-identifier`` is MARKER;
the plugin redirects file descriptor 1 to a capture file for the whole
session, and ``results()`` / ``retract_results()`` / ``upsert_results()``
parse the ``MARKER[:n]> +I[...]`` lines printed since the previous call.

Two result formats are produced, chosen by $PYFLINK_COMPAT_FLAVOR:
  current: Flink >= 1.12 ``Row.toString``: ``+I[1, Hi]``
  legacy:  Flink 1.10/1.11 ``Row.toString``: ``1,Hi`` (java.sql time types)
"""
import os
import re

MARKER = "__pyflink_compat_sink__"

_LINE = re.compile(re.escape(MARKER) + r"(?::\d+)?> ([+-][IUD])\[(.*)\]\s*$")

# offset into the capture file already consumed by a results() call
_state = {"offset": 0}


def flavor():
    return os.environ.get("PYFLINK_COMPAT_FLAVOR", "current")


def _capture_path():
    return os.environ.get("PYFLINK_COMPAT_CAPTURE")


def _flush_fd1():
    try:
        import sys
        sys.stdout.flush()
    except Exception:
        pass
    try:
        os.fsync(1)
    except OSError:
        pass


def _read_new_lines():
    """The (kind, payload) pairs printed by test sinks since the last call."""
    path = _capture_path()
    if not path or not os.path.exists(path):
        raise RuntimeError("pyflink-compat harness: no capture file (run via scripts/pyflink-compat)")
    _flush_fd1()
    with open(path, "r", errors="replace") as f:
        f.seek(_state["offset"])
        data = f.read()
        _state["offset"] = f.tell()
    out = []
    for line in data.splitlines():
        m = _LINE.search(line)
        if m:
            out.append((m.group(1), m.group(2)))
    return out


def skip_pending():
    """Forget whatever test sinks printed so far (called between tests)."""
    path = _capture_path()
    if path and os.path.exists(path):
        _flush_fd1()
        _state["offset"] = os.path.getsize(path)


# -- legacy (1.10) Row.toString -------------------------------------------

def _split_top(payload):
    parts, depth, cur, i = [], 0, [], 0
    while i < len(payload):
        c = payload[i]
        if c in "[({":
            depth += 1
        elif c in "])}":
            depth -= 1
        if depth == 0 and payload.startswith(", ", i):
            parts.append("".join(cur))
            cur = []
            i += 2
            continue
        cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


_TS = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::(\d{2})(?:\.(\d+))?)?$")
_TM = re.compile(r"^(\d{2}:\d{2})(?::(\d{2})(?:\.\d+)?)?$")


_DUR = re.compile(r"^(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_NESTED = re.compile(r"^[+-][IUD]\[(.*)\]$")


def _legacy_field(v, sql_type):
    """A field as Flink 1.10's Row.toString shows it (java.sql time types,
    intervals as milliseconds, nested rows as a,b)."""
    t = (sql_type or "").upper()
    m = _NESTED.match(v)
    if m:
        return ",".join(_split_top(m.group(1)))
    if t.startswith("INTERVAL"):
        m = _DUR.match(v)
        if m and v != "P":
            ms = (int(m.group(2) or 0) * 86400 + int(m.group(3) or 0) * 3600 + int(m.group(4) or 0) * 60) * 1000
            ms += int(round(float(m.group(5) or 0) * 1000))
            return str(-ms if m.group(1) else ms)
    if t.startswith("TIMESTAMP"):
        if v.endswith("Z"):
            v = v[:-1]
        m = _TS.match(v)
        if m:
            frac = (m.group(4) or "0").rstrip("0") or "0"
            return "%s %s:%s.%s" % (m.group(1), m.group(2), m.group(3) or "00", frac)
    if t.startswith("TIME") and not t.startswith("TIMESTAMP"):
        m = _TM.match(v)
        if m:
            return "%s:%s" % (m.group(1), m.group(2) or "00")
    return v


def _to_legacy(payload, sql_types):
    parts = _split_top(payload)
    if sql_types and len(parts) > len(sql_types):
        # a string field contained ", ": glue the extra parts onto the only string column
        str_cols = [i for i, t in enumerate(sql_types) if re.match(r"(VAR)?CHAR|STRING", (t or "").upper())]
        if len(str_cols) == 1:
            k = str_cols[0]
            extra = len(parts) - len(sql_types)
            parts = parts[:k] + [", ".join(parts[k:k + extra + 1])] + parts[k + extra + 1:]
    if sql_types and len(parts) == len(sql_types):
        parts = [_legacy_field(p, t) for p, t in zip(parts, sql_types)]
    return ",".join(parts)


# the field types of the legacy TestXxxSink tables, for formatting
_legacy_types = {"types": None}


def _render(payload):
    if flavor() == "legacy":
        return _to_legacy(payload, _legacy_types["types"])
    return "+I[" + payload + "]"


# -- RowCollector semantics -----------------------------------------------

def retract_results():
    """As Flink's RowCollector.retractResults: +I/+U add a row, -U/-D take
    one away; the rows left (as strings)."""
    counts = {}
    order = []
    for kind, payload in _read_new_lines():
        s = _render(payload)
        if s not in counts:
            counts[s] = 0
            order.append(s)
        counts[s] += 1 if kind in ("+I", "+U") else -1
    if any(c < 0 for c in counts.values()):
        raise AssertionError("Received retracted rows which have not been accumulated.")
    out = []
    for s in order:
        out.extend([s] * counts[s])
    return out


def results():
    """Retrieves the results from an append table sink."""
    return retract_results()


def upsert_results(keys):
    """As Flink's RowCollector.upsertResults: the last row per key."""
    table = {}
    for kind, payload in _read_new_lines():
        fields = _split_top(payload)
        key = tuple(fields[k] if k < len(fields) else None for k in keys)
        if kind in ("+I", "+U"):
            table[key] = _render(payload)
        else:
            table.pop(key, None)
    return list(table.values())


# -- legacy TableSink objects (Flink 1.10 register_table_sink) --------------

def _sql_type(t):
    try:
        from sluice.table.types import _type_sql
        return _type_sql(t)
    except Exception:
        if hasattr(t, "to_sql"):
            return t.to_sql()
        return str(t)


class TestTableSink(object):
    """Base class for test table sinks: a Sluice print table."""

    def __init__(self, field_names, field_types):
        self._field_names = list(field_names)
        self._field_types = list(field_types)
        self._sql_types = [_sql_type(t) for t in self._field_types]
        _legacy_types["types"] = self._sql_types

    def _ddl(self, name):
        # called by Sluice's register_table_sink
        _legacy_types["types"] = self._sql_types
        cols = ", ".join("`%s` %s" % (n, t) for n, t in zip(self._field_names, self._sql_types))
        return ("CREATE TABLE `%s` (%s) WITH ('connector' = 'print', 'print-identifier' = '%s')"
                % (name, cols, MARKER))

    # PyFlink 1.10 TableSink API
    def get_field_names(self):
        return self._field_names

    def get_field_types(self):
        return self._field_types


class TestAppendSink(TestTableSink):
    """A test append table sink."""


class TestRetractSink(TestTableSink):
    """A test retract table sink."""


class TestUpsertSink(TestTableSink):
    """A test upsert table sink."""

    def __init__(self, field_names, field_types, keys, is_append_only):
        super(TestUpsertSink, self).__init__(field_names, field_types)
        self._keys = list(keys)
        self._is_append_only = is_append_only

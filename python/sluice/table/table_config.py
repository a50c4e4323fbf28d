"""``TableConfig`` and ``SqlDialect``, as PyFlink's (current and 1.10-1.13
methods), mapped onto the engine's configuration keys.

A TableConfig either stands alone (``TableConfig()``,
``TableConfig.get_default()``: a key/value map that ``create(...,
table_config=...)`` copies into the new environment) or belongs to an
environment (``t_env.get_config()``), where every change goes to the
environment's configuration at once, so jobs started afterwards see it.
"""
from __future__ import annotations

import datetime
import os
import re
from typing import Any, Dict, Optional, Tuple

from sluice import _native
from sluice.common import Configuration

__all__ = ["TableConfig", "SqlDialect"]

# The engine's configuration keys (Flink's option names).
_LOCAL_TIME_ZONE = "table.local-time-zone"
_STATE_TTL = "table.exec.state.ttl"
_PYTHON_EXECUTION_MODE = "python.execution-mode"
_PYTHON_EXECUTABLE = "python.executable"
_MAX_CODE_LENGTH = "table.generated-code.max-length"
_SQL_DIALECT = "table.sql-dialect"


class SqlDialect:
    """SQL compatibility modes; the values are PyFlink's (plain ints)."""

    DEFAULT = 0
    HIVE = 1


_ROUNDING_MODES = ("UP", "DOWN", "CEILING", "FLOOR", "HALF_UP", "HALF_DOWN", "HALF_EVEN", "UNNECESSARY")

_ZONE_ERROR = ("Invalid time zone. The value should be a Time Zone Database (TZDB) ID such as "
               "'America/Los_Angeles' to include daylight saving time. Fixed offsets are supported using "
               "'GMT-03:00' or 'GMT+03:00'. Or use 'UTC' without time zone and daylight saving time.")


def _offset(text: str, whole: str) -> Optional[int]:
    """Seconds east of UTC of a ``+h``, ``+hh``, ``+hh:mm``, ``+hhmm``,
    ``+hh:mm:ss`` or ``+hhmmss`` offset, as java.time.ZoneOffset.of reads
    it; None when malformed."""
    m = re.fullmatch(r"([+-])(\d{1,2})(?::?(\d{2})(?::?(\d{2}))?)?", text)
    if not m or (len(m.group(2)) == 1 and m.group(3)):
        return None
    h, mi, s = int(m.group(2)), int(m.group(3) or 0), int(m.group(4) or 0)
    if h > 18 or mi > 59 or s > 59 or (h == 18 and (mi or s)):
        return None
    if m.group(3) and ":" in text and len(text) not in (6, 9):
        return None
    total = h * 3600 + mi * 60 + s
    return -total if m.group(1) == "-" else total


def _offset_id(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    a = abs(seconds)
    out = "%s%02d:%02d" % (sign, a // 3600, a % 3600 // 60)
    if a % 60:
        out += ":%02d" % (a % 60)
    return out


def _zone_exists(name: str) -> bool:
    try:
        import zoneinfo
        zoneinfo.ZoneInfo(name)
        return True
    except Exception:
        return False


def normalize_zone(zone: str) -> str:
    """The zone id Flink stores for ``zone``: java.time.ZoneId.of's
    parsing and normalization (offsets become ``GMT+hh:mm``), then Flink's
    check that it is a TZDB id, ``UTC``, ``GMT`` or a ``GMT`` offset.
    Raises ValueError with Java's or Flink's message."""
    if zone == "Z" or zone[:1] in "+-":
        secs = _offset(zone, zone) if zone != "Z" else 0
        if secs is None:
            raise ValueError("Invalid ID for ZoneOffset, invalid format: %s" % zone)
        return "GMT" if secs == 0 else "GMT" + _offset_id(secs)
    for prefix in ("UTC", "GMT", "UT"):
        if zone.startswith(prefix) and len(zone) > len(prefix) and zone[len(prefix)] in "+-":
            secs = _offset(zone[len(prefix):], zone)
            if secs is None:
                raise ValueError("Invalid ID for offset-based ZoneId: %s" % zone)
            if prefix != "GMT":
                raise ValueError(_ZONE_ERROR)
            return "GMT" if secs == 0 else "GMT" + _offset_id(secs)
    if zone in ("UTC", "GMT"):
        return zone
    if zone == "UT":
        raise ValueError(_ZONE_ERROR)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9~/._+-]+", zone):
        raise ValueError("Invalid ID for region-based ZoneId, invalid format: %s" % zone)
    if not _zone_exists(zone):
        raise ValueError("Unknown time-zone ID: %s" % zone)
    return zone


def _system_zone() -> str:
    """What java.time.ZoneId.systemDefault() reports on this machine."""
    tz = os.environ.get("TZ", "").lstrip(":")
    if tz and _zone_exists(tz):
        return tz
    try:
        with open("/etc/timezone") as f:
            name = f.read().strip()
            if name:
                return name
    except OSError:
        pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return target.split("zoneinfo/", 1)[1]
    except OSError:
        pass
    return "UTC"


_UNITS = (("d", 86400000), ("h", 3600000), ("min", 60000), ("s", 1000), ("ms", 1))


def _format_duration(ms: int) -> str:
    """A duration as Flink's TimeUtils.formatWithHighestUnit writes it."""
    if ms == 0:
        return "0 ms"
    for unit, size in _UNITS:
        if ms % size == 0:
            return "%d %s" % (ms // size, unit)
    return "%d ms" % ms


def _parse_duration_ms(text: str) -> int:
    """A Flink duration (``90 min``, ``1 d``, ``500ms``, ``3600000``) in ms."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]*)\s*", text)
    if not m:
        raise ValueError("Could not parse value '%s' for key '%s'." % (text, _STATE_TTL))
    n, unit = int(m.group(1)), m.group(2).lower()
    table = {"": 1, "ms": 1, "milli": 1, "millis": 1, "millisecond": 1, "milliseconds": 1,
             "s": 1000, "sec": 1000, "secs": 1000, "second": 1000, "seconds": 1000,
             "min": 60000, "m": 60000, "minute": 60000, "minutes": 60000,
             "h": 3600000, "hour": 3600000, "hours": 3600000, "d": 86400000, "day": 86400000, "days": 86400000}
    if unit not in table:
        raise ValueError("Could not parse value '%s' for key '%s'." % (text, _STATE_TTL))
    return n * table[unit]


class TableConfig:
    """Configuration of a TableEnvironment session (PyFlink's TableConfig).

    Key/value options live in the environment's configuration: local time
    zone ``table.local-time-zone``, idle state retention
    ``table.exec.state.ttl``, ``python.executable``,
    ``table.generated-code.max-length``, ``table.sql-dialect``. The null
    check and decimal context of Flink 1.10 were fields of the Java object,
    not options; they are kept here and have no effect on the engine (it
    always checks NULLs and divides decimals as Flink's default context)."""

    def __init__(self, j_table_config: Any = None) -> None:
        # j_table_config is PyFlink's Java object; here it may be the
        # environment this config belongs to.
        self._env = j_table_config
        self._values: Dict[str, str] = {}
        self._null_check = True
        self._decimal_context: Tuple[int, str] = (34, "HALF_EVEN")

    @staticmethod
    def get_default() -> "TableConfig":
        """A TableConfig with default settings, bound to no environment."""
        return TableConfig()

    # -- the key/value map ---------------------------------------------------
    def _all(self) -> Dict[str, str]:
        if self._env is None:
            return dict(self._values)
        kv = _native.call("env.get_config", self._env._h.id)
        values = dict(zip(kv[0::2], kv[1::2]))
        # Sluice runs Python functions in-process (PyFlink's "thread"
        # mode); an environment's config says so unless the key was set.
        values.setdefault(_PYTHON_EXECUTION_MODE, "thread")
        return values

    def _put(self, key: str, value: str) -> None:
        if self._env is None:
            self._values[key] = value
        else:
            _native.call("env.set_config", self._env._h.id, key, value)

    def get(self, key: str, default_value: Optional[str] = None) -> Optional[str]:
        """The value of ``key`` as a string, or ``default_value``. An
        environment's config falls back to what Flink's local deployment
        sets in its root configuration: ``python.executable`` is the
        running interpreter."""
        values = self._all()
        if key == _PYTHON_EXECUTABLE and key not in values and self._env is not None:
            import sys
            return sys.executable
        return values.get(key, default_value)

    def set(self, key: str, value: str) -> "TableConfig":
        """Sets a string value; returns this config so calls chain."""
        if key == _LOCAL_TIME_ZONE and str(value) != "default":
            value = normalize_zone(str(value))
        if key == "execution.runtime-mode" and str(value).upper() == "AUTOMATIC":
            # Chosen before the sources are known: AUTOMATIC runs as
            # STREAMING, as in EnvironmentSettings.
            value = "STREAMING"
        self._put(key, str(value))
        return self

    def get_configuration(self) -> Configuration:
        """The key/value map. For an environment's config the returned
        Configuration writes through: ``set_string`` on it changes the
        environment, as PyFlink's view of the Java map does."""
        owner = self

        class _Live(Configuration):
            def set_string(self, key: str, value: str) -> "Configuration":
                Configuration.set_string(self, key, value)
                owner._put(key, str(value))
                return self

        c = _Live()
        for k, v in self._all().items():
            Configuration.set_string(c, k, v)
        return c

    def add_configuration(self, configuration: Configuration) -> None:
        """Adds every key of ``configuration``, overwriting existing ones."""
        for k, v in configuration.to_dict().items():
            self.set(k, v)

    def to_map(self) -> Dict[str, str]:
        return self._all()

    # -- time zone -------------------------------------------------------
    def get_local_timezone(self) -> str:
        """The session time zone id; the machine's zone when unset."""
        z = self.get(_LOCAL_TIME_ZONE, "default") or "default"
        if z == "default":
            return _system_zone()
        return normalize_zone(z)

    def set_local_timezone(self, timezone_id: str) -> None:
        """Sets the session time zone: a TZDB id (``Asia/Shanghai``),
        ``UTC``, or a fixed offset (``GMT-08:00``; ``+8`` becomes
        ``GMT+08:00``). Other ids raise ValueError as Flink rejects them."""
        if timezone_id is None or not isinstance(timezone_id, str):
            raise Exception("TableConfig.timezone should be a string!")
        self._put(_LOCAL_TIME_ZONE, normalize_zone(timezone_id))

    # -- idle state retention -------------------------------------------
    def set_idle_state_retention(self, duration: datetime.timedelta) -> None:
        """``table.exec.state.ttl``: keyed state of the SQL operators
        (GROUP BY, DISTINCT, ...) not touched for this long is dropped; zero
        keeps state forever. Applies to jobs started afterwards."""
        ms = int(round(duration.total_seconds() * 1000))
        self._put(_STATE_TTL, _format_duration(ms))

    def get_idle_state_retention(self) -> datetime.timedelta:
        return datetime.timedelta(milliseconds=self._ttl_ms())

    def _ttl_ms(self) -> int:
        v = self.get(_STATE_TTL)
        return _parse_duration_ms(v) if v else 0

    def set_idle_state_retention_time(self, min_time: datetime.timedelta, max_time: datetime.timedelta) -> None:
        """Flink 1.10-1.13: the minimum is the TTL; the maximum must be at
        least 5 minutes greater unless both are zero (Flink 1.13 keeps
        only the minimum and reports 1.5 x it as the maximum)."""
        lo = int(round(min_time.total_seconds() * 1000))
        hi = int(round(max_time.total_seconds() * 1000))
        if hi - lo < 300000 and not (lo == 0 and hi == 0):
            raise ValueError("Difference between minTime: %d ms and maxTime: %d ms should be at least 5 minutes." % (lo, hi))
        self._put(_STATE_TTL, _format_duration(lo))
        # Flink 1.10-1.12 kept the maximum as given; 1.13 derives it.
        self._retention = (lo, hi)

    def get_min_idle_state_retention_time(self) -> int:
        """Milliseconds (Flink 1.10-1.13)."""
        return self._ttl_ms()

    def get_max_idle_state_retention_time(self) -> int:
        """Milliseconds: the maximum given to set_idle_state_retention_time
        (Flink 1.10-1.12) while the TTL is still its minimum, otherwise
        1.5 x the TTL, as Flink 1.13 reports it."""
        ttl = self._ttl_ms()
        given = getattr(self, "_retention", None)
        if given is not None and given[0] == ttl:
            return given[1]
        return ttl * 3 // 2

    # -- other options ---------------------------------------------------
    def get_max_generated_code_length(self) -> int:
        """Flink splits generated Java above this length; the engine
        generates no code, the value is kept for programs that read it."""
        return int(self.get(_MAX_CODE_LENGTH) or 4000)

    def set_max_generated_code_length(self, max_generated_code_length: int) -> None:
        if max_generated_code_length is None or not isinstance(max_generated_code_length, int):
            raise Exception("TableConfig.max_generated_code_length should be a int value!")
        self._put(_MAX_CODE_LENGTH, str(max_generated_code_length))

    def get_null_check(self) -> bool:
        return self._null_check

    def set_null_check(self, null_check: bool) -> None:
        if null_check is None or not isinstance(null_check, bool):
            raise Exception("TableConfig.null_check should be a bool value!")
        self._null_check = null_check

    def set_decimal_context(self, precision: int, rounding_mode: str) -> None:
        """Flink 1.10's context for decimal division; recorded only."""
        if rounding_mode not in _ROUNDING_MODES:
            raise ValueError("Unsupported rounding_mode: %s" % rounding_mode)
        self._decimal_context = (precision, rounding_mode)

    def get_decimal_context(self) -> Tuple[int, str]:
        return self._decimal_context

    def get_sql_dialect(self) -> int:
        return SqlDialect.HIVE if (self.get(_SQL_DIALECT) or "default").lower() == "hive" else SqlDialect.DEFAULT

    def set_sql_dialect(self, sql_dialect: int) -> None:
        """``table.sql-dialect``. Only Flink's default dialect is parsed: in
        HIVE, statements other than SET/RESET raise NotImplementedError."""
        if sql_dialect == SqlDialect.DEFAULT:
            self._put(_SQL_DIALECT, "default")
        elif sql_dialect == SqlDialect.HIVE:
            # Recorded; statements parsed in it raise (see
            # TableEnvironment.execute_sql), SET can switch back.
            self._put(_SQL_DIALECT, "hive")
        else:
            raise TypeError("Unsupported SQL dialect: %s, supported SQL dialects are: "
                            "SqlDialect.DEFAULT, SqlDialect.HIVE." % sql_dialect)

    def set_python_executable(self, python_exec: str) -> None:
        """Recorded as ``python.executable``. Python functions run in the
        interpreter embedded in sluice (its virtual environment), so the
        value does not choose an interpreter."""
        self._put(_PYTHON_EXECUTABLE, python_exec)

    def get_python_executable(self) -> Optional[str]:
        """The value set, or None (as current PyFlink; Flink 1.10 gave the
        local interpreter, which ``get('python.executable')`` gives)."""
        return self._all().get(_PYTHON_EXECUTABLE)

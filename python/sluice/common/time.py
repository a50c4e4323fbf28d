"""``pyflink.common.time``: Duration, Instant and Time, as plain values
(PyFlink's Duration wraps java.time.Duration; Sluice's keeps seconds and
nanoseconds the same way)."""
from __future__ import annotations

from typing import Any

__all__ = ["Duration", "Instant", "Time"]


class Duration(object):
    """A length of time (java.time.Duration): seconds and nanoseconds."""

    def __init__(self, seconds: int = 0, nanos: int = 0) -> None:
        total = int(seconds) * 10 ** 9 + int(nanos)
        self._seconds, self._nanos = divmod(total, 10 ** 9)

    @staticmethod
    def of_days(days: int) -> "Duration":
        return Duration(days * 86400)

    @staticmethod
    def of_hours(hours: int) -> "Duration":
        return Duration(hours * 3600)

    @staticmethod
    def of_minutes(minutes: int) -> "Duration":
        return Duration(minutes * 60)

    @staticmethod
    def of_seconds(seconds: int) -> "Duration":
        return Duration(seconds)

    @staticmethod
    def of_millis(millis: int) -> "Duration":
        return Duration(0, millis * 10 ** 6)

    @staticmethod
    def of_nanos(nanos: int) -> "Duration":
        return Duration(0, nanos)

    def to_nanos(self) -> int:
        return self._seconds * 10 ** 9 + self._nanos

    def to_milliseconds(self) -> int:
        return self.to_nanos() // 10 ** 6

    to_millis = to_milliseconds

    def get_seconds(self) -> int:
        return self._seconds

    def get_nano(self) -> int:
        return self._nanos

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Duration) and self.to_nanos() == other.to_nanos()

    def __hash__(self) -> int:
        return hash(self.to_nanos())

    def __repr__(self) -> str:
        # java.time.Duration.toString: PT1H2M3.5S
        n = self.to_nanos()
        if n == 0:
            return "PT0S"
        sign = "-" if n < 0 else ""
        n = abs(n)
        hours, rest = divmod(n, 3600 * 10 ** 9)
        minutes, rest = divmod(rest, 60 * 10 ** 9)
        secs, frac = divmod(rest, 10 ** 9)
        out = "PT"
        if hours:
            out += "%s%dH" % (sign, hours)
        if minutes:
            out += "%s%dM" % (sign, minutes)
        if secs or frac:
            out += "%s%d" % (sign, secs)
            if frac:
                out += ("." + "%09d" % frac).rstrip("0")
            out += "S"
        return out


class Instant(object):
    """A point on the time-line (java.time.Instant): seconds and nanos."""

    def __init__(self, seconds: int, nanos: int) -> None:
        self.seconds = seconds
        self.nanos = nanos

    def to_epoch_milli(self) -> int:
        return self.seconds * 1000 + self.nanos // 1000000

    @staticmethod
    def of_epoch_milli(epoch_milli: int) -> "Instant":
        return Instant(epoch_milli // 1000, (epoch_milli % 1000) * 1000000)

    def __eq__(self, other: Any) -> bool:
        return self.__class__ == other.__class__ and self.seconds == other.seconds and self.nanos == other.nanos

    def __repr__(self) -> str:
        return "Instant<%s, %s>" % (self.seconds, self.nanos)


class Time(object):
    """A time interval in milliseconds (windows, restart strategies)."""

    def __init__(self, milliseconds: int) -> None:
        self._milliseconds = milliseconds

    def to_milliseconds(self) -> int:
        return self._milliseconds

    @staticmethod
    def milliseconds(milliseconds: int) -> "Time":
        return Time(milliseconds)

    @staticmethod
    def seconds(seconds: int) -> "Time":
        return Time(seconds * 1000)

    @staticmethod
    def minutes(minutes: int) -> "Time":
        return Time(minutes * 60 * 1000)

    @staticmethod
    def hours(hours: int) -> "Time":
        return Time(hours * 3600 * 1000)

    @staticmethod
    def days(days: int) -> "Time":
        return Time(days * 86400 * 1000)

    def __eq__(self, other: Any) -> bool:
        return self.__class__ == other.__class__ and self._milliseconds == other._milliseconds

    def __str__(self) -> str:
        return "%s ms" % self._milliseconds

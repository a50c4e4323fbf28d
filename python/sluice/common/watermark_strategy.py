"""``pyflink.common.watermark_strategy``: WatermarkStrategy and
TimestampAssigner. A strategy records its settings (kind, bound, idleness,
alignment, timestamp assigner); generating watermarks from it needs the
DataStream API, which Sluice does not run yet."""
from __future__ import annotations

import abc
from typing import Any, Optional

from sluice.common.time import Duration

__all__ = ["WatermarkStrategy", "TimestampAssigner", "AssignerWithPeriodicWatermarksWrapper"]


class WatermarkStrategy(object):
    """How watermarks and record timestamps are made (Flink's
    WatermarkStrategy): ``for_monotonous_timestamps()``,
    ``for_bounded_out_of_orderness(Duration)``, ``no_watermarks()``, each
    refined by ``with_timestamp_assigner``, ``with_idleness`` and
    ``with_watermark_alignment``."""

    def __init__(self, kind: str = "no_watermarks", max_out_of_orderness: Optional[Duration] = None) -> None:
        self._kind = kind
        self._max_out_of_orderness = max_out_of_orderness
        self._idle_timeout: Optional[Duration] = None
        self._alignment: Optional[tuple] = None
        self._timestamp_assigner: Optional["TimestampAssigner"] = None

    def _copy(self) -> "WatermarkStrategy":
        w = WatermarkStrategy(self._kind, self._max_out_of_orderness)
        w._idle_timeout, w._alignment, w._timestamp_assigner = self._idle_timeout, self._alignment, self._timestamp_assigner
        return w

    def with_timestamp_assigner(self, timestamp_assigner: "TimestampAssigner") -> "WatermarkStrategy":
        """Uses ``timestamp_assigner`` for the records' timestamps (this
        strategy, changed, as PyFlink's)."""
        self._timestamp_assigner = timestamp_assigner
        return self

    def with_idleness(self, idle_timeout: Duration) -> "WatermarkStrategy":
        """A new strategy that also marks a source idle after
        ``idle_timeout`` without records."""
        _check_duration(idle_timeout, "with_idleness")
        w = self._copy()
        w._idle_timeout = idle_timeout
        w._timestamp_assigner = None  # a new Java strategy in PyFlink: the Python assigner is not carried
        return w

    def with_watermark_alignment(self, watermark_group: str, max_allowed_watermark_drift: Duration,
                                 update_interval: Optional[Duration] = None) -> "WatermarkStrategy":
        _check_duration(max_allowed_watermark_drift, "with_watermark_alignment")
        w = self._copy()
        w._alignment = (watermark_group, max_allowed_watermark_drift, update_interval or Duration.of_millis(1000))
        w._timestamp_assigner = None
        return w

    @staticmethod
    def for_monotonous_timestamps() -> "WatermarkStrategy":
        """Watermarks that follow the largest timestamp seen."""
        return WatermarkStrategy("monotonous", Duration(0))

    @staticmethod
    def for_bounded_out_of_orderness(max_out_of_orderness: Duration) -> "WatermarkStrategy":
        """Watermarks ``max_out_of_orderness`` behind the largest timestamp
        seen."""
        _check_duration(max_out_of_orderness, "for_bounded_out_of_orderness")
        return WatermarkStrategy("bounded_out_of_orderness", max_out_of_orderness)

    @staticmethod
    def no_watermarks() -> "WatermarkStrategy":
        return WatermarkStrategy("no_watermarks")

    def __repr__(self) -> str:
        parts = [self._kind]
        if self._kind == "bounded_out_of_orderness":
            parts.append("max_out_of_orderness=%r" % (self._max_out_of_orderness,))
        if self._idle_timeout is not None:
            parts.append("idleness=%r" % (self._idle_timeout,))
        if self._alignment is not None:
            parts.append("alignment=%r" % (self._alignment,))
        if self._timestamp_assigner is not None:
            parts.append("timestamp_assigner=%r" % (self._timestamp_assigner,))
        return "WatermarkStrategy(%s)" % ", ".join(parts)


def _check_duration(d: Any, where: str) -> None:
    if not isinstance(d, Duration):
        raise TypeError("WatermarkStrategy.%s takes a pyflink.common.Duration, not %r" % (where, d))


class TimestampAssigner(abc.ABC):
    """Assigns event-time timestamps (milliseconds since the epoch) to
    elements."""

    @abc.abstractmethod
    def extract_timestamp(self, value: Any, record_timestamp: int) -> int:
        """The timestamp of ``value``; ``record_timestamp`` is the one it
        had, or a negative value."""


class AssignerWithPeriodicWatermarksWrapper(object):
    """A Java AssignerWithPeriodicWatermarks (needs the JVM)."""

    def __init__(self, j_assigner_with_periodic_watermarks: Any) -> None:
        self._j_assigner_with_periodic_watermarks = j_assigner_with_periodic_watermarks

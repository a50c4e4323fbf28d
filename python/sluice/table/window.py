"""``pyflink.table.window``: the group windows (Tumble, Slide, Session)
of ``Table.window`` and the over windows (Over) of ``Table.over_window``.

Arguments are expressions (``lit(10).minutes``, ``col('ts')``,
``row_interval(2)``, ``UNBOUNDED_RANGE``) or, as in PyFlink 1.10, string
expressions (``"10.minutes"``, ``"rowtime"``, ``"2.rows"``,
``"unbounded_range"``). The engine translates a group window into Flink's
group window aggregate (GROUP BY TUMBLE(ts, ...)) and an over window into
SQL's ``agg OVER (PARTITION BY ... ORDER BY ... ROWS|RANGE BETWEEN ...)``.
"""
from __future__ import annotations

from typing import Any, Dict, Tuple

__all__ = ["Tumble", "Slide", "Session", "Over", "GroupWindow", "OverWindow",
           "TumbleWithSize", "TumbleWithSizeOnTime", "SlideWithSize", "SlideWithSizeAndSlide",
           "SlideWithSizeAndSlideOnTime", "SessionWithGap", "SessionWithGapOnTime",
           "OverWindowPartitioned", "OverWindowPartitionedOrdered", "OverWindowPartitionedOrderedPreceding"]


def _window_arg(v: Any) -> Any:
    """A window argument as the engine reads it: None, a string
    expression, a bound or row interval by name ("UNBOUNDED_RANGE",
    "2.rows"), or a DSL expression's (sql, alias, order)."""
    from sluice.table.expression import Expression
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, Expression):
        bound = getattr(v, "_window_bound", None)
        if bound is not None:
            return bound
        return v._item()
    if isinstance(v, int) and not isinstance(v, bool):
        raise TypeError("a window size is an interval: lit(%d).minutes or row_interval(%d), not a bare number" % (v, v))
    raise TypeError("a window argument is an expression (lit(10).minutes, col('ts')) or a string ('10.minutes'), not %s"
                    % type(v).__name__)


class _Window:
    """A (partial) window definition: its kind and parts, shared by the
    builder stages."""

    def __init__(self, kind: str, **parts: Any) -> None:
        self.kind = kind
        self.parts: Dict[str, Any] = dict(parts)

    def _to(self, cls: Any, **parts: Any) -> Any:
        return cls(self.kind, **{**self.parts, **parts})

    def __repr__(self) -> str:
        return "%s(%s)" % (self.kind, ", ".join("%s=%s" % kv for kv in sorted(self.parts.items())))


class GroupWindow(_Window):
    """A fully defined group window, for ``Table.window``."""

    def _engine_args(self) -> Tuple[Any, ...]:
        p = self.parts
        return (self.kind, _window_arg(p.get("size")), _window_arg(p.get("slide")), _window_arg(p.get("on")),
                p.get("alias"))


class TumbleWithSizeOnTime(_Window):
    def alias(self, alias: str) -> GroupWindow:
        """Names the window; group_by and the window properties refer to it."""
        return self._to(GroupWindow, alias=alias)


class TumbleWithSize(_Window):
    def on(self, time_field: Any) -> TumbleWithSizeOnTime:
        """The time attribute to group by (rowtime or proctime)."""
        return self._to(TumbleWithSizeOnTime, on=time_field)


class Tumble:
    """Tumbling windows: fixed size, consecutive, not overlapping."""

    @classmethod
    def over(cls, size: Any) -> TumbleWithSize:
        return TumbleWithSize("Tumble", size=size)


class SlideWithSizeAndSlideOnTime(_Window):
    def alias(self, alias: str) -> GroupWindow:
        return self._to(GroupWindow, alias=alias)


class SlideWithSizeAndSlide(_Window):
    def on(self, time_field: Any) -> SlideWithSizeAndSlideOnTime:
        return self._to(SlideWithSizeAndSlideOnTime, on=time_field)


class SlideWithSize(_Window):
    def every(self, slide: Any) -> SlideWithSizeAndSlide:
        """How often a window starts."""
        return self._to(SlideWithSizeAndSlide, slide=slide)


class Slide:
    """Sliding windows: fixed size, starting every slide, overlapping when
    the slide is smaller than the size."""

    @classmethod
    def over(cls, size: Any) -> SlideWithSize:
        return SlideWithSize("Slide", size=size)


class SessionWithGapOnTime(_Window):
    def alias(self, alias: str) -> GroupWindow:
        return self._to(GroupWindow, alias=alias)


class SessionWithGap(_Window):
    def on(self, time_field: Any) -> SessionWithGapOnTime:
        return self._to(SessionWithGapOnTime, on=time_field)


class Session:
    """Session windows: closed by a gap of inactivity."""

    @classmethod
    def with_gap(cls, gap: Any) -> SessionWithGap:
        return SessionWithGap("Session", size=gap)


class OverWindow(_Window):
    """A fully defined over window, for ``Table.over_window``."""

    def _engine_args(self) -> Tuple[Any, ...]:
        p = self.parts
        keys = p.get("partition_by", ())
        from sluice.table.table import _args
        return (p["alias"], _window_arg(p.get("order_by")), _window_arg(p.get("preceding")),
                _window_arg(p.get("following")), len(keys)) + tuple(_args(None, keys))


class OverWindowPartitionedOrderedPreceding(_Window):
    def alias(self, alias: str) -> OverWindow:
        """Names the window; aggregates refer to it: col('v').sum.over(col('w'))."""
        return self._to(OverWindow, alias=alias)

    def following(self, following: Any) -> "OverWindowPartitionedOrderedPreceding":
        """The end of the frame: CURRENT_ROW or CURRENT_RANGE."""
        return self._to(OverWindowPartitionedOrderedPreceding, following=following)


class OverWindowPartitionedOrdered(_Window):
    def alias(self, alias: str) -> OverWindow:
        """Names the window (preceding UNBOUNDED_RANGE)."""
        return self._to(OverWindow, alias=alias)

    def preceding(self, preceding: Any) -> OverWindowPartitionedOrderedPreceding:
        """The start of the frame: UNBOUNDED_RANGE, UNBOUNDED_ROW,
        CURRENT_ROW, CURRENT_RANGE, row_interval(n) or a time interval."""
        return self._to(OverWindowPartitionedOrderedPreceding, preceding=preceding)


class OverWindowPartitioned(_Window):
    def order_by(self, order_by: Any) -> OverWindowPartitionedOrdered:
        """The time attribute that orders the rows of a partition."""
        return self._to(OverWindowPartitionedOrdered, order_by=order_by)


class Over:
    """Over windows: an aggregate for every row over its neighbours."""

    @classmethod
    def order_by(cls, order_by: Any) -> OverWindowPartitionedOrdered:
        return OverWindowPartitionedOrdered("Over", order_by=order_by)

    @classmethod
    def partition_by(cls, *partition_by: Any) -> OverWindowPartitioned:
        return OverWindowPartitioned("Over", partition_by=partition_by)


def _group_window(window: Any) -> GroupWindow:
    if isinstance(window, GroupWindow):
        return window
    if isinstance(window, _Window) and window.kind in ("Tumble", "Slide", "Session"):
        raise ValueError("the group window is not complete: define it as %s...on(time_field).alias(name)" % window.kind)
    raise TypeError("window takes a group window (Tumble, Slide or Session), not %s" % type(window).__name__)


def _over_window(window: Any) -> OverWindow:
    if isinstance(window, OverWindow):
        return window
    if isinstance(window, _Window) and window.kind == "Over":
        raise ValueError("the over window is not complete: define it as Over.partition_by(...).order_by(time_field)...alias(name)")
    raise TypeError("over_window takes over windows (Over...alias(name)), not %s" % type(window).__name__)


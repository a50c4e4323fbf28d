"""``pyflink.table.window``: the group and over window builders. The
Table API's ``Table.window`` and ``Table.over_window`` are not built yet
and raise NotImplementedError (SQL's window functions run); the builders
exist so that scripts importing them load and fail where a window is
used."""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["Tumble", "Slide", "Session", "Over", "GroupWindow", "OverWindow"]


class GroupWindow:
    def __init__(self, kind: str, **parts: Any) -> None:
        self.kind = kind
        self.parts = dict(parts)

    def _with(self, **parts: Any) -> "GroupWindow":
        return GroupWindow(self.kind, **{**self.parts, **parts})

    def over(self, size: Any) -> "GroupWindow":
        return self._with(size=size)

    def every(self, slide: Any) -> "GroupWindow":
        return self._with(slide=slide)

    def with_gap(self, gap: Any) -> "GroupWindow":
        return self._with(gap=gap)

    def on(self, time_field: Any) -> "GroupWindow":
        return self._with(on=time_field)

    def alias(self, alias: str) -> "GroupWindow":
        return self._with(alias=alias)

    def __repr__(self) -> str:
        return "%s(%s)" % (self.kind, ", ".join("%s=%s" % kv for kv in sorted(self.parts.items())))


class Tumble:
    @staticmethod
    def over(size: Any) -> GroupWindow:
        return GroupWindow("Tumble", size=size)


class Slide:
    @staticmethod
    def over(size: Any) -> GroupWindow:
        return GroupWindow("Slide", size=size)


class Session:
    @staticmethod
    def with_gap(gap: Any) -> GroupWindow:
        return GroupWindow("Session", gap=gap)


class OverWindow(GroupWindow):
    def partition_by(self, *fields: Any) -> "OverWindow":
        return OverWindow(self.kind, **{**self.parts, "partition_by": fields})

    def order_by(self, field: Any) -> "OverWindow":
        return OverWindow(self.kind, **{**self.parts, "order_by": field})

    def preceding(self, preceding: Any) -> "OverWindow":
        return OverWindow(self.kind, **{**self.parts, "preceding": preceding})

    def following(self, following: Any) -> "OverWindow":
        return OverWindow(self.kind, **{**self.parts, "following": following})

    def alias(self, alias: str) -> "OverWindow":
        return OverWindow(self.kind, **{**self.parts, "alias": alias})


class Over:
    @staticmethod
    def partition_by(*fields: Any) -> OverWindow:
        return OverWindow("Over", partition_by=fields)

    @staticmethod
    def order_by(field: Any) -> OverWindow:
        return OverWindow("Over", order_by=field)

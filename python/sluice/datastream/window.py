"""``pyflink.datastream.window``: windows (TimeWindow, CountWindow,
GlobalWindow) with their serializers, triggers and window assigners.
These are plain Python values and interfaces, usable and testable as
such; running them on a stream needs the DataStream API, which Sluice
does not run yet (StreamExecutionEnvironment says so when a DataStream
program is built)."""
from __future__ import annotations

import struct
from abc import ABC, abstractmethod
from enum import Enum
from io import BytesIO
from typing import Any, Collection, Generic, Iterable, TypeVar

from sluice.common.serializer import TypeSerializer
from sluice.common.time import Duration, Time

__all__ = [
    "Window", "TimeWindow", "CountWindow", "GlobalWindow", "TimeWindowSerializer", "CountWindowSerializer",
    "GlobalWindowSerializer", "TriggerResult", "Trigger", "WindowAssigner", "MergingWindowAssigner",
    "SessionWindowTimeGapExtractor", "EventTimeTrigger", "ProcessingTimeTrigger", "CountTrigger", "PurgingTrigger",
    "NeverTrigger", "TumblingEventTimeWindows", "TumblingProcessingTimeWindows", "SlidingEventTimeWindows",
    "SlidingProcessingTimeWindows", "EventTimeSessionWindows", "ProcessingTimeSessionWindows", "GlobalWindows",
    "CountTumblingWindowAssigner", "CountSlidingWindowAssigner",
]

MAX_LONG_VALUE = 0x7fffffffffffffff
MIN_LONG_VALUE = -MAX_LONG_VALUE - 1

T = TypeVar("T")
W = TypeVar("W")
W2 = TypeVar("W2")


def _mod_inverse(x: int) -> int:
    inverse = x * x * x
    for _ in range(3):
        inverse *= 2 - x * inverse
    return inverse


def _bit_mix(x: int) -> int:
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
    x = (x ^ (x >> 27)) * 0x94d049bb133111eb
    return x ^ (x >> 31)


def _millis(size: Any) -> int:
    if isinstance(size, Time):
        return size.to_milliseconds()
    if isinstance(size, Duration):
        return size.to_milliseconds()
    return int(size)


class Window(ABC):
    """A finite bucket of elements, with a maximum timestamp."""

    @abstractmethod
    def max_timestamp(self) -> int:
        pass


class TimeWindow(Window):
    """The time interval [start, end) in milliseconds."""

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end

    def max_timestamp(self) -> int:
        return self.end - 1

    def intersects(self, other: "TimeWindow") -> bool:
        return self.start <= other.end and self.end >= other.start

    def cover(self, other: "TimeWindow") -> "TimeWindow":
        return TimeWindow(min(self.start, other.start), max(self.end, other.end))

    @staticmethod
    def get_window_start_with_offset(timestamp: int, offset: int, window_size: int) -> int:
        return timestamp - (timestamp - offset + window_size) % window_size

    @staticmethod
    def merge_windows(windows: Iterable["TimeWindow"], callback: "MergingWindowAssigner.MergeCallback") -> None:
        """Merges overlapping windows: ``callback.merge(windows, cover)`` for
        each group of more than one."""
        groups = []
        for w in sorted(windows):
            if groups and groups[-1][0].intersects(w):
                groups[-1][0] = groups[-1][0].cover(w)
                groups[-1][1].add(w)
            else:
                groups.append([w, {w}])
        for cover, members in groups:
            if len(members) > 1:
                callback.merge(members, cover)

    def __hash__(self) -> int:
        return self.start + _mod_inverse((self.end << 1) + 1)

    def __eq__(self, other: Any) -> bool:
        return self.__class__ == other.__class__ and self.end == other.end and self.start == other.start

    def __lt__(self, other: "TimeWindow") -> bool:
        if not isinstance(other, TimeWindow):
            raise Exception("Does not support comparison with non-TimeWindow %s" % other)
        return self.start == other.start and self.end < other.end or self.start < other.start

    def __le__(self, other: "TimeWindow") -> bool:
        return self.__eq__(other) or self.__lt__(other)

    def __repr__(self) -> str:
        return "TimeWindow(start=%s, end=%s)" % (self.start, self.end)


class CountWindow(Window):
    """A count window, identified by its id."""

    def __init__(self, id: int) -> None:
        self.id = id

    def max_timestamp(self) -> int:
        return MAX_LONG_VALUE

    def __hash__(self) -> int:
        return _bit_mix(self.id)

    def __eq__(self, other: Any) -> bool:
        return self.__class__ == other.__class__ and self.id == other.id

    def __repr__(self) -> str:
        return "CountWindow(id=%s)" % self.id


class GlobalWindow(Window):
    """The one window of GlobalWindows."""

    @staticmethod
    def get() -> "GlobalWindow":
        return GlobalWindow()

    def max_timestamp(self) -> int:
        return MAX_LONG_VALUE

    def __eq__(self, other: Any) -> bool:
        return self.__class__ == other.__class__

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "GlobalWindow"


class TimeWindowSerializer(TypeSerializer[TimeWindow]):
    """TimeWindow as two big-endian 64-bit integers (start, end), as Flink."""

    def serialize(self, element: TimeWindow, stream: BytesIO) -> None:
        stream.write(struct.pack(">qq", element.start, element.end))

    def deserialize(self, stream: BytesIO) -> TimeWindow:
        return TimeWindow(*struct.unpack(">qq", stream.read(16)))


class CountWindowSerializer(TypeSerializer[CountWindow]):
    """CountWindow as a big-endian 64-bit id."""

    def serialize(self, element: CountWindow, stream: BytesIO) -> None:
        stream.write(struct.pack(">q", element.id))

    def deserialize(self, stream: BytesIO) -> CountWindow:
        return CountWindow(struct.unpack(">q", stream.read(8))[0])


class GlobalWindowSerializer(TypeSerializer[GlobalWindow]):
    """GlobalWindow as one zero byte."""

    def serialize(self, element: GlobalWindow, stream: BytesIO) -> None:
        stream.write(b"\x00")

    def deserialize(self, stream: BytesIO) -> GlobalWindow:
        stream.read(1)
        return GlobalWindow()


class TriggerResult(Enum):
    """What a trigger decides for a window: (fire, purge)."""
    CONTINUE = (False, False)
    FIRE_AND_PURGE = (True, True)
    FIRE = (True, False)
    PURGE = (False, True)

    def is_fire(self) -> bool:
        return self.value[0]

    def is_purge(self) -> bool:
        return self.value[1]


class Trigger(ABC, Generic[T, W]):
    """Decides when a window is evaluated or purged."""

    class TriggerContext(ABC):
        @abstractmethod
        def get_current_processing_time(self) -> int:
            pass

        @abstractmethod
        def get_metric_group(self) -> Any:
            pass

        @abstractmethod
        def get_current_watermark(self) -> int:
            pass

        @abstractmethod
        def register_processing_time_timer(self, time: int) -> None:
            pass

        @abstractmethod
        def register_event_time_timer(self, time: int) -> None:
            pass

        @abstractmethod
        def delete_processing_time_timer(self, time: int) -> None:
            pass

        @abstractmethod
        def delete_event_time_timer(self, time: int) -> None:
            pass

        @abstractmethod
        def get_partitioned_state(self, state_descriptor: Any) -> Any:
            pass

    class OnMergeContext(TriggerContext):
        @abstractmethod
        def merge_partitioned_state(self, state_descriptor: Any) -> None:
            pass

    @abstractmethod
    def on_element(self, element: T, timestamp: int, window: W, ctx: "Trigger.TriggerContext") -> TriggerResult:
        pass

    @abstractmethod
    def on_processing_time(self, time: int, window: W, ctx: "Trigger.TriggerContext") -> TriggerResult:
        pass

    @abstractmethod
    def on_event_time(self, time: int, window: W, ctx: "Trigger.TriggerContext") -> TriggerResult:
        pass

    def can_merge(self) -> bool:
        return False

    def on_merge(self, window: W, ctx: "Trigger.OnMergeContext") -> None:
        pass

    @abstractmethod
    def clear(self, window: W, ctx: "Trigger.TriggerContext") -> None:
        pass


class WindowAssigner(ABC, Generic[T, W]):
    """Assigns elements to windows."""

    class WindowAssignerContext(ABC):
        @abstractmethod
        def get_current_processing_time(self) -> int:
            pass

        @abstractmethod
        def get_runtime_context(self) -> Any:
            pass

    @abstractmethod
    def assign_windows(self, element: T, timestamp: int, context: "WindowAssigner.WindowAssignerContext") -> Collection[W]:
        pass

    @abstractmethod
    def get_default_trigger(self, env: Any) -> Trigger[T, W]:
        pass

    @abstractmethod
    def get_window_serializer(self) -> TypeSerializer[W]:
        pass

    @abstractmethod
    def is_event_time(self) -> bool:
        pass


class MergingWindowAssigner(WindowAssigner[T, W]):
    """A WindowAssigner whose windows can merge (sessions)."""

    class MergeCallback(ABC, Generic[W2]):
        @abstractmethod
        def merge(self, to_be_merged: Iterable[W2], merge_result: W2) -> None:
            pass

    @abstractmethod
    def merge_windows(self, windows: Iterable[W], callback: "MergingWindowAssigner.MergeCallback[W]") -> None:
        pass


class SessionWindowTimeGapExtractor(ABC):
    """The session gap of an element (dynamic session windows)."""

    @abstractmethod
    def extract(self, element: Any) -> int:
        pass


# -- built-in triggers -------------------------------------------------------
class EventTimeTrigger(Trigger[T, TimeWindow]):
    """Fires once the watermark passes the window's end."""

    def on_element(self, element: T, timestamp: int, window: TimeWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        if window.max_timestamp() <= ctx.get_current_watermark():
            return TriggerResult.FIRE
        ctx.register_event_time_timer(window.max_timestamp())
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: TimeWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: TimeWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.FIRE if time == window.max_timestamp() else TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: TimeWindow, ctx: Trigger.OnMergeContext) -> None:
        if window.max_timestamp() > ctx.get_current_watermark():
            ctx.register_event_time_timer(window.max_timestamp())

    def clear(self, window: TimeWindow, ctx: Trigger.TriggerContext) -> None:
        ctx.delete_event_time_timer(window.max_timestamp())

    @staticmethod
    def create() -> "EventTimeTrigger":
        return EventTimeTrigger()


class ProcessingTimeTrigger(Trigger[T, TimeWindow]):
    """Fires once processing time passes the window's end."""

    def on_element(self, element: T, timestamp: int, window: TimeWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        ctx.register_processing_time_timer(window.max_timestamp())
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: TimeWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.FIRE

    def on_event_time(self, time: int, window: TimeWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: TimeWindow, ctx: Trigger.OnMergeContext) -> None:
        if window.max_timestamp() > ctx.get_current_processing_time():
            ctx.register_processing_time_timer(window.max_timestamp())

    def clear(self, window: TimeWindow, ctx: Trigger.TriggerContext) -> None:
        ctx.delete_processing_time_timer(window.max_timestamp())

    @staticmethod
    def create() -> "ProcessingTimeTrigger":
        return ProcessingTimeTrigger()


class CountTrigger(Trigger[T, CountWindow]):
    """Fires when a window holds ``window_size`` elements (the count is
    kept per window in the trigger's state, here a dict)."""

    def __init__(self, window_size: int) -> None:
        self._window_size = int(window_size)
        self._counts: dict = {}

    @staticmethod
    def of(window_size: int) -> "CountTrigger":
        return CountTrigger(window_size)

    def on_element(self, element: T, timestamp: int, window: CountWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        n = self._counts.get(window, 0) + 1
        if n >= self._window_size:
            self._counts.pop(window, None)
            return TriggerResult.FIRE
        self._counts[window] = n
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: CountWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: CountWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def clear(self, window: CountWindow, ctx: Trigger.TriggerContext) -> None:
        self._counts.pop(window, None)


class PurgingTrigger(Trigger[T, Window]):
    """Turns another trigger's FIRE into FIRE_AND_PURGE."""

    def __init__(self, nested_trigger: Trigger) -> None:
        self._nested_trigger = nested_trigger

    @staticmethod
    def of(nested_trigger: Trigger) -> "PurgingTrigger":
        return PurgingTrigger(nested_trigger)

    @staticmethod
    def _purging(r: TriggerResult) -> TriggerResult:
        return TriggerResult.FIRE_AND_PURGE if r.is_fire() else r

    def on_element(self, element: T, timestamp: int, window: Window, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._purging(self._nested_trigger.on_element(element, timestamp, window, ctx))

    def on_processing_time(self, time: int, window: Window, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._purging(self._nested_trigger.on_processing_time(time, window, ctx))

    def on_event_time(self, time: int, window: Window, ctx: Trigger.TriggerContext) -> TriggerResult:
        return self._purging(self._nested_trigger.on_event_time(time, window, ctx))

    def can_merge(self) -> bool:
        return self._nested_trigger.can_merge()

    def on_merge(self, window: Window, ctx: Trigger.OnMergeContext) -> None:
        self._nested_trigger.on_merge(window, ctx)

    def clear(self, window: Window, ctx: Trigger.TriggerContext) -> None:
        self._nested_trigger.clear(window, ctx)


class NeverTrigger(Trigger[T, GlobalWindow]):
    """Never fires (the default trigger of GlobalWindows)."""

    def on_element(self, element: T, timestamp: int, window: GlobalWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: GlobalWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: GlobalWindow, ctx: Trigger.TriggerContext) -> TriggerResult:
        return TriggerResult.CONTINUE

    def clear(self, window: GlobalWindow, ctx: Trigger.TriggerContext) -> None:
        pass


# -- built-in window assigners -----------------------------------------------
class _Tumbling(WindowAssigner[T, TimeWindow]):
    _event_time = True

    def __init__(self, size: int, offset: int = 0) -> None:
        if size <= 0 or abs(offset) >= size:
            raise ValueError("%s parameters must satisfy abs(offset) < size" % type(self).__name__)
        self._size, self._offset = size, offset

    @classmethod
    def of(cls, size: Any, offset: Any = 0) -> Any:
        return cls(_millis(size), _millis(offset))

    def assign_windows(self, element: T, timestamp: int, context: Any) -> Collection[TimeWindow]:
        if not self._event_time:
            timestamp = context.get_current_processing_time()
        elif timestamp <= MIN_LONG_VALUE:
            raise Exception("Record has Long.MIN_VALUE timestamp (= no timestamp marker). Is the time characteristic"
                            " set to 'ProcessingTime', or did you forget to call 'assign_timestamps_and_watermarks'?")
        start = TimeWindow.get_window_start_with_offset(timestamp, self._offset, self._size)
        return [TimeWindow(start, start + self._size)]

    def get_default_trigger(self, env: Any) -> Trigger:
        return EventTimeTrigger() if self._event_time else ProcessingTimeTrigger()

    def get_window_serializer(self) -> TypeSerializer:
        return TimeWindowSerializer()

    def is_event_time(self) -> bool:
        return self._event_time

    def __repr__(self) -> str:
        return "%s(%s, %s)" % (type(self).__name__, self._size, self._offset)


class TumblingEventTimeWindows(_Tumbling):
    """Fixed, non-overlapping event-time windows of ``size``."""
    _event_time = True


class TumblingProcessingTimeWindows(_Tumbling):
    """Fixed, non-overlapping processing-time windows of ``size``."""
    _event_time = False


class _Sliding(WindowAssigner[T, TimeWindow]):
    _event_time = True

    def __init__(self, size: int, slide: int, offset: int = 0) -> None:
        if abs(offset) >= slide or size <= 0:
            raise ValueError("%s parameters must satisfy abs(offset) < slide and size > 0" % type(self).__name__)
        self._size, self._slide, self._offset = size, slide, offset

    @classmethod
    def of(cls, size: Any, slide: Any, offset: Any = 0) -> Any:
        return cls(_millis(size), _millis(slide), _millis(offset))

    def assign_windows(self, element: T, timestamp: int, context: Any) -> Collection[TimeWindow]:
        if not self._event_time:
            timestamp = context.get_current_processing_time()
        last = TimeWindow.get_window_start_with_offset(timestamp, self._offset, self._slide)
        out = []
        start = last
        while start > timestamp - self._size:
            out.append(TimeWindow(start, start + self._size))
            start -= self._slide
        return out

    get_default_trigger = _Tumbling.get_default_trigger
    get_window_serializer = _Tumbling.get_window_serializer
    is_event_time = _Tumbling.is_event_time

    def __repr__(self) -> str:
        return "%s(%s, %s, %s)" % (type(self).__name__, self._size, self._slide, self._offset)


class SlidingEventTimeWindows(_Sliding):
    """Event-time windows of ``size`` starting every ``slide``."""
    _event_time = True


class SlidingProcessingTimeWindows(_Sliding):
    """Processing-time windows of ``size`` starting every ``slide``."""
    _event_time = False


class _Session(MergingWindowAssigner[T, TimeWindow]):
    _event_time = True

    def __init__(self, session_gap: int) -> None:
        if session_gap <= 0:
            raise ValueError("%s parameters must satisfy 0 < size" % type(self).__name__)
        self._session_gap = session_gap

    @classmethod
    def with_gap(cls, size: Any) -> Any:
        return cls(_millis(size))

    def assign_windows(self, element: T, timestamp: int, context: Any) -> Collection[TimeWindow]:
        if not self._event_time:
            timestamp = context.get_current_processing_time()
        return [TimeWindow(timestamp, timestamp + self._session_gap)]

    def merge_windows(self, windows: Iterable[TimeWindow], callback: Any) -> None:
        TimeWindow.merge_windows(windows, callback)

    get_default_trigger = _Tumbling.get_default_trigger
    get_window_serializer = _Tumbling.get_window_serializer
    is_event_time = _Tumbling.is_event_time

    def __repr__(self) -> str:
        return "%s(%s)" % (type(self).__name__, self._session_gap)


class EventTimeSessionWindows(_Session):
    """Event-time sessions closed by a gap of inactivity."""
    _event_time = True


class ProcessingTimeSessionWindows(_Session):
    """Processing-time sessions closed by a gap of inactivity."""
    _event_time = False


class GlobalWindows(WindowAssigner[T, GlobalWindow]):
    """Every element in the one GlobalWindow (needs a custom trigger)."""

    @staticmethod
    def create() -> "GlobalWindows":
        return GlobalWindows()

    def assign_windows(self, element: T, timestamp: int, context: Any) -> Collection[GlobalWindow]:
        return [GlobalWindow.get()]

    def get_default_trigger(self, env: Any) -> Trigger:
        return NeverTrigger()

    def get_window_serializer(self) -> TypeSerializer:
        return GlobalWindowSerializer()

    def is_event_time(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "GlobalWindows()"


class CountTumblingWindowAssigner(WindowAssigner[T, CountWindow]):
    """Count windows of ``window_size`` elements (per key)."""

    def __init__(self, window_size: int) -> None:
        if window_size <= 0:
            raise ValueError("count window size must be positive")
        self._window_size = window_size
        self._counts: dict = {}

    @staticmethod
    def of(window_size: int) -> "CountTumblingWindowAssigner":
        return CountTumblingWindowAssigner(window_size)

    def assign_windows(self, element: T, timestamp: int, context: Any) -> Collection[CountWindow]:
        n = self._counts.get(None, 0)
        self._counts[None] = n + 1
        return [CountWindow(n // self._window_size)]

    def get_default_trigger(self, env: Any) -> Trigger:
        return PurgingTrigger.of(CountTrigger.of(self._window_size))

    def __repr__(self) -> str:
        return "CountTumblingWindowAssigner(%s)" % self._window_size

    def get_window_serializer(self) -> TypeSerializer:
        return CountWindowSerializer()

    def is_event_time(self) -> bool:
        return False


class CountSlidingWindowAssigner(WindowAssigner[T, CountWindow]):
    """Count windows of ``window_size`` elements starting every
    ``window_slide`` elements (per key)."""

    def __init__(self, window_size: int, window_slide: int) -> None:
        if window_size <= 0 or window_slide <= 0:
            raise ValueError("count window size and slide must be positive")
        self._window_size, self._window_slide = window_size, window_slide
        self._count = 0

    @staticmethod
    def of(window_size: int, window_slide: int) -> "CountSlidingWindowAssigner":
        return CountSlidingWindowAssigner(window_size, window_slide)

    def assign_windows(self, element: T, timestamp: int, context: Any) -> Collection[CountWindow]:
        count = self._count
        self._count += 1
        last_id = count // self._window_slide
        last_start = last_id * self._window_slide
        out = []
        wid, start = last_id, last_start
        while wid >= 0 and start + self._window_size > count:
            out.append(CountWindow(wid))
            wid -= 1
            start -= self._window_slide
        return out

    def get_default_trigger(self, env: Any) -> Trigger:
        return CountTrigger.of(self._window_slide)

    def __repr__(self) -> str:
        return "CountSlidingWindowAssigner(%s, %s)" % (self._window_size, self._window_slide)

    def get_window_serializer(self) -> TypeSerializer:
        return CountWindowSerializer()

    def is_event_time(self) -> bool:
        return False

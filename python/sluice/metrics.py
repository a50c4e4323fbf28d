"""Metrics that user functions register through ``FunctionContext``;
the job's metrics output reads them with ``snapshot``."""
from __future__ import annotations

import threading
import time
from typing import Callable, Dict, List, Tuple

_lock = threading.Lock()
_registry: Dict[Tuple[str, ...], "Metric"] = {}


class Metric:
    kind = ""

    def value(self) -> object:
        raise NotImplementedError


class Counter(Metric):
    kind = "counter"

    def __init__(self) -> None:
        self._count = 0

    def inc(self, n: int = 1) -> None:
        self._count += n

    def dec(self, n: int = 1) -> None:
        self._count -= n

    def get_count(self) -> int:
        return self._count

    def value(self) -> object:
        return self._count


class Gauge(Metric):
    kind = "gauge"

    def __init__(self, obj: Callable[[], int]) -> None:
        self._obj = obj

    def value(self) -> object:
        return self._obj()


class Meter(Metric):
    kind = "meter"

    def __init__(self, time_span_in_seconds: int = 60) -> None:
        self._span = time_span_in_seconds
        self._events: List[Tuple[float, int]] = []
        self._count = 0

    def mark_event(self, value: int = 1) -> None:
        now = time.monotonic()
        self._count += value
        self._events.append((now, value))
        cut = now - self._span
        while self._events and self._events[0][0] < cut:
            self._events.pop(0)

    def get_count(self) -> int:
        return self._count

    def get_rate(self) -> float:
        if not self._events:
            return 0.0
        return sum(v for _, v in self._events) / float(self._span)

    def value(self) -> object:
        return {"count": self._count, "rate": self.get_rate()}


class Distribution(Metric):
    kind = "distribution"

    def __init__(self) -> None:
        self._count = 0
        self._sum = 0
        self._min = None
        self._max = None

    def update(self, value: int) -> None:
        self._count += 1
        self._sum += value
        self._min = value if self._min is None else min(self._min, value)
        self._max = value if self._max is None else max(self._max, value)

    def value(self) -> object:
        mean = self._sum / self._count if self._count else 0.0
        return {"count": self._count, "sum": self._sum, "min": self._min, "max": self._max, "mean": mean}


class MetricGroup:
    """A named scope of metrics, as ``pyflink.metrics.MetricGroup``."""

    def __init__(self, path: Tuple[str, ...]) -> None:
        self._path = path

    def add_group(self, name: str, extra: str = None) -> "MetricGroup":
        return MetricGroup(self._path + ((name,) if extra is None else (name, extra)))

    def _register(self, name: str, metric: Metric) -> Metric:
        with _lock:
            key = self._path + (name,)
            existing = _registry.get(key)
            if existing is not None and type(existing) is type(metric) and not isinstance(metric, Gauge):
                return existing
            _registry[key] = metric
            return metric

    def counter(self, name: str) -> Counter:
        return self._register(name, Counter())  # type: ignore[return-value]

    def gauge(self, name: str, obj: Callable[[], int]) -> Gauge:
        return self._register(name, Gauge(obj))  # type: ignore[return-value]

    def meter(self, name: str, time_span_in_seconds: int = 60) -> Meter:
        return self._register(name, Meter(time_span_in_seconds))  # type: ignore[return-value]

    def distribution(self, name: str) -> Distribution:
        return self._register(name, Distribution())  # type: ignore[return-value]


def snapshot() -> List[Tuple[str, str, object]]:
    """Every registered metric as (dotted name, kind, value)."""
    with _lock:
        items = list(_registry.items())
    return [(".".join(k), m.kind, m.value()) for k, m in sorted(items)]

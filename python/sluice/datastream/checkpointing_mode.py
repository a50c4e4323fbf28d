"""``CheckpointingMode``, ``TimeCharacteristic`` and
``RuntimeExecutionMode``, as PyFlink's enums."""
from __future__ import annotations

from enum import Enum

__all__ = ["CheckpointingMode", "TimeCharacteristic", "RuntimeExecutionMode"]


class CheckpointingMode(Enum):
    EXACTLY_ONCE = 0
    AT_LEAST_ONCE = 1


class TimeCharacteristic(Enum):
    """Flink 1.x's stream time (removed in Flink 2): event time comes from
    watermarks declared on tables, so this is recorded only."""

    ProcessingTime = 0
    IngestionTime = 1
    EventTime = 2


class RuntimeExecutionMode(Enum):
    STREAMING = 0
    BATCH = 1
    AUTOMATIC = 2

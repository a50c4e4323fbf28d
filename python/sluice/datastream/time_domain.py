"""``pyflink.datastream.time_domain``: TimeDomain."""
from enum import Enum

__all__ = ["TimeDomain"]


class TimeDomain(Enum):
    """Whether a timer fired on event time or processing time."""
    EVENT_TIME = 0
    PROCESSING_TIME = 1

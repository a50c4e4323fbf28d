"""``pyflink.datastream.timerservice``: TimerService, the interface
process functions get timers from."""
from abc import ABC, abstractmethod

__all__ = ["TimerService"]


class TimerService(ABC):
    @abstractmethod
    def current_processing_time(self) -> int:
        pass

    @abstractmethod
    def current_watermark(self) -> int:
        pass

    @abstractmethod
    def register_processing_time_timer(self, timestamp: int) -> None:
        pass

    @abstractmethod
    def register_event_time_timer(self, timestamp: int) -> None:
        pass

    def delete_processing_time_timer(self, timestamp: int) -> None:
        raise NotImplementedError

    def delete_event_time_timer(self, timestamp: int) -> None:
        raise NotImplementedError

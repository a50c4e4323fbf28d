"""``pyflink.common.restart_strategy``: restart strategy configurations
(recorded: Sluice restarts no failed job yet)."""
from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import Any, Union

__all__ = ["RestartStrategies", "RestartStrategyConfiguration", "InputDependencyConstraint"]


class RestartStrategyConfiguration(object):
    """The base of the restart strategy configurations."""

    _description = ""

    def get_description(self) -> str:
        return self._description

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(sorted(self.__dict__.items())))


def _delta(v: Union[int, timedelta]) -> timedelta:
    return v if isinstance(v, timedelta) else timedelta(milliseconds=v)


class RestartStrategies(object):
    """Factories of the restart strategy configurations."""

    class NoRestartStrategyConfiguration(RestartStrategyConfiguration):
        _description = "Restart deactivated."

    class FixedDelayRestartStrategyConfiguration(RestartStrategyConfiguration):
        def __init__(self, restart_attempts: int, delay_between_attempts_interval: Union[int, timedelta]) -> None:
            self._restart_attempts = restart_attempts
            self._delay = _delta(delay_between_attempts_interval)

        def get_restart_attempts(self) -> int:
            return self._restart_attempts

        def get_delay_between_attempts_interval(self) -> timedelta:
            return self._delay

        def get_description(self) -> str:
            return "Restart with fixed delay (%s). #%d restart attempts." % (self._delay, self._restart_attempts)

    class FailureRateRestartStrategyConfiguration(RestartStrategyConfiguration):
        def __init__(self, max_failure_rate: int, failure_interval: Union[int, timedelta],
                     delay_between_attempts_interval: Union[int, timedelta]) -> None:
            self._max_failure_rate = max_failure_rate
            self._failure_interval = _delta(failure_interval)
            self._delay = _delta(delay_between_attempts_interval)

        def get_max_failure_rate(self) -> int:
            return self._max_failure_rate

        def get_failure_interval(self) -> timedelta:
            return self._failure_interval

        def get_delay_between_attempts_interval(self) -> timedelta:
            return self._delay

    class FallbackRestartStrategyConfiguration(RestartStrategyConfiguration):
        _description = "Cluster level default restart strategy"

    @staticmethod
    def no_restart() -> "RestartStrategies.NoRestartStrategyConfiguration":
        return RestartStrategies.NoRestartStrategyConfiguration()

    @staticmethod
    def fall_back_restart() -> "RestartStrategies.FallbackRestartStrategyConfiguration":
        return RestartStrategies.FallbackRestartStrategyConfiguration()

    @staticmethod
    def fixed_delay_restart(restart_attempts: int, delay_between_attempts: int) -> Any:
        return RestartStrategies.FixedDelayRestartStrategyConfiguration(restart_attempts, delay_between_attempts)

    @staticmethod
    def failure_rate_restart(failure_rate: int, failure_interval: int, delay_interval: int) -> Any:
        return RestartStrategies.FailureRateRestartStrategyConfiguration(failure_rate, failure_interval, delay_interval)


class InputDependencyConstraint(Enum):
    """When a task with several inputs may be scheduled (Flink 1.x)."""
    ANY = 0
    ALL = 1

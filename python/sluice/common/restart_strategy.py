"""``pyflink.common.restart_strategy``: restart strategy configurations.
``set_restart_strategy`` (on the StreamExecutionEnvironment or its
ExecutionConfig) turns one into Flink's ``restart-strategy.*`` options,
which the engine follows when a task fails in a job with checkpoints: it
restarts the job from its last completed checkpoint (``no_restart``: the
job fails; ``fixed_delay_restart``: up to N times with a delay;
``exponential_delay_restart``: with a growing delay). The failure-rate
strategy is not built: setting it raises. ``fall_back_restart`` removes the
options, so the configured default applies."""
from __future__ import annotations

from datetime import timedelta
from enum import Enum
from typing import Any, Dict, Union

__all__ = ["RestartStrategies", "RestartStrategyConfiguration", "InputDependencyConstraint"]


_TYPE = "restart-strategy.type"


class RestartStrategyConfiguration(object):
    """The base of the restart strategy configurations."""

    _description = ""

    def _sluice_config(self) -> Dict[str, str]:
        """The restart-strategy.* options this configuration stands for."""
        raise NotImplementedError("%s is not supported by Sluice: restart strategies are none, fixed-delay and "
                                  "exponential-delay" % type(self).__name__)

    def get_description(self) -> str:
        return self._description

    def __eq__(self, other: Any) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(sorted(self.__dict__.items())))


def _delta(v: Union[int, timedelta]) -> timedelta:
    if not isinstance(v, (int, timedelta)) or isinstance(v, bool):
        raise TypeError("a delay is an integer of milliseconds or a datetime.timedelta, not %s" % type(v))
    return v if isinstance(v, timedelta) else timedelta(milliseconds=v)


def _ms(d: timedelta) -> str:
    return "%d ms" % int(round(d.total_seconds() * 1000))


class RestartStrategies(object):
    """Factories of the restart strategy configurations."""

    class NoRestartStrategyConfiguration(RestartStrategyConfiguration):
        _description = "Restart deactivated."

        def _sluice_config(self) -> Dict[str, str]:
            return {_TYPE: "none"}

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

        def _sluice_config(self) -> Dict[str, str]:
            return {_TYPE: "fixed-delay", "restart-strategy.fixed-delay.attempts": str(int(self._restart_attempts)),
                    "restart-strategy.fixed-delay.delay": _ms(self._delay)}

    class ExponentialDelayRestartStrategyConfiguration(RestartStrategyConfiguration):
        """Restarts with a delay that starts at ``initial_backoff`` and is
        multiplied by ``backoff_multiplier`` after every failure, up to
        ``max_backoff``; after ``reset_backoff_threshold`` without a
        failure it starts over. ``jitter_factor`` spreads the delay by up to
        that fraction either way."""

        def __init__(self, initial_backoff: Union[int, timedelta], max_backoff: Union[int, timedelta],
                     backoff_multiplier: float, reset_backoff_threshold: Union[int, timedelta],
                     jitter_factor: float) -> None:
            self._initial_backoff = _delta(initial_backoff)
            self._max_backoff = _delta(max_backoff)
            self._backoff_multiplier = float(backoff_multiplier)
            self._reset_backoff_threshold = _delta(reset_backoff_threshold)
            self._jitter_factor = float(jitter_factor)
            if self._backoff_multiplier < 1:
                raise ValueError("backoff_multiplier must be at least 1, not %s" % backoff_multiplier)
            if not 0 <= self._jitter_factor <= 1:
                raise ValueError("jitter_factor must be between 0 and 1, not %s" % jitter_factor)

        def get_initial_backoff(self) -> timedelta:
            return self._initial_backoff

        def get_max_backoff(self) -> timedelta:
            return self._max_backoff

        def get_backoff_multiplier(self) -> float:
            return self._backoff_multiplier

        def get_reset_backoff_threshold(self) -> timedelta:
            return self._reset_backoff_threshold

        def get_jitter_factor(self) -> float:
            return self._jitter_factor

        def get_description(self) -> str:
            return ("Restart with exponential backoff delay: initial %s, max %s, multiplier %s, reset after %s, "
                    "jitter %s." % (self._initial_backoff, self._max_backoff, self._backoff_multiplier,
                                    self._reset_backoff_threshold, self._jitter_factor))

        def _sluice_config(self) -> Dict[str, str]:
            p = "restart-strategy.exponential-delay."
            return {_TYPE: "exponential-delay", p + "initial-backoff": _ms(self._initial_backoff),
                    p + "max-backoff": _ms(self._max_backoff), p + "backoff-multiplier": repr(self._backoff_multiplier),
                    p + "reset-backoff-threshold": _ms(self._reset_backoff_threshold),
                    p + "jitter-factor": repr(self._jitter_factor)}

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
    def exponential_delay_restart(initial_backoff: Union[int, timedelta], max_backoff: Union[int, timedelta],
                                  backoff_multiplier: float, reset_backoff_threshold: Union[int, timedelta],
                                  jitter_factor: float) -> Any:
        """Java's RestartStrategies.exponentialDelayRestart; durations in
        milliseconds or as timedelta."""
        return RestartStrategies.ExponentialDelayRestartStrategyConfiguration(
            initial_backoff, max_backoff, backoff_multiplier, reset_backoff_threshold, jitter_factor)

    @staticmethod
    def failure_rate_restart(failure_rate: int, failure_interval: int, delay_interval: int) -> Any:
        return RestartStrategies.FailureRateRestartStrategyConfiguration(failure_rate, failure_interval, delay_interval)


def _apply(config: Any, strategy: RestartStrategyConfiguration) -> None:
    """Writes the strategy's options into a Configuration, replacing any
    restart-strategy.* option set before; the fall-back strategy leaves
    none, so the default configured elsewhere applies."""
    if not isinstance(strategy, RestartStrategyConfiguration):
        raise TypeError("set_restart_strategy takes a RestartStrategies configuration, not %r" % (strategy,))
    values = {} if isinstance(strategy, RestartStrategies.FallbackRestartStrategyConfiguration) else strategy._sluice_config()
    for k in [k for k in config.key_set() if k.startswith("restart-strategy.")]:
        config.remove_config(k)
    for k, v in values.items():
        config.set_string(k, v)


class InputDependencyConstraint(Enum):
    """When a task with several inputs may be scheduled (Flink 1.x)."""
    ANY = 0
    ALL = 1

"""``CheckpointConfig``, as PyFlink's, over the ``execution.checkpointing.*``
keys of the environment's configuration.

The engine does not take checkpoints yet: the settings are recorded (so
programs that set and read them run, and the values reach the table
environment's configuration), and enabling checkpointing prints one
warning saying jobs run without them."""
from __future__ import annotations

from enum import Enum
from typing import Optional

from sluice.common import Configuration
from sluice.datastream.checkpointing_mode import CheckpointingMode

__all__ = ["CheckpointConfig", "ExternalizedCheckpointCleanup", "ExternalizedCheckpointRetention"]

_INTERVAL = "execution.checkpointing.interval"
_MODE = "execution.checkpointing.mode"


class ExternalizedCheckpointRetention(Enum):
    DELETE_ON_CANCELLATION = 0
    RETAIN_ON_CANCELLATION = 1
    NO_EXTERNALIZED_CHECKPOINTS = 2


# The name Flink 1.x used.
ExternalizedCheckpointCleanup = ExternalizedCheckpointRetention


def _ms(config: Configuration, key: str, default: int) -> int:
    from sluice.table.table_config import _parse_duration_ms
    v = config.get_string(key, "")
    return _parse_duration_ms(v) if v else default


class CheckpointConfig:
    DEFAULT_MODE = CheckpointingMode.EXACTLY_ONCE
    DEFAULT_TIMEOUT = 10 * 60 * 1000
    DEFAULT_MIN_PAUSE_BETWEEN_CHECKPOINTS = 0
    DEFAULT_MAX_CONCURRENT_CHECKPOINTS = 1

    def __init__(self, config: Configuration) -> None:
        self._config = config

    def is_checkpointing_enabled(self) -> bool:
        return self.get_checkpoint_interval() > 0

    def get_checkpointing_mode(self) -> CheckpointingMode:
        """The configured mode; EXACTLY_ONCE when checkpointing is enabled
        without one, AT_LEAST_ONCE when disabled (as Flink 2 reports)."""
        v = self._config.get_string(_MODE, "")
        if v:
            return CheckpointingMode[v.upper()]
        return CheckpointingMode.EXACTLY_ONCE if self.is_checkpointing_enabled() else CheckpointingMode.AT_LEAST_ONCE

    def set_checkpointing_mode(self, checkpointing_mode: CheckpointingMode) -> "CheckpointConfig":
        self._config.set_string(_MODE, checkpointing_mode.name)
        return self

    def get_checkpoint_interval(self) -> int:
        return _ms(self._config, _INTERVAL, -1)

    def set_checkpoint_interval(self, checkpoint_interval: int) -> "CheckpointConfig":
        if checkpoint_interval < 10:
            raise ValueError("Checkpoint interval must be larger than or equal to 10 ms")
        self._config.set_string(_INTERVAL, "%d ms" % checkpoint_interval)
        return self

    def get_checkpoint_timeout(self) -> int:
        return _ms(self._config, "execution.checkpointing.timeout", CheckpointConfig.DEFAULT_TIMEOUT)

    def set_checkpoint_timeout(self, checkpoint_timeout: int) -> "CheckpointConfig":
        if checkpoint_timeout < 1:
            raise ValueError("Checkpoint timeout must be larger than or equal to 1 ms")
        self._config.set_string("execution.checkpointing.timeout", "%d ms" % checkpoint_timeout)
        return self

    def get_min_pause_between_checkpoints(self) -> int:
        return _ms(self._config, "execution.checkpointing.min-pause", 0)

    def set_min_pause_between_checkpoints(self, min_pause_between_checkpoints: int) -> "CheckpointConfig":
        if min_pause_between_checkpoints < 0:
            raise ValueError("Pause value must be zero or positive")
        self._config.set_string("execution.checkpointing.min-pause", "%d ms" % min_pause_between_checkpoints)
        return self

    def get_max_concurrent_checkpoints(self) -> int:
        return self._config.get_integer("execution.checkpointing.max-concurrent-checkpoints", 1)

    def set_max_concurrent_checkpoints(self, max_concurrent_checkpoints: int) -> "CheckpointConfig":
        if max_concurrent_checkpoints < 1:
            raise ValueError("The maximum number of concurrent attempts must be at least one.")
        self._config.set_integer("execution.checkpointing.max-concurrent-checkpoints", max_concurrent_checkpoints)
        return self

    def is_fail_on_checkpointing_errors(self) -> bool:
        return self.get_tolerable_checkpoint_failure_number() == 0

    def set_fail_on_checkpointing_errors(self, fail_on_checkpointing_errors: bool) -> "CheckpointConfig":
        return self.set_tolerable_checkpoint_failure_number(0 if fail_on_checkpointing_errors else 2147483647)

    def get_tolerable_checkpoint_failure_number(self) -> int:
        return self._config.get_integer("execution.checkpointing.tolerable-failed-checkpoints", 0)

    def set_tolerable_checkpoint_failure_number(self, tolerable_checkpoint_failure_number: int) -> "CheckpointConfig":
        if tolerable_checkpoint_failure_number < 0:
            raise ValueError("The tolerable failure checkpoint number must be non-negative.")
        self._config.set_integer("execution.checkpointing.tolerable-failed-checkpoints", tolerable_checkpoint_failure_number)
        return self

    def enable_externalized_checkpoints(self, cleanup_mode: ExternalizedCheckpointRetention) -> "CheckpointConfig":
        return self.set_externalized_checkpoint_retention(cleanup_mode)

    def set_externalized_checkpoint_cleanup(self, cleanup_mode: ExternalizedCheckpointRetention) -> "CheckpointConfig":
        return self.set_externalized_checkpoint_retention(cleanup_mode)

    def set_externalized_checkpoint_retention(self, retention: ExternalizedCheckpointRetention) -> "CheckpointConfig":
        self._config.set_string("execution.checkpointing.externalized-checkpoint-retention", retention.name)
        return self

    def is_externalized_checkpoints_enabled(self) -> bool:
        r = self.get_externalized_checkpoint_retention()
        return r is not None and r is not ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS

    def get_externalized_checkpoint_retention(self) -> Optional[ExternalizedCheckpointRetention]:
        v = self._config.get_string("execution.checkpointing.externalized-checkpoint-retention", "")
        return ExternalizedCheckpointRetention[v] if v else ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS

    get_externalized_checkpoint_cleanup = get_externalized_checkpoint_retention

    def is_unaligned_checkpoints_enabled(self) -> bool:
        return self._config.get_boolean("execution.checkpointing.unaligned.enabled", False)

    def enable_unaligned_checkpoints(self, enabled: bool = True) -> "CheckpointConfig":
        self._config.set_boolean("execution.checkpointing.unaligned.enabled", enabled)
        return self

    def disable_unaligned_checkpoints(self) -> "CheckpointConfig":
        return self.enable_unaligned_checkpoints(False)

    def is_force_unaligned_checkpoints(self) -> bool:
        return self._config.get_boolean("execution.checkpointing.unaligned.forced", False)

    def set_force_unaligned_checkpoints(self, force_unaligned_checkpoints: bool = True) -> "CheckpointConfig":
        self._config.set_boolean("execution.checkpointing.unaligned.forced", force_unaligned_checkpoints)
        return self

    def get_aligned_checkpoint_timeout(self) -> int:
        return _ms(self._config, "execution.checkpointing.aligned-checkpoint-timeout", 0)

    def set_aligned_checkpoint_timeout(self, alignment_timeout: int) -> "CheckpointConfig":
        self._config.set_string("execution.checkpointing.aligned-checkpoint-timeout", "%d ms" % alignment_timeout)
        return self

    get_alignment_timeout = get_aligned_checkpoint_timeout
    set_alignment_timeout = set_aligned_checkpoint_timeout

"""``CheckpointConfig``, as PyFlink's, over the checkpoint keys of the
environment's configuration (Flink's option names, which the engine reads):
``execution.checkpointing.interval`` / ``.mode`` / ``.timeout`` /
``.min-pause`` / ``.max-concurrent-checkpoints`` /
``.tolerable-failed-checkpoints`` and ``state.checkpoints.dir``.

Where Sluice differs from Flink:

- one checkpoint at a time: ``set_max_concurrent_checkpoints`` takes 1 only;
- completed checkpoints are always kept on disk, the newest
  ``state.checkpoints.num-retained`` of them (default 1), whatever the job
  ends with: ``enable_externalized_checkpoints`` and
  ``set_externalized_checkpoint_cleanup`` are accepted and recorded, and
  change nothing (RETAIN_ON_CANCELLATION is what always happens);
- checkpoints are aligned (EXACTLY_ONCE) or not aligned at all
  (AT_LEAST_ONCE); unaligned checkpoints, Flink's way to let barriers
  overtake buffered rows under backpressure, are not built:
  ``enable_unaligned_checkpoints`` is accepted and recorded with one line on
  stderr, and checkpoints stay aligned (the same exactly-once guarantee;
  only the alignment can take longer under backpressure).
"""
from __future__ import annotations

import sys
from enum import Enum
from typing import Any, Optional

from sluice.common import Configuration
from sluice.datastream.checkpointing_mode import CheckpointingMode

__all__ = ["CheckpointConfig", "ExternalizedCheckpointCleanup", "ExternalizedCheckpointRetention"]

_INTERVAL = "execution.checkpointing.interval"
_MODE = "execution.checkpointing.mode"
_TIMEOUT = "execution.checkpointing.timeout"
_MIN_PAUSE = "execution.checkpointing.min-pause"
_MAX_CONCURRENT = "execution.checkpointing.max-concurrent-checkpoints"
_TOLERABLE = "execution.checkpointing.tolerable-failed-checkpoints"
_RETENTION = "execution.checkpointing.externalized-checkpoint-retention"
_UNALIGNED = "execution.checkpointing.unaligned.enabled"
_UNALIGNED_FORCED = "execution.checkpointing.unaligned.forced"
_CHECKPOINTS_DIR = "state.checkpoints.dir"


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


_warned_unaligned = False


def _warn_unaligned() -> None:
    global _warned_unaligned
    if not _warned_unaligned:
        _warned_unaligned = True
        print("sluice: unaligned checkpoints are not built; checkpoints stay aligned (the same exactly-once "
              "guarantee, alignment may take longer under backpressure)", file=sys.stderr)


class CheckpointConfig:
    DEFAULT_MODE = CheckpointingMode.EXACTLY_ONCE
    DEFAULT_TIMEOUT = 10 * 60 * 1000
    DEFAULT_MIN_PAUSE_BETWEEN_CHECKPOINTS = 0
    DEFAULT_MAX_CONCURRENT_CHECKPOINTS = 1
    # Flink's CheckpointConfig.MINIMAL_CHECKPOINT_TIME.
    MINIMAL_CHECKPOINT_TIME = 10

    def __init__(self, config: Configuration) -> None:
        self._config = config
        self._storage: Any = None

    def is_checkpointing_enabled(self) -> bool:
        return self.get_checkpoint_interval() > 0

    def get_checkpointing_mode(self) -> CheckpointingMode:
        """The configured mode; EXACTLY_ONCE when checkpointing is enabled
        without one, AT_LEAST_ONCE when disabled (as Flink 2 reports)."""
        v = self._config.get_string(_MODE, "")
        if v:
            return CheckpointingMode[v.strip().upper().replace("-", "_")]
        return CheckpointingMode.EXACTLY_ONCE if self.is_checkpointing_enabled() else CheckpointingMode.AT_LEAST_ONCE

    def set_checkpointing_mode(self, checkpointing_mode: CheckpointingMode) -> "CheckpointConfig":
        if not isinstance(checkpointing_mode, CheckpointingMode):
            raise TypeError("checkpointing_mode must be CheckpointingMode.EXACTLY_ONCE or AT_LEAST_ONCE, not %r"
                            % (checkpointing_mode,))
        self._config.set_string(_MODE, checkpointing_mode.name)
        return self

    get_checkpointing_consistency_mode = get_checkpointing_mode
    set_checkpointing_consistency_mode = set_checkpointing_mode

    def get_checkpoint_interval(self) -> int:
        """Milliseconds between checkpoints; -1 when checkpointing is off."""
        v = _ms(self._config, _INTERVAL, -1)
        return v if v > 0 else -1

    def set_checkpoint_interval(self, checkpoint_interval: int) -> "CheckpointConfig":
        """Turns checkpointing on, a checkpoint every ``checkpoint_interval``
        milliseconds (at least 10, as Flink)."""
        if checkpoint_interval < CheckpointConfig.MINIMAL_CHECKPOINT_TIME:
            raise ValueError("Checkpoint interval must be larger than or equal to %d ms"
                             % CheckpointConfig.MINIMAL_CHECKPOINT_TIME)
        self._config.set_string(_INTERVAL, "%d ms" % checkpoint_interval)
        return self

    def get_checkpoint_timeout(self) -> int:
        return _ms(self._config, _TIMEOUT, CheckpointConfig.DEFAULT_TIMEOUT)

    def set_checkpoint_timeout(self, checkpoint_timeout: int) -> "CheckpointConfig":
        """A checkpoint not completed after this many milliseconds is
        aborted (and counts as a failed checkpoint)."""
        if checkpoint_timeout < CheckpointConfig.MINIMAL_CHECKPOINT_TIME:
            raise ValueError("Checkpoint timeout must be larger than or equal to %d ms"
                             % CheckpointConfig.MINIMAL_CHECKPOINT_TIME)
        self._config.set_string(_TIMEOUT, "%d ms" % checkpoint_timeout)
        return self

    def get_min_pause_between_checkpoints(self) -> int:
        return _ms(self._config, _MIN_PAUSE, CheckpointConfig.DEFAULT_MIN_PAUSE_BETWEEN_CHECKPOINTS)

    def set_min_pause_between_checkpoints(self, min_pause_between_checkpoints: int) -> "CheckpointConfig":
        if min_pause_between_checkpoints < 0:
            raise ValueError("Pause value must be zero or positive")
        self._config.set_string(_MIN_PAUSE, "%d ms" % min_pause_between_checkpoints)
        return self

    def get_max_concurrent_checkpoints(self) -> int:
        return self._config.get_integer(_MAX_CONCURRENT, CheckpointConfig.DEFAULT_MAX_CONCURRENT_CHECKPOINTS)

    def set_max_concurrent_checkpoints(self, max_concurrent_checkpoints: int) -> "CheckpointConfig":
        """Sluice takes one checkpoint at a time: 1 is the only value."""
        if max_concurrent_checkpoints < 1:
            raise ValueError("The maximum number of concurrent attempts must be at least one.")
        if max_concurrent_checkpoints != 1:
            raise ValueError("%s = %d: Sluice takes one checkpoint at a time, so the only value is 1"
                             % (_MAX_CONCURRENT, max_concurrent_checkpoints))
        self._config.set_integer(_MAX_CONCURRENT, max_concurrent_checkpoints)
        return self

    def is_fail_on_checkpointing_errors(self) -> bool:
        return self.get_tolerable_checkpoint_failure_number() == 0

    def set_fail_on_checkpointing_errors(self, fail_on_checkpointing_errors: bool) -> "CheckpointConfig":
        return self.set_tolerable_checkpoint_failure_number(0 if fail_on_checkpointing_errors else 2147483647)

    def get_tolerable_checkpoint_failure_number(self) -> int:
        return self._config.get_integer(_TOLERABLE, 0)

    def set_tolerable_checkpoint_failure_number(self, tolerable_checkpoint_failure_number: int) -> "CheckpointConfig":
        """How many checkpoint failures in a row the job tolerates; with the
        default 0 the first failed checkpoint fails the job."""
        if tolerable_checkpoint_failure_number < 0:
            raise ValueError("The tolerable failure checkpoint number must be non-negative.")
        self._config.set_integer(_TOLERABLE, tolerable_checkpoint_failure_number)
        return self

    # -- where checkpoints go --------------------------------------------
    def set_checkpoint_storage_dir(self, checkpoint_path: str) -> "CheckpointConfig":
        """``state.checkpoints.dir``: a local directory or ``file://`` URI
        (default: ``sluice-checkpoints`` under the working directory)."""
        from sluice.datastream.checkpoint_storage import FileSystemCheckpointStorage
        return self.set_checkpoint_storage(FileSystemCheckpointStorage(checkpoint_path))

    def set_checkpoint_storage(self, storage: Any) -> "CheckpointConfig":
        """A FileSystemCheckpointStorage sets ``state.checkpoints.dir``. A
        JobManagerCheckpointStorage (Flink keeps its checkpoints in the
        JobManager's memory) is accepted: Sluice writes checkpoints to
        files in every case, to its path when it has one, else to the
        configured directory."""
        from sluice.datastream.checkpoint_storage import (
            CustomCheckpointStorage, FileSystemCheckpointStorage, JobManagerCheckpointStorage,
        )
        if isinstance(storage, FileSystemCheckpointStorage):
            self._config.set_string(_CHECKPOINTS_DIR, storage.get_checkpoint_path())
        elif isinstance(storage, JobManagerCheckpointStorage):
            if storage.get_checkpoint_path():
                self._config.set_string(_CHECKPOINTS_DIR, storage.get_checkpoint_path())
        elif isinstance(storage, CustomCheckpointStorage):
            raise NotImplementedError("set_checkpoint_storage: a Java checkpoint storage needs the JVM; use "
                                      "FileSystemCheckpointStorage(path)")
        else:
            raise TypeError("set_checkpoint_storage takes a CheckpointStorage, not %r" % (storage,))
        self._storage = storage
        return self

    def get_checkpoint_storage(self) -> Optional[Any]:
        """The storage given to set_checkpoint_storage, or one for the
        configured ``state.checkpoints.dir``; None when neither is set."""
        if self._storage is not None:
            return self._storage
        d = self._config.get_string(_CHECKPOINTS_DIR, "")
        if d:
            from sluice.datastream.checkpoint_storage import FileSystemCheckpointStorage
            return FileSystemCheckpointStorage(d)
        return None

    # -- retention (recorded: checkpoints are always kept) ---------------
    def enable_externalized_checkpoints(self, cleanup_mode: ExternalizedCheckpointRetention) -> "CheckpointConfig":
        """Recorded. Sluice always keeps the newest
        ``state.checkpoints.num-retained`` completed checkpoints on disk,
        whether the job finishes, fails or is cancelled."""
        return self.set_externalized_checkpoint_retention(cleanup_mode)

    def set_externalized_checkpoint_cleanup(self, cleanup_mode: ExternalizedCheckpointRetention) -> "CheckpointConfig":
        return self.set_externalized_checkpoint_retention(cleanup_mode)

    def set_externalized_checkpoint_retention(self, retention: ExternalizedCheckpointRetention) -> "CheckpointConfig":
        if not isinstance(retention, ExternalizedCheckpointRetention):
            raise TypeError("Unsupported cleanup mode: %s, supported cleanup modes are: "
                            "ExternalizedCheckpointCleanup.DELETE_ON_CANCELLATION and "
                            "ExternalizedCheckpointCleanup.RETAIN_ON_CANCELLATION." % (retention,))
        self._config.set_string(_RETENTION, retention.name)
        return self

    def is_externalized_checkpoints_enabled(self) -> bool:
        r = self.get_externalized_checkpoint_retention()
        return r is not None and r is not ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS

    def get_externalized_checkpoint_retention(self) -> Optional[ExternalizedCheckpointRetention]:
        v = self._config.get_string(_RETENTION, "")
        return ExternalizedCheckpointRetention[v] if v else ExternalizedCheckpointRetention.NO_EXTERNALIZED_CHECKPOINTS

    get_externalized_checkpoint_cleanup = get_externalized_checkpoint_retention

    # -- unaligned checkpoints (recorded: checkpoints stay aligned) ------
    def is_unaligned_checkpoints_enabled(self) -> bool:
        return self._config.get_boolean(_UNALIGNED, False)

    def enable_unaligned_checkpoints(self, enabled: bool = True) -> "CheckpointConfig":
        """Recorded, with one line on stderr when enabled: checkpoints stay
        aligned (see the module's documentation)."""
        if enabled:
            _warn_unaligned()
        self._config.set_boolean(_UNALIGNED, enabled)
        return self

    def disable_unaligned_checkpoints(self) -> "CheckpointConfig":
        return self.enable_unaligned_checkpoints(False)

    def is_force_unaligned_checkpoints(self) -> bool:
        return self._config.get_boolean(_UNALIGNED_FORCED, False)

    def set_force_unaligned_checkpoints(self, force_unaligned_checkpoints: bool = True) -> "CheckpointConfig":
        if force_unaligned_checkpoints:
            _warn_unaligned()
        self._config.set_boolean(_UNALIGNED_FORCED, force_unaligned_checkpoints)
        return self

    def get_aligned_checkpoint_timeout(self) -> int:
        return _ms(self._config, "execution.checkpointing.aligned-checkpoint-timeout", 0)

    def set_aligned_checkpoint_timeout(self, alignment_timeout: int) -> "CheckpointConfig":
        self._config.set_string("execution.checkpointing.aligned-checkpoint-timeout", "%d ms" % alignment_timeout)
        return self

    get_alignment_timeout = get_aligned_checkpoint_timeout
    set_alignment_timeout = set_aligned_checkpoint_timeout

    # -- recorded, no effect ---------------------------------------------
    def is_approximate_local_recovery_enabled(self) -> bool:
        return self._config.get_boolean("execution.checkpointing.approximate-local-recovery", False)

    def enable_approximate_local_recovery(self, enabled: bool) -> "CheckpointConfig":
        """Recorded: Sluice recovers a failed job exactly, from its last
        completed checkpoint, never approximately."""
        self._config.set_boolean("execution.checkpointing.approximate-local-recovery", enabled)
        return self

    def is_prefer_checkpoint_for_recovery(self) -> bool:
        return self._config.get_boolean("execution.checkpointing.prefer-checkpoint-for-recovery", False)

    def set_prefer_checkpoint_for_recovery(self, prefer_checkpoint_for_recovery: bool) -> "CheckpointConfig":
        """Flink 1.x, recorded: in-process restarts use the newest completed
        checkpoint or savepoint, whichever it is."""
        self._config.set_boolean("execution.checkpointing.prefer-checkpoint-for-recovery", prefer_checkpoint_for_recovery)
        return self

    def get_checkpoint_id_of_ignored_in_flight_data(self) -> int:
        return self._config.get_integer("execution.checkpointing.recover-without-channel-state.checkpoint-id", -1)

    def set_checkpoint_id_of_ignored_in_flight_data(self, checkpoint_id: int) -> "CheckpointConfig":
        """Recorded: aligned checkpoints hold no in-flight data to ignore."""
        self._config.set_integer("execution.checkpointing.recover-without-channel-state.checkpoint-id", checkpoint_id)
        return self

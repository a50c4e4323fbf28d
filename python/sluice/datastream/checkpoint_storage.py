"""``pyflink.datastream.checkpoint_storage``: where checkpoints go, for
``CheckpointConfig.set_checkpoint_storage``: a FileSystemCheckpointStorage's
path becomes ``state.checkpoints.dir``. Sluice always writes checkpoints to
files; a JobManagerCheckpointStorage (Flink's in-memory storage) is
accepted and uses the configured directory unless it names a path."""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["CheckpointStorage", "JobManagerCheckpointStorage", "FileSystemCheckpointStorage",
           "CustomCheckpointStorage"]


class CheckpointStorage(object):
    def __init__(self, j_checkpoint_storage: Any = None) -> None:
        self._j_checkpoint_storage = j_checkpoint_storage


class JobManagerCheckpointStorage(CheckpointStorage):
    DEFAULT_MAX_STATE_SIZE = 5 * 1024 * 1024

    def __init__(self, checkpoint_path: Optional[str] = None, max_state_size: Optional[int] = None,
                 j_jobmanager_checkpoint_storage: Any = None) -> None:
        super().__init__(j_jobmanager_checkpoint_storage)
        self._checkpoint_path = checkpoint_path
        self._max_state_size = self.DEFAULT_MAX_STATE_SIZE if max_state_size is None else max_state_size
        if self._max_state_size <= 0:
            raise ValueError("The maximum state size must be positive")

    def get_checkpoint_path(self) -> Optional[str]:
        return self._checkpoint_path

    def get_max_state_size(self) -> int:
        return self._max_state_size


class FileSystemCheckpointStorage(CheckpointStorage):
    MAX_FILE_STATE_THRESHOLD = 1024 * 1024

    def __init__(self, checkpoint_path: Optional[str] = None, file_state_size_threshold: Optional[int] = None,
                 write_buffer_size: int = -1, j_filesystem_checkpoint_storage: Any = None) -> None:
        super().__init__(j_filesystem_checkpoint_storage)
        if checkpoint_path is None:
            raise ValueError("checkpoint_path must not be None")
        self._checkpoint_path = checkpoint_path
        self._threshold = file_state_size_threshold
        self._write_buffer_size = write_buffer_size

    def get_checkpoint_path(self) -> str:
        return self._checkpoint_path

    def get_min_file_size_threshold(self) -> int:
        return 20 * 1024 if self._threshold is None else self._threshold

    def get_write_buffer_size(self) -> int:
        return self._write_buffer_size


class CustomCheckpointStorage(CheckpointStorage):
    """A Java checkpoint storage (needs the JVM)."""

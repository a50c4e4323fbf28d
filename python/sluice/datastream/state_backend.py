"""``pyflink.datastream.state_backend``: state backends, as PyFlink's.
``StreamExecutionEnvironment.set_state_backend`` turns one into the
engine's options:

- ``HashMapStateBackend`` (and Flink 1.x's ``MemoryStateBackend`` and
  ``FsStateBackend``): ``state.backend.type = hashmap``, state in memory;
- ``EmbeddedRocksDBStateBackend`` (and ``RocksDBStateBackend``):
  ``state.backend.type = pebble``. Sluice's disk backend is Pebble, a
  RocksDB-compatible LSM store written in Go, not RocksDB itself: state
  larger than memory lives on local disk under
  ``state.backend.rocksdb.localdir`` (``set_db_storage_paths``), and its
  checkpoints are always incremental (unchanged files are shared between
  checkpoints), whatever ``enable_incremental_checkpointing`` says.
  RocksDB tuning (predefined options, column family options) is recorded
  and has no effect.

The Flink 1.x backends that take a checkpoint directory also set
``state.checkpoints.dir`` (and ``state.savepoints.dir``), as Flink's do."""
from __future__ import annotations

from enum import Enum
from typing import Any, Dict, List, Optional

__all__ = ["StateBackend", "HashMapStateBackend", "EmbeddedRocksDBStateBackend", "CustomStateBackend",
           "PredefinedOptions", "MemoryStateBackend", "FsStateBackend", "RocksDBStateBackend"]


class StateBackend(object):
    """The base of the state backends."""

    def __init__(self, j_state_backend: Any = None) -> None:
        self._j_state_backend = j_state_backend

    def _sluice_config(self) -> Dict[str, str]:
        """The engine options this backend stands for."""
        raise NotImplementedError("%s: a Java state backend needs the JVM; use HashMapStateBackend or "
                                  "EmbeddedRocksDBStateBackend" % type(self).__name__)


class HashMapStateBackend(StateBackend):
    """State as objects on the heap (``state.backend.type = hashmap``)."""

    def _sluice_config(self) -> Dict[str, str]:
        return {"state.backend.type": "hashmap"}


class PredefinedOptions(Enum):
    DEFAULT = 0
    SPINNING_DISK_OPTIMIZED = 1
    SPINNING_DISK_OPTIMIZED_HIGH_MEM = 2
    FLASH_SSD_OPTIMIZED = 3


class EmbeddedRocksDBStateBackend(StateBackend):
    """State on local disk: ``state.backend.type = pebble`` (see the
    module's documentation: Pebble stands in for RocksDB)."""

    def __init__(self, enable_incremental_checkpointing: Optional[bool] = None, j_embedded_rocks_db_state_backend: Any = None) -> None:
        super().__init__(j_embedded_rocks_db_state_backend)
        self._incremental = bool(enable_incremental_checkpointing)
        self._paths: List[str] = []
        self._options = PredefinedOptions.DEFAULT

    def is_incremental_checkpoints_enabled(self) -> bool:
        return self._incremental

    def set_db_storage_paths(self, *paths: str) -> None:
        """Where the backend keeps its working files
        (``state.backend.rocksdb.localdir``); the first path is used."""
        self._paths = list(paths)

    def get_db_storage_paths(self) -> List[str]:
        return list(self._paths)

    def set_predefined_options(self, options: PredefinedOptions) -> None:
        self._options = options

    def get_predefined_options(self) -> PredefinedOptions:
        return self._options

    def _sluice_config(self) -> Dict[str, str]:
        out = {"state.backend.type": "pebble"}
        if self._paths:
            out["state.backend.rocksdb.localdir"] = _local_path(self._paths[0])
        return out


def _local_path(p: str) -> str:
    return p[len("file://"):] if p.startswith("file://") else p


class MemoryStateBackend(HashMapStateBackend):
    """Flink 1.x: heap state, checkpoints in the JobManager's memory.
    Sluice writes checkpoints to files in every case: to
    ``checkpoint_path`` when given, else to ``state.checkpoints.dir``."""

    DEFAULT_MAX_STATE_SIZE = 5 * 1024 * 1024

    def __init__(self, checkpoint_path: Optional[str] = None, savepoint_path: Optional[str] = None,
                 max_state_size: Optional[int] = None, using_asynchronous_snapshots: Optional[bool] = None,
                 j_memory_state_backend: Any = None) -> None:
        super().__init__(j_memory_state_backend)
        self._checkpoint_path = checkpoint_path
        self._savepoint_path = savepoint_path
        self._max_state_size = self.DEFAULT_MAX_STATE_SIZE if max_state_size is None else max_state_size

    def get_checkpoint_path(self) -> Optional[str]:
        return self._checkpoint_path

    def get_max_state_size(self) -> int:
        return self._max_state_size

    def is_using_asynchronous_snapshots(self) -> bool:
        return True

    def _sluice_config(self) -> Dict[str, str]:
        out = {"state.backend.type": "hashmap"}
        if self._checkpoint_path:
            out["state.checkpoints.dir"] = self._checkpoint_path
        if self._savepoint_path:
            out["state.savepoints.dir"] = self._savepoint_path
        return out


class FsStateBackend(HashMapStateBackend):
    """Flink 1.x: heap state, checkpoints in ``checkpoint_directory_uri``."""

    def __init__(self, checkpoint_directory_uri: Optional[str] = None, default_savepoint_directory_uri: Optional[str] = None,
                 file_state_size_threshold: Optional[int] = None, write_buffer_size: Optional[int] = None,
                 using_asynchronous_snapshots: Optional[bool] = None, j_fs_state_backend: Any = None) -> None:
        super().__init__(j_fs_state_backend)
        if checkpoint_directory_uri is None and j_fs_state_backend is None:
            raise ValueError("The parameter 'checkpoint_directory_uri' is required!")
        self._checkpoint_path = checkpoint_directory_uri
        self._savepoint_path = default_savepoint_directory_uri

    def get_checkpoint_path(self) -> Optional[str]:
        return self._checkpoint_path

    def is_using_asynchronous_snapshots(self) -> bool:
        return True

    def _sluice_config(self) -> Dict[str, str]:
        out = {"state.backend.type": "hashmap", "state.checkpoints.dir": str(self._checkpoint_path)}
        if self._savepoint_path:
            out["state.savepoints.dir"] = self._savepoint_path
        return out


class RocksDBStateBackend(EmbeddedRocksDBStateBackend):
    """Flink 1.x: disk state (Pebble here), checkpoints in
    ``checkpoint_data_uri``."""

    def __init__(self, checkpoint_data_uri: Optional[str] = None, enable_incremental_checkpointing: Optional[bool] = None,
                 checkpoint_stream_backend: Any = None, j_rocks_db_state_backend: Any = None) -> None:
        super().__init__(enable_incremental_checkpointing, j_rocks_db_state_backend)
        if checkpoint_data_uri is None and checkpoint_stream_backend is None and j_rocks_db_state_backend is None:
            raise ValueError("The parameter 'checkpoint_data_uri' is required!")
        self._checkpoint_path = checkpoint_data_uri
        if checkpoint_data_uri is None and checkpoint_stream_backend is not None:
            self._checkpoint_path = getattr(checkpoint_stream_backend, "get_checkpoint_path", lambda: None)()

    def get_checkpoint_backend(self) -> Any:
        return FsStateBackend(self._checkpoint_path) if self._checkpoint_path else None

    def _sluice_config(self) -> Dict[str, str]:
        out = super()._sluice_config()
        if self._checkpoint_path:
            out["state.checkpoints.dir"] = self._checkpoint_path
        return out


class CustomStateBackend(StateBackend):
    """A Java state backend (needs the JVM)."""

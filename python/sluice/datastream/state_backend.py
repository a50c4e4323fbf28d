"""``pyflink.datastream.state_backend``: state backend settings. They are
values only: StreamExecutionEnvironment.set_state_backend raises, as
Sluice has no checkpoints yet."""
from __future__ import annotations

from enum import Enum
from typing import Any, Optional

__all__ = ["StateBackend", "HashMapStateBackend", "EmbeddedRocksDBStateBackend", "CustomStateBackend",
           "PredefinedOptions"]


class StateBackend(object):
    """The base of the state backends."""

    def __init__(self, j_state_backend: Any = None) -> None:
        self._j_state_backend = j_state_backend


class HashMapStateBackend(StateBackend):
    """State as objects on the heap."""


class PredefinedOptions(Enum):
    DEFAULT = 0
    SPINNING_DISK_OPTIMIZED = 1
    SPINNING_DISK_OPTIMIZED_HIGH_MEM = 2
    FLASH_SSD_OPTIMIZED = 3


class EmbeddedRocksDBStateBackend(StateBackend):
    """State in RocksDB (recorded settings)."""

    def __init__(self, enable_incremental_checkpointing: Optional[bool] = None, j_embedded_rocks_db_state_backend: Any = None) -> None:
        super().__init__(j_embedded_rocks_db_state_backend)
        self._incremental = bool(enable_incremental_checkpointing)
        self._paths: list = []
        self._options = PredefinedOptions.DEFAULT

    def is_incremental_checkpoints_enabled(self) -> bool:
        return self._incremental

    def set_db_storage_paths(self, *paths: str) -> None:
        self._paths = list(paths)

    def get_db_storage_paths(self) -> list:
        return list(self._paths)

    def set_predefined_options(self, options: PredefinedOptions) -> None:
        self._options = options

    def get_predefined_options(self) -> PredefinedOptions:
        return self._options


class CustomStateBackend(StateBackend):
    """A Java state backend (needs the JVM)."""

"""``pyflink.datastream``: the execution environment that table programs
are created from. DataStream programs themselves are not supported yet."""
from __future__ import annotations

from typing import Any, List, Optional

from sluice.common import Configuration

__all__ = ["StreamExecutionEnvironment", "TimeCharacteristic", "CheckpointingMode", "RuntimeExecutionMode"]


class TimeCharacteristic:
    ProcessingTime = "ProcessingTime"
    IngestionTime = "IngestionTime"
    EventTime = "EventTime"


class CheckpointingMode:
    EXACTLY_ONCE = "EXACTLY_ONCE"
    AT_LEAST_ONCE = "AT_LEAST_ONCE"


class RuntimeExecutionMode:
    STREAMING = "STREAMING"
    BATCH = "BATCH"
    AUTOMATIC = "AUTOMATIC"


class StreamExecutionEnvironment:
    """Holds the job settings a StreamTableEnvironment created from it uses."""

    def __init__(self, configuration: Optional[Configuration] = None) -> None:
        self._config = Configuration(configuration) if configuration is not None else Configuration()
        self._python_files: List[str] = []
        self._mode = RuntimeExecutionMode.STREAMING

    @staticmethod
    def get_execution_environment(configuration: Optional[Configuration] = None) -> "StreamExecutionEnvironment":
        return StreamExecutionEnvironment(configuration)

    def set_parallelism(self, parallelism: int) -> "StreamExecutionEnvironment":
        if parallelism < 1:
            raise ValueError("parallelism must be at least 1, got %d" % parallelism)
        self._config.set_integer("parallelism.default", parallelism)
        return self

    def get_parallelism(self) -> int:
        return self._config.get_integer("parallelism.default", 1)

    def set_max_parallelism(self, max_parallelism: int) -> "StreamExecutionEnvironment":
        self._config.set_integer("pipeline.max-parallelism", max_parallelism)
        return self

    def set_runtime_mode(self, mode: str) -> "StreamExecutionEnvironment":
        self._mode = mode
        return self

    def set_stream_time_characteristic(self, characteristic: str) -> None:
        # Processing time is what the engine runs; event time comes with
        # watermarks, which the planner rejects where they would matter.
        self._time = characteristic

    def enable_checkpointing(self, interval: int, mode: Optional[str] = None) -> "StreamExecutionEnvironment":
        raise NotImplementedError("enable_checkpointing: Sluice has no checkpoints yet; sinks with a primary key upsert, so a restarted job converges")

    def set_buffer_timeout(self, timeout_millis: int) -> "StreamExecutionEnvironment":
        return self

    def add_python_file(self, file_path: str) -> None:
        from sluice.table.table_environment import _add_python_file
        _add_python_file(file_path)
        self._python_files.append(file_path)

    def get_config(self) -> Configuration:
        return self._config

    def execute(self, job_name: Optional[str] = None) -> Any:
        raise NotImplementedError("StreamExecutionEnvironment.execute: DataStream programs are not supported yet; run table programs with TableEnvironment.execute_sql / Table.execute_insert")

    def from_collection(self, collection: Any, type_info: Any = None) -> Any:
        raise NotImplementedError("StreamExecutionEnvironment.from_collection: the DataStream API is not supported yet; use TableEnvironment.from_elements")

    def add_source(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("StreamExecutionEnvironment.add_source: the DataStream API is not supported yet; declare a source table with CREATE TABLE")

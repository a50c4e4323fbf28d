"""``StreamExecutionEnvironment``: the job settings a StreamTableEnvironment
is created from, as PyFlink's, and the sources and ``execute`` of DataStream
programs (data_stream.py).

Every setting is an option of one Configuration (``parallelism.default``,
``pipeline.max-parallelism``, ``execution.runtime-mode``,
``execution.checkpointing.*``, ``state.*``, ``restart-strategy.*``,
``python.*``, ...) that ``StreamTableEnvironment.create(env)`` copies into
the table environment; settings changed on this environment afterwards
reach the table environments created from it too, as PyFlink's read the
execution environment when a job is submitted. Jars are accepted and
recorded with one line on stderr: the engine runs no Java.
"""
from __future__ import annotations

import sys
import weakref
from typing import Any, List, Optional

from sluice.common import Configuration
from sluice.common.execution_config import ExecutionConfig
from sluice.datastream.checkpoint_config import CheckpointConfig
from sluice.datastream.checkpointing_mode import CheckpointingMode, RuntimeExecutionMode, TimeCharacteristic

__all__ = ["StreamExecutionEnvironment"]


def _warn(msg: str) -> None:
    print("sluice: " + msg, file=sys.stderr)


class _EnvConfiguration(Configuration):
    """The environment's options, passed on to the table environments
    created from it (StreamTableEnvironment.create binds them): a program
    that calls enable_checkpointing after create still gets checkpoints."""

    def __init__(self, other: Optional[Configuration] = None) -> None:
        super().__init__()
        # The command line's options first (sluice run -s PATH, -D k=v),
        # as Flink's environment starts from the CLI's configuration.
        from sluice import _native
        kv = _native.call("process.config")
        self._values.update(zip(kv[0::2], kv[1::2]))
        if other is not None:
            self._values.update(other._values)
        self._tables: "weakref.WeakSet[Any]" = weakref.WeakSet()
        # The table environment DataStream programs run in: the first one
        # created from this environment (see StreamExecutionEnvironment).
        self._default_t_env: Any = None

    def _bind(self, t_env: Any) -> None:
        self._tables.add(t_env)
        if self._default_t_env is None:
            self._default_t_env = t_env

    def set_string(self, key: str, value: str) -> "Configuration":
        super().set_string(key, value)
        for t in list(self._tables):
            t.get_config()._put(key, str(value))
        return self

    def remove_config(self, key: str) -> bool:
        removed = super().remove_config(key)
        if removed:
            from sluice import _native
            for t in list(self._tables):
                _native.call("env.remove_config", t._h.id, key)
        return removed


class StreamExecutionEnvironment:
    def __init__(self, configuration: Optional[Configuration] = None) -> None:
        self._config = _EnvConfiguration(configuration)
        self._execution_config = ExecutionConfig(self._config)
        self._checkpoint_config = CheckpointConfig(self._config)
        self._python_files: List[str] = []
        self._time = TimeCharacteristic.ProcessingTime
        self._chaining = True
        self._state_backend: Any = None
        self._sinks: List[Any] = []

    @staticmethod
    def get_execution_environment(configuration: Optional[Configuration] = None) -> "StreamExecutionEnvironment":
        return StreamExecutionEnvironment(configuration)

    def configure(self, configuration: Configuration) -> None:
        for k, v in configuration.to_dict().items():
            self._config.set_string(k, v)

    # -- parallelism -----------------------------------------------------
    def set_parallelism(self, parallelism: int) -> "StreamExecutionEnvironment":
        if parallelism < 1:
            raise ValueError("Parallelism must be at least one, or ExecutionConfig.PARALLELISM_DEFAULT (use system default).")
        self._config.set_integer("parallelism.default", parallelism)
        return self

    def get_parallelism(self) -> int:
        """``parallelism.default``; 1 when unset, what the engine runs with
        (Flink's local default is the number of cores)."""
        return self._config.get_integer("parallelism.default", 1)

    def set_max_parallelism(self, max_parallelism: int) -> "StreamExecutionEnvironment":
        """``pipeline.max-parallelism``: the number of key groups keyed
        exchanges hash into."""
        if max_parallelism < 1 or max_parallelism > 32768:
            raise ValueError("maxParallelism is out of bounds 0 < maxParallelism <= 32768. Found: %d" % max_parallelism)
        self._config.set_integer("pipeline.max-parallelism", max_parallelism)
        return self

    def get_max_parallelism(self) -> int:
        return self._config.get_integer("pipeline.max-parallelism", -1)

    def set_default_local_parallelism(self, parallelism: int) -> None:
        self.set_parallelism(parallelism)

    def get_default_local_parallelism(self) -> int:
        return self.get_parallelism()

    # -- runtime mode and time -------------------------------------------
    def set_runtime_mode(self, execution_mode: RuntimeExecutionMode) -> "StreamExecutionEnvironment":
        """``execution.runtime-mode``. AUTOMATIC runs as STREAMING: the
        engine chooses a mode per environment, before it knows whether
        every source is bounded."""
        mode = execution_mode.name if isinstance(execution_mode, RuntimeExecutionMode) else str(execution_mode).upper()
        if mode not in RuntimeExecutionMode.__members__:
            raise ValueError("unknown runtime mode %r" % (execution_mode,))
        self._config.set_string("execution.runtime-mode", mode)
        return self

    def _runtime_mode(self) -> RuntimeExecutionMode:
        return RuntimeExecutionMode[self._config.get_string("execution.runtime-mode", "STREAMING").upper()]

    def set_stream_time_characteristic(self, characteristic: TimeCharacteristic) -> None:
        """Flink 1.x; recorded. Event time comes from the watermarks
        declared on source tables."""
        self._time = characteristic
        self._config.set_string("pipeline.time-characteristic", characteristic.name)

    def get_stream_time_characteristic(self) -> TimeCharacteristic:
        return self._time

    def set_buffer_timeout(self, timeout_millis: int) -> "StreamExecutionEnvironment":
        """Recorded (``execution.buffer-timeout``): the engine hands a batch
        on when it is full or its source has nothing more for now."""
        if timeout_millis < -1:
            raise ValueError("Timeout of buffer must be non-negative or -1")
        self._config.set_string("execution.buffer-timeout", "%d ms" % timeout_millis)
        return self

    def get_buffer_timeout(self) -> int:
        from sluice.table.table_config import _parse_duration_ms
        v = self._config.get_string("execution.buffer-timeout", "")
        return _parse_duration_ms(v) if v else 100

    def disable_operator_chaining(self) -> "StreamExecutionEnvironment":
        self._chaining = False
        return self

    def is_chaining_enabled(self) -> bool:
        return self._chaining

    # -- checkpoints, state and restarts --------------------------------
    def enable_checkpointing(self, interval: int, mode: Optional[CheckpointingMode] = None) -> "StreamExecutionEnvironment":
        """A checkpoint every ``interval`` milliseconds
        (``execution.checkpointing.interval``), in ``mode``
        (``execution.checkpointing.mode``, EXACTLY_ONCE by default)."""
        self._checkpoint_config.set_checkpoint_interval(interval)
        if mode is not None:
            self._checkpoint_config.set_checkpointing_mode(mode)
        return self

    def get_checkpoint_config(self) -> CheckpointConfig:
        return self._checkpoint_config

    def get_checkpoint_interval(self) -> int:
        return self._checkpoint_config.get_checkpoint_interval()

    def get_checkpointing_mode(self) -> CheckpointingMode:
        return self._checkpoint_config.get_checkpointing_mode()

    get_checkpointing_consistency_mode = get_checkpointing_mode

    def is_checkpointing_enabled(self) -> bool:
        return self._checkpoint_config.is_checkpointing_enabled()

    def set_state_backend(self, state_backend: Any) -> "StreamExecutionEnvironment":
        """``state.backend.type``: HashMapStateBackend (memory, the
        default) or EmbeddedRocksDBStateBackend (Pebble on local disk; see
        ``pyflink.datastream.state_backend``)."""
        from sluice.datastream.state_backend import StateBackend
        if not isinstance(state_backend, StateBackend):
            raise TypeError("set_state_backend takes a StateBackend (HashMapStateBackend(), "
                            "EmbeddedRocksDBStateBackend()), not %r" % (state_backend,))
        for k, v in state_backend._sluice_config().items():
            self._config.set_string(k, v)
        self._state_backend = state_backend
        return self

    def get_state_backend(self) -> Any:
        """The backend given to set_state_backend, else None (the
        configured ``state.backend.type``, hashmap by default, applies)."""
        return self._state_backend

    def set_default_savepoint_directory(self, directory: str) -> "StreamExecutionEnvironment":
        """``state.savepoints.dir``: where savepoints go when no directory
        is given (stop_with_savepoint, SIGTERM with
        ``execution.shutdown.savepoint``)."""
        self._config.set_string("state.savepoints.dir", directory)
        return self

    def get_default_savepoint_directory(self) -> Optional[str]:
        return self._config.get_string("state.savepoints.dir", None)

    def set_restart_strategy(self, restart_strategy_configuration: Any) -> None:
        """``restart-strategy.*``: how a job with checkpoints restarts from
        its last completed checkpoint after a task failed."""
        self._execution_config.set_restart_strategy(restart_strategy_configuration)

    def get_restart_strategy(self) -> Any:
        return self._execution_config.get_restart_strategy()

    def get_config(self) -> ExecutionConfig:
        return self._execution_config

    # -- Python dependencies ---------------------------------------------
    def add_python_file(self, file_path: str) -> None:
        from sluice.table.table_environment import _add_python_file
        _add_python_file(file_path)
        self._python_files.append(file_path)
        self._config.set_string("python.files", ",".join(self._python_files))

    def set_python_requirements(self, requirements_file_path: str, requirements_cached_dir: Optional[str] = None) -> None:
        """Installs the requirements into the interpreter's environment
        with pip, as TableEnvironment.set_python_requirements."""
        from sluice.table.table_environment import _install_requirements
        _install_requirements(requirements_file_path, requirements_cached_dir)
        self._config.set_string("python.requirements", requirements_file_path)

    def add_python_archive(self, archive_path: str, target_dir: Optional[str] = None) -> None:
        """Extracts the archive, reachable as ``target_dir`` from the
        working directory, as TableEnvironment.add_python_archive."""
        from sluice.table._dependencies import add_python_archive
        add_python_archive(archive_path, target_dir)
        prev = self._config.get_string("python.archives", "")
        entry = archive_path if target_dir is None else archive_path + "#" + target_dir
        self._config.set_string("python.archives", prev + "," + entry if prev else entry)

    def set_python_executable(self, python_exec: str) -> None:
        """Recorded (``python.executable``); Python functions run in the
        interpreter embedded in sluice."""
        self._config.set_string("python.executable", python_exec)

    def add_jars(self, *jars_path: str) -> None:
        """Recorded (``pipeline.jars``) with a warning: the engine runs no
        Java; its connectors and formats are built in."""
        self._add_paths("pipeline.jars", jars_path, "add_jars")

    def add_classpaths(self, *classpaths: str) -> None:
        self._add_paths("pipeline.classpaths", classpaths, "add_classpaths")

    def _add_paths(self, key: str, paths: Any, what: str) -> None:
        old = self._config.get_string(key, "")
        self._config.set_string(key, ";".join([p for p in [old] if p] + list(paths)))
        _warn("%s: Sluice runs no Java (connectors and formats are built in); ignored" % what)

    # -- DataStream programs -------------------------------------------------
    # A program's streams are tables of one column f0 (see data_stream.py)
    # of this environment's table environment: the first
    # StreamTableEnvironment created from it, else one of its own. Sinks
    # wait here until execute() submits them, each as an INSERT job.
    def _table_env(self) -> Any:
        t_env = self._config._default_t_env
        if t_env is None:
            from sluice.table.table_environment import StreamTableEnvironment
            t_env = StreamTableEnvironment.create(self)
        return t_env

    def _add_sink(self, stream: Any, name: str, target: Any) -> Any:
        from sluice.datastream.data_stream import DataStreamSink
        self._sinks.append((stream, target))
        return DataStreamSink(stream, name)

    def _submit_pending(self, t_env: Any, job_name: Optional[str]) -> List[Any]:
        """Submits every sink declared so far (one job each) and forgets
        them, as Flink's execute clears the transformations it ran."""
        from sluice import _native
        sinks, self._sinks = self._sinks, []
        if job_name:
            t_env.get_config().set("pipeline.name", job_name)
        jobs = []
        try:
            for stream, target in sinks:
                table = stream._values_only()(t_env)
                jobs.append(_native.Handle(_native.call("table.submit_insert", table._h.id, target(t_env))))
        except BaseException:
            for j in jobs:
                _native.call("job.cancel", j.id)
            raise
        return jobs

    def execute(self, job_name: Optional[str] = None) -> Any:
        """Runs the program's sinks and waits for them to end (an unbounded
        source runs until the job is cancelled)."""
        client = self.execute_async(job_name)
        return client.get_job_execution_result().result()

    def execute_async(self, job_name: Optional[str] = None) -> Any:
        """Submits the program's sinks; their JobClient."""
        from sluice.common.job_client import JobClient
        from sluice.table.table_result import _MultiJobResult
        if not self._sinks:
            raise RuntimeError("No operators defined in streaming topology. Cannot execute.")
        jobs = self._submit_pending(self._table_env(), job_name)
        result = _MultiJobResult(jobs)
        return JobClient(jobs, result._wait_metrics)

    def get_execution_plan(self) -> str:
        """The plans of the sinks declared so far (Table.explain of each
        sink's table), in place of Flink's JSON stream graph."""
        t_env = self._table_env()
        return "\n".join(stream._table(t_env).explain() for stream, _ in self._sinks)

    def from_collection(self, collection: Any, type_info: Optional[Any] = None) -> Any:
        """A bounded stream of the collection's elements, of type_info
        (pickled Python objects when None)."""
        from sluice.datastream.data_stream import DataStream
        from sluice.datastream import _convert
        elements = list(collection)
        conv = _convert.to_sql(type_info)
        dt = _convert.data_type_of(type_info)

        def build(t_env: Any) -> Any:
            from sluice.table.types import DataTypes
            rows = [((conv(e) if conv is not None else e),) for e in elements]
            return t_env.from_elements(rows, DataTypes.ROW([DataTypes.FIELD("f0", dt)]), verify_schema=False)
        return DataStream(self, type_info, build, "Collection Source")

    def from_source(self, source: Any, watermark_strategy: Any, source_name: str, type_info: Optional[Any] = None) -> Any:
        """A stream of a Source of pyflink.datastream.connectors
        (KafkaSource, FileSource, NumberSequenceSource)."""
        from sluice.datastream.connectors import _source_stream
        ds = _source_stream(self, source, source_name, type_info)
        from sluice.common.watermark_strategy import WatermarkStrategy
        if watermark_strategy is not None and watermark_strategy._kind != "no_watermarks":
            ds = ds.assign_timestamps_and_watermarks(watermark_strategy)
        return ds

    def add_source(self, source_func: Any, source_name: str = "Custom Source", type_info: Optional[Any] = None) -> Any:
        """A legacy SourceFunction (FlinkKafkaConsumer) as a stream."""
        from sluice.datastream.connectors import _source_stream
        return _source_stream(self, source_func, source_name, type_info)

    def from_sequence(self, start: int, end: int) -> Any:
        """The numbers start..end (inclusive), as LONG."""
        from sluice.common.typeinfo import Types
        return self.from_collection(range(start, end + 1), Types.LONG())

    def read_text_file(self, file_path: str, charset_name: str = "UTF-8") -> Any:
        """The lines of a file (or of the files of a directory)."""
        from sluice.datastream.connectors import _text_file_stream
        return _text_file_stream(self, file_path, "Read Text File")

    def close(self) -> None:
        pass

"""``ExecutionConfig`` (``StreamExecutionEnvironment.get_config()``), as
PyFlink's, over the environment's configuration keys."""
from __future__ import annotations

from typing import Any, Dict, Optional

from sluice.common import Configuration

__all__ = ["ExecutionConfig"]


class ExecutionConfig:
    """Job settings of a StreamExecutionEnvironment. Parallelism maps to
    ``parallelism.default`` and ``pipeline.max-parallelism``, which the
    engine uses, and the restart strategy maps to ``restart-strategy.*``;
    the others (watermark interval, object reuse, closure
    cleaner, Kryo/Avro serializers, ...) concern Flink's JVM runtime and are
    recorded for programs that read them back."""

    PARALLELISM_DEFAULT = -1
    PARALLELISM_UNKNOWN = -2

    def __init__(self, config: Configuration) -> None:
        self._config = config
        self._flags: Dict[str, Any] = {}
        self._global_job_parameters: Dict[str, str] = {}

    def get_parallelism(self) -> int:
        return self._config.get_integer("parallelism.default", ExecutionConfig.PARALLELISM_DEFAULT)

    def set_parallelism(self, parallelism: int) -> "ExecutionConfig":
        if parallelism != ExecutionConfig.PARALLELISM_DEFAULT and parallelism < 1:
            raise ValueError("Parallelism must be at least one, or ExecutionConfig.PARALLELISM_DEFAULT (use system default).")
        self._config.set_integer("parallelism.default", parallelism)
        return self

    def get_max_parallelism(self) -> int:
        return self._config.get_integer("pipeline.max-parallelism", -1)

    def set_max_parallelism(self, max_parallelism: int) -> "ExecutionConfig":
        if max_parallelism < 1 or max_parallelism > 32768:
            raise ValueError("Maximum parallelism must be between 1 and 32768. Found: %d" % max_parallelism)
        self._config.set_integer("pipeline.max-parallelism", max_parallelism)
        return self

    def get_auto_watermark_interval(self) -> int:
        return _millis(self._config.get_string("pipeline.auto-watermark-interval", "200"))

    def set_auto_watermark_interval(self, interval: int) -> "ExecutionConfig":
        self._config.set_string("pipeline.auto-watermark-interval", "%d ms" % interval)
        return self

    def get_latency_tracking_interval(self) -> int:
        return _millis(self._config.get_string("metrics.latency.interval", "0"))

    def set_latency_tracking_interval(self, interval: int) -> "ExecutionConfig":
        self._config.set_string("metrics.latency.interval", "%d ms" % interval)
        return self

    def is_object_reuse_enabled(self) -> bool:
        return self._config.get_boolean("pipeline.object-reuse", False)

    def enable_object_reuse(self) -> "ExecutionConfig":
        self._config.set_boolean("pipeline.object-reuse", True)
        return self

    def disable_object_reuse(self) -> "ExecutionConfig":
        self._config.set_boolean("pipeline.object-reuse", False)
        return self

    def is_closure_cleaner_enabled(self) -> bool:
        return self._flags.get("closure_cleaner", True)

    def enable_closure_cleaner(self) -> "ExecutionConfig":
        self._flags["closure_cleaner"] = True
        return self

    def disable_closure_cleaner(self) -> "ExecutionConfig":
        self._flags["closure_cleaner"] = False
        return self

    def has_generic_types_disabled(self) -> bool:
        return self._flags.get("generic_types_disabled", False)

    def enable_generic_types(self) -> None:
        self._flags["generic_types_disabled"] = False

    def disable_generic_types(self) -> None:
        self._flags["generic_types_disabled"] = True

    def is_force_kryo_enabled(self) -> bool:
        return self._flags.get("force_kryo", False)

    def enable_force_kryo(self) -> None:
        self._flags["force_kryo"] = True

    def disable_force_kryo(self) -> None:
        self._flags["force_kryo"] = False

    def is_force_avro_enabled(self) -> bool:
        return self._flags.get("force_avro", False)

    def enable_force_avro(self) -> None:
        self._flags["force_avro"] = True

    def disable_force_avro(self) -> None:
        self._flags["force_avro"] = False

    def has_auto_generated_uids_enabled(self) -> bool:
        return self._flags.get("auto_uids", True)

    def enable_auto_generated_uids(self) -> None:
        self._flags["auto_uids"] = True

    def disable_auto_generated_uids(self) -> None:
        self._flags["auto_uids"] = False

    def get_task_cancellation_interval(self) -> int:
        return self._flags.get("cancel_interval", 30000)

    def set_task_cancellation_interval(self, interval: int) -> "ExecutionConfig":
        self._flags["cancel_interval"] = interval
        return self

    def get_task_cancellation_timeout(self) -> int:
        return self._flags.get("cancel_timeout", 180000)

    def set_task_cancellation_timeout(self, timeout: int) -> "ExecutionConfig":
        self._flags["cancel_timeout"] = timeout
        return self

    def is_use_snapshot_compression(self) -> bool:
        return self._flags.get("snapshot_compression", False)

    def set_use_snapshot_compression(self, use_snapshot_compression: bool) -> None:
        self._flags["snapshot_compression"] = use_snapshot_compression

    def get_global_job_parameters(self) -> Dict[str, str]:
        return dict(self._global_job_parameters)

    def set_global_job_parameters(self, global_job_parameters_dict: Dict[str, str]) -> "ExecutionConfig":
        self._global_job_parameters = dict(global_job_parameters_dict)
        return self

    def get_registered_kryo_types(self) -> list:
        return []

    def get_registered_pojo_types(self) -> list:
        return []

    def get_default_kryo_serializer_classes(self) -> Dict[str, str]:
        return {}

    def get_restart_strategy(self) -> Optional[Any]:
        """The strategy given to set_restart_strategy, else None."""
        return self._flags.get("restart_strategy")

    def set_restart_strategy(self, restart_strategy_configuration: Any) -> None:
        """Writes the strategy's ``restart-strategy.*`` options (see
        ``pyflink.common.restart_strategy``)."""
        from sluice.common.restart_strategy import _apply
        _apply(self._config, restart_strategy_configuration)
        self._flags["restart_strategy"] = restart_strategy_configuration

    def to_dict(self) -> Dict[str, str]:
        """Sluice: the options, as the Configuration it reads them from.
        (StreamTableEnvironment.create of earlier versions read them so.)"""
        return self._config.to_dict()


def _millis(text: str) -> int:
    from sluice.table.table_config import _parse_duration_ms
    return _parse_duration_ms(text)

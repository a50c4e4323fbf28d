"""``pyflink.common``: Row and Configuration."""
from __future__ import annotations

from typing import Any, Dict, Optional

# One Row class for everything: the C kernels build it for ROW arguments of
# UDFs, collect() builds it for result rows, users build it for elements.
from _sluice_runtime import Row, RowKind, _create_row  # noqa: F401

__all__ = ["Row", "RowKind", "Configuration"]


# Configuration and the job classes live in modules of their own.
from sluice.common.configuration import Configuration  # noqa: E402
from sluice.common.completable_future import CompletableFuture  # noqa: E402
from sluice.common.job_status import JobID, JobStatus  # noqa: E402
from sluice.common.job_execution_result import JobExecutionResult  # noqa: E402
from sluice.common.job_client import JobClient  # noqa: E402
from sluice.common.execution_config import ExecutionConfig  # noqa: E402

__all__ += ["CompletableFuture", "JobID", "JobStatus", "JobExecutionResult", "JobClient", "ExecutionConfig"]

# DataStream-side values: type informations, time, watermark strategies.
from sluice.common.typeinfo import TypeInformation, Types  # noqa: E402
from sluice.common.serializer import TypeSerializer  # noqa: E402
from sluice.common.time import Duration, Instant, Time  # noqa: E402
from sluice.common.watermark_strategy import WatermarkStrategy, AssignerWithPeriodicWatermarksWrapper  # noqa: E402

__all__ += ["TypeInformation", "Types", "TypeSerializer", "Duration", "Instant", "Time", "WatermarkStrategy",
            "AssignerWithPeriodicWatermarksWrapper"]

from sluice.common.config_options import ConfigOption, ConfigOptions  # noqa: E402
from sluice.common.restart_strategy import (  # noqa: E402
    RestartStrategies, RestartStrategyConfiguration, InputDependencyConstraint,
)

__all__ += ["ConfigOption", "ConfigOptions", "RestartStrategies", "RestartStrategyConfiguration",
            "InputDependencyConstraint"]

from sluice.common.serialization import (  # noqa: E402
    SerializationSchema, DeserializationSchema, SimpleStringSchema, ByteArraySchema, Encoder,
)

__all__ += ["SerializationSchema", "DeserializationSchema", "SimpleStringSchema", "ByteArraySchema", "Encoder"]

"""``pyflink.datastream``: the execution environment that table programs
are created from (settings only: DataStream programs are not supported
yet)."""
from sluice.datastream.checkpointing_mode import CheckpointingMode, RuntimeExecutionMode, TimeCharacteristic
from sluice.datastream.checkpoint_config import (
    CheckpointConfig, ExternalizedCheckpointCleanup, ExternalizedCheckpointRetention,
)
from sluice.datastream.stream_execution_environment import StreamExecutionEnvironment

__all__ = ["StreamExecutionEnvironment", "TimeCharacteristic", "CheckpointingMode", "RuntimeExecutionMode",
           "CheckpointConfig", "ExternalizedCheckpointCleanup", "ExternalizedCheckpointRetention"]

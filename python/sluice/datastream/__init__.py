"""``pyflink.datastream``: the execution environment that table programs
are created from, and the DataStream API's values and interfaces (windows,
triggers, function interfaces, output tags). Running DataStream programs
is not supported yet: the environment says so when one is built."""
from sluice.datastream.checkpointing_mode import CheckpointingMode, RuntimeExecutionMode, TimeCharacteristic
from sluice.datastream.checkpoint_config import (
    CheckpointConfig, ExternalizedCheckpointCleanup, ExternalizedCheckpointRetention,
)
from sluice.datastream.stream_execution_environment import StreamExecutionEnvironment

__all__ = ["StreamExecutionEnvironment", "TimeCharacteristic", "CheckpointingMode", "RuntimeExecutionMode",
           "CheckpointConfig", "ExternalizedCheckpointCleanup", "ExternalizedCheckpointRetention"]

from sluice.datastream.window import (  # noqa: E402
    Window, TimeWindow, CountWindow, GlobalWindow, WindowAssigner, MergingWindowAssigner, TriggerResult, Trigger,
)
from sluice.datastream.functions import (  # noqa: E402
    RuntimeContext, MapFunction, CoMapFunction, FlatMapFunction, CoFlatMapFunction, ReduceFunction, FilterFunction,
    ProcessFunction, KeyedProcessFunction, CoProcessFunction, KeyedCoProcessFunction, WindowFunction,
    ProcessWindowFunction, AggregateFunction, KeySelector, Partitioner, SourceFunction, SinkFunction,
)
from sluice.datastream.output_tag import OutputTag  # noqa: E402

__all__ += ["Window", "TimeWindow", "CountWindow", "GlobalWindow", "WindowAssigner", "MergingWindowAssigner",
            "TriggerResult", "Trigger", "RuntimeContext", "MapFunction", "CoMapFunction", "FlatMapFunction",
            "CoFlatMapFunction", "ReduceFunction", "FilterFunction", "ProcessFunction", "KeyedProcessFunction",
            "CoProcessFunction", "KeyedCoProcessFunction", "WindowFunction", "ProcessWindowFunction",
            "AggregateFunction", "KeySelector", "Partitioner", "SourceFunction", "SinkFunction", "OutputTag"]

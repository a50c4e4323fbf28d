"""``pyflink.datastream``: the execution environment, DataStream programs
(sources, map/flat_map/filter/union, key_by, sinks; see data_stream.py for
how they run on the table engine) and the DataStream API's values and
interfaces (windows, triggers, function interfaces, output tags)."""
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

from sluice.datastream.functions import (  # noqa: E402
    BroadcastProcessFunction, KeyedBroadcastProcessFunction, AsyncFunction,
)
from sluice.datastream.time_domain import TimeDomain  # noqa: E402
from sluice.datastream.timerservice import TimerService  # noqa: E402
from sluice.datastream.slot_sharing_group import MemorySize, SlotSharingGroup  # noqa: E402
from sluice.datastream.data_stream import (  # noqa: E402
    DataStream, KeyedStream, ConnectedStreams, BroadcastStream, BroadcastConnectedStream, DataStreamSink,
)

__all__ += ["BroadcastProcessFunction", "KeyedBroadcastProcessFunction", "AsyncFunction", "TimeDomain",
            "TimerService", "MemorySize", "SlotSharingGroup", "DataStream", "KeyedStream", "WindowedStream",
            "ConnectedStreams", "BroadcastStream", "BroadcastConnectedStream", "DataStreamSink"]

from sluice.datastream.state_backend import (  # noqa: E402
    StateBackend, HashMapStateBackend, EmbeddedRocksDBStateBackend, CustomStateBackend, PredefinedOptions,
    MemoryStateBackend, FsStateBackend, RocksDBStateBackend,
)
from sluice.datastream.checkpoint_storage import (  # noqa: E402
    CheckpointStorage, JobManagerCheckpointStorage, FileSystemCheckpointStorage, CustomCheckpointStorage,
)

__all__ += ["StateBackend", "HashMapStateBackend", "EmbeddedRocksDBStateBackend", "CustomStateBackend",
            "PredefinedOptions", "MemoryStateBackend", "FsStateBackend", "RocksDBStateBackend", "CheckpointStorage",
            "JobManagerCheckpointStorage", "FileSystemCheckpointStorage",
            "CustomCheckpointStorage"]


def __getattr__(name: str) -> object:
    if name == "WindowedStream":  # loaded with the keyed operator (pyarrow)
        from sluice.datastream._keyed import WindowedStream
        return WindowedStream
    raise AttributeError("module %r has no attribute %r" % (__name__, name))

"""``pyflink.datastream.functions``: the interfaces of DataStream user
functions (MapFunction, ProcessFunction, WindowFunction, ...). Subclassing
them works; running them on a stream needs the DataStream API, which
Sluice does not run yet."""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Generic, Iterable, TypeVar

__all__ = [
    "RuntimeContext", "Function", "MapFunction", "CoMapFunction", "FlatMapFunction", "CoFlatMapFunction",
    "ReduceFunction", "AggregateFunction", "KeySelector", "NullByteKeySelector", "FilterFunction", "Partitioner",
    "SourceFunction", "SinkFunction", "ProcessFunction", "KeyedProcessFunction", "CoProcessFunction",
    "KeyedCoProcessFunction", "WindowFunction", "AllWindowFunction", "ProcessWindowFunction",
    "ProcessAllWindowFunction", "PassThroughWindowFunction", "PassThroughAllWindowFunction",
]

IN = TypeVar("IN")
OUT = TypeVar("OUT")
KEY = TypeVar("KEY")
W = TypeVar("W")
W2 = TypeVar("W2")
IN2 = TypeVar("IN2")


class KeyedStateStore(ABC):
    @abstractmethod
    def get_state(self, state_descriptor: Any) -> Any:
        pass

    @abstractmethod
    def get_list_state(self, state_descriptor: Any) -> Any:
        pass

    @abstractmethod
    def get_map_state(self, state_descriptor: Any) -> Any:
        pass

    @abstractmethod
    def get_reducing_state(self, state_descriptor: Any) -> Any:
        pass

    @abstractmethod
    def get_aggregating_state(self, state_descriptor: Any) -> Any:
        pass


class RuntimeContext(KeyedStateStore):
    """What a running function knows about its task."""

    @abstractmethod
    def get_task_name(self) -> str:
        pass

    @abstractmethod
    def get_number_of_parallel_subtasks(self) -> int:
        pass

    @abstractmethod
    def get_max_number_of_parallel_subtasks(self) -> int:
        pass

    @abstractmethod
    def get_index_of_this_subtask(self) -> int:
        pass

    @abstractmethod
    def get_attempt_number(self) -> int:
        pass

    @abstractmethod
    def get_task_name_with_subtasks(self) -> str:
        pass

    @abstractmethod
    def get_job_parameter(self, key: str, default_value: str) -> str:
        pass

    @abstractmethod
    def get_metrics_group(self) -> Any:
        pass


class Function(ABC):
    """The base of all user functions: ``open`` and ``close``."""

    def open(self, runtime_context: RuntimeContext) -> None:
        pass

    def close(self) -> None:
        pass


class MapFunction(Function):
    @abstractmethod
    def map(self, value: Any) -> Any:
        pass


class CoMapFunction(Function):
    @abstractmethod
    def map1(self, value: Any) -> Any:
        pass

    @abstractmethod
    def map2(self, value: Any) -> Any:
        pass


class FlatMapFunction(Function):
    @abstractmethod
    def flat_map(self, value: Any) -> Any:
        pass


class CoFlatMapFunction(Function):
    @abstractmethod
    def flat_map1(self, value: Any) -> Any:
        pass

    @abstractmethod
    def flat_map2(self, value: Any) -> Any:
        pass


class ReduceFunction(Function):
    @abstractmethod
    def reduce(self, value1: Any, value2: Any) -> Any:
        pass


class AggregateFunction(Function):
    @abstractmethod
    def create_accumulator(self) -> Any:
        pass

    @abstractmethod
    def add(self, value: Any, accumulator: Any) -> Any:
        pass

    @abstractmethod
    def get_result(self, accumulator: Any) -> Any:
        pass

    @abstractmethod
    def merge(self, acc_a: Any, acc_b: Any) -> Any:
        pass


class KeySelector(Function):
    @abstractmethod
    def get_key(self, value: Any) -> Any:
        pass


class NullByteKeySelector(KeySelector):
    """Keys every element by 0."""

    def get_key(self, value: Any) -> Any:
        return 0


class FilterFunction(Function):
    @abstractmethod
    def filter(self, value: Any) -> bool:
        pass


class Partitioner(Function):
    @abstractmethod
    def partition(self, key: Any, num_partitions: int) -> int:
        pass


class _JavaFunction(object):
    """A Java source or sink function (by class name): needs the JVM."""

    def __init__(self, j_function: Any) -> None:
        self._j_function = j_function

    def get_java_function(self) -> Any:
        raise NotImplementedError("%s: Sluice runs no JVM; Java functions of the DataStream API are not supported"
                                  % type(self).__name__)


class SourceFunction(_JavaFunction):
    pass


class SinkFunction(_JavaFunction):
    pass


class ProcessFunction(Function):
    """Processes each element, with timers and side outputs."""

    class Context(ABC):
        @abstractmethod
        def timer_service(self) -> Any:
            pass

        @abstractmethod
        def timestamp(self) -> int:
            pass

    @abstractmethod
    def process_element(self, value: Any, ctx: "ProcessFunction.Context") -> Any:
        pass


class KeyedProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def get_current_key(self) -> Any:
            pass

        @abstractmethod
        def timer_service(self) -> Any:
            pass

        @abstractmethod
        def timestamp(self) -> int:
            pass

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> Any:
            pass

    @abstractmethod
    def process_element(self, value: Any, ctx: "KeyedProcessFunction.Context") -> Any:
        pass

    def on_timer(self, timestamp: int, ctx: "KeyedProcessFunction.OnTimerContext") -> Any:
        pass


class CoProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def timer_service(self) -> Any:
            pass

        @abstractmethod
        def timestamp(self) -> int:
            pass

    @abstractmethod
    def process_element1(self, value: Any, ctx: "CoProcessFunction.Context") -> Any:
        pass

    @abstractmethod
    def process_element2(self, value: Any, ctx: "CoProcessFunction.Context") -> Any:
        pass


class KeyedCoProcessFunction(Function):
    class Context(ABC):
        @abstractmethod
        def get_current_key(self) -> Any:
            pass

        @abstractmethod
        def timer_service(self) -> Any:
            pass

        @abstractmethod
        def timestamp(self) -> int:
            pass

    class OnTimerContext(Context):
        @abstractmethod
        def time_domain(self) -> Any:
            pass

    @abstractmethod
    def process_element1(self, value: Any, ctx: "KeyedCoProcessFunction.Context") -> Any:
        pass

    @abstractmethod
    def process_element2(self, value: Any, ctx: "KeyedCoProcessFunction.Context") -> Any:
        pass

    def on_timer(self, timestamp: int, ctx: "KeyedCoProcessFunction.OnTimerContext") -> Any:
        pass


class WindowFunction(Function, Generic[IN, OUT, KEY, W]):
    """Evaluates a keyed window: ``apply(key, window, inputs)``."""

    @abstractmethod
    def apply(self, key: KEY, window: W, inputs: Iterable[IN]) -> Iterable[OUT]:
        pass


class AllWindowFunction(Function, Generic[IN, OUT, W]):
    @abstractmethod
    def apply(self, window: W, inputs: Iterable[IN]) -> Iterable[OUT]:
        pass


class ProcessWindowFunction(Function, Generic[IN, OUT, KEY, W]):
    class Context(ABC, Generic[W2]):
        @abstractmethod
        def window(self) -> W2:
            pass

        @abstractmethod
        def current_processing_time(self) -> int:
            pass

        @abstractmethod
        def current_watermark(self) -> int:
            pass

        @abstractmethod
        def window_state(self) -> KeyedStateStore:
            pass

        @abstractmethod
        def global_state(self) -> KeyedStateStore:
            pass

    @abstractmethod
    def process(self, key: KEY, context: "ProcessWindowFunction.Context", elements: Iterable[IN]) -> Iterable[OUT]:
        pass

    def clear(self, context: "ProcessWindowFunction.Context") -> None:
        pass


class ProcessAllWindowFunction(Function, Generic[IN, OUT, W]):
    class Context(ABC, Generic[W2]):
        @abstractmethod
        def window(self) -> W2:
            pass

        @abstractmethod
        def window_state(self) -> KeyedStateStore:
            pass

        @abstractmethod
        def global_state(self) -> KeyedStateStore:
            pass

    @abstractmethod
    def process(self, context: "ProcessAllWindowFunction.Context", elements: Iterable[IN]) -> Iterable[OUT]:
        pass

    def clear(self, context: "ProcessAllWindowFunction.Context") -> None:
        pass


class PassThroughWindowFunction(WindowFunction[IN, IN, KEY, W]):
    def apply(self, key: KEY, window: W, inputs: Iterable[IN]) -> Iterable[IN]:
        return inputs


class PassThroughAllWindowFunction(AllWindowFunction[IN, IN, W]):
    def apply(self, window: W, inputs: Iterable[IN]) -> Iterable[IN]:
        return inputs


class BaseBroadcastProcessFunction(Function):
    class BaseContext(ABC):
        @abstractmethod
        def timestamp(self) -> int:
            pass

        @abstractmethod
        def current_processing_time(self) -> int:
            pass

        @abstractmethod
        def current_watermark(self) -> int:
            pass

    class Context(BaseContext):
        @abstractmethod
        def get_broadcast_state(self, state_descriptor: Any) -> Any:
            pass

    class ReadOnlyContext(BaseContext):
        @abstractmethod
        def get_broadcast_state(self, state_descriptor: Any) -> Any:
            pass


class BroadcastProcessFunction(BaseBroadcastProcessFunction, Generic[IN, IN2, OUT]):
    @abstractmethod
    def process_element(self, value: Any, ctx: Any) -> Any:
        pass

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: Any) -> Any:
        pass


class KeyedBroadcastProcessFunction(BaseBroadcastProcessFunction, Generic[KEY, IN, IN2, OUT]):
    @abstractmethod
    def process_element(self, value: Any, ctx: Any) -> Any:
        pass

    @abstractmethod
    def process_broadcast_element(self, value: Any, ctx: Any) -> Any:
        pass

    def on_timer(self, timestamp: int, ctx: Any) -> Any:
        pass


class AsyncFunction(Function, Generic[IN, OUT]):
    """Asynchronous I/O: ``async def async_invoke(value)``."""

    @abstractmethod
    async def async_invoke(self, value: IN) -> Any:
        pass

    def timeout(self, value: IN) -> Any:
        raise TimeoutError("Async function call has timed out for input: " + str(value))


__all__ += ["BroadcastProcessFunction", "KeyedBroadcastProcessFunction", "AsyncFunction"]

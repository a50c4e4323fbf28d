"""``pyflink.datastream.state``: keyed state interfaces and descriptors.

Keyed state lives in the engine's keyed state backend (hashmap or pebble),
so it is checkpointed and restored with the job. Every state value (a value,
a list element, a map key and a map value) is stored as its pickle, whatever
the descriptor's type information says: the type information is kept for
the API's sake. The running operator hands a process function views of
these interfaces (sluice.datastream._keyed)."""
from __future__ import annotations

from abc import ABC, abstractmethod
from enum import Enum
from typing import Any, Dict, Generic, Iterable, Iterator, List, Optional, Tuple, TypeVar

from sluice.common.time import Duration, Time

__all__ = [
    "ValueStateDescriptor", "ValueState", "ListStateDescriptor", "ListState", "MapStateDescriptor", "MapState",
    "ReducingStateDescriptor", "ReducingState", "AggregatingStateDescriptor", "AggregatingState",
    "ReadOnlyBroadcastState", "BroadcastState", "StateTtlConfig", "OperatorStateStore", "StateDescriptor", "State",
    "AppendingState", "MergingState",
]

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
IN = TypeVar("IN")
OUT = TypeVar("OUT")


class OperatorStateStore(ABC):
    @abstractmethod
    def get_broadcast_state(self, state_descriptor: "MapStateDescriptor") -> "BroadcastState":
        pass


class State(ABC):
    """A keyed state: every call acts on the current key's entry."""

    @abstractmethod
    def clear(self) -> None:
        pass


class ValueState(State, Generic[T]):
    @abstractmethod
    def value(self) -> T:
        pass

    @abstractmethod
    def update(self, value: T) -> None:
        pass


class AppendingState(State, Generic[IN, OUT]):
    @abstractmethod
    def get(self) -> OUT:
        pass

    @abstractmethod
    def add(self, value: IN) -> None:
        pass


class MergingState(AppendingState[IN, OUT]):
    pass


class ReducingState(MergingState[T, T]):
    pass


class AggregatingState(MergingState[IN, OUT]):
    pass


class ListState(MergingState[T, Iterable[T]]):
    @abstractmethod
    def update(self, values: List[T]) -> None:
        pass

    @abstractmethod
    def add_all(self, values: List[T]) -> None:
        pass

    def __iter__(self) -> Iterator[T]:
        return iter(self.get())


class MapState(State, Generic[K, V]):
    @abstractmethod
    def get(self, key: K) -> V:
        pass

    @abstractmethod
    def put(self, key: K, value: V) -> None:
        pass

    @abstractmethod
    def put_all(self, dict_value: Dict[K, V]) -> None:
        pass

    @abstractmethod
    def remove(self, key: K) -> None:
        pass

    @abstractmethod
    def contains(self, key: K) -> bool:
        pass

    @abstractmethod
    def items(self) -> Iterable[Tuple[K, V]]:
        pass

    @abstractmethod
    def keys(self) -> Iterable[K]:
        pass

    @abstractmethod
    def values(self) -> Iterable[V]:
        pass

    @abstractmethod
    def is_empty(self) -> bool:
        pass

    def __getitem__(self, key: K) -> V:
        return self.get(key)

    def __setitem__(self, key: K, value: V) -> None:
        self.put(key, value)

    def __delitem__(self, key: K) -> None:
        self.remove(key)

    def __contains__(self, key: K) -> bool:
        return self.contains(key)

    def __iter__(self) -> Iterator[K]:
        return iter(self.keys())


class ReadOnlyBroadcastState(State, Generic[K, V]):
    @abstractmethod
    def get(self, key: K) -> V:
        pass

    @abstractmethod
    def contains(self, key: K) -> bool:
        pass

    @abstractmethod
    def items(self) -> Iterable[Tuple[K, V]]:
        pass

    @abstractmethod
    def keys(self) -> Iterable[K]:
        pass

    @abstractmethod
    def values(self) -> Iterable[V]:
        pass

    @abstractmethod
    def is_empty(self) -> bool:
        pass


class BroadcastState(ReadOnlyBroadcastState[K, V]):
    @abstractmethod
    def put(self, key: K, value: V) -> None:
        pass

    @abstractmethod
    def put_all(self, dict_value: Dict[K, V]) -> None:
        pass

    @abstractmethod
    def remove(self, key: K) -> None:
        pass


class StateDescriptor(ABC):
    """Names a keyed state and its type; the name is unique per operator."""

    def __init__(self, name: str, type_info: Any) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError("The name of a state descriptor must be a non-empty string, got %r" % (name,))
        self.name = name
        self.type_info = type_info
        self._ttl_config: Optional[StateTtlConfig] = None

    def get_name(self) -> str:
        return self.name

    def enable_time_to_live(self, ttl_config: "StateTtlConfig") -> None:
        self._ttl_config = ttl_config


class ValueStateDescriptor(StateDescriptor):
    def __init__(self, name: str, value_type_info: Any) -> None:
        super().__init__(name, value_type_info)


class ListStateDescriptor(StateDescriptor):
    def __init__(self, name: str, elem_type_info: Any) -> None:
        from sluice.common.typeinfo import Types
        super().__init__(name, Types.LIST(elem_type_info))
        self.elem_type_info = elem_type_info


class MapStateDescriptor(StateDescriptor):
    def __init__(self, name: str, key_type_info: Any, value_type_info: Any) -> None:
        from sluice.common.typeinfo import Types
        super().__init__(name, Types.MAP(key_type_info, value_type_info))
        self.key_type_info = key_type_info
        self.value_type_info = value_type_info


class ReducingStateDescriptor(StateDescriptor):
    def __init__(self, name: str, reduce_function: Any, type_info: Any) -> None:
        super().__init__(name, type_info)
        from sluice.datastream.functions import ReduceFunction
        if isinstance(reduce_function, ReduceFunction):
            self._reduce = reduce_function.reduce
        elif callable(reduce_function):
            self._reduce = reduce_function
        else:
            raise TypeError("The input must be a ReduceFunction or a callable function!")
        self._reduce_function = reduce_function

    def get_reduce_function(self) -> Any:
        return self._reduce_function


class AggregatingStateDescriptor(StateDescriptor):
    def __init__(self, name: str, agg_function: Any, state_type_info: Any) -> None:
        super().__init__(name, state_type_info)
        from sluice.datastream.functions import AggregateFunction
        if not isinstance(agg_function, AggregateFunction):
            raise TypeError("The input must be a pyflink.datastream.functions.AggregateFunction!")
        self._agg_function = agg_function

    def get_agg_function(self) -> Any:
        return self._agg_function


class StateTtlConfig(object):
    """Time-to-live of keyed state entries. Sluice's backends expire an
    entry TTL after its last write (OnCreateAndWrite) and never return an
    expired entry (NeverReturnExpired), in processing time: the other update
    types and visibilities are rejected when the state is created."""

    class UpdateType(Enum):
        Disabled = 0
        OnCreateAndWrite = 1
        OnReadAndWrite = 2

    class StateVisibility(Enum):
        ReturnExpiredIfNotCleanedUp = 0
        NeverReturnExpired = 1

    class TtlTimeCharacteristic(Enum):
        ProcessingTime = 0

    def __init__(self, update_type: "StateTtlConfig.UpdateType", state_visibility: "StateTtlConfig.StateVisibility",
                 ttl_time_characteristic: "StateTtlConfig.TtlTimeCharacteristic", ttl: Any,
                 cleanup_strategies: "StateTtlConfig.CleanupStrategies") -> None:
        self._update_type = update_type
        self._state_visibility = state_visibility
        self._ttl_time_characteristic = ttl_time_characteristic
        self._ttl = ttl
        self._cleanup_strategies = cleanup_strategies

    @staticmethod
    def new_builder(ttl: Any) -> "StateTtlConfig.Builder":
        return StateTtlConfig.Builder(ttl)

    def get_update_type(self) -> "StateTtlConfig.UpdateType":
        return self._update_type

    def get_state_visibility(self) -> "StateTtlConfig.StateVisibility":
        return self._state_visibility

    def get_ttl(self) -> Any:
        return self._ttl

    def get_ttl_time_characteristic(self) -> "StateTtlConfig.TtlTimeCharacteristic":
        return self._ttl_time_characteristic

    def is_enabled(self) -> bool:
        return self._update_type != StateTtlConfig.UpdateType.Disabled

    def get_cleanup_strategies(self) -> "StateTtlConfig.CleanupStrategies":
        return self._cleanup_strategies

    def _ttl_millis(self) -> int:
        return _millis(self._ttl)

    class Builder(object):
        def __init__(self, ttl: Any) -> None:
            self._ttl = ttl
            self._update_type = StateTtlConfig.UpdateType.OnCreateAndWrite
            self._state_visibility = StateTtlConfig.StateVisibility.NeverReturnExpired
            self._ttl_time_characteristic = StateTtlConfig.TtlTimeCharacteristic.ProcessingTime
            self._is_cleanup_in_background = True

        def set_update_type(self, update_type: "StateTtlConfig.UpdateType") -> "StateTtlConfig.Builder":
            self._update_type = update_type
            return self

        def update_ttl_on_create_and_write(self) -> "StateTtlConfig.Builder":
            return self.set_update_type(StateTtlConfig.UpdateType.OnCreateAndWrite)

        def update_ttl_on_read_and_write(self) -> "StateTtlConfig.Builder":
            return self.set_update_type(StateTtlConfig.UpdateType.OnReadAndWrite)

        def set_state_visibility(self, state_visibility: "StateTtlConfig.StateVisibility") -> "StateTtlConfig.Builder":
            self._state_visibility = state_visibility
            return self

        def return_expired_if_not_cleaned_up(self) -> "StateTtlConfig.Builder":
            return self.set_state_visibility(StateTtlConfig.StateVisibility.ReturnExpiredIfNotCleanedUp)

        def never_return_expired(self) -> "StateTtlConfig.Builder":
            return self.set_state_visibility(StateTtlConfig.StateVisibility.NeverReturnExpired)

        def set_ttl_time_characteristic(self, c: "StateTtlConfig.TtlTimeCharacteristic") -> "StateTtlConfig.Builder":
            self._ttl_time_characteristic = c
            return self

        def use_processing_time(self) -> "StateTtlConfig.Builder":
            return self.set_ttl_time_characteristic(StateTtlConfig.TtlTimeCharacteristic.ProcessingTime)

        def cleanup_full_snapshot(self) -> "StateTtlConfig.Builder":
            return self

        def cleanup_incrementally(self, cleanup_size: int, run_cleanup_for_every_record: bool) -> "StateTtlConfig.Builder":
            return self

        def cleanup_in_rocksdb_compact_filter(self, query_time_after_num_entries: int,
                                              periodic_compaction_time: Any = None) -> "StateTtlConfig.Builder":
            return self

        def disable_cleanup_in_background(self) -> "StateTtlConfig.Builder":
            self._is_cleanup_in_background = False
            return self

        def set_ttl(self, ttl: Any) -> "StateTtlConfig.Builder":
            self._ttl = ttl
            return self

        def build(self) -> "StateTtlConfig":
            return StateTtlConfig(self._update_type, self._state_visibility, self._ttl_time_characteristic, self._ttl,
                                  StateTtlConfig.CleanupStrategies(self._is_cleanup_in_background))

    class CleanupStrategies(object):
        def __init__(self, is_cleanup_in_background: bool = True) -> None:
            self._is_cleanup_in_background = is_cleanup_in_background

        def is_cleanup_in_background(self) -> bool:
            return self._is_cleanup_in_background

        def in_full_snapshot(self) -> bool:
            return False


def _millis(ttl: Any) -> int:
    """A TTL given as Time, Duration, datetime.timedelta or milliseconds."""
    if isinstance(ttl, Time):
        return ttl.to_milliseconds()
    if isinstance(ttl, Duration):
        return ttl.to_milliseconds()
    if hasattr(ttl, "total_seconds"):
        return int(ttl.total_seconds() * 1000)
    if isinstance(ttl, int):
        return ttl
    raise TypeError("a state TTL must be a Time or a Duration, got %r" % (ttl,))

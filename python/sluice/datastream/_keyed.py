"""The Python half of the keyed stateful DataStream operator (Go:
github.com/sluice-stream/sluice/datastream, NewKeyedProcess).

The operator hands this runner one batch at a time, never a record: the
distinct keys of the batch, the records (key id, value, timestamp) and the
state those keys have in the engine's keyed state backend. The runner calls
the user function per record against an in-memory view of that state, and
returns, as Arrow record batches written into C Data Interface structs the
operator owns:

  0. the outputs: ``f0`` (the output type) and ``ts`` (int64 ms or NULL);
  1. the state writes of the keys whose state changed;
  2. the timer registrations and deletions that are still pending;
  3. the state descriptors declared for the first time.

Timers fire the same way: the operator pops the due timers (an event-time
timer when the watermark reaches it, a processing-time timer when the clock
does) and calls ``on_timer`` with them and their keys' state. A timer that a
callback registers at or before the time being fired fires in the same call,
in timestamp order, as Flink's timer services do.

State values, list elements, map keys and map values are pickled, whatever
the descriptor's type information; the type information of the key, the
input and the output decides how Arrow columns become Python objects.
"""
from __future__ import annotations

import heapq
import pickle
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import pyarrow as pa

from sluice.datastream.state import (
    AggregatingState, AggregatingStateDescriptor, ListState, ListStateDescriptor, MapState, MapStateDescriptor,
    ReducingState, ReducingStateDescriptor, StateDescriptor, StateTtlConfig, ValueState, ValueStateDescriptor,
)
from sluice.datastream.time_domain import TimeDomain
from sluice.datastream.timerservice import TimerService

__all__ = ["make_runner", "WindowedStream", "KIND_VALUE", "KIND_LIST", "KIND_MAP", "KIND_REDUCING", "KIND_AGGREGATING"]

# State kinds as the Go operator numbers them (datastream/keyed.go).
KIND_VALUE, KIND_LIST, KIND_MAP, KIND_REDUCING, KIND_AGGREGATING = 0, 1, 2, 3, 4
_KIND_NAMES = {KIND_VALUE: "ValueState", KIND_LIST: "ListState", KIND_MAP: "MapState",
               KIND_REDUCING: "ReducingState", KIND_AGGREGATING: "AggregatingState"}

# State write operations (datastream/keyed.go applies them).
OP_SET, OP_CLEAR, OP_APPEND, OP_PUT, OP_REMOVE = 0, 1, 2, 3, 4

EVENT_TIME, PROCESSING_TIME = 0, 1

MIN_WATERMARK = -(1 << 63)

_WRITES_SCHEMA = pa.schema([("kid", pa.int32()), ("sid", pa.int32()), ("op", pa.int8()), ("ukey", pa.binary()),
                            ("val", pa.binary())])
_TIMERS_SCHEMA = pa.schema([("kid", pa.int32()), ("ts", pa.int64()), ("domain", pa.int8()), ("op", pa.int8())])
_DESCS_SCHEMA = pa.schema([("sid", pa.int32()), ("name", pa.string()), ("kind", pa.int8()), ("ttl", pa.int64())])


def _dumps(v: Any) -> bytes:
    return pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)


# ---------------------------------------------------------------- conversions

def _pylist(arr: Any) -> List[Any]:
    """arr's values as Python objects. pyarrow's to_pylist builds a scalar
    per value (~0.3 us); numbers, booleans, strings and bytes without NULLs
    go through numpy's tolist instead, which gives the same objects."""
    n = len(arr)
    if arr.null_count == n and n:
        return [None] * n
    t = arr.type
    if arr.null_count == 0 and (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                                or pa.types.is_string(t) or pa.types.is_large_string(t)
                                or pa.types.is_binary(t) or pa.types.is_large_binary(t)):
        return arr.to_numpy(zero_copy_only=False).tolist()
    return arr.to_pylist()


def _is_pickled(type_info: Any) -> bool:
    from sluice.common.typeinfo import PickledBytesTypeInfo
    return type_info is None or isinstance(type_info, PickledBytesTypeInfo)


def _decoder(type_info: Any) -> Callable[[pa.Array], List[Any]]:
    """How a column of type_info becomes Python objects: pickles are
    loaded, rows become Rows with their field names, tuples tuples."""
    from sluice.common.typeinfo import RowTypeInfo, TupleTypeInfo
    if _is_pickled(type_info):
        loads = pickle.loads
        return lambda arr: [None if b is None else loads(b) for b in _pylist(arr)]
    if isinstance(type_info, (RowTypeInfo, TupleTypeInfo)):
        fields = [_decoder(t) for t in type_info.get_field_types()]
        if isinstance(type_info, RowTypeInfo):
            from sluice.common import Row, RowKind
            from sluice.common import _create_row
            names = type_info.get_field_names()

            def make(vals: Tuple[Any, ...]) -> Any:
                return _create_row(names, vals, RowKind.INSERT)
        else:
            make = tuple  # type: ignore[assignment]

        def decode_struct(arr: pa.Array) -> List[Any]:
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            cols = [f(arr.field(i)) for i, f in enumerate(fields)]
            valid = arr.is_valid().to_pylist() if arr.null_count else None
            out = []
            for r, vals in enumerate(zip(*cols)) if cols else enumerate([()] * len(arr)):
                out.append(make(tuple(vals)) if valid is None or valid[r] else None)
            return out
        return decode_struct
    from sluice.common.typeinfo import MapTypeInfo
    if isinstance(type_info, MapTypeInfo):
        # pyarrow gives a map as a list of (key, value) pairs.
        return lambda arr: [None if v is None else dict(v) for v in arr.to_pylist()]
    return _pylist


def _py_for_arrow(v: Any, t: pa.DataType) -> Any:
    """A Python value in the shape pa.array takes for type t: rows and
    tuples become dicts by position, maps lists of pairs."""
    if v is None:
        return None
    if pa.types.is_struct(t):
        if isinstance(v, dict):
            return {t.field(i).name: _py_for_arrow(v.get(t.field(i).name), t.field(i).type) for i in range(t.num_fields)}
        vals = list(v)
        if len(vals) != t.num_fields:
            raise ValueError("a value of %d fields for a row of %d fields (%s): %r" % (len(vals), t.num_fields, t, v))
        return {t.field(i).name: _py_for_arrow(vals[i], t.field(i).type) for i in range(t.num_fields)}
    if pa.types.is_map(t):
        return [(_py_for_arrow(k, t.key_type), _py_for_arrow(x, t.item_type)) for k, x in v.items()]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [_py_for_arrow(x, t.value_type) for x in v]
    return v


def _nested(t: pa.DataType) -> bool:
    return pa.types.is_struct(t) or pa.types.is_map(t) or pa.types.is_list(t) or pa.types.is_large_list(t)


def _encoder(type_info: Any, arrow_type: pa.DataType) -> Callable[[List[Any]], pa.Array]:
    if _is_pickled(type_info) and (pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type)):
        return lambda vals: pa.array([None if v is None else _dumps(v) for v in vals], type=arrow_type)
    if _nested(arrow_type):
        return lambda vals: pa.array([_py_for_arrow(v, arrow_type) for v in vals], type=arrow_type)
    return lambda vals: pa.array(vals, type=arrow_type)


# ---------------------------------------------------------------- state views

class _Missing(object):
    pass


_MISSING = _Missing()


class _Slot(object):
    """One key's entry of one state during a call: what the backend had
    (raw pickles), the live Python value once touched, and what changed."""
    __slots__ = ("raw", "value", "loaded", "dirty", "cleared", "appended", "puts", "removes")

    def __init__(self) -> None:
        self.raw: Any = None  # value: bytes or None; list: [bytes]; map: [(ukey, val)]
        self.value: Any = _MISSING
        self.loaded = False
        self.dirty = False
        self.cleared = False
        self.appended = 0  # list: elements added at the end since the load, with no other change
        self.puts: Optional[set] = None  # map: user keys put since the load
        self.removes: Optional[set] = None


class _Registered(object):
    __slots__ = ("sid", "name", "kind", "ttl", "descriptor", "fresh")

    def __init__(self, sid: int, name: str, kind: int, ttl: int, descriptor: Any, fresh: bool) -> None:
        self.sid, self.name, self.kind, self.ttl, self.descriptor, self.fresh = sid, name, kind, ttl, descriptor, fresh


class _Store(object):
    """The state of the keys of one call, by (key id, state id)."""

    def __init__(self) -> None:
        self.states: Dict[str, _Registered] = {}
        self.by_sid: List[_Registered] = []
        self.slots: Dict[Tuple[int, int], _Slot] = {}
        self.kid = -1

    def begin(self, state_rb: Optional[pa.RecordBatch]) -> None:
        self.slots = {}
        if state_rb is None or state_rb.num_rows == 0:
            return
        kids = _pylist(state_rb.column(0))
        sids = _pylist(state_rb.column(1))
        ukeys = _pylist(state_rb.column(2))
        vals = _pylist(state_rb.column(3))
        for kid, sid, uk, val in zip(kids, sids, ukeys, vals):
            slot = self.slots.get((kid, sid))
            if slot is None:
                slot = self.slots[(kid, sid)] = _Slot()
            kind = self.by_sid[sid].kind
            if kind == KIND_LIST:
                if slot.raw is None:
                    slot.raw = []
                slot.raw.append(val)
            elif kind == KIND_MAP:
                if slot.raw is None:
                    slot.raw = []
                slot.raw.append((uk, val))
            else:
                slot.raw = val

    def register(self, descriptor: StateDescriptor, kind: int) -> _Registered:
        if not isinstance(descriptor, StateDescriptor):
            raise TypeError("a state descriptor is expected, got %r" % (descriptor,))
        name = descriptor.get_name()
        ttl = 0
        cfg = descriptor._ttl_config
        if cfg is not None and cfg.is_enabled():
            if cfg.get_update_type() != StateTtlConfig.UpdateType.OnCreateAndWrite:
                raise ValueError("state %r: Sluice's state TTL counts from the last write "
                                 "(UpdateType.OnCreateAndWrite); %s is not supported" % (name, cfg.get_update_type()))
            if cfg.get_state_visibility() != StateTtlConfig.StateVisibility.NeverReturnExpired:
                raise ValueError("state %r: Sluice never returns expired state (StateVisibility.NeverReturnExpired); "
                                 "%s is not supported" % (name, cfg.get_state_visibility()))
            ttl = cfg._ttl_millis()
            if ttl <= 0:
                raise ValueError("state %r: the TTL must be positive, got %d ms" % (name, ttl))
        reg = self.states.get(name)
        if reg is not None:
            if reg.kind != kind:
                raise ValueError("state %r is already registered as %s, not %s" % (name, _KIND_NAMES[reg.kind],
                                                                                   _KIND_NAMES[kind]))
            if reg.ttl != ttl:
                raise ValueError("state %r has a TTL of %d ms in the checkpoint it was restored from (0: none); "
                                 "it cannot be declared with %d ms" % (name, reg.ttl, ttl))
            if reg.descriptor is None:
                reg.descriptor = descriptor
            return reg
        reg = _Registered(len(self.by_sid), name, kind, ttl, descriptor, True)
        self.states[name] = reg
        self.by_sid.append(reg)
        return reg

    def slot(self, sid: int) -> _Slot:
        if self.kid < 0:
            raise RuntimeError("keyed state is only accessible while a record or a timer of a key is processed")
        s = self.slots.get((self.kid, sid))
        if s is None:
            s = self.slots[(self.kid, sid)] = _Slot()
        return s

    def writes(self) -> pa.RecordBatch:
        kids: List[int] = []
        sids: List[int] = []
        ops: List[int] = []
        ukeys: List[Optional[bytes]] = []
        vals: List[Optional[bytes]] = []

        def emit(kid: int, sid: int, op: int, uk: Optional[bytes], val: Optional[bytes]) -> None:
            kids.append(kid)
            sids.append(sid)
            ops.append(op)
            ukeys.append(uk)
            vals.append(val)

        for (kid, sid), s in self.slots.items():
            if not s.dirty:
                continue
            kind = self.by_sid[sid].kind
            if kind == KIND_LIST:
                if s.cleared or s.appended < 0:
                    emit(kid, sid, OP_CLEAR, None, None)
                    for e in s.value or ():
                        emit(kid, sid, OP_APPEND, None, _dumps(e))
                else:
                    for e in s.value[len(s.value) - s.appended:]:
                        emit(kid, sid, OP_APPEND, None, _dumps(e))
            elif kind == KIND_MAP:
                if s.cleared:
                    emit(kid, sid, OP_CLEAR, None, None)
                for k in s.removes or ():
                    if not s.puts or k not in s.puts:
                        emit(kid, sid, OP_REMOVE, _dumps(k), None)
                if s.puts:
                    live = s.value
                    for k in s.puts:
                        emit(kid, sid, OP_PUT, _dumps(k), _dumps(live[k]))
            else:
                if s.value is _MISSING or s.value is None:
                    emit(kid, sid, OP_CLEAR, None, None)
                else:
                    emit(kid, sid, OP_SET, None, _dumps(s.value))
        return pa.RecordBatch.from_arrays([pa.array(kids, pa.int32()), pa.array(sids, pa.int32()),
                                           pa.array(ops, pa.int8()), pa.array(ukeys, pa.binary()),
                                           pa.array(vals, pa.binary())], schema=_WRITES_SCHEMA)

    def new_descriptors(self) -> pa.RecordBatch:
        fresh = [r for r in self.by_sid if r.fresh]
        for r in fresh:
            r.fresh = False
        return pa.RecordBatch.from_arrays([pa.array([r.sid for r in fresh], pa.int32()),
                                           pa.array([r.name for r in fresh], pa.string()),
                                           pa.array([r.kind for r in fresh], pa.int8()),
                                           pa.array([r.ttl for r in fresh], pa.int64())], schema=_DESCS_SCHEMA)


class _StateBase(object):
    def __init__(self, store: _Store, reg: _Registered) -> None:
        self._store = store
        self._sid = reg.sid
        self._reg = reg

    def _slot(self) -> _Slot:
        return self._store.slot(self._sid)


class _ValueView(_StateBase):
    def _get(self) -> Any:
        s = self._slot()
        if not s.loaded:
            s.loaded = True
            if s.value is _MISSING:
                s.value = None if s.raw is None else pickle.loads(s.raw)
        return s.value

    def _set(self, v: Any) -> None:
        s = self._slot()
        s.loaded = True
        s.value = v
        s.dirty = True

    def clear(self) -> None:
        self._set(None)


class _Value(_ValueView, ValueState):
    def value(self) -> Any:
        return self._get()

    def update(self, value: Any) -> None:
        self._set(value)


class _Reducing(_ValueView, ReducingState):
    def get(self) -> Any:
        return self._get()

    def add(self, value: Any) -> None:
        cur = self._get()
        self._set(value if cur is None else self._reg.descriptor._reduce(cur, value))


class _Aggregating(_ValueView, AggregatingState):
    def get(self) -> Any:
        acc = self._get()
        if acc is None:
            return None
        return self._reg.descriptor.get_agg_function().get_result(acc)

    def add(self, value: Any) -> None:
        fn = self._reg.descriptor.get_agg_function()
        acc = self._get()
        if acc is None:
            acc = fn.create_accumulator()
        self._set(fn.add(value, acc))


class _List(_StateBase, ListState):
    def _list(self) -> List[Any]:
        s = self._slot()
        if not s.loaded:
            s.loaded = True
            s.value = [pickle.loads(b) for b in s.raw] if s.raw else []
        return s.value

    def get(self) -> Iterable[Any]:
        # A copy: the caller iterating while adding must not see its adds.
        return list(self._list())

    def add(self, value: Any) -> None:
        if value is None:
            raise ValueError("You cannot add null to a ListState.")
        lst = self._list()
        s = self._slot()
        lst.append(value)
        s.dirty = True
        if s.appended >= 0 and not s.cleared:
            s.appended += 1

    def add_all(self, values: List[Any]) -> None:
        for v in values:
            self.add(v)

    def update(self, values: List[Any]) -> None:
        vals = list(values or [])
        if any(v is None for v in vals):
            raise ValueError("You cannot add null to a ListState.")
        s = self._slot()
        s.loaded = True
        s.value = vals
        s.dirty = True
        s.cleared = True

    def clear(self) -> None:
        self.update([])


class _Map(_StateBase, MapState):
    def _map(self) -> Dict[Any, Any]:
        s = self._slot()
        if not s.loaded:
            s.loaded = True
            s.value = {pickle.loads(k): pickle.loads(v) for k, v in s.raw} if s.raw else {}
        return s.value

    def get(self, key: Any) -> Any:
        return self._map().get(key)

    def put(self, key: Any, value: Any) -> None:
        m = self._map()
        s = self._slot()
        m[key] = value
        # The user keys are pickled once, when the writes are collected.
        if s.puts is None:
            s.puts = set()
        s.puts.add(key)
        if s.removes:
            s.removes.discard(key)
        s.dirty = True

    def put_all(self, dict_value: Dict[Any, Any]) -> None:
        for k, v in dict_value.items():
            self.put(k, v)

    def remove(self, key: Any) -> None:
        m = self._map()
        s = self._slot()
        m.pop(key, None)
        if s.puts:
            s.puts.discard(key)
        if not s.cleared:
            if s.removes is None:
                s.removes = set()
            s.removes.add(key)
        s.dirty = True

    def contains(self, key: Any) -> bool:
        return key in self._map()

    def items(self) -> Iterable[Tuple[Any, Any]]:
        return list(self._map().items())

    def keys(self) -> Iterable[Any]:
        return list(self._map().keys())

    def values(self) -> Iterable[Any]:
        return list(self._map().values())

    def is_empty(self) -> bool:
        return not self._map()

    def clear(self) -> None:
        s = self._slot()
        s.loaded = True
        s.value = {}
        s.cleared = True
        s.puts = None
        s.removes = None
        s.dirty = True


_VIEWS = {KIND_VALUE: _Value, KIND_LIST: _List, KIND_MAP: _Map, KIND_REDUCING: _Reducing,
          KIND_AGGREGATING: _Aggregating}


# ---------------------------------------------------------------- contexts

class _RuntimeContext(object):
    """pyflink.datastream.RuntimeContext of a keyed function."""

    def __init__(self, store: _Store, task: Dict[str, Any]) -> None:
        self._store = store
        self._task = task
        self._views: Dict[str, Any] = {}

    def _state(self, descriptor: Any, kind: int, expected: type) -> Any:
        if not isinstance(descriptor, expected):
            raise TypeError("%s expects a %s, got %r" % (_KIND_NAMES[kind], expected.__name__, descriptor))
        reg = self._store.register(descriptor, kind)
        view = self._views.get(reg.name)
        if view is None:
            view = self._views[reg.name] = _VIEWS[kind](self._store, reg)
        return view

    def get_state(self, state_descriptor: ValueStateDescriptor) -> ValueState:
        return self._state(state_descriptor, KIND_VALUE, ValueStateDescriptor)

    def get_list_state(self, state_descriptor: ListStateDescriptor) -> ListState:
        return self._state(state_descriptor, KIND_LIST, ListStateDescriptor)

    def get_map_state(self, state_descriptor: MapStateDescriptor) -> MapState:
        return self._state(state_descriptor, KIND_MAP, MapStateDescriptor)

    def get_reducing_state(self, state_descriptor: ReducingStateDescriptor) -> ReducingState:
        return self._state(state_descriptor, KIND_REDUCING, ReducingStateDescriptor)

    def get_aggregating_state(self, state_descriptor: AggregatingStateDescriptor) -> AggregatingState:
        return self._state(state_descriptor, KIND_AGGREGATING, AggregatingStateDescriptor)

    def get_task_name(self) -> str:
        return self._task.get("task_name", "")

    def get_number_of_parallel_subtasks(self) -> int:
        return self._task.get("parallelism", 1)

    def get_max_number_of_parallel_subtasks(self) -> int:
        return self._task.get("max_parallelism", 128)

    def get_index_of_this_subtask(self) -> int:
        return self._task.get("subtask", 0)

    def get_attempt_number(self) -> int:
        return 0

    def get_task_name_with_subtasks(self) -> str:
        return "%s (%d/%d)" % (self.get_task_name(), self.get_index_of_this_subtask() + 1,
                               self.get_number_of_parallel_subtasks())

    def get_job_parameter(self, key: str, default_value: str) -> str:
        return self._task.get("job_parameters", {}).get(key, default_value)

    def get_metrics_group(self) -> Any:
        raise NotImplementedError("metric groups of DataStream functions are not supported by Sluice")


class _Timers(TimerService):
    """The timer service of the current key: registrations and deletions
    are recorded for the operator; timers due in the call that is firing
    timers fire in it."""

    def __init__(self, runner: "_Runner") -> None:
        self._r = runner

    def current_processing_time(self) -> int:
        return self._r.now

    def current_watermark(self) -> int:
        return self._r.watermark

    def register_processing_time_timer(self, timestamp: int) -> None:
        self._r.timer_op(PROCESSING_TIME, int(timestamp), True)

    def register_event_time_timer(self, timestamp: int) -> None:
        self._r.timer_op(EVENT_TIME, int(timestamp), True)

    def delete_processing_time_timer(self, timestamp: int) -> None:
        self._r.timer_op(PROCESSING_TIME, int(timestamp), False)

    def delete_event_time_timer(self, timestamp: int) -> None:
        self._r.timer_op(EVENT_TIME, int(timestamp), False)


class _Context(object):
    """KeyedProcessFunction.Context and OnTimerContext."""

    def __init__(self, runner: "_Runner") -> None:
        self._r = runner
        self._timers = _Timers(runner)
        self.key: Any = None
        self.ts: Optional[int] = None
        self.domain: Optional[TimeDomain] = None

    def get_current_key(self) -> Any:
        return self.key

    def timer_service(self) -> TimerService:
        return self._timers

    def timestamp(self) -> int:
        # PyFlink: a record without a timestamp reads Long.MIN_VALUE.
        return MIN_WATERMARK if self.ts is None else self.ts

    def time_domain(self) -> Optional[TimeDomain]:
        return self.domain

    def output(self, output_tag: Any, value: Any) -> None:
        raise NotImplementedError("side outputs of a KeyedProcessFunction are not supported by Sluice yet")


def _register_context_classes() -> None:
    # The contexts pass isinstance checks against PyFlink's abstract classes.
    from sluice.datastream.functions import KeyedProcessFunction, RuntimeContext
    RuntimeContext.register(_RuntimeContext)
    KeyedProcessFunction.Context.register(_Context)
    KeyedProcessFunction.OnTimerContext.register(_Context)


_register_context_classes()


# ---------------------------------------------------------------- the runner

def _function_name(function: Any) -> str:
    if hasattr(function, "__name__"):
        return function.__name__
    return type(function).__name__


class _Runner(object):
    """What the Go operator calls: open, process, on_timer, close."""

    # _timed: _element and _timer yield (output, timestamp) pairs (windows
    # emit at the window's max timestamp) rather than outputs.
    _timed = False

    def __init__(self, function: Any, output_type: Any, key_type: Any, value_type: Any, **options: Any) -> None:
        self.function = function
        self.options = options
        self.name = _function_name(function)
        self.output_type = output_type
        self.key_type = key_type
        self.value_type = value_type
        self.store = _Store()
        self.ctx = _Context(self)
        self.watermark = MIN_WATERMARK
        self.now = 0
        self.kid = -1
        self.failure = ""
        self._decode_key = _decoder(key_type)
        self._decode_value = _decoder(value_type)
        self._encode_out: Optional[Callable[[List[Any]], pa.Array]] = None
        self._out_schema: Optional[pa.Schema] = None
        # timer bookkeeping of one call
        self._timer_ops: Dict[Tuple[int, int, int], bool] = {}
        self._firing: Optional[List[Tuple[int, int, int]]] = None  # heap of (ts, kid, domain)
        self._pending: Optional[Dict[Tuple[int, int, int], bool]] = None
        self._until = (MIN_WATERMARK, MIN_WATERMARK)

    # -- called from Go

    def copy(self) -> "_Runner":
        """A runner over a copy of the function, for one subtask: PyFlink
        gives each subtask its own deserialized function."""
        import copy
        function, options = copy.deepcopy((self.function, self.options))
        return type(self)(function, self.output_type, self.key_type, self.value_type, **options)

    def open(self, out_schema_ptr: int, known: List[Tuple[str, int, int]], task_name: str, subtask: int,
             parallelism: int, max_parallelism: int) -> None:
        task = {"task_name": task_name, "subtask": subtask, "parallelism": parallelism,
                "max_parallelism": max_parallelism}
        self._out_schema = pa.Schema._import_from_c(out_schema_ptr)
        self._encode_out = _encoder(self.output_type, self._out_schema.field(0).type)
        # States of the checkpoint the job restored from keep their ids, so
        # a state the function declares lazily finds its restored entries.
        for name, kind, ttl in known:
            reg = _Registered(len(self.store.by_sid), name, kind, ttl, None, False)
            self.store.states[name] = reg
            self.store.by_sid.append(reg)
        self.runtime_context = _RuntimeContext(self.store, task)
        self.failure = "open"
        self._open_function()
        self.failure = ""

    def _open_function(self) -> None:
        if hasattr(self.function, "open"):
            self.function.open(self.runtime_context)

    def close(self) -> None:
        if hasattr(self.function, "close"):
            self.function.close()

    def descriptors(self, out_ptr: int) -> None:
        self.store.new_descriptors()._export_to_c(out_ptr, out_ptr + _SCHEMA_OFFSET)

    def process(self, keys_ptr: int, in_ptr: int, state_ptr: int, out_ptr: int, watermark: int, now: int) -> None:
        keys_rb = pa.RecordBatch._import_from_c(keys_ptr, keys_ptr + _SCHEMA_OFFSET)
        in_rb = pa.RecordBatch._import_from_c(in_ptr, in_ptr + _SCHEMA_OFFSET)
        state_rb = pa.RecordBatch._import_from_c(state_ptr, state_ptr + _SCHEMA_OFFSET)
        self._begin(state_rb, watermark, now)
        keys = self._keys(keys_rb)
        del keys_rb
        kids = _pylist(in_rb.column(0))
        values = self._decode_value(in_rb.column(1))
        tss = _pylist(in_rb.column(2))
        del in_rb, state_rb
        out: List[Any] = []
        out_ts: List[Optional[int]] = []
        ctx = self.ctx
        ctx.domain = None
        # Locals: this loop runs once per record.
        store, element, timed = self.store, self._element, self._timed
        add_out, add_ts = out.append, out_ts.append
        for kid, value, ts in zip(kids, values, tss):
            store.kid = self.kid = kid
            ctx.key = keys[kid]
            ctx.ts = ts
            try:
                res = element(value, ctx)
                if res is not None:
                    if timed:
                        for o, t in res:
                            add_out(o)
                            add_ts(t)
                    else:
                        for o in res:
                            add_out(o)
                            add_ts(ts)
            except BaseException:
                self.failure = "process_element on key %s, record %s" % (_short(ctx.key), _short(value))
                raise
        self._finish(out, out_ts, out_ptr)

    def on_timer(self, keys_ptr: int, timers_ptr: int, state_ptr: int, out_ptr: int, watermark: int,
                 now: int) -> None:
        keys_rb = pa.RecordBatch._import_from_c(keys_ptr, keys_ptr + _SCHEMA_OFFSET)
        tm_rb = pa.RecordBatch._import_from_c(timers_ptr, timers_ptr + _SCHEMA_OFFSET)
        state_rb = pa.RecordBatch._import_from_c(state_ptr, state_ptr + _SCHEMA_OFFSET)
        self._begin(state_rb, watermark, now)
        keys = self._keys(keys_rb)
        # Ordered by time, then key id: the operator numbers the keys in
        # the order of their bytes, as its own timer heap breaks ties.
        heap: List[Tuple[int, int, int]] = []
        for kid, ts, dom in zip(_pylist(tm_rb.column(0)), _pylist(tm_rb.column(1)), _pylist(tm_rb.column(2))):
            heap.append((ts, kid, dom))
        del keys_rb, tm_rb, state_rb
        heapq.heapify(heap)
        self._firing = heap
        self._pending = {(kid, dom, ts): True for ts, kid, dom in heap}
        self._until = (watermark, now)
        out: List[Any] = []
        out_ts: List[Optional[int]] = []
        ctx = self.ctx
        try:
            while heap:
                ts, kid, dom = heapq.heappop(heap)
                if not self._pending.pop((kid, dom, ts), False):
                    continue  # deleted by an earlier callback of this call
                self.store.kid = self.kid = kid
                ctx.key = keys[kid]
                ctx.domain = TimeDomain.EVENT_TIME if dom == EVENT_TIME else TimeDomain.PROCESSING_TIME
                # Flink: ctx.timestamp() is the timer's time; what the
                # timer emits carries it on event time and no timestamp on
                # processing time.
                ctx.ts = ts
                emit_ts = ts if dom == EVENT_TIME else None
                try:
                    res = self._timer(ts, ctx)
                    if res is not None:
                        if self._timed:
                            for o, t in res:
                                out.append(o)
                                out_ts.append(t)
                        else:
                            for o in res:
                                out.append(o)
                                out_ts.append(emit_ts)
                except BaseException:
                    self.failure = "on_timer(%d) on key %s" % (ts, _short(ctx.key))
                    raise
        finally:
            self._firing = None
            self._pending = None
        self._finish(out, out_ts, out_ptr)

    # -- what the kinds override

    def _element(self, value: Any, ctx: _Context) -> Optional[Iterable[Any]]:
        return self.function.process_element(value, ctx)

    def _timer(self, ts: int, ctx: _Context) -> Optional[Iterable[Any]]:
        return self.function.on_timer(ts, ctx)

    # -- helpers

    def _keys(self, keys_rb: pa.RecordBatch) -> Dict[int, Any]:
        return dict(zip(_pylist(keys_rb.column(0)), self._decode_key(keys_rb.column(1))))

    def _begin(self, state_rb: pa.RecordBatch, watermark: int, now: int) -> None:
        self.store.begin(state_rb)
        self.watermark = watermark
        self.now = now
        self._timer_ops = {}
        self.failure = ""

    def timer_op(self, domain: int, ts: int, add: bool) -> None:
        kid = self.kid
        if kid < 0:
            raise RuntimeError("timers can only be used while a record or a timer of a key is processed")
        k = (kid, domain, ts)
        if self._firing is not None:
            # Firing timers: one due in this call fires in it, in order.
            due = ts <= (self._until[0] if domain == EVENT_TIME else self._until[1])
            if add and due:
                if not self._pending.get(k):
                    self._pending[k] = True
                    heapq.heappush(self._firing, (ts, kid, domain))
                return
            if not add and self._pending.get(k):
                self._pending[k] = False
                return
        self._timer_ops[k] = add

    def _finish(self, out: List[Any], out_ts: List[Optional[int]], out_ptr: int) -> None:
        self.store.kid = self.kid = -1
        try:
            col = self._encode_out(out)
        except Exception as e:
            raise TypeError("%s: cannot convert its outputs to %s: %s" % (self.name, self._out_schema.field(0).type, e))
        rb = pa.RecordBatch.from_arrays([col, pa.array(out_ts, pa.int64())],
                                        schema=pa.schema([self._out_schema.field(0), pa.field("ts", pa.int64())]))
        writes = self.store.writes()
        t_kid, t_ts, t_dom, t_op = [], [], [], []
        for (kid, dom, ts), add in self._timer_ops.items():
            t_kid.append(kid)
            t_ts.append(ts)
            t_dom.append(dom)
            t_op.append(1 if add else 0)
        timers = pa.RecordBatch.from_arrays([pa.array(t_kid, pa.int32()), pa.array(t_ts, pa.int64()),
                                             pa.array(t_dom, pa.int8()), pa.array(t_op, pa.int8())],
                                            schema=_TIMERS_SCHEMA)
        descs = self.store.new_descriptors()
        for i, b in enumerate((rb, writes, timers, descs)):
            p = out_ptr + i * _PAIR
            b._export_to_c(p, p + _SCHEMA_OFFSET)
        self.store.slots = {}


def _short(v: Any, limit: int = 200) -> str:
    try:
        s = repr(v)
    except Exception as e:  # a repr that raises must not hide the user's error
        s = "<%s (repr raised %s)>" % (type(v).__name__, type(e).__name__)
    return s if len(s) <= limit else s[:limit] + "..."


# The Go operator allocates, per record batch crossing, one C block of an
# ArrowArray (80 bytes) followed by an ArrowSchema (72 bytes).
_ARRAY_SIZE = 80
_SCHEMA_SIZE = 72
_SCHEMA_OFFSET = _ARRAY_SIZE
_PAIR = _ARRAY_SIZE + _SCHEMA_SIZE


class _ReduceRunner(_Runner):
    """KeyedStream.reduce: the running reduction per key, emitted for every
    record (Flink's StreamGroupedReduceOperator)."""

    def _open_function(self) -> None:
        super()._open_function()
        reduce = self.function.reduce if hasattr(self.function, "reduce") else self.function
        self._reduce = reduce
        self._acc = self.runtime_context.get_state(ValueStateDescriptor("_sluice_reduce", None))

    def _element(self, value: Any, ctx: _Context) -> Optional[Iterable[Any]]:
        cur = self._acc.value()
        if cur is not None:
            value = self._reduce(cur, value)
        self._acc.update(value)
        return (value,)

    def _timer(self, ts: int, ctx: _Context) -> Optional[Iterable[Any]]:
        return None


# ---------------------------------------------------------------- windows

_MAX_TS = (1 << 63) - 1


class _WindowProcessContext(object):
    """ProcessWindowFunction.Context."""

    def __init__(self, runner: "_WindowRunner") -> None:
        self._r = runner
        self.current_window: Any = None

    def window(self) -> Any:
        return self.current_window

    def current_processing_time(self) -> int:
        return self._r.now

    def current_watermark(self) -> int:
        return self._r.watermark

    def window_state(self) -> Any:
        return _WindowStateStore(self._r)

    def global_state(self) -> Any:
        return self._r.runtime_context

    def output(self, output_tag: Any, value: Any) -> None:
        raise NotImplementedError("side outputs of a ProcessWindowFunction are not supported by Sluice yet")


class _WindowStateStore(object):
    """ProcessWindowFunction.Context.window_state(): state per key and
    window (value, list and reducing), cleared with the window."""

    def __init__(self, runner: "_WindowRunner") -> None:
        self._r = runner

    def _get(self, descriptor: StateDescriptor) -> "_Namespaced":
        name = "_window_state_" + descriptor.get_name()
        ns = self._r.namespaced.get(name)
        if ns is None:
            ns = self._r.namespaced[name] = _Namespaced(self._r, descriptor, name)
        return ns

    def get_state(self, state_descriptor: ValueStateDescriptor) -> Any:
        return self._get(state_descriptor)

    def get_list_state(self, state_descriptor: ListStateDescriptor) -> Any:
        return self._get(state_descriptor)

    def get_reducing_state(self, state_descriptor: ReducingStateDescriptor) -> Any:
        return self._get(state_descriptor)

    def get_map_state(self, state_descriptor: Any) -> Any:
        raise NotImplementedError("map state per window is not supported by Sluice yet")

    def get_aggregating_state(self, state_descriptor: Any) -> Any:
        raise NotImplementedError("aggregating state per window is not supported by Sluice yet")


class _Namespaced(object):
    """A trigger's partitioned state (and a window function's window
    state): one value per window of the current key, kept in a map state
    from the window to the value."""

    def __init__(self, runner: "_WindowRunner", descriptor: StateDescriptor, name: str = "") -> None:
        self._r = runner
        self._d = descriptor
        self._map = runner.runtime_context.get_map_state(
            MapStateDescriptor(name or "_window_ns_" + descriptor.get_name(), None, None))

    def _get(self) -> Any:
        return self._map.get(self._r.trigger_window)

    def _put(self, v: Any) -> None:
        if v is None:
            self._map.remove(self._r.trigger_window)
        else:
            self._map.put(self._r.trigger_window, v)

    def clear(self) -> None:
        self._map.remove(self._r.trigger_window)

    # ValueState
    def value(self) -> Any:
        return self._get()

    def update(self, v: Any) -> None:
        self._put(v)

    # ReducingState / ListState
    def get(self) -> Any:
        v = self._get()
        if isinstance(self._d, ListStateDescriptor):
            return list(v or [])
        return v

    def add(self, v: Any) -> None:
        cur = self._get()
        if isinstance(self._d, ListStateDescriptor):
            self._put((cur or []) + [v])
        elif isinstance(self._d, ReducingStateDescriptor):
            self._put(v if cur is None else self._d._reduce(cur, v))
        else:
            raise TypeError("add() on a %s" % type(self._d).__name__)

    def merge(self, sources: Iterable[Any], target: Any) -> None:
        vals = [self._map.get(w) for w in sources]
        vals = [v for v in vals if v is not None]
        for w in sources:
            self._map.remove(w)
        if not vals:
            return
        if isinstance(self._d, ListStateDescriptor):
            merged: Any = [e for v in vals for e in v]
        elif isinstance(self._d, ReducingStateDescriptor):
            merged = vals[0]
            for v in vals[1:]:
                merged = self._d._reduce(merged, v)
        else:
            raise TypeError("a %s cannot be merged" % type(self._d).__name__)
        cur = self._map.get(target)
        if cur is not None:
            merged = (cur + merged) if isinstance(self._d, ListStateDescriptor) else self._d._reduce(cur, merged)
        self._map.put(target, merged)


class _TriggerContext(object):
    """Trigger.TriggerContext / OnMergeContext of the current key and
    window; timers go through the window timer index."""

    def __init__(self, runner: "_WindowRunner") -> None:
        self._r = runner
        self.merged: List[Any] = []

    def get_current_processing_time(self) -> int:
        return self._r.now

    def get_metric_group(self) -> Any:
        raise NotImplementedError("metric groups are not supported by Sluice")

    def get_current_watermark(self) -> int:
        return self._r.watermark

    def register_processing_time_timer(self, time: int) -> None:
        self._r.window_timer(PROCESSING_TIME, int(time), self._r.trigger_window, True)

    def register_event_time_timer(self, time: int) -> None:
        self._r.window_timer(EVENT_TIME, int(time), self._r.trigger_window, True)

    def delete_processing_time_timer(self, time: int) -> None:
        self._r.window_timer(PROCESSING_TIME, int(time), self._r.trigger_window, False)

    def delete_event_time_timer(self, time: int) -> None:
        self._r.window_timer(EVENT_TIME, int(time), self._r.trigger_window, False)

    def get_partitioned_state(self, state_descriptor: StateDescriptor) -> Any:
        name = "_window_ns_" + state_descriptor.get_name()
        ns = self._r.namespaced.get(name)
        if ns is None:
            ns = self._r.namespaced[name] = _Namespaced(self._r, state_descriptor, name)
        return ns

    def merge_partitioned_state(self, state_descriptor: StateDescriptor) -> None:
        self.get_partitioned_state(state_descriptor).merge(self.merged, self._r.trigger_window)


class _AssignerContext(object):
    def __init__(self, runner: "_WindowRunner") -> None:
        self._r = runner

    def get_current_processing_time(self) -> int:
        return self._r.now

    def get_runtime_context(self) -> Any:
        return self._r.runtime_context


class _WindowRunner(_Runner):
    """A keyed window (Flink's WindowOperator, allowed lateness 0 unless
    given): the assigner's windows per element, the trigger deciding when a
    window fires, its contents in keyed state: the reduced value
    (window-reduce), the accumulator (window-aggregate) or the elements
    (window-process), in a map state from window to contents. Timers of
    windows are the key's timers, with an index from (domain, time) to the
    windows waiting for it. Outputs carry the window's max timestamp.
    Merging assigners (sessions) keep the key's windows in a value state and
    merge contents, trigger state and timers as windows merge."""

    _timed = True

    def __init__(self, function: Any, output_type: Any, key_type: Any, value_type: Any, **options: Any) -> None:
        super().__init__(function, output_type, key_type, value_type, **options)
        self.kind = options["kind"]
        self.assigner = _keyed_count_assigner(options["assigner"], self)
        self.window_function = options.get("window_function")
        self.trigger = options.get("trigger") or self.assigner.get_default_trigger(None)
        self.lateness = int(options.get("allowed_lateness") or 0)
        self.event_time = bool(self.assigner.is_event_time())
        from sluice.datastream.window import MergingWindowAssigner
        self.merging = isinstance(self.assigner, MergingWindowAssigner)
        self.trigger_window: Any = None
        self.namespaced: Dict[str, _Namespaced] = {}
        self.late_dropped = 0
        self._tctx = _TriggerContext(self)
        self._actx = _AssignerContext(self)
        self._pctx = _WindowProcessContext(self)

    def _open_function(self) -> None:
        super()._open_function()
        wf = self.window_function
        if wf is not None and wf is not self.function and hasattr(wf, "open"):
            wf.open(self.runtime_context)
        rc = self.runtime_context
        self.contents = rc.get_map_state(MapStateDescriptor("_window_contents", None, None))
        self.wtimers = rc.get_map_state(MapStateDescriptor("_window_timers", None, None))
        if self.merging:
            self.windows_state = rc.get_state(ValueStateDescriptor("_window_merging", None))
        if self.kind == "window-reduce":
            self._reduce = self.function.reduce if hasattr(self.function, "reduce") else self.function

    def close(self) -> None:
        super().close()
        wf = self.window_function
        if wf is not None and wf is not self.function and hasattr(wf, "close"):
            wf.close()

    # -- contents

    def _add(self, window: Any, value: Any) -> None:
        cur = self.contents.get(window)
        if self.kind == "window-reduce":
            new = value if cur is None else self._reduce(cur, value)
        elif self.kind == "window-aggregate":
            acc = self.function.create_accumulator() if cur is None else cur
            new = self.function.add(value, acc)
        else:
            new = (cur or []) + [value]
        self.contents.put(window, new)

    def _merge_contents(self, sources: List[Any], target: Any) -> None:
        vals = []
        for w in sorted(sources, key=_window_order):
            v = self.contents.get(w)
            if v is not None:
                vals.append(v)
            self.contents.remove(w)
        cur = self.contents.get(target)
        if cur is not None:
            vals.insert(0, cur)
        if not vals:
            return
        merged = vals[0]
        for v in vals[1:]:
            if self.kind == "window-reduce":
                merged = self._reduce(merged, v)
            elif self.kind == "window-aggregate":
                merged = self.function.merge(merged, v)
            else:
                merged = merged + v
        self.contents.put(target, merged)

    def _emit(self, window: Any, contents: Any, out: List[Tuple[Any, Optional[int]]]) -> None:
        key = self.ctx.key
        if self.kind == "window-reduce":
            inputs: Any = [contents]
            fn = self.window_function
        elif self.kind == "window-aggregate":
            inputs = [self.function.get_result(contents)]
            fn = self.window_function
        else:
            inputs = contents
            fn = self.function
        ts = window.max_timestamp()
        if fn is None:
            res: Any = inputs
        elif hasattr(fn, "process"):
            self._pctx.current_window = window
            res = fn.process(key, self._pctx, inputs)
        else:
            res = fn.apply(key, window, inputs)
        if res is not None:
            for o in res:
                out.append((o, ts))

    # -- timers

    def cleanup_time(self, window: Any) -> int:
        mt = window.max_timestamp()
        if self.event_time:
            t = mt + self.lateness
            return t if t >= mt and t <= _MAX_TS else _MAX_TS
        return mt

    def window_timer(self, domain: int, ts: int, window: Any, add: bool) -> None:
        key = (domain, ts)
        ws = self.wtimers.get(key) or []
        if add:
            if window in ws:
                return
            self.wtimers.put(key, ws + [window])
            self.timer_op(domain, ts, True)
            return
        if window not in ws:
            return
        ws = [w for w in ws if w != window]
        if ws:
            self.wtimers.put(key, ws)
        else:
            self.wtimers.remove(key)
            self.timer_op(domain, ts, False)

    def _register_cleanup(self, window: Any) -> None:
        t = self.cleanup_time(window)
        if t == _MAX_TS:
            return
        self.window_timer(EVENT_TIME if self.event_time else PROCESSING_TIME, t, window, True)

    def _delete_cleanup(self, window: Any) -> None:
        t = self.cleanup_time(window)
        if t == _MAX_TS:
            return
        self.window_timer(EVENT_TIME if self.event_time else PROCESSING_TIME, t, window, False)

    def _late(self, window: Any) -> bool:
        return self.event_time and self.cleanup_time(window) <= self.watermark

    # -- elements

    def _element(self, value: Any, ctx: _Context) -> Iterable[Tuple[Any, Optional[int]]]:
        ts = ctx.ts
        if self.event_time and ts is None:
            raise RuntimeError("Record has Long.MIN_VALUE timestamp (= no timestamp marker). Is the time "
                               "characteristic set to 'ProcessingTime', or did you forget to call "
                               "'data_stream.assign_timestamps_and_watermarks(...)'?")
        windows = self.assigner.assign_windows(value, ts if ts is not None else self.now, self._actx)
        out: List[Tuple[Any, Optional[int]]] = []
        skipped = True
        if self.merging:
            known = list(self.windows_state.value() or [])
            for w in windows:
                known, actual = self._add_merging(known, w)
                if self._late(actual):
                    known = [x for x in known if x != actual]
                    continue
                skipped = False
                self._add(actual, value)
                self._on_element(actual, value, ts, out)
            self.windows_state.update(known or None)
        else:
            for w in windows:
                if self._late(w):
                    continue
                skipped = False
                self._add(w, value)
                self._on_element(w, value, ts, out)
        if skipped and self.event_time and ts + self.lateness <= self.watermark:
            # Flink's numLateRecordsDropped: an element no window took.
            self.late_dropped += 1
        return out

    def _on_element(self, window: Any, value: Any, ts: Optional[int], out: List[Tuple[Any, Optional[int]]]) -> None:
        self.trigger_window = window
        r = self.trigger.on_element(value, ts, window, self._tctx)
        if r.is_fire():
            contents = self.contents.get(window)
            if contents is not None:
                self._emit(window, contents, out)
        if r.is_purge():
            self.contents.remove(window)
        self._register_cleanup(window)

    def _add_merging(self, known: List[Any], new: Any) -> Tuple[List[Any], Any]:
        merges: List[Tuple[Any, List[Any]]] = []

        class _Cb(object):
            def merge(self, to_be_merged: Iterable[Any], merge_result: Any) -> None:
                merges.append((merge_result, list(to_be_merged)))

        self.assigner.merge_windows(known + [new], _Cb())
        result = new
        windows = list(known)
        if new not in windows:
            windows.append(new)
        for merge_result, merged in merges:
            if new in merged:
                result = merge_result
            windows = [w for w in windows if w not in merged]
            windows.append(merge_result)
            if self.event_time and self.cleanup_time(merge_result) <= self.watermark:
                raise RuntimeError("The end timestamp of an event-time window cannot become earlier than the "
                                   "current watermark by merging. Current watermark: %d window: %s"
                                   % (self.watermark, merge_result))
            self.trigger_window = merge_result
            self._tctx.merged = merged
            self.trigger.on_merge(merge_result, self._tctx)
            for m in merged:
                self.trigger_window = m
                self.trigger.clear(m, self._tctx)
                self._delete_cleanup(m)
            self._merge_contents([m for m in merged if m != merge_result and m != new], merge_result)
        return windows, result

    # -- timers firing

    def _timer(self, ts: int, ctx: _Context) -> Iterable[Tuple[Any, Optional[int]]]:
        dom = EVENT_TIME if ctx.domain == TimeDomain.EVENT_TIME else PROCESSING_TIME
        windows = self.wtimers.get((dom, ts)) or []
        self.wtimers.remove((dom, ts))
        out: List[Tuple[Any, Optional[int]]] = []
        known = list(self.windows_state.value() or []) if self.merging else None
        for w in sorted(windows, key=_window_order):
            if known is not None and w not in known:
                continue  # merged into another window since
            self.trigger_window = w
            contents = self.contents.get(w)
            if dom == EVENT_TIME:
                r = self.trigger.on_event_time(ts, w, self._tctx)
            else:
                r = self.trigger.on_processing_time(ts, w, self._tctx)
            if r.is_fire() and contents is not None:
                self._emit(w, contents, out)
            if r.is_purge():
                self.contents.remove(w)
            if (dom == EVENT_TIME) == self.event_time and ts == self.cleanup_time(w):
                self.contents.remove(w)
                self.trigger.clear(w, self._tctx)
                fn = self.function if self.kind == "window-process" else self.window_function
                if fn is not None and hasattr(fn, "process") and hasattr(fn, "clear"):
                    # Flink's InternalWindowFunction.clear: the function's
                    # window state goes with the window.
                    self._pctx.current_window = w
                    fn.clear(self._pctx)
                for ns in self.namespaced.values():
                    ns.clear()
                if known is not None:
                    known = [x for x in known if x != w]
        if known is not None:
            self.windows_state.update(known or None)
        return out


class _KeyedCountTrigger(object):
    """PyFlink's CountTrigger: fires when a window holds size elements since
    it last fired, counting in the window's partitioned state."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._count = ReducingStateDescriptor("count", lambda a, b: a + b, None)

    def on_element(self, element: Any, timestamp: Any, window: Any, ctx: Any) -> Any:
        from sluice.datastream.window import TriggerResult
        st = ctx.get_partitioned_state(self._count)
        st.add(1)
        if st.get() >= self._size:
            st.clear()
            return TriggerResult.FIRE
        return TriggerResult.CONTINUE

    def on_processing_time(self, time: int, window: Any, ctx: Any) -> Any:
        from sluice.datastream.window import TriggerResult
        return TriggerResult.CONTINUE

    def on_event_time(self, time: int, window: Any, ctx: Any) -> Any:
        from sluice.datastream.window import TriggerResult
        return TriggerResult.CONTINUE

    def can_merge(self) -> bool:
        return True

    def on_merge(self, window: Any, ctx: Any) -> None:
        ctx.merge_partitioned_state(self._count)

    def clear(self, window: Any, ctx: Any) -> None:
        ctx.get_partitioned_state(self._count).clear()


class _KeyedCountAssigner(object):
    """PyFlink's count window assigners, counting the key's elements in
    keyed state (sluice.datastream.window's count assigners count in the
    object, which is right for one key only)."""

    def __init__(self, runner: "_WindowRunner", size: int, slide: int) -> None:
        self._r = runner
        self._size = size
        self._slide = slide
        self._count = ValueStateDescriptor("slide-count-assigner" if slide else "tumble-count-assigner", None)

    def assign_windows(self, element: Any, timestamp: Any, context: Any) -> List[Any]:
        from sluice.datastream.window import CountWindow
        st = self._r.runtime_context.get_state(self._count)
        n = st.value() or 0
        st.update(n + 1)
        if not self._slide:
            return [CountWindow(n // self._size)]
        last_id = n // self._slide
        start = last_id * self._slide
        out = []
        while last_id >= 0 and start <= n <= start + self._size - 1:
            out.append(CountWindow(last_id))
            last_id -= 1
            start -= self._slide
        return out

    def get_default_trigger(self, env: Any) -> Any:
        return _KeyedCountTrigger(self._size)

    def is_event_time(self) -> bool:
        return False


def _keyed_count_assigner(assigner: Any, runner: "_WindowRunner") -> Any:
    from sluice.datastream.window import CountSlidingWindowAssigner, CountTumblingWindowAssigner
    if isinstance(assigner, CountTumblingWindowAssigner):
        return _KeyedCountAssigner(runner, assigner._window_size, 0)
    if isinstance(assigner, CountSlidingWindowAssigner):
        return _KeyedCountAssigner(runner, assigner._window_size, assigner._window_slide)
    return assigner


def _window_order(w: Any) -> Any:
    return (getattr(w, "start", 0), getattr(w, "end", 0), getattr(w, "id", 0))


class _WindowSpec(object):
    """A keyed window's functions and options, handed to make_runner as one
    function object by WindowedStream."""

    def __init__(self, function: Any, assigner: Any, window_function: Any, trigger: Any,
                 allowed_lateness: int) -> None:
        self.function = function
        self.assigner = assigner
        self.window_function = window_function
        self.trigger = trigger
        self.allowed_lateness = allowed_lateness


class WindowedStream(object):
    """pyflink.datastream.WindowedStream: a keyed stream's windows, run by
    the keyed stateful operator (make_runner's window kinds). KeyedStream
    builds it with ``WindowedStream(keyed_stream, assigner)``; the
    operator is planned through sluice.datastream._keyed_bridge."""

    def __init__(self, keyed_stream: Any, window_assigner: Any) -> None:
        self._keyed_stream = keyed_stream
        self._window_assigner = window_assigner
        self._allowed_lateness = 0
        self._window_trigger: Any = None

    def get_execution_environment(self) -> Any:
        return self._keyed_stream.get_execution_environment()

    def get_input_type(self) -> Any:
        return self._keyed_stream.get_type()

    def trigger(self, trigger: Any) -> "WindowedStream":
        self._window_trigger = trigger
        return self

    def allowed_lateness(self, time_ms: int) -> "WindowedStream":
        self._allowed_lateness = int(time_ms)
        return self

    def side_output_late_data(self, output_tag: Any) -> "WindowedStream":
        raise NotImplementedError("WindowedStream.side_output_late_data: side outputs are not supported by Sluice "
                                  "yet; late elements are dropped")

    def _result(self, kind: str, function: Any, window_function: Any, output_type: Any, desc: str) -> Any:
        from sluice.datastream._keyed_bridge import _keyed
        from sluice.datastream.functions import ProcessWindowFunction, WindowFunction
        if window_function is not None and not isinstance(window_function, (WindowFunction, ProcessWindowFunction)):
            raise TypeError("window_function should be a WindowFunction or ProcessWindowFunction")
        spec = _WindowSpec(function, self._window_assigner, window_function, self._window_trigger,
                           self._allowed_lateness)
        return _keyed(self._keyed_stream, spec, kind, output_type, desc)

    def reduce(self, reduce_function: Any, window_function: Any = None, output_type: Any = None) -> Any:
        from sluice.datastream.functions import ReduceFunction
        if not isinstance(reduce_function, ReduceFunction) and not callable(reduce_function):
            raise TypeError("The input must be a ReduceFunction or a callable function!")
        if window_function is None and output_type is None:
            output_type = self.get_input_type()
        desc = _function_name(reduce_function)
        if window_function is not None:
            desc += ", " + type(window_function).__name__
        return self._result("window-reduce", reduce_function, window_function, output_type, desc)

    def aggregate(self, aggregate_function: Any, window_function: Any = None, accumulator_type: Any = None,
                  output_type: Any = None) -> Any:
        from sluice.datastream.functions import AggregateFunction
        if not isinstance(aggregate_function, AggregateFunction):
            raise TypeError("The input must be a pyflink.datastream.functions.AggregateFunction!")
        desc = type(aggregate_function).__name__
        if window_function is not None:
            desc += ", " + type(window_function).__name__
        return self._result("window-aggregate", aggregate_function, window_function, output_type, desc)

    def apply(self, window_function: Any, output_type: Any = None) -> Any:
        from sluice.datastream.functions import WindowFunction
        if not isinstance(window_function, WindowFunction):
            raise TypeError("WindowedStream.apply expects a WindowFunction, got %r" % (window_function,))
        return self._result("window-process", window_function, None, output_type, type(window_function).__name__)

    def process(self, process_window_function: Any, output_type: Any = None) -> Any:
        from sluice.datastream.functions import ProcessWindowFunction
        if not isinstance(process_window_function, ProcessWindowFunction):
            raise TypeError("WindowedStream.process expects a ProcessWindowFunction, got %r"
                            % (process_window_function,))
        return self._result("window-process", process_window_function, None, output_type,
                            type(process_window_function).__name__)


def make_runner(function: Any, kind: str = "process", output_type: Any = None, key_type: Any = None,
                value_type: Any = None, **options: Any) -> _Runner:
    """The runner the Go operator (datastream.NewKeyedProcess) drives.

    kind: "process" (a KeyedProcessFunction), "reduce" (a ReduceFunction or
    a callable of two values), "window-reduce", "window-aggregate",
    "window-process" (options: assigner, and window_function for the first
    two). key_type, value_type and output_type are the TypeInformation of
    the key column, the value column and the output column (None: pickled
    bytes)."""
    if kind == "process":
        if not hasattr(function, "process_element"):
            raise TypeError("KeyedStream.process expects a KeyedProcessFunction, got %r" % (function,))
        return _Runner(function, output_type, key_type, value_type)
    if kind == "reduce":
        if not (hasattr(function, "reduce") or callable(function)):
            raise TypeError("KeyedStream.reduce expects a ReduceFunction or a callable, got %r" % (function,))
        return _ReduceRunner(function, output_type, key_type, value_type)
    if kind in ("window-reduce", "window-aggregate", "window-process"):
        if isinstance(function, _WindowSpec):
            options.setdefault("assigner", function.assigner)
            options.setdefault("window_function", function.window_function)
            options.setdefault("trigger", function.trigger)
            options.setdefault("allowed_lateness", function.allowed_lateness)
            function = function.function
        from sluice.datastream.window import WindowAssigner
        assigner = options.get("assigner")
        if not isinstance(assigner, WindowAssigner):
            raise TypeError("a keyed window needs a WindowAssigner, got %r" % (assigner,))
        if kind == "window-aggregate" and not hasattr(function, "create_accumulator"):
            raise TypeError("WindowedStream.aggregate expects an AggregateFunction, got %r" % (function,))
        if kind == "window-process" and not (hasattr(function, "process") or hasattr(function, "apply")):
            raise TypeError("WindowedStream.process expects a ProcessWindowFunction or a WindowFunction, got %r"
                            % (function,))
        options["kind"] = kind
        return _WindowRunner(function, output_type, key_type, value_type, **options)
    raise ValueError("unknown keyed operator kind %r" % (kind,))

"""The Python half of the keyed stateful operator (sluice.datastream._keyed)
driven alone, as the Go operator drives it: record batches handed over
through C Data Interface structs, state rows in, state writes and timer
changes out."""
import ctypes
import pickle
from typing import Any, Dict, List, Optional, Tuple

import pyarrow as pa
import pytest

from pyflink.common import Types
from pyflink.datastream.functions import KeyedProcessFunction
from pyflink.datastream.state import ListStateDescriptor, MapStateDescriptor, ValueStateDescriptor

from sluice.datastream import _keyed
from sluice.datastream._keyed import make_runner

MIN = -(1 << 63)


class Pairs:
    """A block of (ArrowArray, ArrowSchema) pairs, as the operator allocates."""

    def __init__(self, n: int) -> None:
        self.buf = ctypes.create_string_buffer(_keyed._PAIR * n)
        self.base = ctypes.addressof(self.buf)

    def addr(self, i: int) -> int:
        return self.base + i * _keyed._PAIR

    def put(self, i: int, rb: pa.RecordBatch) -> None:
        rb._export_to_c(self.addr(i), self.addr(i) + _keyed._SCHEMA_OFFSET)

    def get(self, i: int) -> pa.RecordBatch:
        return pa.RecordBatch._import_from_c(self.addr(i), self.addr(i) + _keyed._SCHEMA_OFFSET)


class Driver:
    """What datastream/keyed.go does around the runner, with the state and
    the timers in dicts."""

    def __init__(self, function: Any, out: pa.DataType = pa.string(),
                 known: Optional[List[Tuple[str, int, int]]] = None) -> None:
        self.runner = make_runner(function, "process", output_type=Types.STRING(), key_type=Types.STRING(),
                                  value_type=Types.LONG()).copy()
        self.states: List[Tuple[str, int]] = [(n, k) for n, k, _ in known or []]
        self.data: Dict[Tuple[str, int], Any] = {}  # (key, sid) -> bytes | [bytes] | {ukey: bytes}
        self.timers: Dict[Tuple[str, int, int], bool] = {}
        self.writes: List[Tuple[str, int, int]] = []
        sch = Pairs(1)
        pa.schema([pa.field("f0", out)])._export_to_c(sch.addr(0) + _keyed._SCHEMA_OFFSET)
        self.runner.open(sch.addr(0) + _keyed._SCHEMA_OFFSET, list(known or []), "t", 0, 1, 128)
        res = Pairs(1)
        self.runner.descriptors(res.addr(0))
        self._descs(res.get(0))

    def _descs(self, rb: pa.RecordBatch) -> None:
        for sid, name, kind in zip(rb.column(0).to_pylist(), rb.column(1).to_pylist(), rb.column(2).to_pylist()):
            assert sid == len(self.states)
            self.states.append((name, kind))

    def _state_rows(self, keys: List[str]) -> pa.RecordBatch:
        kids, sids, uks, vals = [], [], [], []
        for kid, k in enumerate(keys):
            for sid, (_, kind) in enumerate(self.states):
                v = self.data.get((k, sid))
                if v is None:
                    continue
                if kind == _keyed.KIND_LIST:
                    rows = [(None, e) for e in v]
                elif kind == _keyed.KIND_MAP:
                    rows = list(v.items())
                else:
                    rows = [(None, v)]
                for uk, val in rows:
                    kids.append(kid)
                    sids.append(sid)
                    uks.append(uk)
                    vals.append(val)
        return pa.RecordBatch.from_arrays([pa.array(kids, pa.int32()), pa.array(sids, pa.int32()),
                                           pa.array(uks, pa.binary()), pa.array(vals, pa.binary())],
                                          names=["kid", "sid", "ukey", "val"])

    def _call(self, method: str, keys: List[str], second: pa.RecordBatch, wm: int, now: int) -> List[Tuple[Any, Any]]:
        inp, res = Pairs(3), Pairs(4)
        inp.put(0, pa.RecordBatch.from_arrays([pa.array(range(len(keys)), pa.int32()), pa.array(keys, pa.string())],
                                              names=["kid", "key"]))
        inp.put(1, second)
        inp.put(2, self._state_rows(keys))
        getattr(self.runner, method)(inp.addr(0), inp.addr(1), inp.addr(2), res.addr(0), wm, now)
        out, writes, timers, descs = (res.get(i) for i in range(4))
        self._descs(descs)
        for kid, sid, op, uk, val in zip(*(writes.column(i).to_pylist() for i in range(5))):
            k = keys[kid]
            self.writes.append((k, sid, op))
            kind = self.states[sid][1]
            if op == _keyed.OP_SET:
                self.data[(k, sid)] = val
            elif op == _keyed.OP_CLEAR:
                self.data.pop((k, sid), None)
            elif op == _keyed.OP_APPEND:
                self.data.setdefault((k, sid), []).append(val)
            elif op == _keyed.OP_PUT:
                self.data.setdefault((k, sid), {})[uk] = val
            elif op == _keyed.OP_REMOVE:
                self.data.get((k, sid), {}).pop(uk, None)
            assert kind in (_keyed.KIND_LIST, _keyed.KIND_MAP) or op in (_keyed.OP_SET, _keyed.OP_CLEAR)
        for kid, ts, dom, op in zip(*(timers.column(i).to_pylist() for i in range(4))):
            if op:
                self.timers[(keys[kid], dom, ts)] = True
            else:
                self.timers.pop((keys[kid], dom, ts), None)
        return list(zip(out.column(0).to_pylist(), out.column(1).to_pylist()))

    def process(self, records: List[Tuple[str, int, Optional[int]]], wm: int = MIN, now: int = 0) -> List[Any]:
        self.writes = []
        keys: List[str] = []
        for k, _, _ in records:
            if k not in keys:
                keys.append(k)
        rb = pa.RecordBatch.from_arrays([pa.array([keys.index(k) for k, _, _ in records], pa.int32()),
                                         pa.array([v for _, v, _ in records], pa.int64()),
                                         pa.array([t for _, _, t in records], pa.int64())], names=["kid", "value", "ts"])
        return self._call("process", keys, rb, wm, now)

    def watermark(self, wm: int) -> List[Any]:
        due = sorted((ts, k) for (k, dom, ts) in self.timers if dom == _keyed.EVENT_TIME and ts <= wm)
        for ts, k in due:
            del self.timers[(k, _keyed.EVENT_TIME, ts)]
        keys = sorted({k for _, k in due})
        rb = pa.RecordBatch.from_arrays([pa.array([keys.index(k) for _, k in due], pa.int32()),
                                         pa.array([ts for ts, _ in due], pa.int64()),
                                         pa.array([_keyed.EVENT_TIME] * len(due), pa.int8())],
                                        names=["kid", "ts", "domain"])
        return self._call("on_timer", keys, rb, wm, 0)


class Counter(KeyedProcessFunction):
    def open(self, ctx: Any) -> None:
        self.count = ctx.get_state(ValueStateDescriptor("count", Types.LONG()))
        self.items = ctx.get_list_state(ListStateDescriptor("items", Types.LONG()))
        self.by = ctx.get_map_state(MapStateDescriptor("by", Types.STRING(), Types.LONG()))

    def process_element(self, value: int, ctx: Any) -> Any:
        c = (self.count.value() or 0) + 1
        self.count.update(c)
        self.items.add(value)
        self.by.put("n%d" % (value % 2), value)
        if value == 0:
            self.by.remove("n1")
        ctx.timer_service().register_event_time_timer(ctx.timestamp() + 10)
        yield "%s:%d:%s" % (ctx.get_current_key(), c, list(self.items.get()))

    def on_timer(self, ts: int, ctx: Any) -> Any:
        yield "t %s %d %d %s" % (ctx.get_current_key(), ts, self.count.value(), sorted(self.by.items()))
        self.count.update(self.count.value() * 10)
        if ts < 100:
            ctx.timer_service().register_event_time_timer(ts + 1)


def test_same_key_in_a_batch_sees_its_own_changes_and_writes_are_net() -> None:
    d = Driver(Counter())
    assert [n for n, _ in d.states] == ["count", "items", "by"]
    assert d.process([("a", 1, 5), ("b", 2, 6), ("a", 3, 7)]) == [
        ("a:1:[1]", 5), ("b:1:[2]", 6), ("a:2:[1, 3]", 7)]
    # One write per changed (key, state) for values; list elements appended
    # since the load; map puts by user key.
    assert sorted(w for w in d.writes if w[1] == 0) == [("a", 0, _keyed.OP_SET), ("b", 0, _keyed.OP_SET)]
    assert sorted(w for w in d.writes if w[1] == 1) == [("a", 1, _keyed.OP_APPEND)] * 2 + [("b", 1, _keyed.OP_APPEND)]
    assert pickle.loads(d.data[("a", 0)]) == 2
    assert [pickle.loads(e) for e in d.data[("a", 1)]] == [1, 3]
    assert {pickle.loads(k): pickle.loads(v) for k, v in d.data[("a", 2)].items()} == {"n1": 3}
    # The next call loads what the first wrote.
    assert d.process([("a", 0, 8)]) == [("a:3:[1, 3, 0]", 8)]
    assert {pickle.loads(k): pickle.loads(v) for k, v in d.data[("a", 2)].items()} == {"n0": 0}
    assert set(d.timers) == {("a", 0, 15), ("b", 0, 16), ("a", 0, 17), ("a", 0, 18)}


def test_timers_fire_in_order_and_see_state_changed_by_earlier_timers() -> None:
    d = Driver(Counter())
    d.process([("a", 1, 5), ("b", 2, 6)])
    # a's timer at 15 updates count and chains one at 16, which fires in the
    # same call after b's 16 (ties by key), seeing the updated count.
    assert d.watermark(16) == [
        ("t a 15 1 [('n1', 1)]", 15), ("t a 16 10 [('n1', 1)]", 16), ("t b 16 1 [('n0', 2)]", 16)]
    # The chained timers beyond the watermark stay pending in the operator.
    assert set(d.timers) == {("a", 0, 17), ("b", 0, 17)}
    assert pickle.loads(d.data[("a", 0)]) == 100


class Deleting(KeyedProcessFunction):
    def process_element(self, value: int, ctx: Any) -> Any:
        ctx.timer_service().register_event_time_timer(10)
        ctx.timer_service().register_event_time_timer(20)
        return None

    def on_timer(self, ts: int, ctx: Any) -> Any:
        # the first timer deletes the second, which then does not fire
        ctx.timer_service().delete_event_time_timer(20)
        yield "%s@%d" % (ctx.get_current_key(), ts)


def test_a_timer_deleted_by_an_earlier_one_does_not_fire() -> None:
    d = Driver(Deleting())
    assert d.process([("k", 1, 1)]) == []
    assert d.watermark(30) == [("k@10", 10)]
    assert d.timers == {}


class Boom(KeyedProcessFunction):
    def process_element(self, value: int, ctx: Any) -> Any:
        if value == 2:
            raise ValueError("bad value")
        yield str(value)


def test_an_exception_names_the_key_and_the_record() -> None:
    d = Driver(Boom())
    with pytest.raises(ValueError, match="bad value"):
        d.process([("x", 1, None), ("y", 2, None)])
    assert d.runner.failure == "process_element on key 'y', record 2"


def test_state_kind_conflicts_and_ttl_options_are_rejected() -> None:
    from pyflink.common.time import Time
    from pyflink.datastream.state import StateTtlConfig

    class Conflict(KeyedProcessFunction):
        def open(self, ctx: Any) -> None:
            ctx.get_state(ValueStateDescriptor("s", Types.LONG()))
            ctx.get_list_state(ListStateDescriptor("s", Types.LONG()))

        def process_element(self, value: int, ctx: Any) -> Any:
            return None

    with pytest.raises(ValueError, match="state 's' is already registered as ValueState, not ListState"):
        Driver(Conflict())

    class ReadTtl(KeyedProcessFunction):
        def open(self, ctx: Any) -> None:
            d = ValueStateDescriptor("s", Types.LONG())
            d.enable_time_to_live(StateTtlConfig.new_builder(Time.seconds(1)).update_ttl_on_read_and_write().build())
            ctx.get_state(d)

        def process_element(self, value: int, ctx: Any) -> Any:
            return None

    with pytest.raises(ValueError, match="OnReadAndWrite is not supported"):
        Driver(ReadTtl())


def test_a_restored_state_keeps_its_kind_and_ttl() -> None:
    """States named in the checkpoint keep their ids; declaring one with
    another kind or TTL is refused."""
    from pyflink.common.time import Time
    from pyflink.datastream.state import StateTtlConfig

    class Declares(KeyedProcessFunction):
        def __init__(self, ttl: int) -> None:
            self.ttl = ttl

        def open(self, ctx: Any) -> None:
            d = ValueStateDescriptor("s", Types.LONG())
            if self.ttl:
                d.enable_time_to_live(StateTtlConfig.new_builder(Time.milliseconds(self.ttl)).build())
            self.s = ctx.get_state(d)

        def process_element(self, value: int, ctx: Any) -> Any:
            yield "%s" % self.s.value()

    d = Driver(Declares(500), known=[("other", _keyed.KIND_LIST, 0), ("s", _keyed.KIND_VALUE, 500)])
    assert d.states == [("other", _keyed.KIND_LIST), ("s", _keyed.KIND_VALUE)]
    d.data[("k", 1)] = pickle.dumps(41)
    assert d.process([("k", 1, None)]) == [("41", None)]
    with pytest.raises(ValueError, match="state 's' has a TTL of 0 ms in the checkpoint .* cannot be declared with 500 ms"):
        Driver(Declares(500), known=[("s", _keyed.KIND_VALUE, 0)])
    with pytest.raises(ValueError, match="state 's' is already registered as ListState, not ValueState"):
        Driver(Declares(0), known=[("s", _keyed.KIND_LIST, 0)])

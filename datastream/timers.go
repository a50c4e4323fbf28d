package datastream

import (
	"bytes"
	"container/heap"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/sluice-stream/sluice/engine/state"
)

// Timer domains, as the Python runner numbers them.
const (
	eventTime      int8 = 0
	processingTime int8 = 1
)

// timer is one registered timer: Flink's InternalTimer of a key and a
// timestamp (the namespace is always the void namespace here). A key has at
// most one timer per (domain, timestamp).
type timer struct {
	ts     int64
	kg     uint16
	key    string // the key's encoding (keyed_codec.go)
	domain int8
}

// timerHeap orders timers by timestamp, then key bytes, so that timers of
// one timestamp fire in a deterministic order.
type timerHeap []timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if h[i].ts != h[j].ts {
		return h[i].ts < h[j].ts
	}
	return h[i].key < h[j].key
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	*h = old[:len(old)-1]
	return t
}

// timerQueue is the timers of one domain: a set for registration and
// deletion, and a heap (with lazily dropped deleted entries) for firing.
type timerQueue struct {
	set  map[timer]struct{}
	heap timerHeap
}

func newTimerQueue() *timerQueue { return &timerQueue{set: map[timer]struct{}{}} }

func (q *timerQueue) add(t timer) bool {
	if _, ok := q.set[t]; ok {
		return false
	}
	q.set[t] = struct{}{}
	heap.Push(&q.heap, t)
	return true
}

func (q *timerQueue) remove(t timer) bool {
	if _, ok := q.set[t]; !ok {
		return false
	}
	delete(q.set, t)
	return true
}

// peek returns the earliest live timer.
func (q *timerQueue) peek() (timer, bool) {
	for len(q.heap) > 0 {
		t := q.heap[0]
		if _, ok := q.set[t]; ok {
			return t, true
		}
		heap.Pop(&q.heap) // deleted
	}
	return timer{}, false
}

// popUntil removes and returns the live timers with ts <= until, in order.
func (q *timerQueue) popUntil(until int64, limit int) []timer {
	var out []timer
	for len(out) < limit {
		t, ok := q.peek()
		if !ok || t.ts > until {
			break
		}
		heap.Pop(&q.heap)
		delete(q.set, t)
		out = append(out, t)
	}
	return out
}

// timers are the operator's two timer queues and the key groups whose
// timers changed since the last checkpoint.
type timers struct {
	event, proc *timerQueue
	dirty       map[uint16]bool
}

func newTimers() *timers {
	return &timers{event: newTimerQueue(), proc: newTimerQueue(), dirty: map[uint16]bool{}}
}

func (ts *timers) queue(domain int8) *timerQueue {
	if domain == eventTime {
		return ts.event
	}
	return ts.proc
}

func (ts *timers) add(t timer) {
	if ts.queue(t.domain).add(t) {
		ts.dirty[t.kg] = true
	}
}

func (ts *timers) remove(t timer) {
	if ts.queue(t.domain).remove(t) {
		ts.dirty[t.kg] = true
	}
}

func (ts *timers) popUntil(domain int8, until int64, limit int) []timer {
	out := ts.queue(domain).popUntil(until, limit)
	for _, t := range out {
		ts.dirty[t.kg] = true
	}
	return out
}

// timersStateKey is the key, in each key group, of the value holding that
// key group's timers.
var timersStateKey = []byte("timers")

// snapshot writes the timers of each key group whose timers changed into
// st (Flink keeps its timers in keyed state by key group too, so a restore
// into another key-group range takes the timers of its keys). A key
// group's value is a uvarint count, then per timer the domain byte, the
// timestamp (8 bytes) and the uvarint-prefixed key, sorted.
func (ts *timers) snapshot(st *state.ValueState[[]byte]) error {
	if len(ts.dirty) == 0 {
		return nil
	}
	byKG := map[uint16][]timer{}
	for _, q := range []*timerQueue{ts.event, ts.proc} {
		for t := range q.set {
			if ts.dirty[t.kg] {
				byKG[t.kg] = append(byKG[t.kg], t)
			}
		}
	}
	kgs := make([]uint16, 0, len(ts.dirty))
	for kg := range ts.dirty {
		kgs = append(kgs, kg)
	}
	sort.Slice(kgs, func(i, j int) bool { return kgs[i] < kgs[j] })
	for _, kg := range kgs {
		list := byKG[kg]
		if len(list) == 0 {
			if err := st.Clear(kg, timersStateKey); err != nil {
				return err
			}
			continue
		}
		sort.Slice(list, func(i, j int) bool {
			a, b := list[i], list[j]
			if a.domain != b.domain {
				return a.domain < b.domain
			}
			if a.ts != b.ts {
				return a.ts < b.ts
			}
			return a.key < b.key
		})
		val := binary.AppendUvarint(nil, uint64(len(list)))
		for _, t := range list {
			val = append(val, byte(t.domain))
			val = binary.BigEndian.AppendUint64(val, uint64(t.ts))
			val = binary.AppendUvarint(val, uint64(len(t.key)))
			val = append(val, t.key...)
		}
		if err := st.Update(kg, timersStateKey, val); err != nil {
			return err
		}
	}
	clear(ts.dirty)
	return nil
}

// restore reads the timers of every key group of r from st.
func (ts *timers) restore(st *state.ValueState[[]byte], r state.KeyGroupRange) error {
	for kg := r.Start; kg <= r.End; kg++ {
		val, ok, err := st.Value(uint16(kg), timersStateKey)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		rd := bytes.NewReader(val)
		n, err := binary.ReadUvarint(rd)
		if err != nil {
			return fmt.Errorf("datastream: timers of key group %d: %w", kg, err)
		}
		for i := uint64(0); i < n; i++ {
			var hdr [9]byte
			if _, err := io.ReadFull(rd, hdr[:]); err != nil {
				return fmt.Errorf("datastream: timers of key group %d: %w", kg, err)
			}
			kl, err := binary.ReadUvarint(rd)
			if err != nil || kl > uint64(rd.Len()) {
				return fmt.Errorf("datastream: timers of key group %d: truncated", kg)
			}
			key := make([]byte, kl)
			_, _ = io.ReadFull(rd, key)
			t := timer{domain: int8(hdr[0]), ts: int64(binary.BigEndian.Uint64(hdr[1:])), kg: uint16(kg), key: string(key)}
			ts.queue(t.domain).add(t)
		}
	}
	return nil
}

package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/sluice-stream/sluice/engine/state"
)

// ConfigStateCacheSize is how many groups a streaming group aggregate (or
// DISTINCT) keeps decoded in memory in front of its keyed state backend
// (our own option). Groups beyond it are written to the backend and
// evicted, those not touched lately first (the clock algorithm), so with the pebble backend memory
// stays bounded however many keys the state holds. 0 keeps no group
// between batches: every batch reads its keys from the backend and writes
// them back.
const ConfigStateCacheSize = "sluice.exec.state.cache-size"

// Defaults of ConfigStateCacheSize. With pebble the cache is what bounds
// memory: 64k groups hold the hot keys of most jobs in a few MB. With
// hashmap the state is in memory anyway and a miss costs a decode, an
// encode and a map insert in the backend (with a 64k cache, 1M distinct
// keys ran at 0.27x of the in-memory operator in
// BenchmarkStreamingGroupAggregateKeyed), so the cache holds up to 1M
// groups, at the price of a second, encoded copy of the groups written to
// the backend.
const (
	DefaultStateCacheSize        = 64 << 10
	DefaultHashMapStateCacheSize = 1 << 20
)

// groupStateName is the ValueState a group aggregate keeps its groups in,
// one entry per key (Flink's GroupAggFunction keeps accState and
// recordCounter per key; here they are one value).
const groupStateName = "group-aggregate"

// The encoding of one group's state: a version byte, a flags byte, the
// time of the last write (Unix milliseconds, 8 bytes little-endian) when
// state TTL is on, Flink's record count (varint), then every accumulator's
// state in call order (accumulators_state.go).
const (
	groupStateV1 byte = 1

	groupStateAlive byte = 1 << 0 // the group has state (Flink: accState != null)
	groupStateTime  byte = 1 << 1 // the last-write time follows
)

// Per-group flags of the cache.
const (
	// groupDirty: changed since it was last written to the backend.
	groupDirty uint8 = 1 << iota
	// groupRef: touched since the eviction clock last passed it (second
	// chance).
	groupRef
	// groupStored: the backend may hold an entry for the group, so its
	// death must delete it.
	groupStored
	// groupVictim: picked by the current eviction.
	groupVictim
)

// keyedAgg is a streaming group aggregate's link to its keyed state
// backend. The operator's group table and accumulators are a write-back
// cache of the backend: a key's state is read when the key enters the
// cache, written when it leaves it or a checkpoint is taken, and deleted
// when the group dies (its row count reaches 0).
type keyedAgg struct {
	vs       *state.ValueState[[]byte]
	rng      state.KeyGroupRange
	capacity int
	ttl      int64 // table.exec.state.ttl in milliseconds; 0 = off

	flags   []uint8 // by group id
	written []int64 // by group id: last write, Unix ms (TTL only)
	hand    uint32  // the eviction clock's position

	// Batch scratch.
	kgs   []uint16
	keys  [][]byte
	vals  [][]byte
	found []bool
	kbuf  []byte
	vbuf  []byte
	gs    []uint32
	// Eviction scratch.
	victims, dirty, gone []uint32
}

// openKeyed connects a streaming aggregate to the instance's keyed state
// backend. Without one (an operator driven outside a job, as in unit
// tests and benchmarks of the operator alone) the aggregate keeps its
// groups in memory only.
func (a *GroupAggregate) openKeyed(rt *RuntimeContext) error {
	if a.spec.Mode != Streaming || rt.ckpt == nil {
		return nil
	}
	if rt.MaxParallelism <= 0 {
		return fmt.Errorf("%s: keyed state needs the max parallelism (%s)", a, ConfigMaxParallelism)
	}
	b, err := rt.KeyedState()
	if err != nil {
		return err
	}
	ttl, err := rt.Config.Duration(ConfigStateTTL, 0)
	if err != nil {
		return err
	}
	if ttl < 0 {
		return fmt.Errorf("%s = %v: must not be negative", ConfigStateTTL, ttl)
	}
	def := DefaultStateCacheSize
	if b.Type() == state.BackendHashMap {
		def = DefaultHashMapStateCacheSize
	}
	capacity, err := rt.Config.Int(ConfigStateCacheSize, def)
	if err != nil {
		return err
	}
	if capacity < 0 {
		return fmt.Errorf("%s = %d: must not be negative", ConfigStateCacheSize, capacity)
	}
	// Flink's StateTtlConfig for GroupAggFunction: processing time,
	// updated on create and write, expired state never returned.
	vs, err := state.NewValueState(b, state.Descriptor[[]byte]{Name: groupStateName, Codec: state.BytesCodec{}, TTL: ttl})
	if err != nil {
		return err
	}
	if a.now == nil {
		a.now = time.Now
	}
	a.ks = &keyedAgg{vs: vs, rng: b.Range(), capacity: capacity, ttl: ttl.Milliseconds()}
	if ttl > 0 && a.ks.ttl == 0 {
		a.ks.ttl = 1 // a TTL under a millisecond still expires
	}
	return nil
}

func (a *GroupAggregate) nowMillis() int64 { return a.now().UnixMilli() }

func (k *keyedAgg) grow(n int) {
	k.flags = growTo(k.flags, n)
	if k.ttl > 0 {
		k.written = growTo(k.written, n)
	}
}

// keyBatch encodes the keys of groups into k.keys and their key groups
// into k.kgs (valid until the next keyBatch). A key group outside the
// subtask's range means the input was not partitioned by these keys.
func (a *GroupAggregate) keyBatch(groups []uint32) error {
	k := a.ks
	k.kgs = grow(k.kgs, len(groups))
	k.keys = grow(k.keys, len(groups))
	k.kbuf = k.kbuf[:0]
	ends := grow(a.keyEnds, len(groups))
	a.keyEnds = ends
	for i, g := range groups {
		kg := a.rt.KeyGroupOf(a.table.hashes[g])
		if !k.rng.Contains(int(kg)) {
			return fmt.Errorf("%s: a key of key group %d reached subtask %d, which owns key groups %s: the input is not hash-partitioned by the group keys", a, kg, a.rt.Subtask, k.rng)
		}
		k.kgs[i] = kg
		k.kbuf = a.table.appendKey(k.kbuf, g)
		ends[i] = len(k.kbuf)
	}
	start := 0
	for i := range groups {
		k.keys[i] = k.kbuf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return nil
}

// loadCreated reads the state of the groups the last lookup put into the
// cache.
func (a *GroupAggregate) loadCreated() error {
	k := a.ks
	if len(a.created) == 0 {
		return nil
	}
	if err := a.keyBatch(a.created); err != nil {
		return err
	}
	n := len(a.created)
	k.vals = grow(k.vals, n)
	k.found = grow(k.found, n)
	if err := k.vs.GetBatch(k.kgs[:n], k.keys[:n], k.vals[:n], k.found[:n]); err != nil {
		return fmt.Errorf("%s: reading keyed state: %w", a, err)
	}
	var now int64
	if k.ttl > 0 {
		now = a.nowMillis()
	}
	for i, g := range a.created {
		k.flags[g] = groupRef
		if !k.found[i] {
			continue
		}
		k.flags[g] |= groupStored
		if err := a.decodeGroup(g, k.vals[i], now); err != nil {
			return fmt.Errorf("%s: keyed state of key group %d: %w", a, k.kgs[i], err)
		}
	}
	return nil
}

// decodeGroup sets group g, fresh from the lookup, from its stored state.
// State past its TTL is treated as absent (Flink's NeverReturnExpired).
func (a *GroupAggregate) decodeGroup(g uint32, val []byte, now int64) error {
	d := stateDecoder{b: val}
	if v := d.byte1(); d.err == nil && v != groupStateV1 {
		return fmt.Errorf("%w: unknown version %d", errStateCorrupt, v)
	}
	fl := d.byte1()
	var written int64
	if fl&groupStateTime != 0 {
		written = int64(d.uint64())
	}
	rows := d.varint()
	for _, acc := range a.accs {
		acc.load(&d, g)
	}
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes left over", errStateCorrupt, len(d.b))
	}
	expired := a.ks.ttl > 0 && fl&groupStateTime != 0 && now-written >= a.ks.ttl
	if d.err != nil || fl&groupStateAlive == 0 || expired {
		a.resetGroup(g)
		return d.err
	}
	a.alive[g], a.rowCount[g] = true, rows
	if a.ks.ttl > 0 {
		a.ks.written[g] = written
		if fl&groupStateTime == 0 {
			// Written before TTL was turned on: the clock starts now.
			a.ks.written[g] = now
		}
	}
	return nil
}

// encodeGroup appends group g's state.
func (a *GroupAggregate) encodeGroup(dst []byte, g uint32) []byte {
	fl := byte(0)
	if a.alive[g] {
		fl |= groupStateAlive
	}
	if a.ks.ttl > 0 {
		fl |= groupStateTime
	}
	dst = append(dst, groupStateV1, fl)
	if a.ks.ttl > 0 {
		dst = binary.LittleEndian.AppendUint64(dst, uint64(a.ks.written[g]))
	}
	dst = binary.AppendVarint(dst, a.rowCount[g])
	for _, acc := range a.accs {
		dst = acc.save(dst, g)
	}
	return dst
}

// expireCached clears the state of cached groups of groups whose TTL ran
// out since their last write, before the batch is applied to them, as
// Flink finds their state gone.
func (a *GroupAggregate) expireCached(groups []uint32) {
	k := a.ks
	if k.ttl == 0 {
		return
	}
	now := a.nowMillis()
	for _, g := range groups {
		if a.alive[g] && now-k.written[g] >= k.ttl {
			a.clearGroup(g)
		}
	}
}

// touch marks the groups a batch wrote to.
func (a *GroupAggregate) touch(groups []uint32) {
	k := a.ks
	for _, g := range groups {
		k.flags[g] |= groupDirty | groupRef
	}
	if k.ttl > 0 {
		now := a.nowMillis()
		for _, g := range groups {
			k.written[g] = now
		}
	}
}

// resetGroup puts group g back in its initial state.
func (a *GroupAggregate) resetGroup(g uint32) {
	a.alive[g] = false
	a.rowCount[g] = 0
	for _, acc := range a.accs {
		acc.reset(g)
	}
}

// deleteStored deletes from the backend the state of those of groups that
// may be stored there; the groups are about to leave the table.
func (a *GroupAggregate) deleteStored(groups []uint32) error {
	k := a.ks
	del := k.gs[:0]
	for _, g := range groups {
		if a.table.inUse[g] && k.flags[g]&groupStored != 0 {
			k.flags[g] &^= groupStored
			del = append(del, g)
		}
	}
	k.gs = del
	if len(del) == 0 {
		return nil
	}
	if err := a.keyBatch(del); err != nil {
		return err
	}
	if err := k.vs.DeleteBatch(k.kgs[:len(del)], k.keys[:len(del)]); err != nil {
		return fmt.Errorf("%s: deleting keyed state: %w", a, err)
	}
	return nil
}

// writeGroups writes the state of groups to the backend.
func (a *GroupAggregate) writeGroups(groups []uint32) error {
	k := a.ks
	if len(groups) == 0 {
		return nil
	}
	if err := a.keyBatch(groups); err != nil {
		return err
	}
	k.vals = grow(k.vals, len(groups))
	k.vbuf = k.vbuf[:0]
	ends := grow(a.valEnds, len(groups))
	a.valEnds = ends
	for i, g := range groups {
		k.vbuf = a.encodeGroup(k.vbuf, g)
		ends[i] = len(k.vbuf)
	}
	if err := accsErr(a.accs); err != nil {
		return err
	}
	start := 0
	for i := range groups {
		k.vals[i] = k.vbuf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	if err := k.vs.PutBatch(k.kgs[:len(groups)], k.keys[:len(groups)], k.vals[:len(groups)]); err != nil {
		return fmt.Errorf("%s: writing keyed state: %w", a, err)
	}
	for _, g := range groups {
		k.flags[g] = k.flags[g]&^groupDirty | groupStored
	}
	return nil
}

// flushChunk bounds the scratch memory of one write to the backend.
const flushChunk = 4096

// flushDirty writes every changed group of the cache to the backend: what
// a checkpoint must capture.
func (a *GroupAggregate) flushDirty() error {
	if a.ks == nil || a.table == nil {
		return nil
	}
	k := a.ks
	var batch []uint32
	for g := range uint32(a.table.size()) {
		if !a.table.inUse[g] || k.flags[g]&groupDirty == 0 || !a.alive[g] {
			continue
		}
		batch = append(batch, g)
		if len(batch) == flushChunk {
			if err := a.writeGroups(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return a.writeGroups(batch)
}

// evict brings the cache down to its capacity with the clock algorithm:
// the hand sweeps the group ids, a group touched since the last sweep gets
// a second chance, the others are written back (when changed) and leave
// the table.
func (a *GroupAggregate) evict() error {
	k := a.ks
	t := a.table
	if t.live <= k.capacity {
		return nil
	}
	size := uint32(t.size())
	victims := k.victims[:0]
	for t.live-len(victims) > k.capacity {
		g := k.hand
		if k.hand++; k.hand >= size {
			k.hand = 0
		}
		switch {
		case !t.inUse[g] || k.flags[g]&groupVictim != 0:
		case k.flags[g]&groupRef != 0:
			k.flags[g] &^= groupRef
		default:
			k.flags[g] |= groupVictim
			victims = append(victims, g)
		}
	}
	k.victims = victims
	dirty, gone := k.dirty[:0], k.gone[:0]
	for _, g := range victims {
		switch {
		case !a.alive[g]:
			gone = append(gone, g)
		case k.flags[g]&groupDirty != 0:
			dirty = append(dirty, g)
		}
	}
	k.dirty, k.gone = dirty, gone
	if err := a.deleteStored(gone); err != nil {
		return err
	}
	for lo := 0; lo < len(dirty); lo += flushChunk {
		if err := a.writeGroups(dirty[lo:min(lo+flushChunk, len(dirty))]); err != nil {
			return err
		}
	}
	for _, g := range victims {
		t.remove(g)
		a.resetGroup(g)
		k.flags[g] = 0
	}
	return nil
}

// PrepareSnapshotPreBarrier finishes a mini-batch bundle still open at a
// checkpoint: its changes go downstream ahead of the barrier (Flink's
// AbstractMapBundleOperator.prepareSnapshotPreBarrier).
func (a *GroupAggregate) PrepareSnapshotPreBarrier(ctx context.Context, _ CheckpointInfo, out Collector) error {
	if len(a.bundle) == 0 {
		return nil
	}
	return a.finishBundle(ctx, out)
}

// SnapshotState makes the keyed state backend hold the operator's whole
// state for the checkpoint: every changed cached group is written (the
// bundle was finished before the barrier).
func (a *GroupAggregate) SnapshotState(ctx context.Context, cp CheckpointInfo) error {
	if len(a.bundle) > 0 {
		// Only a final snapshot comes without the pre-barrier step; the
		// bundle was finished at the end of input then.
		return fmt.Errorf("%s: a mini-batch bundle is open at checkpoint %d", a, cp.ID)
	}
	return a.flushDirty()
}

var _ PreBarrierEmitter = (*GroupAggregate)(nil)
var _ Checkpointed = (*GroupAggregate)(nil)

package kafka

import (
	"bytes"
	"fmt"
	"math/bits"
	"time"

	ckafka "github.com/confluentinc/confluent-kafka-go/v2/kafka"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// normStateName is the keyed state of an upsert-kafka source: the last
// value of every key, under the key group of the key's partition.
const normStateName = "upsert-kafka-last-values"

// normalizer is Flink's ChangelogNormalize for an upsert-kafka source,
// done in the source: a record is an upsert of its key and a tombstone
// its delete, and the changelog the job sees is a full one — +I for a
// new key, -U of the previous row then +U for a changed one, -D of the
// previous row for a tombstone — from the last value of every key kept
// in keyed state. A record equal to the key's last value is dropped, and
// so is a tombstone of an unknown key, as Flink does.
//
// Flink normalizes after a hash exchange on the key. Here every record of
// a key is in one partition (the producer's partitioner hashes the key:
// upsert-kafka, Kafka Streams and every keyed producer write so), so the
// subtask reading a partition holds all of its keys: the partition is the
// unit of both reading and state. Each partition has a key group
// (partitionGroup) and is read by the subtask whose key-group range holds
// it, so on a restore at another parallelism the keyed state of a
// partition's keys moves with the partition.
type normalizer struct {
	vs *state.ValueState[[]byte]
	// mem replaces vs outside a job (no keyed state backend).
	mem    map[string][]byte
	maxPar int
	kgs    state.KeyGroupRange
	kinds  []vectorized.RowKind
}

func (s *source) openNormalizer(rt *engine.RuntimeContext) error {
	n := &normalizer{maxPar: rt.MaxParallelism}
	s.norm = n
	if n.maxPar <= 0 {
		// Driven outside a job: nothing is checkpointed.
		n.mem = map[string][]byte{}
		return nil
	}
	n.kgs = rt.KeyGroups()
	b, err := rt.KeyedState()
	if err != nil {
		if s.ckpt.op != nil {
			return err
		}
		n.mem = map[string][]byte{}
		return nil
	}
	n.vs, err = state.NewValueState(b, state.Descriptor[[]byte]{Name: normStateName, Codec: state.BytesCodec{}})
	return err
}

// partitionGroup is the key group of a partition: the base-2 radical
// inverse of its number scaled to the key groups (0, 1/2, 1/4, 3/4, …),
// so any number of partitions spreads evenly over the subtasks' ranges
// and a partition added later does not move the others.
func partitionGroup(part int32, maxPar int) int {
	return int(uint64(bits.Reverse32(uint32(part))) * uint64(maxPar) >> 32)
}

// owns says whether this subtask reads partition k, the i-th of all in
// sorted order: round-robin for `kafka`, by key group for upsert-kafka.
func (s *source) owns(i int, k partKey) bool {
	if s.norm == nil || s.norm.maxPar <= 0 {
		return i%s.parallelism == s.subtask
	}
	return s.norm.kgs.Contains(partitionGroup(k.part, s.norm.maxPar))
}

func (n *normalizer) get(kg int, key []byte) ([]byte, bool, error) {
	if n.vs == nil {
		v, ok := n.mem[string(key)]
		return v, ok, nil
	}
	v, ok, err := n.vs.Value(uint16(kg), key)
	// The backend's bytes stay valid only until its next write.
	return bytes.Clone(v), ok, err
}

func (n *normalizer) put(kg int, key, value []byte) error {
	if n.vs == nil {
		n.mem[string(key)] = bytes.Clone(value)
		return nil
	}
	return n.vs.Update(uint16(kg), key, value)
}

func (n *normalizer) clear(kg int, key []byte) error {
	if n.vs == nil {
		delete(n.mem, string(key))
		return nil
	}
	return n.vs.Clear(uint16(kg), key)
}

// takeKinds hands the pending batch's row kinds over: a batch is
// immutable once emitted, so the next one gets a new slice.
func (n *normalizer) takeKinds() []vectorized.RowKind {
	k := n.kinds
	n.kinds = make([]vectorized.RowKind, 0, cap(k))
	return k
}

// normalize turns one record of partition k into changelog rows.
func (s *source) normalize(m *ckafka.Message, k partKey, off int64) error {
	n := s.norm
	if m.Key == nil {
		return s.badRecord(k, off, "key", fmt.Errorf("an upsert-kafka record needs a key (the primary key)"), m.Value)
	}
	kg := partitionGroup(k.part, max(n.maxPar, 1))
	prev, found, err := n.get(kg, m.Key)
	if err != nil {
		return fmt.Errorf("%s: the last value of a key of topic %s partition %d: %w", UpsertIdentifier, k.topic, k.part, err)
	}
	if m.Value == nil {
		if !found {
			return nil
		}
		if err := s.appendRow(m.Key, prev, vectorized.Delete); err != nil {
			return err
		}
		return n.clear(kg, m.Key)
	}
	if found && bytes.Equal(prev, m.Value) {
		return nil
	}
	// The new record must be readable before anything of it is emitted.
	part, ok, err := s.parseRow(m.Key, m.Value)
	if err != nil {
		rec := m.Value
		if part == "key" {
			rec = m.Key
		}
		return s.badRecord(k, off, part, err, rec)
	}
	if !ok {
		return nil
	}
	kind := vectorized.Insert
	if found {
		if err := s.appendRow(m.Key, prev, vectorized.UpdateBefore); err != nil {
			return err
		}
		kind = vectorized.UpdateAfter
	}
	if err := s.appendRow(m.Key, m.Value, kind); err != nil {
		return err
	}
	return n.put(kg, m.Key, m.Value)
}

// parseRow parses a record's value, then its key when the key's columns
// are not in the value; it says which part failed.
func (s *source) parseRow(key, value []byte) (string, bool, error) {
	ok, err := s.dec.value.Parse(value)
	if err != nil || !ok || s.dec.key == nil {
		return "value", ok, err
	}
	ok, err = s.dec.key.Parse(key)
	return "key", ok, err
}

// appendRow parses a row known to be valid (the last value of a key, or
// a record parseRow accepted) and appends it with its kind.
func (s *source) appendRow(key, value []byte, kind vectorized.RowKind) error {
	part, ok, err := s.parseRow(key, value)
	if err != nil || !ok {
		return fmt.Errorf("%s: the %s of a key's last row no longer parses: %v", UpsertIdentifier, part, err)
	}
	if s.dec.key != nil {
		s.dec.key.Append(s.keyB)
	}
	s.dec.value.Append(s.valB)
	s.norm.kinds = append(s.norm.kinds, kind)
	if s.rows == 0 {
		s.first = time.Now()
	}
	s.rows++
	s.bytes += len(key) + len(value) + 8*(len(s.keyB)+len(s.valB))
	return nil
}

// badRecord fails on a malformed record, naming where it is, or skips
// and counts it under ignore-parse-errors.
func (s *source) badRecord(k partKey, off int64, part string, err error, rec []byte) error {
	if s.c.ignoreErr {
		s.skipped.Add(1)
		return nil
	}
	return fmt.Errorf("%s: topic %s, partition %d, offset %d: bad %s: %w; record: %s", UpsertIdentifier, k.topic, k.part, off, part, err, quoteRecord(rec))
}

// advance moves a partition past a record.
func (s *source) advance(k partKey, st *partState, off int64) {
	st.next = off + 1
	st.dirty = true
	if st.stop >= 0 && st.next >= st.stop {
		s.finish(k, st)
	}
}

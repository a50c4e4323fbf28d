package kafka

import (
	"encoding/binary"
	"fmt"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
)

// Names of the operator list states, as they appear in checkpoints.
const (
	// sourceStateName holds one element per partition a source subtask
	// reads: (topic, partition, next offset, stop offset). Union
	// redistribution hands every restored subtask every partition, and
	// each keeps those the assignment rule gives it, so a restore at
	// another parallelism covers every partition once (Flink's
	// FlinkKafkaConsumer keeps its offsets in a union list state for the
	// same reason).
	sourceStateName = "kafka-source-partition-offsets"
	// sinkStateName holds one element per checkpointed epoch of an
	// exactly-once sink subtask that was not committed yet when the
	// checkpoint was taken: (slot, run, checkpoint id, records). Union
	// redistribution lets the restored subtask that owns a slot (slot mod
	// parallelism) replay it with that slot's transactional id.
	sinkStateName = "kafka-sink-pending-epochs"
)

// stateVersion leads every element, so a later layout can read this one.
const stateVersion = 1

// ckptSide is what an instance uses of the runtime's checkpoint support,
// read once in Open.
type ckptSide struct {
	// enabled says the job takes checkpoints.
	enabled bool
	// op is the instance's operator state; nil when the instance takes
	// no part in checkpoints (neither enabled nor restored).
	op *state.OperatorState
	// restored is set when the job starts from a checkpoint.
	restored *engine.Restored
}

func ckptOf(rt *engine.RuntimeContext) (*ckptSide, error) {
	c := &ckptSide{enabled: rt.CheckpointingEnabled()}
	if r, ok := rt.Restored(); ok {
		c.restored = &r
	}
	if c.enabled || c.restored != nil {
		op, err := rt.OperatorState()
		if err != nil {
			return nil, err
		}
		c.op = op
	}
	return c, nil
}

// partOffset is one element of a source's state.
type partOffset struct {
	key  partKey
	next int64 // next offset to read, or ckafka.OffsetBeginning
	stop int64 // -1 when unbounded
}

func encodePartOffset(p partOffset) []byte {
	b := []byte{stateVersion}
	b = binary.AppendUvarint(b, uint64(len(p.key.topic)))
	b = append(b, p.key.topic...)
	b = binary.AppendVarint(b, int64(p.key.part))
	b = binary.AppendVarint(b, p.next)
	return binary.AppendVarint(b, p.stop)
}

func decodePartOffset(b []byte) (partOffset, error) {
	var p partOffset
	bad := fmt.Errorf("%s: source state element %x is corrupt", Identifier, b)
	if len(b) < 1 || b[0] != stateVersion {
		return p, bad
	}
	r := reader{b: b[1:]}
	p.key.topic = string(r.field())
	p.key.part = int32(r.varint())
	p.next = r.varint()
	p.stop = r.varint()
	if r.bad || len(r.b) != 0 {
		return p, bad
	}
	return p, nil
}

// epoch is what an exactly-once sink subtask received between two
// checkpoints, encoded records ready to produce.
type epoch struct {
	slot    int    // the sink subtask (transactional id) that wrote it
	run     string // random id of the run that wrote it
	id      int64  // the checkpoint that closed it
	count   int
	records []byte // appendRecord's encoding, one after another
}

func encodeEpoch(e epoch) []byte {
	b := make([]byte, 0, 32+len(e.run)+len(e.records))
	b = append(b, stateVersion)
	b = binary.AppendUvarint(b, uint64(e.slot))
	b = binary.AppendUvarint(b, uint64(len(e.run)))
	b = append(b, e.run...)
	b = binary.AppendVarint(b, e.id)
	b = binary.AppendUvarint(b, uint64(e.count))
	return append(b, e.records...)
}

func decodeEpoch(b []byte) (epoch, error) {
	var e epoch
	bad := fmt.Errorf("%s: sink state element of %d bytes is corrupt", Identifier, len(b))
	if len(b) < 1 || b[0] != stateVersion {
		return e, bad
	}
	r := reader{b: b[1:]}
	e.slot = int(r.uvarint())
	e.run = string(r.field())
	e.id = r.varint()
	e.count = int(r.uvarint())
	if r.bad {
		return e, bad
	}
	e.records = r.b
	n := 0
	if err := eachRecord(e.records, func(int32, []byte, []byte) error { n++; return nil }); err != nil || n != e.count {
		return e, bad
	}
	return e, nil
}

// appendRecord encodes one record: partition (zigzag), then key and value
// as uvarint(len+1) and the bytes, 0 standing for null.
func appendRecord(dst []byte, part int32, key, value []byte) []byte {
	dst = binary.AppendVarint(dst, int64(part))
	dst = appendNullable(dst, key)
	return appendNullable(dst, value)
}

func appendNullable(dst, b []byte) []byte {
	if b == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(b))+1)
	return append(dst, b...)
}

// eachRecord calls fn with every record of an encoded run; key and value
// alias records.
func eachRecord(records []byte, fn func(part int32, key, value []byte) error) error {
	r := reader{b: records}
	for len(r.b) > 0 {
		part := int32(r.varint())
		key := r.nullable()
		value := r.nullable()
		if r.bad {
			return fmt.Errorf("%s: corrupt record in a sink epoch", Identifier)
		}
		if err := fn(part, key, value); err != nil {
			return err
		}
	}
	return nil
}

// reader decodes varints and fields, remembering the first failure.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) uvarint() uint64 {
	v, w := binary.Uvarint(r.b)
	if w <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[w:]
	return v
}

func (r *reader) varint() int64 {
	v, w := binary.Varint(r.b)
	if w <= 0 {
		r.bad, r.b = true, nil
		return 0
	}
	r.b = r.b[w:]
	return v
}

func (r *reader) field() []byte {
	n := r.uvarint()
	if r.bad || uint64(len(r.b)) < n {
		r.bad, r.b = true, nil
		return nil
	}
	f := r.b[:n]
	r.b = r.b[n:]
	return f
}

func (r *reader) nullable() []byte {
	n := r.uvarint()
	if r.bad || n == 0 {
		return nil
	}
	if uint64(len(r.b)) < n-1 {
		r.bad, r.b = true, nil
		return nil
	}
	f := r.b[: n-1 : n-1]
	r.b = r.b[n-1:]
	return f
}

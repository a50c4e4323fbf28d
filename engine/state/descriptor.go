package state

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// Codec turns a state value into bytes and back; the backends store bytes
// only, as Flink's TypeSerializer sits between a state and its backend.
type Codec[T any] interface {
	// Append appends the encoding of v to dst.
	Append(dst []byte, v T) []byte
	Decode(b []byte) (T, error)
}

// Descriptor declares a keyed state: its name (unique per backend), the
// codec of its values and its TTL, as Flink's StateDescriptor with
// StateTtlConfig. A zero TTL keeps entries forever.
type Descriptor[T any] struct {
	Name  string
	Codec Codec[T]
	TTL   time.Duration
}

// BytesCodec stores values as they are; the decoded slice is the backend's
// and must not be modified.
type BytesCodec struct{}

func (BytesCodec) Append(dst []byte, v []byte) []byte { return append(dst, v...) }
func (BytesCodec) Decode(b []byte) ([]byte, error)    { return b, nil }

// StringCodec stores a string's bytes.
type StringCodec struct{}

func (StringCodec) Append(dst []byte, v string) []byte { return append(dst, v...) }
func (StringCodec) Decode(b []byte) (string, error)    { return string(b), nil }

// Int64Codec stores a big-endian int64.
type Int64Codec struct{}

func (Int64Codec) Append(dst []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(dst, uint64(v))
}
func (Int64Codec) Decode(b []byte) (int64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("state: int64 value of %d bytes", len(b))
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// Float64Codec stores a float64's IEEE bits.
type Float64Codec struct{}

func (Float64Codec) Append(dst []byte, v float64) []byte {
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(v))
}
func (Float64Codec) Decode(b []byte) (float64, error) {
	if len(b) != 8 {
		return 0, fmt.Errorf("state: float64 value of %d bytes", len(b))
	}
	return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
}

// Clock gives the time TTL is measured in; tests inject a fake one. Flink's
// TtlTimeProvider plays this part.
type Clock func() time.Time

// ttlHeader is the size of the last-write timestamp (Unix milliseconds)
// prefixed to every entry of a state with TTL, as Flink's TtlValue keeps
// the user value with its last access timestamp.
const ttlHeader = 8

func withTimestamp(dst []byte, now int64, payload []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(now))
	return append(dst, payload...)
}

// expired reports whether a TTL-stamped entry written at its header's time
// is past ttl at now. Flink's default visibility is NeverReturnExpired with
// OnCreateAndWrite updates: expiry counts from the last write.
func expired(stamped []byte, ttl time.Duration, now int64) bool {
	if len(stamped) < ttlHeader {
		return true
	}
	written := int64(binary.BigEndian.Uint64(stamped))
	return now-written >= ttl.Milliseconds()
}

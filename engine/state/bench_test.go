package state

import "testing"

const benchBatch = 1024

// benchKeys returns size distinct keys, their key groups and values.
func benchKeys(size int) ([]uint16, [][]byte, [][]byte) {
	kgs, keys := keysOf(size, "user-")
	vals := make([][]byte, size)
	for i := range vals {
		vals[i] = Int64Codec{}.Append(nil, int64(i))
	}
	return kgs, keys, vals
}

// BenchmarkBatchPut measures PutBatch of value state, 1024 keys per call,
// over 100k distinct keys; b.N counts batches.
func BenchmarkBatchPut(b *testing.B) {
	for _, typ := range backendTypes {
		b.Run(typ, func(b *testing.B) {
			be := openBackend(b, typ, fullRange(), nil)
			s, err := NewValueState(be, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
			if err != nil {
				b.Fatal(err)
			}
			const size = 100 * benchBatch
			kgs, keys, vals := benchKeys(size)
			b.ResetTimer()
			for i := range b.N {
				lo := (i * benchBatch) % size
				if err := s.PutBatch(kgs[lo:lo+benchBatch], keys[lo:lo+benchBatch], vals[lo:lo+benchBatch]); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}

// BenchmarkBatchGet measures GetBatch of value state over 100k keys
// written beforehand, 1024 keys per call.
func BenchmarkBatchGet(b *testing.B) {
	for _, typ := range backendTypes {
		b.Run(typ, func(b *testing.B) {
			be := openBackend(b, typ, fullRange(), nil)
			s, err := NewValueState(be, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
			if err != nil {
				b.Fatal(err)
			}
			const size = 100 * benchBatch
			kgs, keys, vals := benchKeys(size)
			for lo := 0; lo < size; lo += benchBatch {
				if err := s.PutBatch(kgs[lo:lo+benchBatch], keys[lo:lo+benchBatch], vals[lo:lo+benchBatch]); err != nil {
					b.Fatal(err)
				}
			}
			out, found := make([][]byte, benchBatch), make([]bool, benchBatch)
			b.ResetTimer()
			for i := range b.N {
				lo := (i * benchBatch) % size
				if err := s.GetBatch(kgs[lo:lo+benchBatch], keys[lo:lo+benchBatch], out, found); err != nil {
					b.Fatal(err)
				}
				if !found[0] {
					b.Fatalf("key %s not found", keys[lo])
				}
			}
			b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "keys/s")
		})
	}
}

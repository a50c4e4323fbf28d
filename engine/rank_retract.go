package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"

	"github.com/sluice-stream/sluice/vectorized"
)

// Top-N on updating input (RetractableTopNFunction) keeps every live row,
// so a partition can hold many. Its state is laid out as Flink's: an index
// per partition — the distinct ORDER BY keys in order, each with its row
// count (Flink's ValueState<SortedMap<sortKey, count>>) — and, per
// (partition, ORDER BY key), the rows of that key in arrival order (Flink's
// MapState<sortKey, List<row>>). A row reads the index and only the row
// lists that cover the ranks it changes, up to RankEnd + 1.

type skCount struct {
	sk []byte
	n  int
}

func encodeRankIndex(idx []skCount) []byte {
	b := binary.AppendUvarint(nil, uint64(len(idx)))
	for _, e := range idx {
		b = binary.AppendUvarint(b, uint64(len(e.sk)))
		b = append(b, e.sk...)
		b = binary.AppendUvarint(b, uint64(e.n))
	}
	return b
}

func decodeRankIndex(val []byte) ([]skCount, error) {
	d := stateDecoder{b: val}
	idx := make([]skCount, d.count(2))
	for i := range idx {
		idx[i].sk = d.fixed(int(d.uvarint()))
		idx[i].n = int(d.uvarint())
	}
	if d.err == nil && len(d.b) != 0 {
		return nil, fmt.Errorf("%w: bytes after a Top-N index", errStateCorrupt)
	}
	return idx, d.err
}

func encodeRowList(rows [][]byte) []byte {
	b := binary.AppendUvarint(nil, uint64(len(rows)))
	for _, r := range rows {
		b = binary.AppendUvarint(b, uint64(len(r)))
		b = append(b, r...)
	}
	return b
}

func decodeRowList(val []byte) ([][]byte, error) {
	d := stateDecoder{b: val}
	rows := make([][]byte, d.count(1))
	for i := range rows {
		rows[i] = d.fixed(int(d.uvarint()))
	}
	if d.err == nil && len(d.b) != 0 {
		return nil, fmt.Errorf("%w: bytes after a Top-N row list", errStateCorrupt)
	}
	return rows, d.err
}

// rowsKey is the state key of one (partition, ORDER BY key) row list.
func rowsKey(key, sk []byte) []byte {
	return append(append(binary.AppendUvarint(nil, uint64(len(key))), key...), sk...)
}

func (r *rank) rowList(kg uint16, sk []byte) ([][]byte, error) {
	val, ok, err := r.rows.get(kg, rowsKey(r.key, sk))
	if err != nil || !ok {
		if err == nil {
			err = fmt.Errorf("%w: Top-N rows of an indexed order key are missing", errStateCorrupt)
		}
		return nil, err
	}
	return decodeRowList(val)
}

// rowRange returns the rows at positions [a, b) of the partition (0-based,
// in rank order).
func (r *rank) rowRange(kg uint16, idx []skCount, a, b int) ([][]byte, error) {
	var out [][]byte
	pos := 0
	for _, e := range idx {
		if pos >= b {
			break
		}
		if pos+e.n > a {
			rows, err := r.rowList(kg, e.sk)
			if err != nil {
				return nil, err
			}
			for i, row := range rows {
				if g := pos + i; g >= a && g < b {
					out = append(out, row)
				}
			}
		}
		pos += e.n
	}
	return out, nil
}

// processRetractable applies one row (r.key, r.sk, r.row) of an updating
// input to its partition.
func (r *rank) processRetractable(kg uint16, kind vectorized.RowKind) error {
	val, ok, err := r.kv.get(kg, r.key)
	if err != nil {
		return err
	}
	var idx []skCount
	if ok {
		if idx, err = decodeRankIndex(val); err != nil {
			return err
		}
	}
	j := sort.Search(len(idx), func(j int) bool { return bytes.Compare(idx[j].sk, r.sk) >= 0 })
	found := j < len(idx) && bytes.Equal(idx[j].sk, r.sk)
	before, oldLen := 0, 0
	for i, e := range idx {
		if i < j {
			before += e.n
		}
		oldLen += e.n
	}
	end, withRN := int(r.spec.RankEnd), r.spec.OutputRankNumber || r.spec.RankStart > 1
	var list [][]byte
	if found {
		if list, err = r.rowList(kg, r.sk); err != nil {
			return err
		}
	}
	if kind == vectorized.Insert || kind == vectorized.UpdateAfter {
		p := before + len(list) // after its equals
		if p < end {
			// olds[i] is the row at position p+i before the insert.
			olds, err := r.rowRange(kg, idx, p, min(oldLen, end+1))
			if err != nil {
				return err
			}
			if withRN {
				for rk := p + 1; rk <= end && rk <= oldLen+1; rk++ {
					newRow := r.row
					if rk-1 > p {
						newRow = olds[rk-2-p]
					}
					if rk <= oldLen {
						r.updateBefore(olds[rk-1-p], rk)
						r.emit(vectorized.UpdateAfter, newRow, rk)
					} else {
						r.emit(vectorized.Insert, newRow, rk)
					}
				}
			} else {
				if oldLen >= end {
					r.emit(vectorized.Delete, olds[end-1-p], end)
				}
				r.emit(vectorized.Insert, r.row, p+1)
			}
		}
		list = append(list, bytes.Clone(r.row))
		if found {
			idx[j].n++
		} else {
			idx = append(idx[:j], append([]skCount{{sk: bytes.Clone(r.sk), n: 1}}, idx[j:]...)...)
		}
		if err := r.rows.put(kg, rowsKey(r.key, r.sk), encodeRowList(list)); err != nil {
			return err
		}
		return r.kv.put(kg, r.key, encodeRankIndex(idx))
	}
	q := -1
	for i, row := range list {
		if bytes.Equal(row, r.row) {
			q = i
			break
		}
	}
	if q < 0 {
		// Flink: a retraction of a row it does not hold (state expired or
		// never seen) is ignored.
		r.ignore.Add(1)
		return nil
	}
	if p := before + q; p < end {
		// olds[i] is the row at position p+i before the retraction.
		olds, err := r.rowRange(kg, idx, p, min(oldLen, end+1))
		if err != nil {
			return err
		}
		if withRN {
			for rk := p + 1; rk <= end && rk <= oldLen; rk++ {
				if rk <= oldLen-1 {
					r.updateBefore(olds[rk-1-p], rk)
					r.emit(vectorized.UpdateAfter, olds[rk-p], rk)
				} else {
					r.emit(vectorized.Delete, olds[rk-1-p], rk)
				}
			}
		} else {
			r.emit(vectorized.Delete, olds[0], p+1)
			if oldLen-1 >= end {
				r.emit(vectorized.Insert, olds[end-p], end)
			}
		}
	}
	list = append(list[:q:q], list[q+1:]...)
	if idx[j].n--; idx[j].n == 0 {
		idx = append(idx[:j], idx[j+1:]...)
		if err := r.rows.del(kg, rowsKey(r.key, r.sk)); err != nil {
			return err
		}
	} else if err := r.rows.put(kg, rowsKey(r.key, r.sk), encodeRowList(list)); err != nil {
		return err
	}
	if len(idx) == 0 {
		return r.kv.del(kg, r.key)
	}
	return r.kv.put(kg, r.key, encodeRankIndex(idx))
}

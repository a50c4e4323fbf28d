package engine

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// groupTable maps the key values of rows to dense group ids. Rows are
// hashed a whole batch at a time (vectorized.HashColumns, the same hash the
// exchange uses), probed into an open-addressing table of ids, and
// candidates are verified against the stored keys one key column at a
// time in typed loops; only hash collisions take a per-row path.
type groupTable struct {
	mem    memory.Allocator
	stores []keyStore // one per key column

	hashes []uint64 // by group id
	inUse  []bool   // by group id
	slots  []uint32 // slotEmpty, slotTomb, or group id + 1
	mask   uint64
	used   int // slots that are not empty (live + tombstones)
	live   int
	next   uint32   // ids handed out so far: every id is < next
	free   []uint32 // removed ids, reused first

	// Per-batch scratch.
	rowHash []uint64
	verify  []int32
	vgroups []uint32
	neq     []bool
}

const (
	slotEmpty uint32 = 0
	slotTomb  uint32 = math.MaxUint32
)

func newGroupTable(mem memory.Allocator, keyTypes []arrow.DataType) *groupTable {
	t := &groupTable{mem: mem}
	for _, dt := range keyTypes {
		t.stores = append(t.stores, newKeyStore(mem, dt))
	}
	t.resize(64)
	return t
}

// size is the number of ids handed out (live or free): state arrays indexed
// by group id need this length.
func (t *groupTable) size() int { return int(t.next) }

func (t *groupTable) resize(capacity int) {
	t.slots = make([]uint32, capacity)
	t.mask = uint64(capacity - 1)
	t.used = 0
	for g := uint32(0); g < t.next; g++ {
		if !t.inUse[g] {
			continue
		}
		s := t.hashes[g] & t.mask
		for t.slots[s] != slotEmpty {
			s = (s + 1) & t.mask
		}
		t.slots[s] = g + 1
		t.used++
	}
}

// reserve makes room for n more groups without a resize, so slot positions
// found while probing a batch stay valid for the whole batch.
func (t *groupTable) reserve(n int) {
	if (t.used+n)*4 <= len(t.slots)*3 {
		return
	}
	c := len(t.slots)
	for (t.live+n)*2 > c {
		c *= 2
	}
	t.resize(c)
}

// lookup sets groups[i] to the group of row i's key, inserting a group for
// each key it has not seen; the ids of the inserted groups are appended to
// created, which is returned.
func (t *groupTable) lookup(cols []arrow.Array, n int, groups []uint32, created []uint32) []uint32 {
	t.reserve(n)
	t.rowHash = grow(t.rowHash, n)
	vectorized.HashColumns(cols, t.rowHash)
	verify := grow(t.verify, n)
	nv := 0
	slots, hashes, mask := t.slots, t.hashes, t.mask
	groups = groups[:n]
	for i, h := range t.rowHash {
		s := h & mask
		tomb := -1
		for {
			v := slots[s]
			if v == slotEmpty {
				at := s
				if tomb >= 0 {
					at = uint64(tomb)
				}
				g := t.insert(h, cols, i, at)
				hashes = t.hashes
				groups[i] = g
				created = append(created, g)
				break
			}
			if v != slotTomb && hashes[v-1] == h {
				groups[i] = v - 1
				verify[nv] = int32(i)
				nv++
				break
			}
			if v == slotTomb && tomb < 0 {
				tomb = int(s)
			}
			s = (s + 1) & mask
		}
	}
	t.verify = verify
	verify = verify[:nv]
	if len(verify) == 0 || len(t.stores) == 0 {
		return created
	}
	t.vgroups = grow(t.vgroups, len(verify))
	t.neq = grow(t.neq, len(verify))
	for k, r := range verify {
		t.vgroups[k] = groups[r]
		t.neq[k] = false
	}
	for c, st := range t.stores {
		st.equal(cols[c], verify, t.vgroups, t.neq)
	}
	for k, differs := range t.neq {
		if differs {
			r := int(verify[k])
			var g uint32
			g, created = t.lookupSlow(cols, r, created)
			groups[r] = g
		}
	}
	return created
}

// lookupSlow probes again for row r after a hash collision, checking every
// candidate's key row by row.
func (t *groupTable) lookupSlow(cols []arrow.Array, r int, created []uint32) (uint32, []uint32) {
	h := t.rowHash[r]
	s := h & t.mask
	tomb := -1
	for {
		v := t.slots[s]
		if v == slotEmpty {
			at := s
			if tomb >= 0 {
				at = uint64(tomb)
			}
			g := t.insert(h, cols, r, at)
			return g, append(created, g)
		}
		if v != slotTomb && t.hashes[v-1] == h && t.equalRow(v-1, cols, r) {
			return v - 1, created
		}
		if v == slotTomb && tomb < 0 {
			tomb = int(s)
		}
		s = (s + 1) & t.mask
	}
}

func (t *groupTable) equalRow(g uint32, cols []arrow.Array, r int) bool {
	for c, st := range t.stores {
		if !st.equalRow(g, cols[c], r) {
			return false
		}
	}
	return true
}

func (t *groupTable) insert(h uint64, cols []arrow.Array, r int, slot uint64) uint32 {
	var g uint32
	if n := len(t.free); n > 0 {
		g = t.free[n-1]
		t.free = t.free[:n-1]
	} else {
		g = t.next
		t.next++
		t.hashes = append(t.hashes, 0)
		t.inUse = append(t.inUse, false)
		for _, st := range t.stores {
			st.grow(int(t.next))
		}
	}
	t.hashes[g] = h
	t.inUse[g] = true
	for c, st := range t.stores {
		st.set(g, cols[c], r)
	}
	if t.slots[slot] == slotEmpty {
		t.used++
	}
	t.slots[slot] = g + 1
	t.live++
	return g
}

// remove drops group g; its id is reused by a later insert.
func (t *groupTable) remove(g uint32) {
	if !t.inUse[g] {
		return
	}
	s := t.hashes[g] & t.mask
	for t.slots[s] != g+1 {
		s = (s + 1) & t.mask
	}
	t.slots[s] = slotTomb
	t.inUse[g] = false
	t.live--
	t.free = append(t.free, g)
	for _, st := range t.stores {
		st.clear(g)
	}
}

// appendKey appends the encoding of group g's key under which the keyed
// state backend stores the group: each column's value in order, a NULL as
// the byte 0 and a value as the byte 1 followed by the value — fixed-width
// values by their bits (the table's equality), byte strings
// length-prefixed, nested values element by element (groupagg_keyenc.go). The
// encoding is deterministic and injective for the key types of one
// operator: two keys the table tells apart never share an encoding, and
// equal keys always do, in any process.
func (t *groupTable) appendKey(dst []byte, g uint32) []byte {
	for _, st := range t.stores {
		dst = st.appendKey(dst, g)
	}
	return dst
}

// keys builds the key columns of the given groups, one row per entry.
func (t *groupTable) keys(groups []uint32) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(t.stores))
	for c, st := range t.stores {
		a, err := st.build(groups)
		if err != nil {
			for _, x := range out[:c] {
				x.Release()
			}
			return nil, err
		}
		out[c] = a
	}
	return out, nil
}

func (t *groupTable) release() {
	for _, st := range t.stores {
		st.release()
	}
}

// keyStore holds one key column's value per group id.
type keyStore interface {
	grow(n int)
	set(g uint32, col arrow.Array, row int)
	clear(g uint32)
	// equal sets neq[k] when row rows[k] of col differs from the key of
	// group groups[k]; NULL equals NULL.
	equal(col arrow.Array, rows []int32, groups []uint32, neq []bool)
	equalRow(g uint32, col arrow.Array, row int) bool
	build(groups []uint32) (arrow.Array, error)
	// appendKey appends the key-state encoding of group g's value (see
	// groupTable.appendKey).
	appendKey(dst []byte, g uint32) []byte
	release()
}

// newKeyStore picks the store for a key type. Fixed-width types are stored
// by their bits (equality by bits, as Flink's binary rows compare keys),
// byte strings as Go strings, everything else as one-row Arrow copies.
func newKeyStore(mem memory.Allocator, dt arrow.DataType) keyStore {
	switch dt.ID() {
	case arrow.BOOL:
		return &boolKeys{mem: mem}
	case arrow.INT8, arrow.UINT8:
		return &fixedKeys[uint8]{mem: mem, dt: dt}
	case arrow.INT16, arrow.UINT16, arrow.FLOAT16:
		return &fixedKeys[uint16]{mem: mem, dt: dt}
	case arrow.INT32, arrow.UINT32, arrow.FLOAT32, arrow.DATE32, arrow.TIME32, arrow.INTERVAL_MONTHS, arrow.DECIMAL32:
		return &fixedKeys[uint32]{mem: mem, dt: dt}
	case arrow.INT64, arrow.UINT64, arrow.FLOAT64, arrow.DATE64, arrow.TIME64, arrow.TIMESTAMP, arrow.DURATION,
		arrow.DECIMAL64, arrow.INTERVAL_DAY_TIME:
		return &fixedKeys[uint64]{mem: mem, dt: dt}
	case arrow.DECIMAL128, arrow.INTERVAL_MONTH_DAY_NANO:
		return &fixedKeys[decimal128.Num]{mem: mem, dt: dt}
	case arrow.DECIMAL256:
		return &fixedKeys[decimal256.Num]{mem: mem, dt: dt}
	case arrow.STRING, arrow.LARGE_STRING, arrow.BINARY, arrow.LARGE_BINARY, arrow.FIXED_SIZE_BINARY,
		arrow.STRING_VIEW, arrow.BINARY_VIEW:
		return &bytesKeys{mem: mem, dt: dt}
	}
	return &genericKeys{mem: mem, dt: dt}
}

// fixedWidth is a raw storage type of a fixed-width Arrow type.
type fixedWidth interface {
	uint8 | uint16 | uint32 | uint64 | decimal128.Num | decimal256.Num
}

type fixedKeys[T fixedWidth] struct {
	mem  memory.Allocator
	dt   arrow.DataType
	vals []T
	null []bool
}

func (s *fixedKeys[T]) grow(n int) {
	for len(s.vals) < n {
		var z T
		s.vals = append(s.vals, z)
		s.null = append(s.null, false)
	}
}

func (s *fixedKeys[T]) set(g uint32, col arrow.Array, row int) {
	if col.IsNull(row) {
		var z T
		s.vals[g], s.null[g] = z, true
		return
	}
	s.vals[g], s.null[g] = arrow.GetValues[T](col.Data(), 1)[row], false
}

func (s *fixedKeys[T]) clear(uint32) {}

func (s *fixedKeys[T]) equal(col arrow.Array, rows []int32, groups []uint32, neq []bool) {
	vals := arrow.GetValues[T](col.Data(), 1)
	if col.NullN() == 0 {
		for k, r := range rows {
			g := groups[k]
			if s.null[g] || vals[r] != s.vals[g] {
				neq[k] = true
			}
		}
		return
	}
	for k, r := range rows {
		g := groups[k]
		isNull := col.IsNull(int(r))
		if isNull != s.null[g] || (!isNull && vals[r] != s.vals[g]) {
			neq[k] = true
		}
	}
}

func (s *fixedKeys[T]) equalRow(g uint32, col arrow.Array, row int) bool {
	if col.IsNull(row) {
		return s.null[g]
	}
	return !s.null[g] && arrow.GetValues[T](col.Data(), 1)[row] == s.vals[g]
}

func (s *fixedKeys[T]) build(groups []uint32) (arrow.Array, error) {
	vals := make([]T, len(groups))
	valid := make([]bool, len(groups))
	for k, g := range groups {
		vals[k], valid[k] = s.vals[g], !s.null[g]
	}
	return buildFixed(s.mem, s.dt, vals, valid), nil
}

func (s *fixedKeys[T]) appendKey(dst []byte, g uint32) []byte {
	if s.null[g] {
		return append(dst, 0)
	}
	v := s.vals[g]
	return append(append(dst, 1), unsafe.Slice((*byte)(unsafe.Pointer(&v)), unsafe.Sizeof(v))...)
}

func (s *fixedKeys[T]) release() {}

// buildFixed makes an array of type dt whose value buffer holds vals'
// bits; valid == nil means no NULLs.
func buildFixed[T fixedWidth](mem memory.Allocator, dt arrow.DataType, vals []T, valid []bool) arrow.Array {
	n := len(vals)
	var z T
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(n * int(unsafe.Sizeof(z)))
	if n > 0 {
		copy(unsafe.Slice((*T)(unsafe.Pointer(&buf.Bytes()[0])), n), vals)
	}
	nullBuf, nulls := validityBuffer(mem, valid)
	data := array.NewData(dt, n, []*memory.Buffer{nullBuf, buf}, nil, nulls, 0)
	arr := array.MakeFromData(data)
	data.Release()
	buf.Release()
	if nullBuf != nil {
		nullBuf.Release()
	}
	return arr
}

// validityBuffer builds a validity bitmap, or nil when every value is valid.
func validityBuffer(mem memory.Allocator, valid []bool) (*memory.Buffer, int) {
	nulls := 0
	for _, v := range valid {
		if !v {
			nulls++
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(len(valid)))))
	bm := buf.Bytes()
	clear(bm)
	for i, v := range valid {
		if v {
			bitutil.SetBit(bm, i)
		}
	}
	return buf, nulls
}

type boolKeys struct {
	mem  memory.Allocator
	vals []bool
	null []bool
}

func (s *boolKeys) grow(n int) {
	for len(s.vals) < n {
		s.vals = append(s.vals, false)
		s.null = append(s.null, false)
	}
}

func (s *boolKeys) set(g uint32, col arrow.Array, row int) {
	if col.IsNull(row) {
		s.vals[g], s.null[g] = false, true
		return
	}
	s.vals[g], s.null[g] = col.(*array.Boolean).Value(row), false
}

func (s *boolKeys) clear(uint32) {}

func (s *boolKeys) equal(col arrow.Array, rows []int32, groups []uint32, neq []bool) {
	for k, r := range rows {
		if !s.equalRow(groups[k], col, int(r)) {
			neq[k] = true
		}
	}
}

func (s *boolKeys) equalRow(g uint32, col arrow.Array, row int) bool {
	if col.IsNull(row) {
		return s.null[g]
	}
	return !s.null[g] && col.(*array.Boolean).Value(row) == s.vals[g]
}

func (s *boolKeys) build(groups []uint32) (arrow.Array, error) {
	b := array.NewBooleanBuilder(s.mem)
	defer b.Release()
	b.Reserve(len(groups))
	for _, g := range groups {
		if s.null[g] {
			b.AppendNull()
		} else {
			b.Append(s.vals[g])
		}
	}
	return b.NewArray(), nil
}

func (s *boolKeys) appendKey(dst []byte, g uint32) []byte {
	switch {
	case s.null[g]:
		return append(dst, 0)
	case s.vals[g]:
		return append(dst, 1, 1)
	}
	return append(dst, 1, 0)
}

func (s *boolKeys) release() {}

// binaryColumn reads the values of any byte-string array without copying.
type binaryColumn struct {
	arr    arrow.Array
	data   []byte
	offs32 []int32
	offs64 []int64
	width  int
	kind   int // 0: 32-bit offsets, 1: 64-bit offsets, 2: fixed width, 3: string view, 4: binary view
}

func newBinaryColumn(arr arrow.Array) binaryColumn {
	c := binaryColumn{arr: arr}
	d := arr.Data()
	switch arr.DataType().ID() {
	case arrow.STRING, arrow.BINARY:
		c.offs32 = arrow.GetOffsets[int32](d, 1)
		if b := d.Buffers()[2]; b != nil {
			c.data = b.Bytes()
		}
	case arrow.LARGE_STRING, arrow.LARGE_BINARY:
		c.kind = 1
		c.offs64 = arrow.GetOffsets[int64](d, 1)
		if b := d.Buffers()[2]; b != nil {
			c.data = b.Bytes()
		}
	case arrow.FIXED_SIZE_BINARY:
		c.kind = 2
		c.width = arr.DataType().(*arrow.FixedSizeBinaryType).ByteWidth
		if b := d.Buffers()[1]; b != nil {
			c.data = b.Bytes()[d.Offset()*c.width:]
		}
	case arrow.STRING_VIEW:
		c.kind = 3
	case arrow.BINARY_VIEW:
		c.kind = 4
	default:
		panic(fmt.Sprintf("engine: %s is not a byte string type", arr.DataType()))
	}
	return c
}

func (c *binaryColumn) value(i int) []byte {
	switch c.kind {
	case 0:
		return c.data[c.offs32[i]:c.offs32[i+1]]
	case 1:
		return c.data[c.offs64[i]:c.offs64[i+1]]
	case 2:
		return c.data[i*c.width : (i+1)*c.width]
	case 3:
		s := c.arr.(*array.StringView).Value(i)
		return unsafe.Slice(unsafe.StringData(s), len(s))
	default:
		return c.arr.(*array.BinaryView).Value(i)
	}
}

type bytesKeys struct {
	mem  memory.Allocator
	dt   arrow.DataType
	vals []string
	null []bool
	// Keys of up to 16 bytes are also kept as two words and a length, so
	// the common short key compares with integer compares, no memequal.
	words []shortKey
}

type shortKey struct {
	a, b uint64
	n    int // byte length; -1 for NULL
}

// shortWords packs a byte string of up to 16 bytes into two words that,
// with its length, determine it (the first and last 8 — or 4 — bytes may
// overlap).
func shortWords(p []byte) (a, b uint64) {
	n := len(p)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(p), binary.LittleEndian.Uint64(p[n-8:])
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(p)), uint64(binary.LittleEndian.Uint32(p[n-4:]))
	case n > 0:
		return uint64(p[0])<<16 | uint64(p[n>>1])<<8 | uint64(p[n-1]), 0
	}
	return 0, 0
}

func (s *bytesKeys) grow(n int) {
	for len(s.vals) < n {
		s.vals = append(s.vals, "")
		s.null = append(s.null, false)
		s.words = append(s.words, shortKey{})
	}
}

func (s *bytesKeys) set(g uint32, col arrow.Array, row int) {
	if col.IsNull(row) {
		s.vals[g], s.null[g], s.words[g] = "", true, shortKey{n: -1}
		return
	}
	c := newBinaryColumn(col)
	p := c.value(row)
	a, b := shortWords(p)
	s.vals[g], s.null[g], s.words[g] = string(p), false, shortKey{a: a, b: b, n: len(p)}
}

func (s *bytesKeys) clear(g uint32) { s.vals[g] = "" }

func (s *bytesKeys) equal(col arrow.Array, rows []int32, groups []uint32, neq []bool) {
	c := newBinaryColumn(col)
	if col.NullN() == 0 && c.kind == 0 {
		data, offs := c.data, c.offs32
		for k, r := range rows {
			g := groups[k]
			p := data[offs[r]:offs[r+1]]
			w := s.words[g]
			switch {
			case len(p) != w.n:
				neq[k] = true
			case len(p) <= 16:
				if a, b := shortWords(p); a != w.a || b != w.b {
					neq[k] = true
				}
			case string(p) != s.vals[g]:
				neq[k] = true
			}
		}
		return
	}
	for k, r := range rows {
		g := groups[k]
		isNull := col.IsNull(int(r))
		if isNull != s.null[g] || (!isNull && string(c.value(int(r))) != s.vals[g]) {
			neq[k] = true
		}
	}
}

func (s *bytesKeys) equalRow(g uint32, col arrow.Array, row int) bool {
	if col.IsNull(row) {
		return s.null[g]
	}
	c := newBinaryColumn(col)
	return !s.null[g] && string(c.value(row)) == s.vals[g]
}

func (s *bytesKeys) build(groups []uint32) (arrow.Array, error) {
	vals := make([]string, len(groups))
	valid := make([]bool, len(groups))
	for k, g := range groups {
		vals[k], valid[k] = s.vals[g], !s.null[g]
	}
	return buildStrings(s.mem, s.dt, vals, valid)
}

func (s *bytesKeys) appendKey(dst []byte, g uint32) []byte {
	if s.null[g] {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(append(dst, 1), uint64(len(s.vals[g])))
	return append(dst, s.vals[g]...)
}

func (s *bytesKeys) release() {}

// buildStrings makes a byte-string array of type dt.
func buildStrings(mem memory.Allocator, dt arrow.DataType, vals []string, valid []bool) (arrow.Array, error) {
	bld := array.NewBuilder(mem, dt)
	defer bld.Release()
	bld.Reserve(len(vals))
	if r, ok := bld.(interface{ ReserveData(int) }); ok {
		total := 0
		for _, v := range vals {
			total += len(v)
		}
		r.ReserveData(total)
	}
	var add func(string)
	switch b := bld.(type) {
	case *array.StringBuilder:
		add = b.Append
	case *array.LargeStringBuilder:
		add = b.Append
	case *array.BinaryBuilder:
		add = b.AppendString
	case *array.FixedSizeBinaryBuilder:
		add = func(s string) { b.Append([]byte(s)) }
	case *array.StringViewBuilder:
		add = b.Append
	case *array.BinaryViewBuilder:
		add = b.AppendString
	default:
		return nil, fmt.Errorf("engine: cannot build %s from strings", dt)
	}
	for i, v := range vals {
		if valid != nil && !valid[i] {
			bld.AppendNull()
		} else {
			add(v)
		}
	}
	return bld.NewArray(), nil
}

// genericKeys stores keys of any other type (lists, maps, structs,
// dictionaries) as one-row copies, compared with Arrow's equality.
type genericKeys struct {
	mem  memory.Allocator
	dt   arrow.DataType
	vals []arrow.Array
}

func (s *genericKeys) grow(n int) {
	for len(s.vals) < n {
		s.vals = append(s.vals, nil)
	}
}

func (s *genericKeys) set(g uint32, col arrow.Array, row int) {
	one := array.NewSlice(col, int64(row), int64(row+1))
	defer one.Release()
	// A copy, so the group does not pin the whole input batch.
	cp, err := array.Concatenate([]arrow.Array{one}, s.mem)
	if err != nil {
		one.Retain()
		cp = one
	}
	s.vals[g] = cp
}

func (s *genericKeys) clear(g uint32) {
	if s.vals[g] != nil {
		s.vals[g].Release()
		s.vals[g] = nil
	}
}

func (s *genericKeys) equal(col arrow.Array, rows []int32, groups []uint32, neq []bool) {
	for k, r := range rows {
		if !s.equalRow(groups[k], col, int(r)) {
			neq[k] = true
		}
	}
}

func (s *genericKeys) equalRow(g uint32, col arrow.Array, row int) bool {
	return array.SliceEqual(col, int64(row), int64(row+1), s.vals[g], 0, 1)
}

func (s *genericKeys) build(groups []uint32) (arrow.Array, error) {
	if len(groups) == 0 {
		return array.MakeArrayOfNull(s.mem, s.dt, 0), nil
	}
	parts := make([]arrow.Array, len(groups))
	for k, g := range groups {
		parts[k] = s.vals[g]
	}
	return array.Concatenate(parts, s.mem)
}

func (s *genericKeys) appendKey(dst []byte, g uint32) []byte {
	return appendKeyValue(dst, s.vals[g], 0)
}

func (s *genericKeys) release() {
	for g := range s.vals {
		s.clear(uint32(g))
	}
}

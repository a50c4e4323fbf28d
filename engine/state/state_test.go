package state

import (
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testMaxPar = 128

// testKeyGroup stands in for the engine's key-group function (the state
// API takes key groups from its caller; any mapping into the range works).
func testKeyGroup(key []byte) uint16 {
	h := fnv.New32a()
	h.Write(key)
	return uint16(h.Sum32() % testMaxPar)
}

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

var backendTypes = []string{BackendHashMap, BackendPebble}

func openBackend(t testing.TB, typ string, r KeyGroupRange, clock Clock) *Backend {
	t.Helper()
	b, err := Open(Options{Type: typ, Dir: filepath.Join(t.TempDir(), "db"), Range: r, Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, b.Close()) })
	return b
}

func fullRange() KeyGroupRange { return KeyGroupRange{Start: 0, End: testMaxPar - 1} }

func keysOf(n int, prefix string) ([]uint16, [][]byte) {
	kgs := make([]uint16, n)
	keys := make([][]byte, n)
	for i := range n {
		keys[i] = fmt.Appendf(nil, "%s%d", prefix, i)
		kgs[i] = testKeyGroup(keys[i])
	}
	return kgs, keys
}

func TestRangeForSubtaskMatchesHashExchange(t *testing.T) {
	for _, tc := range []struct{ maxPar, par int }{{128, 1}, {128, 2}, {128, 3}, {128, 7}, {128, 128}, {10, 4}, {32768, 9}} {
		t.Run(fmt.Sprintf("%d/%d", tc.maxPar, tc.par), func(t *testing.T) {
			next := 0
			for i := range tc.par {
				r, err := RangeForSubtask(tc.maxPar, tc.par, i)
				require.NoError(t, err)
				assert.Equal(t, next, r.Start, "ranges are contiguous")
				for kg := r.Start; kg <= r.End; kg++ {
					// engine/exchange.go's operatorIndexForKeyGroup.
					require.Equal(t, i, kg*tc.par/tc.maxPar, "key group %d", kg)
				}
				next = r.End + 1
			}
			assert.Equal(t, tc.maxPar, next)
		})
	}
	_, err := RangeForSubtask(128, 3, 3)
	assert.Error(t, err)
}

func TestParseBackendType(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", BackendHashMap, ""},
		{"hashmap", BackendHashMap, ""},
		{"pebble", BackendPebble, ""},
		{"RocksDB", BackendPebble, ""},
		{"filesystem", "", "state.backend.type"},
	} {
		got, err := ParseBackendType(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

// TestConformance runs the same suite against both backends.
func TestConformance(t *testing.T) {
	for _, typ := range backendTypes {
		t.Run(typ, func(t *testing.T) {
			t.Run("value", func(t *testing.T) { testValue(t, typ) })
			t.Run("list", func(t *testing.T) { testList(t, typ) })
			t.Run("map", func(t *testing.T) { testMap(t, typ) })
			t.Run("batch equals row-wise", func(t *testing.T) { testBatchEqualsRows(t, typ) })
			t.Run("key group outside range", func(t *testing.T) { testOutsideRange(t, typ) })
			t.Run("redeclare", func(t *testing.T) { testRedeclare(t, typ) })
			t.Run("snapshot round trip", func(t *testing.T) { testSnapshotRoundTrip(t, typ) })
			t.Run("snapshot while writing", func(t *testing.T) { testSnapshotConsistent(t, typ) })
			t.Run("rescale 1-2-1", func(t *testing.T) { testRescale(t, typ) })
			t.Run("half-written snapshot", func(t *testing.T) { testHalfWritten(t, typ) })
			t.Run("ttl", func(t *testing.T) { testTTL(t, typ) })
		})
	}
}

func testValue(t *testing.T, typ string) {
	b := openBackend(t, typ, fullRange(), nil)
	s, err := NewValueState(b, Descriptor[int64]{Name: "count", Codec: Int64Codec{}})
	require.NoError(t, err)
	k := []byte("a")
	kg := testKeyGroup(k)
	_, ok, err := s.Value(kg, k)
	require.NoError(t, err)
	assert.False(t, ok)
	require.NoError(t, s.Update(kg, k, 41))
	require.NoError(t, s.Update(kg, k, 42))
	v, ok, err := s.Value(kg, k)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, int64(42), v)
	require.NoError(t, s.Clear(kg, k))
	_, ok, err = s.Value(kg, k)
	require.NoError(t, err)
	assert.False(t, ok)

	// A batch with a repeated key: the later row wins.
	kgs := []uint16{kg, kg, testKeyGroup([]byte("b"))}
	keys := [][]byte{k, k, []byte("b")}
	require.NoError(t, s.UpdateValues(kgs, keys, []int64{1, 2, 3}))
	out, found := make([]int64, 3), make([]bool, 3)
	require.NoError(t, s.Values(kgs, keys, out, found))
	assert.Equal(t, []int64{2, 2, 3}, out)
	assert.Equal(t, []bool{true, true, true}, found)
}

func testList(t *testing.T, typ string) {
	b := openBackend(t, typ, fullRange(), nil)
	s, err := NewListState(b, Descriptor[string]{Name: "events", Codec: StringCodec{}})
	require.NoError(t, err)
	k := []byte("k")
	kg := testKeyGroup(k)
	got, err := s.Get(kg, k)
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, s.Add(kg, k, "x"))
	require.NoError(t, s.AddBatch([]uint16{kg, kg}, [][]byte{k, k}, [][]byte{[]byte("y"), []byte("")}))
	got, err = s.Get(kg, k)
	require.NoError(t, err)
	assert.Equal(t, []string{"x", "y", ""}, got)
	require.NoError(t, s.Update(kg, k, []string{"z"}))
	got, err = s.Get(kg, k)
	require.NoError(t, err)
	assert.Equal(t, []string{"z"}, got)
	require.NoError(t, s.Update(kg, k, nil))
	out := make([][][]byte, 1)
	require.NoError(t, s.GetBatch([]uint16{kg}, [][]byte{k}, out))
	assert.Nil(t, out[0])
	require.NoError(t, s.Add(kg, k, "w"))
	require.NoError(t, s.Clear(kg, k))
	got, err = s.Get(kg, k)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func mapEntries(t *testing.T, s *MapState[string], kg uint16, key []byte) map[string]string {
	got := map[string]string{}
	require.NoError(t, s.Entries(kg, key, func(uk []byte, v string) bool {
		got[string(uk)] = v
		return true
	}))
	return got
}

func testMap(t *testing.T, typ string) {
	b := openBackend(t, typ, fullRange(), nil)
	s, err := NewMapState(b, Descriptor[string]{Name: "m", Codec: StringCodec{}})
	require.NoError(t, err)
	// "a" and "ab" must not see each other's entries despite the shared
	// byte prefix: keys are length-prefixed.
	ka, kab := []byte("a"), []byte("ab")
	kga, kgab := testKeyGroup(ka), testKeyGroup(kab)
	require.NoError(t, s.Put(kga, ka, []byte("1"), "one"))
	require.NoError(t, s.Put(kga, ka, []byte("2"), "two"))
	require.NoError(t, s.PutBatch([]uint16{kgab}, [][]byte{kab}, [][]byte{[]byte("1")}, [][]byte{[]byte("uno")}))
	v, ok, err := s.Get(kga, ka, []byte("2"))
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "two", v)
	assert.Equal(t, map[string]string{"1": "one", "2": "two"}, mapEntries(t, s, kga, ka))
	assert.Equal(t, map[string]string{"1": "uno"}, mapEntries(t, s, kgab, kab))
	require.NoError(t, s.Remove(kga, ka, []byte("1")))
	assert.Equal(t, map[string]string{"2": "two"}, mapEntries(t, s, kga, ka))
	require.NoError(t, s.Clear(kga, ka))
	assert.Empty(t, mapEntries(t, s, kga, ka))
	assert.Equal(t, map[string]string{"1": "uno"}, mapEntries(t, s, kgab, kab))
	_, ok, err = s.Get(kga, ka, []byte("2"))
	require.NoError(t, err)
	assert.False(t, ok)
}

func testBatchEqualsRows(t *testing.T, typ string) {
	const n = 500
	kgs, keys := keysOf(n, "k")
	vals := make([]int64, n)
	for i := range vals {
		vals[i] = int64(i * 7)
	}
	batch := openBackend(t, typ, fullRange(), nil)
	rows := openBackend(t, typ, fullRange(), nil)
	bs, err := NewValueState(batch, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	rs, err := NewValueState(rows, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	require.NoError(t, bs.UpdateValues(kgs, keys, vals))
	for i := range keys {
		require.NoError(t, rs.Update(kgs[i], keys[i], vals[i]))
	}
	// Delete every third key both ways.
	var dk [][]byte
	var dkg []uint16
	for i := 0; i < n; i += 3 {
		dk, dkg = append(dk, keys[i]), append(dkg, kgs[i])
		require.NoError(t, rs.Clear(kgs[i], keys[i]))
	}
	require.NoError(t, bs.DeleteBatch(dkg, dk))
	// Look up the keys plus absent ones, batch against row-wise, on both.
	qkgs, qkeys := keysOf(n+50, "k")
	bout, bfound := make([][]byte, len(qkeys)), make([]bool, len(qkeys))
	require.NoError(t, bs.GetBatch(qkgs, qkeys, bout, bfound))
	for i := range qkeys {
		v, ok, err := rs.Value(qkgs[i], qkeys[i])
		require.NoError(t, err)
		require.Equal(t, ok, bfound[i], "key %s", qkeys[i])
		require.Equal(t, i < n && i%3 != 0, ok, "key %s", qkeys[i])
		if ok {
			bv, err := Int64Codec{}.Decode(bout[i])
			require.NoError(t, err)
			require.Equal(t, v, bv)
			require.Equal(t, vals[i], v)
		}
	}
}

func testOutsideRange(t *testing.T, typ string) {
	b := openBackend(t, typ, KeyGroupRange{Start: 10, End: 19}, nil)
	s, err := NewValueState(b, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	assert.ErrorContains(t, s.Update(20, []byte("x"), 1), "key group 20 is outside this backend's range [10, 19]")
	require.NoError(t, s.Update(19, []byte("x"), 1))
}

// TestPebbleWorkingDirectory checks that an instance works in a fresh
// subdirectory of Options.Dir, leaves other files there alone and removes
// its subdirectory on Close.
func TestPebbleWorkingDirectory(t *testing.T) {
	parent := t.TempDir()
	other := filepath.Join(parent, "keep.txt")
	require.NoError(t, os.WriteFile(other, []byte("x"), 0o644))
	b, err := Open(Options{Type: BackendRocksDB, Dir: parent, Range: fullRange()})
	require.NoError(t, err)
	assert.Equal(t, BackendPebble, b.Type())
	entries, err := os.ReadDir(parent)
	require.NoError(t, err)
	assert.Len(t, entries, 2)
	require.NoError(t, b.Close())
	entries, err = os.ReadDir(parent)
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "keep.txt", entries[0].Name())
	_, err = Open(Options{Type: BackendPebble, Range: fullRange()})
	assert.ErrorContains(t, err, "needs a local directory")
}

func testRedeclare(t *testing.T, typ string) {
	b := openBackend(t, typ, fullRange(), nil)
	_, err := NewValueState(b, Descriptor[int64]{Name: "s", Codec: Int64Codec{}})
	require.NoError(t, err)
	_, err = NewValueState(b, Descriptor[int64]{Name: "s", Codec: Int64Codec{}})
	require.NoError(t, err)
	_, err = NewListState(b, Descriptor[int64]{Name: "s", Codec: Int64Codec{}})
	assert.ErrorContains(t, err, "already registered as ValueState")
}

// fill writes n keys into a value, a list and a map state.
func fill(t *testing.T, b *Backend, n int) {
	v, err := NewValueState(b, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	l, err := NewListState(b, Descriptor[int64]{Name: "l", Codec: Int64Codec{}})
	require.NoError(t, err)
	m, err := NewMapState(b, Descriptor[int64]{Name: "m", Codec: Int64Codec{}})
	require.NoError(t, err)
	for i := range n {
		k := fmt.Appendf(nil, "key%d", i)
		kg := testKeyGroup(k)
		if !b.Range().Contains(int(kg)) {
			continue
		}
		require.NoError(t, v.Update(kg, k, int64(i)))
		require.NoError(t, l.Add(kg, k, int64(i)))
		require.NoError(t, l.Add(kg, k, int64(-i)))
		require.NoError(t, m.Put(kg, k, []byte("a"), int64(i)))
		require.NoError(t, m.Put(kg, k, []byte("b"), int64(2*i)))
	}
}

// contents reads every key of keys 0..n-1 in b's range back as strings.
func contents(t *testing.T, b *Backend, n int) map[string]string {
	v, err := NewValueState(b, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	l, err := NewListState(b, Descriptor[int64]{Name: "l", Codec: Int64Codec{}})
	require.NoError(t, err)
	m, err := NewMapState(b, Descriptor[int64]{Name: "m", Codec: Int64Codec{}})
	require.NoError(t, err)
	got := map[string]string{}
	for i := range n {
		k := fmt.Appendf(nil, "key%d", i)
		kg := testKeyGroup(k)
		if !b.Range().Contains(int(kg)) {
			continue
		}
		if x, ok, err := v.Value(kg, k); assert.NoError(t, err) && ok {
			got["v/"+string(k)] = fmt.Sprint(x)
		}
		if xs, err := l.Get(kg, k); assert.NoError(t, err) && xs != nil {
			got["l/"+string(k)] = fmt.Sprint(xs)
		}
		var es []string
		require.NoError(t, m.Entries(kg, k, func(uk []byte, x int64) bool {
			es = append(es, fmt.Sprintf("%s=%d", uk, x))
			return true
		}))
		if es != nil {
			sort.Strings(es)
			got["m/"+string(k)] = fmt.Sprint(es)
		}
	}
	return got
}

func snapshotTo(t *testing.T, b *Backend, dir string) {
	write, err := b.Snapshot(dir)
	require.NoError(t, err)
	require.NoError(t, write())
}

func testSnapshotRoundTrip(t *testing.T, typ string) {
	const n = 300
	src := openBackend(t, typ, fullRange(), nil)
	fill(t, src, n)
	want := contents(t, src, n)
	require.Len(t, want, 3*n)
	dir := filepath.Join(t.TempDir(), "snap")
	snapshotTo(t, src, dir)
	_, err := os.Stat(filepath.Join(dir, ManifestName))
	require.NoError(t, err)
	// Either backend restores either backend's snapshot.
	for _, to := range backendTypes {
		dst := openBackend(t, to, fullRange(), nil)
		require.NoError(t, dst.Restore(dir))
		assert.Equal(t, want, contents(t, dst, n), "%s → %s", typ, to)
	}
	// A second snapshot into the same directory is refused.
	_, err = src.Snapshot(dir)
	assert.ErrorContains(t, err, "already holds a complete snapshot")
}

// testSnapshotConsistent writes after the capture and before the snapshot
// is written: the snapshot holds the state at capture time.
func testSnapshotConsistent(t *testing.T, typ string) {
	const n = 200
	src := openBackend(t, typ, fullRange(), nil)
	fill(t, src, n)
	want := contents(t, src, n)
	dir := filepath.Join(t.TempDir(), "snap")
	write, err := src.Snapshot(dir)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- write() }()
	v, err := NewValueState(src, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	kgs, keys := keysOf(n, "key")
	require.NoError(t, v.UpdateValues(kgs, keys, make([]int64, n)))
	require.NoError(t, v.DeleteBatch(kgs[:n/2], keys[:n/2]))
	require.NoError(t, <-done)
	dst := openBackend(t, typ, fullRange(), nil)
	require.NoError(t, dst.Restore(dir))
	assert.Equal(t, want, contents(t, dst, n))
}

// testRescale snapshots one subtask, restores two (each keeping its half of
// the key groups), writes more, snapshots both and restores one from both:
// every key comes back exactly once.
func testRescale(t *testing.T, typ string) {
	const n = 400
	root := t.TempDir()
	one := openBackend(t, typ, fullRange(), nil)
	fill(t, one, n)
	want := contents(t, one, n)
	snapshotTo(t, one, filepath.Join(root, "p1"))

	var dirs []string
	total := 0
	for i := range 2 {
		r, err := RangeForSubtask(testMaxPar, 2, i)
		require.NoError(t, err)
		b := openBackend(t, typ, r, nil)
		require.NoError(t, b.Restore(filepath.Join(root, "p1")))
		got := contents(t, b, n)
		for k, v := range got {
			require.Equal(t, want[k], v, k)
		}
		total += len(got)
		d := filepath.Join(root, fmt.Sprintf("p2-%d", i))
		snapshotTo(t, b, d)
		dirs = append(dirs, d)
	}
	assert.Equal(t, len(want), total, "each key in exactly one of the two subtasks")

	back := openBackend(t, typ, fullRange(), nil)
	require.NoError(t, back.Restore(dirs...))
	assert.Equal(t, want, contents(t, back, n))
	// Exactly once: the restored list has two elements, not four.
	l, err := NewListState(back, Descriptor[int64]{Name: "l", Codec: Int64Codec{}})
	require.NoError(t, err)
	k := []byte("key7")
	xs, err := l.Get(testKeyGroup(k), k)
	require.NoError(t, err)
	assert.Equal(t, []int64{7, -7}, xs)
}

func testHalfWritten(t *testing.T, typ string) {
	src := openBackend(t, typ, fullRange(), nil)
	fill(t, src, 100)
	root := t.TempDir()

	noManifest := filepath.Join(root, "nomanifest")
	snapshotTo(t, src, noManifest)
	require.NoError(t, os.Remove(filepath.Join(noManifest, ManifestName)))
	dst := openBackend(t, typ, fullRange(), nil)
	err := dst.Restore(noManifest)
	assert.ErrorContains(t, err, filepath.Join(noManifest, ManifestName))
	assert.ErrorContains(t, err, "incomplete")

	truncated := filepath.Join(root, "truncated")
	snapshotTo(t, src, truncated)
	m, err := readManifest(truncated)
	require.NoError(t, err)
	var victim string
	for _, f := range m.Files {
		if f.Size > 16 {
			victim = filepath.Join(truncated, filepath.FromSlash(f.Name))
			break
		}
	}
	require.NotEmpty(t, victim)
	info, err := os.Stat(victim)
	require.NoError(t, err)
	require.NoError(t, os.Truncate(victim, info.Size()/2))
	err = dst.Restore(truncated)
	assert.ErrorContains(t, err, victim)
	assert.ErrorContains(t, err, "truncated")
}

func testTTL(t *testing.T, typ string) {
	clock := &fakeClock{t: time.Unix(1_000_000, 0)}
	b := openBackend(t, typ, fullRange(), clock.now)
	const ttl = time.Minute
	v, err := NewValueState(b, Descriptor[string]{Name: "v", Codec: StringCodec{}, TTL: ttl})
	require.NoError(t, err)
	l, err := NewListState(b, Descriptor[string]{Name: "l", Codec: StringCodec{}, TTL: ttl})
	require.NoError(t, err)
	m, err := NewMapState(b, Descriptor[string]{Name: "m", Codec: StringCodec{}, TTL: ttl})
	require.NoError(t, err)
	keep, err := NewValueState(b, Descriptor[string]{Name: "forever", Codec: StringCodec{}})
	require.NoError(t, err)
	k := []byte("k")
	kg := testKeyGroup(k)
	require.NoError(t, v.Update(kg, k, "old"))
	require.NoError(t, l.Add(kg, k, "first"))
	require.NoError(t, m.Put(kg, k, []byte("a"), "A"))
	require.NoError(t, keep.Update(kg, k, "kept"))

	clock.advance(40 * time.Second)
	require.NoError(t, l.Add(kg, k, "second"))
	require.NoError(t, m.Put(kg, k, []byte("b"), "B"))
	// A read does not extend the life of an entry (expiry counts from the
	// last write).
	x, ok, err := v.Value(kg, k)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "old", x)

	clock.advance(30 * time.Second) // 70 s after the first writes, 30 s after the second
	snapDir := filepath.Join(t.TempDir(), "snap")
	snapshotTo(t, b, snapDir)
	_, ok, err = v.Value(kg, k)
	require.NoError(t, err)
	assert.False(t, ok, "an expired value is never returned")
	xs, err := l.Get(kg, k)
	require.NoError(t, err)
	assert.Equal(t, []string{"second"}, xs, "list elements expire one by one")
	assert.Equal(t, map[string]string{"b": "B"}, mapEntries(t, m, kg, k))
	_, ok, err = m.Get(kg, k, []byte("a"))
	require.NoError(t, err)
	assert.False(t, ok)
	x, ok, err = keep.Value(kg, k)
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "kept", x)

	// The snapshot (taken after expiry) restores without the expired
	// entries.
	restored := openBackend(t, typ, fullRange(), clock.now)
	rv, err := NewValueState(restored, Descriptor[string]{Name: "v", Codec: StringCodec{}, TTL: ttl})
	require.NoError(t, err)
	rm, err := NewMapState(restored, Descriptor[string]{Name: "m", Codec: StringCodec{}, TTL: ttl})
	require.NoError(t, err)
	require.NoError(t, restored.Restore(snapDir))
	_, ok, err = rv.Value(kg, k)
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, map[string]string{"b": "B"}, mapEntries(t, rm, kg, k))

	clock.advance(time.Minute)
	xs, err = l.Get(kg, k)
	require.NoError(t, err)
	assert.Empty(t, xs)
	assert.Empty(t, mapEntries(t, m, kg, k))
}

func TestOperatorState(t *testing.T) {
	root := t.TempDir()
	// Two old subtasks: split offsets 3 + 2, union list one element each.
	elems := [][]string{{"p0", "p1", "p2"}, {"p3", "p4"}}
	var dirs []string
	for i, es := range elems {
		o := NewOperatorState()
		split, err := o.ListState("offsets", SplitDistribute)
		require.NoError(t, err)
		for _, e := range es {
			split.Add([]byte(e))
		}
		union, err := o.ListState("ids", UnionRedistribute)
		require.NoError(t, err)
		union.Update([][]byte{fmt.Appendf(nil, "u%d", i)})
		_, err = o.ListState("ids", SplitDistribute)
		assert.ErrorContains(t, err, "union-redistributed")
		d := filepath.Join(root, fmt.Sprint(i))
		write, err := o.Snapshot(d)
		require.NoError(t, err)
		split.Add([]byte("after the capture"))
		require.NoError(t, write())
		dirs = append(dirs, d)
	}
	strs := func(bs [][]byte) []string {
		out := []string{}
		for _, b := range bs {
			out = append(out, string(b))
		}
		return out
	}
	for _, tc := range []struct {
		par   int
		split [][]string
	}{
		{1, [][]string{{"p0", "p1", "p2", "p3", "p4"}}},
		{2, [][]string{{"p0", "p1", "p2"}, {"p3", "p4"}}}, // unchanged parallelism keeps each list
		{3, [][]string{{"p0", "p1"}, {"p2", "p3"}, {"p4"}}},
		{6, [][]string{{"p0"}, {"p1"}, {"p2"}, {"p3"}, {"p4"}, {}}},
	} {
		t.Run(fmt.Sprint(tc.par), func(t *testing.T) {
			for i := range tc.par {
				o, err := RestoreOperatorState(dirs, i, tc.par)
				require.NoError(t, err)
				split, err := o.ListState("offsets", SplitDistribute)
				require.NoError(t, err)
				assert.Equal(t, tc.split[i], strs(split.Get()))
				union, err := o.ListState("ids", UnionRedistribute)
				require.NoError(t, err)
				assert.Equal(t, []string{"u0", "u1"}, strs(union.Get()))
			}
		})
	}
	require.NoError(t, os.Truncate(filepath.Join(dirs[1], operatorStateFile), 3))
	_, err := RestoreOperatorState(dirs, 0, 1)
	assert.ErrorContains(t, err, filepath.Join(dirs[1], operatorStateFile))
}

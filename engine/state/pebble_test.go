package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPebbleSnapshotIsIncremental checks that a second snapshot shares the
// unchanged sstables of the first through hard links: only the files
// written since are new.
func TestPebbleSnapshotIsIncremental(t *testing.T) {
	b := openBackend(t, BackendPebble, fullRange(), nil)
	fill(t, b, 2000)
	root := t.TempDir()
	first, second := filepath.Join(root, "1"), filepath.Join(root, "2")
	snapshotTo(t, b, first)
	v, err := NewValueState(b, Descriptor[int64]{Name: "v", Codec: Int64Codec{}})
	require.NoError(t, err)
	k := []byte("changed")
	require.NoError(t, v.Update(testKeyGroup(k), k, 1))
	snapshotTo(t, b, second)

	ssts := func(dir string) map[string]os.FileInfo {
		m, err := readManifest(dir)
		require.NoError(t, err)
		out := map[string]os.FileInfo{}
		for _, f := range m.Files {
			if strings.HasSuffix(f.Name, ".sst") {
				info, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Name)))
				require.NoError(t, err)
				out[f.Name] = info
			}
		}
		return out
	}
	a, c := ssts(first), ssts(second)
	require.NotEmpty(t, a)
	shared := 0
	for name, info := range a {
		if other, ok := c[name]; ok {
			assert.True(t, os.SameFile(info, other), "%s is a hard link to the same file", name)
			shared++
		}
	}
	assert.Equal(t, len(a), shared, "every sstable of the first snapshot is reused")
	assert.Greater(t, len(c), len(a), "the change is in a new sstable")
}

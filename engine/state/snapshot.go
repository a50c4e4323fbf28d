package state

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ManifestName is the file written last into a snapshot directory; a
// directory without it is a snapshot that was never completed, as a Flink
// checkpoint without its _metadata file.
const ManifestName = "MANIFEST.json"

const snapshotFormat = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// manifest describes a complete snapshot directory.
type manifest struct {
	Format   int            `json:"format"`
	Backend  string         `json:"backend"`
	Start    int            `json:"keyGroupStart"`
	End      int            `json:"keyGroupEnd"`
	Files    []manifestFile `json:"files"`
	Operator bool           `json:"operatorState,omitempty"`
}

type manifestFile struct {
	Name     string `json:"name"` // slash-separated, relative to the snapshot directory
	Size     int64  `json:"size"`
	CRC      uint32 `json:"crc32c,omitempty"`
	KeyGroup *int   `json:"keyGroup,omitempty"`
}

// record is one keyed state entry in a key-group file.
type record struct {
	ns       string
	key, val []byte
}

type snapshotWriter struct {
	dir string
	m   manifest
}

func newSnapshotWriter(dir, backend string, r KeyGroupRange) (*snapshotWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state: snapshot: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ManifestName)); err == nil {
		return nil, fmt.Errorf("state: snapshot directory %s already holds a complete snapshot", dir)
	}
	return &snapshotWriter{dir: dir, m: manifest{Format: snapshotFormat, Backend: backend, Start: r.Start, End: r.End}}, nil
}

func keyGroupFileName(kg int) string { return fmt.Sprintf("kg-%05d.bin", kg) }

// writeKeyGroup writes the records of one key group, sorted by state name
// and key so that equal state gives identical files.
func (w *snapshotWriter) writeKeyGroup(kg int, recs []record) error {
	slices.SortFunc(recs, func(a, b record) int {
		if c := strings.Compare(a.ns, b.ns); c != 0 {
			return c
		}
		return bytes.Compare(a.key, b.key)
	})
	var buf []byte
	for _, r := range recs {
		buf = appendField(buf, []byte(r.ns))
		buf = appendField(buf, r.key)
		buf = appendField(buf, r.val)
	}
	buf = binary.BigEndian.AppendUint64(buf, uint64(len(recs)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(buf, castagnoli))
	crc := crc32.Checksum(buf, castagnoli) // of the whole file, for the manifest
	name := keyGroupFileName(kg)
	if err := os.WriteFile(filepath.Join(w.dir, name), buf, 0o644); err != nil {
		return fmt.Errorf("state: snapshot: %w", err)
	}
	g := kg
	w.m.Files = append(w.m.Files, manifestFile{Name: name, Size: int64(len(buf)), CRC: crc, KeyGroup: &g})
	return nil
}

// writeFile writes a whole file (operator state) and records it.
func (w *snapshotWriter) writeFile(name string, data []byte) error {
	crc := crc32.Checksum(data, castagnoli)
	if err := os.WriteFile(filepath.Join(w.dir, name), data, 0o644); err != nil {
		return fmt.Errorf("state: snapshot: %w", err)
	}
	w.m.Files = append(w.m.Files, manifestFile{Name: name, Size: int64(len(data)), CRC: crc})
	return nil
}

// addTree records every file under sub (a Pebble checkpoint) with its size;
// sstables are immutable hard links, so their size is their check.
func (w *snapshotWriter) addTree(sub string) error {
	root := filepath.Join(w.dir, sub)
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(w.dir, path)
		if err != nil {
			return err
		}
		w.m.Files = append(w.m.Files, manifestFile{Name: filepath.ToSlash(rel), Size: info.Size()})
		return nil
	})
}

// finish writes the manifest last, through a temporary file and a rename,
// so a reader sees either no manifest or a complete one.
func (w *snapshotWriter) finish() error {
	data, err := json.MarshalIndent(w.m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(w.dir, ManifestName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("state: snapshot: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("state: snapshot: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("state: snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("state: snapshot: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(w.dir, ManifestName)); err != nil {
		return fmt.Errorf("state: snapshot: %w", err)
	}
	return nil
}

func appendField(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

func readField(b []byte) (field, rest []byte, ok bool) {
	n, w := binary.Uvarint(b)
	if w <= 0 || uint64(len(b)-w) < n {
		return nil, nil, false
	}
	return b[w : w+int(n)], b[w+int(n):], true
}

// readManifest reads and checks a snapshot directory's manifest and the
// sizes of its files; every error names the file at fault.
func readManifest(dir string) (manifest, error) {
	var m manifest
	path := filepath.Join(dir, ManifestName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, fmt.Errorf("state: %s is missing: the snapshot in %s is incomplete", path, dir)
	}
	if err != nil {
		return m, fmt.Errorf("state: %w", err)
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("state: %s is corrupt: %v", path, err)
	}
	if m.Format != snapshotFormat {
		return m, fmt.Errorf("state: %s has format %d, expected %d", path, m.Format, snapshotFormat)
	}
	for _, f := range m.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		info, err := os.Stat(p)
		if err != nil {
			return m, fmt.Errorf("state: snapshot file %s: %w", p, err)
		}
		if info.Size() != f.Size {
			return m, fmt.Errorf("state: snapshot file %s has %d bytes, the manifest says %d: truncated or corrupt", p, info.Size(), f.Size)
		}
	}
	return m, nil
}

// readChecked reads a file of the manifest and verifies its CRC.
func readChecked(dir string, f manifestFile) ([]byte, error) {
	p := filepath.Join(dir, filepath.FromSlash(f.Name))
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("state: snapshot file %s: %w", p, err)
	}
	if int64(len(data)) != f.Size || crc32.Checksum(data, castagnoli) != f.CRC {
		return nil, fmt.Errorf("state: snapshot file %s does not match its checksum in the manifest: corrupt", p)
	}
	return data, nil
}

// readKeyedSnapshot calls fn for every entry of a keyed snapshot (either
// backend's layout) whose key group lies in r. Entries of other key groups
// are skipped without being read where the layout allows (whole files for
// hashmap, key ranges for pebble).
func readKeyedSnapshot(dir string, r KeyGroupRange, fn func(kg uint16, ns string, key, val []byte) error) error {
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	switch m.Backend {
	case BackendHashMap:
		for _, f := range m.Files {
			if f.KeyGroup == nil || !r.Contains(*f.KeyGroup) {
				continue
			}
			data, err := readChecked(dir, f)
			if err != nil {
				return err
			}
			if err := decodeKeyGroupFile(data, func(ns string, key, val []byte) error {
				return fn(uint16(*f.KeyGroup), ns, key, val)
			}); err != nil {
				return fmt.Errorf("state: snapshot file %s: %w", filepath.Join(dir, f.Name), err)
			}
		}
		return nil
	case BackendPebble:
		return readPebbleCheckpoint(filepath.Join(dir, pebbleCheckpointDir), r, fn)
	}
	return fmt.Errorf("state: %s names backend %q, which holds no keyed state", filepath.Join(dir, ManifestName), m.Backend)
}

func decodeKeyGroupFile(data []byte, fn func(ns string, key, val []byte) error) error {
	if len(data) < 12 {
		return errors.New("too short")
	}
	body := data[:len(data)-12]
	count := binary.BigEndian.Uint64(data[len(data)-12:])
	var n uint64
	for len(body) > 0 {
		ns, rest, ok1 := readField(body)
		key, rest, ok2 := readField(rest)
		val, rest, ok3 := readField(rest)
		if !ok1 || !ok2 || !ok3 {
			return fmt.Errorf("record %d is cut short", n)
		}
		if err := fn(string(ns), key, val); err != nil {
			return err
		}
		body = rest
		n++
	}
	if n != count {
		return fmt.Errorf("%d records, the footer says %d", n, count)
	}
	return nil
}

// VerifySnapshot checks a snapshot directory without loading it: the
// manifest is present and well formed, every file it lists exists with its
// size, and files with a checksum match it. Errors name the file at fault;
// a restore that finds the newest checkpoint broken falls back to an
// older one with this.
func VerifySnapshot(dir string) error {
	m, err := readManifest(dir)
	if err != nil {
		return err
	}
	for _, f := range m.Files {
		if strings.HasPrefix(f.Name, "db/") {
			continue // Pebble's own files carry their checksums
		}
		if _, err := readChecked(dir, f); err != nil {
			return err
		}
	}
	return nil
}

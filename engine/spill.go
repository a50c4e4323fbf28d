package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/vectorized"
)

// Spilling of the batch hash join (a grace hash join). Each level splits
// rows by spillBits more bits of their key hash, taken from the top of the
// hash: the join's table indexes its slots by the low bits, so the rows of
// one partition still spread over the whole table.
const (
	spillBits   = 4
	spillFanout = 1 << spillBits
	// spillMaxLevels bounds the recursion: 16^4 partitions split a build
	// side 65536 ways; a partition still too big then is one hot key.
	spillMaxLevels = 4
)

// hjSpiller writes the rows of both join inputs into spillFanout partition
// files per input, Arrow IPC streams in a directory of its own.
type hjSpiller struct {
	mem   memory.Allocator
	spec  JoinSpec
	dir   string
	level int
	parts [spillFanout][2]hjSpillFile

	hashes []uint64
	idx    [spillFanout][]int32
}

// hjSpillFile is one input's rows of one partition.
type hjSpillFile struct {
	path  string
	f     *os.File
	bw    *bufio.Writer
	w     *ipc.Writer
	rows  int64
	bytes int64
}

// hjNewSpiller makes the spill directory: under parent (or the system temp
// dir) at level 0, under the parent level's directory below that.
func hjNewSpiller(mem memory.Allocator, spec JoinSpec, parent string, level int) (*hjSpiller, error) {
	if level == 0 {
		parent = hjSpillTempDir(parent)
	}
	dir, err := os.MkdirTemp(parent, fmt.Sprintf("sluice-hashjoin-l%d-", level))
	if err != nil {
		return nil, fmt.Errorf("join: spill directory: %w", err)
	}
	return &hjSpiller{mem: mem, spec: spec, dir: dir, level: level}, nil
}

// add writes the rows of rec, a batch of input side, to their partitions.
func (s *hjSpiller) add(side int, rec arrow.RecordBatch) error {
	n := int(rec.NumRows())
	if n == 0 {
		return nil
	}
	keyIdx, schema := s.spec.LeftKeys, s.spec.Left
	if side == 1 {
		keyIdx, schema = s.spec.RightKeys, s.spec.Right
	}
	keys := make([]arrow.Array, len(keyIdx))
	for i, k := range keyIdx {
		keys[i] = rec.Column(k)
	}
	s.hashes = grow(s.hashes, n)
	vectorized.HashColumns(keys, s.hashes)
	shift := 64 - spillBits*(s.level+1)
	for p := range s.idx {
		s.idx[p] = s.idx[p][:0]
	}
	for i, h := range s.hashes {
		p := (h >> shift) & (spillFanout - 1)
		s.idx[p] = append(s.idx[p], int32(i))
	}
	for p := range s.idx {
		idx := s.idx[p]
		if len(idx) == 0 {
			continue
		}
		var part arrow.RecordBatch
		if len(idx) == n {
			// The whole batch, under the plan's schema (field names and
			// nullability may differ; the IPC writer wants one schema).
			part = array.NewRecordBatch(schema, rec.Columns(), int64(n))
		} else {
			cols := make([]arrow.Array, rec.NumCols())
			for c := range cols {
				a, err := takeArray(context.Background(), s.mem, rec.Column(c), idx)
				if err != nil {
					for _, x := range cols[:c] {
						x.Release()
					}
					return err
				}
				cols[c] = a
			}
			part = array.NewRecordBatch(schema, cols, int64(len(idx)))
			for _, x := range cols {
				x.Release()
			}
		}
		err := s.write(&s.parts[p][side], p, side, schema, part)
		part.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *hjSpiller) write(f *hjSpillFile, p, side int, schema *arrow.Schema, rec arrow.RecordBatch) error {
	if f.w == nil {
		if f.path != "" {
			return fmt.Errorf("join: spill partition %d of input %d written after it was finished", p, side)
		}
		f.path = filepath.Join(s.dir, fmt.Sprintf("p%02d-in%d.arrows", p, side))
		file, err := os.Create(f.path)
		if err != nil {
			return fmt.Errorf("join: spill: %w", err)
		}
		f.f = file
		f.bw = bufio.NewWriterSize(file, 1<<20)
		f.w = ipc.NewWriter(f.bw, ipc.WithSchema(schema), ipc.WithAllocator(s.mem))
	}
	if err := f.w.Write(rec); err != nil {
		return fmt.Errorf("join: spill to %s: %w", f.path, err)
	}
	f.rows += rec.NumRows()
	f.bytes += int64(vectorized.RecordBytes(rec))
	return nil
}

// finish closes the files written: they are read from now on.
func (s *hjSpiller) finish() error {
	var errs []error
	for p := range s.parts {
		for side := range s.parts[p] {
			errs = append(errs, s.parts[p][side].closeWriter())
		}
	}
	return errors.Join(errs...)
}

func (f *hjSpillFile) closeWriter() error {
	if f.w == nil {
		return nil
	}
	err := f.w.Close()
	if ferr := f.bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.f.Close(); err == nil {
		err = cerr
	}
	f.w, f.bw, f.f = nil, nil, nil
	if err != nil {
		return fmt.Errorf("join: spill to %s: %w", f.path, err)
	}
	return nil
}

// open reads the file back, a batch at a time.
func (f *hjSpillFile) open(mem memory.Allocator) hjRun { return hjFileRun{path: f.path, mem: mem} }

type hjFileRun struct {
	path string
	mem  memory.Allocator
}

func (r hjFileRun) each(fn func(arrow.RecordBatch) error) error {
	if r.path == "" {
		return nil
	}
	file, err := os.Open(r.path)
	if err != nil {
		return fmt.Errorf("join: spill: %w", err)
	}
	defer file.Close()
	rdr, err := ipc.NewReader(bufio.NewReaderSize(file, 1<<20), ipc.WithAllocator(r.mem))
	if err != nil {
		return fmt.Errorf("join: spill file %s: %w", r.path, err)
	}
	defer rdr.Release()
	for rdr.Next() {
		if err := fn(rdr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rdr.Err(); err != nil {
		return fmt.Errorf("join: spill file %s: %w", r.path, err)
	}
	return nil
}

// repartition moves partition p's rows into sub, a hjSpiller of the next
// level, and removes p's files.
func (s *hjSpiller) repartition(p int, sub *hjSpiller) error {
	for side := range s.parts[p] {
		err := s.parts[p][side].open(s.mem).each(func(rec arrow.RecordBatch) error { return sub.add(side, rec) })
		if err != nil {
			return err
		}
	}
	s.drop(p)
	return nil
}

// drop removes partition p's files once joined.
func (s *hjSpiller) drop(p int) {
	for side := range s.parts[p] {
		f := &s.parts[p][side]
		_ = f.closeWriter()
		if f.path != "" {
			_ = os.Remove(f.path)
		}
		*f = hjSpillFile{}
	}
}

// close removes every file and the directory, whether or not the join
// got to them.
func (s *hjSpiller) close() error {
	for p := range s.parts {
		for side := range s.parts[p] {
			_ = s.parts[p][side].closeWriter()
		}
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("join: removing spill files: %w", err)
	}
	return nil
}

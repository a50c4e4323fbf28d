package filesystem

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// rollingPolicy is when a part file is closed and the next one started.
type rollingPolicy struct {
	fileSize int64
	interval time.Duration
}

// sink is one subtask of a filesystem table sink. Like Flink's
// FileSink it writes part files named part-<uuid>-<subtask>-<n>: each is
// written under a hidden in-progress name and renamed to its final name
// when the input ends, so readers (which skip hidden names) never see a
// file that is still being written, and a failed job leaves nothing
// visible behind.
type sink struct {
	t       *fileTable
	roll    rollingPolicy
	subtask int

	mem  memory.Allocator
	uuid string
	next int // number of the next part file

	cur      *partFile
	pending  []*partFile // closed, waiting for Finish (or a checkpoint) to be renamed
	finished bool

	// Checkpoints (see sink_state.go): ckpt is set when the job takes
	// them or restores, list is the sink's operator state, sinkUUID the
	// UUID the factory drew for the sink, used unless a restore brings
	// the checkpoint's.
	ckpt     bool
	list     *state.OperatorListState
	sinkUUID string
	carried  []pendingRecord // counters of old subtask numbers above the parallelism

	enc  format.Encoder
	line []byte

	// convs conform incoming columns to the table's types (nested field
	// names and nullability may differ); built per input schema.
	convSchema *arrow.Schema
	convs      []converter

	// canonical marks the columns that may need rewriting before pqarrow
	// writes them (see canonical.go).
	canonical []bool
}

// partFile is one open or closed part file.
type partFile struct {
	final, tmp string
	// checkpoint is the checkpoint whose completion publishes the closed
	// file; 0 until a checkpoint's SnapshotState recorded it.
	checkpoint int64
	f          *os.File
	w          *bufio.Writer
	size       int64 // bytes written so far (row formats; parquet's flushed row groups)
	buffered   int64 // parquet: Arrow bytes in the row group not yet flushed
	pw         *pqarrow.FileWriter
	opened     time.Time
}

func (p *partFile) Write(b []byte) (int, error) {
	n, err := p.w.Write(b)
	p.size += int64(n)
	return n, err
}

// String names the sink in metrics and errors.
func (s *sink) String() string { return "FileSystem(" + s.t.name + ")" }

func (s *sink) Open(_ context.Context, rt *engine.RuntimeContext) error {
	s.mem = rt.Mem
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	if st, err := os.Stat(s.t.path); err == nil && !st.IsDir() {
		return errorf("path '%s' is a file; the sink writes part files into a directory", s.t.path)
	}
	if err := os.MkdirAll(s.t.path, 0o755); err != nil {
		return errorf("cannot create directory '%s': %w", s.t.path, unwrapPathError(err))
	}
	s.uuid = newUUID()
	_, restored := rt.Restored()
	if rt.CheckpointingEnabled() || restored {
		if err := s.openState(rt, restored); err != nil {
			return err
		}
	}
	if s.t.row != nil {
		var err error
		if s.enc, err = s.t.row.f.NewEncoder(s.t.row.ctx); err != nil {
			return errorf("%w", err)
		}
	}
	return nil
}

func (s *sink) Write(_ context.Context, b *vectorized.Batch) error {
	for i, k := range b.Kinds {
		if k != vectorized.Insert {
			return errorf("table %s accepts only inserts, but row %d of a batch is %s", s.t.name, i, k)
		}
	}
	if b.NumRows() == 0 {
		return nil
	}
	rec, err := s.conform(b.Record)
	if err != nil {
		return err
	}
	defer rec.Release()
	if s.t.parquet != nil {
		err = s.writeParquet(rec)
	} else {
		err = s.writeRows(rec)
	}
	if err != nil {
		return err
	}
	if s.cur != nil && time.Since(s.cur.opened) >= s.roll.interval {
		return s.closePart()
	}
	return nil
}

// conform gives the batch the table's schema.
func (s *sink) conform(rec arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := rec.Columns()
	if len(cols) != s.t.schema.NumFields() {
		return nil, errorf("table %s has %d columns but a batch has %d", s.t.name, s.t.schema.NumFields(), len(cols))
	}
	same := true
	for i, c := range cols {
		same = same && arrow.TypeEqual(c.DataType(), s.t.schema.Field(i).Type)
	}
	if same {
		return array.NewRecordBatch(s.t.schema, cols, rec.NumRows()), nil
	}
	if s.convSchema != rec.Schema() {
		s.convs = make([]converter, len(cols))
		for i, c := range cols {
			conv, err := newConverter(c.DataType(), s.t.schema.Field(i).Type)
			if err != nil {
				return nil, errorf("table %s: column %s: %w", s.t.name, s.t.cols[i].Name, err)
			}
			s.convs[i] = conv
		}
		s.convSchema = rec.Schema()
	}
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, c := range cols {
		d, err := s.convs[i](c.Data(), s.mem)
		if err != nil {
			return nil, errorf("table %s: column %s: %w", s.t.name, s.t.cols[i].Name, err)
		}
		arrs[i] = array.MakeFromData(d)
		d.Release()
	}
	return array.NewRecordBatch(s.t.schema, arrs, rec.NumRows()), nil
}

func (s *sink) writeRows(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for i := range int(rec.NumRows()) {
		if s.cur == nil {
			if err := s.openPart(); err != nil {
				return err
			}
		}
		var err error
		if s.line, err = s.enc.Encode(s.line[:0], cols, i); err != nil {
			return errorf("%s: %w", s.cur.final, err)
		}
		s.line = append(s.line, s.t.row.delimiter...)
		if _, err := s.cur.Write(s.line); err != nil {
			return errorf("cannot write '%s': %w", s.cur.tmp, unwrapPathError(err))
		}
		// Flink's DefaultRollingPolicy: roll once the part is larger than
		// the limit; the next row opens the next part.
		if s.cur.size > s.roll.fileSize {
			if err := s.closePart(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *sink) writeParquet(rec arrow.RecordBatch) error {
	if s.cur == nil {
		if err := s.openPart(); err != nil {
			return err
		}
	}
	pw := s.cur.pw
	if s.canonical == nil {
		s.canonical = make([]bool, len(s.t.cols))
		for i, f := range s.t.schema.Fields() {
			s.canonical[i] = mayNeedCanonical(f.Type)
		}
	}
	if slices.Contains(s.canonical, true) {
		cols := make([]arrow.Array, rec.NumCols())
		defer func() {
			for _, c := range cols {
				if c != nil {
					c.Release()
				}
			}
		}()
		for i, c := range rec.Columns() {
			if s.canonical[i] && needsCanonical(c.Data()) {
				var err error
				if cols[i], err = canonical(c, s.mem); err != nil {
					return errorf("table %s: column %s: %w", s.t.name, s.t.cols[i].Name, err)
				}
			} else {
				c.Retain()
				cols[i] = c
			}
		}
		rec = array.NewRecordBatch(s.t.schema, cols, rec.NumRows())
		defer rec.Release()
	}
	if err := pw.WriteBuffered(rec); err != nil {
		return errorf("cannot write '%s': %w", s.cur.tmp, err)
	}
	// A row group is held in memory until it is closed, and pqarrow counts
	// none of it before a page is cut: measure it by the Arrow bytes
	// written into it, as parquet-mr measures its buffered row group, and
	// close it at parquet.block.size.
	s.cur.buffered += recordBytes(rec)
	if s.cur.buffered >= s.t.parquet.blockSize {
		if err := pw.NewBufferedRowGroupChecked(); err != nil {
			return errorf("cannot write '%s': %w", s.cur.tmp, err)
		}
		s.cur.buffered = 0
	}
	if s.cur.size+s.cur.buffered > s.roll.fileSize {
		return s.closePart()
	}
	return nil
}

func (s *sink) openPart() error {
	name := fmt.Sprintf("part-%s-%d-%d%s", s.uuid, s.subtask, s.next, s.t.extension())
	s.next++
	tmp := "." + name + ".inprogress"
	if s.ckpt {
		// The UUID and counter carry over from a checkpoint, and a file
		// of the same name may exist (a restart in the same process
		// whose clean-up could not remove it): a published file is
		// never overwritten.
		for exists(filepath.Join(s.t.path, name)) {
			name = fmt.Sprintf("part-%s-%d-%d%s", s.uuid, s.subtask, s.next, s.t.extension())
			s.next++
		}
		// Flink's in-progress name: a fresh UUID per file, so that an
		// attempt never reopens a file a failed attempt left behind.
		tmp = "." + name + ".inprogress." + newUUID()
	}
	p := &partFile{
		final:  filepath.Join(s.t.path, name),
		tmp:    filepath.Join(s.t.path, tmp),
		opened: time.Now(),
	}
	f, err := os.OpenFile(p.tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return errorf("cannot create '%s': %w", p.tmp, unwrapPathError(err))
	}
	p.f = f
	p.w = bufio.NewWriterSize(f, 256<<10)
	s.cur = p
	if s.t.parquet != nil {
		props := s.t.parquet.writerProperties(s.mem)
		arrowProps := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(s.mem))
		if p.pw, err = pqarrow.NewFileWriter(s.t.schema, p, props, arrowProps); err != nil {
			return errorf("cannot write '%s': %w", p.tmp, err)
		}
	}
	return nil
}

// closePart completes the current part file and queues it for Finish.
func (s *sink) closePart() error {
	p := s.cur
	if p == nil {
		return nil
	}
	s.cur = nil
	var err error
	if p.pw != nil {
		err = p.pw.Close()
	}
	if err == nil {
		err = p.w.Flush()
	}
	if cerr := p.f.Close(); err == nil {
		err = cerr
	}
	p.f = nil
	s.pending = append(s.pending, p)
	if err != nil {
		return errorf("cannot write '%s': %w", p.tmp, unwrapPathError(err))
	}
	return nil
}

// Finish publishes the subtask's part files under their final names;
// with checkpoints it only closes the file in progress, and the final
// checkpoint the engine takes after the end of input (FLIP-147) records
// and publishes it. A restore from a checkpoint older than files published
// since still removes them (see removeStale): an explicit -s to an older
// checkpoint.
func (s *sink) Finish(context.Context) error {
	if err := s.closePart(); err != nil {
		return err
	}
	if s.list != nil && s.ckpt {
		// With checkpoints the task waits for a final checkpoint after
		// its end: its SnapshotState records these files and its
		// completion publishes them. Publishing here would let a later
		// failure of another task replay them from an older checkpoint.
		return nil
	}
	if err := s.publish(func(*partFile) bool { return true }); err != nil {
		return err
	}
	s.finished = true
	if s.list != nil {
		// Nothing is pending any more: a checkpoint taken while other
		// tasks still run must not hand a restore published files.
		s.list.Update(s.counterElems())
	}
	return nil
}

// publish renames the pending files that pick selects, in order, and
// keeps the others pending.
func (s *sink) publish(pick func(*partFile) bool) error {
	kept := s.pending[:0]
	for i, p := range s.pending {
		if !pick(p) {
			kept = append(kept, p)
			continue
		}
		if err := os.Rename(p.tmp, p.final); err != nil {
			kept = append(kept, s.pending[i:]...)
			s.pending = kept
			return errorf("cannot publish '%s': %w", p.final, unwrapPathError(err))
		}
	}
	clear(s.pending[len(kept):])
	s.pending = kept
	return nil
}

// Close removes what an unfinished (failed or cancelled) subtask wrote:
// the in-progress files were never visible, and nothing else remains.
// With checkpoints, the pending files a checkpoint recorded stay: the
// checkpoint may have completed, and a restore from it publishes them.
func (s *sink) Close() error {
	var errs []error
	if s.cur != nil {
		if s.cur.pw != nil {
			// Closing writes a footer into a file about to be removed; its
			// error does not matter.
			_ = s.cur.pw.Close()
		}
		errs = append(errs, s.cur.f.Close())
		s.pending = append(s.pending, s.cur)
		s.cur = nil
	}
	if !s.finished {
		for _, p := range s.pending {
			if s.ckpt && p.checkpoint > 0 {
				continue
			}
			if err := os.Remove(p.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	s.pending = nil
	s.line = nil
	return errors.Join(errs...)
}

// newUUID is a random (version 4) UUID, as Flink names part files.
func newUUID() string {
	var b [16]byte
	if _, err := io.ReadFull(rand.Reader, b[:]); err != nil {
		panic(fmt.Sprintf("filesystem: no randomness for a file name: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// recordBytes is the size of the buffers a batch refers to (all of them:
// a slice counts whole, which only makes row groups close early).
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	var data func(d arrow.ArrayData)
	data = func(d arrow.ArrayData) {
		for _, b := range d.Buffers() {
			if b != nil {
				n += int64(b.Len())
			}
		}
		for _, c := range d.Children() {
			data(c)
		}
	}
	for _, c := range rec.Columns() {
		data(c.Data())
	}
	return n
}

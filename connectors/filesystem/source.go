package filesystem

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-stream/sluice/connectors/format"
	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/vectorized"
)

// MaxRecordBytes bounds one record of a row format, so that a file
// without line breaks fails with a message instead of exhausting memory.
const MaxRecordBytes = 64 << 20

// SkippedCounter is the source counter of malformed records skipped under
// <format>.ignore-parse-errors.
const SkippedCounter = "numRecordsSkipped"

// excerptBytes is how much of a bad record an error message quotes.
const excerptBytes = 120

// source is one subtask of a filesystem table scan.
type source struct {
	t           *fileTable
	pattern     *regexp.Regexp
	subtask     int
	parallelism int

	mem        memory.Allocator
	batch      int
	batchBytes int // engine.ConfigBatchBytes
	files      []inputFile
	skipped    *atomic.Int64

	// Row formats.
	dec      format.Decoder
	rb       *array.RecordBuilder
	builders []array.Builder
	rows     int
	bytes    int // estimated bytes of the pending rows

	// Checkpoints: list is the positions' operator state (nil when the
	// job takes none), pos the position of every file of the subtask that
	// was started, cur the file being read and fr its framer.
	list *state.OperatorListState
	pos  map[string]*filePos
	cur  *filePos
	fr   *framer
}

// String names the source in metrics and errors.
func (s *source) String() string { return "FileSystem(" + s.t.name + ")" }

func (s *source) Open(_ context.Context, rt *engine.RuntimeContext) error {
	cfg := s.t.cfg
	if rt.Config != nil {
		cfg = rt.Config
	}
	var err error
	if s.batch, err = option.BatchSize(cfg); err != nil {
		return errorf("%w", err)
	}
	if s.batchBytes, err = engine.BatchBytes(cfg); err != nil {
		return errorf("%w", err)
	}
	s.mem = rt.Mem
	if s.mem == nil {
		s.mem = memory.DefaultAllocator
	}
	s.skipped = new(atomic.Int64)
	if rt.Metrics != nil {
		s.skipped = rt.Metrics.Counter(SkippedCounter)
	}
	// Each subtask lists the directory itself and keeps its share: the
	// listing is sorted and the assignment deterministic, so the shares
	// partition the files without talking to each other.
	files, err := listFiles(s.t.path, s.pattern)
	if err != nil {
		return err
	}
	s.files = assign(files, max(s.parallelism, 1))[s.subtask]
	s.pos = map[string]*filePos{}
	_, restored := rt.Restored()
	if rt.CheckpointingEnabled() || restored {
		if err := s.openState(rt, restored); err != nil {
			return err
		}
	}
	if s.t.row != nil {
		if s.dec, err = s.t.row.f.NewDecoder(s.t.row.ctx); err != nil {
			return errorf("%w", err)
		}
		s.rb = array.NewRecordBuilder(s.mem, s.t.schema)
		s.builders = s.rb.Fields()
	}
	return nil
}

// Run reads the subtask's files in path order and emits their rows.
func (s *source) Run(ctx context.Context, out engine.Collector) error {
	for _, f := range s.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := s.pos[f.path]
		if p == nil {
			p = &filePos{path: f.path, line: 1}
			s.pos[f.path] = p
		}
		if p.done {
			continue
		}
		s.cur = p
		var err error
		if s.t.parquet != nil {
			err = s.readParquet(ctx, p, out)
		} else {
			err = s.readRows(ctx, p, out)
		}
		if err != nil {
			return err
		}
		// Rows of the file may still be in the builders, but a checkpoint
		// is taken only in Collect, after they went downstream.
		p.done = true
		s.cur, s.fr = nil, nil
	}
	if s.rows > 0 {
		return s.emitRows(ctx, out)
	}
	return nil
}

func (s *source) Close() error {
	if s.rb != nil {
		s.rb.Release()
		s.rb = nil
	}
	return nil
}

// readRows decodes one file of a row format into the builders, emitting
// a batch whenever it is full; rows of several files share batches. A
// restored position resumes at the record after the last one emitted.
func (s *source) readRows(ctx context.Context, p *filePos, out engine.Collector) error {
	path := p.path
	fh, err := os.Open(path)
	if err != nil {
		return errorf("cannot read '%s': %w", path, unwrapPathError(err))
	}
	defer fh.Close()
	if p.offset > 0 {
		if _, err := fh.Seek(p.offset, io.SeekStart); err != nil {
			return errorf("cannot read '%s': %w", path, unwrapPathError(err))
		}
	}
	split := bufio.ScanLines
	if sp, ok := s.t.row.f.(format.Splitter); ok {
		split = sp.SplitFunc(s.t.row.ctx)
	}
	fr := &framer{inner: split, next: p.line, consumed: p.offset}
	s.fr = fr
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64<<10), MaxRecordBytes)
	sc.Split(fr.split)
	// JSON Lines readers skip blank lines (a trailing empty line is common);
	// for CSV and raw an empty line is a record.
	skipBlank := s.t.row.id == "json"
	for n := 1; sc.Scan(); n++ {
		if n%4096 == 0 {
			// Skipped records emit nothing: look for cancellation anyway.
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		rec := sc.Bytes()
		if skipBlank && len(bytes.TrimSpace(rec)) == 0 {
			continue
		}
		ok, err := s.dec.Parse(rec)
		if err != nil {
			if s.t.row.ignore && format.IsParseError(err) {
				// Flink: <format>.ignore-parse-errors skips the record.
				s.skipped.Add(1)
				continue
			}
			return errorf("%s:%d: %w; record: %s", path, fr.start, err, excerpt(rec))
		}
		if !ok {
			continue
		}
		s.dec.Append(s.builders)
		s.rows++
		// a decoded row takes about its record's bytes, plus up to a
		// word per column for numbers, offsets and validity
		s.bytes += len(rec) + 8*len(s.builders)
		if s.rows >= s.batch || s.bytes >= s.batchBytes {
			if err := s.emitRows(ctx, out); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return errorf("%s:%d: a record is longer than %d bytes", path, fr.next, MaxRecordBytes)
		}
		return errorf("%s:%d: %w", path, fr.next, err)
	}
	return nil
}

func (s *source) emitRows(ctx context.Context, out engine.Collector) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.cur != nil && s.fr != nil {
		// Every record parsed so far goes into this batch: the position
		// moves past them before Collect, where a checkpoint may be taken.
		s.cur.offset, s.cur.line = s.fr.consumed, s.fr.next
	}
	b := vectorized.NewBatch(s.rb.NewRecordBatch())
	s.rows, s.bytes = 0, 0
	err := out.Collect(ctx, b)
	b.Release()
	return err
}

// framer wraps a split function to know the line each record starts on,
// for error messages. A record may span lines (a quoted CSV field).
type framer struct {
	inner bufio.SplitFunc
	next  int // line of the first byte not consumed yet
	start int // line the last record started on
	// consumed is the file offset of the first byte not consumed yet:
	// after a record, where the next one starts.
	consumed int64
}

func (f *framer) split(data []byte, atEOF bool) (int, []byte, error) {
	adv, tok, err := f.inner(data, atEOF)
	if adv <= 0 || adv > len(data) {
		if tok != nil {
			f.start = f.next
		}
		return adv, tok, err
	}
	if tok != nil {
		// Split functions return a sub-slice of data; where it begins says
		// how many line breaks were skipped before the record.
		off := 0
		if len(tok) > 0 {
			if o := cap(data) - cap(tok); o >= 0 && o <= adv && &data[o] == &tok[0] {
				off = o
			}
		}
		f.start = f.next + bytes.Count(data[:off], []byte{'\n'})
	}
	f.next += bytes.Count(data[:adv], []byte{'\n'})
	f.consumed += int64(adv)
	return adv, tok, err
}

// excerpt quotes a record for an error message, cut at a rune boundary.
func excerpt(rec []byte) string {
	if len(rec) <= excerptBytes {
		return strconv.Quote(string(rec))
	}
	cut := excerptBytes
	for cut > 0 && !utf8.RuneStart(rec[cut]) {
		cut--
	}
	return strconv.Quote(string(rec[:cut])) + "…"
}

// readParquet reads the table's columns of one parquet file, by name, and
// emits them with exactly the table's Arrow types. A restored position
// skips the rows already emitted: whole row groups by their metadata,
// then the first rows of the next.
func (s *source) readParquet(ctx context.Context, p *filePos, out engine.Collector) error {
	path := p.path
	rdr, err := file.OpenParquetFile(path, false, file.WithReadProps(parquet.NewReaderProperties(s.mem)))
	if err != nil {
		return errorf("%s: not a readable parquet file: %w", path, err)
	}
	defer rdr.Close()
	// Rows per batch under the byte cap at the file's uncompressed bytes
	// per row (all its columns: an overestimate when the table reads fewer).
	batch := s.batch
	if md := rdr.MetaData(); md.NumRows > 0 {
		var total int64
		for g := range md.NumRowGroups() {
			total += md.RowGroup(g).TotalByteSize()
		}
		batch = max(1, vectorized.RowsUnder(s.batch, s.batchBytes, int((total+md.NumRows-1)/md.NumRows)))
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: int64(batch)}, s.mem)
	if err != nil {
		return errorf("%s: %w", path, err)
	}
	fileSchema, err := fr.Schema()
	if err != nil {
		return errorf("%s: %w", path, err)
	}
	cols := s.t.cols
	convs := make([]converter, len(cols))
	var leaves []int
	for j, c := range cols {
		i := fieldIndex(fileSchema, c.Name)
		if i < 0 {
			return errorf("%s: no column '%s' in the file; it has %s", path, c.Name, fieldNames(fileSchema))
		}
		to := s.t.schema.Field(j).Type
		if convs[j], err = newConverter(fileSchema.Field(i).Type, to); err != nil {
			return errorf("%s: column %s: the file's %s cannot be read as %s: %w", path, c.Name, fileSchema.Field(i).Type, c.Type, err)
		}
		leaves = appendLeaves(leaves, &fr.Manifest.Fields[i])
	}
	if fr.ParquetReader().NumRows() == 0 || len(cols) == 0 {
		return nil
	}
	var groups []int
	skip := p.rows
	if skip > 0 {
		pr := fr.ParquetReader()
		for g := range pr.NumRowGroups() {
			if n := pr.RowGroup(g).NumRows(); skip >= n && len(groups) == 0 {
				skip -= n
				continue
			}
			groups = append(groups, g)
		}
		if len(groups) == 0 {
			return nil
		}
	}
	rr, err := fr.GetRecordReader(ctx, leaves, groups)
	if err != nil {
		return errorf("%s: %w", path, err)
	}
	defer rr.Release()
	for rr.Next() {
		rec := rr.RecordBatch()
		if skip > 0 {
			if skip >= rec.NumRows() {
				skip -= rec.NumRows()
				continue
			}
			rec = rec.NewSlice(skip, rec.NumRows())
			defer rec.Release()
			skip = 0
		}
		if rec.NumCols() != int64(len(cols)) {
			return errorf("%s: the reader returned %d columns for %d", path, rec.NumCols(), len(cols))
		}
		arrs := make([]arrow.Array, len(cols))
		release := func() {
			for _, a := range arrs {
				if a != nil {
					a.Release()
				}
			}
		}
		for j := range cols {
			d, err := convs[j](rec.Column(j).Data(), s.mem)
			if err != nil {
				release()
				return errorf("%s: column %s: %w", path, cols[j].Name, err)
			}
			arrs[j] = array.MakeFromData(d)
			d.Release()
			if !s.t.schema.Field(j).Nullable && arrs[j].NullN() > 0 {
				release()
				return errorf("%s: column %s is NOT NULL but the file holds NULLs in it", path, cols[j].Name)
			}
		}
		b := vectorized.NewBatch(array.NewRecordBatch(s.t.schema, arrs, rec.NumRows()))
		release()
		// The position moves before Collect, where a checkpoint may be
		// taken.
		p.rows += rec.NumRows()
		err := out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil {
		return errorf("%s: %w", path, err)
	}
	return nil
}

// fieldIndex finds a column by name: exactly, or else the one column
// whose name differs only in case (files written by engines that fold
// names, such as Hive).
func fieldIndex(sc *arrow.Schema, name string) int {
	if idx := sc.FieldIndices(name); len(idx) > 0 {
		return idx[0]
	}
	found := -1
	for i, f := range sc.Fields() {
		if strings.EqualFold(f.Name, name) {
			if found >= 0 {
				return -1
			}
			found = i
		}
	}
	return found
}

func fieldNames(sc *arrow.Schema) string {
	names := make([]string, sc.NumFields())
	for i, f := range sc.Fields() {
		names[i] = f.Name
	}
	if len(names) == 0 {
		return "no columns"
	}
	return "columns " + strings.Join(names, ", ")
}

// appendLeaves adds the parquet leaf columns under a top-level field.
func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for i := range f.Children {
		dst = appendLeaves(dst, &f.Children[i])
	}
	return dst
}

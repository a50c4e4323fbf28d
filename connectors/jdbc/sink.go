package jdbc

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/vectorized"
)

// Sink counters (engine.OperatorMetrics.Counter).
const (
	// CounterRetries counts flush attempts made again after a lost
	// connection or a lock conflict.
	CounterRetries = "numRetries"
	// CounterRowsWritten counts rows written to the database (upserted,
	// inserted or deleted), after the buffer folded changes of one key.
	CounterRowsWritten = "numRowsWritten"
	// CounterFlushes counts committed flushes.
	CounterFlushes = "numFlushes"
)

// Retry backoff: the first retry waits firstBackoff, each next one twice
// as long, up to maxBackoff.
const (
	firstBackoff = 100 * time.Millisecond
	maxBackoff   = 5 * time.Second
)

// cachedStatements bounds the prepared statements a sink keeps per kind
// of statement: one per number of rows, as flushes of a reduced buffer
// vary in size.
const cachedStatements = 8

type op uint8

const (
	opUpsert op = iota // or a plain insert, for a sink without key
	opDelete
)

// pending is one buffered change: the row's values as the driver binds
// them, and whether it deletes its key.
type pending struct {
	delete bool
	vals   []any
}

type stmtKey struct {
	op   op
	rows int
}

// sink is one subtask of a JDBC sink. Like Flink's JdbcOutputFormat with
// a buffer-reduce executor, it buffers changes, keeps only the latest
// change of each key (a delete after an upsert of a key ends as a delete),
// and flushes when sink.buffer-flush.max-rows rows were added, every
// sink.buffer-flush.interval from a background goroutine, and at the end.
// A flush is one transaction, tried again as a whole after a lost
// connection: upserts and deletes are idempotent and a rolled-back insert
// left nothing, so nothing is lost or doubled.
type sink struct {
	cfg     *sinkConfig
	subtask int

	db                        *sql.DB
	retries, written, flushes *atomic.Int64

	// mu guards everything below: Write, Finish and the background flush
	// take turns.
	mu    sync.Mutex
	rows  []pending
	index map[string]int // key → position in rows; upsert mode only
	added int            // changes since the last flush (Flink's batchCount)
	// flushErr is the failure of a flush, kept until Close: Write and
	// Finish report it (Flink's flushException) and the rows stay buffered.
	flushErr error
	keyBuf   []byte
	args     []any
	stmts    map[stmtKey]*sql.Stmt
	stmtAge  []stmtKey

	stop chan struct{}
	done chan struct{}
}

func (s *sink) String() string { return "JdbcSink(" + s.cfg.name.String() + ")" }

// Open connects, checks the table, and starts the interval flush.
func (s *sink) Open(ctx context.Context, rt *engine.RuntimeContext) error {
	metrics := rt.Metrics
	if metrics == nil {
		metrics = &engine.OperatorMetrics{}
	}
	s.retries = metrics.Counter(CounterRetries)
	s.written = metrics.Counter(CounterRowsWritten)
	s.flushes = metrics.Counter(CounterFlushes)
	s.stmts = map[stmtKey]*sql.Stmt{}
	if len(s.cfg.key) > 0 {
		s.index = map[string]int{}
	}
	db, err := openDB(ctx, s.cfg.tableConfig, true)
	if err != nil {
		return err
	}
	s.db = db
	info, err := inspect(ctx, db, s.cfg.tableConfig)
	if err != nil {
		return err
	}
	if len(s.cfg.key) > 0 {
		if err := checkUpsertKey(s.cfg.tableConfig, info, s.cfg.key); err != nil {
			return err
		}
	}
	if s.cfg.ep.dialect == sqliteDialect {
		if err := checkSQLiteDecimals(s.cfg.tableConfig, info); err != nil {
			return err
		}
	}
	if s.cfg.interval > 0 {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.flushEvery(ctx, s.cfg.interval)
	}
	if len(s.cfg.key) == 0 && rt.CheckpointingEnabled() && rt.Subtask == 0 {
		// Replayed inserts cannot be told from new ones: say once per
		// sink (subtask 0 speaks for all) what a restore may double.
		engine.Logf("warning: %s: table %s has no primary key, so the sink appends: rows written after the last completed checkpoint are written again after a restore (at-least-once); declare a PRIMARY KEY for exactly-once upserts",
			Identifier, s.cfg.name)
	}
	return nil
}

// SnapshotState flushes the buffer and returns once the flush committed,
// as Flink's JdbcOutputFormat flushes in snapshotState: every row that
// arrived before the checkpoint's barrier is in the database before the
// checkpoint is acknowledged, so a restore replays only rows after it.
// With a key, replayed rows are upserts and deletes of the same keys, so
// the table ends exactly as without the failure.
func (s *sink) SnapshotState(ctx context.Context, cp engine.CheckpointInfo) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flushErr != nil {
		return s.flushErr
	}
	if err := s.flushLocked(ctx); err != nil {
		return fmt.Errorf("checkpoint %d: %w", cp.ID, err)
	}
	return nil
}

var _ engine.Checkpointed = (*sink)(nil)

// flushEvery is Flink's scheduled flusher: it flushes whatever is
// buffered, input or not; a failure waits in flushErr for the next Write.
func (s *sink) flushEvery(ctx context.Context, d time.Duration) {
	defer close(s.done)
	t := time.NewTicker(d)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-ctx.Done():
			return
		case <-t.C:
			s.mu.Lock()
			if s.flushErr == nil {
				_ = s.flushLocked(ctx)
			}
			s.mu.Unlock()
		}
	}
}

// Write buffers the rows of b, flushing whenever max-rows changes were
// added. -U rows carry nothing an upsert needs and are skipped, as Flink's
// upsert sinks do.
func (s *sink) Write(ctx context.Context, b *vectorized.Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flushErr != nil {
		return s.flushErr
	}
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	ncol := len(s.cfg.cols)
	readers := make([]paramFunc, ncol)
	for c := range readers {
		f, err := paramReader(s.cfg.ep.dialect, s.cfg.cols[c].Type, b.Record.Column(c))
		if err != nil {
			return fail("table %s: column %s: %v", s.cfg.name, s.cfg.cols[c].Name, err)
		}
		readers[c] = f
	}
	upsert := len(s.cfg.key) > 0
	// One allocation of values per batch; rows slice it.
	vals := make([]any, n*ncol)
	for i := range n {
		kind := b.Kind(i)
		switch {
		case kind == vectorized.UpdateBefore:
			continue
		case !upsert && kind != vectorized.Insert:
			return fail("table %s has no key, so it only appends, but received a %s row; declare a PRIMARY KEY", s.cfg.name, kind)
		}
		row := vals[i*ncol : (i+1)*ncol : (i+1)*ncol]
		for c, read := range readers {
			v, err := read(i)
			if err != nil {
				return fail("table %s: column %s, row %d of a batch: %v", s.cfg.name, s.cfg.cols[c].Name, i+1, err)
			}
			row[c] = v
		}
		s.add(pending{delete: kind == vectorized.Delete, vals: row})
		if s.cfg.maxRows > 0 && s.added >= s.cfg.maxRows {
			if err := s.flushLocked(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// add buffers a change; in upsert mode it replaces an earlier change of
// the same key in place, so a key's latest change wins and keys keep the
// order they were first seen in.
func (s *sink) add(p pending) {
	s.added++
	if s.index == nil {
		s.rows = append(s.rows, p)
		return
	}
	s.keyBuf = s.encodeKey(s.keyBuf[:0], p.vals)
	if at, ok := s.index[string(s.keyBuf)]; ok {
		s.rows[at] = p
		return
	}
	s.index[string(s.keyBuf)] = len(s.rows)
	s.rows = append(s.rows, p)
}

// encodeKey appends an unambiguous encoding of the key columns' values:
// a tag per value, lengths before variable-size values.
func (s *sink) encodeKey(b []byte, vals []any) []byte {
	for _, k := range s.cfg.key {
		switch v := vals[k].(type) {
		case nil:
			b = append(b, 0)
		case bool:
			b = append(b, 1)
			if v {
				b = append(b, 1)
			} else {
				b = append(b, 0)
			}
		case int64:
			b = binary.LittleEndian.AppendUint64(append(b, 2), uint64(v))
		case float64:
			b = binary.LittleEndian.AppendUint64(append(b, 3), math.Float64bits(v))
		case string:
			b = binary.AppendUvarint(append(b, 4), uint64(len(v)))
			b = append(b, v...)
		case []byte:
			b = binary.AppendUvarint(append(b, 5), uint64(len(v)))
			b = append(b, v...)
		}
	}
	return b
}

// Finish flushes what is buffered.
func (s *sink) Finish(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flushErr != nil {
		return s.flushErr
	}
	return s.flushLocked(ctx)
}

// Close stops the interval flush and flushes what is left (Flink's
// close()). Rows that cannot be written are never dropped silently: Close
// then returns an error that counts them.
func (s *sink) Close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	if n := len(s.rows); n > 0 {
		err := s.flushErr
		if err == nil && s.db != nil {
			// The job's context may be gone (a cancelled streaming job):
			// the last flush gets its own, bounded by the retry settings.
			ctx, cancel := context.WithTimeout(context.Background(), s.cfg.retryTimeout*time.Duration(s.cfg.maxRetries+1))
			err = s.flushLocked(ctx)
			cancel()
		}
		if err == nil && s.db == nil {
			err = errors.New("the sink never connected")
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %d buffered rows were not written to table %s: %w", Identifier, n, s.cfg.name, err))
		}
	}
	for _, st := range s.stmts {
		st.Close()
	}
	s.stmts = nil
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			errs = append(errs, fail("closing the connection to %s: %v", s.cfg.ep.where(), err))
		}
		s.db = nil
	}
	return errors.Join(errs...)
}

// flushLocked writes the buffer in one transaction, tried again with
// exponential backoff after a transient failure (a lost connection, a
// deadlock, SQLite busy) up to sink.max-retries times. On success the
// buffer is empty; on failure it is kept, and the failure is recorded in
// flushErr unless it was the context's end.
func (s *sink) flushLocked(ctx context.Context) error {
	if len(s.rows) == 0 {
		s.added = 0
		return nil
	}
	var ups, dels [][]any
	for _, p := range s.rows {
		if p.delete {
			dels = append(dels, p.vals)
		} else {
			ups = append(ups, p.vals)
		}
	}
	wait := firstBackoff
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, ups, dels)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: flush of %d rows to table %s interrupted: %w", Identifier, len(s.rows), s.cfg.name, ctx.Err())
		}
		switch {
		case !transient(err):
			s.flushErr = fmt.Errorf("%s: writing %d rows to table %s in %s: %w", Identifier, len(s.rows), s.cfg.name, s.cfg.whereTable(), err)
			return s.flushErr
		case attempt > s.cfg.maxRetries:
			s.flushErr = fmt.Errorf("%s: writing %d rows to table %s in %s failed %d times (%s = %d); last error: %w",
				Identifier, len(s.rows), s.cfg.name, s.cfg.whereTable(), attempt, OptionMaxRetries, s.cfg.maxRetries, err)
			return s.flushErr
		}
		s.retries.Add(1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: flush of %d rows to table %s interrupted: %w", Identifier, len(s.rows), s.cfg.name, ctx.Err())
		case <-t.C:
		}
		wait = min(2*wait, maxBackoff)
	}
	s.written.Add(int64(len(s.rows)))
	s.flushes.Add(1)
	clear(s.rows)
	s.rows = s.rows[:0]
	clear(s.index)
	s.added = 0
	return nil
}

// writeOnce is one attempt at a flush: the statements are prepared first
// (a pool of one connection cannot prepare beside an open transaction),
// then run in one transaction.
func (s *sink) writeOnce(ctx context.Context, ups, dels [][]any) error {
	perRow := len(s.cfg.cols)
	keyLen := len(s.cfg.key)
	upChunk := s.cfg.ep.dialect.maxParams() / perRow
	var delChunk int
	if keyLen > 0 {
		delChunk = s.cfg.ep.dialect.maxParams() / keyLen
	}
	type work struct {
		k    stmtKey
		rows [][]any
	}
	var todo []work
	for rows := ups; len(rows) > 0; {
		n := min(len(rows), upChunk)
		todo = append(todo, work{stmtKey{opUpsert, n}, rows[:n]})
		rows = rows[n:]
	}
	for rows := dels; len(rows) > 0; {
		n := min(len(rows), delChunk)
		todo = append(todo, work{stmtKey{opDelete, n}, rows[:n]})
		rows = rows[n:]
	}
	prepared := make([]*sql.Stmt, len(todo))
	for i, w := range todo {
		st, err := s.prepare(ctx, w.k)
		if err != nil {
			return err
		}
		prepared[i] = st
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	for i, w := range todo {
		args := s.args[:0]
		for _, r := range w.rows {
			if w.k.op == opDelete {
				for _, k := range s.cfg.key {
					args = append(args, r[k])
				}
			} else {
				args = append(args, r...)
			}
		}
		s.args = args
		_, err := tx.StmtContext(ctx, prepared[i]).ExecContext(ctx, args...)
		clear(args)
		if err != nil {
			_ = tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}

// prepare returns the statement for k, prepared once and kept; the least
// recently prepared of a kind is closed when more than cachedStatements
// shapes are in use.
func (s *sink) prepare(ctx context.Context, k stmtKey) (*sql.Stmt, error) {
	if st, ok := s.stmts[k]; ok {
		return st, nil
	}
	var text string
	switch {
	case k.op == opDelete:
		text = s.cfg.stmts.delete(k.rows)
	case len(s.cfg.key) > 0:
		text = s.cfg.stmts.upsert(k.rows)
	default:
		text = s.cfg.stmts.insert(k.rows)
	}
	st, err := s.db.PrepareContext(ctx, text)
	if err != nil {
		return nil, err
	}
	same := 0
	for _, a := range s.stmtAge {
		if a.op == k.op {
			same++
		}
	}
	if same >= cachedStatements {
		for i, a := range s.stmtAge {
			if a.op == k.op {
				s.stmts[a].Close()
				delete(s.stmts, a)
				s.stmtAge = append(s.stmtAge[:i], s.stmtAge[i+1:]...)
				break
			}
		}
	}
	s.stmts[k] = st
	s.stmtAge = append(s.stmtAge, k)
	return st, nil
}

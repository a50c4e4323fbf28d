package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/cpython"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/engine/state"
	"github.com/sluice-stream/sluice/table"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/pyfunc"
	"github.com/sluice-stream/sluice/table/types"
	"github.com/sluice-stream/sluice/vectorized"
)

// streamFactory is the checkpoint benchmark's source: an unbounded-mode
// source (the job runs as a stream and takes checkpoints) that ends after
// `rows` rows. shape picks the columns: "kv" (k STRING from `keys` values,
// x BIGINT, v DOUBLE, replayed from pre-generated batches), "cdn"
// (client_ip, response_size, request_time, as the CDN logs) or "distinct"
// (k STRING unique per row, x BIGINT), generated as it goes.
type streamFactory struct{}

const streamIdentifier = "sluice-bench-stream"

func init() { connector.Register(streamFactory{}) }

func (streamFactory) Identifier() string { return streamIdentifier }
func (streamFactory) Options() []connector.Option {
	return []connector.Option{{Key: "rows", Required: true}, {Key: "keys", Default: "1000"}, {Key: "shape", Default: "kv"}}
}

func (streamFactory) NewSource(ctx *connector.Context) (*connector.Source, error) {
	rows, err := strconv.ParseInt(ctx.Options["rows"], 10, 64)
	if err != nil {
		return nil, err
	}
	keys := 1000
	if v, ok := ctx.Options["keys"]; ok {
		if keys, err = strconv.Atoi(v); err != nil {
			return nil, err
		}
	}
	shape := ctx.Options["shape"]
	if shape == "" {
		shape = "kv"
	}
	var batches []*vectorized.Batch
	switch shape {
	case "kv":
		batches = genBatches(keys, 10000, 16)
	case "cdn":
		batches = cdnBatches(10000, 16)
	case "distinct":
	default:
		return nil, fmt.Errorf("shape %q: expected kv, cdn or distinct", shape)
	}
	return &connector.Source{Bounded: false, Mode: connector.InsertOnly, Parallelism: 1,
		Instance: func(int, int) engine.Source {
			if shape == "distinct" {
				return &distinctSource{rows: rows}
			}
			return &genSource{batches: batches, rows: rows}
		},
		Describe: fmt.Sprintf("rows=%d, shape=%s", rows, shape)}, nil
}

// cdnBatches are n batches of CDN log columns whose client IPs map to the
// benchmark UDF's provinces.
func cdnBatches(size, n int) []*vectorized.Batch {
	r := rand.New(rand.NewPCG(3, 4))
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "client_ip", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "response_size", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "request_time", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	out := make([]*vectorized.Batch, n)
	for b := range out {
		ib := array.NewStringBuilder(memory.DefaultAllocator)
		sb := array.NewInt64Builder(memory.DefaultAllocator)
		tb := array.NewInt64Builder(memory.DefaultAllocator)
		for i := 0; i < size; i++ {
			ib.Append(fmt.Sprintf("%d.%d.%d.%d", 1+r.IntN(len(provinces)), 16*r.IntN(8), r.IntN(256), r.IntN(256)))
			sb.Append(1000 + r.Int64N(1<<20))
			tb.Append(1 + r.Int64N(2000))
		}
		cols := []arrow.Array{ib.NewArray(), sb.NewArray(), tb.NewArray()}
		ib.Release()
		sb.Release()
		tb.Release()
		out[b] = vectorized.NewBatch(array.NewRecordBatch(schema, cols, int64(size)))
		for _, c := range cols {
			c.Release()
		}
	}
	return out
}

// distinctSource emits (k, x) with a key no other row has.
type distinctSource struct {
	rows int64
	mem  memory.Allocator
}

var distinctSchema = arrow.NewSchema([]arrow.Field{
	{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
}, nil)

func (s *distinctSource) Open(_ context.Context, rt *engine.RuntimeContext) error {
	s.mem = rt.Mem
	return nil
}
func (s *distinctSource) Close() error { return nil }
func (s *distinctSource) Run(ctx context.Context, out engine.Collector) error {
	const batch = 10000
	buf := make([]byte, 0, 32)
	for sent := int64(0); sent < s.rows; {
		n := min(batch, s.rows-sent)
		kb := array.NewStringBuilder(s.mem)
		xb := array.NewInt64Builder(s.mem)
		for i := int64(0); i < n; i++ {
			buf = strconv.AppendInt(append(buf[:0], "key-"...), sent+i, 10)
			kb.BinaryBuilder.Append(buf)
			xb.Append(sent + i)
		}
		cols := []arrow.Array{kb.NewArray(), xb.NewArray()}
		kb.Release()
		xb.Release()
		b := vectorized.NewBatch(array.NewRecordBatch(distinctSchema, cols, n))
		cols[0].Release()
		cols[1].Release()
		err := out.Collect(ctx, b)
		b.Release()
		if err != nil {
			return err
		}
		sent += n
	}
	return nil
}

// CheckpointConfig configures RunCheckpoint.
type CheckpointConfig struct {
	GroupByRows int64         // rows of the GROUP BY case
	CDNRows     int64         // rows of the CDN case
	Interval    time.Duration // checkpoint interval
	Repeat      int           // runs of each case with and without checkpoints, interleaved; the fastest counts
	PebbleKeys  int64         // distinct keys of the pebble RSS case (0 skips it)
	// IncrementalBytes is the size of the pebble state of the incremental
	// case (0 skips it).
	IncrementalBytes int64
	// Dir holds checkpoints and pebble files (default: a temporary
	// directory, removed afterwards).
	Dir string
}

// DefaultCheckpointConfig is `sluice bench checkpoint`'s default.
func DefaultCheckpointConfig() CheckpointConfig {
	return CheckpointConfig{GroupByRows: 20_000_000, CDNRows: 2_000_000, Interval: time.Second, Repeat: 3,
		PebbleKeys: 10_000_000, IncrementalBytes: 1 << 30}
}

// CheckpointMeasurement is one case with and without checkpoints.
type CheckpointMeasurement struct {
	Case             string  `json:"case"`
	Rows             int64   `json:"rows"`
	BaselineRowsPerS float64 `json:"baseline_rows_per_sec"`
	CheckpointRowsPS float64 `json:"checkpointed_rows_per_sec"`
	Ratio            float64 `json:"ratio"`
	Checkpoints      int64   `json:"checkpoints"`
	LastDurationMS   float64 `json:"last_checkpoint_ms"`
	LastSizeBytes    int64   `json:"last_checkpoint_bytes"`
}

// CheckpointReport is the result of RunCheckpoint.
type CheckpointReport struct {
	Interval     string                  `json:"interval"`
	Measurements []CheckpointMeasurement `json:"measurements"`
	Pebble       *PebbleRSS              `json:"pebble,omitempty"`
	Incremental  *IncrementalCheckpoint  `json:"incremental,omitempty"`
}

// PebbleRSS is the peak memory of a streaming GROUP BY over many distinct
// keys on the pebble backend with checkpoints, measured in a child
// process of its own.
type PebbleRSS struct {
	Keys        int64   `json:"keys"`
	Seconds     float64 `json:"seconds"`
	PeakRSSMiB  float64 `json:"peak_rss_mib"`
	Checkpoints int64   `json:"checkpoints"`
}

// IncrementalCheckpoint compares two consecutive snapshots of a pebble
// state: the second, after changing a small share of the keys, writes only
// new files; the rest are hard links to the first's.
type IncrementalCheckpoint struct {
	StateBytes      int64   `json:"state_bytes"`
	FirstBytes      int64   `json:"first_snapshot_bytes"`
	SecondBytes     int64   `json:"second_snapshot_bytes"`
	SecondNewBytes  int64   `json:"second_snapshot_new_bytes"`
	ChangedKeys     int64   `json:"changed_keys"`
	Keys            int64   `json:"keys"`
	SecondNewShare  float64 `json:"second_new_share"`
	SecondSnapshotS float64 `json:"second_snapshot_seconds"`
}

// RunCheckpoint measures what checkpoints cost: a streaming GROUP BY and
// the CDN job's shape (Python UDF → GROUP BY) with checkpoints every
// Interval against the same job without, interleaved; peak RSS of a
// pebble-backed GROUP BY over PebbleKeys distinct keys; and the bytes an
// incremental pebble snapshot writes.
func RunCheckpoint(ctx context.Context, cfg CheckpointConfig, progress io.Writer) (*CheckpointReport, error) {
	if err := cpython.Initialize(); err != nil {
		return nil, err
	}
	dir := cfg.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "sluice-bench-checkpoint-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	fns, release, err := pyFuncs("ip_to_province")
	if err != nil {
		return nil, err
	}
	defer release()
	ipToProvince, err := pyfunc.New("ip_to_province", fns[0], pyfunc.Row, types.STRING())
	if err != nil {
		return nil, err
	}
	rep := &CheckpointReport{Interval: cfg.Interval.String()}
	cases := []struct {
		name, ddl, query string
		rows             int64
	}{
		{"GROUP BY k: COUNT(*), SUM(x) (1000 keys, streaming)",
			"CREATE TABLE src (k STRING, x BIGINT, v DOUBLE) WITH ('connector' = '%s', 'rows' = '%d', 'keys' = '1000')",
			"SELECT k, COUNT(*) AS n, SUM(x) AS s FROM src GROUP BY k", cfg.GroupByRows},
		{"CDN job: ip_to_province → GROUP BY province",
			"CREATE TABLE src (client_ip STRING, response_size BIGINT, request_time BIGINT) WITH ('connector' = '%s', 'rows' = '%d', 'shape' = 'cdn')",
			"SELECT province, COUNT(*) AS access_count, SUM(response_size) AS total_download, SUM(response_size) * 1.0 / SUM(request_time) AS download_speed " +
				"FROM (SELECT ip_to_province(client_ip) AS province, response_size, request_time FROM src) GROUP BY province", cfg.CDNRows},
	}
	for _, c := range cases {
		if c.rows <= 0 {
			continue
		}
		m := CheckpointMeasurement{Case: c.name, Rows: c.rows}
		for r := 0; r < max(cfg.Repeat, 1); r++ {
			for _, on := range []bool{false, true} {
				conf := map[string]string{}
				if on {
					conf[engine.ConfigCheckpointInterval] = cfg.Interval.String()
					conf[engine.ConfigCheckpointsDir] = filepath.Join(dir, "checkpoints")
				}
				env := table.NewEnvironment(table.Settings{Streaming: true, Config: conf})
				if err := env.CreateTemporaryFunction("ip_to_province", ipToProvince); err != nil {
					return nil, err
				}
				rate, res, err := runStreamCase(ctx, env, fmt.Sprintf(c.ddl, streamIdentifier, c.rows), c.query, c.rows)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", c.name, err)
				}
				if on {
					m.CheckpointRowsPS = max(m.CheckpointRowsPS, rate)
					if res != nil {
						m.Checkpoints = res.Checkpoints.Completed
						m.LastDurationMS = float64(res.Checkpoints.LastDuration) / float64(time.Millisecond)
						m.LastSizeBytes = res.Checkpoints.LastSize
					}
				} else {
					m.BaselineRowsPerS = max(m.BaselineRowsPerS, rate)
				}
			}
		}
		m.Ratio = m.CheckpointRowsPS / m.BaselineRowsPerS
		rep.Measurements = append(rep.Measurements, m)
		if progress != nil {
			fmt.Fprintf(progress, "  %-52s %.2f (%.0f vs %.0f rows/s, %d checkpoints)\n", m.Case, m.Ratio, m.CheckpointRowsPS, m.BaselineRowsPerS, m.Checkpoints)
		}
	}
	if cfg.PebbleKeys > 0 {
		p, err := pebbleRSSChild(ctx, cfg, dir)
		if err != nil {
			return nil, fmt.Errorf("pebble RSS: %w", err)
		}
		rep.Pebble = p
		if progress != nil {
			fmt.Fprintf(progress, "  pebble, %d distinct keys: peak RSS %.0f MiB in %.1f s, %d checkpoints\n", p.Keys, p.PeakRSSMiB, p.Seconds, p.Checkpoints)
		}
	}
	if cfg.IncrementalBytes > 0 {
		inc, err := incrementalCheckpoint(cfg.IncrementalBytes, filepath.Join(dir, "incremental"))
		if err != nil {
			return nil, fmt.Errorf("incremental: %w", err)
		}
		rep.Incremental = inc
		if progress != nil {
			fmt.Fprintf(progress, "  incremental pebble snapshot: %.1f MiB new of %.1f MiB (%.2f%%) after changing %d of %d keys\n",
				float64(inc.SecondNewBytes)/(1<<20), float64(inc.SecondBytes)/(1<<20), 100*inc.SecondNewShare, inc.ChangedKeys, inc.Keys)
		}
	}
	return rep, nil
}

// runStreamCase runs query into a blackhole sink and returns input rows
// per second.
func runStreamCase(ctx context.Context, env *table.Environment, ddl, query string, rows int64) (float64, *engine.JobResult, error) {
	if _, err := env.ExecuteSQL(ctx, ddl); err != nil {
		return 0, nil, err
	}
	q, err := env.SQLQuery(query)
	if err != nil {
		return 0, nil, err
	}
	var cols []string
	for _, f := range q.Schema() {
		cols = append(cols, "`"+f.Name+"` "+f.Type.Nullable().String())
	}
	if _, err := env.ExecuteSQL(ctx, "CREATE TABLE sink ("+strings.Join(cols, ", ")+") WITH ('connector' = 'blackhole')"); err != nil {
		return 0, nil, err
	}
	t0 := time.Now()
	res, err := q.ExecuteInsert(ctx, "sink")
	if err != nil {
		return 0, nil, err
	}
	return float64(rows) / time.Since(t0).Seconds(), res.Job, nil
}

// PebbleChildEnv marks the child process `sluice bench checkpoint` starts
// to measure the pebble case's peak RSS alone.
const PebbleChildEnv = "SLUICE_BENCH_PEBBLE_CHILD"

func pebbleRSSChild(ctx context.Context, cfg CheckpointConfig, dir string) (*PebbleRSS, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe, "bench", "checkpoint")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d,%s,%s", PebbleChildEnv, cfg.PebbleKeys, cfg.Interval, filepath.Join(dir, "pebble")))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var p PebbleRSS
	if _, err := fmt.Sscanf(strings.TrimSpace(string(out)), "%d %f %f %d", &p.Keys, &p.Seconds, &p.PeakRSSMiB, &p.Checkpoints); err != nil {
		return nil, fmt.Errorf("child output %q: %w", out, err)
	}
	return &p, nil
}

// RunPebbleChild is the child side: a streaming GROUP BY over `keys`
// distinct keys on the pebble backend with checkpoints; it prints keys,
// seconds, peak RSS in MiB and checkpoints.
func RunPebbleChild(ctx context.Context, spec string) error {
	parts := strings.Split(spec, ",")
	if len(parts) != 3 {
		return fmt.Errorf("%s = %q", PebbleChildEnv, spec)
	}
	keys, err := strconv.ParseInt(parts[0], 10, 64)
	if err != nil {
		return err
	}
	dir := parts[2]
	env := table.NewEnvironment(table.Settings{Streaming: true, Config: map[string]string{
		engine.ConfigCheckpointInterval: parts[1],
		engine.ConfigCheckpointsDir:     filepath.Join(dir, "checkpoints"),
		state.ConfigBackendType:         state.BackendPebble,
		engine.ConfigStateLocalDir:      filepath.Join(dir, "local"),
	}})
	t0 := time.Now()
	_, res, err := runStreamCase(ctx, env,
		fmt.Sprintf("CREATE TABLE src (k STRING, x BIGINT) WITH ('connector' = '%s', 'rows' = '%d', 'shape' = 'distinct')", streamIdentifier, keys),
		"SELECT k, COUNT(*) AS n, SUM(x) AS s FROM src GROUP BY k", keys)
	if err != nil {
		return err
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	var n int64
	if res != nil {
		n = res.Checkpoints.Completed
	}
	fmt.Printf("%d %.3f %.1f %d\n", keys, time.Since(t0).Seconds(), float64(ru.Maxrss)/1024, n)
	return nil
}

// incrementalCheckpoint fills a pebble backend with about size bytes,
// snapshots it (once its compactions settled), changes 1% of the keys,
// snapshots again and counts the second snapshot's bytes that are not
// hard links to the first's files.
func incrementalCheckpoint(size int64, dir string) (*IncrementalCheckpoint, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	b, err := state.Open(state.Options{Type: state.BackendPebble, Dir: filepath.Join(dir, "local"), Range: state.KeyGroupRange{Start: 0, End: 127}})
	if err != nil {
		return nil, err
	}
	defer b.Close()
	vs, err := state.NewValueState(b, state.Descriptor[[]byte]{Name: "v", Codec: state.BytesCodec{}})
	if err != nil {
		return nil, err
	}
	const valueSize = 100
	keys := size / (valueSize + 16)
	r := rand.New(rand.NewPCG(5, 6))
	val := make([]byte, valueSize)
	put := func(from, to int64, step int64) error {
		const chunk = 4096
		kgs := make([]uint16, 0, chunk)
		ks := make([][]byte, 0, chunk)
		vals := make([][]byte, 0, chunk)
		for i := from; i < to; i += step {
			for j := range val {
				val[j] = byte(r.Uint32())
			}
			k := strconv.AppendInt([]byte("key-"), i, 10)
			kgs = append(kgs, uint16(i%128))
			ks = append(ks, k)
			vals = append(vals, append([]byte(nil), val...))
			if len(ks) == chunk {
				if err := vs.PutBatch(kgs, ks, vals); err != nil {
					return err
				}
				kgs, ks, vals = kgs[:0], ks[:0], vals[:0]
			}
		}
		if len(ks) > 0 {
			return vs.PutBatch(kgs, ks, vals)
		}
		return nil
	}
	if err := put(0, keys, 1); err != nil {
		return nil, err
	}
	snapshot := func(d string) error {
		w, err := b.Snapshot(d)
		if err != nil {
			return err
		}
		return w()
	}
	// Pebble goes on compacting what the load wrote; a snapshot taken
	// meanwhile differs from the next one by those compactions, changes
	// or not. Snapshots without writes a second apart until two share
	// all but Pebble's small metadata files (at most 20 s) make the
	// measured difference the changed keys' alone.
	first := ""
	for i := 0; i < 20; i++ {
		d := filepath.Join(dir, fmt.Sprintf("settle-%d", i))
		if err := snapshot(d); err != nil {
			return nil, err
		}
		if first != "" {
			inodes := map[uint64]bool{}
			walkFiles(first, func(st *syscall.Stat_t) { inodes[st.Ino] = true })
			var fresh int64
			walkFiles(d, func(st *syscall.Stat_t) {
				if !inodes[st.Ino] {
					fresh += st.Size
				}
			})
			os.RemoveAll(first)
			if fresh < 1<<20 {
				first = d
				break
			}
		}
		first = d
		time.Sleep(time.Second)
	}
	changed := keys / 100
	if err := put(0, keys, 100); err != nil {
		return nil, err
	}
	second := filepath.Join(dir, "chk-2")
	t0 := time.Now()
	if err := snapshot(second); err != nil {
		return nil, err
	}
	inc := &IncrementalCheckpoint{StateBytes: keys * (valueSize + 16), Keys: keys, ChangedKeys: changed, SecondSnapshotS: time.Since(t0).Seconds()}
	firstInodes := map[uint64]bool{}
	inc.FirstBytes = walkFiles(first, func(st *syscall.Stat_t) { firstInodes[st.Ino] = true })
	inc.SecondBytes = walkFiles(second, func(st *syscall.Stat_t) {
		if !firstInodes[st.Ino] {
			inc.SecondNewBytes += st.Size
		}
	})
	inc.SecondNewShare = float64(inc.SecondNewBytes) / float64(inc.SecondBytes)
	return inc, nil
}

func walkFiles(dir string, fn func(*syscall.Stat_t)) int64 {
	var total int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			fn(st)
			total += st.Size
		}
		return nil
	})
	return total
}

// WriteTable prints the report.
func (r *CheckpointReport) WriteTable(w io.Writer) error {
	if len(r.Measurements) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "case\tcheckpoints every %s\twithout\tratio\tcheckpoints\tlast duration\tlast size\n", r.Interval)
		for _, m := range r.Measurements {
			fmt.Fprintf(tw, "%s\t%.0f rows/s\t%.0f rows/s\t%.2f\t%d\t%.0f ms\t%d B\n", m.Case, m.CheckpointRowsPS, m.BaselineRowsPerS, m.Ratio, m.Checkpoints, m.LastDurationMS, m.LastSizeBytes)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if p := r.Pebble; p != nil {
		fmt.Fprintf(w, "\npebble backend, %d distinct keys, checkpoints every %s: peak RSS %.0f MiB (%.1f s, %d checkpoints)\n", p.Keys, r.Interval, p.PeakRSSMiB, p.Seconds, p.Checkpoints)
	}
	if inc := r.Incremental; inc != nil {
		fmt.Fprintf(w, "incremental pebble snapshot of %.2f GiB of state after changing %d of %d keys: %.1f MiB new files of %.1f MiB (%.2f%%), the rest hard links to the previous snapshot; took %.2f s\n",
			float64(inc.StateBytes)/(1<<30), inc.ChangedKeys, inc.Keys, float64(inc.SecondNewBytes)/(1<<20), float64(inc.SecondBytes)/(1<<20), 100*inc.SecondNewShare, inc.SecondSnapshotS)
	}
	return nil
}

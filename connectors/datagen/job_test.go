package datagen_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/sluice-stream/sluice/connectors/blackhole"
	"github.com/sluice-stream/sluice/connectors/datagen"
	"github.com/sluice-stream/sluice/connectors/print"
	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

// TestDatagenToPrintJob is the end-to-end job: a parallel datagen source
// chained to a print sink, run by engine.Execute on a checked allocator.
// Every sequence value is printed once, by the subtask Flink's split gives
// it, with that subtask's prefix.
func TestDatagenToPrintJob(t *testing.T) {
	for _, par := range []int{1, 3} {
		t.Run(fmt.Sprint("parallelism ", par), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			var out bytes.Buffer
			defer print.SetOutput(&out, nil)()

			cols := []connector.Column{
				{Name: "id", Type: types.BIGINT()},
				{Name: "name", Type: types.VARCHAR(8)},
				{Name: "score", Type: types.DECIMAL(5, 2)},
				{Name: "tags", Type: types.ARRAY(types.INT())},
			}
			ctx := &connector.Context{Table: "gen", Columns: cols, Config: engine.Config{engine.ConfigBatchSize: "16"}, Options: map[string]string{
				"connector": "datagen", "rows-per-second": "1000000", "seed": "5",
				"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "100",
				"fields.score.min": "0", "fields.score.max": "1",
				"fields.tags.length": "2", "fields.tags.element.min": "1", "fields.tags.element.max": "3",
			}}
			src, err := datagen.Factory{}.NewSource(ctx)
			require.NoError(t, err)
			require.True(t, src.Bounded)
			sinkFactory, err := connector.Lookup("print")
			require.NoError(t, err)
			sink, err := sinkFactory.(connector.SinkFactory).NewSink(&connector.Context{Table: "out", Columns: cols,
				Options: map[string]string{"connector": "print", "print-identifier": "gen"}})
			require.NoError(t, err)

			g := &engine.JobGraph{Name: "datagen-print", Bounded: src.Bounded, Mem: mem, Vertices: []*engine.Vertex{{
				ID: 1, Name: "gen", Parallelism: par,
				Source: func(s int) engine.Source { return src.Instance(s, par) },
				Sink:   func(s int) engine.Sink { return sink.Instance(s, par) },
			}}}
			res, err := engine.Execute(context.Background(), g, ctx.Config)
			require.NoError(t, err)
			m, ok := res.Operator("DataGen")
			require.True(t, ok)
			assert.EqualValues(t, 100, m.RecordsOut)

			line := regexp.MustCompile(`^gen(:(\d))?> \+I\[(\d+), ([0-9a-f]{8}), ([01]\.\d\d), \[([123]), ([123])\]\]$`)
			var ids []int
			for _, l := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
				mt := line.FindStringSubmatch(l)
				require.NotNil(t, mt, "line %q", l)
				id, _ := strconv.Atoi(mt[3])
				ids = append(ids, id)
				if par == 1 {
					assert.Empty(t, mt[1], "no subtask number at parallelism 1")
					continue
				}
				sub, _ := strconv.Atoi(mt[2])
				assert.Equal(t, (id-1)%par, sub-1, "id %d comes from subtask %d of %d", id, sub, par)
			}
			slices.Sort(ids)
			want := make([]int, 100)
			for i := range want {
				want[i] = i + 1
			}
			assert.Equal(t, want, ids)
		})
	}
}

// At a low rate batches are a second apart; the source yields while it
// waits, so checkpoints every 50 ms complete in between.
func TestSlowDatagenJobCheckpoints(t *testing.T) {
	cols := []connector.Column{{Name: "n", Type: types.BIGINT()}}
	src, err := datagen.Factory{}.NewSource(&connector.Context{Table: "gen", Columns: cols,
		Options: map[string]string{"connector": "datagen", "rows-per-second": "100"}})
	require.NoError(t, err)
	sinkFactory, err := connector.Lookup("blackhole")
	require.NoError(t, err)
	sink, err := sinkFactory.(connector.SinkFactory).NewSink(&connector.Context{Table: "out", Columns: cols,
		Options: map[string]string{"connector": "blackhole"}})
	require.NoError(t, err)
	g := &engine.JobGraph{Name: "slow-datagen", Vertices: []*engine.Vertex{{
		ID: 1, Name: "gen", Parallelism: 1,
		Source: func(s int) engine.Source { return src.Instance(s, 1) },
		Sink:   func(s int) engine.Sink { return sink.Instance(s, 1) },
	}}}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 800*time.Millisecond)
	defer cancel()
	_, err = engine.Execute(ctx, g, engine.Config{engine.ConfigCheckpointInterval: "50ms", engine.ConfigCheckpointsDir: dir,
		engine.ConfigCheckpointsRetained: "100"})
	require.Error(t, err, "an unbounded job ends by cancellation")
	done, err := filepath.Glob(filepath.Join(dir, "*", "chk-*", "_metadata"))
	require.NoError(t, err)
	assert.GreaterOrEqual(t, len(done), 3, "checkpoints completed within the first batch's second")
}

package filesystem

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func TestRegistered(t *testing.T) {
	f, err := connector.Lookup(Identifier)
	require.NoError(t, err)
	_, ok := f.(connector.SourceFactory)
	assert.True(t, ok)
	_, ok = f.(connector.SinkFactory)
	assert.True(t, ok)
	_, ok = f.(connector.LegacyFactory)
	assert.True(t, ok)
	pf, err := connector.LookupFormat("parquet")
	require.NoError(t, err)
	assert.Equal(t, "parquet", pf.Identifier())
}

func TestBadOptions(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	file := filepath.Join(dir, "f.txt")
	writeFile(t, file, "")
	interval := []connector.Column{col("i", types.INTERVAL_DAY_TIME())}

	tests := []struct {
		name string
		cols []connector.Column
		opts map[string]string
		sink bool
		want string
	}{
		{name: "no path", opts: map[string]string{"format": "fstest"},
			want: `connector "filesystem" requires option 'path'; supported options: path, format, source.path.regex-pattern, sink.parallelism, sink.rolling-policy.file-size, sink.rolling-policy.rollover-interval, sink.rolling-policy.check-interval, lookup.join.cache.ttl, fstest.ignore-parse-errors`},
		{name: "no format", opts: map[string]string{"path": dir},
			want: `connector "filesystem" requires option 'format'`},
		{name: "unknown format", opts: map[string]string{"path": dir, "format": "avro"},
			want: `connector "filesystem": format = 'avro': no format "avro"`},
		{name: "unknown option", opts: map[string]string{"path": dir, "format": "fstest", "csv.field-delimiter": ";"},
			want: `connector "filesystem" does not support option 'csv.field-delimiter'`},
		{name: "empty path", opts: map[string]string{"path": " ", "format": "fstest"},
			want: `filesystem: path = ' ' is empty; give a file or a directory`},
		{name: "remote file system", opts: map[string]string{"path": "s3://bucket/t", "format": "fstest"},
			want: `filesystem: path = 's3://bucket/t' uses the file system 's3'; Sluice reads and writes local files only (a path, or file:///path)`},
		{name: "remote host", opts: map[string]string{"path": "file://server/t", "format": "fstest"},
			want: `filesystem: path = 'file://server/t' names host 'server'; only local files (file:///path) are supported`},
		{name: "missing path", opts: map[string]string{"path": missing, "format": "fstest"},
			want: `filesystem: cannot read path '` + missing + `': no such file or directory`},
		{name: "bad regex", opts: map[string]string{"path": dir, "format": "fstest", OptionRegexPattern: "(["},
			want: `filesystem: source.path.regex-pattern = '([' is not a regular expression: error parsing regexp: missing closing ]: ` + "`[)$`"},
		{name: "bad ignore-parse-errors", opts: map[string]string{"path": dir, "format": "fstest", "fstest.ignore-parse-errors": "yes"},
			want: `filesystem: fstest: ignore-parse-errors = 'yes' is not a boolean (true or false)`},
		{name: "format rejects the columns", cols: interval, opts: map[string]string{"path": dir, "format": "fstest"},
			want: `filesystem: fstest: column i: type INTERVAL SECOND(3) is not supported`},
		{name: "parquet cannot hold INTERVAL", cols: interval, opts: map[string]string{"path": dir, "format": "parquet"},
			want: `filesystem: format parquet cannot hold the table's columns:`},
		{name: "parquet codec", opts: map[string]string{"path": dir, "format": "parquet", "parquet.compression": "lzo"},
			want: `filesystem: parquet: compression = 'lzo' is not a supported codec; use snappy, zstd, gzip, brotli, lz4_raw or none`},
		{name: "parquet block size", opts: map[string]string{"path": dir, "format": "parquet", "parquet.block.size": "big"},
			want: `filesystem: parquet: block.size = 'big' is not a positive memory size; write e.g. '128mb'`},
		{name: "parquet dictionary", opts: map[string]string{"path": dir, "format": "parquet", "parquet.enable.dictionary": "1"},
			want: `filesystem: parquet: enable.dictionary = '1' is not a boolean (true or false)`},
		{name: "sink parallelism", sink: true, opts: map[string]string{"path": dir, "format": "fstest", OptionSinkParallelism: "0"},
			want: `filesystem: sink.parallelism = '0' must be at least 1`},
		{name: "rolling size unit", sink: true, opts: map[string]string{"path": dir, "format": "fstest", OptionRollingFileSize: "12 parsecs"},
			want: `filesystem: sink.rolling-policy.file-size = '12 parsecs' is not a memory size (unknown unit 'parsecs'); write e.g. '128mb'`},
		{name: "rolling size zero", sink: true, opts: map[string]string{"path": dir, "format": "fstest", OptionRollingFileSize: "0"},
			want: `filesystem: sink.rolling-policy.file-size = '0' must be at least 1 byte`},
		{name: "rollover interval", sink: true, opts: map[string]string{"path": dir, "format": "fstest", OptionRolloverInterval: "soon"},
			want: `filesystem: sink.rolling-policy.rollover-interval = 'soon' is not a duration`},
		{name: "sink path is a file", sink: true, opts: map[string]string{"path": file, "format": "fstest"},
			want: `filesystem: path '` + file + `' is a file; the sink writes part files into a directory`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cols := tc.cols
			if cols == nil {
				cols = idName
			}
			var err error
			if tc.sink {
				_, err = Factory{}.NewSink(tableContext(cols, tc.opts))
			} else {
				_, err = Factory{}.NewSource(tableContext(cols, tc.opts))
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseMemorySize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "1024", want: 1024},
		{in: "12b", want: 12},
		{in: "64kb", want: 64 << 10},
		{in: "128 MB", want: 128 << 20},
		{in: "1g", want: 1 << 30},
		{in: "2 tebibytes", want: 2 << 40},
		{in: "mb", err: "no number"},
		{in: "1.5mb", err: "unknown unit '.5mb'"},
		{in: "9999999999t", err: "size out of range"},
	}
	for _, tc := range tests {
		got, err := ParseMemorySize(tc.in)
		if tc.err != "" {
			assert.EqualError(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

// Flink 1.10's descriptor keys, as old PyFlink scripts write them.
func TestLegacyDDL(t *testing.T) {
	in := t.TempDir()
	writeFile(t, filepath.Join(in, "words.txt"), "1,flink\nx,bad\n2,sluice\n")
	out := filepath.Join(t.TempDir(), "out")
	env := newEnv(t, 1)
	execSQL(t, env, fmt.Sprintf(`
CREATE TABLE source_t (id INT, word STRING) WITH (
  'connector.type' = 'filesystem',
  'connector.property-version' = '1',
  'connector.path' = '%s',
  'format.type' = 'fstest',
  'format.property-version' = '1',
  'format.ignore-parse-errors' = 'true',
  'format.fields.0.name' = 'id',
  'format.fields.0.type' = 'INT'
);
CREATE TABLE sink_t (id INT, word STRING) WITH (
  'connector.type' = 'filesystem',
  'connector.path' = '%s',
  'format.type' = 'fstest'
);
INSERT INTO sink_t SELECT id * 10, word FROM source_t`, in, out))
	assert.Equal(t, []string{"10 | flink", "20 | sluice"}, queryRows(t, env, "SELECT * FROM sink_t"))

	execSQL(t, env, `CREATE TABLE bad_t (id INT) WITH ('connector.type' = 'filesystem', 'connector.path' = '/x', 'connector.topic' = 't', 'format.type' = 'fstest')`)
	_, err := env.ExecuteSQL(ctxFor(t), "SELECT * FROM bad_t")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `connector "filesystem" does not support legacy option 'connector.topic'; supported legacy options: connector.type, format.type, format.*, connector.path`)
}

func TestExplainDescribesTheTable(t *testing.T) {
	dir := t.TempDir()
	env := newEnv(t, 1)
	execSQL(t, env, fmt.Sprintf(`CREATE TABLE fs (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = '%s', 'format' = 'parquet')`, dir))
	plan := queryRows(t, env, "EXPLAIN SELECT * FROM fs")
	require.Len(t, plan, 1)
	assert.Contains(t, plan[0], "TableSourceScan(table=[[default_catalog, default_database, fs]], fields=[id, name], path="+dir+", format=parquet")
}

func TestFileURIs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.txt"), "1,a\n")
	for _, p := range []string{dir, "file://" + dir, "file:" + dir, "file://localhost" + dir} {
		assert.Equal(t, []string{"+I[1, a]"}, readAll(t, p, 1, nil), p)
	}
}

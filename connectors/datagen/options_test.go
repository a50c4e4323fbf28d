package datagen

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/engine"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func TestRegistered(t *testing.T) {
	f, err := connector.Lookup(Identifier)
	require.NoError(t, err)
	_, ok := f.(connector.SourceFactory)
	assert.True(t, ok, "datagen is a source factory")
	_, ok = f.(connector.SinkFactory)
	assert.False(t, ok, "datagen has no sink")
}

func TestOptionErrors(t *testing.T) {
	cols := []connector.Column{
		col("id", types.BIGINT()),
		col("size", types.BIGINT()),
		col("name", types.STRING()),
		col("code", types.VARCHAR(10)),
		col("tiny", types.TINYINT()),
		col("flag", types.BOOLEAN()),
		col("price", types.DECIMAL(5, 2)),
		col("ts", types.TIMESTAMP(3)),
		col("must", types.INT().NotNullable()),
		col("m", types.MAP(types.INT(), types.STRING())),
		col("buyer", types.ROW(types.FIELD("first", types.STRING()), types.FIELD("age", types.INT()))),
		col("tags", types.ARRAY(types.INT())),
		col("bin", types.BINARY(4)),
		col("ratio", types.DOUBLE()),
	}
	tests := []struct {
		name string
		opts map[string]string
		cfg  engine.Config
		want string
	}{
		{"min not a number", map[string]string{"fields.size.min": "abc"},
			nil, "datagen: fields.size.min = 'abc' is not a BIGINT"},
		{"max out of TINYINT range", map[string]string{"fields.tiny.max": "300"},
			nil, "datagen: fields.tiny.max = '300' is not a TINYINT"},
		{"min above max", map[string]string{"fields.size.min": "10", "fields.size.max": "1"},
			nil, "datagen: fields.size.min = '10' is greater than fields.size.max = '1'"},
		{"min above default max", map[string]string{"fields.tiny.min": "127", "fields.tiny.max": "-1"},
			nil, "fields.tiny.min = '127' is greater than fields.tiny.max = '-1'"},
		{"double min not finite", map[string]string{"fields.ratio.min": "inf"},
			nil, "datagen: fields.ratio.min = 'inf' is not a finite DOUBLE"},
		{"decimal max too wide", map[string]string{"fields.price.max": "1000"},
			nil, "datagen: fields.price.max = '1000' is not a DECIMAL(5, 2)"},
		{"unknown column", map[string]string{"fields.nmae.kind": "random"},
			nil, "datagen: option 'fields.nmae.kind' names no column of table t; its columns are: id, size, name, code, tiny, flag, price, ts, must, m, buyer, tags, bin, ratio"},
		{"unknown nested field", map[string]string{"fields.buyer.last.length": "3"},
			nil, "option 'fields.buyer.last.length' names no column of table t"},
		{"unknown field option", map[string]string{"fields.id.minimum": "1"},
			nil, "datagen: option 'fields.id.minimum': unknown field option 'minimum'; field options are: kind, min, max, max-past, length, var-len, start, end, null-rate"},
		{"option for another type", map[string]string{"fields.name.min": "1"},
			nil, "datagen: option 'fields.name.min' does not apply to column name (STRING, kind random); options for it: kind, length, var-len, null-rate"},
		{"nested option for another type", map[string]string{"fields.buyer.first.max": "1"},
			nil, "datagen: option 'fields.buyer.first.max' does not apply to field buyer.first (STRING, kind random); options for it: length, var-len, null-rate"},
		{"kind on a nested field", map[string]string{"fields.tags.element.kind": "sequence"},
			nil, "does not apply to field tags.element (INT, kind random)"},
		{"random with start", map[string]string{"fields.id.start": "1"},
			nil, "datagen: option 'fields.id.start' does not apply to column id (BIGINT, kind random); options for it: kind, min, max, null-rate"},
		{"sequence with min", map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "5", "fields.id.min": "0"},
			nil, "datagen: option 'fields.id.min' does not apply to column id (BIGINT, kind sequence); options for it: kind, start, end"},
		{"key without option", map[string]string{"fields.id": "1"},
			nil, "datagen: option 'fields.id' names no field option; write fields.<column>.<option>, e.g. 'fields.id.kind'"},
		{"bad kind", map[string]string{"fields.id.kind": "seq"},
			nil, "datagen: fields.id.kind = 'seq' is not a generator kind; use 'random' or 'sequence'"},
		{"sequence without end", map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1"},
			nil, "datagen: column id has kind 'sequence' and needs option 'fields.id.end'"},
		{"sequence start after end", map[string]string{"fields.id.kind": "sequence", "fields.id.start": "9", "fields.id.end": "1"},
			nil, "datagen: fields.id.start = '9' is greater than fields.id.end = '1'"},
		{"sequence out of TINYINT range", map[string]string{"fields.tiny.kind": "sequence", "fields.tiny.start": "0", "fields.tiny.end": "300"},
			nil, "datagen: fields.tiny.end = '300' is not a TINYINT"},
		{"sequence not an integer", map[string]string{"fields.name.kind": "sequence", "fields.name.start": "a", "fields.name.end": "z"},
			nil, "datagen: fields.name.start = 'a' is not an integer"},
		{"sequence too wide for VARCHAR", map[string]string{"fields.code.kind": "sequence", "fields.code.start": "1", "fields.code.end": "99999999999"},
			nil, "datagen: the sequence 1..99999999999 of column code has values of 11 characters, longer than VARCHAR(10)"},
		{"sequence of BOOLEAN", map[string]string{"fields.flag.kind": "sequence", "fields.flag.start": "0", "fields.flag.end": "1"},
			nil, "datagen: column flag: kind 'sequence' does not support BOOLEAN"},
		{"sequence of a too short BINARY", map[string]string{"fields.bin.kind": "sequence", "fields.bin.start": "0", "fields.bin.end": "1"},
			nil, "datagen: column bin: a sequence emits 8-byte values, which BINARY(4) cannot hold"},
		{"sequence of every BIGINT", map[string]string{"fields.id.kind": "sequence", "fields.id.start": "-9223372036854775808", "fields.id.end": "9223372036854775807"},
			nil, "has more values than fit in a 64-bit count"},
		{"sequence of DECIMAL beyond its precision", map[string]string{"fields.price.kind": "sequence", "fields.price.start": "0", "fields.price.end": "1000"},
			nil, "datagen: fields.price.end = '1000' is out of range for a sequence of DECIMAL(5, 2) (-999..999)"},
		{"null-rate above 1", map[string]string{"fields.size.null-rate": "1.5"},
			nil, "datagen: fields.size.null-rate = '1.5' must be between 0 and 1"},
		{"null-rate not a number", map[string]string{"fields.size.null-rate": "half"},
			nil, "datagen: fields.size.null-rate = 'half' is not a number"},
		{"null-rate on NOT NULL", map[string]string{"fields.must.null-rate": "0.1"},
			nil, "datagen: fields.must.null-rate = '0.1' would generate NULLs but must is INT NOT NULL"},
		{"null-rate on a map key", map[string]string{"fields.m.key.null-rate": "0.1"},
			nil, "datagen: fields.m.key.null-rate = '0.1' would generate NULL MAP keys, which Arrow maps cannot hold"},
		{"length beyond VARCHAR", map[string]string{"fields.code.length": "11"},
			nil, "datagen: fields.code.length = '11' is longer than VARCHAR(10) allows"},
		{"negative length", map[string]string{"fields.tags.length": "-1"},
			nil, "datagen: fields.tags.length = '-1' must not be negative"},
		{"var-len without length", map[string]string{"fields.code.length": "0", "fields.code.var-len": "true"},
			nil, "datagen: fields.code.var-len = 'true' needs fields.code.length of at least 1"},
		{"var-len not a boolean", map[string]string{"fields.code.var-len": "yes"},
			nil, "datagen: fields.code.var-len = 'yes' is not a boolean (true or false)"},
		{"max-past not a duration", map[string]string{"fields.ts.max-past": "soon"},
			nil, "datagen: fields.ts.max-past = 'soon' is not a duration"},
		{"rows-per-second zero", map[string]string{"rows-per-second": "0"},
			nil, "datagen: rows-per-second = '0' must be at least 1"},
		{"rows-per-second not a number", map[string]string{"rows-per-second": "fast"},
			nil, "datagen: rows-per-second = 'fast' is not an integer"},
		{"negative number-of-rows", map[string]string{"number-of-rows": "-1"},
			nil, "datagen: number-of-rows = '-1' must not be negative"},
		{"seed not a number", map[string]string{"seed": "lucky"},
			nil, "datagen: seed = 'lucky' is not an integer"},
		{"unknown table option", map[string]string{"rows-per-sec": "1"},
			nil, `connector "datagen" does not support option 'rows-per-sec'; supported options: rows-per-second, number-of-rows, seed, fields.…`},
		{"bad batch size", nil,
			engine.Config{engine.ConfigBatchSize: "0"}, "datagen: config sluice.exec.batch-size = 0: must be at least 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newSourceFor(cols, tc.opts, tc.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestUnsupportedTypes(t *testing.T) {
	_, err := newSourceFor([]connector.Column{col("n", types.NULL())}, nil, nil)
	require.Error(t, err)
	assert.Equal(t, "datagen: column n has type NULL, which datagen cannot generate", err.Error())

	_, err = newSourceFor([]connector.Column{col("m", types.MAP(types.ARRAY(types.INT()), types.INT()))}, nil, nil)
	require.Error(t, err)
	assert.Equal(t, "datagen: column m: cannot generate MAP keys of type ARRAY<INT>; use a scalar key type", err.Error())
}

func TestValidOptionsAreAccepted(t *testing.T) {
	cols := []connector.Column{
		col("id", types.INT()),
		col("buyer", types.ROW(types.FIELD("first", types.STRING()), types.FIELD("tags", types.ARRAY(types.SMALLINT())))),
		col("m", types.MAP(types.STRING(), types.ROW(types.FIELD("x", types.DOUBLE())))),
	}
	src, err := newSourceFor(cols, map[string]string{
		"rows-per-second":                     "5",
		"number-of-rows":                      "7",
		"seed":                                "-3",
		"fields.id.kind":                      "Sequence", // case-insensitive, as Flink's enum options
		"fields.id.start":                     "1",
		"fields.id.end":                       "100",
		"fields.buyer.null-rate":              "0.5",
		"fields.buyer.first.length":           "4",
		"fields.buyer.first.var-len":          "TRUE",
		"fields.buyer.tags.length":            "2",
		"fields.buyer.tags.element.min":       "-3",
		"fields.buyer.tags.element.max":       "3",
		"fields.m.key.length":                 "2",
		"fields.m.value.x.min":                "0.5",
		"fields.m.value.x.max":                "0.75",
		"fields.m.value.x.null-rate":          "0.1",
		"fields.m.length":                     "4",
		"fields.buyer.tags.element.null-rate": "0",
	}, nil)
	require.NoError(t, err)
	assert.True(t, src.Bounded)
	assert.Equal(t, connector.InsertOnly, src.Mode)
	assert.Equal(t, "rows-per-second=5, number-of-rows=7, id=sequence[1..100]", src.Describe)
}

func TestBoundedness(t *testing.T) {
	cols := []connector.Column{col("id", types.BIGINT())}
	tests := []struct {
		name    string
		opts    map[string]string
		bounded bool
	}{
		{"random only", nil, false},
		{"number-of-rows", map[string]string{"number-of-rows": "10"}, true},
		{"zero rows", map[string]string{"number-of-rows": "0"}, true},
		{"sequence", map[string]string{"fields.id.kind": "sequence", "fields.id.start": "1", "fields.id.end": "3"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.bounded, mustSource(t, cols, tc.opts, nil).Bounded)
		})
	}
}

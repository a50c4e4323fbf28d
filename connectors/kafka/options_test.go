package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/table/connector"
	"github.com/sluice-stream/sluice/table/types"
)

func TestParseSpecificOffsets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want map[int32]int64
		err  string
	}{
		{"partition:0,offset:42;partition:1,offset:300", map[int32]int64{0: 42, 1: 300}, ""},
		{" partition : 3 , offset : 0 ; ", map[int32]int64{3: 0}, ""},
		{"offset:7,partition:2", map[int32]int64{2: 7}, ""},
		{"partition:0", nil, "is not 'partition:<n>,offset:<n>'"},
		{"partition:0,offset:1;partition:0,offset:2", nil, "partition 0 is given twice"},
		{"partition:x,offset:1", nil, "partition 'x' is not a partition number"},
		{"partition:1,offset:-5", nil, "offset '-5' is not an offset"},
		{"", nil, "no offsets given"},
		{"partition:1,offset:2,leader:3", nil, "is not 'partition:<n>,offset:<n>'"},
	} {
		got, err := parseSpecificOffsets(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
}

func TestLegacySeedOptions(t *testing.T) {
	// The seed's source DDL, as Flink 1.10 wrote it.
	seed := map[string]string{
		"connector.type":                         "kafka",
		"connector.version":                      "universal",
		"connector.topic":                        "access_log",
		"connector.properties.zookeeper.connect": "localhost:2181",
		"connector.properties.bootstrap.servers": "localhost:9092",
		"format.type":                            "csv",
		"format.ignore-parse-errors":             "true",
	}
	opts, err := connector.Normalize(Factory{}, seed)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"connector":                    "kafka",
		"topic":                        "access_log",
		"properties.bootstrap.servers": "localhost:9092",
		"format":                       "csv",
		"csv.ignore-parse-errors":      "true",
	}, opts)

	_, err = connector.Normalize(Factory{}, map[string]string{"connector.type": "kafka", "connector.version": "0.8"})
	assert.ErrorContains(t, err, "connector.version = '0.8' is not supported; supported: universal, 0.11, 0.10")
}

func TestSplitColumns(t *testing.T) {
	cols := []connector.Column{{Name: "k_id"}, {Name: "name"}, {Name: "v"}}
	for _, tc := range []struct {
		opts       map[string]string
		key, value []int
		err        string
	}{
		{map[string]string{}, nil, []int{0, 1, 2}, ""},
		{map[string]string{"key.fields": "k_id"}, []int{0}, []int{0, 1, 2}, ""},
		{map[string]string{"key.fields": "k_id", "value.fields-include": "EXCEPT_KEY"}, []int{0}, []int{1, 2}, ""},
		{map[string]string{"key.fields": "k_id;name", "key.fields-prefix": "k_", "value.fields-include": "EXCEPT_KEY"}, nil, nil, "is not a prefix of key column name"},
		{map[string]string{"key.fields": "k_id", "key.fields-prefix": "k_"}, nil, nil, "needs 'value.fields-include' = 'EXCEPT_KEY'"},
		{map[string]string{"value.fields-include": "SOME"}, nil, nil, "is not one of ALL, EXCEPT_KEY"},
		{map[string]string{"key.fields": "k_id;name;v", "value.fields-include": "EXCEPT_KEY"}, nil, nil, "the value would be empty"},
	} {
		c := &config{cols: cols}
		err := c.splitColumns(optReader(tc.opts))
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%v", tc.opts)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.key, c.keyCols)
		assert.Equal(t, tc.value, c.valueCols)
	}
}

func optReader(m map[string]string) option.Reader {
	return option.Reader{Connector: Identifier, Options: m}
}

func TestCheckpointOptions(t *testing.T) {
	base := func(extra map[string]string) *connector.Context {
		o := map[string]string{"connector": "kafka", "topic": "t", "properties.bootstrap.servers": "x", "format": "raw"}
		for k, v := range extra {
			o[k] = v
		}
		return &connector.Context{Table: "t", Columns: []connector.Column{{Name: "v", Type: types.STRING()}}, Options: o}
	}
	for _, tc := range []struct {
		name  string
		opts  map[string]string
		sink  bool
		err   string
		check func(t *testing.T, c *config)
	}{
		{"exactly-once needs a prefix", map[string]string{"sink.delivery-guarantee": "exactly-once"}, true,
			"'sink.transactional-id-prefix' must be specified when using sink.delivery-guarantee = 'exactly-once'", nil},
		{"exactly-once", map[string]string{"sink.delivery-guarantee": "EXACTLY-ONCE", "sink.transactional-id-prefix": " job7 "}, true, "", func(t *testing.T, c *config) {
			assert.Equal(t, "exactly-once", c.delivery)
			assert.Equal(t, "job7", c.txnPrefix)
		}},
		{"the connector owns transactional.id", map[string]string{"sink.delivery-guarantee": "exactly-once", "sink.transactional-id-prefix": "p", "properties.transactional.id": "x"}, true,
			"'properties.transactional.id' is set by the connector", nil},
		{"unknown guarantee", map[string]string{"sink.delivery-guarantee": "exactly-twice"}, true,
			"sink.delivery-guarantee = 'exactly-twice' is not one of at-least-once, exactly-once, none", nil},
		{"sink.semantic is the old name", map[string]string{"sink.semantic": "none"}, true, "", func(t *testing.T, c *config) {
			assert.Equal(t, "none", c.delivery)
		}},
		{"sink.delivery-guarantee wins over sink.semantic", map[string]string{"sink.semantic": "none", "sink.delivery-guarantee": "at-least-once"}, true, "", func(t *testing.T, c *config) {
			assert.Equal(t, "at-least-once", c.delivery)
		}},
		{"a bad sink.semantic is named", map[string]string{"sink.semantic": "once"}, true, "sink.semantic = 'once' is not one of", nil},
		{"a source ignores the sink's prefix rule", map[string]string{"sink.delivery-guarantee": "exactly-once"}, false, "", nil},
		{"commit on checkpoint by default", nil, false, "", func(t *testing.T, c *config) {
			assert.True(t, c.commitOnCheckpoint)
		}},
		{"commit.offsets.on.checkpoint is Flink's, not librdkafka's", map[string]string{"properties.commit.offsets.on.checkpoint": "false"}, false, "", func(t *testing.T, c *config) {
			assert.False(t, c.commitOnCheckpoint)
			assert.NotContains(t, c.props, propCommitOnCheckpoint)
		}},
		{"commit.offsets.on.checkpoint must be a boolean", map[string]string{"properties.commit.offsets.on.checkpoint": "sometimes"}, false,
			"properties.commit.offsets.on.checkpoint = 'sometimes' is not true or false", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parse(base(tc.opts), tc.sink)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, c)
			}
		})
	}
}

func TestCheckpointStateEncoding(t *testing.T) {
	p := partOffset{key: partKey{"topic.a", 7}, next: -2, stop: 1 << 40}
	got, err := decodePartOffset(encodePartOffset(p))
	require.NoError(t, err)
	assert.Equal(t, p, got)
	_, err = decodePartOffset(encodePartOffset(p)[:5])
	assert.ErrorContains(t, err, "source state element")

	var recs []byte
	recs = appendRecord(recs, -1, nil, []byte("v1"))
	recs = appendRecord(recs, 3, []byte{}, nil)
	recs = appendRecord(recs, 0, []byte("k"), []byte{})
	e := epoch{slot: 2, run: "r1", id: 42, count: 3, records: recs}
	back, err := decodeEpoch(encodeEpoch(e))
	require.NoError(t, err)
	assert.Equal(t, e, back)
	type rec struct {
		part       int32
		key, value []byte
	}
	var all []rec
	require.NoError(t, eachRecord(back.records, func(part int32, key, value []byte) error {
		all = append(all, rec{part, key, value})
		return nil
	}))
	// Null and empty stay apart.
	assert.Equal(t, []rec{{-1, nil, []byte("v1")}, {3, []byte{}, nil}, {0, []byte("k"), []byte{}}}, all)
	e.count = 4
	_, err = decodeEpoch(encodeEpoch(e))
	assert.ErrorContains(t, err, "sink state element")
}

package kafka

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/table/connector"
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

package connector

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type fakeFormat struct{}

func (fakeFormat) Identifier() string { return "fakecsv" }
func (fakeFormat) Options() []Option {
	return []Option{{Key: "field-delimiter"}, {Key: "ignore-parse-errors"}}
}

type fakeKafka struct{}

func (fakeKafka) Identifier() string { return "fakekafka" }
func (fakeKafka) Options() []Option {
	return []Option{
		{Key: "topic", Required: true},
		{Key: "properties.", Prefix: true},
		{Key: "scan.startup.mode"},
		{Key: "format", Required: true, Format: true},
	}
}
func (fakeKafka) LegacyKeys() map[string]string {
	return map[string]string{
		"topic":                        "topic",
		"properties.":                  "properties.",
		"properties.zookeeper.connect": "",
		"startup-mode":                 "scan.startup.mode",
	}
}
func (fakeKafka) LegacyVersions() []string { return []string{"universal", "0.11"} }

type plain struct{}

func (plain) Identifier() string { return "plain" }
func (plain) Options() []Option  { return []Option{{Key: "path", Required: true}} }

func init() { RegisterFormat(fakeFormat{}) }

func TestNormalizeLegacy(t *testing.T) {
	seed := map[string]string{
		"connector.type":                         "fakekafka",
		"connector.version":                      "universal",
		"connector.topic":                        "access_log",
		"connector.properties.zookeeper.connect": "localhost:2181",
		"connector.properties.bootstrap.servers": "localhost:9092",
		"connector.properties.group.id":          "g",
		"connector.startup-mode":                 "earliest-offset",
		"connector.property-version":             "1",
		"format.type":                            "fakecsv",
		"format.ignore-parse-errors":             "true",
		"format.derive-schema":                   "true",
		"format.fields.0.name":                   "uuid",
		"format.fields.0.type":                   "VARCHAR",
	}
	got, err := Normalize(fakeKafka{}, seed)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"connector":                    "fakekafka",
		"topic":                        "access_log",
		"properties.bootstrap.servers": "localhost:9092",
		"properties.group.id":          "g",
		"scan.startup.mode":            "earliest-offset",
		"format":                       "fakecsv",
		"fakecsv.ignore-parse-errors":  "true",
	}, got)
	require.NoError(t, ValidateOptions(fakeKafka{}, got))

	current := map[string]string{"connector": "fakekafka", "topic": "t", "format": "fakecsv"}
	same, err := Normalize(fakeKafka{}, current)
	require.NoError(t, err)
	assert.Equal(t, current, same)
}

func TestNormalizeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    Factory
		opts map[string]string
		want string
	}{
		{"unknown legacy key", fakeKafka{}, map[string]string{"connector.type": "fakekafka", "connector.topik": "x"},
			"connector \"fakekafka\" does not support legacy option 'connector.topik'; supported legacy options: connector.type, format.type, format.*, connector.properties.*, connector.properties.zookeeper.connect, connector.startup-mode, connector.topic"},
		{"bad version", fakeKafka{}, map[string]string{"connector.type": "fakekafka", "connector.version": "0.8"},
			"connector.version = '0.8' is not supported; supported: universal, 0.11"},
		{"mixed styles", fakeKafka{}, map[string]string{"connector.type": "fakekafka", "topic": "x"},
			"option 'topic' cannot be mixed with the legacy 'connector.type' keys"},
		{"format option without format", fakeKafka{}, map[string]string{"connector.type": "fakekafka", "format.field-delimiter": ";"},
			"legacy option 'format.field-delimiter' needs 'format.type'"},
		{"no legacy form", plain{}, map[string]string{"connector.type": "plain", "connector.path": "/x"},
			"connector \"plain\" has no legacy form; write 'connector' = 'plain' and its current options (path)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Normalize(tc.f, tc.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestIdentifier(t *testing.T) {
	id, err := Identifier(map[string]string{"connector.type": "jdbc"})
	require.NoError(t, err)
	assert.Equal(t, "jdbc", id)
	id, err = Identifier(map[string]string{"connector": "kafka"})
	require.NoError(t, err)
	assert.Equal(t, "kafka", id)
	_, err = Identifier(map[string]string{"connector": "kafka", "connector.type": "kafka"})
	assert.ErrorContains(t, err, "both 'connector' and the legacy 'connector.type'")
	_, err = Identifier(map[string]string{"format": "csv"})
	assert.ErrorContains(t, err, "no 'connector' option")
}

func TestValidateFormatOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts map[string]string
		want string
	}{
		{"ok", map[string]string{"topic": "t", "format": "fakecsv", "fakecsv.field-delimiter": ";"}, ""},
		{"unknown format", map[string]string{"topic": "t", "format": "xml"}, "format = 'xml': no format \"xml\"; available: fakecsv"},
		{"unknown format option", map[string]string{"topic": "t", "format": "fakecsv", "fakecsv.delimiter": ";"},
			"does not support option 'fakecsv.delimiter'; supported options: topic, properties.…, scan.startup.mode, format, fakecsv.field-delimiter, fakecsv.ignore-parse-errors"},
		{"option of another format", map[string]string{"topic": "t", "format": "fakecsv", "json.fail-on-missing-field": "true"},
			"does not support option 'json.fail-on-missing-field'"},
		{"missing format", map[string]string{"topic": "t"}, "requires option 'format'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateOptions(fakeKafka{}, tc.opts)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

package filesystem

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/sluice-stream/sluice/connectors/internal/option"
	"github.com/sluice-stream/sluice/table/connector"
)

// parquetID is the `format` value of the parquet bulk format. Parquet is
// not a row format (no record is a line of bytes), so it lives here rather
// than in connectors/format, and only the filesystem connector reads it.
const parquetID = "parquet"

// Parquet options, under the `parquet.` prefix: Flink passes these
// Hadoop ParquetOutputFormat keys through, so DDL written for Flink keeps
// working.
const (
	parquetCompression = "compression"
	parquetBlockSize   = "block.size"
	parquetPageSize    = "page.size"
	parquetDictionary  = "enable.dictionary"
)

// Defaults of ParquetOutputFormat (Flink's parquet format uses Snappy by
// default, as Spark and Hive do).
const (
	defaultParquetBlockSize = 128 << 20
	defaultParquetPageSize  = 1 << 20
)

// parquetFormat declares the parquet format's options to the planner.
type parquetFormat struct{}

func (parquetFormat) Identifier() string { return parquetID }

func (parquetFormat) Options() []connector.Option {
	return []connector.Option{
		{Key: parquetCompression, Default: "snappy", Description: "Codec of the column chunks: snappy, zstd, gzip, brotli, lz4_raw or none (uncompressed), in any case."},
		{Key: parquetBlockSize, Default: "128mb", Description: "Row group size: a row group is closed once its encoded columns pass this size."},
		{Key: parquetPageSize, Default: "1mb", Description: "Target size of a data page."},
		{Key: parquetDictionary, Default: "true", Description: "Dictionary-encode columns (falls back to plain encoding per column when the dictionary grows too large)."},
	}
}

// parquetOptions are a table's parquet options, read once.
type parquetOptions struct {
	codec      compress.Compression
	blockSize  int64
	pageSize   int64
	dictionary bool
}

var parquetCodecs = map[string]compress.Compression{
	"snappy":       compress.Codecs.Snappy,
	"zstd":         compress.Codecs.Zstd,
	"gzip":         compress.Codecs.Gzip,
	"brotli":       compress.Codecs.Brotli,
	"lz4_raw":      compress.Codecs.Lz4Raw,
	"none":         compress.Codecs.Uncompressed,
	"uncompressed": compress.Codecs.Uncompressed,
}

func readParquetOptions(opts map[string]string, schema *arrow.Schema) (*parquetOptions, error) {
	prefix := connector.FormatPrefix(OptionFormat, parquetID)
	sub := map[string]string{}
	for k, v := range opts {
		if strings.HasPrefix(k, prefix) {
			sub[strings.TrimPrefix(k, prefix)] = v
		}
	}
	r := option.Reader{Connector: Identifier + ": " + strings.TrimSuffix(prefix, "."), Options: sub}
	p := &parquetOptions{blockSize: defaultParquetBlockSize, pageSize: defaultParquetPageSize}
	name := strings.ToLower(strings.TrimSpace(r.String(parquetCompression, "snappy")))
	codec, ok := parquetCodecs[name]
	if !ok {
		return nil, r.Errorf(parquetCompression, "is not a supported codec; use snappy, zstd, gzip, brotli, lz4_raw or none")
	}
	p.codec = codec
	for _, o := range []struct {
		key string
		dst *int64
	}{{parquetBlockSize, &p.blockSize}, {parquetPageSize, &p.pageSize}} {
		if !r.Has(o.key) {
			continue
		}
		n, err := ParseMemorySize(r.String(o.key, ""))
		if err != nil || n < 1 {
			return nil, r.Errorf(o.key, "is not a positive memory size; write e.g. '128mb'")
		}
		*o.dst = n
	}
	var err error
	if p.dictionary, err = r.Bool(parquetDictionary, true); err != nil {
		return nil, err
	}
	// Every column must have a parquet type; asking now turns an INTERVAL
	// column into a planning error rather than a failed job.
	if _, err := pqarrow.ToParquet(schema, p.writerProperties(nil), p.arrowProperties()); err != nil {
		return nil, fmt.Errorf("%s: format parquet cannot hold the table's columns: %w", Identifier, err)
	}
	return p, nil
}

func (p *parquetOptions) writerProperties(mem memory.Allocator) *parquet.WriterProperties {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(p.codec),
		parquet.WithDataPageSize(p.pageSize),
		parquet.WithDictionaryDefault(p.dictionary),
		// The latest format version keeps TIME(9) and TIMESTAMP(9) in
		// nanoseconds; older versions would coerce them to micros.
		parquet.WithVersion(parquet.V2_LATEST),
		parquet.WithCreatedBy("sluice"),
	}
	if mem != nil {
		opts = append(opts, parquet.WithAllocator(mem))
	}
	return parquet.NewWriterProperties(opts...)
}

// arrowProperties stores the Arrow schema in the file's metadata, so that
// a reader gets back the exact Arrow types (units of seconds, int8 and
// int16, zones) parquet's own types cannot say.
func (p *parquetOptions) arrowProperties() pqarrow.ArrowWriterProperties {
	return pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
}

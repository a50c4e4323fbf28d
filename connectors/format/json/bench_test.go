package json_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
	"github.com/sluice-stream/sluice/connectors/format/json"
)

// BenchmarkDecodeCDN decodes 10,000 CDN access log records
// ({"uuid":"f4b2c3a0-…","client_ip":"112.10.23.45","request_time":1700000000123,…})
// into a record builder.
func BenchmarkDecodeCDN(b *testing.B) {
	cols := ft.CDNColumns()
	arrs := ft.CDNLog(memory.DefaultAllocator, 10000)
	defer ft.Release(arrs)
	records := ft.Encode(b, json.Factory{}, cols, arrs, nil)
	ft.BenchmarkDecode(b, json.Factory{}, cols, records, nil)
}

package csv_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/sluice-stream/sluice/connectors/format/csv"
	ft "github.com/sluice-stream/sluice/connectors/format/internal/formattest"
)

// BenchmarkDecodeCDN decodes 10,000 CDN access log records
// (f4b2c3a0-…,112.10.23.45,1700000000123,52340,/static/js/app.3f9a.js)
// into a record builder whose rows are reserved per batch, as the Kafka
// source does. parse-only leaves the builders out; floor is what any
// decoder pays at least, measured in the same run: splitting at commas
// with IndexByte, no quotes, no UTF-8 check, strconv for the numbers, and
// the same Arrow appends (floor-reserved with rows and string bytes
// reserved, floor without).
func BenchmarkDecodeCDN(b *testing.B) {
	cols := ft.CDNColumns()
	arrs := ft.CDNLog(memory.DefaultAllocator, 10000)
	defer ft.Release(arrs)
	records := ft.Encode(b, csv.Factory{}, cols, arrs, nil)
	b.Run("decode", func(b *testing.B) {
		ft.BenchmarkDecode(b, csv.Factory{}, cols, records, nil)
	})
	b.Run("parse-only", func(b *testing.B) {
		d := decoder(b, cols, nil)
		for b.Loop() {
			for _, r := range records {
				if _, err := d.Parse(r); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(records)), "ns/record")
	})
	for _, reserve := range []bool{false, true} {
		name := "floor"
		if reserve {
			name = "floor-reserved"
		}
		b.Run(name, func(b *testing.B) {
			fs := make([]arrow.Field, len(cols))
			for i, c := range cols {
				fs[i] = arrow.Field{Name: c.Name, Type: c.Type.Arrow(), Nullable: true}
			}
			rb := array.NewRecordBuilder(memory.DefaultAllocator, arrow.NewSchema(fs, nil))
			defer rb.Release()
			s0, s1 := rb.Field(0).(*array.StringBuilder), rb.Field(1).(*array.StringBuilder)
			n2, n3 := rb.Field(2).(*array.Int64Builder), rb.Field(3).(*array.Int64Builder)
			s4 := rb.Field(4).(*array.StringBuilder)
			next := func(r []byte) ([]byte, []byte) {
				k := bytes.IndexByte(r, ',')
				if k < 0 {
					return r, nil
				}
				return r[:k], r[k+1:]
			}
			for b.Loop() {
				if reserve {
					rb.Reserve(len(records))
					s0.ReserveData(40 * len(records))
					s1.ReserveData(16 * len(records))
					s4.ReserveData(32 * len(records))
				}
				for _, r := range records {
					var f []byte
					f, r = next(r)
					s0.BinaryBuilder.Append(f)
					f, r = next(r)
					s1.BinaryBuilder.Append(f)
					f, r = next(r)
					v, _ := strconv.ParseInt(string(f), 10, 64)
					n2.Append(v)
					f, r = next(r)
					v, _ = strconv.ParseInt(string(f), 10, 64)
					n3.Append(v)
					s4.BinaryBuilder.Append(r)
				}
				rb.NewRecordBatch().Release()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(records)), "ns/record")
		})
	}
}

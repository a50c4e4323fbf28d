package expr

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strOut builds a STRING or BYTES result. Values are appended as bytes into
// one data buffer, so no value is allocated on its own.
type strOut struct {
	sb *array.StringBuilder
	bb *array.BinaryBuilder
	*array.BinaryBuilder
}

func newStrOut(mem memory.Allocator, dt arrow.DataType, n, dataHint int) *strOut {
	o := &strOut{}
	if dt.ID() == arrow.STRING {
		o.sb = array.NewStringBuilder(mem)
		o.BinaryBuilder = o.sb.BinaryBuilder
	} else {
		o.bb = array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
		o.BinaryBuilder = o.bb
	}
	o.Reserve(n)
	if dataHint > 0 {
		o.ReserveData(dataHint)
	}
	return o
}

// finish returns the built array and releases the builder.
func (o *strOut) finish() arrow.Array {
	if o.sb != nil {
		defer o.sb.Release()
		return o.sb.NewArray()
	}
	defer o.bb.Release()
	return o.bb.NewArray()
}

// release drops a builder whose result is abandoned (an error).
func (o *strOut) release() {
	if o.sb != nil {
		o.sb.Release()
	} else {
		o.bb.Release()
	}
}

// strIn reads STRING or BYTES values without copying.
type strIn struct {
	offs  []int32
	data  []byte
	valid bitsView
}

func newStrIn(a arrow.Array) strIn {
	d := a.Data()
	in := strIn{valid: validity(a)}
	if d.Buffers()[1] == nil {
		return in
	}
	in.offs = reinterpret[int32](d.Buffers()[1].Bytes())[d.Offset() : d.Offset()+d.Len()+1]
	if d.Buffers()[2] != nil {
		in.data = d.Buffers()[2].Bytes()
	}
	return in
}

func (s strIn) bytes(i int) []byte { return s.data[s.offs[i]:s.offs[i+1]] }

// str views value i as a string without copying.
func (s strIn) str(i int) string {
	b := s.bytes(i)
	if len(b) == 0 {
		return ""
	}
	return unsafeString(b)
}

func (s strIn) isNull(i int) bool { return !s.valid.get(i) }

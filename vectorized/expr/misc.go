package expr

import (
	"crypto/rand"
	"encoding/hex"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-stream/sluice/vectorized"
)

func init() {
	registerNondeterministic("UUID", []string{"UUID()"}, bindUUID)
	register("TYPEOF", []string{"TYPEOF(ANY)"}, bindTypeOf)
}

// bindUUID: a random (version 4) UUID per row, as java.util.UUID.randomUUID
// renders it.
func bindUUID(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 0 {
		return nil, noMatch()
	}
	fn := func(kc *kctx, _ []arrow.Array) (arrow.Array, error) {
		out := newStrOut(kc.mem, tString, kc.n, kc.n*36)
		raw := make([]byte, 16*kc.n)
		if _, err := rand.Read(raw); err != nil {
			out.release()
			return nil, err
		}
		var buf [36]byte
		for i := 0; i < kc.n; i++ {
			u := raw[16*i : 16*i+16]
			u[6] = u[6]&0x0f | 0x40 // version 4
			u[8] = u[8]&0x3f | 0x80 // IETF variant
			hex.Encode(buf[0:8], u[0:4])
			buf[8] = '-'
			hex.Encode(buf[9:13], u[4:6])
			buf[13] = '-'
			hex.Encode(buf[14:18], u[6:8])
			buf[18] = '-'
			hex.Encode(buf[19:23], u[8:10])
			buf[23] = '-'
			hex.Encode(buf[24:36], u[10:16])
			out.Append(buf[:])
		}
		return out.finish(), nil
	}
	return &callExpr{name: name, typ: tString, fn: fn}, nil
}

// bindTypeOf: TYPEOF(x) is the SQL type of x, known at planning time, so it
// is a constant.
func bindTypeOf(name string, args []vectorized.Expr) (vectorized.Expr, error) {
	if len(args) != 1 {
		return nil, noMatch()
	}
	return Literal(SQLTypeName(args[0].DataType()), tString)
}
